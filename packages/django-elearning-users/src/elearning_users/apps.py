from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElearningUsersConfig(AppConfig):
    name = "elearning_users"
    label = "elearning_users"
    verbose_name = _("E-learning users")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers the system checks and receivers)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElearningChatConfig(AppConfig):
    name = "elearning_chat"
    label = "elearning_chat"
    verbose_name = _("E-learning chat")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElearningCoursesConfig(AppConfig):
    name = "elearning_courses"
    label = "elearning_courses"
    verbose_name = _("E-learning courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            signals,  # noqa: F401  (connects the post_save receivers)
        )
        from .search import receivers  # noqa: F401  (keeps the search index current)

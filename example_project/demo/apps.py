from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    label = "demo"
    verbose_name = "Demo site"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)

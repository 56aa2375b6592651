from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=False)
def check_allowed_hosts(app_configs, **kwargs):
    """A wildcard host turns the WebSocket origin check off: say so."""
    if "*" in settings.ALLOWED_HOSTS:
        return [
            Warning(
                "ALLOWED_HOSTS contains '*': AllowedHostsOriginValidator then accepts WebSocket "
                "connections from every origin (cross-site WebSocket hijacking).",
                hint="List the site's host names in DJANGO_ALLOWED_HOSTS.",
                id="demo.W001",
            )
        ]
    return []

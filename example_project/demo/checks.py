from django.conf import settings
from django.core.checks import Info, Warning, register


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


@register(deploy=True)
def check_plain_http(app_configs, **kwargs):
    """DJANGO_HTTPS off with DEBUG off: settings.py silences the HTTPS warnings of
    ``check --deploy`` (HSTS, the redirect, Secure cookies cannot work over plain HTTP);
    this says so, so the choice stays visible."""
    if settings.DEBUG or getattr(settings, "HTTPS", True):
        return []
    return [
        Info(
            "DJANGO_HTTPS is off: the site is served over plain HTTP, without HSTS, HTTPS "
            "redirect or Secure cookies (security.W004, W008, W012, W016 are silenced).",
            hint="Behind TLS, set DJANGO_HTTPS=1 (and DJANGO_TRUSTED_PROXIES for a TLS proxy).",
            id="demo.I001",
        )
    ]

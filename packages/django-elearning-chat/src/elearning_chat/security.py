"""A WebSocket Origin check that compares scheme, host and port, like Django's CSRF check.

Browsers send the cookies of a site with every WebSocket handshake to it, whichever page
opens the socket, and the same-origin policy does not apply to WebSockets: the Origin
header is the only thing that tells a page of the site from a page of another one
(cross-site WebSocket hijacking). Channels' ``AllowedHostsOriginValidator`` compares the
Origin's host name with ``ALLOWED_HOSTS`` only, so ``http://127.0.0.1:9999`` (any other
program on the same machine) passes for a site at ``http://127.0.0.1:8100``.

:class:`OriginValidator` accepts a handshake when its Origin is

* the origin of the request itself: ``http``/``https`` (``https`` when the connection is
  secure: a ``wss`` scope, or ``SECURE_PROXY_SSL_HEADER`` when the site configured it) and
  the ``Host`` header, port included, where the host is one of ``ALLOWED_HOSTS``; or
* one of ``CSRF_TRUSTED_ORIGINS`` (exactly, or ``https://*.example.com`` for subdomains).

These are the rules of :class:`django.middleware.csrf.CsrfViewMiddleware` for an unsafe
request with an Origin header. Every other Origin, ``null`` included, is refused (the
handshake is answered 403). A handshake without an Origin header comes from a program,
not from a browser page (browsers always send one), so no other site can make it with a
visitor's cookies; it is accepted unless ``allow_missing_origin=False``.

Use it in ``asgi.py`` in place of ``AllowedHostsOriginValidator``::

    from elearning_chat.security import OriginValidator

    application = ProtocolTypeRouter({
        "http": django_asgi_app,
        "websocket": OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    })
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

__all__ = ["OriginValidator", "origin_allowed"]


def _header(scope, name):
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def _allowed_hosts():
    # Django's own default under DEBUG (HttpRequest.get_host).
    hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def _is_secure(scope):
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        header, secure_value = proxy
        # "HTTP_X_FORWARDED_PROTO" -> b"x-forwarded-proto", as Django reads it from META.
        name = header.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
        value = _header(scope, name)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return scope.get("scheme", "ws") in ("wss", "https")


def _trusted(origin):
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" not in trusted:
            continue
        pattern = urlsplit(trusted)
        if pattern.scheme == parsed.scheme and is_same_domain(
            parsed.netloc, pattern.netloc.replace("*", "", 1)
        ):
            return True
    return False


def origin_allowed(scope, origin):
    """Whether a WebSocket handshake (``scope``) from ``origin`` may go on.

    ``origin`` is the Origin header's text. Same rules as Django's CSRF origin check: the
    request's own scheme and ``Host`` (host in ``ALLOWED_HOSTS``), or a trusted origin.
    """
    host = _header(scope, b"host")
    if host:
        domain, _port = split_domain_port(host)
        if domain and validate_host(domain, _allowed_hosts()):
            own = "{}://{}".format("https" if _is_secure(scope) else "http", host)
            if origin == own:
                return True
    return _trusted(origin)


class OriginValidator:
    """ASGI middleware: refuse WebSocket handshakes from other origins (see the module)."""

    def __init__(self, application, *, allow_missing_origin=True):
        self.application = application
        self.allow_missing_origin = allow_missing_origin

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("OriginValidator wraps WebSocket applications only")
        origin = _header(scope, b"origin")
        if origin is None:
            allowed = self.allow_missing_origin
        else:
            allowed = origin_allowed(scope, origin)
        if allowed:
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)

"""elearning_chat.security.OriginValidator: scheme, host and port of the Origin, like CSRF."""

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from elearning_chat.security import OriginValidator, origin_allowed

pytestmark = pytest.mark.asyncio

SITE = {"ALLOWED_HOSTS": ["127.0.0.1", "localhost", "learn.example.com"], "CSRF_TRUSTED_ORIGINS": []}


class Accept(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()


async def handshake(origin=None, host="127.0.0.1:8100", scheme="ws", extra=(), **validator_options):
    headers = [(b"host", host.encode())] if host else []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    headers.extend(extra)
    app = OriginValidator(Accept.as_asgi(), **validator_options)
    communicator = WebsocketCommunicator(app, "/ws/chat/lobby/", headers=headers)
    communicator.scope["scheme"] = scheme
    connected, code = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected, code


@override_settings(**SITE)
async def test_same_origin_is_accepted():
    assert (await handshake("http://127.0.0.1:8100"))[0]
    assert (await handshake("http://localhost", host="localhost"))[0]


@override_settings(**SITE)
async def test_other_port_of_the_same_host_is_refused():
    # AllowedHostsOriginValidator lets this one through (it compares host names only).
    # Refused before the accept: Daphne answers the handshake with HTTP 403.
    assert not (await handshake("http://127.0.0.1:9999"))[0]
    assert not (await handshake("http://127.0.0.1"))[0]  # default port 80 is another port
    assert not (await handshake("http://localhost:8100"))[0]  # another host, same port


@override_settings(**SITE)
async def test_other_scheme_is_refused():
    assert not (await handshake("https://127.0.0.1:8100"))[0]  # plain ws: the page is http
    assert not (await handshake("http://127.0.0.1:8100", scheme="wss"))[0]
    assert (await handshake("https://127.0.0.1:8100", scheme="wss"))[0]


@override_settings(**SITE)
async def test_null_and_garbage_origins_are_refused():
    for origin in ("null", "", "file://", "127.0.0.1:8100", "http://127.0.0.1:8100/", "http://[::1"):
        assert not (await handshake(origin))[0], origin


@override_settings(**SITE)
async def test_host_outside_allowed_hosts_is_refused_even_when_origin_matches():
    assert not (await handshake("http://evil.test:8100", host="evil.test:8100"))[0]
    assert not (await handshake("http://127.0.0.1:8100", host=None))[0]


@override_settings(**SITE)
async def test_no_origin_header_is_a_program_and_accepted_unless_refused():
    assert (await handshake(None))[0]
    assert not (await handshake(None, allow_missing_origin=False))[0]


@override_settings(
    ALLOWED_HOSTS=["learn.example.com"],
    CSRF_TRUSTED_ORIGINS=["https://*.example.com", "http://app.test:8080"],
)
async def test_csrf_trusted_origins_exact_and_subdomains():
    host = "learn.example.com"
    assert (await handshake("http://app.test:8080", host=host))[0]
    assert not (await handshake("http://app.test:8081", host=host))[0]
    assert (await handshake("https://cdn.example.com", host=host))[0]
    assert (await handshake("https://example.com", host=host))[0]
    assert not (await handshake("http://cdn.example.com", host=host))[0]  # scheme
    assert not (await handshake("https://cdn.example.com:444", host=host))[0]  # port
    assert not (await handshake("https://example.com.evil.test", host=host))[0]


@override_settings(
    ALLOWED_HOSTS=["learn.example.com"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
async def test_https_behind_a_proxy_only_through_secure_proxy_ssl_header():
    proto = [(b"x-forwarded-proto", b"https")]
    assert (await handshake("https://learn.example.com", host="learn.example.com", extra=proto))[0]
    assert not (await handshake("http://learn.example.com", host="learn.example.com", extra=proto))[0]
    assert (await handshake("http://learn.example.com", host="learn.example.com"))[0]


@override_settings(ALLOWED_HOSTS=["learn.example.com"])
async def test_forwarded_proto_ignored_without_secure_proxy_ssl_header():
    proto = [(b"x-forwarded-proto", b"https")]
    assert not (await handshake("https://learn.example.com", host="learn.example.com", extra=proto))[0]


@override_settings(DEBUG=True, ALLOWED_HOSTS=[], CSRF_TRUSTED_ORIGINS=[])
async def test_debug_without_allowed_hosts_uses_djangos_local_defaults():
    assert (await handshake("http://localhost:8000", host="localhost:8000"))[0]
    assert not (await handshake("http://localhost:8001", host="localhost:8000"))[0]
    assert not (await handshake("http://evil.test", host="evil.test"))[0]


async def test_http_scope_is_a_configuration_error():
    with pytest.raises(ValueError):
        await OriginValidator(Accept.as_asgi())({"type": "http"}, None, None)


@override_settings(**SITE)
async def test_origin_allowed_is_usable_on_its_own():
    scope = {"type": "websocket", "headers": [(b"host", b"learn.example.com")]}
    assert origin_allowed(scope, "http://learn.example.com")
    assert not origin_allowed(scope, "http://learn.example.com:8080")

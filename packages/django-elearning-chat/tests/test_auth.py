"""``elearning_chat.auth.AuthMiddlewareStack``: Channels' session authentication with the
session and user lookups on the chat's database pool."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client, override_settings

from elearning_chat.auth import AuthMiddlewareStack
from elearning_chat.db import db_call
from elearning_chat.models import Connection
from elearning_chat.routing import websocket_urlpatterns

from .conftest import PASSWORD
from .helpers import TIMEOUT
from .test_db_threads import GENEROUS, HeldThread, pooled  # noqa: F401 (fixture)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))


@database_sync_to_async
def session_cookie(make_user, username):
    """A real log-in: the session cookie of ``username``, and the user."""
    user = make_user(username)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client.cookies[settings.SESSION_COOKIE_NAME].value, user


def handshake(cookie=None, room="lobby"):
    headers = [(b"origin", b"http://testserver")]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/chat/{room}/", headers=headers)


async def joined_as(comm):
    """Connect; the id of the user the room sees (its presence row)."""
    connected, _ = await comm.connect(timeout=GENEROUS)
    assert connected
    history = await comm.receive_json_from(timeout=GENEROUS)
    assert history["type"] == "history"
    rows = await db_call(lambda: list(Connection.objects.values_list("user_id", flat=True)))
    assert len(rows) == 1
    return rows[0]


async def test_the_session_user_joins_while_the_thread_sensitive_thread_is_held(make_user, pooled):  # noqa: F811
    cookie, ann = await session_cookie(make_user, "ann")
    comm = handshake(cookie)
    async with HeldThread() as held:
        # Channels' own stack would wait here for the held thread (see the next test).
        assert await joined_as(comm) == ann.pk
        assert held.held
    await comm.disconnect()


async def test_with_db_threads_zero_it_is_channels_stack(make_user):
    cookie, ann = await session_cookie(make_user, "ann")
    with override_settings(ELEARNING_CHAT={"DB_THREADS": 0}):
        comm = handshake(cookie)
        async with HeldThread():
            connecting = asyncio.ensure_future(joined_as(comm))
            await asyncio.sleep(0.2)
            # It can only be later than the held thread, never sooner (no timing assumed).
            assert not connecting.done()
        assert await asyncio.wait_for(connecting, GENEROUS) == ann.pk
        await comm.disconnect()


async def test_no_cookie_or_an_unknown_session_is_anonymous_and_refused(make_user, pooled):  # noqa: F811
    for cookie in (None, "not-a-session-key"):
        comm = handshake(cookie)
        connected, _ = await comm.connect(timeout=TIMEOUT)
        assert not connected  # the consumer refuses anonymous handshakes


async def test_a_session_from_before_a_password_change_is_refused(make_user, pooled):  # noqa: F811
    cookie, ann = await session_cookie(make_user, "ann")

    @database_sync_to_async
    def change_password():
        ann.set_password("another-pass-2026")
        ann.save()

    await change_password()
    comm = handshake(cookie)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert not connected  # Channels' session verification: the hash no longer matches

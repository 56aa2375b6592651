"""The live bell's server side: ``NotificationConsumer`` at ``/ws/notifications/``."""

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from elearning_courses import notifications, routing
from elearning_courses.models import Notification

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

application = URLRouter(routing.websocket_urlpatterns)


@database_sync_to_async
def make_user(username, role="teacher"):
    return get_user_model().objects.create_user(username=username, password="x-Pass-123456", role=role)


def communicator_for(user, path="/ws/notifications/"):
    communicator = WebsocketCommunicator(application, path)
    communicator.scope["user"] = user
    return communicator


async def test_anonymous_handshake_is_rejected():
    communicator = communicator_for(AnonymousUser())
    connected, _code = await communicator.connect()
    assert not connected


async def test_connect_sends_the_unread_count():
    user = await make_user("t1")
    await database_sync_to_async(Notification.objects.create)(recipient=user, verb="enrolled", message="a")
    communicator = communicator_for(user)
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from() == {"type": "unread_count", "unread_count": 1}
    await communicator.disconnect()


async def test_new_notification_is_pushed_with_the_new_count():
    user = await make_user("t2")
    other = await make_user("t3")
    mine, theirs = communicator_for(user), communicator_for(other)
    for c in (mine, theirs):
        assert (await c.connect())[0]
        await c.receive_json_from()
    # Outside a transaction (autocommit), on_commit runs at once: a real push.
    await database_sync_to_async(notifications.notify)(
        user, "enrolled", "Sam enrolled in Django.", "/courses/1/"
    )
    event = await mine.receive_json_from(timeout=3)
    assert event["type"] == "notification"
    assert event["unread_count"] == 1
    assert event["notification"]["message"] == "Sam enrolled in Django."
    assert event["notification"]["url"] == "/courses/1/"
    assert event["notification"]["is_read"] is False
    assert await theirs.receive_nothing(timeout=0.3)
    await database_sync_to_async(notifications.mark_all_read)(user)
    assert await mine.receive_json_from(timeout=3) == {"type": "unread_count", "unread_count": 0}
    await mine.disconnect()
    await theirs.disconnect()


async def test_every_open_page_of_the_user_gets_it():
    user = await make_user("t4")
    pages = [communicator_for(user) for _ in range(3)]
    for page in pages:
        await page.connect()
        await page.receive_json_from()
    await database_sync_to_async(notifications.notify)(user, "feedback", "New rating", "")
    for page in pages:
        assert (await page.receive_json_from(timeout=3))["unread_count"] == 1
        await page.disconnect()


async def test_client_frames_are_ignored_and_malformed_ones_refused():
    user = await make_user("t5")
    communicator = communicator_for(user)
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.send_to(text_data="{not json")
    assert (await communicator.receive_json_from())["code"] == "bad_request"
    await communicator.send_json_to({"type": "anything"})
    # Ignored: the next frame is the next push.
    await database_sync_to_async(notifications.notify)(user, "feedback", "probe", "")
    assert (await communicator.receive_json_from(timeout=3))["notification"]["message"] == "probe"
    await communicator.disconnect()


async def test_after_disconnect_nothing_is_delivered_to_the_old_channel():
    user = await make_user("t6")
    communicator = communicator_for(user)
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.disconnect()
    # The group is empty again: pushing must not fail.
    await database_sync_to_async(notifications.notify)(user, "feedback", "x", "")


async def test_session_cookie_authenticates_through_the_auth_stack():
    from django.test import Client

    user = await make_user("t7")
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    communicator = WebsocketCommunicator(
        AuthMiddlewareStack(application),
        "/ws/notifications/",
        headers=[(b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "unread_count"
    await communicator.disconnect()

    anonymous = WebsocketCommunicator(AuthMiddlewareStack(application), "/ws/notifications/")
    assert not (await anonymous.connect())[0]


async def test_pushes_go_through_channels_stock_dispatch(monkeypatch):
    # Notifications are rare: the consumer keeps Channels' own dispatch, database
    # connection clean-up included, rather than a copy of it.
    import channels.consumer

    hops = []

    async def counted():
        hops.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    user = await make_user("t8")
    communicator = communicator_for(user)
    await communicator.connect()
    await communicator.receive_json_from()
    before = len(hops)
    await database_sync_to_async(notifications.notify)(user, "feedback", "Stock", "")
    assert (await communicator.receive_json_from(timeout=3))["notification"]["message"] == "Stock"
    assert len(hops) == before + 1
    await communicator.disconnect()

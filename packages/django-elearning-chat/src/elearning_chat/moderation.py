"""Moderation helpers other apps call (e.g. when a teacher blocks a student)."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .conf import app_settings
from .hub import group_name, group_send
from .models import Connection

logger = logging.getLogger(__name__)


def remove_user_from_room(room_slug: str, user_id: int) -> None:
    """Close every open socket of ``user_id`` in ``room_slug``, in every server process.

    Synchronous: call it from a view, a signal receiver or ``transaction.on_commit``
    (not from a coroutine; there, use :func:`aremove_user_from_room`). The sockets are
    sent an ``error`` frame with code ``forbidden`` and closed with
    ``ELEARNING_CHAT["REMOVED_CLOSE_CODE"]`` (4403); presence is updated. Only open
    sockets are affected: keeping the user out afterwards is the room policy's job.
    """
    Connection.objects.filter(room_slug=room_slug, user_id=user_id).delete()
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(_broadcast)(layer, room_slug, user_id)


async def aremove_user_from_room(room_slug: str, user_id: int) -> None:
    """Async twin of :func:`remove_user_from_room`."""
    from .db import db_call

    await db_call(Connection.objects.filter(room_slug=room_slug, user_id=user_id).delete)
    layer = get_channel_layer()
    if layer is not None:
        await _broadcast(layer, room_slug, user_id)


async def _broadcast(layer, room_slug, user_id):
    # Best effort: a layer that is down must not fail the request that blocked the user
    # (the rows are gone, the policy keeps them out); each send is retried once.
    group = group_name(room_slug)
    try:
        await group_send(
            layer, group, {"type": "chat.kick", "user_id": user_id, "code": app_settings.REMOVED_CLOSE_CODE}
        )
        await group_send(layer, group, {"type": "chat.presence"})
    except Exception:
        logger.warning(
            "elearning_chat: could not close %s's sockets in %s", user_id, room_slug, exc_info=True
        )

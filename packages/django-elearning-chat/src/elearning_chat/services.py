"""Database work of the chat, as plain synchronous functions.

The consumer runs each of them in a worker thread (``database_sync_to_async``), one
thread hop per client frame, so the event loop never waits on the database.
"""

import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .conf import app_settings, get_room_policy
from .frames import message_dict, user_dict
from .models import Connection, Message, Room


class ChatError(Exception):
    """A refused client request; ``code`` is the protocol's error code."""

    def __init__(self, code, detail):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def get_or_create_room(room_slug):
    room = Room.objects.filter(slug=room_slug).first()
    if room is None:
        title = get_room_policy().get_room_title(room_slug)[:200]
        try:
            with transaction.atomic():
                room = Room.objects.create(slug=room_slug, title=title)
        except IntegrityError:  # created concurrently by another connection
            room = Room.objects.get(slug=room_slug)
    return room


def join(user, room_slug):
    """The room if the policy lets ``user`` in (creating it on first join), else None."""
    if not (user.is_authenticated and user.is_active):
        return None
    if not get_room_policy().can_join(user, room_slug):
        return None
    return get_or_create_room(room_slug)


def history(room, after=None, limit=None):
    """Visible messages as protocol dicts, oldest first, and whether more follow.

    Without ``after``: the last ``limit`` messages. With ``after``: the first ``limit``
    messages with a greater id.
    """
    qs = Message.objects.visible().filter(room=room).select_related("author")
    if after is None:
        rows = list(qs.order_by("-id")[:limit])[::-1]
        more = False
    else:
        rows = list(qs.filter(id__gt=after).order_by("id")[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
    return [message_dict(m, room.slug) for m in rows], more


def post_messages(user, room, bodies):
    """Store a user's messages (already validated bodies, in order) in one go.

    Checks the room policy and the per-user rate limit first. Returns one entry per
    body: ``(message dict, id of the previous message in the room or None)``, or a
    :class:`ChatError` for a refused one. Stores into one room are serialized (a row
    lock on the room where the database has them; SQLite has one writer at a time and
    commits an autocommit insert at once), so ids commit in increasing order within a
    room and ``previous`` is exact: hubs use it to detect broadcasts they missed.
    """
    if not get_room_policy().can_join(user, room.slug):
        return [ChatError("forbidden", _("You may no longer post in this room."))] * len(bodies)
    window = timezone.now() - datetime.timedelta(seconds=app_settings.RATE_LIMIT_SECONDS)
    limit = app_settings.RATE_LIMIT_MESSAGES
    recent = Message.objects.filter(author=user, created_at__gte=window).order_by()[:limit].count()
    allowed = max(0, limit - recent)
    accepted = [Message(room=room, author=user, body=body) for body in bodies[:allowed]]
    if accepted:
        if connection.features.has_select_for_update:
            with transaction.atomic():
                Room.objects.select_for_update().filter(pk=room.pk).values_list("pk").get()
                _insert(accepted)
                previous = _previous_id(room, accepted[0].pk)
        else:
            _insert(accepted)
            previous = _previous_id(room, accepted[0].pk)
    results = []
    for message in accepted:
        results.append((message_dict(message, room.slug), previous))
        previous = message.pk
    refused = ChatError("rate_limited", _("You are sending messages too fast; wait a few seconds."))
    return results + [refused] * (len(bodies) - len(accepted))


def _insert(messages):
    if connection.features.can_return_rows_from_bulk_insert:
        Message.objects.bulk_create(messages)
    else:
        for message in messages:
            message.save()


def post_message(user, room, body):
    """Store one message: ``(message dict, previous id)``; raises :class:`ChatError`."""
    (result,) = post_messages(user, room, [body])
    if isinstance(result, ChatError):
        raise result
    return result


def _previous_id(room, message_id):
    return (
        Message.objects.filter(room=room, id__lt=message_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )


def last_message_id(room_slug):
    """Greatest message id of a room, deleted messages included (0 when empty)."""
    return (
        Message.objects.filter(room__slug=room_slug).order_by("-id").values_list("id", flat=True).first() or 0
    )


def messages_between(room_slug, after, before=None):
    """Visible messages with ``after < id < before``, oldest first, as protocol dicts."""
    qs = Message.objects.visible().filter(room__slug=room_slug, id__gt=after)
    if before is not None:
        qs = qs.filter(id__lt=before)
    return [message_dict(m, room_slug) for m in qs.select_related("author").order_by("id")]


def delete_message(user, room, message_id):
    """Mark a message of ``room`` deleted; moderators only."""
    if not get_room_policy().can_moderate(user, room.slug):
        raise ChatError("forbidden", _("Only moderators may delete messages."))
    updated = Message.objects.filter(room=room, pk=message_id, deleted=False).update(deleted=True)
    if not updated:
        raise ChatError("bad_request", _("No such message in this room."))


def add_connection(user, room_slug, server_id, channel_name):
    Connection.objects.create(
        user=user, room_slug=room_slug, server_id=server_id, channel_name=channel_name, seen_at=timezone.now()
    )


def remove_connection(channel_name):
    Connection.objects.filter(channel_name=channel_name).delete()


def presence(room_slug):
    """Users with at least one live connection to the room, by username."""
    fresh = timezone.now() - datetime.timedelta(seconds=app_settings.PRESENCE_TTL)
    rows = (
        Connection.objects.filter(room_slug=room_slug, seen_at__gte=fresh)
        .select_related("user")
        .order_by("user_id")
    )
    users = {}
    for row in rows:
        users.setdefault(row.user_id, row.user)
    return sorted((user_dict(u) for u in users.values()), key=lambda u: (u["username"].lower(), u["id"]))


def heartbeat(server_id):
    """Refresh this process's connections and sweep those of dead processes."""
    now = timezone.now()
    Connection.objects.filter(server_id=server_id).update(seen_at=now)
    stale = now - datetime.timedelta(seconds=app_settings.PRESENCE_TTL)
    Connection.objects.filter(seen_at__lt=stale).delete()

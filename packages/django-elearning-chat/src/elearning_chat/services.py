"""Database work of the chat, as plain synchronous functions.

The consumer runs each of them in a worker thread (``database_sync_to_async``), one
thread hop per client frame, so the event loop never waits on the database.
"""

import datetime
import logging

from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .conf import app_settings, get_room_policy
from .frames import encode, message_dict, user_dict
from .models import Connection, Message, Room
from .text import InvalidText, clean_body, valid_client_id

logger = logging.getLogger(__name__)


class ChatError(Exception):
    """A refused client request; ``code`` is the protocol's error code."""

    def __init__(self, code, detail):
        super().__init__(detail)
        self.code = code
        self.detail = detail


class RoomLimitReached(ChatError):
    """``user`` created ROOM_CREATE_LIMIT rooms in the last hour: no new room for now."""

    def __init__(self):
        super().__init__("room_limit", _("You have opened too many new rooms; try again later."))


def rooms_created_recently(user):
    """How many rooms ``user`` created in the last hour (ROOM_CREATE_LIMIT counts them)."""
    since = timezone.now() - datetime.timedelta(hours=1)
    return Room.objects.filter(created_by=user, created_at__gte=since).count()


def may_create_room(user):
    """Whether ``user`` may create one more room now (ROOM_CREATE_LIMIT per hour)."""
    return rooms_created_recently(user) < app_settings.ROOM_CREATE_LIMIT


def get_or_create_room(room_slug, user=None):
    """The room, created if missing. With ``user``, the creation counts against that
    user's ROOM_CREATE_LIMIT and raises :class:`RoomLimitReached` beyond it."""
    room = Room.objects.filter(slug=room_slug).first()
    if room is None:
        if user is not None and not may_create_room(user):
            raise RoomLimitReached()
        title = get_room_policy().get_room_title(room_slug)[:200]
        try:
            with transaction.atomic():
                room = Room.objects.create(slug=room_slug, title=title, created_by=user)
        except IntegrityError:  # created concurrently by another connection
            room = Room.objects.get(slug=room_slug)
    return room


def enter(user, room_slug, server_id, connection_id, room=None):
    """The database work of a connect, in one thread hop: the policy check, the room
    (looked up, or created, unless the caller already has it) and the presence row.
    Returns the room, or None when the user may not join; raises
    :class:`RoomLimitReached`. With ``room`` given and the default policy, this is one
    query (the presence row)."""
    (result,) = enter_many(server_id, [(user, room_slug, connection_id, room)])
    if isinstance(result, Exception):
        raise result
    return result


def enter_many(server_id, entries):
    """:func:`enter` for many sockets at once (the connects of a storm): ``entries`` are
    ``(user, room_slug, connection_id, room or None)``. Returns one result per entry:
    the room, None (refused) or a :class:`RoomLimitReached` to raise for that socket.

    The policy is asked per user; each room is looked up (or created) once, and the
    presence rows of every admitted socket are stored in one INSERT.
    """
    policy = get_room_policy()
    rooms = {slug: room for _user, slug, _id, room in entries if room is not None}
    results, rows, now = [], [], timezone.now()
    for user, room_slug, connection_id, _room in entries:
        if not (user.is_authenticated and user.is_active and policy.can_join(user, room_slug)):
            results.append(None)
            continue
        room = rooms.get(room_slug)
        if room is None:
            try:  # counted against this user's ROOM_CREATE_LIMIT if it has to be created
                room = rooms[room_slug] = get_or_create_room(room_slug, user)
            except RoomLimitReached as exc:
                results.append(exc)
                continue
        results.append(room)
        rows.append(
            Connection(
                user=user, room_slug=room_slug, server_id=server_id, channel_name=connection_id, seen_at=now
            )
        )
    if len(rows) == 1:
        rows[0].save(force_insert=True)  # one statement; bulk_create would add a transaction
    elif rows:
        Connection.objects.bulk_create(rows)
    return results


def recent_messages(room_slug, limit, up_to=None):
    """``(id, encoded frame)`` of the last ``limit`` visible messages (``id <= up_to``),
    oldest first: what a room hub keeps to answer connects without a query."""
    qs = Message.objects.visible().filter(room__slug=room_slug)
    if up_to is not None:
        qs = qs.filter(id__lte=up_to)
    rows = list(qs.select_related("author").order_by("-id")[:limit])[::-1]
    return [(m.pk, encode(message_dict(m, room_slug))) for m in rows]


def room_state(room_slug, history_length, presence_limit):
    """What a room hub loads when it starts: the last message id, the recent messages
    and the presence window (see :func:`presence_window`)."""
    last_id = last_message_id(room_slug)
    return (
        last_id,
        recent_messages(room_slug, history_length, last_id),
        presence_window(room_slug, presence_limit),
    )


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


class Known:
    """A message the author had already sent (same ``client_id``): stored before, not
    stored again. ``message`` is its protocol dict, or None if a moderator deleted it."""

    def __init__(self, message_id, message):
        self.id = message_id
        self.message = message

    def __repr__(self):
        return f"Known({self.id})"


def post_messages(user, room, bodies, client_ids=None):
    """Store a user's messages (in order) in one go, each on its own merits.

    ``client_ids`` (optional, one per body, None for a message without one) are the
    client's ids of its messages: a client id the author already used in this room is
    not stored again. Every body is validated first (:func:`elearning_chat.text.clean_body`)
    and stored normalized; the policy and the per-user rate limit are checked for the
    batch. Returns one entry per body: ``(message dict, id of the previous message in
    the room or None)`` for a stored one, :class:`Known` for a repeated client id, or a
    :class:`ChatError` for a refused one. One bad body, or one row the database
    refuses, never costs the others.

    Stores into one room are serialized (a row lock on the room where the database has
    them; SQLite has one writer at a time), so ids commit in increasing order within a
    room and ``previous`` is exact: hubs use it to detect broadcasts they missed.
    """
    count = len(bodies)
    client_ids = [None] * count if client_ids is None else list(client_ids)
    if not get_room_policy().can_join(user, room.slug):
        return [ChatError("forbidden", _("You may no longer post in this room."))] * count
    results = [None] * count
    cleaned = {}
    for index, (body, client_id) in enumerate(zip(bodies, client_ids, strict=True)):
        if client_id is not None and not valid_client_id(client_id):
            results[index] = ChatError("bad_request", CLIENT_ID_HELP)
            continue
        try:
            cleaned[index] = clean_body(body, app_settings.MAX_MESSAGE_LENGTH)
        except InvalidText as exc:
            results[index] = ChatError(exc.code, exc.detail)
    wanted = {client_ids[index] for index in cleaned} - {None}
    known = _known(user, room, wanted) if wanted else {}
    to_store, first_of = [], {}
    for index in cleaned:  # in order
        client_id = client_ids[index]
        if client_id in known:
            results[index] = known[client_id]
        elif client_id is not None and client_id in first_of:
            results[index] = first_of[client_id]  # the same message twice in one batch
        else:
            if client_id is not None:
                first_of[client_id] = index
            to_store.append(index)
    allowed = _allowed(user, len(to_store))
    refused = ChatError("rate_limited", _("You are sending messages too fast; wait a few seconds."))
    for index in to_store[allowed:]:
        results[index] = refused
    to_store = to_store[:allowed]
    if to_store:
        messages = [
            Message(room=room, author=user, body=cleaned[index], client_id=client_ids[index])
            for index in to_store
        ]
        for index, outcome in zip(to_store, list(_store(user, room, messages)), strict=True):
            results[index] = outcome
    for index, result in enumerate(results):
        if isinstance(result, int):  # a repeat within the batch: as its first occurrence
            first = results[result]
            results[index] = Known(first[0]["id"], first[0]) if isinstance(first, tuple) else first
    return results


CLIENT_ID_HELP = _("client_id must be 1 to 64 letters, digits, hyphens or underscores.")


def _allowed(user, wanted):
    """How many of ``wanted`` new messages the rate limit lets ``user`` store now."""
    if not wanted:
        return 0
    window = timezone.now() - datetime.timedelta(seconds=app_settings.RATE_LIMIT_SECONDS)
    limit = app_settings.RATE_LIMIT_MESSAGES
    recent = Message.objects.filter(author=user, created_at__gte=window).order_by()[:limit].count()
    return min(wanted, max(0, limit - recent))


def _known(user, room, client_ids):
    """``{client_id: Known or ChatError}`` of the author's messages with those client ids."""
    found = {}
    for message in Message.objects.filter(author=user, client_id__in=client_ids).order_by():
        message.author = user
        found[message.client_id] = _as_known(message, room)
    return found


def _as_known(message, room):
    if message.room_id != room.pk:  # client ids are the author's own, across rooms
        return ChatError("bad_request", _("This client_id was already used for a message in another room."))
    return Known(message.pk, None if message.deleted else message_dict(message, room.slug))


def _store(user, room, messages):
    """Insert ``messages`` (one room, in order): one outcome per message, as
    :func:`post_messages` returns them. All in one statement normally; when the database
    refuses it (a concurrent re-send of the same client id, a row it will not take),
    again one savepoint per row, so that only the refused rows are lost."""
    try:
        if connection.features.has_select_for_update:
            with transaction.atomic():
                Room.objects.select_for_update().filter(pk=room.pk).values_list("pk").get()
                _insert(messages)
                previous = _previous_id(room, messages[0].pk)
        else:  # SQLite: one writer at a time, and an autocommit insert commits at once
            _insert(messages)
            previous = _previous_id(room, messages[0].pk)
        outcomes = [None] * len(messages)
    except DatabaseError:
        outcomes, previous = _store_each(user, room, messages)
    for message, outcome in zip(messages, outcomes, strict=True):
        if outcome is None:
            yield (message_dict(message, room.slug), previous)
            previous = message.pk
        else:
            yield outcome


def _store_each(user, room, messages):
    """The slow path of :func:`_store`: ``(outcomes, previous id)``, None for each stored."""
    with transaction.atomic():
        if connection.features.has_select_for_update:
            Room.objects.select_for_update().filter(pk=room.pk).values_list("pk").get()
        outcomes = []
        for message in messages:
            message.pk = None
            outcomes.append(_insert_one(user, room, message))
        stored = [message for message, outcome in zip(messages, outcomes, strict=True) if outcome is None]
        previous = _previous_id(room, stored[0].pk) if stored else None
    return outcomes, previous


def _insert(messages):
    if connection.features.can_return_rows_from_bulk_insert:
        Message.objects.bulk_create(messages)
    else:
        for message in messages:
            message.save()


def _insert_one(user, room, message):
    """Insert one message in its own savepoint: None when stored, else its outcome."""
    try:
        with transaction.atomic():
            message.save(force_insert=True)
        return None
    except IntegrityError:
        # Most likely the same client id stored meanwhile by another socket of the author.
        existing = None
        if message.client_id is not None:
            existing = Message.objects.filter(author=user, client_id=message.client_id).first()
        if existing is not None:
            existing.author = user
            return _as_known(existing, room)
        logger.exception("elearning_chat: the database refused a message")
    except DatabaseError:
        logger.exception("elearning_chat: the database refused a message")
    message.pk = None
    return ChatError("server_error", _("Your message could not be stored; try again."))


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


def last_message_ids(room_slugs):
    """:func:`last_message_id` of several rooms in one query: ``{slug: id}`` (rooms
    without messages, or unknown, are left out)."""
    latest = Message.objects.filter(room=OuterRef("pk")).order_by("-id").values("id")[:1]
    rows = Room.objects.filter(slug__in=list(room_slugs)).annotate(last=Subquery(latest))
    return {slug: last for slug, last in rows.values_list("slug", "last") if last is not None}


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


def present_users(room_slug):
    """Users with at least one live connection to the room (any server process), as a
    queryset ordered by username (case-insensitive), then id."""
    fresh = timezone.now() - datetime.timedelta(seconds=app_settings.PRESENCE_TTL)
    user_model = get_user_model()
    live = Connection.objects.filter(room_slug=room_slug, seen_at__gte=fresh).values("user_id")
    return user_model.objects.filter(pk__in=live).order_by(Lower(user_model.USERNAME_FIELD), "pk")


def presence(room_slug):
    """Every user present in the room, as protocol dicts, by username."""
    return [user_dict(u) for u in present_users(room_slug)]


def presence_window(room_slug, limit):
    """``(count, users)``: how many users are present and the first ``limit`` of them by
    username, as protocol dicts. Two queries, whatever the size of the room."""
    qs = present_users(room_slug)
    users = [user_dict(u) for u in qs[:limit]]
    count = len(users) if len(users) < limit else qs.count()
    return count, users


def heartbeat(server_id):
    """Refresh this process's connections and sweep those of dead processes."""
    now = timezone.now()
    Connection.objects.filter(server_id=server_id).update(seen_at=now)
    stale = now - datetime.timedelta(seconds=app_settings.PRESENCE_TTL)
    Connection.objects.filter(seen_at__lt=stale).delete()

"""Per-process room hubs: one channel-layer subscription per room and process.

Each server process keeps, for every room with local sockets, one :class:`RoomHub`.
The hub holds ONE channel in the room's channel-layer group; its receive loop gets every
broadcast once, and writes the already-serialized frame to each local consumer directly.
Compared with one group member per socket this saves, per message and member, a
channel-layer message, a JSON encoding and the database-connection check Channels
performs before dispatching each message to a consumer handler.

The hub also keeps what a connect needs, so that a socket joining a room with a running
hub costs no history or room query: the room, the room's last HISTORY_LENGTH messages
(the ``history`` frame sent on connect is built from them) and the room's presence: the
member count and the first PRESENCE_SNAPSHOT_LIMIT members by username. Presence changes
are computed by at most one query pair per hub and PRESENCE_INTERVAL, and sent as small
``presence_delta`` frames, so a storm of N joins costs each member a few frames, not N
full lists.

Writing to a socket never waits: each consumer queues frames its client has not taken
yet (up to SEND_QUEUE_LIMIT, then it is closed with 1013), so a slow reader neither
stalls its room nor grows memory without bound.

The hub survives layer errors (Redis restarts, timeouts): the first hub that sees one
asks its registry to recover (:meth:`Registry.layer_lost`). A restarted Redis has lost
every group, so the recovery re-adds EVERY hub of the process to its group, with backoff
until the layer answers, then writes each room's messages stored meanwhile (from the
database, in order, no duplicates) and refreshes presence. The sockets stay open
throughout; a hub that cannot join its group when it starts serves its local sockets and
is subscribed by the recovery. Broadcasts that cannot reach the layer are written to this
process's hub directly (the others catch up from the database). Each layer call is retried
once on a connection error: after a restart the pool still holds connections the old
server closed. Group membership is refreshed every PRESENCE_HEARTBEAT seconds, well
within ``group_expiry``. A consumer that went away mid-broadcast is skipped.
"""

import asyncio
import collections
import logging
import os
import socket
import uuid
import weakref

from channels.layers import get_channel_layer

from . import audit, services
from .conf import app_settings
from .db import db_call
from .frames import encode

logger = logging.getLogger(__name__)

#: Identifies this server process in the presence table.
SERVER_ID = f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


try:  # channels_redis (the only layer that fails this way) raises redis-py's errors
    from redis.exceptions import ConnectionError as _RedisConnectionError
except ImportError:  # pragma: no cover - no Redis layer installed
    _RedisConnectionError = OSError

#: Errors of a layer connection that one more attempt on a fresh connection may cure.
CONNECTION_ERRORS = (_RedisConnectionError, OSError)
#: Longest pause between two attempts to get back to a layer that went away (seconds).
MAX_BACKOFF = 5


async def retrying(method, *args):
    """Await ``method(*args)`` (a channel-layer call), once more after a connection error.

    After a Redis restart the layer's pool still holds connections the old server closed:
    the first command on each fails with "Connection closed by server" although the server
    is back. A second attempt gets a fresh connection; a second failure is raised.
    """
    try:
        return await method(*args)
    except CONNECTION_ERRORS:
        logger.info("elearning_chat: channel layer call failed; retrying once", exc_info=True)
        return await method(*args)


async def group_send(layer, group, message):
    """``layer.group_send`` retried once on a connection error (see :func:`retrying`)."""
    await retrying(layer.group_send, group, message)


async def group_add(layer, group, channel):
    """``layer.group_add`` retried once on a connection error (see :func:`retrying`)."""
    await retrying(layer.group_add, group, channel)


def group_name(room_slug):
    """The channel-layer group of a room (slugs are valid group-name characters)."""
    return f"elearning_chat.{room_slug}"


async def pause(seconds):
    """``asyncio.sleep`` of the heartbeat: between two beats and two rooms' turns (tests
    replace it)."""
    await asyncio.sleep(seconds)


def now():
    """The event loop's clock, as the heartbeat reads it (tests replace it)."""
    return asyncio.get_running_loop().time()


class RoomsFull(Exception):
    """This process already has MAX_ROOMS_PER_PROCESS rooms open."""


class RoomHub:
    """The local members of one room, the loop that feeds them and the room's recent
    messages and presence."""

    def __init__(self, registry, room_slug):
        self.registry = registry
        self.room_slug = room_slug
        self.group = group_name(room_slug)
        self.layer = registry.layer
        self.members = set()
        self.channel_name = None
        # Whether the hub's channel is in the room's group (False after a layer error:
        # a restarted Redis has no groups; the registry's recovery re-adds it).
        self.subscribed = False
        #: The :class:`~elearning_chat.models.Room`, set by the first consumer.
        self.room = None
        # Id of the last message of the room written to the members; broadcasts carry
        # the id of the message before theirs, so a gap (a broadcast the layer dropped,
        # e.g. over its channel capacity) is filled from the database, in order.
        self.last_id = 0
        # (id, encoded frame) of the last visible messages up to last_id: the history
        # sent on connect. None after a deletion among them: reloaded on the next connect.
        self.recent = None
        self._recent_limit = 0
        self._history_frame = None
        # Messages deleted before their broadcast reached this hub: not kept in recent.
        self._deleted = collections.deque(maxlen=100)
        self._order = asyncio.Lock()  # the loop, the heartbeat and reloads of recent
        self._task = None
        # Presence: total count and the first PRESENCE_SNAPSHOT_LIMIT users by username.
        self.presence_count = 0
        self.presence_users = []
        self._presence_frame = None
        self._presence_task = None
        self._presence_dirty = False
        # Repairs of lost kicks and deletions (see audit): one task at a time.
        self._audit_task = None
        self._audit_again = False
        # Deletions are re-checked among messages with ids from here on (the oldest
        # message of the history the hub started with), and each is sent once.
        self.deletions_from = None
        self.known_deleted = set()
        self.started_at_id = 0
        self.started_with = set()

    async def start(self):
        if self.layer is not None:
            # Default prefix: channels_redis reads every process-local channel through
            # one shared receive, which only serves its own prefix.
            self.channel_name = await self.layer.new_channel()
            try:
                await group_add(self.layer, self.group, self.channel_name)
                self.subscribed = True
            except Exception:  # the layer is down: serve local sockets, subscribe later
                logger.warning(
                    "elearning_chat: hub %s could not join its group", self.room_slug, exc_info=True
                )
        limit = app_settings.HISTORY_LENGTH
        last_id, recent, (count, users) = await db_call(
            services.room_state, self.room_slug, limit, app_settings.PRESENCE_SNAPSHOT_LIMIT
        )
        # Deletions are re-checked from the oldest message of this history on. The ones made
        # before it was read are not in it (no socket of this hub shows them): audits skip
        # them, which costs the start no query.
        self.deletions_from = recent[0][0] if recent else last_id + 1
        self.started_at_id = last_id
        self.started_with = {message_id for message_id, _frame in recent}
        # A broadcast that arrived meanwhile may already have moved last_id on.
        self.last_id = max(self.last_id, last_id)
        self.recent = collections.deque(recent)
        self._recent_limit = limit
        self.presence_count, self.presence_users = count, users
        if self.layer is not None:
            self._task = asyncio.create_task(self._run(), name=f"elearning_chat hub {self.room_slug}")

    async def stop(self):
        tasks = [task for task in (self._task, self._presence_task, self._audit_task) if task is not None]
        for task in tasks:
            task.cancel()
        # Awaited, so that nothing of this hub runs after it stopped.
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.layer is not None:
            try:
                await self.layer.group_discard(self.group, self.channel_name)
            except Exception:  # the layer may be down; membership expires anyway
                logger.warning("elearning_chat: could not leave group %s", self.group, exc_info=True)

    async def resubscribe(self):
        if self.layer is not None:
            await group_add(self.layer, self.group, self.channel_name)
            self.subscribed = True

    async def _run(self):
        while True:
            if not self.subscribed:
                # Wait for the registry to get the layer back: it re-adds this hub to its
                # group and writes what was stored meanwhile. No busy loop while it is down.
                await self.registry.recovered()
                if not self.subscribed:  # not one of the registry's hubs (closing)
                    await asyncio.sleep(MAX_BACKOFF)
                continue
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("elearning_chat: hub %s lost the channel layer", self.room_slug, exc_info=True)
                self.registry.layer_lost()
                continue
            try:
                await self.dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("elearning_chat: hub %s failed on %r", self.room_slug, message.get("type"))

    async def dispatch(self, message):
        kind = message.get("type")
        if kind == "chat.messages":
            for message_id, previous, frame in message["items"]:
                await self.fan_out_message(frame, message_id, previous)
        elif kind == "chat.frame":
            self.fan_out(message["frame"])
        elif kind == "chat.deleted":
            self.forget(message["id"])
            self.fan_out(message["frame"])
        elif kind == "chat.presence":
            self.refresh_presence()
        elif kind == "chat.kick":
            self.kick(message["user_id"], message.get("code") or app_settings.REMOVED_CLOSE_CODE)

    def fan_out(self, frame):
        """Queue one serialized frame for every ready local member, without waiting.

        One ASGI event is shared by all members: no per-member encoding, channel-layer
        message or handler dispatch. Members still connecting get what they missed in
        the history and presence snapshot they are sent when ready.
        """
        event = {"type": "websocket.send", "text": frame}
        for member in list(self.members):
            if member.ready:
                member.write(event)

    async def fan_out_message(self, frame, message_id, previous):
        """Write a stored message, after any earlier ones this hub missed."""
        async with self._order:
            if message_id <= self.last_id:
                return  # already written (fetched while filling a gap)
            if previous is not None and previous > self.last_id:
                await self._catch_up(before=message_id)
                self.audit()  # the layer dropped a broadcast: kicks and deletions too?
            self._written(message_id, frame)

    def _written(self, message_id, frame):
        self.last_id = message_id
        if self.recent is not None and message_id not in self._deleted:
            self.recent.append((message_id, frame))
            while len(self.recent) > self._recent_limit:
                self.recent.popleft()
            self._history_frame = None
        self.fan_out(frame)

    async def catch_up(self):
        """Write the room's stored messages newer than ``last_id`` (a last broadcast the
        channel layer dropped has no successor to reveal the gap)."""
        async with self._order:
            await self._catch_up()

    async def _catch_up(self, before=None):
        missed = await db_call(services.messages_between, self.room_slug, self.last_id, before)
        for message in missed:
            self._written(message["id"], encode(message))

    def forget(self, message_id):
        """A message was deleted: the history sent on connect must not contain it."""
        self.known_deleted.add(message_id)
        if message_id > self.last_id:
            self._deleted.append(message_id)
        elif self.recent is not None and any(pk == message_id for pk, _ in self.recent):
            self.recent = None  # one fewer than HISTORY_LENGTH would mean "nothing older"
            self._history_frame = None

    async def history_frame(self):
        """The ``history`` frame for a socket that connects now (encoded).

        Built from the messages the hub holds; read from the database only after a
        deletion among them or a change of HISTORY_LENGTH. Returns without suspending
        when nothing has to be read, so the caller can make the socket ready before any
        other broadcast is written.
        """
        while self.recent is None or self._recent_limit != app_settings.HISTORY_LENGTH:
            async with self._order:
                limit = app_settings.HISTORY_LENGTH
                recent = await db_call(services.recent_messages, self.room_slug, limit, self.last_id)
                self.recent, self._recent_limit, self._history_frame = collections.deque(recent), limit, None
        if self._history_frame is None:
            messages = ",".join(frame for _, frame in self.recent)
            self._history_frame = (
                f'{{"type":"history","after":null,"messages":[{messages}],"has_more":false}}'
            )
        return self._history_frame

    # Repairs of lost broadcasts ----------------------------------------------------

    def audit(self):
        """Re-check, from the database, what lost broadcasts would have told the members:
        close the sockets of users the room policy no longer admits (a lost kick) and send
        ``deleted`` for deleted messages not announced yet (a lost deletion).

        Run on every heartbeat and when a gap in the messages reveals a dropped
        broadcast. Requests coalesce into one task per hub; each run costs the policy's
        :meth:`~elearning_chat.policies.BaseRoomPolicy.allowed_user_ids` (one query by
        default) and one query for deletions, whatever the number of sockets.
        """
        self._audit_again = True
        if self._audit_task is None or self._audit_task.done():
            self._audit_task = asyncio.create_task(
                self._audit(), name=f"elearning_chat audit {self.room_slug}"
            )

    async def _audit(self):
        while self._audit_again:
            self._audit_again = False
            try:
                await self.audit_access()
                await self.audit_deletions()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("elearning_chat: audit of %s failed", self.room_slug, exc_info=True)

    async def audit_access(self):
        members = [member for member in self.members if not member.removed]
        if not members:
            return
        user_ids = {member.user.pk for member in members}
        allowed = await db_call(audit.allowed_user_ids, self.room_slug, user_ids)
        for member in members:
            if member.user.pk not in allowed:
                try:
                    member.remove(app_settings.REMOVED_CLOSE_CODE)
                except Exception:
                    logger.debug("elearning_chat: kick of a closed socket", exc_info=True)

    async def audit_deletions(self):
        if self.deletions_from is None:
            return
        deleted = await db_call(audit.deleted_ids, self.room_slug, self.deletions_from)
        deleted -= self.known_deleted
        before_start = {i for i in deleted if i <= self.started_at_id and i not in self.started_with}
        self.known_deleted |= before_start
        for message_id in sorted(deleted - before_start):
            self.forget(message_id)
            self.fan_out(encode({"type": "deleted", "room": self.room_slug, "id": message_id}))

    def kick(self, user_id, code):
        for member in list(self.members):
            if member.user.pk == user_id:
                try:
                    member.remove(code)
                except Exception:
                    logger.debug("elearning_chat: kick of a closed socket", exc_info=True)

    # Presence ----------------------------------------------------------------------

    def presence_snapshot(self):
        """The ``presence`` frame a socket gets when it connects (encoded): the count
        and the first PRESENCE_SNAPSHOT_LIMIT users; ``presence_delta`` frames follow."""
        if self._presence_frame is None:
            self._presence_frame = encode(
                {
                    "type": "presence",
                    "room": self.room_slug,
                    "count": self.presence_count,
                    "users": self.presence_users,
                }
            )
        return self._presence_frame

    def refresh_presence(self):
        """Recompute who is here (all processes) and send what changed.

        Requests coalesce: one query pair at a time per hub, then a pause of
        PRESENCE_INTERVAL before the next, whatever the number of joins meanwhile.
        """
        self._presence_dirty = True
        if self._presence_task is None or self._presence_task.done():
            self._presence_task = asyncio.create_task(self._presence_loop())

    async def _presence_loop(self):
        while self._presence_dirty:
            self._presence_dirty = False
            try:
                count, users = await db_call(
                    services.presence_window, self.room_slug, app_settings.PRESENCE_SNAPSHOT_LIMIT
                )
            except Exception:
                logger.warning("elearning_chat: presence query failed", exc_info=True)
                return
            frame = self.apply_presence(count, users)
            if frame is not None:
                self.fan_out(frame)
                if app_settings.PRESENCE_INTERVAL:
                    await asyncio.sleep(app_settings.PRESENCE_INTERVAL)

    def apply_presence(self, count, users):
        """Take a new presence state; returns the ``presence_delta`` frame (encoded)
        that turns the previous state into it, or None if nothing changed."""
        before = {user["id"]: user for user in self.presence_users}
        after = {user["id"] for user in users}
        joined = [user for user in users if before.get(user["id"]) != user]
        left = [pk for pk in before if pk not in after]
        if not joined and not left and count == self.presence_count:
            return None
        self.presence_count, self.presence_users, self._presence_frame = count, users, None
        return encode(
            {"type": "presence_delta", "room": self.room_slug, "count": count, "joined": joined, "left": left}
        )


class Registry:
    """The hubs of one event loop (one per server process under Daphne)."""

    def __init__(self):
        self.layer = get_channel_layer()
        self.hubs = {}
        # Rooms whose hub is starting: a future each, that joins of the same room wait
        # for. Starting one room never holds up joins of others.
        self.starting = {}
        self._beat = None
        # Rooms whose presence changed here: one notice task each (see announce_presence).
        self._announcing = {}
        self._announce_again = set()
        # The task getting the layer back after an error (see layer_lost).
        self._recovery = None

    def is_open(self, room_slug):
        """Whether the room has a hub here (running or starting)."""
        return room_slug in self.hubs or room_slug in self.starting

    async def join(self, room_slug, consumer):
        """Add ``consumer`` to the room's hub, starting the hub if needed. Raises
        :class:`RoomsFull` when one more hub would exceed MAX_ROOMS_PER_PROCESS."""
        while True:
            hub = self.hubs.get(room_slug)
            if hub is not None:
                hub.members.add(consumer)
                if self._beat is None or self._beat.done():
                    self._beat = asyncio.create_task(self._heartbeat(), name="elearning_chat heartbeat")
                return hub
            starting = self.starting.get(room_slug)
            if starting is not None:
                await asyncio.shield(starting)  # then look again: it may have failed
                continue
            if len(self.hubs) + len(self.starting) >= app_settings.MAX_ROOMS_PER_PROCESS:
                raise RoomsFull(room_slug)
            starting = self.starting[room_slug] = asyncio.get_running_loop().create_future()
            hub = RoomHub(self, room_slug)
            try:
                await hub.start()
                self.hubs[room_slug] = hub
                if self.layer is not None and not hub.subscribed:
                    self.layer_lost()
            finally:
                del self.starting[room_slug]
                starting.set_result(None)  # waiters retry (and start it again if this failed)

    async def leave(self, room_slug, consumer):
        hub = self.hubs.get(room_slug)
        if hub is None:
            return
        hub.members.discard(consumer)
        if not hub.members:
            del self.hubs[room_slug]
            beat = None
            if not self.hubs and self._beat is not None:
                beat, self._beat = self._beat, None
                beat.cancel()
            await hub.stop()
            if beat is not None and beat is not asyncio.current_task():
                await asyncio.gather(beat, return_exceptions=True)

    async def _heartbeat(self):
        next_at = now() + app_settings.PRESENCE_HEARTBEAT
        while True:
            await pause(max(0.0, next_at - now()))
            next_at = now() + app_settings.PRESENCE_HEARTBEAT
            # The rooms' upkeep is spread over half the interval: a process with many rooms
            # never queues hundreds of queries at once in front of its sockets' messages.
            await self.beat(spread=app_settings.PRESENCE_HEARTBEAT / 2)

    async def beat(self, spread=0.0):
        """One heartbeat: refresh this process's presence rows (sweeping dead
        processes'), then each room's upkeep: re-join its group, send changed presence,
        write any last broadcast the layer dropped (one query finds the rooms behind) and
        audit kicks and deletions. With ``spread`` (seconds), the rooms take their turns
        evenly over that time instead of all at once. Each step survives the others'
        errors."""
        try:
            await db_call(services.heartbeat, SERVER_ID)
        except Exception:
            logger.warning("elearning_chat: presence heartbeat failed", exc_info=True)
        hubs = list(self.hubs.values())
        try:
            latest = await db_call(services.last_message_ids, [hub.room_slug for hub in hubs])
        except Exception:
            logger.warning("elearning_chat: could not look for dropped broadcasts", exc_info=True)
            latest = {hub.room_slug: float("inf") for hub in hubs}  # each hub looks for itself
        for index, hub in enumerate(hubs):
            if index and spread:
                await pause(spread / len(hubs))
            if self.hubs.get(hub.room_slug) is not hub:
                continue  # closed meanwhile
            try:
                await hub.resubscribe()
            except Exception:
                logger.warning("elearning_chat: could not re-join %s", hub.group, exc_info=True)
                self.layer_lost()
            hub.refresh_presence()
            if latest.get(hub.room_slug, 0) > hub.last_id:
                try:
                    await hub.catch_up()  # a last broadcast the layer dropped
                except Exception:
                    logger.warning("elearning_chat: catch-up of %s failed", hub.room_slug, exc_info=True)
            hub.audit()  # a kick or a deletion the layer dropped

    # Channel-layer faults -----------------------------------------------------------

    def layer_lost(self):
        """A layer call failed (Redis down or restarted): every hub's group membership
        may be gone. Starts the recovery (once; later calls join it)."""
        for hub in self.hubs.values():
            hub.subscribed = False
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.create_task(self._recover(), name="elearning_chat layer recovery")

    async def recovered(self):
        """Wait until the recovery in progress (if any) has resubscribed the hubs."""
        if self._recovery is None or self._recovery.done():
            if not any(not hub.subscribed for hub in self.hubs.values()):
                return
            self.layer_lost()
        await asyncio.shield(self._recovery)

    async def _recover(self):
        """Re-add every unsubscribed hub to its group, with backoff until the layer
        answers; then write each room's messages stored meanwhile and refresh presence."""
        backoff = 0.05
        recovered = set()
        while True:
            waiting = [hub for hub in self.hubs.values() if not hub.subscribed]
            if not waiting:
                break
            try:
                for hub in waiting:
                    await hub.resubscribe()
                    recovered.add(hub)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("elearning_chat: channel layer still unavailable", exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
        logger.warning("elearning_chat: channel layer back; %d room(s) resubscribed", len(recovered))
        for hub in recovered:
            if self.hubs.get(hub.room_slug) is not hub:
                continue  # closed meanwhile
            hub.refresh_presence()
            try:
                await hub.catch_up()  # what was stored while broadcasts could not arrive
            except Exception:
                logger.warning("elearning_chat: catch-up of %s failed", hub.room_slug, exc_info=True)
        for room_slug in {hub.room_slug for hub in recovered}:
            self.announce_presence(room_slug)  # other processes' hubs recount too

    def announce_presence(self, room_slug):
        """Tell every process's hub of the room that somebody joined or left here.

        At most one notice per room and PRESENCE_INTERVAL leaves this process (the first
        at once, the joins and leaves of the interval together at its end): a join storm
        costs the channel layer a few messages per room, not one per socket, and never
        more concurrent layer calls than rooms.
        """
        if room_slug in self._announcing:
            self._announce_again.add(room_slug)
        else:
            self._announcing[room_slug] = asyncio.create_task(self._announce(room_slug))

    async def _announce(self, room_slug):
        try:
            while True:
                self._announce_again.discard(room_slug)
                try:
                    await self.broadcast(room_slug, {"type": "chat.presence"})
                except Exception:  # the heartbeat refreshes presence anyway
                    logger.warning(
                        "elearning_chat: could not announce presence of %s", room_slug, exc_info=True
                    )
                await asyncio.sleep(app_settings.PRESENCE_INTERVAL)
                if room_slug not in self._announce_again:
                    return
        finally:
            del self._announcing[room_slug]

    async def broadcast(self, room_slug, message):
        """Send a hub message to every process's hub of the room.

        Never raises for a layer that is down: the message goes to this process's hub
        directly, the failure starts the recovery, and the other processes' hubs write
        stored messages from the database once they have the layer back.
        """
        if self.layer is not None:
            try:
                await group_send(self.layer, group_name(room_slug), message)
                return
            except Exception:
                logger.warning(
                    "elearning_chat: could not broadcast %r to %s; delivered in this process only",
                    message.get("type"),
                    room_slug,
                    exc_info=True,
                )
                self.layer_lost()
        hub = self.hubs.get(room_slug)  # no channel layer: this process is the only one
        if hub is not None:
            await hub.dispatch(message)


_registries = weakref.WeakKeyDictionary()


def get_registry():
    """The registry of the running event loop (tests run one loop per test)."""
    loop = asyncio.get_running_loop()
    registry = _registries.get(loop)
    if registry is None:
        registry = _registries[loop] = Registry()
    return registry

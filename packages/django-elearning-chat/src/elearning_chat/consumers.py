"""The chat WebSocket consumer (protocol: docs/websocket.rst)."""

import asyncio
import collections
import logging
import time
import uuid

from channels.consumer import AsyncConsumer, get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from . import services
from .batch import Batched
from .conf import app_settings
from .db import db_call
from .frames import (
    BadFrame,
    ack,
    encode,
    error,
    max_client_frame_chars,
    message_error,
    parse_client_frame,
    user_dict,
)
from .hub import SERVER_ID, RoomsFull, get_registry
from .text import InvalidText, clean_body, valid_client_id

logger = logging.getLogger(__name__)

#: :func:`elearning_chat.services.enter` for the sockets of this process that connect at
#: the same time (looked up at each call, so tests can replace ``enter_many``).
enter = Batched(lambda entries: services.enter_many(SERVER_ID, entries))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


#: Close code for a socket whose client does not read its frames fast enough
#: ("try again later"): the client reconnects and resyncs.
SLOW_READER_CLOSE_CODE = 1013

#: How long a closing socket lets its message writer finish storing and broadcasting what
#: the client sent before the close (seconds); then the writer is cancelled.
WRITER_GRACE_SECONDS = 5


async def finish(task, grace=0):
    """Let ``task`` run for up to ``grace`` seconds, then cancel it and wait until it has
    ended. Never raises (the task's own error, if any, was its to report)."""
    if task is None or task is asyncio.current_task():
        return
    if grace and not task.done():
        await asyncio.wait({task}, timeout=grace)
    if not task.done():
        task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():  # we were cancelled ourselves
            raise
    except Exception:
        logger.debug("elearning_chat: a task ended with an error", exc_info=True)


async def _resume(coro, waiting):
    """Run to the end a coroutine whose first step was taken by hand and yielded
    ``waiting`` (a future, or None), the way an asyncio Task would have."""
    while True:
        try:
            if waiting is None:
                await asyncio.sleep(0)
            else:
                # What Task does with a yielded future: clear the flag set when it was
                # yielded, then wait for it.
                waiting._asyncio_future_blocking = False
                await waiting
        except asyncio.CancelledError:
            coro.close()
            raise
        except Exception:
            pass  # the coroutine gets the future's exception itself when resumed
        try:
            waiting = coro.send(None)
        except StopIteration:
            return


class BoundedSendMixin(AsyncConsumer):
    """Writes every outgoing ASGI event without making the caller wait.

    The first step of the server's ``send`` runs at once; a server that writes into its
    own buffer (Daphne) finishes there, so the usual case costs no task and no queue. A
    send that has to wait (a client that does not read) continues in a writer task and
    later events queue behind it in order. Past ``SEND_QUEUE_LIMIT`` queued events the
    socket is closed with :data:`SLOW_READER_CLOSE_CODE`: memory stays bounded and the
    room's hub never waits for one slow client.
    """

    backlog = None
    writer = None
    closing = False

    async def send(self, message):
        self.write(message)

    def write(self, event):
        """Queue ``event`` (an ASGI message) for this socket; never waits."""
        if self.closing:
            return
        if event["type"] == "websocket.close":
            self.closing = True  # nothing is written after a close
        if self.writer is not None:
            if len(self.backlog) >= app_settings.SEND_QUEUE_LIMIT and not self.closing:
                return self.overflow()
            self.backlog.append(event)
            return
        coro = self.base_send(event)
        try:
            waiting = coro.send(None)
        except StopIteration:
            return
        except Exception:  # the socket is gone
            logger.debug("elearning_chat: could not write to a closed socket", exc_info=True)
            return
        self.backlog = collections.deque()
        self.writer = asyncio.create_task(self._drain(coro, waiting))

    async def _drain(self, coro, waiting):
        try:
            await _resume(coro, waiting)
            while self.backlog:
                await self.base_send(self.backlog.popleft())
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.debug("elearning_chat: could not write to a closed socket", exc_info=True)
        finally:
            self.writer = None
            self.backlog = None

    def overflow(self):
        """The client is too far behind: drop what waits for it and close the socket."""
        logger.info("elearning_chat: closing a socket that fell %d frames behind", len(self.backlog))
        self.on_overflow()
        writer, self.writer, self.backlog = self.writer, None, None
        if writer is not None:
            writer.cancel()
        self.write({"type": "websocket.close", "code": SLOW_READER_CLOSE_CODE})

    def on_overflow(self):
        """Called when the socket is about to be closed for falling behind."""


class ChatConsumer(AsyncWebsocketConsumer, BoundedSendMixin):
    """One socket in one room. Broadcasts reach it through the process's room hub."""

    room = None
    hub = None
    # No channel-layer channel per socket: the room hub is the process's only member of
    # the room's group and writes to its sockets directly. A channel per socket would cost
    # each one a pending layer receive (a task and a queue) for messages that never come.
    channel_layer_alias = None

    #: Token bucket of ``resync`` frames per socket: RESYNC_BURST at once, then one per
    #: RESYNC_REFILL_SECONDS. A resync that continues a page answered with ``has_more``
    #: is free. Excess frames get ``error`` ``rate_limited`` (docs/websocket.rst).
    RESYNC_BURST = 5
    RESYNC_REFILL_SECONDS = 2.0

    async def __call__(self, scope, receive, send):
        # Whatever ends the consumer (a close, an error, the server cancelling it), the
        # socket leaves its hub and its presence row is deleted: no ghost in the room.
        try:
            await super().__call__(scope, receive, send)
        finally:
            cleanup = asyncio.ensure_future(self.cleanup())
            try:
                await asyncio.shield(cleanup)  # runs to its end even if we are cancelled
            except asyncio.CancelledError:
                pass
            except Exception:
                logger.warning("elearning_chat: clean-up of a socket failed", exc_info=True)

    async def dispatch(self, message):
        # Channels' own dispatch (>= 4.2) first awaits aclose_old_connections(), a
        # thread-pool hop, for EVERY message: measured, it more than halves the frames
        # a process can deliver. This consumer touches the database only through
        # db_call, which closes old connections in its own thread, so
        # the hop buys nothing here. Broadcasts never come through here at all: the
        # hub writes them to the socket directly (see hub.py).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message):
        # Channels' own then awaits aclose_old_connections() on the thread-sensitive thread,
        # which page views may hold for a long time: this consumer joins no group of its own
        # and uses the database only through db_call, so it ends without that hop.
        await self.disconnect(message.get("code", 1000))
        raise StopConsumer()

    async def connect(self):
        self.room_slug = self.scope["url_route"]["kwargs"]["room"]
        self.user = self.scope.get("user")
        self.ready = False  # the hub writes to the socket once True
        self.removed = False
        self.last_typing = 0.0
        self.outbox = []  # validated bodies waiting for the writer task
        self.message_writer = None
        self.cleaned_up = False
        self.handler_errors = 0
        self.resync_tokens = float(self.RESYNC_BURST)
        self.resync_checked = time.monotonic()
        self.resync_next = None  # ``after`` of the page that continues the last answer
        # Presence row key, unique per socket.
        self.connection_id = uuid.uuid4().hex
        if self.user is None or not self.user.is_authenticated:
            await self.close()  # handshake rejected (HTTP 403)
            return
        registry = get_registry()
        running = registry.hubs.get(self.room_slug)
        if not registry.is_open(self.room_slug) and len(registry.hubs) >= app_settings.MAX_ROOMS_PER_PROCESS:
            await self.close()  # checked again by join; this saves the queries
            return
        try:
            # Policy, room (known to a running hub), presence row: one thread hop and one
            # INSERT shared with the sockets connecting at the same time.
            self.room = await enter(
                (self.user, self.room_slug, self.connection_id, getattr(running, "room", None))
            )
        except services.RoomLimitReached:
            self.room = None
        except Exception:  # the database is down: "try again later", not an internal error
            logger.warning("elearning_chat: could not let a socket into %s", self.room_slug, exc_info=True)
            self.write({"type": "websocket.accept"})
            await self.close(1013)  # try again later
            return
        if self.room is None:
            await self.close()
            return
        # Accept as soon as the user is let in. Joining may wait for the room's hub to start,
        # and in a storm of connects that start queues behind every other socket's database
        # work on the process's database thread: Daphne drops handshakes that are not
        # accepted within its connect timeout. Nothing else is written before the history.
        self.write({"type": "websocket.accept"})
        try:
            self.hub = await registry.join(self.room_slug, self)
        except Exception as exc:  # RoomsFull, or the layer is down: no presence row left behind
            await db_call(services.remove_connection, self.connection_id)
            if not isinstance(exc, RoomsFull):
                raise
            await self.close(1013)  # another process may have room for it: try again later
            return
        if self.hub.room is None:
            self.hub.room = self.room
        history = await self.hub.history_frame()
        if self.removed:  # kicked while connecting
            await self.close(app_settings.REMOVED_CLOSE_CODE)
            return
        # No await from here until ready: every broadcast is either in the history and
        # presence snapshot written now, or written to this socket after them.
        self.write({"type": "websocket.send", "text": history})
        self.write({"type": "websocket.send", "text": self.hub.presence_snapshot()})
        self.ready = True
        registry.announce_presence(self.room_slug)

    async def disconnect(self, code):
        await self.cleanup()

    async def cleanup(self):
        """Release what the socket holds; safe to call more than once, from any state.

        The message writer may finish storing (and broadcasting) what the client sent
        before it left, within :data:`WRITER_GRACE_SECONDS`; the socket's own writer task
        is cancelled (the client is gone) and awaited; then the socket leaves its hub and
        its presence row is deleted.
        """
        if getattr(self, "cleaned_up", True):  # never connected, or already done
            return
        self.cleaned_up = True
        self.ready = False
        await finish(self.message_writer, WRITER_GRACE_SECONDS)
        self.closing = True  # nothing more is written
        writer, self.writer, self.backlog = self.writer, None, None
        await finish(writer)
        if self.handler_errors > 1:
            logger.warning(
                "elearning_chat: %d more failed frames on a socket of %s",
                self.handler_errors - 1,
                self.room_slug,
            )
        if self.hub is None:
            return
        registry = get_registry()
        try:
            await registry.leave(self.room_slug, self)
        finally:
            self.hub = None
            await db_call(services.remove_connection, self.connection_id)
            registry.announce_presence(self.room_slug)

    # Called by the hub -------------------------------------------------------------

    def on_overflow(self):
        self.ready = False  # the hub stops writing; disconnect() follows the close
        self.outbox = []

    def remove(self, code):
        """Close this socket: its user was removed from the room."""
        self.shut_out(_("You were removed from this room."), code)

    def shut_out(self, detail, code=None):
        """Tell the client it lost access (``error`` ``forbidden``), stop delivering and
        storing for it, and close the socket. Only the first call does anything."""
        if self.removed:
            return
        self.removed = True
        self.outbox = []  # queued messages are not stored any more
        if not self.ready:
            return  # still connecting: connect() closes it
        self.ready = False
        self.write({"type": "websocket.send", "text": error("forbidden", detail)})
        self.write({"type": "websocket.close", "code": code or app_settings.REMOVED_CLOSE_CODE})

    # Client frames -----------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        """Handle one client frame. Whatever the frame, the socket stays open: refused
        input gets an ``error`` frame, and a handler that fails gets ``server_error``."""
        if self.removed:
            return
        try:
            frame = parse_client_frame(text_data, max_client_frame_chars(app_settings.MAX_MESSAGE_LENGTH))
            await self.handle(frame)
        except BadFrame as exc:
            await self.send(text_data=message_error(exc.code, exc.detail, exc.client_id))
        except Exception:
            self.handler_errors += 1
            if self.handler_errors == 1:  # one traceback per socket, a count at its close
                logger.exception("elearning_chat: a frame handler failed in room %s", self.room_slug)
            if not self.removed:
                await self.send_error("server_error", _("The server could not handle this frame."))

    async def handle(self, frame):
        """Run the handler of a decoded frame (a dict with a string ``type``)."""
        handler = {
            "message": self.on_message,
            "resync": self.on_resync,
            "typing": self.on_typing,
            "delete": self.on_delete,
        }.get(frame["type"])
        if handler is None:
            return await self.send_error("bad_request", _("Unknown frame type."))
        await handler(frame)

    async def send_error(self, code, detail):
        await self.send(text_data=error(code, detail))

    async def on_message(self, frame):
        # ``client_id`` (optional for old clients) names the message for its
        # acknowledgement; every answer about this message carries it.
        client_id = frame.get("client_id")
        if client_id is not None and not valid_client_id(client_id):
            return await self.send_error("bad_request", services.CLIENT_ID_HELP)
        try:
            body = clean_body(frame.get("body"), app_settings.MAX_MESSAGE_LENGTH)
        except InvalidText as exc:
            return await self.send(text_data=message_error(exc.code, exc.detail, client_id))
        # Stored by a writer task, so that a burst of frames costs one database round
        # trip instead of one each; order is kept.
        self.outbox.append((body, client_id))
        if self.message_writer is None or self.message_writer.done():
            self.message_writer = asyncio.create_task(self.write_messages())

    async def write_messages(self):
        while self.outbox:
            batch, self.outbox = self.outbox, []
            bodies = [body for body, _ in batch]
            client_ids = [client_id for _, client_id in batch]
            try:
                results = await db_call(services.post_messages, self.user, self.room, bodies, client_ids)
            except Exception:  # database down: report, keep the socket and the writer usable
                logger.exception("elearning_chat: could not store %d message(s)", len(bodies))
                if not self.removed:
                    detail = _("Your message could not be stored; try again.")
                    for client_id in dict.fromkeys(client_ids):  # one error per message, old clients one
                        await self.send(text_data=message_error("server_error", detail, client_id))
                continue
            stored = []
            for client_id, result in zip(client_ids, results, strict=True):
                if isinstance(result, services.ChatError):
                    if result.code == "forbidden":
                        self.shut_out(result.detail)
                    elif not self.removed:
                        await self.send(text_data=message_error(result.code, result.detail, client_id))
                elif isinstance(result, services.Known):  # a re-send: acknowledged again, not stored
                    if not self.removed:
                        await self.send(text_data=ack(self.room_slug, client_id, result.id, result.message))
                else:
                    message, previous = result
                    # The author's acknowledgement is written before the broadcast, so
                    # the author's socket gets it before the message itself.
                    if client_id is not None and not self.removed:
                        await self.send(text_data=ack(self.room_slug, client_id, message["id"], message))
                    stored.append([message["id"], previous, encode(message)])
            if stored:
                await get_registry().broadcast(self.room_slug, {"type": "chat.messages", "items": stored})

    async def on_resync(self, frame):
        after = frame.get("after")
        if not _is_int(after) or after < 0:
            return await self.send_error("bad_request", _("resync needs a non-negative integer 'after'."))
        # Frames of a socket are handled one at a time, so at most one resync per socket
        # is ever in flight; the bucket bounds how many a socket may ask in a row.
        if after != self.resync_next and not self.take_resync_token():
            return await self.send_error("rate_limited", _("Too many resync requests; wait a few seconds."))
        messages, more = await db_call(
            services.history, self.room, after=after, limit=app_settings.RESYNC_PAGE_SIZE
        )
        self.resync_next = messages[-1]["id"] if more and messages else None
        await self.send_history(messages, has_more=more, after=after)

    def take_resync_token(self):
        now = time.monotonic()
        refill = (now - self.resync_checked) / self.RESYNC_REFILL_SECONDS
        self.resync_tokens = min(float(self.RESYNC_BURST), self.resync_tokens + refill)
        self.resync_checked = now
        if self.resync_tokens < 1:
            return False
        self.resync_tokens -= 1
        return True

    async def send_history(self, messages, has_more, after):
        """A ``history`` frame; ``after`` echoes the ``resync`` it answers (None for the
        history sent on connect), so a client matches answers without counting them."""
        frame = {"type": "history", "after": after, "messages": messages, "has_more": has_more}
        await self.send(text_data=encode(frame))

    async def on_typing(self, frame):
        now = time.monotonic()
        if now - self.last_typing < app_settings.TYPING_INTERVAL:
            return
        self.last_typing = now
        typing = encode({"type": "typing", "room": self.room_slug, "user": user_dict(self.user)})
        await get_registry().broadcast(self.room_slug, {"type": "chat.frame", "frame": typing})

    async def on_delete(self, frame):
        message_id = frame.get("id")
        if not _is_int(message_id):
            return await self.send_error("bad_request", _("delete needs an integer 'id'."))
        try:
            await db_call(services.delete_message, self.user, self.room, message_id)
        except services.ChatError as exc:
            return await self.send_error(exc.code, exc.detail)
        deleted = encode({"type": "deleted", "room": self.room_slug, "id": message_id})
        await get_registry().broadcast(
            self.room_slug, {"type": "chat.deleted", "id": message_id, "frame": deleted}
        )

"""Channel-layer faults of the live bell: retries, and getting the sockets back into their groups.

A Redis restart drops every group and the pending reads of the process; the first
command on each pooled connection the old server closed then fails ("Connection closed
by server") although the new server answers. So:

* every layer call is retried once on a connection error (:func:`retrying`);
* a notification socket never fails with its layer: the first socket of a process that
  sees an error starts :meth:`Subscriptions.layer_lost`, which re-adds EVERY socket of
  the process to its user's group, with backoff until the layer answers, and sends each
  its current unread count (what it may have missed). Sockets stay open meanwhile;
* the layer shares one read among the process's sockets, so a socket may never see the
  error itself: every :data:`HEARTBEAT` seconds the process re-adds its sockets to their
  groups and sends each socket whose unread count changed the new count (one grouped
  query), which repairs a restart nobody noticed.
"""

import asyncio
import logging
import weakref

logger = logging.getLogger(__name__)

try:  # channels_redis (the layer that fails this way) raises redis-py's errors
    from redis.exceptions import ConnectionError as _RedisConnectionError
except ImportError:  # pragma: no cover - no Redis layer installed
    _RedisConnectionError = OSError

#: Errors of a layer connection that one more attempt on a fresh connection may cure.
CONNECTION_ERRORS = (_RedisConnectionError, OSError)
#: Longest pause between two attempts to get back to a layer that went away (seconds).
MAX_BACKOFF = 5
#: Seconds between two re-adds of every socket to its group (and count checks).
HEARTBEAT = 10


async def retrying(method, *args):
    """Await ``method(*args)`` (a channel-layer call), once more after a connection error."""
    try:
        return await method(*args)
    except CONNECTION_ERRORS:
        logger.info("elearning_courses: channel layer call failed; retrying once", exc_info=True)
        return await method(*args)


class Subscriptions:
    """The notification sockets of one event loop (one server process under Daphne).

    A socket (see :class:`~elearning_courses.consumers.NotificationConsumer`) has
    ``layer``, ``group``, ``channel_name``, a ``subscribed`` flag and an async
    ``resynced()`` that tells its client what it may have missed.
    """

    def __init__(self):
        self.sockets = weakref.WeakSet()
        self._recovery = None
        self._beat = None

    async def subscribe(self, socket):
        """Add ``socket`` to its group -> whether the layer took it (if not, the
        recovery keeps trying)."""
        self.sockets.add(socket)
        if self._beat is None or self._beat.done():
            self._beat = asyncio.create_task(self._heartbeat(), name="elearning_courses heartbeat")
        try:
            await retrying(socket.layer.group_add, socket.group, socket.channel_name)
        except Exception:
            logger.warning("elearning_courses: could not join %s", socket.group, exc_info=True)
            self.layer_lost()
            return False
        socket.subscribed = True
        return True

    def discard(self, socket):
        self.sockets.discard(socket)

    def layer_lost(self):
        """A layer call failed: every socket's group membership may be gone."""
        for socket in self.sockets:
            socket.subscribed = False
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.create_task(self._recover(), name="elearning_courses layer recovery")

    async def recovered(self):
        """Wait for the recovery in progress, if any."""
        if self._recovery is not None and not self._recovery.done():
            await asyncio.shield(self._recovery)

    async def _recover(self):
        backoff = 0.05
        while True:
            waiting = [socket for socket in self.sockets if not socket.subscribed]
            if not waiting:
                return
            try:
                for socket in waiting:
                    await retrying(socket.layer.group_add, socket.group, socket.channel_name)
                    socket.subscribed = True
                    await socket.resynced()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("elearning_courses: channel layer still unavailable", exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def _heartbeat(self):
        from channels.db import database_sync_to_async

        from .notifications import unread_counts

        while self.sockets:
            await asyncio.sleep(HEARTBEAT)
            sockets = [socket for socket in self.sockets if socket.subscribed]
            try:
                for socket in sockets:
                    await retrying(socket.layer.group_add, socket.group, socket.channel_name)
            except Exception:
                logger.warning("elearning_courses: heartbeat could not re-join", exc_info=True)
                self.layer_lost()
                continue
            try:
                counts = await database_sync_to_async(unread_counts)({socket.user.pk for socket in sockets})
            except Exception:
                logger.warning("elearning_courses: heartbeat could not count", exc_info=True)
                continue
            for socket in sockets:
                if counts.get(socket.user.pk) != socket.last_count:
                    await socket.send_count(counts[socket.user.pk])


_subscriptions = weakref.WeakKeyDictionary()


def get_subscriptions():
    """The :class:`Subscriptions` of the running event loop."""
    loop = asyncio.get_running_loop()
    subscriptions = _subscriptions.get(loop)
    if subscriptions is None:
        subscriptions = _subscriptions[loop] = Subscriptions()
    return subscriptions

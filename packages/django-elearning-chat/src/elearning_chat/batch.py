"""Concurrent database calls of one kind, coalesced into shared thread hops.

A reconnect storm makes hundreds of sockets per process ask the same thing of the
database at once (their session and user, their policy check and presence row). One
:func:`~elearning_chat.db.db_call` each costs a thread hop per socket (a context copy,
an executor hand-off and a wake-up of the event loop) and, for the presence rows, one
INSERT each. A :class:`Batched` function takes the calls that arrive while earlier ones
are running and hands them to the database thread together: under a storm one hop (and
one INSERT) serves many sockets, and a call that finds the pool idle runs at once, as
before, so a lone connect waits for nothing.
"""

import asyncio
import weakref

from .db import db_call, pool_size


class Batched:
    """``await batched(item)``: the result for ``item`` of ``many(items)``, a synchronous
    function (database work) that gets every item waiting at the time, in arrival order,
    and returns one result per item. An exception instance in that list is raised to its
    item's caller only; an exception raised by ``many`` is raised to every caller of the
    batch.

    At most as many batches run at once as the chat's pool has threads (one in the
    thread-sensitive mode); calls arriving meanwhile wait for the next batch, of at most
    ``limit`` items. A batch runs in the context (``contextvars``) of the call that started
    its runner, not of each caller: ``many`` must depend on its items only.
    """

    def __init__(self, many, limit=200):
        self.many = many
        self.limit = limit
        self._queues = weakref.WeakKeyDictionary()  # event loop -> _Queue (tests: one loop each)

    async def __call__(self, item):
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue(self)
        return await queue.submit(loop, item)


class _Queue:
    def __init__(self, batched):
        self.batched = batched
        self.waiting = []  # (item, future)
        self.runners = set()

    def submit(self, loop, item):
        future = loop.create_future()
        self.waiting.append((item, future))
        if len(self.runners) < max(1, pool_size()):
            self.runners.add(loop.create_task(self._run()))
        return future

    async def _run(self):
        try:
            await self._drain()
        finally:
            # At once, not in a done callback: a caller woken by this runner's last batch
            # may submit before such a callback ran, and would find no runner left.
            self.runners.discard(asyncio.current_task())

    async def _drain(self):
        while self.waiting:
            batch = self.waiting[: self.batched.limit]
            del self.waiting[: self.batched.limit]
            batch = [(item, future) for item, future in batch if not future.done()]  # cancelled callers
            if not batch:
                continue
            try:
                results = await db_call(self.batched.many, [item for item, _future in batch])
            except asyncio.CancelledError:  # the loop is closing: so are its callers
                for _item, future in batch:
                    future.cancel()
                raise
            except Exception as exc:
                for _item, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_item, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

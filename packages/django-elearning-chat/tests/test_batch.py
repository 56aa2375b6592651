"""``elearning_chat.batch.Batched``: calls arriving while a batch runs share the next one.
Every condition is forced with events (a batch held in its thread), never by timing."""

import asyncio
import threading

import pytest

from elearning_chat.batch import Batched

from .helpers import TIMEOUT

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db]


class Recorder:
    """A ``many`` function that records its batches; the first one can be held."""

    def __init__(self, hold_first=False):
        self.batches = []
        self.started = threading.Event()
        self.gate = threading.Event()
        if not hold_first:
            self.gate.set()

    def __call__(self, items):
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.started.set()
            assert self.gate.wait(TIMEOUT)
        return [item * 10 if item >= 0 else ValueError(f"bad {item}") for item in items]


async def held(recorder, batched, *items):
    """Start ``items`` as one held first batch; return its tasks once it runs."""
    tasks = [asyncio.ensure_future(batched(item)) for item in items]
    assert await asyncio.to_thread(recorder.started.wait, TIMEOUT)
    return tasks


async def queued(batched, count):
    """Wait (bounded, no timing assumed) until ``count`` calls wait for the next batch."""
    queue = batched._queues[asyncio.get_running_loop()]
    async with asyncio.timeout(TIMEOUT):
        while len(queue.waiting) < count:
            await asyncio.sleep(0)


async def test_a_lone_call_is_a_batch_of_one():
    recorder = Recorder()
    batched = Batched(recorder)
    assert await batched(4) == 40
    assert recorder.batches == [[4]]


async def test_calls_arriving_while_a_batch_runs_share_the_next_one_in_order():
    recorder = Recorder(hold_first=True)
    batched = Batched(recorder)
    first = await held(recorder, batched, 1)
    later = [asyncio.ensure_future(batched(item)) for item in (2, 3, 4)]
    await queued(batched, 3)
    recorder.gate.set()
    assert await asyncio.gather(*first, *later) == [10, 20, 30, 40]
    assert recorder.batches == [[1], [2, 3, 4]]


async def test_batches_are_at_most_limit_items():
    recorder = Recorder(hold_first=True)
    batched = Batched(recorder, limit=2)
    first = await held(recorder, batched, 1)
    later = [asyncio.ensure_future(batched(item)) for item in (2, 3, 4)]
    await queued(batched, 3)
    recorder.gate.set()
    await asyncio.gather(*first, *later)
    assert recorder.batches == [[1], [2, 3], [4]]


async def test_an_error_for_one_item_is_raised_to_its_caller_only():
    recorder = Recorder(hold_first=True)
    batched = Batched(recorder)
    first = await held(recorder, batched, 1)
    later = [asyncio.ensure_future(batched(item)) for item in (2, -1, 3)]
    await queued(batched, 3)
    recorder.gate.set()
    results = await asyncio.gather(*first, *later, return_exceptions=True)
    assert results[:2] == [10, 20] and results[3] == 30
    assert isinstance(results[2], ValueError) and str(results[2]) == "bad -1"


async def test_a_failing_batch_fails_its_callers_and_the_next_batch_runs():
    calls = []

    def many(items):
        calls.append(list(items))
        if len(calls) == 1:
            raise RuntimeError("database down")
        return items

    batched = Batched(many)
    with pytest.raises(RuntimeError, match="database down"):
        await batched(1)
    assert await batched(2) == 2


async def test_a_cancelled_caller_is_left_out_of_the_next_batch():
    recorder = Recorder(hold_first=True)
    batched = Batched(recorder)
    first = await held(recorder, batched, 1)
    gone = asyncio.ensure_future(batched(2))
    kept = asyncio.ensure_future(batched(3))
    await queued(batched, 2)
    gone.cancel()
    recorder.gate.set()
    assert await asyncio.gather(*first, kept) == [10, 30]
    assert gone.cancelled()
    assert recorder.batches == [[1], [3]]

"""A WebSocket fuzzer for the chat consumer (in process, the real consumer stack).

Sends random and hostile frames from a fixed seed: binary, invalid UTF-8, oversized,
deeply nested, not JSON, wrong types in every field of every frame type, unknown types
and floods, from a student and a moderator. After each frame (or flood) a probe, a
``resync`` with a unique ``after``, marks where its answers end. Checks: the socket is
never closed (no 1011), a refused frame gets exactly one ``error`` with its documented
code, nothing is answered ``server_error`` or with an undocumented frame, and afterwards
no presence row, hub or task is left. Bounded: FRAMES frames (about 10 s here).
"""

import asyncio
import json
import random

import pytest
from channels.db import database_sync_to_async

from elearning_chat.consumers import ChatConsumer
from elearning_chat.hub import get_registry
from elearning_chat.models import Connection

from .helpers import TIMEOUT, join

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SEED = 20261126
FRAMES = 1500
PROBE_BASE = 10**12
SERVER_FRAMES = {"history", "message", "presence", "presence_delta", "typing", "deleted", "error", "ack"}
ERROR_CODES = {"bad_request", "too_long", "rate_limited", "forbidden"}
FIELDS = ("body", "after", "id", "client_id", "type")
TYPES = ("message", "resync", "typing", "delete")


def weird_values(rng):
    return [
        None,
        True,
        False,
        0,
        -1,
        1,
        2**63,
        -(2**70),
        1.5,
        float("1e308"),
        "",
        " ",
        "x",
        "\u202e\u0000",
        "é" * rng.randint(1, 3000),
        [],
        {},
        [1, "2", None],
        {"nested": {"deeper": [1]}},
        rng.randint(-5, 10**6),
    ]


def hostile(rng):
    """One frame: ``(ASGI receive event, expected error code or None)``; None means any
    documented answer, or none."""
    kind = rng.randrange(12)
    if kind == 0:
        return {"bytes": rng.randbytes(rng.randint(0, 300))}, "bad_request"
    if kind == 1:
        return {"bytes": b'{"type": "message", "body": "\xff\xfe"}'}, "bad_request"  # invalid UTF-8
    if kind == 2:
        return {
            "text": json.dumps({"type": "message", "body": "x" * rng.randint(70_000, 300_000)})
        }, "too_long"
    if kind == 3:
        depth = rng.choice([33, 100, 1000, 5000, 20_000])
        return {"text": '{"type": "typing", "x": ' + "[" * depth + "]" * depth + "}"}, "bad_request"
    if kind == 4:
        text = rng.choice(
            ['{"type": "message"', "nul\u0000l", "{'type': 'typing'}", "NaN]", "\ud800", "{}", "[]", "3"]
        )
        return {"text": text}, "bad_request"
    if kind == 5:
        return {
            "text": json.dumps({"type": rng.choice(["", "MESSAGE", "ping", "x" * 500, "resync "])})
        }, "bad_request"
    if kind == 6:
        return {
            "text": json.dumps({"type": rng.choice(weird_values(rng)[:10] + [7, ["message"]])})
        }, "bad_request"
    # Every documented type, each field a random (often wrong) value.
    frame = {"type": rng.choice(TYPES)}
    for field in rng.sample(FIELDS[:4], rng.randint(0, 4)):
        frame[field] = rng.choice(weird_values(rng))
    text = json.dumps(frame, ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.1:
        text = text.replace('"x"', '"\\ud800"')
    return {"text": text}, None


async def answers_until_probe(comm, probe):
    """Frames the socket sends before the probe's ``history``."""
    frames = []
    while True:
        output = await comm.receive_output(timeout=TIMEOUT)
        assert output["type"] == "websocket.send", output  # never closed, never 1011
        frame = json.loads(output["text"])
        assert frame["type"] in SERVER_FRAMES, frame
        if frame["type"] == "history" and frame["after"] == probe:
            return frames
        frames.append(frame)


async def test_fuzz_chat_socket(make_user, monkeypatch):
    monkeypatch.setattr(ChatConsumer, "RESYNC_BURST", 10**9)  # the probes are resyncs
    rng = random.Random(SEED)
    student = await database_sync_to_async(make_user)("fuzz-student")
    moderator = await database_sync_to_async(make_user)("fuzz-mod", is_staff=True)
    sockets = [(await join(user))[0] for user in (student, student, moderator)]
    sent, flood_frames, probes = 0, 0, 0
    while sent < FRAMES:
        comm = rng.choice(sockets)
        flood = rng.random() < 0.05
        batch = [hostile(rng) for _ in range(rng.randint(20, 80) if flood else 1)]
        for event, _expected in batch:
            await comm.send_input({"type": "websocket.receive", **event})
        sent += len(batch)
        flood_frames += len(batch) if flood else 0
        probe = PROBE_BASE + probes
        probes += 1
        await comm.send_input(
            {"type": "websocket.receive", "text": json.dumps({"type": "resync", "after": probe})}
        )
        frames = await answers_until_probe(comm, probe)
        errors = [f["code"] for f in frames if f["type"] == "error"]
        assert "server_error" not in errors
        assert set(errors) <= ERROR_CODES, errors
        expected = [code for _, code in batch if code is not None]
        for code in set(expected):
            assert errors.count(code) >= expected.count(code), (batch, errors)
        # Other sockets keep up: read what they got (broadcasts) and check its shape.
        for other in sockets:
            if other is not comm:
                while not await other.receive_nothing(timeout=0):
                    output = await other.receive_output(timeout=TIMEOUT)
                    assert output["type"] == "websocket.send", output
    print(f"chat fuzzer: {sent} frames sent ({flood_frames} in floods) and {probes} probes, seed {SEED}")
    for comm in sockets:
        await comm.disconnect()
    registry = get_registry()
    await asyncio.gather(*registry._announcing.values())
    assert await database_sync_to_async(Connection.objects.count)() == 0
    assert registry.hubs == {}
    assert [t for t in asyncio.all_tasks() if not t.done() and "elearning_chat" in t.get_name()] == []

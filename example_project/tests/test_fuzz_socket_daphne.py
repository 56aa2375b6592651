"""The WebSocket fuzzer, shorter, against a real Daphne process serving the demo site.

One Daphne (the in-memory layer without REDIS_URL, Redis with it), the real ASGI stack
(origin check, session auth, URL router). From a fixed seed: hostile frames one by one and
in a flood to the chat socket and the notification socket, then a text frame that is not
UTF-8. Checks: no socket is closed except the last one, by Daphne's WebSocket layer (never 1011),
every ``error`` has a documented code and none is ``server_error``, each malformed chat
frame is answered, the server logged no application exception, and no presence row is
left. About 15 s.
"""

import asyncio
import json
import random

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

pytestmark = [pytest.mark.asyncio]

SEED = 20261126
SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore

user = get_user_model().objects.create_user("fuzz", password="Sup3r-secret-pass", role="student")
store = SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(json.dumps(store.session_key))
"""
PRESENCE_ROWS = "from elearning_chat.models import Connection; print(Connection.objects.count())"
ERROR_CODES = {"bad_request", "too_long", "rate_limited", "forbidden"}


def frame(rng):
    """``(payload, expected error code or None)``; never a valid ``resync`` (the probes are)."""
    kind = rng.randrange(8)
    if kind == 0:
        return rng.randbytes(rng.randint(1, 200)), "bad_request"
    if kind == 1:
        return json.dumps({"type": "typing", "pad": "x" * rng.randint(40_000, 60_000)}), None
    if kind == 2:
        depth = rng.choice([33, 1000, 10_000])
        return '{"type": "typing", "x": ' + "[" * depth + "]" * depth + "}", "bad_request"
    if kind == 3:
        return rng.choice(
            ["{", "[]", "null", '{"type": 1}', '{"type": "nope"}', '{"type": "message", "body": "\\ud800"}']
        ), "bad_request"
    if kind == 4:
        return json.dumps(
            {"type": "resync", "after": rng.choice([-1, "1", None, 1.5, [], True])}
        ), "bad_request"
    if kind == 5:
        return json.dumps({"type": "delete", "id": rng.choice(["1", None, 1.5, [], {}])}), "bad_request"
    if kind == 6:
        return json.dumps({"type": "message", "body": rng.choice([None, 1, [], {}, "", "  "])}), "bad_request"
    return json.dumps({"type": rng.choice(["message", "typing", "delete"]), "body": "hi", "id": 10**12}), None


async def probe(ws, after):
    """Answers received before the ``history`` answering ``resync`` ``after``."""
    await ws.send(json.dumps({"type": "resync", "after": after}))
    answers = []
    async with asyncio.timeout(20):
        while True:
            received = json.loads(await ws.recv())
            if received["type"] == "history" and received["after"] == after:
                return answers
            answers.append(received)


def check(answers, batch):
    errors = [a["code"] for a in answers if a["type"] == "error"]
    assert set(errors) <= ERROR_CODES, errors
    expected = [code for _, code in batch if code]
    for code in set(expected):
        assert errors.count(code) >= expected.count(code), (code, errors)


async def test_fuzz_sockets_through_daphne(demo_server):
    rng = random.Random(SEED)
    session = json.loads(demo_server.shell(SETUP).strip().splitlines()[-1])
    base = demo_server.start()
    headers = {"Cookie": f"sessionid={session}"}
    ws_base = base.replace("http://", "ws://")
    sent = 0
    async with connect(
        f"{ws_base}/ws/chat/lobby/", origin=base, additional_headers=headers, max_size=None
    ) as chat:
        assert json.loads(await chat.recv())["type"] == "history"
        # One by one, each checked.
        batch = []
        for i in range(200):
            payload, code = frame(rng)
            await chat.send(payload)
            batch.append((payload, code))
            if i % 50 == 49:
                check(await probe(chat, 10**12 + i), batch)
                batch = []
        sent += 200
        # A flood, read afterwards.
        batch = [frame(rng) for _ in range(300)]
        for payload, _code in batch:
            await chat.send(payload)
        sent += len(batch)
        check(await probe(chat, 10**13), batch)

        async with connect(f"{ws_base}/ws/notifications/", origin=base, additional_headers=headers) as bell:
            assert json.loads(await bell.recv())["type"] == "unread_count"
            for _ in range(150):
                payload, _code = frame(rng)
                await bell.send(payload)
            sent += 150
            await bell.send("{")
            sent += 1
            async with asyncio.timeout(20):
                answer = json.loads(await bell.recv())
            assert answer["type"] == "error" and answer["code"] == "bad_request"
            assert bell.state.name == "OPEN"
    # A text frame that is not UTF-8: the WebSocket layer refuses it, before the app.
    async with connect(f"{ws_base}/ws/chat/lobby/", origin=base, additional_headers=headers) as broken:
        await broken.recv()
        await broken.send(b'{"type": "message", "body": "\xff\xfe"}', text=True)
        sent += 1
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(20):
                while True:
                    await broken.recv()
        # Daphne drops such a connection (the client sees 1006), or closes it with 1007.
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1007
    print(f"Daphne fuzzer: {sent} frames sent, seed {SEED}")
    async with asyncio.timeout(20):  # the server cleans up after the closes
        while int(demo_server.shell(PRESENCE_ROWS).strip().splitlines()[-1]) != 0:
            await asyncio.sleep(0.2)
    logs = "".join(path.read_text() for path in demo_server.tmp_path.glob("daphne-*.log"))
    assert "Exception inside application" not in logs
    assert "Traceback" not in logs

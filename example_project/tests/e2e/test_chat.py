"""The chat in a real browser: two people chatting live in the lobby and in a course
room, one of them losing the connection and catching up, moderation and blocking."""

import json
import os
import re

import pytest

from ..conftest import screenshot
from . import pages

pytestmark = pytest.mark.e2e

PASSWORD = "Chat-pass-2026"
SETUP = f"""
from django.contrib.auth import get_user_model
from elearning_courses import services
User = get_user_model()
tina = User.objects.create_user("tina", password="{PASSWORD}", role="teacher")
stan = User.objects.create_user("stan", password="{PASSWORD}", role="student")
User.objects.create_user("olga", password="{PASSWORD}", role="student")
course = services.create_course(tina, title="Chemistry 101")
services.enroll(stan, course)
print("ids", course.pk, stan.pk)
"""


def set_up(demo_server):
    """Create tina (teacher of Chemistry 101), stan (enrolled) and olga; return ids."""
    course_id, stan_id = re.search(r"^ids (\d+) (\d+)$", demo_server.shell(SETUP), re.M).groups()
    return course_id, stan_id


def log_in(page, base, username):
    pages.log_in(page, base, username, PASSWORD)


def connected(page):
    page.locator('[data-chat-state="connected"]').wait_for()


def say(page, text):
    """Send ``text`` and wait for the server's answer to it (its ack or its refusal)."""
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    page.locator('[data-chat-outbox] > li[data-state="pending"]').first.wait_for(state="detached")


def message_ids(page):
    return page.evaluate(
        "[...document.querySelectorAll('[data-chat-messages] > li')].map(li => Number(li.dataset.id))"
    )


def delete_message(page, text):
    item = page.locator("[data-chat-messages] > li").filter(has_text=text)
    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name=re.compile("^Delete message from ")).click()
    item.wait_for(state="detached")


def texts(page):
    return page.locator("[data-chat-messages] .chat-text").all_inner_texts()


class Connectivity:
    """Cuts a page's chat WebSockets, like a network outage: while ``offline``, the open
    socket is closed and every new attempt is refused; otherwise sockets go through."""

    def __init__(self, page):
        self.page = page
        self.offline = False
        page.route_web_socket(re.compile(r".*/ws/chat/.*"), self._route)

    def _route(self, ws):
        if self.offline:
            ws.close(code=1001, reason="offline")  # the page sees a failed handshake
        else:
            ws.connect_to_server()

    def cut(self):
        self.offline = True
        self.page.evaluate("document.querySelector('[data-chat-room]').chatClient.socket.close()")
        self.page.locator('[data-chat-state="reconnecting"]').wait_for()

    def restore(self):
        self.offline = False


def test_live_chat_with_reconnect_and_catch_up(demo_server, new_page):
    course_id, stan_id = set_up(demo_server)
    base = demo_server.start()
    # With Redis, the teacher is served by a second Daphne process: everything below then
    # also crosses processes (messages, presence, typing, deletions, the block).
    other = demo_server.start() if os.environ.get("REDIS_URL") else base
    teacher = new_page()
    student = new_page(viewport={"width": 390, "height": 844})  # a phone
    link = Connectivity(student)
    log_in(teacher, other, "tina")
    log_in(student, base, "stan")

    # The room list: the lobby and the student's course room.
    student.goto(base + "/chat/")
    assert student.get_by_role("link", name="Lobby").is_visible()
    assert student.get_by_role("link", name="Chemistry 101").is_visible()
    screenshot(student, "chat-room-list-mobile")

    # Lobby: both connected, both present, messages and typing flow both ways.
    teacher.goto(other + "/chat/lobby/")
    student.get_by_role("link", name="Lobby").click()
    connected(teacher)
    connected(student)
    teacher.locator("[data-chat-presence]").get_by_text("stan").wait_for()
    student.locator("[data-chat-presence]").get_by_text("tina").wait_for()
    assert student.locator("[data-chat-presence-count]").inner_text() == "2"

    say(teacher, "Welcome to the lobby, Stan!")
    student.get_by_text("Welcome to the lobby, Stan!").wait_for()
    student.get_by_label("Your message").press_sequentially("Thanks")
    teacher.get_by_text("stan is typing…").wait_for()
    student.get_by_label("Your message").press("Enter")
    teacher.get_by_text("Thanks", exact=True).wait_for()
    # Text is text: markup arrives escaped, never as elements.
    say(student, "<img src=x onerror=alert(1)> <b>bold?</b>")
    for page in (teacher, student):  # the sender gets its own message back too
        page.get_by_text("<img src=x onerror=alert(1)> <b>bold?</b>").wait_for()
    assert teacher.locator("[data-chat-messages] img[src='x'], [data-chat-messages] b").count() == 0
    assert texts(student) == texts(teacher)

    # The course room.
    student.goto(base + "/chat/")
    student.get_by_role("link", name="Chemistry 101").click()
    student.wait_for_url(base + f"/chat/course-{course_id}/")
    teacher.goto(other + f"/chat/course-{course_id}/")
    connected(student)
    connected(teacher)
    assert student.get_by_role("heading", name="Chemistry 101").is_visible()
    student.get_by_text("No messages yet").wait_for()  # a new room's empty state
    say(student, "Is the lab on Monday?")
    teacher.get_by_text("Is the lab on Monday?").wait_for()
    student.get_by_text("Is the lab on Monday?").wait_for()
    assert not student.get_by_text("No messages yet").is_visible()
    assert student.get_by_text("This is the beginning of the conversation.").is_visible()
    say(teacher, "Yes, 9 am.")
    student.get_by_text("Yes, 9 am.").wait_for()

    say(student, "Sorry, wrong answer")
    student.get_by_text("Sorry, wrong answer").wait_for()

    # The student's connection drops; the teacher keeps talking and deletes a message.
    link.cut()
    assert student.locator("[data-chat-status]").inner_text().startswith("Connection lost")
    missed = [f"While you were away #{n}" for n in range(1, 8)]
    for text in missed:
        say(teacher, text)
        teacher.get_by_text(text).wait_for()
    delete_message(teacher, "Sorry, wrong answer")
    assert not student.get_by_text(missed[0]).count()
    assert student.get_by_text("Sorry, wrong answer").is_visible()
    screenshot(student, "chat-offline-mobile")

    # Back online: the client reconnects by itself (back-off: within 30 s), resyncs and
    # shows each message once, in order.
    link.restore()
    student.locator('[data-chat-state="connected"]').wait_for(timeout=40_000)
    student.get_by_text(missed[-1]).wait_for()
    say(student, "Back, I saw everything.")
    for page in (teacher, student):
        page.get_by_text("Back, I saw everything.").wait_for()
    ids = message_ids(student)
    assert ids == sorted(set(ids))
    assert texts(student) == texts(teacher)
    for text in missed:
        assert texts(student).count(text) == 1
    assert "Sorry, wrong answer" not in texts(student)  # deleted while it was away
    stored = student.request.get(base + f"/api/chat/rooms/course-{course_id}/messages/").json()
    assert [m["id"] for m in reversed(stored["results"])] == ids
    screenshot(student, "chat-course-room-mobile")
    screenshot(teacher, "chat-course-room")

    # The teacher moderates the course room: a deleted message disappears for everyone.
    say(student, "oops, wrong room")
    teacher.get_by_text("oops, wrong room").wait_for()
    delete_message(teacher, "oops, wrong room")
    student.get_by_text("oops, wrong room").wait_for(state="detached")
    teacher.get_by_text("oops, wrong room").wait_for(state="detached")
    assert student.locator(".chat-delete").count() == 0  # students do not moderate

    # Blocking the student closes their socket at once, for good.
    admin = teacher.context.new_page()
    admin.goto(other + f"/courses/{course_id}/students/{stan_id}/block/")
    admin.get_by_role("button", name="Block student").click()
    student.locator('[data-chat-state="closed"]').wait_for()
    assert student.get_by_role("alert").filter(has_text="You were removed from this room.").is_visible()
    assert student.locator("[data-chat-send]").is_disabled()
    student.reload()
    assert student.get_by_role("heading", name="You cannot join this room").is_visible()


def test_outsider_is_refused_and_sees_why(demo_server, new_page):
    course_id, _ = set_up(demo_server)
    base = demo_server.start()
    page = new_page()
    log_in(page, base, "olga")
    page.goto(base + "/chat/")
    assert page.get_by_role("link", name="Lobby").is_visible()
    assert page.get_by_role("link", name="Chemistry 101").count() == 0
    response = page.goto(base + f"/chat/course-{course_id}/")
    assert response.status == 403
    assert page.get_by_role("heading", name="You cannot join this room").is_visible()
    assert page.get_by_text("Chemistry 101").first.is_visible()
    # The course policy says what to do about it.
    assert page.get_by_text("Enroll in the course to take part", exact=False).is_visible()
    # The socket is refused too, and the API answers 403.
    api = page.request.get(base + f"/api/chat/rooms/course-{course_id}/messages/")
    assert api.status == 403
    closed = page.evaluate(
        """url => new Promise(resolve => {
            const ws = new WebSocket(url);
            ws.onopen = () => resolve("open");
            ws.onclose = event => resolve("closed " + event.code);
        })""",
        base.replace("http", "ws") + f"/ws/chat/course-{course_id}/",
    )
    assert closed.startswith("closed")
    screenshot(page, "chat-refused")


def test_session_end_stops_reconnecting(demo_server, new_page):
    set_up(demo_server)
    base = demo_server.start()
    page = new_page()
    log_in(page, base, "stan")
    page.goto(base + "/chat/lobby/")
    connected(page)
    # Log out in another tab, then lose the connection: the next handshake is refused
    # and the client finds out why instead of retrying forever.
    other = page.context.new_page()
    other.goto(base + "/")
    other.locator("#user-menu").click()
    other.get_by_role("button", name="Log out").click()
    page.evaluate("document.querySelector('[data-chat-room]').chatClient.socket.close()")
    page.locator('[data-chat-state="closed"]').wait_for()
    assert page.get_by_role("alert").filter(has_text="Your session has ended.").is_visible()
    assert page.locator("[data-chat-status]").inner_text() == "Disconnected"


def test_load_older_messages_and_rate_limit(demo_server, new_page):
    set_up(demo_server)
    demo_server.shell(
        """
from django.contrib.auth import get_user_model
from elearning_chat.models import Message, Room
room = Room.objects.create(slug="lobby", title="Lobby")
tina = get_user_model().objects.get(username="tina")
Message.objects.bulk_create([Message(room=room, author=tina, body=f"old {n}") for n in range(1, 131)])
"""
    )
    base = demo_server.start()
    page = new_page()
    log_in(page, base, "stan")
    page.goto(base + "/chat/lobby/")
    connected(page)
    page.get_by_text("old 130", exact=True).wait_for()  # the history frame follows the handshake
    assert len(message_ids(page)) == 50
    older = page.get_by_role("button", name="Load older messages")
    older.click()
    page.get_by_text("old 31", exact=True).wait_for()
    older.click()
    page.get_by_text("old 1", exact=True).wait_for()
    page.get_by_text("This is the beginning of the conversation.").wait_for()
    assert not older.is_visible()
    assert texts(page) == [f"old {n}" for n in range(1, 131)]
    assert json.dumps(message_ids(page)) == json.dumps(sorted(message_ids(page)))

    # Over the rate limit (10 messages in 10 s): the server refuses, the client marks the
    # message as not sent, with Retry (tests/e2e/test_chat_acks.py).
    for n in range(1, 11):
        say(page, f"fast {n}")
        page.get_by_text(f"fast {n}", exact=True).wait_for()
    say(page, "one too many")
    page.locator('[data-chat-outbox] > li[data-state="failed"]').filter(has_text="too fast").wait_for()
    assert "one too many" not in texts(page)


CAPPED_SETTINGS = """
from example_project.settings import *  # noqa: F403

ELEARNING_CHAT = {**ELEARNING_CHAT, "PRESENCE_SNAPSHOT_LIMIT": 1}  # noqa: F405
"""


def test_presence_panel_lists_the_first_names_and_counts_the_rest(demo_server, new_page, tmp_path):
    set_up(demo_server)
    (tmp_path / "capped_settings.py").write_text(CAPPED_SETTINGS)
    base = demo_server.start({"DJANGO_SETTINGS_MODULE": "capped_settings", "PYTHONPATH": str(tmp_path)})
    pages = {}
    for name in ("tina", "stan", "olga"):
        pages[name] = new_page()
        log_in(pages[name], base, name)
        pages[name].goto(base + "/chat/lobby/")
        connected(pages[name])
    tina = pages["tina"]
    panel = tina.locator("[data-chat-presence]")
    # One name (the first by username) and the others counted.
    panel.locator("[data-chat-presence-more]").filter(has_text="and 2 more").wait_for()
    assert panel.locator("li").count() == 2 and panel.locator("li").first.get_by_text("olga").is_visible()
    assert tina.locator("[data-chat-presence-count]").inner_text() == "3"
    screenshot(tina, "chat-presence-capped")
    # olga leaves: the next name moves up, the rest is counted again.
    pages["olga"].close()
    panel.locator("[data-chat-presence-more]").filter(has_text="and 1 more").wait_for()
    panel.get_by_text("stan").wait_for()
    assert tina.locator("[data-chat-presence-count]").inner_text() == "2"

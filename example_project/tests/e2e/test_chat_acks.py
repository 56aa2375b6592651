"""Acknowledged chat messages in a real browser (Chromium, real Daphne): a message written
while the socket is down waits as pending (through a reload too), is sent again on
reconnect and appears once for everyone; a message whose acknowledgement was lost with
the socket is not stored or shown twice; a message the server refuses is marked as not
sent, with Retry and Discard. Every drop is forced through Playwright's WebSocket routing,
never timed. About 35 s (two Daphne starts)."""

import re

import pytest

from .test_chat import connected, log_in, set_up, texts

pytestmark = pytest.mark.e2e

CLIENT = "document.querySelector('[data-chat-room]').chatClient"


class Link:
    """A page's chat WebSockets through a switchable link: ``cut()`` closes the open socket
    and refuses new ones until ``restore()``; while ``deaf``, nothing the server sends
    reaches the page (what the page sends still reaches the server)."""

    def __init__(self, page):
        self.page = page
        self.offline = False
        self.deaf = False
        page.route_web_socket(re.compile(r".*/ws/chat/.*"), self._route)

    def _route(self, ws):
        if self.offline:
            ws.close(code=1001, reason="offline")
            return
        server = ws.connect_to_server()
        server.on_message(lambda message: None if self.deaf else ws.send(message))

    def cut(self):
        self.offline = True
        self.page.evaluate(f"{CLIENT}.socket && {CLIENT}.socket.close()")
        self.page.locator('[data-chat-state="reconnecting"]').wait_for()

    def restore(self):
        self.offline = False
        self.deaf = False
        self.page.evaluate(f"{CLIENT}.reconnectNow()")  # no waiting out the back-off
        connected(self.page)


def say(page, text):
    """Type ``text`` and press Enter; no waiting for the server's answer (there may be none)."""
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")


def outbox(page, state=None):
    selector = "[data-chat-outbox] > li" + (f'[data-state="{state}"]' if state else "")
    return page.locator(selector)


def watch_duplicates(page):
    """Record in the page the most copies of any message text ever visible at once (the
    conversation and the outbox together), however briefly."""
    page.evaluate(
        """() => {
        window.__mostCopies = 0;
        const count = () => {
            const seen = {};
            for (const node of document.querySelectorAll('[data-chat-room] .chat-text')) {
                if (node.closest('li').hidden) continue;
                seen[node.textContent] = (seen[node.textContent] || 0) + 1;
                window.__mostCopies = Math.max(window.__mostCopies, seen[node.textContent]);
            }
        };
        new MutationObserver(count).observe(document.querySelector('[data-chat-room]'),
            {subtree: true, childList: true, attributes: true, attributeFilter: ['hidden']});
        count();
    }"""
    )


def waiting(page):
    """The outboxes the page keeps in sessionStorage."""
    return page.evaluate(
        "Object.keys(sessionStorage).filter(key => key.startsWith('elearning_chat:outbox:'))"
        ".map(key => sessionStorage.getItem(key))"
    )


def stored(page, base, text):
    results = page.request.get(base + "/api/chat/rooms/lobby/messages/").json()["results"]
    return [m["body"] for m in results].count(text)


def test_pending_messages_are_resent_after_a_drop_and_shown_once(demo_server, new_page):
    set_up(demo_server)
    base = demo_server.start()
    stan, tina = new_page(), new_page()
    link = Link(stan)
    log_in(stan, base, "stan")
    log_in(tina, base, "tina")
    for page in (stan, tina):
        page.goto(base + "/chat/lobby/")
        connected(page)

    # Written while the socket is down: shown as pending, kept through a reload.
    link.cut()
    say(stan, "Typed while offline")
    pending = outbox(stan, "pending").filter(has_text="Typed while offline")
    pending.get_by_text("Not sent yet: waiting for the connection").wait_for()
    assert stan.locator("[data-chat-send]").is_enabled()  # writing goes on while offline
    stan.reload()
    pending.wait_for()  # from sessionStorage
    stan.locator('[data-chat-state="reconnecting"]').wait_for()
    watch_duplicates(stan)

    # Back: sent again after the resync, acknowledged, shown once, for everyone.
    link.restore()
    tina.locator("[data-chat-messages]").get_by_text("Typed while offline").wait_for()
    stan.locator("[data-chat-messages]").get_by_text("Typed while offline").wait_for()
    pending.wait_for(state="detached")
    assert stored(stan, base, "Typed while offline") == 1

    # Sent just as the link dies: the server stores it, but its ack (and everything else)
    # never reaches the page, which keeps the message pending.
    link.deaf = True
    say(stan, "Sent as the link dropped")
    tina.locator("[data-chat-messages]").get_by_text("Sent as the link dropped").wait_for()
    lost = outbox(stan, "pending").filter(has_text="Sent as the link dropped")
    assert lost.is_visible()
    link.cut()
    # On reconnect the resync brings the stored message and the re-send is acknowledged
    # again with the same id: stored once, shown once.
    link.restore()
    stan.locator("[data-chat-messages]").get_by_text("Sent as the link dropped").wait_for()
    lost.wait_for(state="detached")
    say(stan, "After the drop")
    tina.locator("[data-chat-messages]").get_by_text("After the drop").wait_for()
    stan.locator("[data-chat-messages]").get_by_text("After the drop").wait_for()
    assert outbox(stan).count() == 0
    assert stored(stan, base, "Sent as the link dropped") == 1
    for page in (stan, tina):
        assert texts(page).count("Typed while offline") == 1
        assert texts(page).count("Sent as the link dropped") == 1
    assert texts(stan) == texts(tina)
    assert stan.evaluate("window.__mostCopies") == 1, "the author saw a message twice"
    assert not waiting(stan)  # nothing left in sessionStorage


LIMITED_SETTINGS = """
from example_project.settings import *  # noqa: F403

ELEARNING_CHAT = {**ELEARNING_CHAT, "RATE_LIMIT_MESSAGES": 1, "RATE_LIMIT_SECONDS": 3600}  # noqa: F405
"""


def test_a_refused_message_is_marked_not_sent_with_retry_and_discard(demo_server, new_page, tmp_path):
    set_up(demo_server)
    (tmp_path / "limited_settings.py").write_text(LIMITED_SETTINGS)
    base = demo_server.start({"DJANGO_SETTINGS_MODULE": "limited_settings", "PYTHONPATH": str(tmp_path)})
    page = new_page()
    log_in(page, base, "olga")
    page.goto(base + "/chat/lobby/")
    connected(page)

    # What the server would refuse as text is caught in the composer.
    box = page.get_by_label("Your message")
    box.fill("ring \u0007 the bell")
    box.press("Enter")
    page.get_by_text("contains characters that cannot be sent").wait_for()
    assert outbox(page).count() == 0
    box.fill("")

    say(page, "The one I may send")
    page.locator("[data-chat-messages]").get_by_text("The one I may send").wait_for()
    say(page, "One too many")  # over the rate limit: refused by the server
    failed = outbox(page, "failed").filter(has_text="One too many")
    failed.get_by_text("Not sent: You are sending messages too fast").wait_for()
    assert page.get_by_role("status").filter(has_text="Your message was not sent").count() == 1
    # Retry sends it again (same client id): refused again, still marked.
    failed.get_by_role("button", name="Retry sending this message").click()
    failed.wait_for()  # pending from the click on, failed again on the answer
    assert stored(page, base, "One too many") == 0
    failed.get_by_role("button", name="Discard this unsent message").click()
    failed.wait_for(state="detached")
    assert page.get_by_role("status").filter(has_text="Message discarded.").count() == 1
    assert texts(page) == ["The one I may send"]
    assert not waiting(page)

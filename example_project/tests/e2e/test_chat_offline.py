"""The chat client and the browser's own network state: "offline" only after the browser
says the network went away, and back by itself when it returns. A machine with no network
but loopback starts with ``navigator.onLine`` false, yet its own server answers: the chat
must connect there too."""

import pytest

from .test_chat import connected, log_in, say, set_up

pytestmark = pytest.mark.e2e


def test_offline_event_then_online_again(demo_server, new_page):
    set_up(demo_server)
    base = demo_server.start()
    page = new_page()
    log_in(page, base, "olga")
    page.goto(base + "/chat/lobby/")
    connected(page)

    # The browser's own events, dispatched here: Chromium fires them only on a change of its
    # network state, and a machine with nothing but loopback never has one to change.
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    page.locator('[data-chat-state="offline"]').wait_for()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    connected(page)
    say(page, "Back on the network")
    page.locator("[data-chat-messages]").get_by_text("Back on the network").wait_for()


def test_connects_although_the_browser_thinks_it_is_offline(demo_server, new_page):
    """As in a network namespace with only loopback: navigator.onLine is false from the
    start, and no offline event ever fires."""
    set_up(demo_server)
    base = demo_server.start()
    page = new_page()
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'onLine', {get: () => false})")
    log_in(page, base, "olga")
    page.goto(base + "/chat/lobby/")
    connected(page)
    # A dropped socket is retried rather than parked as "offline".
    page.evaluate("document.querySelector('[data-chat-room]').chatClient.socket.close()")
    connected(page)

"""A forgotten password, in the browser: the demo served by Daphne sends the reset mail to a
real SMTP server that the test starts (DJANGO_EMAIL_HOST/PORT), the student opens the link
from the received mail, sets a new password and logs in with it.

With ``UPDATE_SCREENSHOTS=1`` the run also replaces ``docs/_static/guide-password-reset.png``
(see test_docs_screenshots.py)."""

import email
import email.policy
import mailbox
import re

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from playwright.sync_api import expect

from ..conftest import free_port, screenshot
from .test_docs_screenshots import DESKTOP, save

pytestmark = pytest.mark.e2e

OLD_PASSWORD = "Forgotten-pass-1234"
NEW_PASSWORD = "Remembered-pass-5678"


@pytest.fixture
def smtp(tmp_path):
    """A real SMTP server on a free port that files every message in a Maildir."""
    maildir = tmp_path / "maildir"
    controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox.Maildir(maildir, create=False)
    finally:
        controller.stop()


def test_forgotten_password(demo_server, new_page, smtp):
    port, maildir = smtp
    demo_server.shell(
        "from django.contrib.auth import get_user_model;"
        f"get_user_model().objects.create_user('rosa', 'rosa@example.com', '{OLD_PASSWORD}', role='student')"
    )
    base = demo_server.start(
        extra_env={
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(port),
            "DJANGO_DEFAULT_FROM_EMAIL": "learn@example.com",
        }
    )
    page = new_page(viewport=DESKTOP)
    page.goto(base + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(base + "/accounts/password/reset/")
    page.get_by_label("Email").fill("Rosa@Example.com")
    save(page, "guide-password-reset")
    page.get_by_role("button", name="Send me the link").click()
    page.wait_for_url(base + "/accounts/password/reset/done/")
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    # The page answered after the mail server took the mail.
    [stored] = maildir
    message = email.message_from_bytes(stored.as_bytes(), policy=email.policy.default)
    assert message["To"] == "rosa@example.com"
    assert message["From"] == "learn@example.com"
    text = message.get_body(preferencelist=("plain",)).get_content()
    [link] = re.findall(r"http://\S+/accounts/password/reset/\S+/\S+/", text)
    assert link.startswith(base)

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    screenshot(page, "password-reset-new-password")
    page.get_by_role("button", name="Set my new password").click()
    page.wait_for_url(base + "/accounts/password/reset/complete/")
    page.get_by_role("link", name="Log in").last.click()

    page.wait_for_url(base + "/accounts/login/")
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
    expect(page.get_by_text("You are logged in.")).to_be_visible()

    # The link was for one use only.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(page.get_by_role("link", name="Request a new link")).to_be_visible()

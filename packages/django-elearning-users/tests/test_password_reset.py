"""Password reset by e-mail, sent through a real SMTP server that the test starts (aiosmtpd)
with Django's SMTP backend: the mail, its link, the new password, what the link is worth
afterwards, and what the pages never tell (whether an address has an account)."""

import datetime
import email
import email.policy
import re
import socket
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.test import Client
from rest_framework.authtoken.models import Token

from .conftest import PASSWORD
from .test_translations import english_left

pytestmark = pytest.mark.django_db
User = get_user_model()

NEW_PASSWORD = "Brand-new-pass-8080"
RESET = "/accounts/password/reset/"


class Inbox:
    """The aiosmtpd handler: keeps every message it is given, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(settings):
    """A real SMTP server on a free port, and the settings that make Django send to it."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "learn@example.com"
    try:
        yield handler.messages
    finally:
        controller.stop()


def ask(client, address, **extra):
    return client.post(RESET, {"email": address}, **extra)


def parts(message):
    """(plain text, HTML) of a received message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def reset_link(message):
    text, _ = parts(message)
    [link] = re.findall(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", text)
    return link


def set_password(client, link, password=NEW_PASSWORD):
    """Follow the mail's link (which moves the token into the session) and set ``password``."""
    response = client.get(link)
    assert response.status_code == 302, response.status_code
    form_url = response["Location"]
    assert client.get(form_url).status_code == 200
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def can_log_in(username, password):
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


class TestTheWholeWay:
    def test_login_page_links_to_the_reset(self, client):
        page = client.get("/accounts/login/").content.decode()
        assert f'href="{RESET}"' in page and "Forgot your password?" in page

    def test_mail_link_new_password_log_in(self, client, student, inbox):
        response = ask(client, "  STU@Example.COM ")  # any case, spaces around
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/reset/done/"
        page = client.get(response["Location"]).content.decode()
        assert "Check your mail" in page

        [(recipients, message)] = inbox
        assert recipients == ["stu@example.com"]
        assert message["To"] == "stu@example.com"
        assert message["From"] == "learn@example.com"
        assert message["Subject"] == "Reset your password on testserver"
        text, html = parts(message)
        link = reset_link(message)
        assert "Hello stu," in text and "The link works once, for 3\xa0days." in text
        assert f'href="http://testserver{link}"' in html
        assert "<script" not in html

        response = set_password(client, link)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/reset/complete/"
        page = client.get(response["Location"]).content.decode()
        assert "Your password was set" in page and 'href="/accounts/login/"' in page
        assert can_log_in("stu", NEW_PASSWORD)
        assert not can_log_in("stu", PASSWORD)

        # Used once, the link is worth nothing: a clear page that offers a new one.
        page = client.get(link, follow=True)
        assert page.status_code == 200
        body = page.content.decode()
        assert "This link cannot be used" in body and "Request a new link" in body
        assert f'href="{RESET}"' in body
        assert 'name="new_password1"' not in body

    def test_html_mail_is_escaped_and_in_the_users_language(self, client, make_user, inbox, settings):
        settings.LANGUAGE_CODE = "de"
        make_user("<b>ann</b>")
        ask(client, "<b>ann</b>@example.com")
        # Not a valid address: the form refuses it and nothing is sent.
        assert inbox == []
        make_user("ann&co")
        assert ask(client, "ann&co@example.com").status_code == 302
        [(_, message)] = inbox
        text, html = parts(message)
        assert "Hallo ann&co," in text
        assert "Hallo ann&amp;co," in html
        assert message["Subject"] == "Passwort auf testserver zurücksetzen"

    def test_a_new_password_ends_every_session_and_the_token(self, client, student, inbox):
        token = Token.objects.create(user=student)
        elsewhere = Client()
        assert (
            elsewhere.post("/accounts/login/", {"username": "stu", "password": PASSWORD}).status_code == 302
        )
        ask(client, student.email)
        set_password(client, reset_link(inbox[0][1]))
        assert elsewhere.get("/accounts/profile/").status_code == 302  # sent to log in
        assert not Token.objects.filter(pk=token.pk).exists()
        # The reset did not log anyone in.
        assert client.get("/accounts/profile/").status_code == 302

    def test_a_logged_in_user_can_reset_too(self, client, student, inbox):
        client.force_login(student)
        assert ask(client, student.email).status_code == 302
        assert set_password(client, reset_link(inbox[0][1])).status_code == 302
        assert can_log_in("stu", NEW_PASSWORD)


class TestWhoGetsAMail:
    def done_page(self, client, address):
        response = ask(client, address)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/reset/done/"
        return client.get(response["Location"]).content.decode()

    def test_unknown_address_same_page_no_mail(self, client, student, inbox):
        unknown = self.done_page(client, "nobody@example.com")
        assert inbox == []
        known = self.done_page(Client(), student.email)
        assert len(inbox) == 1
        # Nothing on the page depends on the address (the CSRF token aside).
        strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
        assert strip.sub("", unknown) == strip.sub("", known)

    def test_same_queries_for_an_address_with_or_without_an_account(
        self, student, inbox, django_assert_num_queries
    ):
        for address in ("nobody@example.com", student.email):
            with django_assert_num_queries(1):  # the accounts with the address
                assert ask(Client(), address).status_code == 302
        assert len(inbox) == 1

    def test_inactive_user_gets_no_mail(self, client, make_user, inbox):
        make_user("gone", is_active=False)
        self.done_page(client, "gone@example.com")
        assert inbox == []

    def test_user_without_a_usable_password_gets_no_mail(self, client, make_user, inbox):
        user = make_user("sso")
        user.set_unusable_password()
        user.save()
        self.done_page(client, "sso@example.com")
        assert inbox == []

    def test_only_the_account_with_the_address(self, client, make_user, inbox):
        make_user("ann")
        make_user("bob")
        self.done_page(client, "BOB@example.com")
        assert [recipients for recipients, _ in inbox] == [["bob@example.com"]]

    def test_a_failing_mail_server_still_shows_the_same_page(self, client, student, settings, inbox):
        settings.EMAIL_PORT = free_port()  # nobody listens there
        with mock.patch("django.contrib.auth.forms.logger") as logger:
            assert "Check your mail" in self.done_page(client, student.email)
        logger.exception.assert_called_once()


class TestBadInput:
    @pytest.mark.parametrize("address", ["", "not an address", "a@b@c", "x" * 250 + "@example.com"])
    def test_a_bad_address_is_a_form_error(self, client, student, inbox, address):
        response = ask(client, address)
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.content.decode()
        assert inbox == []

    def test_a_list_or_no_field_is_a_form_error(self, client, inbox):
        assert client.post(RESET, {"email": ["a@example.com", "b@example.com"]}).status_code in (200, 302)
        assert client.post(RESET, {}).status_code == 200

    def test_the_form_has_labels(self, client):
        page = client.get(RESET).content.decode()
        assert '<label class="form-label" for="id_email">' in page
        assert 'autocomplete="email"' in page

    def test_new_passwords_must_match_be_strong_and_not_too_long(self, client, student, inbox):
        ask(client, student.email)
        response = client.get(reset_link(inbox[0][1]))
        form_url = response["Location"]
        for one, two in [
            (NEW_PASSWORD, NEW_PASSWORD + "x"),
            ("12345678", "12345678"),
            ("", ""),
            ("a" * 5000, "a" * 5000),
        ]:
            response = client.post(form_url, {"new_password1": one, "new_password2": two})
            assert response.status_code == 200
            assert 'aria-invalid="true"' in response.content.decode()
        page = client.get(form_url).content.decode()
        assert 'maxlength="4096"' in page
        assert '<label class="form-label" for="id_new_password1">' in page
        # The link still works after mistakes.
        assert (
            client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code
            == 302
        )

    @pytest.mark.parametrize(
        "path",
        [
            "/accounts/password/reset/MQ/garbage-token/",
            "/accounts/password/reset/%C3%A9%00/x-y/",
            "/accounts/password/reset/OTk5OTk5/abc-def/",  # user 999999
            "/accounts/password/reset/bm90LWEtbnVtYmVy/abc-def/",  # "not-a-number"
            "/accounts/password/reset/MQ/set-password/",  # no token in the session
        ],
    )
    def test_a_mangled_link_is_a_clear_page(self, client, student, path):
        response = client.get(path, follow=True)
        assert response.status_code == 200
        body = response.content.decode()
        assert "This link cannot be used" in body and "Request a new link" in body

    def test_posting_to_a_mangled_link_changes_nothing(self, client, student):
        response = client.post(
            "/accounts/password/reset/MQ/set-password/",
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert response.status_code == 200
        assert "This link cannot be used" in response.content.decode()
        assert can_log_in("stu", PASSWORD)


class TestTheLinkExpires:
    def test_after_the_timeout(self, client, student, inbox, settings):
        settings.PASSWORD_RESET_TIMEOUT = 3600
        ask(client, student.email)
        link = reset_link(inbox[0][1])
        later = datetime.datetime.now() + datetime.timedelta(hours=1, minutes=1)
        with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
            body = client.get(link, follow=True).content.decode()
        assert "This link cannot be used" in body
        assert can_log_in("stu", PASSWORD)

    def test_the_mail_says_how_long(self, client, student, inbox, settings):
        settings.PASSWORD_RESET_TIMEOUT = 2 * 3600
        ask(client, student.email)
        assert "The link works once, for 2\xa0hours." in parts(inbox[0][1])[0]

    def test_after_a_password_change(self, client, student, inbox):
        ask(client, student.email)
        link = reset_link(inbox[0][1])
        other = Client()
        other.force_login(student)
        changed = dict.fromkeys(["new_password1", "new_password2"], "Changed-pass-9090")
        response = other.post("/accounts/password/", {"old_password": PASSWORD, **changed})
        assert response.status_code == 302
        assert "This link cannot be used" in client.get(link, follow=True).content.decode()

    def test_an_older_link_after_a_newer_one_was_used(self, client, student, inbox):
        ask(client, student.email)
        ask(client, student.email)
        first, second = (reset_link(message) for _, message in inbox)
        assert set_password(Client(), second).status_code == 302
        assert "This link cannot be used" in client.get(first, follow=True).content.decode()

    def test_after_the_address_changed(self, client, student, inbox):
        ask(client, student.email)
        link = reset_link(inbox[0][1])
        student.email = "new@example.com"
        student.save()
        assert "This link cannot be used" in client.get(link, follow=True).content.decode()


class TestThrottle:
    def test_one_address_gets_at_most_three_mails_an_hour(self, client, student, inbox):
        # From many client addresses, in any case: the address asked for is what counts.
        codes = [
            ask(client, address, REMOTE_ADDR=f"198.51.100.{i}").status_code
            for i, address in enumerate(
                ["stu@example.com", "STU@example.com", " stu@EXAMPLE.com", "stu@example.com"]
            )
        ]
        assert codes == [302, 302, 302, 429]
        assert len(inbox) == 3

    def test_the_refusal_says_nothing_about_the_account(self, client, student, inbox):
        responses = {}
        for address in ("stu@example.com", "nobody@example.com"):
            for _ in range(3):
                ask(client, address)
            responses[address] = ask(client, address)
        known, unknown = responses.values()
        assert known.status_code == unknown.status_code == 429
        assert 0 < int(known["Retry-After"]) <= 3600
        body = known.content.decode()
        assert "Too many requests" in body and 'role="alert"' in body
        assert "Please try again in 60 minutes." in body
        strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
        assert strip.sub("", body) == strip.sub("", unknown.content.decode())

    def test_one_client_cannot_ask_for_many_addresses(self, client, student, inbox):
        codes = [ask(client, f"someone{i}@example.com").status_code for i in range(11)]
        assert codes == [302] * 10 + [429]
        # Even for an address not asked for yet, and from this client only.
        assert ask(client, student.email).status_code == 429
        assert inbox == []
        assert ask(Client(REMOTE_ADDR="203.0.113.9"), student.email).status_code == 302
        assert len(inbox) == 1

    def test_the_rates_follow_the_settings_and_the_view(self, client, student, inbox, settings):
        settings.ELEARNING_USERS = {"AUTH_THROTTLE_RATE": "2/minute"}
        assert [ask(client, f"x{i}@example.com").status_code for i in range(3)] == [302, 302, 429]
        settings.ELEARNING_USERS = {"AUTH_THROTTLE_RATE": None}
        assert [ask(client, f"y{i}@example.com").status_code for i in range(20)] == [302] * 20

    def test_getting_the_form_is_not_counted(self, client):
        for _ in range(30):
            assert client.get(RESET).status_code == 200


class TestGerman:
    @pytest.fixture(autouse=True)
    def german(self, settings):
        settings.LANGUAGE_CODE = "de"
        settings.LANGUAGES = [("de", "Deutsch"), ("en", "English")]

    def german_page(self, response):
        assert response.status_code in (200, 429)
        page = response.content.decode()
        assert not english_left(page), english_left(page)
        return page

    def test_every_page(self, client, student, inbox):
        assert "Passwort vergessen?" in self.german_page(client.get("/accounts/login/"))
        self.german_page(client.get(RESET))
        self.german_page(client.get("/accounts/password/reset/done/"))
        self.german_page(client.get("/accounts/password/reset/complete/"))
        self.german_page(client.get("/accounts/password/reset/MQ/x-y/", follow=True))
        ask(client, student.email)
        text, html = parts(inbox[0][1])
        assert not english_left(text) and not english_left(html)
        response = client.get(reset_link(inbox[0][1]), follow=True)
        self.german_page(response)
        for _ in range(3):
            ask(client, student.email)
        self.german_page(ask(client, student.email))

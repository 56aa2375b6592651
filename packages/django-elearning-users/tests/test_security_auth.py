"""Authentication hardening: client addresses behind trusted proxies, throttled log-in and
sign-up (API, pages, admin), sessions and tokens ended on log-out and password change,
e-mail addresses unique whatever their case."""

import io
import warnings
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.cache.backends.base import CacheKeyWarning
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token

from elearning_users.checks import check_settings, login_throttle_warnings
from elearning_users.security import client_ip

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


# --- the client address ----------------------------------------------------------------------


def ip(settings, remote, xff=None, proxies=()):
    settings.ELEARNING_USERS = {"TRUSTED_PROXIES": list(proxies)}
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client_ip(RequestFactory().get("/", **extra))


class TestClientIp:
    def test_without_trusted_proxies_forwarded_for_is_ignored(self, settings):
        assert ip(settings, "203.0.113.7", "1.1.1.1") == "203.0.113.7"

    def test_from_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(self, settings):
        # The client forged "1.1.1.1"; the proxy appended the address it saw.
        assert ip(settings, "10.0.0.2", "1.1.1.1, 198.51.100.9", ["10.0.0.0/8"]) == "198.51.100.9"

    def test_trusted_hops_are_walked_through(self, settings):
        assert ip(settings, "10.0.0.2", "198.51.100.9, 10.0.0.3", ["10.0.0.0/8"]) == "198.51.100.9"

    def test_a_request_not_from_a_trusted_proxy_keeps_its_address(self, settings):
        assert ip(settings, "198.51.100.1", "1.1.1.1", ["10.0.0.0/8"]) == "198.51.100.1"

    def test_malformed_entries_end_the_walk(self, settings):
        assert ip(settings, "10.0.0.2", "1.1.1.1, garbage", ["10.0.0.2"]) == "10.0.0.2"
        assert ip(settings, "10.0.0.2", "", ["10.0.0.2"]) == "10.0.0.2"

    def test_all_hops_trusted_gives_the_leftmost(self, settings):
        assert ip(settings, "10.0.0.2", "10.0.0.9", ["10.0.0.0/8"]) == "10.0.0.9"

    def test_ports_brackets_and_mapped_addresses(self, settings):
        assert ip(settings, "::ffff:10.0.0.2", "[2001:db8::1]:443", ["10.0.0.2"]) == "2001:db8::1"
        assert ip(settings, "10.0.0.2", "198.51.100.9:5000", ["10.0.0.2/32"]) == "198.51.100.9"

    def test_no_remote_address(self, settings):
        assert ip(settings, "", "1.1.1.1", ["10.0.0.0/8"]) == ""

    def test_bad_settings_are_reported(self, settings):
        settings.ELEARNING_USERS = {"TRUSTED_PROXIES": ["10.0.0.0/8", "proxy.local"]}
        assert [e.id for e in check_settings(None)] == ["elearning_users.E006"]
        settings.ELEARNING_USERS = {"TRUSTED_PROXIES": "10.0.0.1"}
        assert [e.id for e in check_settings(None)] == ["elearning_users.E006"]
        settings.ELEARNING_USERS = {"AUTH_THROTTLE_RATE": "ten per minute"}
        assert [e.id for e in check_settings(None)] == ["elearning_users.E007"]
        settings.ELEARNING_USERS = {"THROTTLE_CACHE": "nope"}
        assert [e.id for e in check_settings(None)] == ["elearning_users.E008"]


# --- the API throttles -----------------------------------------------------------------------


def token_attempt(client, username="stu", password="wrong", **extra):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


class TestTokenThrottle:
    def test_rotating_forwarded_for_does_not_reset_the_address_counter(self, api_client, student, settings):
        settings.AXES_ENABLED = False  # the DRF throttle alone
        codes = [
            token_attempt(api_client, f"user{i}", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
            for i in range(40)
        ]
        assert codes[:10] == [400] * 10
        assert set(codes[10:]) == {429}

    def test_one_username_from_many_addresses_is_throttled(self, api_client, student, settings):
        settings.AXES_ENABLED = False
        codes = [token_attempt(api_client, REMOTE_ADDR=f"198.51.100.{i}").status_code for i in range(15)]
        assert codes[:10] == [400] * 10
        assert set(codes[10:]) == {429}
        # Case is no way around it.
        assert token_attempt(api_client, "STU ", REMOTE_ADDR="198.51.100.99").status_code == 429
        response = token_attempt(api_client, password=PASSWORD, REMOTE_ADDR="198.51.100.98")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0

    def test_any_username_makes_a_portable_cache_key(self, api_client, settings):
        """Counted under a hash: memcached refuses keys with spaces or control characters
        (Django warns with CacheKeyWarning), and any username may be attempted."""
        settings.AXES_ENABLED = False
        with warnings.catch_warnings():
            warnings.simplefilter("error", CacheKeyWarning)
            for name in ("with space", "ctrl\x01char", "é" * 150):
                assert token_attempt(api_client, name).status_code == 400

    def test_a_valid_token_header_is_no_way_around(self, api_client, student, teacher, settings):
        settings.AXES_ENABLED = False
        key = Token.objects.create(user=teacher).key
        codes = [
            token_attempt(api_client, f"user{i}", HTTP_AUTHORIZATION=f"Token {key}").status_code
            for i in range(12)
        ]
        assert codes[10:] == [429, 429]

    def test_register_is_throttled_per_address_and_shares_the_page_counter(self, api_client, client):
        def api(i, **extra):
            data = {"username": f"n{i}", "password": "Correct-horse-42", "email": f"n{i}@example.com"}
            return api_client.post("/api/users/", data, format="json", **extra).status_code

        assert [api(i, HTTP_X_FORWARDED_FOR=f"1.2.3.{i}") for i in range(5)] == [201] * 5
        page = [
            client.post("/accounts/signup/", {"username": f"p{i}", "email": "bad"}).status_code
            for i in range(5)
        ]
        assert page == [200] * 5  # invalid forms, but attempts all the same
        assert api(99) == 429
        assert client.post("/accounts/signup/", {"username": "late"}).status_code == 429

    def test_register_is_throttled_per_username(self, api_client):
        data = {"username": "taken-name", "password": "x", "email": "a@example.com"}
        codes = [
            api_client.post("/api/users/", data, format="json", REMOTE_ADDR=f"198.51.100.{i}").status_code
            for i in range(11)
        ]
        assert codes[-1] == 429 and set(codes[:10]) == {400}

    def test_an_unparsable_body_is_a_400_and_still_counted(self, api_client, settings):
        settings.ELEARNING_USERS = {"AUTH_THROTTLE_RATE": "1/minute"}
        bad = api_client.post("/api/auth/token/", "{not json", content_type="application/json")
        assert bad.status_code == 400
        assert token_attempt(api_client).status_code == 429


# --- the sign-up page throttle -----------------------------------------------------------------


def test_signup_page_refuses_with_a_page_in_the_layout(client, settings):
    settings.ELEARNING_USERS = {"AUTH_THROTTLE_RATE": "2/minute"}
    for i in range(2):
        client.post("/accounts/signup/", {"username": f"s{i}"})
    response = client.post("/accounts/signup/", {"username": "s3"}, HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert "Too many attempts" in body and 'role="alert"' in body
    assert "elearning_users/vendor/bootstrap/bootstrap.min.css" in body  # the standalone layout


# --- the log-in page and the admin log-in (django-axes) ---------------------------------------


def login(client, username="stu", password="wrong", path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


class TestLoginLockout:
    def test_wrong_passwords_then_even_the_right_one_is_refused(self, client, student):
        codes = [login(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(60)]
        assert codes[:9] == [200] * 9  # the form again, with its error
        assert set(codes[10:]) == {429}
        response = login(client, password=PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        assert "Too many attempts" in response.content.decode()

    def test_per_username_from_many_addresses(self, client, student):
        for i in range(10):
            login(client, REMOTE_ADDR=f"198.51.100.{i}")
        assert login(client, password=PASSWORD, REMOTE_ADDR="203.0.113.1").status_code == 429
        # Another user from another address is not concerned.
        get_user_model().objects.create_user("other", "o@example.com", PASSWORD)
        assert login(client, "other", PASSWORD, REMOTE_ADDR="203.0.113.2").status_code == 302

    def test_per_address_across_usernames(self, client, student):
        for i in range(10):
            login(client, f"nobody{i}")
        assert login(client, password=PASSWORD).status_code == 429
        assert login(Client(REMOTE_ADDR="203.0.113.5"), password=PASSWORD).status_code == 302

    def test_admin_login_is_throttled(self, client, make_user):
        admin = make_user("boss", is_staff=True, is_superuser=True)
        for _ in range(10):
            login(client, "boss", path="/admin/login/")
        response = login(client, admin.username, PASSWORD, path="/admin/login/")
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_token_endpoint_answers_429_json_while_locked(self, api_client, student, settings):
        settings.ELEARNING_USERS = {"AUTH_THROTTLE_RATE": None}  # axes alone
        for i in range(10):
            token_attempt(api_client, REMOTE_ADDR=f"198.51.100.{i}")
        response = token_attempt(api_client, password=PASSWORD)
        assert response.status_code == 429
        assert "detail" in response.json()

    def test_the_check_names_what_is_missing(self, settings):
        assert login_throttle_warnings() == []
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("axes.")]
        settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
        [warning] = login_throttle_warnings()
        assert warning.id == "elearning_users.W004"
        assert "AxesStandaloneBackend" in warning.hint and "AxesMiddleware" in warning.hint

    def test_the_check_wants_the_apps_client_address(self, settings):
        settings.AXES_CLIENT_IP_CALLABLE = None
        assert [w.id for w in login_throttle_warnings()] == ["elearning_users.W005"]


# --- sessions and tokens -----------------------------------------------------------------------


def logged_in_client(user):
    c = Client()
    assert c.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return c


def is_logged_in(c):
    return c.get("/accounts/profile/").status_code == 200


class TestSessions:
    def test_the_session_key_rotates_at_login(self, client, student):
        client.get("/accounts/login/")
        session = client.session
        session["before"] = "x"
        session.save()
        before = client.cookies["sessionid"].value
        login(client, password=PASSWORD)
        assert client.cookies["sessionid"].value != before

    def test_password_change_ends_other_sessions_keeps_this_one_and_the_token(self, student):
        token = Token.objects.create(user=student)
        here, elsewhere = logged_in_client(student), logged_in_client(student)
        response = here.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": "New-pass-4242", "new_password2": "New-pass-4242"},
        )
        assert response.status_code == 302
        assert is_logged_in(here)
        assert not is_logged_in(elsewhere)
        assert not Token.objects.filter(pk=token.pk).exists()

    @pytest.mark.parametrize(
        "engine", ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.signed_cookies"]
    )
    def test_logout_ends_every_session_and_the_token(self, student, settings, engine):
        settings.SESSION_ENGINE = engine
        token = Token.objects.create(user=student)
        here, elsewhere = logged_in_client(student), logged_in_client(student)
        assert here.post("/accounts/logout/").status_code == 302
        assert not is_logged_in(here)
        assert not is_logged_in(elsewhere)
        assert not Token.objects.filter(pk=token.pk).exists()
        # A new log-in works, and gets a new token.
        assert is_logged_in(logged_in_client(student))

    def test_admin_logout_does_too(self, make_user):
        boss = make_user("boss", is_staff=True, is_superuser=True)
        here, elsewhere = logged_in_client(boss), logged_in_client(boss)
        here.post("/admin/logout/")
        assert not is_logged_in(elsewhere)

    def test_set_password_anywhere_deletes_the_token(self, student):
        token = Token.objects.create(user=student)
        student.set_password("Another-pass-77")
        student.save()
        assert not Token.objects.filter(pk=token.pk).exists()

    def test_saving_without_a_new_password_keeps_the_token(self, student):
        token = Token.objects.create(user=student)
        student.status = "hi"
        student.save()
        assert Token.objects.filter(pk=token.pk).exists()

    def test_sessions_of_before_the_upgrade_stay_valid(self, student):
        # No salt yet: the hash is Django's own, so an upgrade logs nobody out.
        from django.contrib.auth.base_user import AbstractBaseUser

        assert student.session_salt == ""
        assert student.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(student)

    def test_end_other_sessions_keeps_the_requests(self, student):
        here, elsewhere = logged_in_client(student), logged_in_client(student)
        request = RequestFactory().get("/")
        request.session = here.session
        request.user = student
        student.end_other_sessions(request)
        request.session.save()
        here.cookies["sessionid"] = request.session.session_key  # rotated, as a response would
        assert is_logged_in(here) and not is_logged_in(elsewhere)

    @pytest.mark.parametrize("param", ["token", "auth_token"])
    def test_tokens_in_query_strings_do_nothing(self, api_client, student, param):
        key = Token.objects.create(user=student).key
        assert api_client.get(f"/api/users/me/?{param}={key}").status_code in (401, 403)
        assert api_client.get("/api/users/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


# --- unique e-mail addresses -------------------------------------------------------------------


class TestUniqueEmail:
    def test_signup_page(self, client, student):
        data = {
            "username": "newbie",
            "email": "STU@Example.com",
            "role": "student",
            "password1": "Correct-horse-42",
            "password2": "Correct-horse-42",
        }
        response = client.post("/accounts/signup/", data)
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "email": ["A user with that email address already exists."]
        }
        assert 'id="id_email"' in response.content.decode() and "is-invalid" in response.content.decode()

    def test_profile_page(self, client, student, teacher):
        client.force_login(student)
        data = {"first_name": "", "last_name": "", "email": "Tea@example.com", "status": ""}
        response = client.post("/accounts/profile/", data)
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["email"]
        # One's own address in another case is fine.
        assert client.post("/accounts/profile/", {**data, "email": "STU@example.com"}).status_code == 302

    def test_api_register_and_me(self, api_client, student, teacher):
        data = {"username": "n1", "password": "Correct-horse-42", "email": "stu@EXAMPLE.com"}
        response = api_client.post("/api/users/", data, format="json")
        assert response.status_code == 400 and list(response.json()) == ["email"]
        api_client.force_authenticate(student)
        response = api_client.patch("/api/users/me/", {"email": "TEA@example.com"}, format="json")
        assert response.status_code == 400 and list(response.json()) == ["email"]

    def test_races_give_a_field_error_not_a_500(self, client, api_client, student, teacher):
        # Validation passes (another request has not saved yet), then the save meets the constraint.
        with (
            mock.patch("elearning_users.forms.email_taken", return_value=False),
            mock.patch("elearning_users.api.serializers.email_taken", return_value=False),
            mock.patch.object(User, "validate_constraints"),
        ):
            data = {"username": "n1", "password": "Correct-horse-42", "email": "stu@example.com"}
            response = api_client.post("/api/users/", data, format="json")
            assert response.status_code == 400 and list(response.json()) == ["email"]
            page = client.post(
                "/accounts/signup/",
                {**data, "role": "student", "password1": data["password"], "password2": data["password"]},
            )
            assert page.status_code == 200 and "email" in page.context["form"].errors
            client.force_login(teacher)
            profile = client.post("/accounts/profile/", {"email": "STU@example.com"})
            assert profile.status_code == 200 and "email" in profile.context["form"].errors
            api_client.force_authenticate(teacher)
            response = api_client.patch("/api/users/me/", {"email": "stu@example.com"}, format="json")
            assert response.status_code == 400 and list(response.json()) == ["email"]
        assert User.objects.get(pk=teacher.pk).email == "tea@example.com"

    def test_database_constraint(self, student):
        User.objects.create_user("a1", "", "x")
        User.objects.create_user("a2", "", "x")  # accounts without an address are not concerned
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user("a3", "STU@example.COM", "x")


@pytest.mark.django_db(transaction=True)
def test_migration_clears_duplicates_without_losing_users():
    executor = MigrationExecutor(connection)
    executor.migrate([("elearning_users", "0001_initial")])
    with connection.cursor() as cursor:
        for name, email in [
            ("a", "Dup@example.com"),
            ("b", "dup@EXAMPLE.com"),
            ("c", ""),
            ("d", ""),
            ("e", "x@y.z"),
        ]:
            cursor.execute(
                "INSERT INTO elearning_users_user (password, is_superuser, username, first_name, last_name,"
                " email, is_staff, is_active, date_joined, role, profile_picture, status)"
                " VALUES ('', %s, %s, '', '', %s, %s, %s, CURRENT_TIMESTAMP, 'student', '', '')",
                [False, name, email, False, True],
            )
    out = io.StringIO()
    with mock.patch("sys.stdout", out):
        MigrationExecutor(connection).migrate([("elearning_users", "0002_session_salt_email_unique")])
    emails = dict(User.objects.values_list("username", "email"))
    assert emails == {"a": "Dup@example.com", "b": "", "c": "", "d": "", "e": "x@y.z"}
    assert "'dup@EXAMPLE.com'" in out.getvalue()
    call_command("migrate", verbosity=0)  # back to the latest state for the next tests

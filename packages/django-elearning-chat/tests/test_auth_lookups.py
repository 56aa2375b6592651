"""The session and user lookups of handshakes that arrive together (``elearning_chat.auth``):
the same users as Channels' own ``get_user``, case by case, in two queries for a batch."""

import datetime
from importlib import import_module

import pytest
from channels.auth import get_user
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.functional import LazyObject

from elearning_chat.auth import _get_users

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
CHANNELS_GET_USER = get_user.func  # Channels' synchronous lookup, the reference


class LoggingBackend(ModelBackend):
    """A backend with its own ``get_user``: asked once per session, never batched."""

    asked = []

    def get_user(self, user_id):
        LoggingBackend.asked.append(user_id)
        return super().get_user(user_id)


LOGGING_BACKEND = f"{__name__}.LoggingBackend"


def new_session(user=None, *, backend=MODEL_BACKEND, user_id=None, expired=False):
    """The key of a stored session logged in as ``user`` (or holding only ``user_id``)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    if user is not None or user_id is not None:
        store[SESSION_KEY] = str(user.pk if user is not None else user_id)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash() if user is not None else ""
    store.create()
    if expired:
        Session.objects.filter(session_key=store.session_key).update(
            expire_date=timezone.now() - datetime.timedelta(seconds=1)
        )
    return store.session_key


def scope_for(session_key):
    """A scope as Channels' SessionMiddleware leaves it: the store in a LazyObject."""
    session = LazyObject()
    session._wrapped = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return {"type": "websocket", "session": session}


def outcome(result):
    if isinstance(result, Exception):
        return type(result)
    if isinstance(result, AnonymousUser):
        return "anonymous"
    return result.pk


def cases(make_user):
    ann, bob, eve, gone, changed = (make_user(name) for name in ("ann", "bob", "eve", "gone", "chg"))
    inactive = make_user("ina", is_active=False)
    keys = {
        "ann": new_session(ann),
        "ann again": new_session(ann),
        "bob": new_session(bob),
        "inactive": new_session(inactive),
        "deleted user": new_session(gone),
        "password changed": new_session(changed),
        "other backend": new_session(eve, backend=LOGGING_BACKEND),
        "unlisted backend": new_session(eve, backend="django.contrib.auth.backends.RemoteUserBackend"),
        "expired": new_session(bob, expired=True),
        "no user": new_session(),
        "unknown key": "k" * 32,
        "bad user id": new_session(user_id="not-a-number"),
        "no cookie": None,
    }
    changed.set_password("another-pass-2026")
    changed.save()
    gone.delete()
    return keys


@pytest.mark.parametrize("engine", ["db", "cached_db"])
def test_each_scope_gets_what_channels_get_user_gives_it(make_user, engine, settings):
    settings.AUTHENTICATION_BACKENDS = [MODEL_BACKEND, LOGGING_BACKEND]
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{engine}"
    keys = cases(make_user)
    expected = {name: outcome(_channels_user(key)) for name, key in keys.items()}
    batch = _get_users([scope_for(key) for key in keys.values()])
    assert {name: outcome(result) for name, result in zip(keys, batch, strict=True)} == expected
    # The cases are the ones they claim to be.
    assert expected["ann"] == expected["ann again"] != expected["bob"]
    for refused in ("inactive", "deleted user", "unlisted backend", "no user", "unknown key"):
        assert expected[refused] == "anonymous", refused
    # cached_db serves the session from its cache, expired in the table or not.
    assert expected["expired"] == ("anonymous" if engine == "db" else expected["bob"])
    assert expected["password changed"] == "anonymous"
    assert expected["other backend"] not in ("anonymous", expected["ann"])
    assert isinstance(expected["bad user id"], type)  # an error, for that handshake only


def _channels_user(session_key):
    try:
        return CHANNELS_GET_USER(scope_for(session_key))
    except Exception as exc:
        return exc


def test_a_batch_costs_two_queries_and_shares_a_users_instance(make_user, settings):
    settings.AUTHENTICATION_BACKENDS = [MODEL_BACKEND, LOGGING_BACKEND]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    users = [make_user(f"user{i}") for i in range(6)]
    keys = [new_session(user) for user in users] + [new_session(users[0]), "k" * 32, None]
    scopes = [scope_for(key) for key in keys]
    with CaptureQueriesContext(connection) as queries:
        result = _get_users(scopes)
    signed_in = [user.pk for user in users] + [users[0].pk]
    assert [outcome(user) for user in result] == signed_in + ["anonymous", "anonymous"]
    assert len(queries) == 2, [q["sql"] for q in queries]  # the sessions, then the users
    assert result[0] is result[6]  # one instance per user in a batch
    # One at a time, Channels' way: two queries per signed-in socket.
    with CaptureQueriesContext(connection) as queries:
        for key in keys:
            CHANNELS_GET_USER(scope_for(key))
    assert len(queries) == 2 * 7 + 1


def test_a_backend_with_its_own_get_user_is_asked_for_each_session(make_user, settings):
    settings.AUTHENTICATION_BACKENDS = [LOGGING_BACKEND]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    ann, bob = make_user("ann"), make_user("bob")
    keys = [new_session(user, backend=LOGGING_BACKEND) for user in (ann, bob, ann)]
    LoggingBackend.asked.clear()
    result = _get_users([scope_for(key) for key in keys])
    assert [outcome(user) for user in result] == [ann.pk, bob.pk, ann.pk]
    assert LoggingBackend.asked == [ann.pk, bob.pk, ann.pk]


def test_a_lone_handshake_costs_what_it_costs_channels(make_user, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    key = new_session(make_user("ann"))
    with CaptureQueriesContext(connection) as queries:
        (user,) = _get_users([scope_for(key)])
    assert user.username == "ann"
    assert len(queries) == 2

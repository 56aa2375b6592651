"""System checks, lazy settings, the default policy and migrations."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import override_settings

from elearning_chat import checks
from elearning_chat.conf import app_settings, get_room_policy
from elearning_chat.policies import BaseRoomPolicy, DefaultRoomPolicy


def ids(**chat):
    with override_settings(ELEARNING_CHAT=chat):
        return sorted(e.id for e in checks.check_settings(None))


def test_defaults_pass():
    assert ids() == []


def test_not_a_dict():
    with override_settings(ELEARNING_CHAT=["ROOM_POLICY"]):
        assert [e.id for e in checks.check_settings(None)] == ["elearning_chat.E001"]


def test_unknown_key():
    assert ids(MAX_LENGTH=5) == ["elearning_chat.E002"]


@pytest.mark.parametrize("path", ["nowhere.Policy", "tests.policies.Missing", 42])
def test_policy_that_does_not_import(path):
    assert ids(ROOM_POLICY=path) == ["elearning_chat.E003"]


def test_policy_without_the_methods():
    assert ids(ROOM_POLICY="tests.policies.IncompletePolicy") == ["elearning_chat.E004"]
    assert ids(ROOM_POLICY="tests.policies.NOT_A_CLASS") == ["elearning_chat.E004"]
    assert ids(ROOM_POLICY="tests.policies.SubclassPolicy") == []


@pytest.mark.parametrize(
    "key",
    [
        "MAX_MESSAGE_LENGTH",
        "RATE_LIMIT_MESSAGES",
        "RATE_LIMIT_SECONDS",
        "HISTORY_LENGTH",
        "API_PAGE_SIZE",
        "PRESENCE_SNAPSHOT_LIMIT",
        "MEMBERS_PAGE_SIZE",
        "ROOM_CREATE_LIMIT",
        "MAX_ROOMS_PER_PROCESS",
        "SEND_QUEUE_LIMIT",
    ],
)
@pytest.mark.parametrize("value", [0, -1, "10", True, None, 2.5])
def test_positive_integers(key, value):
    assert ids(**{key: value}) == ["elearning_chat.E005"]


def test_presence_ttl_must_outlive_heartbeats():
    assert ids(PRESENCE_HEARTBEAT=10, PRESENCE_TTL=20) == ["elearning_chat.E006"]
    assert ids(PRESENCE_HEARTBEAT=10, PRESENCE_TTL=21) == []


@pytest.mark.parametrize("value", [-1, "0.5", True, None])
def test_presence_interval(value):
    assert ids(PRESENCE_INTERVAL=value) == ["elearning_chat.E010"]
    assert ids(PRESENCE_INTERVAL=0) == ids(PRESENCE_INTERVAL=0.25) == []


@pytest.mark.parametrize("value", [-1, "4", True, None, 2.5])
def test_db_threads(value):
    assert ids(DB_THREADS=value) == ["elearning_chat.E012"]
    assert ids(DB_THREADS=0) == ids(DB_THREADS=8) == []


def test_typing_interval_and_close_code():
    assert ids(TYPING_INTERVAL=-1) == ["elearning_chat.E007"]
    assert ids(TYPING_INTERVAL=0.5) == []
    assert ids(REMOVED_CLOSE_CODE=1000) == ["elearning_chat.E008"]


def test_missing_channel_layer_warns():
    with override_settings(CHANNEL_LAYERS={}):
        assert [e.id for e in checks.check_settings(None)] == ["elearning_chat.W001"]


def test_settings_are_read_lazily():
    assert app_settings.MAX_MESSAGE_LENGTH == 2000
    with override_settings(ELEARNING_CHAT={"MAX_MESSAGE_LENGTH": 10}):
        assert app_settings.MAX_MESSAGE_LENGTH == 10
    assert app_settings.MAX_MESSAGE_LENGTH == 2000
    with pytest.raises(AttributeError):
        app_settings.NOPE  # noqa: B018


def test_policy_cache_follows_settings():
    assert type(get_room_policy()) is DefaultRoomPolicy
    assert get_room_policy() is get_room_policy()
    with override_settings(ELEARNING_CHAT={"ROOM_POLICY": "tests.policies.RevocablePolicy"}):
        assert type(get_room_policy()).__name__ == "RevocablePolicy"
    assert type(get_room_policy()) is DefaultRoomPolicy


@pytest.mark.django_db
def test_default_policy(django_user_model):
    policy = DefaultRoomPolicy()
    ann = django_user_model.objects.create_user("ann")
    staff = django_user_model.objects.create_user("boss", is_staff=True)
    gone = django_user_model.objects.create_user("gone", is_active=False, is_staff=True)
    anonymous = AnonymousUser()
    assert policy.can_join(ann, "lobby") and policy.can_join(ann, "anything-else")
    assert not policy.can_join(anonymous, "lobby") and not policy.can_join(gone, "lobby")
    assert policy.can_moderate(staff, "lobby")
    assert not policy.can_moderate(ann, "lobby") and not policy.can_moderate(gone, "lobby")
    assert not policy.can_moderate(anonymous, "lobby")
    assert policy.get_room_title("lobby") == "Lobby"
    assert policy.get_room_title("python_study-group") == "Python study group"
    assert policy.visible_rooms(ann) == []
    assert isinstance(policy, BaseRoomPolicy)


@pytest.mark.django_db
def test_no_missing_migrations():
    out = io.StringIO()
    call_command("makemigrations", "elearning_chat", "--check", "--dry-run", stdout=out)

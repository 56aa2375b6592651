"""``CourseRoomPolicy``: who joins and moderates ``course-<id>`` rooms (chat not installed here)."""

import importlib
import sys

import pytest
from django.contrib.auth.models import AnonymousUser

from elearning_courses import chat_policy, services
from elearning_courses.chat_policy import CourseRoomPolicy
from elearning_courses.models import Course

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return CourseRoomPolicy()


@pytest.mark.parametrize(
    "role, join, moderate",
    [
        ("anonymous", False, False),
        ("student", False, False),
        ("enrolled", True, False),
        ("blocked", False, False),
        ("other_teacher", False, False),
        ("owner", True, True),
    ],
)
def test_course_room(policy, users, course, role, join, moderate):
    room = f"course-{course.pk}"
    assert policy.can_join(users[role], room) is join
    assert policy.can_moderate(users[role], room) is moderate


def test_staff_moderate_course_rooms(policy, make_user, course):
    staff = make_user("staff", "teacher", is_staff=True)
    assert policy.can_join(staff, f"course-{course.pk}")
    assert policy.can_moderate(staff, f"course-{course.pk}")


@pytest.mark.parametrize(
    "room", ["course-999999", "course-", "course-abc", "course-1-2", "course-" + "9" * 30]
)
def test_unknown_or_malformed_course_rooms_are_refused(policy, users, room):
    for user in users.values():
        assert policy.can_join(user, room) is False
        assert policy.can_moderate(user, room) is False


@pytest.mark.parametrize(
    "role, join, moderate",
    [("anonymous", False, False), ("student", True, False), ("blocked", True, False), ("owner", True, False)],
)
def test_other_rooms_keep_the_default(policy, users, role, join, moderate):
    assert policy.can_join(users[role], "lobby") is join
    assert policy.can_moderate(users[role], "lobby") is moderate


def test_inactive_users_are_refused(policy, enrolled, course):
    enrolled.is_active = False
    assert not policy.can_join(enrolled, f"course-{course.pk}")


def test_blocking_takes_effect_at_once(policy, owner, enrolled, course):
    room = f"course-{course.pk}"
    assert policy.can_join(enrolled, room)
    services.block(owner, course, enrolled)
    assert not policy.can_join(enrolled, room)


def test_room_title(policy, course):
    assert policy.get_room_title(f"course-{course.pk}") == "Django basics"
    assert policy.get_room_title("course-999999") == "Unknown course"
    assert policy.get_room_title("lobby")  # the default's title


def _chat_installed():
    try:
        import elearning_chat  # noqa: F401
    except ImportError:
        return False
    return True


def test_denial_reasons(policy, users, course):
    room = f"course-{course.pk}"
    assert "Enroll in the course" in policy.get_denial_reason(users["student"], room)
    assert "Enroll in the course" in policy.get_denial_reason(users["anonymous"], room)
    assert "removed you" in policy.get_denial_reason(users["blocked"], room)
    assert policy.get_denial_reason(users["student"], "course-999999") == "There is no such course."
    # Other rooms: the chat app's generic text, which speaks of no course (empty where the
    # chat app is not installed, as in this package's own tox environments).
    lobby = policy.get_denial_reason(users["student"], "lobby")
    assert "course" not in lobby.lower()
    assert bool(lobby) == _chat_installed()


def test_visible_rooms(policy, users, course, owner, django_assert_max_num_queries):
    second = Course.objects.create(teacher=owner, title="Advanced Django")
    assert policy.visible_rooms(AnonymousUser()) == []
    assert policy.visible_rooms(users["student"]) == []
    assert policy.visible_rooms(users["blocked"]) == []
    assert policy.visible_rooms(users["enrolled"]) == [(f"course-{course.pk}", "Django basics")]
    with django_assert_max_num_queries(1):
        rooms = policy.visible_rooms(owner)
    assert rooms == [(f"course-{second.pk}", "Advanced Django"), (f"course-{course.pk}", "Django basics")]


def test_works_without_the_chat_app(monkeypatch, users, course):
    """With elearning_chat not importable the policy falls back to its own defaults."""
    monkeypatch.setitem(sys.modules, "elearning_chat.policies", None)
    module = importlib.reload(chat_policy)
    try:
        policy = module.CourseRoomPolicy()
        assert policy.can_join(users["enrolled"], f"course-{course.pk}")
        assert not policy.can_join(users["student"], f"course-{course.pk}")
        assert policy.can_join(users["student"], "lobby")
        assert not policy.can_join(users["anonymous"], "lobby")
        assert not policy.can_moderate(users["owner"], "lobby")
        assert policy.get_room_title("lobby") == "lobby"
        assert "Enroll" in policy.get_denial_reason(users["student"], f"course-{course.pk}")
        assert policy.visible_rooms(users["enrolled"]) == [(f"course-{course.pk}", "Django basics")]
    finally:
        monkeypatch.undo()
        importlib.reload(chat_policy)


def test_block_removes_from_chat_when_installed(
    monkeypatch, owner, enrolled, course, django_capture_on_commit_callbacks
):
    """When elearning_chat is installed, a block closes the student's sockets after commit."""
    import types

    calls = []
    fake = types.ModuleType("elearning_chat.moderation")
    fake.remove_user_from_room = lambda room, user_id: calls.append((room, user_id))
    monkeypatch.setitem(sys.modules, "elearning_chat.moderation", fake)
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name == "elearning_chat" or real(name))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.block(owner, course, enrolled)
    assert calls == []  # not before the commit
    for callback in callbacks:
        callback()
    assert calls == [(f"course-{course.pk}", enrolled.pk)]


def test_block_without_chat_installed_schedules_nothing_for_chat(
    owner, enrolled, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.block(owner, course, enrolled)
    # Only the notification push.
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "alias",
    ["course-0{pk}", "course-000{pk}", "Course-{pk}", "COURSE-{pk}", "course-{pk}\n", "course-0"],
)
@pytest.mark.parametrize("who", ["owner", "enrolled", "student"])
def test_a_course_room_has_one_name(policy, users, course, alias, who):
    """An alias would be a second room that a block (which closes "course-<id>") never
    reaches: every other spelling of a course room is refused, to its members too."""
    assert policy.can_join(users["owner"], f"course-{course.pk}")
    room = alias.format(pk=course.pk)
    assert not policy.can_join(users[who], room)
    assert not policy.can_moderate(users[who], room)

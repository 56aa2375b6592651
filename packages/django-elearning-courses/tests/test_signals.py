"""Each event creates exactly the notifications it should, and pushes them after commit."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from elearning_courses import notifications, services
from elearning_courses.models import CourseBlock, Enrollment, Feedback, Notification

from .conftest import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def clean(users):
    """All roles exist; forget the notifications their set-up created."""
    Notification.objects.all().delete()
    return users


def rows():
    return sorted((n.recipient.username, n.verb) for n in Notification.objects.select_related("recipient"))


def test_enrollment_notifies_the_teacher(clean, course):
    services.enroll(clean["student"], course)
    assert rows() == [("owner", "enrolled")]
    n = Notification.objects.get()
    assert "student" in n.message and "Django basics" in n.message
    assert n.url == f"/courses/{course.pk}/" or n.url == ""


def test_feedback_notifies_the_teacher_on_create_and_change(clean, course):
    services.save_feedback(clean["enrolled"], course, rating=4)
    services.save_feedback(clean["enrolled"], course, rating=2)
    assert rows() == [("owner", "feedback"), ("owner", "feedback")]
    assert "2/5" in Notification.objects.first().message


def test_material_notifies_every_enrolled_student_in_one_insert(
    clean, course, make_user, django_assert_max_num_queries
):
    for i in range(5):
        Enrollment.objects.create(student=make_user(f"extra{i}"), course=course)
    Notification.objects.all().delete()
    # insert material + select enrolled students + one bulk insert (+ savepoints on PostgreSQL)
    with django_assert_max_num_queries(6):
        services.add_material(clean["owner"], course, file=pdf_upload())
    assert rows() == sorted([("enrolled", "material")] + [(f"extra{i}", "material") for i in range(5)])


def test_material_without_students_creates_nothing(owner, make_user):
    from elearning_courses.models import Course

    course = Course.objects.create(teacher=owner, title="Empty")
    services.add_material(owner, course, file=pdf_upload())
    assert not Notification.objects.filter(verb="material").exists()


def test_block_notifies_the_student_only(clean, course):
    services.block(clean["owner"], course, clean["enrolled"])
    assert rows() == [("enrolled", "blocked")]


def test_unenroll_unblock_and_edit_notify_nobody(clean, course):
    services.unenroll(clean["enrolled"], course)
    services.unblock(clean["owner"], course, clean["blocked"])
    services.update_course(clean["owner"], course, title="New title")
    assert rows() == []


def test_block_created_in_the_admin_also_unenrolls(clean, course):
    CourseBlock.objects.create(course=course, student=clean["enrolled"])
    assert not Enrollment.objects.filter(student=clean["enrolled"]).exists()


def test_fixture_loading_is_ignored(clean, course):
    from django.db.models.signals import post_save
    from django.utils import timezone

    now = timezone.now()
    feedback = Feedback(student=clean["enrolled"], course=course, rating=3, created_at=now, updated_at=now)
    feedback.save_base(raw=True)  # what loaddata does
    assert rows() == []
    post_save.send(Feedback, instance=feedback, created=True, raw=False)
    assert rows() == [("owner", "feedback")]


class TestPush:
    """Pushes are sent on commit, to the recipient's group only, with the new unread count."""

    def receive(self, user_id):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(notifications.group_name(user_id), channel)
        return lambda: async_to_sync(layer.receive)(channel)

    def test_single_notification(self, clean, course, django_capture_on_commit_callbacks):
        receive = self.receive(clean["owner"].pk)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.enroll(clean["student"], course)
        assert len(callbacks) == 1
        message = receive()
        assert message["type"] == notifications.EVENT_TYPE
        payload = message["payload"]
        assert payload["type"] == "notification"
        assert payload["unread_count"] == 1
        assert payload["notification"]["verb"] == "enrolled"
        assert set(payload["notification"]) == {"id", "verb", "message", "url", "is_read", "created_at"}

    def test_bulk_created_notifications_are_pushed_too(
        self, clean, course, django_capture_on_commit_callbacks
    ):
        receive = self.receive(clean["enrolled"].pk)
        with django_capture_on_commit_callbacks(execute=True):
            services.add_material(clean["owner"], course, file=pdf_upload(), title="Slides")
        payload = receive()["payload"]
        assert payload["notification"]["verb"] == "material"
        assert "Slides" in payload["notification"]["message"]

    def test_nothing_is_pushed_before_commit_or_when_disabled(
        self, clean, course, settings, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.enroll(clean["student"], course)
        assert len(callbacks) == 1  # waiting for the commit
        settings.ELEARNING_COURSES = {"PUSH_NOTIFICATIONS": False}
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.save_feedback(clean["enrolled"], course, rating=3)
        assert callbacks == []

    def test_mark_read_pushes_the_new_count(self, clean, course, django_capture_on_commit_callbacks):
        n = Notification.objects.create(recipient=clean["owner"], verb="enrolled", message="x")
        receive = self.receive(clean["owner"].pk)
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.mark_read(clean["owner"], n.pk)
        assert receive()["payload"] == {"type": "unread_count", "unread_count": 0}
        assert not notifications.mark_read(clean["student"], n.pk)  # not theirs

    def test_a_broken_layer_does_not_break_the_request(
        self, clean, course, monkeypatch, django_capture_on_commit_callbacks
    ):
        class Broken:
            async def group_send(self, *args):
                raise ConnectionError("layer down")

        monkeypatch.setattr(notifications, "get_channel_layer", lambda: Broken())
        with django_capture_on_commit_callbacks(execute=True):
            services.enroll(clean["student"], course)
        assert Enrollment.objects.filter(student=clean["student"]).exists()

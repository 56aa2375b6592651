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
    # insert material + select enrolled students + one bulk insert, then its file lesson (last
    # module, new module "Materials", insert lesson) (+ savepoints on PostgreSQL)
    with django_assert_max_num_queries(9):
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


def test_unenroll_and_edit_notify_nobody(clean, course):
    services.unenroll(clean["enrolled"], course)
    services.update_course(clean["owner"], course, title="New title")
    assert rows() == []


def test_block_reason_is_in_the_notification(clean, course):
    services.block(clean["owner"], course, clean["enrolled"], reason="Spam in the chat.")
    message = Notification.objects.get(recipient=clean["enrolled"], verb="blocked").message
    assert message == f"You have been blocked from {course.title}. Reason: Spam in the chat."


def test_unblock_notifies_the_student_only(clean, course):
    services.unblock(clean["owner"], course, clean["blocked"])
    assert rows() == [("blocked", "unblocked")]
    notification = Notification.objects.get(verb="unblocked")
    assert notification.message == f"You are no longer blocked from {course.title}: you can enroll again."
    assert notification.url == course.get_absolute_url()


def test_blocks_deleted_with_their_course_notify_nobody(clean, course):
    course.delete()
    assert not Notification.objects.filter(verb="unblocked").exists()


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


class TestFanOut:
    """A material for a course of many students: one grouped count query, one callback."""

    receive = TestPush.receive

    #: insert the material, select the enrolled students, one bulk insert, one grouped count,
    #: its file lesson (last module, new module "Materials", insert the lesson), and the
    #: savepoint that makes the material, its lesson and its notifications one write (2);
    #: then, after the commit, the course's search entries rebuilt (test_search_index.py)
    QUERIES = 9

    @staticmethod
    def queries():
        from .test_search_index import rebuild_queries

        return TestFanOut.QUERIES + rebuild_queries()

    @pytest.mark.parametrize("students", [1, 50])
    def test_same_queries_for_1_or_50_students_with_the_pushes_sent(
        self, students, owner, make_user, django_assert_num_queries, django_capture_on_commit_callbacks
    ):
        from elearning_courses.models import Course

        course = Course.objects.create(teacher=owner, title="Fan <b>out</b>")
        people = [make_user(f"s{i}") for i in range(students)]
        Enrollment.objects.bulk_create([Enrollment(course=course, student=s) for s in people])
        # The first student already has an unread notification: their count is 2.
        Notification.objects.create(recipient=people[0], verb="enrolled", message="older")
        receivers = {s.pk: self.receive(s.pk) for s in people}
        with django_assert_num_queries(self.queries()):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                services.add_material(owner, course, file=pdf_upload(), title="Slides")
        # One batch of pushes (the search index adds its own callbacks: test_search.py).
        assert sum(isinstance(callback, notifications.PushBatch) for callback in callbacks) == 1
        created = {n.recipient_id: n for n in Notification.objects.filter(verb="material")}
        for student in people:
            payload = receivers[student.pk]()["payload"]
            assert payload["type"] == "notification"
            assert payload["unread_count"] == (2 if student == people[0] else 1)
            assert payload["notification"]["id"] == created[student.pk].pk
            assert payload["html"] == notifications.render_item(created[student.pk])

    def test_a_rolled_back_upload_pushes_nothing(self, clean, course, django_capture_on_commit_callbacks):
        from django.db import transaction

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    services.add_material(clean["owner"], course, file=pdf_upload())
                    raise RuntimeError
            except RuntimeError:
                pass
        assert callbacks == []


class TestPushedItem:
    """The pushed ``html`` is the notifications page's own item, escaped."""

    def test_same_markup_as_the_page_and_escaped(self, owner, client, django_capture_on_commit_callbacks):
        n = Notification.objects.create(
            recipient=owner, verb="enrolled", message='<script>alert("x")</script> & co', url="/courses/1/"
        )
        html = notifications.render_item(n)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
        assert f'href="/notifications/{n.pk}/"' in html
        assert f'data-notification-id="{n.pk}"' in html
        # No "Mark as read" form: a push has no CSRF token to put in it.
        assert "<form" not in html
        client.force_login(owner)
        page = client.get("/notifications/").content.decode()
        item_open = html.strip().split("\n")[0]
        assert item_open.startswith("<li ") and item_open in page
        body = html.strip().split("\n")[1:4]
        assert all(line in page for line in body)

    def test_unmounted_pages_give_an_item_without_a_link(self, owner, monkeypatch):
        import django.urls

        def unmounted(*args, **kwargs):
            raise django.urls.NoReverseMatch

        # The {% url %} tag imports reverse when it renders.
        monkeypatch.setattr(django.urls, "reverse", unmounted)
        n = Notification.objects.create(recipient=owner, verb="enrolled", message="hello", url="/x/")
        html = notifications.render_item(n)
        assert "<a " not in html and "hello" in html

"""News of published lessons: one coalesced notification per student and course."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from elearning_courses import announcements, notifications
from elearning_courses.models import Course, CourseBlock, Enrollment, Lesson, Module, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(course):
    return Module.objects.create(course=course, title="Week 1", position=1)


@pytest.fixture
def make_lessons(module):
    def make(n, start=0, **fields):
        return [
            Lesson.objects.create(module=module, title=f"Lesson {start + i}", position=start + i, **fields)
            for i in range(n)
        ]

    return make


@pytest.fixture
def clean(users):
    Notification.objects.all().delete()
    return users


def news():
    return sorted(
        (n.recipient.username, n.message, n.is_read)
        for n in Notification.objects.filter(verb=Notification.Verb.LESSON).select_related("recipient")
    )


def publish(course, lessons, capture):
    with capture(execute=True):
        announcements.lessons_published(course, lessons)


def listen(user_id):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(notifications.group_name(user_id), channel)
    return lambda: async_to_sync(layer.receive)(channel)["payload"]


def test_one_lesson_names_it_for_enrolled_students_only(
    clean, course, make_lessons, django_capture_on_commit_callbacks
):
    (lesson,) = make_lessons(1)
    publish(course, [lesson], django_capture_on_commit_callbacks)
    assert news() == [("enrolled", "New lesson in Django basics: Lesson 0", False)]
    assert Notification.objects.get(verb="lesson").url == f"/courses/{course.pk}/#materials"


def test_several_lessons_in_one_call_are_counted(
    clean, course, make_lessons, django_capture_on_commit_callbacks
):
    publish(course, make_lessons(10), django_capture_on_commit_callbacks)
    assert news() == [("enrolled", "10 new lessons in Django basics", False)]


def test_ten_calls_in_a_row_leave_one_notification(
    clean, course, make_lessons, django_capture_on_commit_callbacks
):
    for lesson in make_lessons(10):
        publish(course, [lesson], django_capture_on_commit_callbacks)
    assert news() == [("enrolled", "10 new lessons in Django basics", False)]


def test_ten_calls_in_one_transaction_leave_one_notification(
    clean, course, make_lessons, django_capture_on_commit_callbacks
):
    lessons = make_lessons(10)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            for lesson in lessons:
                announcements.lessons_published(course, [lesson.pk])
    assert news() == [("enrolled", "10 new lessons in Django basics", False)]


def test_a_read_notification_is_not_reused(clean, course, make_lessons, django_capture_on_commit_callbacks):
    publish(course, make_lessons(2), django_capture_on_commit_callbacks)
    Notification.objects.update(is_read=True)
    publish(course, make_lessons(1, start=2), django_capture_on_commit_callbacks)
    assert news() == [
        ("enrolled", "2 new lessons in Django basics", True),
        ("enrolled", "New lesson in Django basics: Lesson 2", False),
    ]


def test_the_updated_notification_becomes_the_newest(
    clean, course, make_lessons, django_capture_on_commit_callbacks
):
    publish(course, make_lessons(1), django_capture_on_commit_callbacks)
    first = Notification.objects.get(verb="lesson")
    other = Notification.objects.create(recipient=clean["enrolled"], verb="material", message="later")
    publish(course, make_lessons(2, start=1), django_capture_on_commit_callbacks)
    updated = Notification.objects.get(verb="lesson")
    assert updated.pk == first.pk and updated.created_at > other.created_at
    assert Notification.objects.filter(recipient=clean["enrolled"]).first() == updated


def test_other_courses_news_stay_apart(
    clean, course, owner, make_lessons, django_capture_on_commit_callbacks
):
    other = Course.objects.create(teacher=owner, title="Other")
    Enrollment.objects.create(course=other, student=clean["enrolled"])
    other_lesson = Lesson.objects.create(module=Module.objects.create(course=other, title="M"), title="X")
    Notification.objects.all().delete()
    publish(course, make_lessons(1), django_capture_on_commit_callbacks)
    publish(other, [other_lesson], django_capture_on_commit_callbacks)
    publish(course, make_lessons(1, start=1), django_capture_on_commit_callbacks)
    assert news() == [
        ("enrolled", "2 new lessons in Django basics", False),
        ("enrolled", "New lesson in Other: X", False),
    ]


def test_blocked_unenrolled_and_teachers_get_nothing(
    clean, course, make_lessons, make_user, django_capture_on_commit_callbacks
):
    # An enrollment left next to a block (written around the receivers) still tells nothing.
    sneaky = make_user("sneaky")
    Enrollment.objects.create(course=course, student=sneaky)
    CourseBlock.objects.bulk_create([CourseBlock(course=course, student=sneaky)])
    Notification.objects.all().delete()
    publish(course, make_lessons(3), django_capture_on_commit_callbacks)
    assert [row[0] for row in news()] == ["enrolled"]


@pytest.mark.parametrize("draft", ["course", "module", "lesson"])
def test_nothing_for_lessons_students_cannot_see(
    clean, course, module, make_lessons, draft, django_capture_on_commit_callbacks
):
    lessons = make_lessons(2)
    target = {"course": course, "module": module, "lesson": lessons[0]}[draft]
    target.is_published = False
    target.save()
    course.refresh_from_db()
    publish(course, lessons, django_capture_on_commit_callbacks)
    expected = [] if draft != "lesson" else [("enrolled", "New lesson in Django basics: Lesson 1", False)]
    assert news() == expected


def test_a_course_made_a_draft_before_the_commit_tells_nobody(
    clean, course, make_lessons, django_capture_on_commit_callbacks
):
    lessons = make_lessons(1)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            announcements.lessons_published(course, lessons)
            Course.objects.filter(pk=course.pk).update(is_published=False)
    assert news() == []


def test_a_rolled_back_change_tells_nobody(clean, course, make_lessons, django_capture_on_commit_callbacks):
    lessons = make_lessons(1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            announcements.lessons_published(course, lessons)
            raise RuntimeError
    assert callbacks == [] and news() == []


def test_no_lessons_or_no_students_cost_nothing(
    owner, make_lessons, course, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_assert_num_queries(0), django_capture_on_commit_callbacks() as callbacks:
        announcements.lessons_published(course, [])
    assert callbacks == []
    Enrollment.objects.all().delete()
    publish(course, make_lessons(1), django_capture_on_commit_callbacks)
    assert news() == []


def test_the_bell_gets_new_and_updated_notifications_with_the_count(
    clean, course, make_lessons, django_capture_on_commit_callbacks
):
    receive = listen(clean["enrolled"].pk)
    publish(course, make_lessons(1), django_capture_on_commit_callbacks)
    first = receive()
    assert first["type"] == "notification" and first["unread_count"] == 1
    assert first["notification"]["message"] == "New lesson in Django basics: Lesson 0"
    publish(course, make_lessons(2, start=1), django_capture_on_commit_callbacks)
    second = receive()
    assert second["notification"]["id"] == first["notification"]["id"]
    assert second["notification"]["message"] == "3 new lessons in Django basics"
    assert second["unread_count"] == 1
    assert f'data-notification-id="{first["notification"]["id"]}"' in second["html"]


@pytest.mark.parametrize("students", [1, 40])
def test_constant_queries_in_the_number_of_students(
    students, owner, make_user, django_assert_num_queries, django_capture_on_commit_callbacks
):
    course = Course.objects.create(teacher=owner, title="Many")
    module = Module.objects.create(course=course, title="M")
    people = [make_user(f"s{i}") for i in range(students)]
    Enrollment.objects.bulk_create([Enrollment(course=course, student=s) for s in people])
    first = Lesson.objects.create(module=module, title="A")
    second = Lesson.objects.create(module=module, title="B", position=1)
    publish(course, [first], django_capture_on_commit_callbacks)
    # Half of them read theirs: the next call updates some and creates the others.
    Notification.objects.filter(recipient__in=people[::2]).update(is_read=True)
    # course, lessons, savepoint, students, their unread news, one UPDATE, one INSERT,
    # release, then one grouped unread count for the pushes
    with django_assert_num_queries(9 if students > 1 else 8):
        publish(course, [second], django_capture_on_commit_callbacks)
    assert Notification.objects.filter(verb="lesson", is_read=False).count() == students
    assert set(Notification.objects.filter(is_read=False).values_list("message", flat=True)) == (
        {"2 new lessons in Many", "New lesson in Many: B"} if students > 1 else {"New lesson in Many: B"}
    )

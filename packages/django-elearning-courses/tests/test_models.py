import pytest
from django.db import IntegrityError, transaction

from elearning_courses.models import Course, CourseBlock, Enrollment, Feedback, Notification

pytestmark = pytest.mark.django_db


def test_enrollment_pair_is_unique_in_the_database(course, enrolled):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(student=enrolled, course=course)


@pytest.mark.parametrize("rating", [0, 6, 100])
def test_rating_check_constraint(course, enrolled, rating):
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(student=enrolled, course=course, rating=rating)


@pytest.mark.parametrize("rating", [1, 5])
def test_rating_bounds_are_accepted(course, enrolled, rating):
    assert Feedback.objects.create(student=enrolled, course=course, rating=rating).pk


def test_feedback_pair_is_unique(course, enrolled):
    Feedback.objects.create(student=enrolled, course=course, rating=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(student=enrolled, course=course, rating=4)


def test_block_pair_is_unique(course, blocked):
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseBlock.objects.create(student=blocked, course=course)


def test_empty_title_refused_by_the_database(owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.create(teacher=owner, title="")


def test_with_stats(course, enrolled, make_user, django_assert_num_queries):
    other = make_user("other", "student")
    Enrollment.objects.create(student=other, course=course)
    Feedback.objects.create(student=enrolled, course=course, rating=4)
    Feedback.objects.create(student=other, course=course, rating=5)
    empty = Course.objects.create(teacher=course.teacher, title="Empty")
    with django_assert_num_queries(1):
        rows = {c.pk: c for c in Course.objects.with_stats()}
        assert rows[course.pk].teacher.username == "owner"
    assert rows[course.pk].enrollment_count == 2
    assert rows[course.pk].average_rating == pytest.approx(4.5)
    assert rows[empty.pk].enrollment_count == 0
    assert rows[empty.pk].average_rating is None


def test_catalog_order_newest_first(owner):
    first = Course.objects.create(teacher=owner, title="A")
    second = Course.objects.create(teacher=owner, title="B")
    assert list(Course.objects.all()) == [second, first]


def test_notification_as_dict(owner):
    n = Notification.objects.create(recipient=owner, verb="enrolled", message="Hi", url="/x/")
    data = n.as_dict()
    assert set(data) == {"id", "verb", "message", "url", "is_read", "created_at"}
    assert data["created_at"].endswith("Z")


def test_material_is_stored_privately_under_a_generated_name(material, settings):
    from pathlib import Path

    name = material.file.name
    assert "notes" not in name and name.endswith(".pdf")
    assert name.startswith(f"elearning_courses/materials/{material.course_id}/")
    path = Path(material.file.path)
    assert path.is_file()
    assert Path(settings.PRIVATE_MEDIA_ROOT).resolve() in path.parents
    assert Path(settings.MEDIA_ROOT).resolve() not in path.parents
    with pytest.raises(ValueError):
        _ = material.file.url


def test_string_representations(course, enrolled, blocked):
    assert str(course) == "Django basics"
    assert "Django basics" in str(Enrollment.objects.get(student=enrolled))
    assert "Django basics" in str(CourseBlock.objects.get(student=blocked))

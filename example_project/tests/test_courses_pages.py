"""The demo site's course pages as wired together: the home page by role, the bell's
script, and the demo data (idempotent, and obeying the course rules)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(tmp_path, settings):
    # Never write materials into the project folder.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def make(username, role):
    return get_user_model().objects.create_user(username, password="x-Long-pass-1", role=role)


@pytest.fixture
def courses():
    from elearning_courses.models import Course, Enrollment

    alice, bob, sam = make("alice", "teacher"), make("bob", "teacher"), make("sam", "student")
    mine = Course.objects.create(teacher=alice, title="Alice teaches this")
    Course.objects.create(teacher=bob, title="Bob teaches this")
    Enrollment.objects.create(student=sam, course=mine)
    return {"alice": alice, "bob": bob, "sam": sam}


def test_home_for_visitors_lists_the_newest_courses(client, courses):
    html = client.get("/").content.decode()
    assert "Newest courses" in html
    assert "Alice teaches this" in html and "Bob teaches this" in html
    assert "elearning_courses/bell.js" not in html


def test_home_lists_drafts_to_their_teacher_only(client, courses):
    from elearning_courses.models import Course

    Course.objects.create(teacher=courses["bob"], title="Bob's draft", is_published=False)
    assert "Bob's draft" not in client.get("/").content.decode()
    client.force_login(courses["sam"])
    assert "Bob's draft" not in client.get("/").content.decode()
    client.force_login(courses["bob"])
    assert "Bob&#x27;s draft" in client.get("/").content.decode()


def test_home_for_a_teacher_shows_their_courses_and_notifications(client, courses):
    client.force_login(courses["alice"])
    html = client.get("/").content.decode()
    assert "Courses you teach" in html
    assert "Alice teaches this" in html and "Bob teaches this" not in html
    assert "sam enrolled in Alice teaches this." in html  # the enrollment's notification
    assert 'href="/courses/new/"' in html
    assert "elearning_courses/bell.js" in html


def test_home_for_a_student_shows_enrolled_and_other_courses(client, courses):
    client.force_login(courses["sam"])
    html = client.get("/").content.decode()
    assert "Your courses" in html
    mine, discover = html.split("Discover", 1)
    assert "Alice teaches this" in mine
    assert "Bob teaches this" in discover and "Alice teaches this" not in discover
    assert 'id="home-notifications-empty"' in html


def test_home_empty_states(client):
    assert "No courses yet" in client.get("/").content.decode()
    client.force_login(make("newbie", "student"))
    assert "You are not enrolled in any course yet" in client.get("/").content.decode()


@pytest.mark.parametrize("rows", [1, 30])
def test_home_query_count_does_not_grow_with_courses(rows, client, django_assert_num_queries):
    from elearning_courses.models import Course

    teacher = make("t", "teacher")
    Course.objects.bulk_create([Course(teacher=teacher, title=f"C{i}") for i in range(rows)])
    with django_assert_num_queries(1):
        client.get("/")


def test_course_page_links_to_its_chat_room_for_members_only(client, courses):
    from elearning_courses.models import Course

    course = Course.objects.get(title="Alice teaches this")
    client.force_login(courses["sam"])
    assert f'href="/chat/course-{course.pk}/"' in client.get(f"/courses/{course.pk}/").content.decode()
    client.force_login(courses["bob"])
    assert f'href="/chat/course-{course.pk}/"' not in client.get(f"/courses/{course.pk}/").content.decode()


def test_demo_data_is_idempotent_and_follows_the_rules(client):
    from elearning_courses.models import (
        Course,
        CourseBlock,
        CourseMaterial,
        Enrollment,
        Feedback,
        Notification,
    )

    call_command("load_demo_data", stdout=io.StringIO())
    counts = [
        m.objects.count() for m in (Course, Enrollment, CourseMaterial, Feedback, CourseBlock, Notification)
    ]
    assert all(counts[:5]) and counts[5] > 0
    call_command("load_demo_data", stdout=io.StringIO())
    assert [
        m.objects.count() for m in (Course, Enrollment, CourseMaterial, Feedback, CourseBlock, Notification)
    ] == counts

    # The blocked demo student is not enrolled and cannot download; an enrolled one can.
    block = CourseBlock.objects.select_related("course", "student").get()
    assert not Enrollment.objects.filter(course=block.course, student=block.student).exists()
    material = CourseMaterial.objects.filter(course=block.course).first()
    url = f"/courses/{block.course.pk}/materials/{material.pk}/download/"
    client.force_login(block.student)
    assert client.get(url).status_code == 403
    enrolled = Enrollment.objects.filter(course=block.course).select_related("student").first()
    client.force_login(enrolled.student)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    # Every demo material passes the upload checks and is stored under a generated name.
    for material in CourseMaterial.objects.all():
        assert material.original_name not in material.file.name
        assert material.file.storage.exists(material.file.name)

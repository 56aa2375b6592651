"""``/api/courses/{id}/announcements/`` for every role."""

import pytest

from elearning_courses.models import Announcement, Course, Enrollment, Notification

from .test_api_content import DENIED, base, by_role, call, people, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def announcement(course, owner):
    return Announcement.objects.create(course=course, author=owner, title="Welcome", body="Read *this*.")


def url(course, announcement=None):
    return f"{base(course)}/announcements/" + (f"{announcement.pk}/" if announcement else "")


class TestRead:
    @pytest.mark.parametrize("role, expected", by_role(enrolled=200, owner=200, staff=200))
    def test_list_for_the_class(self, call, course, announcement, role, expected):  # noqa: F811
        response = call(role, "get", url(course))
        assert response.status_code == expected
        if expected == 200:
            row = response.data["results"][0]
            assert row["author"] == {"id": course.teacher_id, "username": "owner"}
            assert row["body"] == "Read *this*." and "<em>this</em>" in row["html"]
            assert set(row) == {"id", "course", "author", "title", "body", "html", "created_at"}
        elif role != "anonymous":
            assert response.data["code"] == "not_enrolled"
        detail = call(role, "get", url(course, announcement))
        assert detail.status_code == expected

    def test_newest_first(self, call, course, announcement, owner):  # noqa: F811
        Announcement.objects.create(course=course, author=owner, title="Later")
        titles = [row["title"] for row in call("enrolled", "get", url(course)).data["results"]]
        assert titles == ["Later", "Welcome"]

    def test_announcement_of_another_course_is_404(self, call, course, announcement, owner):  # noqa: F811
        other = Course.objects.create(teacher=owner, title="Other")
        assert (
            call("owner", "get", f"/api/courses/{other.pk}/announcements/{announcement.pk}/").status_code
            == 404
        )

    def test_draft_course_is_404_for_students(self, call, course, announcement, enrolled):  # noqa: F811
        Course.objects.filter(pk=course.pk).update(is_published=False)
        assert call("enrolled", "get", url(course)).status_code == 404

    @pytest.mark.parametrize("size", [2, 12])
    def test_constant_queries(self, course, api_client, owner, size, django_assert_num_queries):
        Announcement.objects.bulk_create(
            [Announcement(course=course, author=owner, title=f"A{n}", body="b") for n in range(size)]
        )
        api_client.force_authenticate(owner)
        with django_assert_num_queries(3):  # course, count, page with the authors
            response = api_client.get(f"{url(course)}?page_size=100")
        assert response.data["count"] == size


class TestPost:
    @pytest.mark.parametrize("role, expected", by_role(owner=201))
    def test_only_the_teacher_posts(self, call, course, role, expected):  # noqa: F811
        response = call(role, "post", url(course), {"title": "Exam", "body": "On **Friday**."})
        assert response.status_code == expected, response.data
        assert Announcement.objects.filter(title="Exam").exists() == (expected == 201)
        if expected == 201:
            assert response.data["author"]["username"] == "owner"
            assert "<strong>Friday</strong>" in response.data["html"]
            # The class is told: the enrolled student only.
            notified = Notification.objects.filter(verb=Notification.Verb.ANNOUNCEMENT)
            assert list(notified.values_list("recipient__username", flat=True)) == ["enrolled"]

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({}, "title"),
            ({"title": "  "}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"title": 3}, "title"),
            ({"title": "ok", "body": "b" * 5001}, "body"),
            ({"title": "ok", "body": ["b"]}, "body"),
        ],
    )
    def test_bad_input(self, call, course, payload, field):  # noqa: F811
        response = call("owner", "post", url(course), payload)
        assert response.status_code == 400 and field in response.data, response.data
        assert not Announcement.objects.exists()


class TestDelete:
    @pytest.mark.parametrize("role, expected", by_role(owner=204, staff=204))
    def test_teacher_and_staff_delete(self, call, course, announcement, role, expected):  # noqa: F811
        response = call(role, "delete", url(course, announcement))
        assert response.status_code == expected
        assert Announcement.objects.filter(pk=announcement.pk).exists() == (expected != 204)

    def test_unknown(self, call, course):  # noqa: F811
        assert call("owner", "delete", f"{url(course)}424242/").status_code == 404

    def test_not_editable(self, call, course, announcement):  # noqa: F811
        assert call("owner", "patch", url(course, announcement), {"title": "x"}).status_code == 405


def test_left_students_lose_access(call, course, announcement, enrolled):  # noqa: F811
    Enrollment.objects.filter(student=enrolled).delete()
    assert call("enrolled", "get", url(course)).status_code == 403

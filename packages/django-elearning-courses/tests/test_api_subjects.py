"""``GET /api/subjects/`` and the courses' ``subject`` (read as an object, written as a slug)."""

import pytest

from elearning_courses.models import Course, Subject

from .test_api_content import ALL_ROLES, DENIED, call, people, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def subjects():
    return {
        "python": Subject.objects.create(name="Python", slug="python"),
        "art": Subject.objects.create(name="Art", slug="art"),
    }


class TestList:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_read_only_list(self, call, subjects, course, role):  # noqa: F811
        Course.objects.filter(pk=course.pk).update(subject=subjects["python"])
        Course.objects.create(
            teacher=course.teacher, title="Draft", subject=subjects["python"], is_published=False
        )
        response = call(role, "get", "/api/subjects/")
        if role == "anonymous":
            assert response.status_code == DENIED
            return
        assert response.status_code == 200
        assert response.data["results"] == [
            {"id": subjects["art"].pk, "name": "Art", "slug": "art", "course_count": 0},
            {"id": subjects["python"].pk, "name": "Python", "slug": "python", "course_count": 1},
        ]
        assert call(role, "post", "/api/subjects/", {"name": "X", "slug": "x"}).status_code == 405

    @pytest.mark.parametrize("size", [2, 20])
    def test_constant_queries(self, api_client, student, size, django_assert_num_queries):
        Subject.objects.bulk_create([Subject(name=f"S{n}", slug=f"s{n}") for n in range(size)])
        api_client.force_authenticate(student)
        with django_assert_num_queries(2):  # count, page
            assert api_client.get("/api/subjects/?page_size=100").data["count"] == size


class TestCourseSubject:
    def test_written_by_slug_read_as_object(self, call, subjects, owner):  # noqa: F811
        response = call("owner", "post", "/api/courses/", {"title": "Snakes", "subject": "python"})
        assert response.status_code == 201, response.data
        assert response.data["subject"] == {"id": subjects["python"].pk, "name": "Python", "slug": "python"}
        course_url = f"/api/courses/{response.data['id']}/"
        assert call("owner", "patch", course_url, {"subject": "art"}).data["subject"]["slug"] == "art"
        assert call("owner", "patch", course_url, {"subject": None}).data["subject"] is None

    @pytest.mark.parametrize("value", ["nope", 3, "PYTHON"])
    def test_unknown_subject_is_400(self, call, subjects, owner, value):  # noqa: F811
        response = call("owner", "post", "/api/courses/", {"title": "Snakes", "subject": value})
        assert response.status_code == 400 and "subject" in response.data

    def test_filter(self, call, subjects, course, owner):  # noqa: F811
        Course.objects.create(teacher=owner, title="Snakes", subject=subjects["python"])
        titles = [c["title"] for c in call("student", "get", "/api/courses/?subject=python").data["results"]]
        assert titles == ["Snakes"]
        assert call("student", "get", "/api/courses/?subject=art").data["count"] == 0
        for bad in ("nope", ""):
            response = call("student", "get", f"/api/courses/?subject={bad}")
            assert response.status_code == 400 and "subject" in response.data


class TestBrowsableAPI:
    """The browsable API's HTML form lists the subjects by slug (the field reads as an object)."""

    def test_course_form_offers_the_subjects(self, client, owner, course, subjects):
        client.force_login(owner)
        for url in ("/api/courses/", f"/api/courses/{course.pk}/"):
            response = client.get(url, HTTP_ACCEPT="text/html")
            assert response.status_code == 200, url
            page = response.content.decode()
            assert '<option value="python"' in page and ">Python<" in page

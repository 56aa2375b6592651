"""``/api/courses/{id}/progress/``, ``.../progress/students/`` and
``/api/courses/{id}/lessons/{id}/complete/`` for every role."""

import pytest

from elearning_courses.models import Enrollment, Lesson, LessonCompletion, Module

from .test_api_content import DENIED, base, by_role, call, outline, people, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def complete_url(course, lesson):
    return f"{base(course)}/lessons/{lesson.pk}/complete/"


class TestOwnProgress:
    @pytest.mark.parametrize("role, expected", by_role(enrolled=200))
    def test_access(self, call, course, outline, role, expected):  # noqa: F811
        response = call(role, "get", f"{base(course)}/progress/")
        assert response.status_code == expected
        if expected == 200:
            assert response.data == {
                "done": 0,
                "total": 1,
                "percent": 0,
                "completed_lessons": [],
                "last_lesson": None,
            }
        elif role != "anonymous":
            assert response.data["code"] == ("blocked" if role == "blocked" else "not_enrolled")

    def test_draft_course_is_404(self, call, course, outline, enrolled):  # noqa: F811
        course.is_published = False
        course.save()
        assert call("enrolled", "get", f"{base(course)}/progress/").status_code == 404

    def test_last_lesson_only_while_visible(self, call, course, outline, enrolled):  # noqa: F811
        Enrollment.objects.filter(student=enrolled).update(last_lesson=outline["welcome"])
        data = call("enrolled", "get", f"{base(course)}/progress/").data
        assert data["last_lesson"] == {"id": outline["welcome"].pk, "title": "Welcome"}
        Lesson.objects.filter(pk=outline["welcome"].pk).update(is_published=False)
        assert call("enrolled", "get", f"{base(course)}/progress/").data["last_lesson"] is None


class TestComplete:
    @pytest.mark.parametrize("role, expected", by_role(enrolled=200))
    def test_access(self, call, course, outline, role, expected):  # noqa: F811
        response = call(role, "post", complete_url(course, outline["welcome"]))
        assert response.status_code == expected
        assert LessonCompletion.objects.exists() == (expected == 200)
        if expected == 200:
            assert response.data["done"] == 1 and response.data["percent"] == 100
            assert response.data["completed_lessons"] == [outline["welcome"].pk]

    def test_idempotent_and_undo(self, call, course, outline, enrolled):  # noqa: F811
        url = complete_url(course, outline["welcome"])
        assert call("enrolled", "post", url).data["done"] == 1
        assert call("enrolled", "post", url).data["done"] == 1
        assert LessonCompletion.objects.count() == 1
        assert call("enrolled", "delete", url).data["done"] == 0
        assert call("enrolled", "delete", url).status_code == 200
        assert not LessonCompletion.objects.exists()

    @pytest.mark.parametrize("lesson", ["secret", "later"])
    def test_draft_lesson_is_404(self, call, course, outline, enrolled, lesson):  # noqa: F811
        assert call("enrolled", "post", complete_url(course, outline[lesson])).status_code == 404

    @pytest.mark.parametrize("method", ["get", "put", "patch"])
    def test_other_methods(self, call, course, outline, enrolled, method):  # noqa: F811
        assert call("enrolled", method, complete_url(course, outline["welcome"])).status_code == 405

    def test_unknown_lesson(self, call, course, enrolled):  # noqa: F811
        assert call("enrolled", "post", f"{base(course)}/lessons/424242/complete/").status_code == 404


class TestStudentsProgress:
    @pytest.mark.parametrize("role, expected", by_role(owner=200, staff=200))
    def test_access(self, call, course, outline, enrolled, role, expected):  # noqa: F811
        LessonCompletion.objects.create(student=enrolled, lesson=outline["welcome"])
        Enrollment.objects.filter(student=enrolled).update(last_lesson=outline["welcome"])
        response = call(role, "get", f"{base(course)}/progress/students/")
        assert response.status_code == expected
        if expected == 200:
            assert response.data["count"] == 1  # the blocked student is not enrolled
            row = response.data["results"][0]
            assert row["student"] == {"id": enrolled.pk, "username": "enrolled"}
            assert (row["done"], row["total"], row["percent"]) == (1, 1, 100)
            assert row["last_lesson"] == {"id": outline["welcome"].pk, "title": "Welcome"}
            assert set(row) == {
                "student",
                "name",
                "done",
                "total",
                "percent",
                "last_visited_at",
                "last_lesson",
            }

    def test_order(self, call, course, outline, make_user):  # noqa: F811
        for name in ("bea", "al", "cy"):
            Enrollment.objects.create(student=make_user(name), course=course)
        url = f"{base(course)}/progress/students/"
        names = lambda r: [row["student"]["username"] for row in r.data["results"]]  # noqa: E731
        # (with the fixtures' enrolled student)
        assert names(call("owner", "get", url)) == ["al", "bea", "cy", "enrolled"]
        assert names(call("owner", "get", f"{url}?order=-name")) == ["enrolled", "cy", "bea", "al"]
        for bad in ("password", "", "--name"):
            response = call("owner", "get", f"{url}?order={bad}")
            assert response.status_code == 400 and "order" in response.data

    @pytest.mark.parametrize("size", [2, 12])
    def test_constant_queries(self, course, api_client, owner, make_user, size, django_assert_num_queries):
        module = Module.objects.create(course=course, title="M")
        lessons = [
            Lesson.objects.create(module=module, title=f"L{n}", text="t", position=n) for n in range(size)
        ]
        for n in range(size):
            student = make_user(f"s{n}")
            Enrollment.objects.create(student=student, course=course, last_lesson=lessons[n])
            LessonCompletion.objects.create(student=student, lesson=lessons[0])
        client = api_client
        client.force_authenticate(owner)
        with django_assert_num_queries(3):  # course, count, page
            response = client.get(f"{base(course)}/progress/students/?page_size=100")
        assert response.data["count"] == size
        assert all(row["done"] == 1 and row["total"] == size for row in response.data["results"])

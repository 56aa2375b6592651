"""``GET /api/courses/{id}/analytics/`` for every role, and the staff overview page."""

import pytest

from elearning_courses.models import Course, Enrollment, Feedback, LessonCompletion

from .analytics_fixtures import *  # noqa: F403
from .analytics_fixtures import EXPECTED, week_start
from .test_progress import add_lessons

pytestmark = pytest.mark.django_db


def api_url(course_pk):
    return f"/api/courses/{course_pk}/analytics/"


class TestApi:
    @pytest.mark.parametrize(
        ("role", "status"),
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 403),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 200),
        ],
    )
    def test_roles(self, api_as, course, role, status):
        response = api_as(role).get(api_url(course.pk))
        assert response.status_code == status
        if status == 403 and role != "anonymous":
            assert response.json()["code"] == "not_owner"

    def test_staff(self, api_client, course, make_user):
        api_client.force_authenticate(make_user("staff", "teacher", is_staff=True))
        assert api_client.get(api_url(course.pk)).status_code == 200

    def test_a_draft_of_someone_else_and_an_unknown_course_are_404s(self, api_as, course):
        Course.objects.filter(pk=course.pk).update(is_published=False)
        assert api_as("other_teacher").get(api_url(course.pk)).status_code == 404
        assert api_as("enrolled").get(api_url(course.pk)).status_code == 404
        assert api_as("owner").get(api_url(course.pk)).status_code == 200
        assert api_as("owner").get(api_url(987654)).status_code == 404
        assert api_as("owner").get("/api/courses/abc/analytics/").status_code == 404

    def test_post_is_405(self, api_as, course):
        assert api_as("owner").post(api_url(course.pk), {}).status_code == 405

    def test_the_fixtures_numbers(self, api_client, owner, class_data):
        api_client.force_authenticate(owner)
        data = api_client.get(api_url(class_data["course"].pk)).json()
        assert (data["students"], data["lessons"]) == (6, 3)
        assert [row["students"] for row in data["completion"]] == EXPECTED["completion"]
        assert [(row["title"], row["completed"], row["stopped"]) for row in data["dropoff"]] == EXPECTED[
            "dropoff"
        ]
        assert data["dropoff"][0]["lesson"] == class_data["one"].pk
        assert [row["count"] for row in data["ratings"]] == EXPECTED["ratings"]
        assert (data["rating_average"], data["rating_count"]) == (3.2, 5)
        assert data["enrollments"] == [
            {"week": week_start(ago).isoformat(), "new": new, "total": total}
            for ago, new, total in EXPECTED["enrollments"]
        ]
        assert data["chat"] is None

    @pytest.mark.parametrize("count", [1, 12])
    def test_query_count_is_constant(
        self, api_client, owner, course, make_user, count, django_assert_num_queries
    ):
        people = [make_user(f"learner{i:02}") for i in range(count)]
        Enrollment.objects.bulk_create([Enrollment(course=course, student=p) for p in people])
        made = add_lessons(course, count)
        LessonCompletion.objects.bulk_create(
            [LessonCompletion(student=p, lesson=made[0], course=course) for p in people]
        )
        api_client.force_authenticate(owner)
        # Course, enrollments, completion, drop-off, ratings.
        with django_assert_num_queries(5):
            assert api_client.get(api_url(course.pk)).status_code == 200


OVERVIEW = "/courses/analytics/"


class TestOverview:
    @pytest.mark.parametrize(
        ("role", "status"),
        [
            ("anonymous", 302),
            ("student", 403),
            ("enrolled", 403),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 403),
        ],
    )
    def test_staff_only(self, client_as, role, status):
        response = client_as(role).get(OVERVIEW)
        assert response.status_code == status
        if status == 302:
            assert response["Location"].startswith("/accounts/login/?next=/courses/analytics/")

    def test_rows_sorting_and_drafts(self, client, make_user, class_data, owner):
        course = class_data["course"]
        draft = Course.objects.create(teacher=owner, title="A draft", is_published=False)
        other = Course.objects.create(teacher=make_user("tess", "teacher"), title="Zoology")
        Enrollment.objects.create(student=class_data["ann"], course=other)
        client.force_login(make_user("staff", "student", is_staff=True))
        response = client.get(OVERVIEW)
        assert response.status_code == 200
        rows = {c.title: c for c in response.context["courses"]}
        assert [c.title for c in response.context["courses"]] == ["A draft", "Django basics", "Zoology"]
        # ann completed every lesson of the fixture: 1 of 6 students.
        basics = rows["Django basics"]
        assert (basics.enrollment_count, basics.completed_count) == (6, 1)
        assert basics.completion_rate == pytest.approx(100 / 6)
        assert basics.average_rating == pytest.approx(3.2)
        assert basics.message_count == 0
        assert rows["A draft"].completion_rate is None
        assert rows["Zoology"].completed_count == 0  # no lessons: nobody completed it
        html = response.content.decode()
        assert '<span class="badge text-bg-secondary">Draft</span>' in html
        assert f'href="/courses/{course.pk}/analytics/"' in html
        assert f'href="/courses/{draft.pk}/analytics/"' in html
        assert ">17%</td>" in html
        by_students = client.get(OVERVIEW + "?sort=-students").context["courses"]
        assert [c.title for c in by_students] == ["Django basics", "Zoology", "A draft"]
        by_rate = client.get(OVERVIEW + "?sort=completion").context["courses"]
        assert [c.title for c in by_rate] == ["A draft", "Zoology", "Django basics"]

    @pytest.mark.parametrize("query", ["?sort=nope", "?sort=", "?page=abc", "?page=999", "?sort=%00"])
    def test_bad_input(self, client, make_user, course, query):
        client.force_login(make_user("staff", "student", is_staff=True))
        response = client.get(OVERVIEW + query)
        assert response.status_code == 200
        assert [c.title for c in response.context["courses"]] == ["Django basics"]

    @pytest.mark.parametrize("count", [1, 30])
    def test_query_count_is_constant(
        self, client, make_user, owner, count, django_assert_num_queries, settings
    ):
        settings.ELEARNING_COURSES = {"ANALYTICS_PAGE_SIZE": 10}
        student = make_user("learner", "student")
        for i in range(count):
            course = Course.objects.create(teacher=owner, title=f"Course {i:02}")
            Enrollment.objects.create(student=student, course=course)
            Feedback.objects.create(student=student, course=course, rating=3)
            add_lessons(course, 2)
        client.force_login(make_user("staff", "student", is_staff=True))
        # Session, user, count, page of courses, unread notifications.
        with django_assert_num_queries(5):
            response = client.get(OVERVIEW)
        assert len(response.context["courses"]) == min(count, 10)

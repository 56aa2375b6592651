"""The analytics page, its CSV files and the staff overview: every role, bad input, the
fixture's numbers on the page and in the files, and constant query counts."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser

from elearning_courses import analytics
from elearning_courses.models import Course, Enrollment, Feedback, Lesson, LessonCompletion

from .analytics_fixtures import *  # noqa: F403
from .analytics_fixtures import EXPECTED, week_start
from .test_pages_access import OWNER_ONLY
from .test_progress import add_lessons

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CHARTS = ["enrollments", "completion", "dropoff", "ratings", "chat"]


def page_url(course):
    return f"/courses/{course.pk}/analytics/"


def csv_url(course, chart):
    return f"/courses/{course.pk}/analytics/{chart}.csv"


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


@pytest.fixture
def as_owner(client, owner):
    """The test client logged in as the course's teacher (without the other roles'
    students, who would change the fixture's numbers)."""
    client.force_login(owner)
    return client


class TestAccess:
    @pytest.mark.parametrize(("role", "status"), OWNER_ONLY.items())
    def test_page(self, client_as, users, course, role, status):
        response = client_as(role).get(page_url(course))
        assert response.status_code == status
        if status == 302:
            assert response["Location"].startswith(f"{LOGIN}?next=/courses/{course.pk}/analytics/")
        if status == 403:
            assert "Only the course&#x27;s teacher can see its analytics." in response.content.decode()

    @pytest.mark.parametrize(("role", "status"), OWNER_ONLY.items())
    def test_csv(self, client_as, users, course, role, status):
        response = client_as(role).get(csv_url(course, "ratings"))
        assert response.status_code == status

    def test_staff_may(self, client, course, make_user):
        client.force_login(make_user("staff", "teacher", is_staff=True))
        assert client.get(page_url(course)).status_code == 200
        assert client.get(csv_url(course, "completion")).status_code == 200

    @pytest.mark.parametrize("role", ["other_teacher", "enrolled"])
    def test_a_draft_of_someone_else_is_a_404(self, client_as, users, course, role):
        Course.objects.filter(pk=course.pk).update(is_published=False)
        assert client_as(role).get(page_url(course)).status_code == 404
        assert client_as(role).get(csv_url(course, "ratings")).status_code == 404
        assert client_as("owner").get(page_url(course)).status_code == 200

    @pytest.mark.parametrize("path", ["/courses/999999/analytics/", "/courses/999999/analytics/ratings.csv"])
    def test_unknown_course_is_a_404(self, client_as, users, path):
        assert client_as("owner").get(path).status_code == 404

    @pytest.mark.parametrize("chart", ["nope", "chat", "RATINGS", "ratings-"])
    def test_unknown_chart_is_a_404(self, client_as, users, course, chart):
        # "chat": the suite runs without the chat app, so there is no chat chart to download.
        assert client_as("owner").get(csv_url(course, chart)).status_code == 404

    @pytest.mark.parametrize("path", ["/courses/abc/analytics/", "/courses/1/analytics/a b.csv"])
    def test_malformed_urls_are_404s(self, client_as, users, path):
        assert client_as("owner").get(path).status_code == 404

    def test_post_is_405(self, client_as, users, course):
        assert client_as("owner").post(page_url(course)).status_code == 405
        assert client_as("owner").post(csv_url(course, "ratings")).status_code == 405

    def test_the_tab_is_on_the_teachers_pages(self, client_as, users, course):
        html = client_as("owner").get(f"/courses/{course.pk}/progress/").content.decode()
        assert f'href="/courses/{course.pk}/analytics/">Analytics</a>' in html
        for tab in ("content", "students", "progress", "blocked"):
            assert f'href="/courses/{course.pk}/{tab}/"' in html

    def test_staff_see_only_the_tabs_they_may_open(self, client, users, course, make_user):
        client.force_login(make_user("staff", "teacher", is_staff=True))
        html = client.get(page_url(course)).content.decode()
        for tab in ("progress", "analytics"):
            assert f'href="/courses/{course.pk}/{tab}/"' in html
        for tab in ("content", "students", "blocked"):  # the course's teacher's alone (403 for staff)
            assert f'href="/courses/{course.pk}/{tab}/"' not in html
            assert client.get(f"/courses/{course.pk}/{tab}/").status_code == 403

    def test_the_teachers_tabs_follow_the_rule_of_their_pages(self, client, users, course):
        # The course's teacher, no longer a teacher: progress still opens (it is theirs),
        # the pages only a teacher opens do not, and their tabs are not offered.
        owner = users["owner"]
        owner.role = "student"
        owner.save()
        client.force_login(owner)
        html = client.get(f"/courses/{course.pk}/progress/").content.decode()
        assert f'href="/courses/{course.pk}/progress/"' in html
        for tab in ("content", "students", "blocked"):
            assert f'href="/courses/{course.pk}/{tab}/"' not in html
            assert client.get(f"/courses/{course.pk}/{tab}/").status_code == 403

    def test_require_analyst(self, users, course, make_user):
        analytics.require_analyst(users["owner"], course)
        analytics.require_analyst(make_user("staff", "student", is_staff=True), course)
        for user in (AnonymousUser(), users["student"], users["enrolled"], users["other_teacher"]):
            with pytest.raises(analytics.CourseActionDenied) as denied:
                analytics.require_analyst(user, course)
            assert denied.value.code == "not_owner"


class TestPage:
    def test_cards_tables_and_chart_data(self, as_owner, class_data):
        course = class_data["course"]
        response = as_owner.get(page_url(course))
        html = response.content.decode()
        for slug in CHARTS:
            assert f'data-analytics-card="{slug}"' in html
        charts = {chart.slug: chart for chart in response.context["charts"]}
        assert charts["dropoff"].rows == [list(row) for row in EXPECTED["dropoff"]]
        assert [row[1] for row in charts["completion"].rows] == EXPECTED["completion"]
        assert [row[1] for row in charts["ratings"].rows] == EXPECTED["ratings"]
        # Four charts drawn; the chat chart says why it is not (no chat app in this suite).
        for slug in CHARTS[:-1]:
            assert f'<canvas aria-hidden="true" data-analytics-chart="{slug}">' in html
            assert f'href="/courses/{course.pk}/analytics/{slug}.csv"' in html
            assert f'<table class="table table-sm table-striped mb-0" data-analytics-table="{slug}">' in html
        assert 'data-analytics-chart="chat"' not in html
        assert "This site has no chat, so there is no chat activity to show." in html
        # The data of the charts, for analytics.js: a json_script element, no inline script.
        data = json.loads(
            html.split('<script id="elearning-analytics-data" type="application/json">')[1].split(
                "</script>"
            )[0]
        )
        assert sorted(data) == ["completion", "dropoff", "enrollments", "ratings"]
        assert data["dropoff"]["labels"] == ["One", "Two", "Three"]
        assert data["dropoff"]["datasets"][0]["data"] == [3, 2, 2]
        assert data["dropoff"]["datasets"][1]["data"] == [1, 1, 2]
        assert data["enrollments"]["datasets"][1]["data"] == [2, 2, 3, 6]
        assert data["ratings"]["datasets"][0]["data"] == EXPECTED["ratings"]
        assert (
            '<th scope="row" class="fw-normal">Three</th><td class="text-end">2</td><td class="text-end">2</td>'
            in html
        )
        assert "6 enrolled students · 3 published lessons" in html
        assert "Rated 3.2 out of 5" in html

    def test_empty_course(self, as_owner, course):
        html = as_owner.get(page_url(course)).content.decode()
        assert "No students yet" in html
        assert "<canvas" not in html
        assert "No students have enrolled yet." in html
        assert "The course has no published lessons yet." in html
        assert "Nobody has rated the course yet." in html
        assert "data-analytics-csv" not in html

    def test_the_title_is_escaped(self, client_as, users, course):
        course.title = "<script>alert(1)</script>"
        course.save()
        html = client_as("owner").get(page_url(course)).content.decode()
        assert "<script>alert" not in html

    @pytest.mark.parametrize("count", [1, 15])
    def test_query_count_is_constant(self, as_owner, course, make_user, count, django_assert_num_queries):
        people = [make_user(f"learner{i:02}") for i in range(count)]
        Enrollment.objects.bulk_create([Enrollment(course=course, student=p) for p in people])
        made = add_lessons(course, count)
        LessonCompletion.objects.bulk_create(
            [
                LessonCompletion(student=p, lesson=lesson, course=course)
                for p in people
                for lesson in made[: len(made) // 2 + 1]
            ]
        )
        Feedback.objects.bulk_create([Feedback(student=p, course=course, rating=4) for p in people])
        client = as_owner
        # Session, user, course, enrollments, completion, drop-off, ratings, unread notifications.
        with django_assert_num_queries(8):
            assert client.get(page_url(course)).status_code == 200
        # Session, user, course and the four series (the CSV builds every chart's numbers).
        with django_assert_num_queries(7):
            assert client.get(csv_url(course, "dropoff")).status_code == 200


class TestCsv:
    def test_each_chart(self, as_owner, class_data):
        course = class_data["course"]
        client = as_owner
        response = client.get(csv_url(course, "dropoff"))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="analytics-dropoff-{course.pk}-django-basics.csv"'
        )
        assert read_csv(response) == [["Lesson", "Completed it", "Stopped there"]] + [
            [title, str(done), str(stopped)] for title, done, stopped in EXPECTED["dropoff"]
        ]
        assert read_csv(client.get(csv_url(course, "completion"))) == [
            ["Lessons completed", "Students"],
            *[
                [label, str(n)]
                for label, n in zip(
                    ["0%", "1–24%", "25–49%", "50–74%", "75–99%", "100%"], EXPECTED["completion"], strict=True
                )
            ],
        ]
        assert read_csv(client.get(csv_url(course, "ratings"))) == [
            ["Rating", "Students"],
            *[[str(star), str(n)] for star, n in zip(range(1, 6), EXPECTED["ratings"], strict=True)],
        ]
        assert read_csv(client.get(csv_url(course, "enrollments"))) == [
            ["Week of", "New students", "Total students"],
            *[
                [week_start(ago).isoformat(), str(new), str(total)]
                for ago, new, total in EXPECTED["enrollments"]
            ],
        ]

    def test_formula_injection(self, as_owner, course):
        (lesson,) = add_lessons(course, 1)
        Lesson.objects.filter(pk=lesson.pk).update(title='=HYPERLINK("http://evil")')
        rows = read_csv(as_owner.get(csv_url(course, "dropoff")))
        assert rows[1][0] == '\'=HYPERLINK("http://evil")'

    def test_empty_chart_has_its_header(self, as_owner, course):
        assert read_csv(as_owner.get(csv_url(course, "ratings"))) == [
            ["Rating", "Students"],
            *[[str(star), "0"] for star in range(1, 6)],
        ]

"""Progress on the pages: "Mark as complete", the course page's bar and "continue" link,
My courses, the teacher's progress table and its CSV, for every role."""

import csv
import io
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from elearning_courses import progress, rules, services
from elearning_courses.conf import app_settings
from elearning_courses.models import Course, Enrollment, Lesson, LessonCompletion, Module

from .test_pages_access import OWNER_ONLY
from .test_progress import add_lessons

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
#: Who may open the teacher's progress table and its CSV (staff too: see test_staff_may).
PROGRESS_READERS = OWNER_ONLY


@pytest.fixture
def lessons(course):
    return add_lessons(course, 8)


def complete_url(lesson):
    return f"/courses/{lesson.course_id}/lessons/{lesson.pk}/complete/"


def bar_text(html):
    """The visible "x of y lessons · z%" texts of the progress bars in ``html``."""
    return re.findall(r"data-progress-text>([^<]*)<", html)


class TestLessonComplete:
    def test_enrolled_student_completes_and_undoes(self, client_as, enrolled, lessons):
        client = client_as("enrolled")
        response = client.post(complete_url(lessons[0]), {"action": "complete"}, follow=False)
        assert response.status_code == 302
        assert response["Location"] == lessons[0].get_absolute_url()
        assert LessonCompletion.objects.filter(student=enrolled, lesson=lessons[0]).exists()
        messages = [str(m) for m in response.wsgi_request._messages]
        assert messages == ["“Lesson 1” is marked as complete."]

        # Twice is the same.
        client.post(complete_url(lessons[0]), {"action": "complete"})
        assert LessonCompletion.objects.count() == 1

        response = client.post(complete_url(lessons[0]), {"action": "undo"})
        assert response.status_code == 302
        assert not LessonCompletion.objects.exists()
        assert [str(m) for m in response.wsgi_request._messages][
            -1
        ] == "“Lesson 1” is no longer marked as complete."

    def test_redirects_to_a_local_next_only(self, client_as, enrolled, course, lessons):
        client = client_as("enrolled")
        response = client.post(
            complete_url(lessons[0]), {"action": "complete", "next": f"/courses/{course.pk}/"}
        )
        assert response["Location"] == f"/courses/{course.pk}/"
        response = client.post(complete_url(lessons[0]), {"action": "undo", "next": "https://evil.example/"})
        assert response["Location"] == lessons[0].get_absolute_url()

    def test_get_is_405(self, client_as, role, lessons):
        assert client_as(role).get(complete_url(lessons[0])).status_code == 405

    @pytest.mark.parametrize(
        ("role", "status"),
        [("anonymous", 302), ("student", 403), ("blocked", 403), ("other_teacher", 403), ("owner", 403)],
    )
    def test_only_enrolled_students(self, client_as, role, status, lessons):
        response = client_as(role).post(complete_url(lessons[0]), {"action": "complete"})
        assert response.status_code == status
        if status == 302:
            assert response["Location"].startswith(LOGIN)
        else:
            assert "Only students" in response.content.decode() or "Enroll" in response.content.decode()
        assert not LessonCompletion.objects.exists()

    @pytest.mark.parametrize("draft", ["lesson", "module", "course"])
    @pytest.mark.parametrize("role", ["enrolled", "student"])
    def test_draft_is_404(self, client_as, role, lessons, draft):
        lesson = lessons[0]
        target = {"lesson": lesson, "module": lesson.module, "course": lesson.course}[draft]
        type(target).objects.filter(pk=target.pk).update(is_published=False)
        response = client_as(role).post(complete_url(lesson), {"action": "complete"})
        assert response.status_code == 404
        assert not LessonCompletion.objects.exists()

    def test_unknown_or_foreign_lesson_is_404(self, client_as, enrolled, course, owner, lessons):
        client = client_as("enrolled")
        assert (
            client.post(f"/courses/{course.pk}/lessons/999999/complete/", {"action": "complete"}).status_code
            == 404
        )
        other = Course.objects.create(teacher=owner, title="Other")
        (foreign,) = add_lessons(other, 1)
        response = client.post(f"/courses/{course.pk}/lessons/{foreign.pk}/complete/", {"action": "complete"})
        assert response.status_code == 404

    @pytest.mark.parametrize("action", ["", "finish", "COMPLETE", None])
    def test_unknown_action_is_400(self, client_as, enrolled, lessons, action):
        data = {} if action is None else {"action": action}
        response = client_as("enrolled").post(complete_url(lessons[0]), data)
        assert response.status_code == 400
        assert "complete" in response.content.decode()
        assert not LessonCompletion.objects.exists()

    @pytest.mark.parametrize("role", ["student", "blocked", "other_teacher", "owner"])
    def test_who_may_not_gets_403_before_400(self, client_as, role, lessons):
        assert client_as(role).post(complete_url(lessons[0]), {}).status_code == 403


class TestCoursePage:
    def test_enrolled_student_sees_bar_and_start(self, client_as, enrolled, course, lessons):
        for lesson in lessons[:3]:
            progress.complete_lesson(enrolled, lesson)
        html = client_as("enrolled").get(f"/courses/{course.pk}/").content.decode()
        assert bar_text(html) == ["3 of 8 lessons · 37%"]
        assert 'role="progressbar"' in html
        assert 'aria-valuenow="37" aria-valuemin="0" aria-valuemax="100"' in html
        assert 'aria-label="Course progress"' in html
        assert '<rect width="37%"' in html
        assert f'href="{lessons[0].get_absolute_url()}" data-continue-lesson>Start the course<' in html

    def test_continue_where_left_off(self, client_as, enrolled, course, lessons):
        progress.record_visit(enrolled, lessons[4])
        html = client_as("enrolled").get(f"/courses/{course.pk}/").content.decode()
        assert (
            f'href="{lessons[4].get_absolute_url()}" data-continue-lesson>Continue where you left off<'
            in html
        )
        assert "Last opened: Lesson 5" in html

    def test_no_lessons_yet(self, client_as, enrolled, course):
        html = client_as("enrolled").get(f"/courses/{course.pk}/").content.decode()
        assert bar_text(html) == ["0 of 0 lessons · 0%"]
        assert "This course has no lessons yet." in html
        assert "data-continue-lesson" not in html

    @pytest.mark.parametrize("role", ["anonymous", "student", "blocked", "other_teacher", "owner"])
    def test_nobody_else_sees_a_bar(self, client_as, users, role, course, lessons):
        LessonCompletion.objects.create(student=users["blocked"], lesson=lessons[0])
        html = client_as(role).get(f"/courses/{course.pk}/").content.decode()
        assert "data-course-progress" not in html
        assert 'role="progressbar"' not in html

    def test_queries_do_not_grow_with_lessons(self, client_as, enrolled, course, owner):
        def count(lesson_count):
            target = Course.objects.create(teacher=owner, title=f"{lesson_count} lessons")
            services.enroll(enrolled, target)
            made = add_lessons(target, lesson_count)
            for lesson in made[: lesson_count // 2]:
                progress.complete_lesson(enrolled, lesson)
            progress.record_visit(enrolled, made[-1])
            client = client_as("enrolled")
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/courses/{target.pk}/").status_code == 200
            return len(queries)

        assert count(2) == count(20)


class TestMyCourses:
    def test_bars_per_course_and_no_drafts(self, client_as, enrolled, course, owner, lessons):
        progress.complete_lesson(enrolled, lessons[0])
        second = Course.objects.create(teacher=owner, title="Second")
        services.enroll(enrolled, second)
        draft = Course.objects.create(teacher=owner, title="Hidden draft")
        services.enroll(enrolled, draft)
        Course.objects.filter(pk=draft.pk).update(is_published=False)

        response = client_as("enrolled").get("/courses/mine/")
        html = response.content.decode()
        assert "Hidden draft" not in html
        assert response.context["course_progress"] == {
            course.pk: progress.Progress(1, 8, 12),
            second.pk: progress.Progress(0, 0, 0),
        }
        assert f'data-my-course-progress="{course.pk}"' in html
        assert sorted(bar_text(html)) == ["0 of 0 lessons · 0%", "1 of 8 lessons · 12%"]
        assert 'aria-label="Your progress in Django basics"' in html

    def test_teacher_sees_drafts_and_no_bars(self, client_as, owner, course, lessons):
        Course.objects.create(teacher=owner, title="My draft", is_published=False)
        response = client_as("owner").get("/courses/mine/")
        html = response.content.decode()
        assert "My draft" in html and "Django basics" in html
        assert "data-my-course-progress" not in html
        assert "course_progress" not in response.context

    @pytest.mark.parametrize("count", [2, 20])
    def test_query_count_is_constant(self, client_as, enrolled, owner, count, django_assert_num_queries):
        for i in range(count):
            target = Course.objects.create(teacher=owner, title=f"Course {i}")
            Enrollment.objects.create(student=enrolled, course=target)
            made = add_lessons(target, 3)
            LessonCompletion.objects.create(student=enrolled, lesson=made[0])
        client = client_as("enrolled")
        # Session, user, blocks, count, page of courses with their progress, unread notifications.
        with django_assert_num_queries(6):
            response = client.get("/courses/mine/")
        # The fixture's course is listed too.
        assert len(bar_text(response.content.decode())) == min(count + 1, app_settings.CATALOG_PAGE_SIZE)


class TestProgressTable:
    def test_access(self, client_as, role, course):
        for url in (f"/courses/{course.pk}/progress/", f"/courses/{course.pk}/progress.csv"):
            response = client_as(role).get(url)
            assert response.status_code == PROGRESS_READERS[role], (role, url)
            if response.status_code == 302:
                assert response["Location"].startswith(LOGIN)

    def test_staff_may(self, client, make_user, course, enrolled):
        client.force_login(make_user("staff", "teacher", is_staff=True))
        assert client.get(f"/courses/{course.pk}/progress/").status_code == 200
        assert client.get(f"/courses/{course.pk}/progress.csv").status_code == 200

    def test_draft_course_is_404_for_others_but_not_its_teacher(self, client_as, course):
        Course.objects.filter(pk=course.pk).update(is_published=False)
        assert client_as("other_teacher").get(f"/courses/{course.pk}/progress/").status_code == 404
        assert client_as("owner").get(f"/courses/{course.pk}/progress/").status_code == 200

    def test_get_and_head_only(self, client_as, course):
        client = client_as("owner")
        for url in (f"/courses/{course.pk}/progress/", f"/courses/{course.pk}/progress.csv"):
            assert client.head(url).status_code == 200
            assert client.post(url).status_code == 405
            assert client.delete(url).status_code == 405

    def test_empty_state(self, client_as, owner):
        course = Course.objects.create(teacher=owner, title="Nobody yet")
        html = client_as("owner").get(f"/courses/{course.pk}/progress/").content.decode()
        assert "No students yet" in html
        assert "data-progress-table" not in html
        assert "Download CSV" not in html
        assert f'aria-current="page" href="/courses/{course.pk}/progress/"' in html

    def test_rows(self, client_as, course, enrolled, blocked, lessons, make_user):
        named = make_user("ada", first_name="Ada", last_name="Lovelace")
        services.enroll(named, course)
        for lesson in lessons[:4]:
            progress.complete_lesson(named, lesson)
        progress.record_visit(named, lessons[3])
        LessonCompletion.objects.create(student=blocked, lesson=lessons[0])
        response = client_as("owner").get(f"/courses/{course.pk}/progress/")
        html = response.content.decode()
        assert [row.student.username for row in response.context["rows"]] == ["enrolled", "ada"]
        assert 'data-progress-row="blocked"' not in html
        assert "Ada Lovelace" in html and "4 of 8" in html and "Lesson 4" in html
        assert 'aria-label="Progress of ada"' in html
        assert "data-progress-summary>2 enrolled students · 8 published lessons<" in html
        assert "Not yet" in html
        assert "Download CSV" in html

    def test_sort_links_and_bad_parameters(self, client_as, course, enrolled, lessons):
        client = client_as("owner")
        html = client.get(f"/courses/{course.pk}/progress/?sort=-done").content.decode()
        assert 'aria-sort="descending"' in html
        assert 'href="?sort=done"' in html  # the active column reverses
        assert 'href="?sort=name"' in html
        for query in ("?sort=nope", "?sort=", "?page=abc", "?page=999", "?sort=-"):
            response = client.get(f"/courses/{course.pk}/progress/{query}")
            assert response.status_code == 200, query
            assert response.context["rows"]

    def test_paginated(self, client_as, course, make_user):
        from elearning_courses.views.progress import PAGE_SIZE

        people = [make_user(f"p{i:03}") for i in range(PAGE_SIZE + 3)]
        Enrollment.objects.bulk_create([Enrollment(course=course, student=p) for p in people])
        client = client_as("owner")
        first = client.get(f"/courses/{course.pk}/progress/")
        assert len(first.context["rows"]) == PAGE_SIZE
        second = client.get(f"/courses/{course.pk}/progress/?sort=name&page=2")
        # By name, then username: "enrolled" (the fixture) comes first.
        expected = ["enrolled"] + [p.username for p in people]
        assert [row.student.username for row in second.context["rows"]] == expected[PAGE_SIZE:]
        assert 'href="?sort=name&amp;page=1"' in second.content.decode()

    @pytest.mark.parametrize("count", [2, 20])
    def test_query_count_is_constant(self, client_as, course, make_user, count, django_assert_num_queries):
        people = [make_user(f"learner{i:02}") for i in range(count)]
        Enrollment.objects.bulk_create([Enrollment(course=course, student=p) for p in people])
        made = add_lessons(course, count)
        LessonCompletion.objects.bulk_create(
            [LessonCompletion(student=p, lesson=made[0], course=course) for p in people]
        )
        for person in people:
            progress.record_visit(person, made[1])
        client = client_as("owner")
        # Session, user, course, lesson count, row count, page of rows, unread notifications.
        with django_assert_num_queries(7):
            assert client.get(f"/courses/{course.pk}/progress/").status_code == 200
        with django_assert_num_queries(4):  # session, user, course, rows
            assert client.get(f"/courses/{course.pk}/progress.csv").status_code == 200


class TestProgressCsv:
    def read(self, response):
        return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))

    def test_download(self, client_as, course, enrolled, blocked, lessons, make_user):
        progress.complete_lesson(enrolled, lessons[0])
        progress.record_visit(enrolled, lessons[0])
        Course.objects.filter(pk=course.pk).update(title='Django: "basics"/../ é')
        response = client_as("owner").get(f"/courses/{course.pk}/progress.csv")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert (
            response["Content-Disposition"]
            == f'attachment; filename="progress-{course.pk}-django-basics-e.csv"'
        )
        rows = self.read(response)
        assert rows[0] == [
            "Username",
            "Name",
            "Lessons done",
            "Lessons",
            "Percent",
            "Last visit",
            "Last lesson",
        ]
        assert len(rows) == 2  # the blocked student is not enrolled
        assert rows[1][:5] == ["enrolled", "", "1", "8", "12"]
        assert rows[1][5].startswith(str(Enrollment.objects.get(student=enrolled).last_visited_at.year))
        assert rows[1][6] == "Lesson 1"

    def test_formulas_are_neutralised(self, client_as, course, make_user):
        for name, first in (("=cmd", '=HYPERLINK("http://x")'), ("+plus", "-minus"), ("@at", "")):
            services.enroll(make_user(name, first_name=first), course)
        Lesson.objects.create(module=Module.objects.create(course=course, title="M"), title="=SUM(A1)")
        services.enroll(user := make_user("visitor"), course)
        progress.record_visit(user, Lesson.objects.get(title="=SUM(A1)"))
        rows = self.read(client_as("owner").get(f"/courses/{course.pk}/progress.csv"))
        cells = {cell for row in rows[1:] for cell in row}
        assert {"'=cmd", '\'=HYPERLINK("http://x")', "'+plus", "'-minus", "'@at", "'=SUM(A1)"} <= cells
        assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in cells)

    def test_untitled_course_has_a_file_name(self, client_as, course):
        Course.objects.filter(pk=course.pk).update(title="***")
        response = client_as("owner").get(f"/courses/{course.pk}/progress.csv")
        assert response["Content-Disposition"] == f'attachment; filename="progress-{course.pk}-course.csv"'
        assert [row[0] for row in self.read(response)[1:]] == ["enrolled"]

    @pytest.mark.parametrize(
        ("value", "cell"),
        [("=1+1", "'=1+1"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=b", "a=b"), (12, "12"), (None, "")],
    )
    def test_spreadsheet_safe(self, value, cell):
        from elearning_courses.views.progress import spreadsheet_safe

        assert spreadsheet_safe(value) == cell


class TestLessonProgressInclude:
    """``includes/lesson_progress.html`` as the lesson page includes it."""

    def render(self, user, lesson, **extra):
        request = RequestFactory().get(lesson.get_absolute_url())
        request.user = user
        access = rules.course_access(user, lesson.course)
        context = {"lesson": lesson, "course": lesson.course, "access": access, **extra}
        return render_to_string("elearning_courses/includes/lesson_progress.html", context, request=request)

    def test_mark_as_complete_then_undo(self, enrolled, lessons):
        html = self.render(enrolled, lessons[0])
        assert f'action="{complete_url(lessons[0])}"' in html
        assert 'name="action" value="complete"' in html
        assert ">Mark as complete</button>" in html
        assert bar_text(html) == ["0 of 8 lessons · 0%"]

        progress.complete_lesson(enrolled, lessons[0])
        html = self.render(enrolled, lessons[0])
        assert "Completed ✓" in html and 'name="action" value="undo"' in html
        assert bar_text(html) == ["1 of 8 lessons · 12%"]

    @pytest.mark.parametrize("role", ["anonymous", "student", "blocked", "other_teacher", "owner"])
    def test_nothing_for_others(self, users, role, lessons):
        assert "data-lesson-progress" not in self.render(users[role], lessons[0])

    def test_uses_the_views_context_when_given(self, enrolled, lessons, django_assert_num_queries):
        state = progress.lesson_page_context(enrolled, lessons[0])
        request = RequestFactory().get("/")
        request.user = enrolled
        context = {"lesson": lessons[0], "course": lessons[0].course, "lesson_progress": state}
        with django_assert_num_queries(0):
            html = render_to_string(
                "elearning_courses/includes/lesson_progress.html", context, request=request
            )
        assert "Mark as complete" in html

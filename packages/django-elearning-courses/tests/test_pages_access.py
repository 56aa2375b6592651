"""Every course page x every role: who sees what, who may do what.

Roles (see conftest): anonymous, student (not enrolled), enrolled, blocked,
other_teacher, owner (the course's teacher).
"""

import pytest

from elearning_courses.models import CourseBlock, Enrollment, Feedback, Lesson, Module

from .conftest import PDF_BYTES

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"

# GET pages: expected status per role (302 = sent to the log-in page).
OWNER_ONLY = {
    "anonymous": 302,
    "student": 403,
    "enrolled": 403,
    "blocked": 403,
    "other_teacher": 403,
    "owner": 200,
}
TEACHERS = {
    "anonymous": 302,
    "student": 403,
    "enrolled": 403,
    "blocked": 403,
    "other_teacher": 200,
    "owner": 200,
}
SIGNED_IN = {
    "anonymous": 302,
    "student": 200,
    "enrolled": 200,
    "blocked": 200,
    "other_teacher": 200,
    "owner": 200,
}
EVERYONE = dict.fromkeys(SIGNED_IN, 200)
MATERIAL_READERS = {
    "anonymous": 302,
    "student": 403,
    "enrolled": 200,
    "blocked": 403,
    "other_teacher": 403,
    "owner": 200,
}

PAGES = {
    "catalog": ("/courses/", EVERYONE),
    "detail": ("/courses/{course}/", EVERYONE),
    "create": ("/courses/new/", TEACHERS),
    "mine": ("/courses/mine/", SIGNED_IN),
    "edit": ("/courses/{course}/edit/", OWNER_ONLY),
    "delete": ("/courses/{course}/delete/", OWNER_ONLY),
    "upload": ("/courses/{course}/materials/new/", OWNER_ONLY),
    "material_delete": ("/courses/{course}/materials/{material}/delete/", OWNER_ONLY),
    "download": ("/courses/{course}/materials/{material}/download/", MATERIAL_READERS),
    "students": ("/courses/{course}/students/", OWNER_ONLY),
    "blocked": ("/courses/{course}/blocked/", OWNER_ONLY),
    "block": ("/courses/{course}/students/{enrolled}/block/", OWNER_ONLY),
    "notifications": ("/notifications/", SIGNED_IN),
}


def url_for(template, course, material, users):
    return template.format(course=course.pk, material=material.pk, enrolled=users["enrolled"].pk)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_get_page_by_role(page, role, users, course, material, client_as):
    template, expected = PAGES[page]
    url = url_for(template, course, material, users)
    response = client_as(role).get(url)
    assert response.status_code == expected[role], (page, role)
    if expected[role] == 302:
        assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "url",
    [
        "/courses/999999/",
        "/courses/999999/edit/",
        "/courses/999999/delete/",
        "/courses/999999/materials/new/",
        "/courses/999999/students/",
        "/courses/999999/blocked/",
        "/courses/{course}/materials/999999/download/",
        "/courses/{course}/materials/999999/delete/",
        "/courses/{course}/students/999999/block/",
    ],
)
def test_unknown_ids_are_404_for_the_owner(url, course, client_as):
    assert client_as("owner").get(url.format(course=course.pk)).status_code == 404


BIG = "9" * 25  # larger than any database integer


@pytest.mark.parametrize(
    "url",
    [
        "/courses/abc/",
        "/courses/1.5/edit/",
        "/courses/-1/",
        "/notifications/x/read/",
        "/courses/1/materials/%2e%2e/download/",
        f"/courses/{BIG}/",
        f"/courses/{BIG}/edit/",
        f"/courses/1/materials/{BIG}/download/",
        f"/courses/1/students/{BIG}/block/",
        f"/notifications/{BIG}/",
    ],
)
def test_malformed_ids_are_404(url, client_as):
    assert client_as("owner").get(url).status_code == 404


def test_material_of_another_course_is_404(owner, course, material, client_as):
    from elearning_courses.models import Course

    other = Course.objects.create(teacher=owner, title="Other")
    url = f"/courses/{other.pk}/materials/{material.pk}/download/"
    assert client_as("owner").get(url).status_code == 404


@pytest.fixture
def file_lesson(course, material):
    """``material`` as the file lesson "Week 1 notes" of a module (as materials are now)."""
    module = Module.objects.create(course=course, title="Week 1")
    return Lesson.objects.create(module=module, title=material.title, kind="file", material=material)


class TestDetailShowsTheRightActions:
    @pytest.mark.parametrize(
        "role, present, absent",
        [
            (
                "anonymous",
                ["Log in to enroll", "Week 1 notes", "Log in and enroll to open the lessons."],
                ["Unenroll", "Edit course", "Rate this course", "/lessons/"],
            ),
            (
                "student",
                ['action="/courses/{pk}/enroll/"', "Week 1 notes", "Enroll to open the lessons."],
                ["Unenroll", "Edit course", "Rate this course", "/lessons/"],
            ),
            (
                "enrolled",
                ["Unenroll", "Rate this course", "Week 1 notes", "/lessons/"],
                ["Edit course", 'action="/courses/{pk}/enroll/"', "Enroll to open"],
            ),
            (
                "blocked",
                ["You were blocked from this course", "can no longer open its lessons"],
                ["Unenroll", 'action="/courses/{pk}/enroll/"', "Rate this course", "/lessons/"],
            ),
            (
                "other_teacher",
                ["The lessons are for the students enrolled in this course."],
                [
                    "Unenroll",
                    'action="/courses/{pk}/enroll/"',
                    "Edit course",
                    "/lessons/",
                    "Log in to enroll",
                ],
            ),
            (
                "owner",
                ["Edit course", "Edit content", "Add module", "Week 1 notes", "/lessons/", "Students"],
                ['action="/courses/{pk}/enroll/"', "Rate this course", "Enroll to open"],
            ),
        ],
    )
    def test_actions(self, role, present, absent, course, file_lesson, users, client_as):
        html = client_as(role).get(f"/courses/{course.pk}/").content.decode()
        for text in present:
            assert text.format(pk=course.pk) in html, (role, text)
        for text in absent:
            assert text.format(pk=course.pk) not in html, (role, text)

    def test_average_rating_and_feedback_are_listed(self, course, enrolled, make_user, client):
        other = make_user("other_student")
        Enrollment.objects.create(student=other, course=course)
        Feedback.objects.create(student=enrolled, course=course, rating=5, comment="Great <b>course</b>")
        Feedback.objects.create(student=other, course=course, rating=2)
        html = client.get(f"/courses/{course.pk}/").content.decode()
        assert "3.5" in html
        assert "Great &lt;b&gt;course&lt;/b&gt;" in html
        assert "2 students" in html

    def test_lesson_titles_are_an_outline_without_links_for_visitors(self, course, file_lesson, client):
        html = client.get(f"/courses/{course.pk}/").content.decode()
        assert "Week 1 notes" in html
        assert "1 lesson" in html
        assert f"/lessons/{file_lesson.pk}/" not in html
        assert "/materials/" not in html


class TestEnrollAndUnenroll:
    EXPECTED = {
        "anonymous": 302,
        "student": 302,
        "enrolled": 302,
        "blocked": 403,
        "other_teacher": 403,
        "owner": 403,
    }

    def test_enroll_by_role(self, role, users, course, client_as):
        response = client_as(role).post(f"/courses/{course.pk}/enroll/")
        assert response.status_code == self.EXPECTED[role]
        user = users[role]
        rows = Enrollment.objects.filter(course=course, student_id=getattr(user, "pk", None)).count()
        assert rows == (1 if role in ("student", "enrolled") else 0)
        if role == "anonymous":
            assert response["Location"].startswith(LOGIN)

    def test_enroll_twice_keeps_one_row_and_says_so(self, course, client_as):
        client = client_as("enrolled")
        response = client.post(f"/courses/{course.pk}/enroll/", follow=True)
        assert response.status_code == 200
        assert "already enrolled" in response.content.decode()
        assert Enrollment.objects.filter(course=course).count() == 1

    def test_enroll_is_post_only(self, course, client_as):
        assert client_as("student").get(f"/courses/{course.pk}/enroll/").status_code == 405

    def test_enroll_unknown_course(self, client_as):
        assert client_as("student").post("/courses/999999/enroll/").status_code == 404

    def test_unenroll(self, course, enrolled, client_as):
        response = client_as("enrolled").post(f"/courses/{course.pk}/unenroll/", follow=True)
        assert "You left" in response.content.decode()
        assert not Enrollment.objects.filter(course=course, student=enrolled).exists()

    def test_unenroll_when_not_enrolled(self, course, client_as):
        response = client_as("student").post(f"/courses/{course.pk}/unenroll/", follow=True)
        assert response.status_code == 200
        assert "not enrolled" in response.content.decode()

    def test_next_must_stay_on_the_site(self, course, client_as):
        response = client_as("student").post(
            f"/courses/{course.pk}/enroll/", {"next": "https://evil.example/"}
        )
        assert response["Location"] == f"/courses/{course.pk}/"
        response = client_as("student").post(f"/courses/{course.pk}/unenroll/", {"next": "/courses/mine/"})
        assert response["Location"] == "/courses/mine/"


class TestFeedbackPage:
    EXPECTED = {
        "anonymous": 302,
        "student": 403,
        "enrolled": 302,
        "blocked": 403,
        "other_teacher": 403,
        "owner": 403,
    }

    def test_rate_by_role(self, role, users, course, client_as):
        response = client_as(role).post(f"/courses/{course.pk}/feedback/", {"rating": "4", "comment": "Nice"})
        assert response.status_code == self.EXPECTED[role]
        assert Feedback.objects.filter(course=course).count() == (1 if role == "enrolled" else 0)

    @pytest.mark.parametrize("rating", ["0", "6", "-1", "abc", "", "4.5"])
    def test_bad_rating_shows_error_beside_field(self, rating, course, client_as):
        response = client_as("enrolled").post(f"/courses/{course.pk}/feedback/", {"rating": rating})
        assert response.status_code == 200
        assert "rating" in response.context["feedback_form"].errors
        assert b'id="id_rating_error"' in response.content
        assert not Feedback.objects.exists()

    def test_comment_too_long(self, course, client_as):
        response = client_as("enrolled").post(
            f"/courses/{course.pk}/feedback/", {"rating": "3", "comment": "x" * 2001}
        )
        assert "comment" in response.context["feedback_form"].errors
        assert not Feedback.objects.exists()

    def test_feedback_is_editable_and_unique(self, course, enrolled, client_as):
        client = client_as("enrolled")
        client.post(f"/courses/{course.pk}/feedback/", {"rating": "2", "comment": "Meh"})
        response = client.post(
            f"/courses/{course.pk}/feedback/", {"rating": "5", "comment": "Better now"}, follow=True
        )
        assert "Your feedback was updated." in response.content.decode()
        feedback = Feedback.objects.get(course=course)
        assert (feedback.rating, feedback.comment) == (5, "Better now")
        # The form is pre-filled with the student's feedback.
        html = client.get(f"/courses/{course.pk}/").content.decode()
        assert "Edit your feedback" in html
        assert 'value="5" class="form-check-input" id="id_rating_4" checked' in html or "checked" in html

    def test_get_is_not_allowed(self, course, client_as):
        assert client_as("enrolled").get(f"/courses/{course.pk}/feedback/").status_code == 405


class TestOwnerActionsByRole:
    """POST to the owner-only pages: only the owner changes anything."""

    def expect(self, role, response):
        if role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        elif role == "owner":
            assert response.status_code == 302
        else:
            assert response.status_code == 403

    def test_edit(self, role, course, client_as):
        response = client_as(role).post(
            f"/courses/{course.pk}/edit/", {"title": "Renamed", "description": ""}
        )
        self.expect(role, response)
        course.refresh_from_db()
        assert (course.title == "Renamed") == (role == "owner")

    def test_delete(self, role, course, client_as):
        from elearning_courses.models import Course

        response = client_as(role).post(f"/courses/{course.pk}/delete/")
        self.expect(role, response)
        assert Course.objects.filter(pk=course.pk).exists() == (role != "owner")

    def test_upload(self, role, course, client_as):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("slides.pdf", PDF_BYTES, content_type="application/pdf")
        response = client_as(role).post(f"/courses/{course.pk}/materials/new/", {"title": "", "file": upload})
        self.expect(role, response)
        assert course.materials.filter(title="slides").exists() == (role == "owner")

    def test_material_delete(self, role, course, material, client_as):
        response = client_as(role).post(f"/courses/{course.pk}/materials/{material.pk}/delete/")
        self.expect(role, response)
        assert course.materials.filter(pk=material.pk).exists() == (role != "owner")

    def test_block(self, role, course, users, client_as):
        target = users["enrolled"]
        response = client_as(role).post(
            f"/courses/{course.pk}/students/{target.pk}/block/", {"reason": "Rude"}
        )
        self.expect(role, response)
        assert CourseBlock.objects.filter(course=course, student=target).exists() == (role == "owner")
        assert Enrollment.objects.filter(course=course, student=target).exists() == (role != "owner")

    def test_unblock(self, role, course, users, client_as):
        target = users["blocked"]
        response = client_as(role).post(f"/courses/{course.pk}/blocked/{target.pk}/unblock/")
        self.expect(role, response)
        assert CourseBlock.objects.filter(course=course, student=target).exists() == (role != "owner")

    def test_create(self, role, client_as):
        from elearning_courses.models import Course

        response = client_as(role).post("/courses/new/", {"title": "Fresh", "description": "New"})
        if role in ("owner", "other_teacher"):
            assert response.status_code == 302
            course = Course.objects.get(title="Fresh")
            assert response["Location"] == f"/courses/{course.pk}/"
            assert course.teacher.username == role
        else:
            assert response.status_code == (302 if role == "anonymous" else 403)
            assert not Course.objects.filter(title="Fresh").exists()


class TestForbiddenPage:
    def test_says_why(self, course, client_as):
        response = client_as("blocked").post(f"/courses/{course.pk}/enroll/")
        assert response.status_code == 403
        html = response.content.decode()
        assert "You have been blocked from this course." in html
        assert f'href="/courses/{course.pk}/"' in html  # back to the course

    def test_teacher_cannot_enroll(self, course, client_as):
        response = client_as("other_teacher").post(f"/courses/{course.pk}/enroll/")
        assert "Only students can enroll in courses." in response.content.decode()

    def test_generic_reason(self, course, client_as):
        response = client_as("student").get(f"/courses/{course.pk}/edit/")
        assert response.status_code == 403
        assert "Your account does not have access to this page." in response.content.decode()

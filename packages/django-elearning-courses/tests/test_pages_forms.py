"""Bad input on every course form, downloads, notifications and the page query counts."""

import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from elearning_courses.models import Course, CourseBlock, CourseMaterial, Enrollment, Notification

from .conftest import PDF_BYTES

pytestmark = pytest.mark.django_db


class TestCourseForm:
    @pytest.mark.parametrize(
        "data, field",
        [
            ({"title": "", "description": "x"}, "title"),
            ({"title": "   ", "description": "x"}, "title"),
            ({"title": "t" * 201, "description": ""}, "title"),
            ({"description": "no title at all"}, "title"),
        ],
    )
    def test_errors_beside_the_field(self, data, field, client_as):
        response = client_as("owner").post("/courses/new/", data)
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert f'id="id_{field}_error"'.encode() in response.content
        assert b"is-invalid" in response.content
        assert Course.objects.count() == 1  # only the fixture's course

    def test_create_trims_title_and_flashes(self, client_as):
        response = client_as("owner").post(
            "/courses/new/", {"title": "  Algebra  ", "description": ""}, follow=True
        )
        assert Course.objects.filter(title="Algebra").exists()
        assert "was created" in response.content.decode()

    def test_edit_keeps_owner_and_shows_errors(self, course, owner, client_as):
        response = client_as("owner").post(f"/courses/{course.pk}/edit/", {"title": "", "description": "d"})
        assert "title" in response.context["form"].errors
        course.refresh_from_db()
        assert course.title == "Django basics"
        # A "teacher" field in the POST is ignored.
        client_as("owner").post(f"/courses/{course.pk}/edit/", {"title": "T", "teacher": 999})
        course.refresh_from_db()
        assert course.teacher == owner


def upload(name, content=PDF_BYTES, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


class TestMaterialUpload:
    def post(self, client_as, course, file, title=""):
        return client_as("owner").post(f"/courses/{course.pk}/materials/new/", {"title": title, "file": file})

    @pytest.mark.parametrize(
        "file",
        [
            upload("virus.exe", b"MZ\x90\x00", "application/octet-stream"),
            upload("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
            upload("noext", PDF_BYTES),
            upload("fake.pdf", b"<html>not a pdf</html>", "application/pdf"),
            upload("empty.pdf", b""),
        ],
        ids=["exe", "html", "no-extension", "content-mismatch", "empty"],
    )
    def test_refused_files_show_an_error_beside_the_field(self, file, course, client_as):
        response = self.post(client_as, course, file)
        assert response.status_code == 200
        assert "file" in response.context["form"].errors
        assert b'id="id_file_error"' in response.content
        assert not CourseMaterial.objects.exists()

    def test_missing_file(self, course, client_as):
        response = client_as("owner").post(f"/courses/{course.pk}/materials/new/", {"title": "x"})
        assert "file" in response.context["form"].errors

    def test_oversized_file(self, course, client_as, settings):
        settings.ELEARNING_COURSES = {"MATERIAL_MAX_BYTES": 20}
        response = self.post(client_as, course, upload("big.pdf", PDF_BYTES))
        assert "too large" in str(response.context["form"].errors["file"])
        assert not CourseMaterial.objects.exists()

    def test_title_too_long(self, course, client_as):
        response = self.post(client_as, course, upload("ok.pdf"), title="t" * 201)
        assert "title" in response.context["form"].errors

    def test_dot_dot_filename_is_harmless(self, course, client_as, settings):
        response = self.post(client_as, course, upload("../../etc/passwd.pdf"))
        assert response.status_code == 302
        material = CourseMaterial.objects.get()
        assert ".." not in material.file.name
        assert "passwd" not in material.file.name
        assert material.original_name == "passwd.pdf"
        root = os.path.realpath(settings.PRIVATE_MEDIA_ROOT)
        assert os.path.realpath(material.file.path).startswith(root + os.sep)

    def test_upload_page_lists_allowed_types(self, course, client_as):
        html = client_as("owner").get(f"/courses/{course.pk}/materials/new/").content.decode()
        assert "Allowed: pdf" in html
        assert 'accept=".pdf' in html


class TestDownload:
    def test_attachment_headers(self, course, material, client_as):
        response = client_as("enrolled").get(f"/courses/{course.pk}/materials/{material.pk}/download/")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert 'filename="notes.pdf"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF_BYTES

    def test_missing_file_is_404_not_500(self, course, material, client_as):
        material.file.storage.delete(material.file.name)
        response = client_as("owner").get(f"/courses/{course.pk}/materials/{material.pk}/download/")
        assert response.status_code == 404

    def test_unenrolled_student_loses_access(self, course, material, enrolled, client_as):
        client = client_as("enrolled")
        url = f"/courses/{course.pk}/materials/{material.pk}/download/"
        assert client.get(url).status_code == 200
        client.post(f"/courses/{course.pk}/unenroll/")
        assert client.get(url).status_code == 403

    def test_materials_have_no_public_url(self, material):
        with pytest.raises(ValueError):
            material.file.url  # noqa: B018


class TestBlocking:
    def test_teacher_cannot_be_blocked(self, course, other_teacher, client_as):
        url = f"/courses/{course.pk}/students/{other_teacher.pk}/block/"
        assert client_as("owner").get(url).status_code == 404
        assert client_as("owner").post(url, {"reason": ""}).status_code == 404
        assert not CourseBlock.objects.filter(student=other_teacher).exists()

    def test_block_twice_warns(self, course, blocked, client_as):
        response = client_as("owner").post(
            f"/courses/{course.pk}/students/{blocked.pk}/block/", {}, follow=True
        )
        assert response.status_code == 200
        assert "already blocked" in response.content.decode()
        assert CourseBlock.objects.filter(course=course, student=blocked).count() == 1

    def test_reason_too_long(self, course, enrolled, client_as):
        response = client_as("owner").post(
            f"/courses/{course.pk}/students/{enrolled.pk}/block/", {"reason": "r" * 501}
        )
        assert response.status_code == 200
        assert "reason" in response.context["form"].errors
        assert not CourseBlock.objects.filter(student=enrolled).exists()

    def test_unblock_when_not_blocked_warns(self, course, student, client_as):
        response = client_as("owner").post(f"/courses/{course.pk}/blocked/{student.pk}/unblock/", follow=True)
        assert "not blocked" in response.content.decode()

    def test_blocked_student_cannot_re_enroll_until_unblocked(self, course, blocked, client_as, client):
        assert client_as("blocked").post(f"/courses/{course.pk}/enroll/").status_code == 403
        client_as("owner").post(f"/courses/{course.pk}/blocked/{blocked.pk}/unblock/")
        assert client_as("blocked").post(f"/courses/{course.pk}/enroll/").status_code == 302
        assert Enrollment.objects.filter(course=course, student=blocked).exists()

    def test_students_page_lists_enrolled_and_blocked_page_lists_blocked(
        self, course, enrolled, blocked, client_as
    ):
        client = client_as("owner")
        students = client.get(f"/courses/{course.pk}/students/").content.decode()
        assert "enrolled" in students and ">blocked<" not in students
        blocked_page = client.get(f"/courses/{course.pk}/blocked/").content.decode()
        assert "Spam" in blocked_page and "Unblock" in blocked_page


class TestMyCourses:
    def test_student_sees_enrolled_courses(self, course, owner, enrolled, client_as):
        Course.objects.create(teacher=owner, title="Not mine")
        html = client_as("enrolled").get("/courses/mine/").content.decode()
        assert "Django basics" in html and "Not mine" not in html

    def test_teacher_sees_taught_courses(self, course, other_teacher, client_as):
        Course.objects.create(teacher=other_teacher, title="Theirs")
        html = client_as("owner").get("/courses/mine/").content.decode()
        assert "Django basics" in html and "Theirs" not in html

    def test_empty_states(self, client_as):
        assert (
            "You are not enrolled in any course yet"
            in client_as("student").get("/courses/mine/").content.decode()
        )
        assert (
            "You do not teach any course yet"
            in client_as("other_teacher").get("/courses/mine/").content.decode()
        )


class TestCatalog:
    def test_search_and_empty_state(self, course, client):
        html = client.get("/courses/?q=django").content.decode()
        assert "Django basics" in html
        assert "1 course matches &ldquo;django&rdquo;." in html
        html = client.get("/courses/", {"q": "<script>alert(1)</script>"}).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;" in html
        html = client.get("/courses/?q=zzzz").content.decode()
        assert "No course matches your search" in html

    def test_empty_catalog(self, db, client):
        assert "No courses yet" in client.get("/courses/").content.decode()

    @pytest.mark.parametrize("page", ["2", "999", "abc", "-1", ""])
    def test_pagination_never_fails(self, page, owner, client, settings):
        settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 2}
        Course.objects.bulk_create([Course(teacher=owner, title=f"C{i}") for i in range(5)])
        response = client.get("/courses/", {"page": page})
        assert response.status_code == 200
        assert 'aria-label="Pages"' in response.content.decode()

    def test_search_is_kept_in_pagination_links(self, owner, client, settings):
        settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 2}
        Course.objects.bulk_create([Course(teacher=owner, title=f"Python {i}") for i in range(5)])
        html = client.get("/courses/", {"q": "python"}).content.decode()
        assert "?q=python&amp;page=2" in html

    def test_overlong_search_is_ignored_not_an_error(self, course, client):
        assert client.get("/courses/", {"q": "x" * 500}).status_code == 200


class TestNotificationsPage:
    def make(self, user, n=1, **extra):
        return [
            Notification.objects.create(
                recipient=user, verb="enrolled", message=f"Note {i}", url="/courses/", **extra
            )
            for i in range(n)
        ]

    def test_lists_only_own(self, student, enrolled, client_as):
        self.make(student)
        Notification.objects.create(recipient=enrolled, verb="enrolled", message="Secret")
        html = client_as("student").get("/notifications/").content.decode()
        assert "Note 0" in html and "Secret" not in html
        assert "Mark 1 as read" in html

    def test_mark_one_read(self, student, client_as):
        (note,) = self.make(student)
        response = client_as("student").post(f"/notifications/{note.pk}/read/")
        assert response.status_code == 302
        note.refresh_from_db()
        assert note.is_read

    def test_cannot_mark_someone_elses(self, student, enrolled, client_as):
        (note,) = self.make(enrolled)
        assert client_as("student").post(f"/notifications/{note.pk}/read/").status_code == 404
        note.refresh_from_db()
        assert not note.is_read

    def test_mark_all_read(self, student, enrolled, client_as):
        self.make(student, 3)
        (theirs,) = self.make(enrolled)
        response = client_as("student").post("/notifications/read-all/", follow=True)
        assert "3 notifications marked as read." in response.content.decode()
        assert not Notification.objects.filter(recipient=student, is_read=False).exists()
        theirs.refresh_from_db()
        assert not theirs.is_read
        response = client_as("student").post("/notifications/read-all/", follow=True)
        assert "You have no unread notifications." in response.content.decode()

    @pytest.mark.parametrize("url", ["/notifications/read-all/", "/notifications/1/read/"])
    def test_post_only_and_login_required(self, url, client_as):
        assert client_as("student").get(url).status_code == 405
        assert client_as("anonymous").post(url).status_code == 302

    def test_open_marks_read_and_follows_the_link(self, student, client_as):
        (note,) = self.make(student)
        html = client_as("student").get("/notifications/").content.decode()
        assert f'href="/notifications/{note.pk}/"' in html
        response = client_as("student").get(f"/notifications/{note.pk}/")
        assert response.status_code == 302 and response["Location"] == "/courses/"
        note.refresh_from_db()
        assert note.is_read

    @pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", ""])
    def test_open_never_leaves_the_site(self, url, student, client_as):
        note = Notification.objects.create(recipient=student, verb="enrolled", message="x", url=url)
        response = client_as("student").get(f"/notifications/{note.pk}/")
        assert response["Location"] == "/notifications/"

    def test_open_someone_elses_is_404(self, student, enrolled, client_as):
        (note,) = self.make(enrolled)
        assert client_as("student").get(f"/notifications/{note.pk}/").status_code == 404
        assert client_as("anonymous").get(f"/notifications/{note.pk}/").status_code == 302
        note.refresh_from_db()
        assert not note.is_read

    def test_empty_state(self, student, client_as):
        assert "You are all caught up" in client_as("student").get("/notifications/").content.decode()

    def test_bell_count_in_the_page(self, student, client_as):
        self.make(student, 2)
        html = client_as("student").get("/notifications/").content.decode()
        assert re.search(r'id="notification-count"[^>]*>2<', html)


# Query counts: the same number for 1 and 50 rows.


@pytest.fixture
def seed(owner, make_user):
    def make(n):
        students = [make_user(f"s{i}") for i in range(3)]
        courses = Course.objects.bulk_create(
            [
                Course(teacher=owner if i % 2 else make_user(f"t{i}", "teacher"), title=f"Course {i}")
                for i in range(n)
            ]
        )
        for course in courses:
            Enrollment.objects.bulk_create([Enrollment(student=s, course=course) for s in students])
            CourseBlock.objects.create(course=course, student=make_user(f"b{course.pk}"))
        Notification.objects.bulk_create(
            [Notification(recipient=students[0], verb="enrolled", message=f"n{i}") for i in range(n)]
        )
        return courses, students

    return make


@pytest.mark.parametrize("rows", [1, 50])
class TestQueryCounts:
    def test_catalog_anonymous(self, rows, seed, client, django_assert_num_queries, settings):
        settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 50}
        seed(rows)
        with django_assert_num_queries(3):  # subjects with their counts, count, page
            response = client.get("/courses/")
        assert len(response.context["courses"]) == rows

    def test_catalog_signed_in(self, rows, seed, client, django_assert_num_queries, settings):
        settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 50}
        _courses, students = seed(rows)
        client.force_login(students[0])
        with django_assert_num_queries(6):  # session, user, subjects, count, page, unread count
            client.get("/courses/")

    def test_my_courses(self, rows, seed, client, django_assert_num_queries, settings):
        settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 50}
        _courses, students = seed(rows)
        client.force_login(students[0])
        with django_assert_num_queries(6):  # ... and the student's blocks, with their courses
            response = client.get("/courses/mine/")
        assert len(response.context["courses"]) == rows

    def test_notifications(self, rows, seed, client, django_assert_num_queries, settings):
        settings.ELEARNING_COURSES = {"NOTIFICATIONS_PAGE_SIZE": 50}
        _courses, students = seed(rows)
        client.force_login(students[0])
        with django_assert_num_queries(5):  # session, user, unread count, count, page
            response = client.get("/notifications/")
        assert len(response.context["notifications"]) == rows

    def test_students_and_blocked(self, rows, seed, owner, make_user, client, django_assert_num_queries):
        courses, _students = seed(1)
        course = courses[0]
        course.teacher = owner
        course.save()
        Enrollment.objects.bulk_create(
            [Enrollment(student=make_user(f"x{i}"), course=course) for i in range(rows)]
        )
        client.force_login(owner)
        for url in (f"/courses/{course.pk}/students/", f"/courses/{course.pk}/blocked/"):
            # session, user, course, count, page, unread count
            with django_assert_num_queries(6):
                assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
# The outline: one query for the modules, one for their lessons (with their files).
@pytest.mark.parametrize("who, queries", [("anonymous", 4), ("owner", 8), ("enrolled", 14)])
def test_course_page_queries_do_not_grow_with_feedback_modules_and_lessons(
    rows, who, queries, course, users, make_user, client_as, django_assert_num_queries
):
    from elearning_courses.models import Feedback

    students = [make_user(f"f{i}") for i in range(rows)]
    Enrollment.objects.bulk_create([Enrollment(student=s, course=course) for s in students])
    Feedback.objects.bulk_create(
        [Feedback(student=s, course=course, rating=1 + i % 5) for i, s in enumerate(students)]
    )
    from elearning_courses.models import Lesson, Module

    modules = Module.objects.bulk_create(
        [Module(course=course, title=f"Module {i}", position=i) for i in range(rows)]
    )
    Lesson.objects.bulk_create(
        [
            Lesson(course=course, module=module, title=f"L{i}", position=i, kind="text", text="x")
            for module in modules
            for i in range(2)
        ]
    )
    client = client_as(who)
    with django_assert_num_queries(queries):
        response = client.get(f"/courses/{course.pk}/")
    assert len(response.context["feedback_list"]) == min(rows, 50)
    assert response.context["more_feedback"] is False


def test_course_page_says_when_feedback_is_cut(course, make_user, client, monkeypatch):
    from elearning_courses.models import Feedback
    from elearning_courses.views import courses as course_views

    monkeypatch.setattr(course_views, "FEEDBACK_SHOWN", 2)
    students = [make_user(f"r{i}") for i in range(3)]
    Feedback.objects.bulk_create([Feedback(student=s, course=course, rating=3) for s in students])
    html = client.get(f"/courses/{course.pk}/").content.decode()
    assert "Showing the 2 newest reviews." in html

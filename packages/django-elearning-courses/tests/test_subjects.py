"""Subjects: managed in the admin, chosen on the course form (optional), shown on the
course page as a link to the catalog filtered by it."""

import pytest

from elearning_courses.models import Course, Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(db):
    return Subject.objects.create(name="Mathematics", slug="maths")


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root", "teacher", is_staff=True, is_superuser=True))
    return client


class TestAdmin:
    def test_subject_admin_prepopulates_the_slug(self, admin_client):
        from django.contrib import admin

        from elearning_courses.admin import SubjectAdmin

        assert isinstance(admin.site._registry[Subject], SubjectAdmin)
        assert SubjectAdmin.prepopulated_fields == {"slug": ("name",)}
        html = admin_client.get("/admin/elearning_courses/subject/add/").content.decode()
        assert "data-prepopulated-fields=" in html and "&quot;#id_name&quot;" in html

    def test_staff_adds_a_subject(self, admin_client):
        response = admin_client.post("/admin/elearning_courses/subject/add/", {"name": "Art", "slug": "art"})
        assert response.status_code == 302
        assert Subject.objects.filter(slug="art", name="Art").exists()

    def test_duplicate_or_bad_slug_is_a_form_error(self, admin_client, maths):
        for slug in ("maths", "not a slug"):
            response = admin_client.post(
                "/admin/elearning_courses/subject/add/", {"name": "Other", "slug": slug}
            )
            assert response.status_code == 200
            assert "slug" in response.context["adminform"].form.errors

    def test_course_admin_lists_subject_and_state(self, admin_client, course, maths):
        Course.objects.filter(pk=course.pk).update(subject=maths, is_published=False)
        html = admin_client.get("/admin/elearning_courses/course/").content.decode()
        assert "Mathematics" in html and "column-is_published" in html
        assert (
            admin_client.get(f"/admin/elearning_courses/course/?subject__id__exact={maths.pk}").status_code
            == 200
        )
        assert admin_client.get(f"/admin/elearning_courses/course/{course.pk}/change/").status_code == 200

    def test_module_and_lesson_admin_pages_open(self, admin_client, course):
        from elearning_courses.models import Lesson, Module

        module = Module.objects.create(course=course, title="Week 1")
        lesson = Lesson.objects.create(module=module, title="Hello")
        for url in (
            "/admin/elearning_courses/module/",
            f"/admin/elearning_courses/module/{module.pk}/change/",
            "/admin/elearning_courses/lesson/",
            f"/admin/elearning_courses/lesson/{lesson.pk}/change/",
        ):
            assert admin_client.get(url).status_code == 200, url

    def test_deleting_a_subject_keeps_its_courses(self, course, maths):
        Course.objects.filter(pk=course.pk).update(subject=maths)
        maths.delete()
        course.refresh_from_db()
        assert course.subject is None


class TestCourseForm:
    def test_the_subject_is_an_optional_select(self, client_as, maths):
        html = client_as("owner").get("/courses/new/").content.decode()
        assert '<label class="form-label" for="id_subject">Subject' in html
        assert '<option value="" selected>No subject</option>' in html
        assert f'<option value="{maths.pk}">Mathematics</option>' in html

    def test_create_with_a_subject(self, client_as, maths):
        client_as("owner").post(
            "/courses/new/", {"title": "Algebra", "subject": maths.pk, "is_published": "on"}
        )
        assert Course.objects.get(title="Algebra").subject == maths

    @pytest.mark.parametrize("value", ["999999", "abc", "-1", "1.5"])
    def test_unknown_subject_is_a_field_error(self, value, client_as, maths):
        response = client_as("owner").post("/courses/new/", {"title": "Algebra", "subject": value})
        assert response.status_code == 200
        assert "subject" in response.context["form"].errors
        assert 'id="id_subject_error"' in response.content.decode()

    def test_edit_changes_and_clears_the_subject(self, course, client_as, maths):
        client_as("owner").post(
            f"/courses/{course.pk}/edit/", {"title": "T", "subject": maths.pk, "is_published": "on"}
        )
        course.refresh_from_db()
        assert course.subject == maths
        client_as("owner").post(
            f"/courses/{course.pk}/edit/", {"title": "T", "subject": "", "is_published": "on"}
        )
        course.refresh_from_db()
        assert course.subject is None


class TestCoursePage:
    def test_subject_badge_links_to_the_filtered_catalog(self, course, maths, client):
        Course.objects.filter(pk=course.pk).update(subject=maths)
        html = client.get(f"/courses/{course.pk}/").content.decode()
        assert 'data-subject-badge href="/courses/?subject=maths">Mathematics</a>' in html

    def test_no_badge_without_a_subject(self, course, client):
        assert "data-subject-badge" not in client.get(f"/courses/{course.pk}/").content.decode()

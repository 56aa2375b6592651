"""Draft courses: the "Published" box of the course form, who sees a draft (its teacher
and staff), the draft badge and the "Publish" hint, and publishing without notifications."""

import pytest

from elearning_courses.models import Course, Notification

from .conftest import ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(course):
    Course.objects.filter(pk=course.pk).update(is_published=False)
    course.refresh_from_db()
    return course


@pytest.fixture
def staff(make_user):
    return make_user("staffer", "teacher", is_staff=True)


class TestForm:
    def test_published_is_ticked_for_a_new_course(self, client_as):
        response = client_as("owner").get("/courses/new/")
        field = response.context["form"]["is_published"]
        assert field.value() is True
        html = response.content.decode()
        assert '<label class="form-check-label" for="id_is_published">Published' in html
        assert "Drafts are seen only by you." in html
        assert (
            'name="is_published" class="form-check-input" aria-describedby="id_is_published_helptext" id="id_is_published" checked'
            in html
        )

    def test_unticked_creates_a_draft(self, client_as):
        response = client_as("owner").post("/courses/new/", {"title": "Secret plans"}, follow=True)
        course = Course.objects.get(title="Secret plans")
        assert course.is_published is False
        html = response.content.decode()
        assert "students do not see it until you publish it" in html
        assert "data-draft-badge" in html and "data-draft-hint" in html

    def test_ticked_creates_a_published_course(self, client_as):
        response = client_as("owner").post(
            "/courses/new/", {"title": "Open", "is_published": "on"}, follow=True
        )
        assert Course.objects.get(title="Open").is_published
        assert "data-draft-badge" not in response.content.decode()

    def test_edit_form_shows_the_current_state(self, draft, client_as):
        response = client_as("owner").get(f"/courses/{draft.pk}/edit/")
        assert response.context["form"]["is_published"].value() is False

    def test_publishing_notifies_nobody(self, draft, enrolled, client_as):
        before = Notification.objects.count()
        response = client_as("owner").post(
            f"/courses/{draft.pk}/edit/", {"title": draft.title, "is_published": "on"}, follow=True
        )
        draft.refresh_from_db()
        assert draft.is_published
        assert "The course is published: students can find it now." in response.content.decode()
        assert Notification.objects.count() == before

    def test_unpublishing(self, course, client_as):
        response = client_as("owner").post(
            f"/courses/{course.pk}/edit/", {"title": course.title}, follow=True
        )
        course.refresh_from_db()
        assert not course.is_published
        assert "The course is a draft now: only you and staff see it." in response.content.decode()

    def test_saving_a_draft_keeps_it_a_draft(self, draft, client_as):
        response = client_as("owner").post(f"/courses/{draft.pk}/edit/", {"title": "Renamed"}, follow=True)
        draft.refresh_from_db()
        assert draft.title == "Renamed" and not draft.is_published
        assert "Your changes were saved." in response.content.decode()


class TestVisibility:
    @pytest.mark.parametrize("role", ROLES)
    def test_draft_page_is_404_but_for_owner(self, role, draft, client_as):
        response = client_as(role).get(f"/courses/{draft.pk}/")
        assert response.status_code == (200 if role == "owner" else 404)

    def test_staff_sees_a_draft_page(self, draft, staff, client):
        client.force_login(staff)
        response = client.get(f"/courses/{draft.pk}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "This course is a draft: only its teacher and staff see it." in html
        assert ">Publish</a>" not in html  # only its teacher publishes

    def test_owner_sees_badge_and_publish_hint(self, draft, client_as):
        html = client_as("owner").get(f"/courses/{draft.pk}/").content.decode()
        assert "data-draft-badge" in html
        assert "This course is a draft: only you and staff see it." in html
        assert f'href="/courses/{draft.pk}/edit/#id_is_published">Publish</a>' in html

    def test_published_course_has_no_draft_marks(self, course, client_as):
        html = client_as("owner").get(f"/courses/{course.pk}/").content.decode()
        assert "data-draft-badge" not in html and "data-draft-hint" not in html

    @pytest.mark.parametrize("role", ROLES)
    def test_the_catalog_never_lists_drafts(self, role, draft, client_as, make_user):
        Course.objects.create(teacher=draft.teacher, title="Visible one")
        html = client_as(role).get("/courses/").content.decode()
        assert "Visible one" in html and draft.title not in html

    def test_not_even_for_staff(self, draft, staff, client):
        client.force_login(staff)
        assert draft.title not in client.get("/courses/").content.decode()

    def test_catalog_search_and_subject_skip_drafts(self, draft, client):
        assert "No course matches your search" in client.get("/courses/", {"q": "django"}).content.decode()

    def test_teacher_finds_drafts_in_courses_i_teach(self, draft, client_as):
        html = client_as("owner").get("/courses/mine/").content.decode()
        assert draft.title in html and "data-draft-badge" in html


class TestDraftsDoNotExistForOthers:
    """A draft is a 404 wherever someone who may not see it reaches for it."""

    def test_a_student_cannot_enroll_in_a_draft(self, client_as, draft, student):
        from elearning_courses import services
        from elearning_courses.exceptions import CourseActionDenied
        from elearning_courses.models import Enrollment

        response = client_as("student").post(f"/courses/{draft.pk}/enroll/")
        assert response.status_code == 404
        with pytest.raises(CourseActionDenied) as denied:
            services.enroll(student, draft)
        assert denied.value.code == "not_visible"
        assert not Enrollment.objects.filter(student=student).exists()

    @pytest.mark.parametrize("page", ["edit/", "delete/", "students/", "blocked/", "content/", "progress/"])
    def test_teacher_pages_of_a_draft_are_a_404_for_other_teachers(self, client_as, draft, page):
        assert client_as("other_teacher").get(f"/courses/{draft.pk}/{page}").status_code == 404
        assert client_as("owner").get(f"/courses/{draft.pk}/{page}").status_code == 200

    def test_the_teachers_course_list_shows_drafts_to_the_teacher_only(self, rf, draft, owner, student):
        from django.contrib.auth.models import AnonymousUser
        from django.template.loader import render_to_string

        published = Course.objects.create(teacher=owner, title="Open course")
        template = "elearning_courses/includes/teacher_courses.html"
        for viewer in (AnonymousUser(), student):
            html = render_to_string(template, {"teacher": owner, "user": viewer})
            assert published.title in html and draft.title not in html
        html = render_to_string(template, {"teacher": owner, "user": owner})
        assert published.title in html and draft.title in html and "Draft" in html

"""The pieces the pages and the API share: the download response, lenient pagination,
the roles, the receivers' links and the API's translated messages."""

import pytest
from django.urls import NoReverseMatch
from django.utils import translation

from elearning_courses import materials, signals
from elearning_courses.models import Course, CourseBlock, Enrollment, Notification
from elearning_courses.views import (
    BlockedListView,
    CatalogView,
    MyCoursesView,
    NotificationListView,
    StudentListView,
)
from elearning_courses.views.mixins import LenientPaginationMixin

pytestmark = pytest.mark.django_db


class TestOneDownloadResponse:
    @pytest.mark.parametrize(
        "url",
        [
            "/courses/{course}/materials/{material}/download/",
            "/api/courses/{course}/materials/{material}/download/",
        ],
    )
    def test_page_and_api_stream_through_material_response(self, url, material, client_as, monkeypatch):
        calls = []
        original = materials.material_response

        def spy(m):
            calls.append(m.pk)
            return original(m)

        # Both entry points look the function up where it is defined, so one spy sees both.
        monkeypatch.setattr("elearning_courses.views.materials.material_response", spy)
        monkeypatch.setattr("elearning_courses.api.views.material_response", spy)
        response = client_as("enrolled").get(url.format(course=material.course_id, material=material.pk))
        assert response.status_code == 200
        assert calls == [material.pk]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Disposition"].startswith("attachment;")

    def test_a_missing_file_is_a_404_on_the_page(self, material, client_as):
        material.file.storage.delete(material.file.name)
        url = f"/courses/{material.course_id}/materials/{material.pk}/download/"
        assert client_as("enrolled").get(url).status_code == 404


def _pages(course, owner, make_user, monkeypatch, settings):
    """Each paginated page with three rows at two per page -> (url, user)."""
    settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 2, "NOTIFICATIONS_PAGE_SIZE": 2}
    monkeypatch.setattr(StudentListView, "paginate_by", 2)
    monkeypatch.setattr(BlockedListView, "paginate_by", 2)
    Course.objects.bulk_create([Course(teacher=owner, title=f"C{i}") for i in range(2)])
    students = [make_user(f"s{i}") for i in range(6)]
    Enrollment.objects.bulk_create([Enrollment(course=course, student=s) for s in students[:3]])
    CourseBlock.objects.bulk_create([CourseBlock(course=course, student=s) for s in students[3:]])
    Notification.objects.bulk_create(
        [Notification(recipient=owner, verb="enrolled", message=f"n{i}") for i in range(3)]
    )
    return {
        "catalog": "/courses/",
        "mine": "/courses/mine/",
        "notifications": "/notifications/",
        "students": f"/courses/{course.pk}/students/",
        "blocked": f"/courses/{course.pk}/blocked/",
    }


PAGE_NAMES = ["catalog", "mine", "notifications", "students", "blocked"]


class TestLenientPagination:
    @pytest.mark.parametrize(
        "view", [CatalogView, MyCoursesView, NotificationListView, StudentListView, BlockedListView]
    )
    def test_every_list_page_shares_the_mixin(self, view):
        assert issubclass(view, LenientPaginationMixin)
        assert "paginate_queryset" not in vars(view)

    @pytest.mark.parametrize("name", PAGE_NAMES)
    @pytest.mark.parametrize("page, expected", [("999", 2), ("abc", 1), ("", 1), ("2", 2)])
    def test_a_bad_page_shows_the_last_or_first(
        self, name, page, expected, course, owner, make_user, client, monkeypatch, settings
    ):
        urls = _pages(course, owner, make_user, monkeypatch, settings)
        client.force_login(owner)
        response = client.get(urls[name], {"page": page})
        assert response.status_code == 200
        assert response.context["page_obj"].number == expected
        assert response.context["paginator"].num_pages == 2


class TestRoles:
    def test_rules_and_pages_compare_with_the_users_apps_roles(
        self, monkeypatch, django_user_model, owner, client
    ):
        from types import SimpleNamespace

        from elearning_courses import rules
        from elearning_courses.views import catalog

        # The stored values are read from one place: swap it and every check follows.
        renamed = SimpleNamespace(TEACHER="instructor", STUDENT="learner")
        monkeypatch.setattr(rules, "Role", renamed)
        monkeypatch.setattr(catalog, "Role", renamed)
        assert rules.is_teacher(django_user_model(username="i", role="instructor"))
        assert rules.is_student(django_user_model(username="l", role="learner"))
        assert not rules.is_teacher(owner)
        Course.objects.create(teacher=owner, title="Taught")
        client.force_login(owner)
        # With "teacher" no longer the teacher value, the owner's own courses are not listed.
        assert not list(client.get("/courses/mine/").context["courses"])


class TestReceiverLinks:
    def test_no_pages_means_no_link(self, monkeypatch, course):
        def unmounted():
            raise NoReverseMatch("not mounted")

        monkeypatch.setattr(course, "get_absolute_url", unmounted)
        assert signals._course_url(course) == ""

    def test_other_errors_are_not_hidden(self, monkeypatch, course):
        def broken():
            raise ZeroDivisionError

        monkeypatch.setattr(course, "get_absolute_url", broken)
        with pytest.raises(ZeroDivisionError):
            signals._course_url(course)


class TestAPIMessagesTranslated:
    @pytest.fixture
    def fake_translation(self, monkeypatch):
        # A stand-in catalog: marked strings come back upper-cased (templates with
        # placeholders unchanged, so the notifications made by the fixtures still format).
        def fake(message):
            return message if "%(" in message else message.upper()

        monkeypatch.setattr(translation._trans, "gettext", fake, raising=False)
        with translation.override("en"):
            yield

    def test_permission_and_denial_messages(self, fake_translation, api_as, course, material):
        response = api_as("student").post("/api/courses/", {"title": "x"})
        assert response.status_code == 403
        assert response.json()["detail"] == "ONLY TEACHERS CAN CREATE COURSES."
        response = api_as("other_teacher").patch(f"/api/courses/{course.pk}/", {"title": "x"})
        assert response.json()["detail"] == "ONLY THE COURSE'S TEACHER CAN CHANGE IT."
        response = api_as("student").get(f"/api/courses/{course.pk}/materials/{material.pk}/download/")
        assert response.json()["detail"] == "ENROLL IN THE COURSE TO DOWNLOAD ITS MATERIALS."
        response = api_as("student").get("/api/blocks/")
        assert response.json()["detail"] == "ONLY TEACHERS CAN BLOCK STUDENTS."

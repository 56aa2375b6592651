"""Draft courses, covers and ``?sort=`` in ``/api/courses/``."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from elearning_courses.models import Course, Enrollment, Feedback

from .test_api_content import ALL_ROLES, DENIED, call, people, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

SEES_DRAFTS = {"owner", "staff"}


def png(name="cover.png", size=(40, 20), extra=b""):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue() + extra, content_type="image/png")


@pytest.fixture
def draft(owner):
    return Course.objects.create(teacher=owner, title="Work in progress", is_published=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


class TestDrafts:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_list_and_retrieve(self, call, course, draft, role):  # noqa: F811
        listed = call(role, "get", "/api/courses/")
        detail = call(role, "get", f"/api/courses/{draft.pk}/")
        if role == "anonymous":
            assert listed.status_code == detail.status_code == DENIED
            return
        titles = {c["title"] for c in listed.data["results"]}
        if role in SEES_DRAFTS:
            assert titles == {"Django basics", "Work in progress"}
            assert detail.status_code == 200 and detail.data["is_published"] is False
        else:
            assert titles == {"Django basics"}
            assert detail.status_code == 404

    @pytest.mark.parametrize("role", ["student", "enrolled", "other_teacher"])
    def test_changes_to_a_draft_are_404_for_others(self, call, draft, role):  # noqa: F811
        assert call(role, "patch", f"/api/courses/{draft.pk}/", {"title": "x"}).status_code == 404
        assert call(role, "delete", f"/api/courses/{draft.pk}/").status_code == 404
        assert call(role, "get", f"/api/courses/{draft.pk}/materials/").status_code == 404

    def test_owner_publishes_and_unpublishes(self, call, draft):  # noqa: F811
        response = call("owner", "patch", f"/api/courses/{draft.pk}/", {"is_published": True})
        assert response.status_code == 200 and response.data["is_published"] is True
        assert call("student", "get", f"/api/courses/{draft.pk}/").status_code == 200
        call("owner", "patch", f"/api/courses/{draft.pk}/", {"is_published": False})
        assert call("student", "get", f"/api/courses/{draft.pk}/").status_code == 404

    def test_staff_cannot_edit(self, call, draft):  # noqa: F811
        response = call("staff", "patch", f"/api/courses/{draft.pk}/", {"is_published": True})
        assert response.status_code == 403
        draft.refresh_from_db()
        assert draft.is_published is False

    def test_create_a_draft(self, call, owner):  # noqa: F811
        response = call("owner", "post", "/api/courses/", {"title": "Soon", "is_published": False})
        assert response.status_code == 201 and response.data["is_published"] is False
        assert call("student", "get", f"/api/courses/{response.data['id']}/").status_code == 404

    @pytest.mark.parametrize("value", ["yes", 1, None])
    def test_bad_flag(self, call, course, value):  # noqa: F811
        response = call("owner", "patch", f"/api/courses/{course.pk}/", {"is_published": value})
        assert response.status_code == 400 and "is_published" in response.data

    def test_is_published_filter(self, call, course, draft):  # noqa: F811
        response = call("owner", "get", "/api/courses/?is_published=false")
        assert [c["title"] for c in response.data["results"]] == ["Work in progress"]
        assert call("student", "get", "/api/courses/?is_published=false").data["count"] == 0


class TestCover:
    def test_upload_replace_and_remove(self, call, course):  # noqa: F811
        url = f"/api/courses/{course.pk}/"
        response = call("owner", "patch", url, {"cover": png()}, format="multipart")
        assert response.status_code == 200, response.data
        assert response.data["cover"].startswith("http://testserver/")
        assert response.data["cover"].endswith(".png")
        first = Course.objects.get(pk=course.pk).cover.name
        response = call("owner", "patch", url, {"cover": png("other.png")}, format="multipart")
        assert Course.objects.get(pk=course.pk).cover.name != first
        response = call("owner", "patch", url, {"cover": None})
        assert response.status_code == 200 and response.data["cover"] is None
        assert not Course.objects.get(pk=course.pk).cover

    def test_create_with_cover(self, call, owner):  # noqa: F811
        response = call(
            "owner", "post", "/api/courses/", {"title": "Art", "cover": png()}, format="multipart"
        )
        assert response.status_code == 201, response.data
        assert Course.objects.get(pk=response.data["id"]).cover

    @pytest.mark.parametrize(
        "upload",
        [
            SimpleUploadedFile("cover.png", b"<html>no image</html>", content_type="image/png"),
            SimpleUploadedFile("cover.png", b"", content_type="image/png"),
        ],
    )
    def test_bad_cover(self, call, course, upload):  # noqa: F811
        response = call("owner", "patch", f"/api/courses/{course.pk}/", {"cover": upload}, format="multipart")
        assert response.status_code == 400 and "cover" in response.data
        assert not Course.objects.get(pk=course.pk).cover

    def test_appended_html_is_dropped(self, call, course):  # noqa: F811
        upload = png(extra=b"<script>alert(1)</script>")
        assert (
            call(
                "owner", "patch", f"/api/courses/{course.pk}/", {"cover": upload}, format="multipart"
            ).status_code
            == 200
        )
        stored = Course.objects.get(pk=course.pk).cover
        assert b"<script>" not in stored.read()

    def test_json_cover_must_be_a_file(self, call, course):  # noqa: F811
        response = call("owner", "patch", f"/api/courses/{course.pk}/", {"cover": "http://x/y.png"})
        assert response.status_code == 400 and "cover" in response.data

    @pytest.mark.parametrize("role", ["student", "other_teacher", "staff"])
    def test_others_cannot_set_a_cover(self, call, course, role):  # noqa: F811
        response = call(role, "patch", f"/api/courses/{course.pk}/", {"cover": png()}, format="multipart")
        assert response.status_code == 403
        assert not Course.objects.get(pk=course.pk).cover


class TestSort:
    @pytest.fixture
    def three(self, owner, make_user):
        """``old`` (2 students, rated 2), ``mid`` (1 student, rated 5), ``new`` (no
        students, no rating), created in that order."""
        courses = {name: Course.objects.create(teacher=owner, title=name) for name in ("old", "mid", "new")}
        first, second = make_user("s1"), make_user("s2")
        for student in (first, second):
            Enrollment.objects.create(student=student, course=courses["old"])
        Enrollment.objects.create(student=first, course=courses["mid"])
        Feedback.objects.create(student=first, course=courses["old"], rating=2)
        Feedback.objects.create(student=first, course=courses["mid"], rating=5)
        return courses

    @pytest.mark.parametrize(
        "query, titles",
        [
            ("", ["new", "mid", "old"]),
            ("sort=newest", ["new", "mid", "old"]),
            ("sort=popular", ["old", "mid", "new"]),
            ("sort=rating", ["mid", "old", "new"]),
            ("sort=rating&ordering=title", ["mid", "new", "old"]),  # ordering wins
        ],
    )
    def test_sorts_like_the_catalog(self, api_client, student, three, query, titles):
        api_client.force_authenticate(student)
        response = api_client.get(f"/api/courses/?teacher={three['old'].teacher_id}&{query}")
        assert [c["title"] for c in response.data["results"]] == titles

    @pytest.mark.parametrize("query", ["sort=best", "sort=", "sort=RATING"])
    def test_bad_sort_is_400(self, api_client, student, query):
        api_client.force_authenticate(student)
        response = api_client.get(f"/api/courses/?{query}")
        assert response.status_code == 400 and "sort" in response.data

    @pytest.mark.parametrize("rows", [3, 30])
    def test_constant_queries(self, api_client, student, owner, rows, django_assert_num_queries):
        for n in range(rows):
            Course.objects.create(teacher=owner, title=f"C{n}")
        api_client.force_authenticate(student)
        with django_assert_num_queries(2):  # count, page
            response = api_client.get("/api/courses/?sort=rating&page_size=100")
        assert response.data["count"] == rows

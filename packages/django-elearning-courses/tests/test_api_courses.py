"""``/api/courses/`` and ``/api/courses/{id}/materials/`` for every role."""

import pytest

from elearning_courses.models import Course, CourseMaterial, Enrollment, Feedback

from .conftest import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

DENIED = (401, 403)


class TestList:
    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 200),
            ("enrolled", 200),
            ("blocked", 200),
            ("other_teacher", 200),
            ("owner", 200),
        ],
    )
    def test_access(self, api_as, course, role, expected):
        response = api_as(role).get("/api/courses/")
        assert response.status_code == expected
        if expected == 200:
            assert response.data["count"] == 1
            row = response.data["results"][0]
            assert set(row) == {
                "id",
                "title",
                "description",
                "teacher",
                "subject",
                "cover",
                "is_published",
                "enrollment_count",
                "average_rating",
                "created_at",
                "updated_at",
            }
            assert row["teacher"] == {"id": course.teacher_id, "username": "owner"}
            assert row["subject"] is None and row["cover"] is None and row["is_published"] is True

    def test_stats(self, api_as, course, enrolled, blocked):
        Feedback.objects.create(student=enrolled, course=course, rating=4)
        Feedback.objects.create(student=blocked, course=course, rating=1)
        row = api_as("student").get("/api/courses/").data["results"][0]
        assert row["enrollment_count"] == 1  # the blocked student lost their enrollment
        assert row["average_rating"] == 2.5

    def test_search_teacher_filter_and_ordering(self, api_as, owner, other_teacher):
        Course.objects.create(teacher=owner, title="Python for beginners")
        Course.objects.create(teacher=other_teacher, title="Statistics", description="Python inside")
        Course.objects.create(teacher=other_teacher, title="Art history")
        client = api_as("student")
        titles = lambda r: [c["title"] for c in r.data["results"]]  # noqa: E731
        assert sorted(titles(client.get("/api/courses/?search=python"))) == [
            "Python for beginners",
            "Statistics",
        ]
        # (the api_as fixture also made "Django basics", by owner)
        assert titles(client.get(f"/api/courses/?teacher={owner.pk}")) == [
            "Python for beginners",
            "Django basics",
        ]
        assert titles(client.get("/api/courses/?ordering=title")) == [
            "Art history",
            "Django basics",
            "Python for beginners",
            "Statistics",
        ]
        assert titles(client.get("/api/courses/?search=other_teacher&ordering=-title")) == [
            "Statistics",
            "Art history",
        ]

    def test_enrolled_filter(self, api_as, course, enrolled, owner):
        Course.objects.create(teacher=owner, title="Other")
        assert api_as("enrolled").get("/api/courses/?enrolled=false").data["count"] == 1
        response = api_as("enrolled").get("/api/courses/?enrolled=true")
        assert [c["id"] for c in response.data["results"]] == [course.pk]

    @pytest.mark.parametrize(
        "query", ["teacher=abc", "ordering=password", "page=999", "page=x", "enrolled=maybe"]
    )
    def test_bad_query_is_never_a_500(self, api_as, course, query):
        assert api_as("student").get(f"/api/courses/?{query}").status_code in (200, 400, 404)

    def test_bad_teacher_filter_is_400(self, api_as, course):
        assert api_as("student").get("/api/courses/?teacher=abc").status_code == 400

    @pytest.mark.parametrize("rows", [1, 50])
    def test_constant_queries(self, api_client, owner, make_user, rows, django_assert_num_queries):
        students = [make_user(f"s{i}") for i in range(3)]
        for i in range(rows):
            course = Course.objects.create(teacher=owner, title=f"Course {i}")
            for s in students:
                Enrollment.objects.create(student=s, course=course)
            Feedback.objects.create(student=students[0], course=course, rating=3)
        client = api_client
        client.force_authenticate(students[1])
        # count + page (the user is force-authenticated: no session query)
        with django_assert_num_queries(2):
            response = client.get("/api/courses/?page_size=100")
        assert response.data["count"] == rows
        assert all(r["enrollment_count"] == 3 for r in response.data["results"])


class TestRetrieve:
    def test_any_authenticated_user_can_read(self, api_as, course):
        assert api_as("blocked").get(f"/api/courses/{course.pk}/").data["title"] == "Django basics"

    @pytest.mark.parametrize("pk", ["999999", "abc", "1.5", "-1"])
    def test_unknown_or_malformed_id_is_404(self, api_as, course, pk):
        assert api_as("student").get(f"/api/courses/{pk}/").status_code == 404


class TestCreate:
    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 403),
            ("blocked", 403),
            ("other_teacher", 201),
            ("owner", 201),
        ],
    )
    def test_only_teachers(self, api_as, users, role, expected):
        response = api_as(role).post("/api/courses/", {"title": "New", "description": "d"}, format="json")
        assert response.status_code == expected, response.data
        if expected == 201:
            assert response.data["teacher"]["id"] == users[role].pk
            assert response.data["enrollment_count"] == 0
            assert response.data["average_rating"] is None
        else:
            assert not Course.objects.filter(title="New").exists()

    def test_teacher_field_is_ignored(self, api_as, owner, other_teacher):
        response = api_as(other_teacher).post(
            "/api/courses/", {"title": "Mine", "teacher": owner.pk}, format="json"
        )
        assert Course.objects.get(pk=response.data["id"]).teacher == other_teacher

    @pytest.mark.parametrize("payload", [{}, {"title": ""}, {"title": "   "}, {"title": "x" * 201}])
    def test_bad_input(self, api_as, owner, payload):
        response = api_as(owner).post("/api/courses/", payload, format="json")
        assert response.status_code == 400
        assert "title" in response.data

    def test_malformed_json(self, api_as, owner):
        response = api_as(owner).post("/api/courses/", "{nope", content_type="application/json")
        assert response.status_code == 400


class TestUpdateDelete:
    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 403),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 200),
        ],
    )
    def test_only_owner_edits(self, api_as, course, role, expected):
        response = api_as(role).patch(f"/api/courses/{course.pk}/", {"title": "Changed"}, format="json")
        assert response.status_code == expected
        course.refresh_from_db()
        assert (course.title == "Changed") == (expected == 200)

    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 403),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 204),
        ],
    )
    def test_only_owner_deletes(self, api_as, course, role, expected):
        assert api_as(role).delete(f"/api/courses/{course.pk}/").status_code == expected
        assert Course.objects.filter(pk=course.pk).exists() == (expected != 204)

    def test_edit_keeps_stats_in_response(self, api_as, course, enrolled):
        response = api_as("owner").patch(f"/api/courses/{course.pk}/", {"description": "New"}, format="json")
        assert response.data["enrollment_count"] == 1


class TestMaterials:
    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 200),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 200),
        ],
    )
    def test_list_access(self, api_as, course, material, role, expected):
        response = api_as(role).get(f"/api/courses/{course.pk}/materials/")
        assert response.status_code == expected
        if expected == 200:
            row = response.data["results"][0]
            assert row["original_name"] == "notes.pdf" and row["size"] == len(PDF_BYTES)
            assert "file" not in row
            assert row["download_url"].startswith("http://testserver/")

    def test_materials_of_unknown_course_404(self, api_as, owner):
        assert api_as(owner).get("/api/courses/424242/materials/").status_code == 404

    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 403),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 201),
        ],
    )
    def test_upload_access(self, api_as, course, role, expected):
        response = api_as(role).post(
            f"/api/courses/{course.pk}/materials/",
            {"title": "Slides", "file": pdf_upload()},
            format="multipart",
        )
        assert response.status_code == expected, response.data
        assert CourseMaterial.objects.filter(title="Slides").exists() == (expected == 201)

    def test_upload_stores_safe_metadata(self, api_as, course):
        response = api_as("owner").post(
            f"/api/courses/{course.pk}/materials/",
            {"file": pdf_upload("../../etc/passwd.pdf", content_type="text/html")},
            format="multipart",
        )
        assert response.status_code == 201, response.data
        material = CourseMaterial.objects.get(pk=response.data["id"])
        assert material.original_name == "passwd.pdf"
        assert material.title == "passwd"
        assert material.content_type == "application/pdf"  # not what the client claimed
        assert ".." not in material.file.name and "passwd" not in material.file.name

    @pytest.mark.parametrize(
        "name, content, code",
        [
            ("evil.exe", b"MZ\x90\x00", "extension"),
            ("page.html", b"<script>alert(1)</script>", "extension"),
            ("fake.pdf", b"<html>not a pdf</html>", "content"),
            ("bin.txt", b"abc\x00def", "content"),
            ("noext", b"%PDF-1.4", "extension"),
            ("empty.pdf", b"", "empty"),
        ],
    )
    def test_bad_files(self, api_as, course, name, content, code):
        response = api_as("owner").post(
            f"/api/courses/{course.pk}/materials/", {"file": pdf_upload(name, content)}, format="multipart"
        )
        assert response.status_code == 400
        assert "file" in response.data
        assert not CourseMaterial.objects.exists()

    def test_oversized_file(self, api_as, course, settings):
        settings.ELEARNING_COURSES = {"MATERIAL_MAX_BYTES": 100}
        response = api_as("owner").post(
            f"/api/courses/{course.pk}/materials/",
            {"file": pdf_upload(content=b"%PDF-" + b"x" * 200)},
            format="multipart",
        )
        assert response.status_code == 400 and "file" in response.data

    def test_missing_file(self, api_as, course):
        response = api_as("owner").post(
            f"/api/courses/{course.pk}/materials/", {"title": "x"}, format="multipart"
        )
        assert response.status_code == 400 and "file" in response.data

    def test_json_upload_refused(self, api_as, course):
        response = api_as("owner").post(f"/api/courses/{course.pk}/materials/", {"title": "x"}, format="json")
        assert response.status_code == 415

    @pytest.mark.parametrize("rows", [1, 30])
    def test_list_constant_queries(self, api_as, course, rows, django_assert_num_queries):
        for i in range(rows):
            CourseMaterial.objects.create(
                course=course,
                title=f"m{i}",
                file=f"x/{i}.pdf",
                original_name="a.pdf",
                size=1,
                content_type="application/pdf",
            )
        client = api_as("owner")
        # course + count + page
        with django_assert_num_queries(3):
            assert client.get(f"/api/courses/{course.pk}/materials/?page_size=100").data["count"] == rows


class TestDownload:
    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 200),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 200),
        ],
    )
    def test_access(self, api_as, course, material, role, expected):
        response = api_as(role).get(f"/api/courses/{course.pk}/materials/{material.pk}/download/")
        assert response.status_code == expected
        if expected == 200:
            assert b"".join(response.streaming_content) == PDF_BYTES
            assert response["Content-Disposition"] == 'attachment; filename="notes.pdf"'
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Type"] == "application/pdf"

    def test_download_url_points_here(self, api_as, course, material):
        row = api_as("owner").get(f"/api/courses/{course.pk}/materials/").data["results"][0]
        assert row["download_url"] == (
            f"http://testserver/api/courses/{course.pk}/materials/{material.pk}/download/"
        )

    def test_material_of_another_course_is_404(self, api_as, course, material, owner):
        other = Course.objects.create(teacher=owner, title="Other")
        assert (
            api_as("owner").get(f"/api/courses/{other.pk}/materials/{material.pk}/download/").status_code
            == 404
        )

    @pytest.mark.parametrize("path", ["999999/materials/1", "abc/materials/1"])
    def test_unknown_ids(self, api_as, material, path):
        assert api_as("owner").get(f"/api/courses/{path}/download/").status_code == 404

    def test_missing_file_is_404(self, api_as, course, material):
        material.file.storage.delete(material.file.name)
        assert (
            api_as("owner").get(f"/api/courses/{course.pk}/materials/{material.pk}/download/").status_code
            == 404
        )

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from .conftest import PASSWORD, image_bytes

pytestmark = pytest.mark.django_db


def register(api_client, **overrides):
    data = {
        "username": "api-new",
        "password": "Correct-horse-42",
        "role": "student",
    }
    data.update(overrides)
    data.setdefault("email", f"{data['username']}@example.com")
    return api_client.post("/api/users/", data, format="json")


class TestRegister:
    def test_creates_user_without_leaking_password(self, api_client):
        response = register(api_client, role="teacher")
        assert response.status_code == 201, response.data
        assert "password" not in response.data
        user = get_user_model().objects.get(username="api-new")
        assert user.role == "teacher" and user.check_password("Correct-horse-42")

    def test_duplicate_username(self, api_client, student):
        response = register(api_client, username="stu")
        assert response.status_code == 400
        assert "username" in response.data

    def test_weak_password(self, api_client):
        response = register(api_client, password="password")
        assert response.status_code == 400
        assert "password" in response.data

    def test_unknown_role(self, api_client):
        assert register(api_client, role="admin").status_code == 400

    def test_staff_flag_is_ignored(self, api_client):
        response = api_client.post(
            "/api/users/",
            {
                "username": "sneaky",
                "password": "Correct-horse-42",
                "email": "s@example.com",
                "is_staff": True,
            },
            format="json",
        )
        assert response.status_code == 201
        assert not get_user_model().objects.get(username="sneaky").is_staff

    def test_teacher_signup_closed(self, api_client, settings):
        settings.ELEARNING_USERS = {"ALLOW_TEACHER_SIGNUP": False}
        response = register(api_client, role="teacher")
        assert response.status_code == 400
        assert "role" in response.data

    def test_malformed_json_is_400(self, api_client):
        response = api_client.post("/api/users/", "{not json", content_type="application/json")
        assert response.status_code == 400

    def test_throttled(self, api_client, settings):
        settings.ELEARNING_USERS = {"AUTH_THROTTLE_RATE": "2/minute"}
        codes = [register(api_client, username=f"u{i}").status_code for i in range(3)]
        assert codes == [201, 201, 429]


class TestListRetrieve:
    def test_anonymous_refused(self, api_client, student):
        assert api_client.get("/api/users/").status_code in (401, 403)
        assert api_client.get(f"/api/users/{student.pk}/").status_code in (401, 403)

    def test_public_fields_only(self, api_client, student, teacher):
        api_client.force_authenticate(student)
        response = api_client.get("/api/users/")
        assert response.status_code == 200
        assert response.data["count"] == 2
        row = response.data["results"][0]
        assert set(row) == {"id", "username", "role", "status", "profile_picture"}

    def test_retrieve_and_404(self, api_client, student, teacher):
        api_client.force_authenticate(student)
        assert api_client.get(f"/api/users/{teacher.pk}/").data["username"] == "tea"
        assert api_client.get("/api/users/999999/").status_code == 404

    def test_list_query_count_is_constant(self, api_client, student, make_user, django_assert_num_queries):
        api_client.force_authenticate(student)
        for i in range(30):
            make_user(f"bulk{i}")
        with django_assert_num_queries(2):  # count + page
            api_client.get("/api/users/")


class TestMe:
    def test_anonymous_refused(self, api_client):
        assert api_client.get("/api/users/me/").status_code in (401, 403)

    def test_read(self, api_client, student):
        api_client.force_authenticate(student)
        data = api_client.get("/api/users/me/").data
        assert data["username"] == "stu" and data["email"] == "stu@example.com"

    def test_update_status(self, api_client, student):
        api_client.force_authenticate(student)
        response = api_client.patch("/api/users/me/", {"status": "busy"}, format="json")
        assert response.status_code == 200
        student.refresh_from_db()
        assert student.status == "busy"

    def test_role_and_staff_escalation_is_ignored(self, api_client, student):
        api_client.force_authenticate(student)
        response = api_client.patch(
            "/api/users/me/",
            {"role": "teacher", "is_staff": True, "id": 999, "username": "root"},
            format="json",
        )
        assert response.status_code == 200
        student.refresh_from_db()
        assert (student.role, student.is_staff, student.username) == ("student", False, "stu")

    def test_picture_upload(self, api_client, student):
        api_client.force_authenticate(student)
        picture = SimpleUploadedFile("p.png", image_bytes(), content_type="image/png")
        response = api_client.patch("/api/users/me/", {"profile_picture": picture}, format="multipart")
        assert response.status_code == 200, response.data
        assert response.data["profile_picture"].startswith("http://testserver/media/elearning_users/avatars/")

    def upload_picture(self, api_client, name, capture):
        picture = SimpleUploadedFile(name, image_bytes(), content_type="image/png")
        with capture(execute=True):
            response = api_client.patch("/api/users/me/", {"profile_picture": picture}, format="multipart")
        assert response.status_code == 200, response.data

    def test_replacing_the_picture_deletes_the_old_file(
        self, api_client, student, django_capture_on_commit_callbacks
    ):
        api_client.force_authenticate(student)
        self.upload_picture(api_client, "one.png", django_capture_on_commit_callbacks)
        student.refresh_from_db()
        first, storage = student.profile_picture.name, student.profile_picture.storage
        self.upload_picture(api_client, "two.png", django_capture_on_commit_callbacks)
        student.refresh_from_db()
        assert student.profile_picture.name != first
        assert storage.exists(student.profile_picture.name)
        assert not storage.exists(first)

    @pytest.mark.parametrize(
        "body, fmt", [({"profile_picture": None}, "json"), ({"profile_picture": ""}, "multipart")]
    )
    def test_null_or_empty_removes_the_picture_and_its_file(
        self, body, fmt, api_client, student, django_capture_on_commit_callbacks
    ):
        api_client.force_authenticate(student)
        self.upload_picture(api_client, "one.png", django_capture_on_commit_callbacks)
        student.refresh_from_db()
        name, storage = student.profile_picture.name, student.profile_picture.storage
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.patch("/api/users/me/", body, format=fmt)
        assert response.status_code == 200, response.data
        assert response.data["profile_picture"] is None
        student.refresh_from_db()
        assert not student.profile_picture
        assert not storage.exists(name)

    def test_other_fields_leave_the_picture_alone(
        self, api_client, student, django_capture_on_commit_callbacks
    ):
        api_client.force_authenticate(student)
        self.upload_picture(api_client, "one.png", django_capture_on_commit_callbacks)
        student.refresh_from_db()
        name = student.profile_picture.name
        with django_capture_on_commit_callbacks(execute=True):
            api_client.patch("/api/users/me/", {"status": "busy"}, format="json")
        student.refresh_from_db()
        assert student.profile_picture.name == name and student.profile_picture.storage.exists(name)

    def test_bad_picture(self, api_client, student):
        api_client.force_authenticate(student)
        bad = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n<html>", content_type="image/png")
        response = api_client.patch("/api/users/me/", {"profile_picture": bad}, format="multipart")
        assert response.status_code == 400
        assert "profile_picture" in response.data

    def test_status_too_long(self, api_client, student):
        api_client.force_authenticate(student)
        response = api_client.patch("/api/users/me/", {"status": "x" * 141}, format="json")
        assert response.status_code == 400


class TestToken:
    def test_token_for_valid_credentials(self, api_client, student):
        response = api_client.post(
            "/api/auth/token/", {"username": "stu", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200
        assert response.data["token"] == Token.objects.get(user=student).key

    def test_token_authenticates(self, api_client, student):
        key = Token.objects.create(user=student).key
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api_client.get("/api/users/me/").data["username"] == "stu"

    def test_bad_credentials(self, api_client, student):
        response = api_client.post("/api/auth/token/", {"username": "stu", "password": "x"}, format="json")
        assert response.status_code == 400

    def test_throttled(self, api_client, student, settings):
        settings.ELEARNING_USERS = {"AUTH_THROTTLE_RATE": "3/minute"}
        codes = [
            api_client.post(
                "/api/auth/token/", {"username": "stu", "password": "x"}, format="json"
            ).status_code
            for _ in range(4)
        ]
        assert codes == [400, 400, 400, 429]

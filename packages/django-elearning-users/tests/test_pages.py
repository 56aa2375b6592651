import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from .conftest import PASSWORD, image_bytes

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "username": "newbie",
        "email": "newbie@example.com",
        "role": "student",
        "password1": "Correct-horse-42",
        "password2": "Correct-horse-42",
    }
    data.update(overrides)
    return data


class TestSignup:
    def test_page_offers_both_roles(self, client):
        response = client.get("/accounts/signup/")
        assert response.status_code == 200
        assert b'value="teacher"' in response.content
        assert b'value="student"' in response.content

    @pytest.mark.parametrize("role", ["student", "teacher"])
    def test_signup_creates_user_and_logs_in(self, client, role):
        response = client.post("/accounts/signup/", signup_data(role=role))
        assert response.status_code == 302
        user = get_user_model().objects.get(username="newbie")
        assert user.role == role
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_teacher_signup_can_be_turned_off(self, client, settings):
        settings.ELEARNING_USERS = {"ALLOW_TEACHER_SIGNUP": False}
        assert b'value="teacher"' not in client.get("/accounts/signup/").content
        response = client.post("/accounts/signup/", signup_data(role="teacher"))
        assert response.status_code == 200
        assert "role" in response.context["form"].errors
        assert not get_user_model().objects.filter(username="newbie").exists()

    def test_duplicate_username(self, client, student):
        response = client.post("/accounts/signup/", signup_data(username="stu"))
        assert response.status_code == 200
        assert "username" in response.context["form"].errors
        assert b"is-invalid" in response.content

    def test_weak_password(self, client):
        response = client.post("/accounts/signup/", signup_data(password1="123", password2="123"))
        assert response.status_code == 200
        assert "password2" in response.context["form"].errors

    def test_invalid_role_value(self, client):
        response = client.post("/accounts/signup/", signup_data(role="admin"))
        assert "role" in response.context["form"].errors

    def test_logged_in_user_is_redirected(self, client, student):
        client.force_login(student)
        assert client.get("/accounts/signup/").status_code == 302


class TestLoginLogout:
    def test_login(self, client, student):
        response = client.post("/accounts/login/", {"username": "stu", "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(student.pk)

    def test_wrong_password(self, client, student):
        response = client.post("/accounts/login/", {"username": "stu", "password": "nope"})
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()

    def test_login_says_why_when_a_page_sent_the_visitor(self, client):
        assert "Log in to see that page." not in client.get("/accounts/login/").content.decode()
        html = client.get("/accounts/login/?next=/accounts/profile/").content.decode()
        assert "Log in to see that page." in html

    def test_logout_is_post_only(self, client, student):
        client.force_login(student)
        assert client.get("/accounts/logout/").status_code == 405
        assert "_auth_user_id" in client.session
        assert client.post("/accounts/logout/").status_code == 302
        assert "_auth_user_id" not in client.session


class TestProfile:
    def test_anonymous_is_sent_to_login(self, client):
        response = client.get("/accounts/profile/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_update_status_and_picture(self, client, student):
        client.force_login(student)
        picture = SimpleUploadedFile("me.png", image_bytes(), content_type="image/png")
        response = client.post(
            "/accounts/profile/",
            {"status": "Learning Django", "email": "stu@example.com", "profile_picture": picture},
        )
        assert response.status_code == 302
        student.refresh_from_db()
        assert student.status == "Learning Django"
        assert student.profile_picture.name.startswith("elearning_users/avatars/")
        assert "me.png" not in student.profile_picture.name

    def test_html_disguised_as_png_shows_error_beside_field(self, client, student):
        client.force_login(student)
        fake = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n<html></html>", content_type="image/png")
        response = client.post("/accounts/profile/", {"status": "x", "profile_picture": fake})
        assert response.status_code == 200
        assert "profile_picture" in response.context["form"].errors
        assert b'id="id_profile_picture_error"' in response.content
        student.refresh_from_db()
        assert not student.profile_picture

    def test_cannot_change_role_through_the_form(self, client, student):
        client.force_login(student)
        client.post("/accounts/profile/", {"status": "x", "role": "teacher"})
        student.refresh_from_db()
        assert student.role == "student"

    def test_password_change(self, client, student):
        client.force_login(student)
        response = client.post(
            "/accounts/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "An0ther-long-pass",
                "new_password2": "An0ther-long-pass",
            },
        )
        assert response.status_code == 302
        student.refresh_from_db()
        assert student.check_password("An0ther-long-pass")

    def test_password_change_wrong_old_password(self, client, student):
        client.force_login(student)
        response = client.post(
            "/accounts/password/",
            {
                "old_password": "wrong",
                "new_password1": "An0ther-long-pass",
                "new_password2": "An0ther-long-pass",
            },
        )
        assert response.status_code == 200
        assert "old_password" in response.context["form"].errors


class TestPublicProfile:
    def test_visible_without_email(self, client, teacher):
        teacher.status = "Hello <b>world</b>"
        teacher.save()
        response = client.get("/users/tea/")
        assert response.status_code == 200
        assert b"tea@example.com" not in response.content
        assert b"Hello &lt;b&gt;world&lt;/b&gt;" in response.content

    def test_unknown_and_inactive_are_404(self, client, make_user):
        make_user("gone", is_active=False)
        assert client.get("/users/nobody/").status_code == 404
        assert client.get("/users/gone/").status_code == 404


def test_admin_lists_users(admin_client, student):
    response = admin_client.get("/admin/elearning_users/user/?role=student")
    assert response.status_code == 200
    assert b"stu" in response.content


def test_replacing_and_removing_the_picture_deletes_old_files(
    client, student, django_capture_on_commit_callbacks
):
    client.force_login(student)
    for name in ("one.png", "two.png"):
        picture = SimpleUploadedFile(name, image_bytes(), content_type="image/png")
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/profile/", {"status": "", "profile_picture": picture})
        student.refresh_from_db()
        if name == "one.png":
            first = student.profile_picture.name
    storage = student.profile_picture.storage
    assert not storage.exists(first)
    second = student.profile_picture.name
    assert storage.exists(second)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/profile/", {"status": "", "remove_picture": "on"})
    assert response.status_code == 302
    student.refresh_from_db()
    assert not student.profile_picture
    assert not storage.exists(second)


def test_the_old_picture_stays_until_the_save_commits(client, student, django_capture_on_commit_callbacks):
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/profile/",
            {"status": "", "profile_picture": SimpleUploadedFile("a.png", image_bytes())},
        )
    student.refresh_from_db()
    old = student.profile_picture.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            "/accounts/profile/",
            {"status": "", "profile_picture": SimpleUploadedFile("b.png", image_bytes())},
        )
    # Not committed yet: a rollback would leave the row naming the old file, so it is kept.
    assert student.profile_picture.storage.exists(old)
    for callback in callbacks:
        callback()
    assert not student.profile_picture.storage.exists(old)

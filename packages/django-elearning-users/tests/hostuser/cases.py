"""The users app against a host-defined user model (``hostuser.Member``).

Not collected by the main run (its user model is ``elearning_users.User``):
``test_host_user_model.py`` runs this file under ``tests.settings_hostuser``.
"""

import io

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction

from elearning_users.checks import check_settings
from elearning_users.models import AbstractElearningUser, Role, User

from ..conftest import PASSWORD, image_bytes
from .models import Member

pytestmark = pytest.mark.django_db


def test_the_host_model_is_the_user_model():
    assert get_user_model() is Member
    assert issubclass(Member, AbstractElearningUser)
    assert User._meta.swapped == "hostuser.Member"
    assert Member.Role is Role


def test_checks_accept_a_subclass():
    assert check_settings(None) == []
    call_command("check", stdout=io.StringIO())


def test_no_missing_migrations():
    call_command(
        "makemigrations", "elearning_users", "hostuser", "--check", "--dry-run", stdout=io.StringIO()
    )


def test_role_constraint_is_named_after_the_host_model(make_user):
    assert [c.name for c in Member._meta.constraints] == [
        "hostuser_member_role_valid",
        "hostuser_member_email_ci_unique",
    ]
    member = make_user("m", "teacher", club="Chess")
    assert member.is_teacher and not member.is_student
    assert member.get_absolute_url() == "/users/m/"
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(role="admin")


def test_signup_creates_a_member_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "role": "teacher",
            "password1": "Correct-horse-42",
            "password2": "Correct-horse-42",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(username="newbie")
    assert member.role == Role.TEACHER
    assert client.session["_auth_user_id"] == str(member.pk)


def test_profile_page_updates_status_and_picture(client, student):
    client.force_login(student)
    picture = SimpleUploadedFile("me.png", image_bytes(), content_type="image/png")
    response = client.post(
        "/accounts/profile/",
        {"status": "Learning Django", "email": "stu@example.com", "profile_picture": picture},
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.status == "Learning Django"
    assert student.avatar_url.startswith("/media/elearning_users/avatars/")
    response = client.get("/users/stu/")
    assert response.status_code == 200
    assert b"Learning Django" in response.content


def test_api_register_me_and_public_profiles(api_client):
    response = api_client.post(
        "/api/users/",
        {"username": "api-new", "password": "Correct-horse-42", "email": "n@example.com", "role": "teacher"},
        format="json",
    )
    assert response.status_code == 201, response.data
    member = Member.objects.get(username="api-new")
    assert member.is_teacher
    api_client.force_authenticate(member)
    picture = SimpleUploadedFile("me.png", image_bytes(), content_type="image/png")
    response = api_client.patch(
        "/api/users/me/", {"status": "busy", "profile_picture": picture}, format="multipart"
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "busy" and response.data["role"] == "teacher"
    response = api_client.get(f"/api/users/{member.pk}/")
    assert response.status_code == 200 and response.data["username"] == "api-new"


def test_login_with_the_host_model(client, student):
    response = client.post("/accounts/login/", {"username": "stu", "password": PASSWORD})
    assert response.status_code == 302


def test_admin_registers_only_the_host_model(admin_client, student):
    assert admin.site.is_registered(Member) and not admin.site.is_registered(User)
    response = admin_client.get("/admin/hostuser/member/?role=student")
    assert response.status_code == 200
    assert b"stu" in response.content
    response = admin_client.get(f"/admin/hostuser/member/{student.pk}/change/")
    assert response.status_code == 200
    assert b'name="club"' in response.content and b'name="role"' in response.content

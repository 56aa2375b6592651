"""Input limits of the users app: every text field bounded (model, form, serializer),
JSON bodies parsed with limits on every endpoint, anonymous and signed in."""

import json

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser

from elearning_users import forms as user_forms
from elearning_users.api import serializers as user_serializers
from elearning_users.api.parsers import MAX_DEPTH, ElearningJSONParser, JSONInputError, json_depth, loads
from elearning_users.limits import PASSWORD_MAX_LENGTH

from .conftest import PASSWORD

DEEP = "[" * 1000 + "]" * 1000
HOSTILE_BODIES = {
    "deep": (DEEP.encode(), "nested more than 32"),
    "deep object": (('{"a":' * 1000 + "1" + "}" * 1000).encode(), "nested more than 32"),
    "nan": (b'{"username": NaN}', "NaN"),
    "infinity": (b'{"username": -Infinity}', "Infinity"),
    "overflowing float": (b'{"username": 1e999}', "out of range"),
    "huge integer": (b'{"username": ' + b"9" * 5000 + b"}", "out of range"),
    "invalid utf-8": (b'{"username": "\xff\xfe"}', "not valid utf-8"),
    "lone surrogate": (b'{"username": "\\ud800"}', "surrogate"),
    "malformed": (b'{"username": ', "Malformed JSON"),
}


def text_fields_without_limit(model):
    return [
        f"{model._meta.label}.{field.name}"
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField) and field.max_length is None
    ]


def test_every_model_text_field_has_max_length():
    models_ = {*apps.get_app_config("elearning_users").get_models(), get_user_model()}
    assert models_
    assert [name for model in models_ for name in text_fields_without_limit(model)] == []


def form_instances(user):
    return [
        user_forms.SignupForm(),
        user_forms.ProfileForm(instance=user),
        user_forms.LoginForm(),
        user_forms.PasswordChangeForm(user),
    ]


@pytest.mark.django_db
def test_every_form_text_field_has_max_length(student):
    unbounded = [
        f"{type(form).__name__}.{name}"
        for form in form_instances(student)
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert unbounded == []


def writable_text_fields(serializer):
    return {
        name: field
        for name, field in serializer.fields.items()
        if isinstance(field, serializers.CharField) and not field.read_only
    }


@pytest.mark.django_db
def test_every_serializer_text_field_has_max_length(student):
    found = {}
    for cls in (
        user_serializers.RegisterSerializer,
        user_serializers.MeSerializer,
        user_serializers.TokenRequestSerializer,
    ):
        for name, field in writable_text_fields(cls(instance=student)).items():
            found[f"{cls.__name__}.{name}"] = field.max_length
    assert found and [name for name, limit in found.items() if limit is None] == []
    assert found["MeSerializer.status"] == 140
    assert found["RegisterSerializer.password"] == PASSWORD_MAX_LENGTH


# --- the parser itself -------------------------------------------------------------------


def test_depth_is_counted_without_recursion_and_ignores_brackets_in_strings():
    assert json_depth("[" * 100_000 + "]" * 100_000) == 100_000
    assert json_depth('{"a": "[[[[{{{{", "b": [1, "\\"]]]["]}') == 2
    assert loads('{"a": "' + "[" * 5000 + '"}') == {"a": "[" * 5000}
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(JSONInputError, match="nested"):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_drf_json_parser_crashes_where_ours_refuses():
    # The finding: DRF's parser lets RecursionError escape (an HTTP 500).
    import io

    with pytest.raises(RecursionError):
        JSONParser().parse(io.BytesIO(("[" * 100_000 + "]" * 100_000).encode()))
    with pytest.raises(Exception) as caught:
        ElearningJSONParser().parse(io.BytesIO(("[" * 100_000 + "]" * 100_000).encode()))
    assert caught.value.status_code == 400


def test_numbers_in_range_still_parse():
    assert loads('{"a": 1.5, "b": -9223372036854775808, "c": 9223372036854775807, "d": 1e308}') == {
        "a": 1.5,
        "b": -(2**63),
        "c": 2**63 - 1,
        "d": 1e308,
    }


# --- every endpoint family, anonymous and authenticated -----------------------------------


def post_raw(client, url, body, method="post"):
    return getattr(client, method)(url, data=body, content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(HOSTILE_BODIES))
@pytest.mark.parametrize("url", ["/api/auth/token/", "/api/users/"])
def test_anonymous_hostile_json_is_a_400(api_client, url, kind):
    body, reason = HOSTILE_BODIES[kind]
    response = post_raw(api_client, url, body)
    assert response.status_code == 400, response.content
    assert reason.lower() in response.json()["detail"].lower()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(HOSTILE_BODIES))
@pytest.mark.parametrize("role", ["student", "teacher"])
def test_authenticated_hostile_json_is_a_400(api_client, request, role, kind):
    body, reason = HOSTILE_BODIES[kind]
    api_client.force_authenticate(request.getfixturevalue(role))
    response = post_raw(api_client, "/api/users/me/", body, method="patch")
    assert response.status_code == 400, response.content
    assert reason.lower() in response.json()["detail"].lower()


@pytest.mark.django_db
def test_body_over_data_upload_max_memory_size_is_a_413(api_client, student, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api_client.force_authenticate(student)
    response = post_raw(api_client, "/api/users/me/", json.dumps({"status": "x" * 2000}), method="patch")
    assert response.status_code == 413
    assert response.json()["detail"]


@pytest.mark.django_db
def test_form_and_multipart_bodies_still_work(api_client):
    form = api_client.post(
        "/api/users/",
        data="username=formuser&email=f%40example.com&password=Sup3r-secret-pass",
        content_type="application/x-www-form-urlencoded",
    )
    assert form.status_code == 201, form.content
    multipart = api_client.post(
        "/api/users/", {"username": "mpuser", "email": "m@example.com", "password": PASSWORD}
    )
    assert multipart.status_code == 201, multipart.content


@pytest.mark.django_db
def test_token_still_issued_for_json_credentials(api_client, student):
    response = api_client.post("/api/auth/token/", {"username": "stu", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=student).key


# --- length limits and JSON types: field errors --------------------------------------------


@pytest.mark.django_db
def test_long_values_are_field_errors_in_the_api(api_client, student):
    api_client.force_authenticate(student)
    response = api_client.patch("/api/users/me/", {"status": "x" * 141}, format="json")
    assert response.status_code == 400
    assert "140" in response.json()["status"][0]
    # Counted as sent: whitespace that DRF would trim does not sneak past the limit.
    response = api_client.patch("/api/users/me/", {"status": "x" * 140 + " "}, format="json")
    assert response.status_code == 400
    assert api_client.patch("/api/users/me/", {"status": "x" * 140}, format="json").status_code == 200


@pytest.mark.django_db
def test_long_password_and_username_are_field_errors(api_client, student):
    long_password = "a" * (PASSWORD_MAX_LENGTH + 1)
    response = api_client.post(
        "/api/users/", {"username": "x", "email": "x@example.com", "password": long_password}, format="json"
    )
    assert response.status_code == 400 and "password" in response.json()
    response = api_client.post("/api/auth/token/", {"username": "u" * 151, "password": "p"}, format="json")
    assert response.status_code == 400 and "username" in response.json()
    response = api_client.post(
        "/api/auth/token/", {"username": "stu", "password": long_password}, format="json"
    )
    assert response.status_code == 400 and "password" in response.json()


@pytest.mark.django_db
def test_json_values_of_the_wrong_type_are_field_errors(api_client, student):
    api_client.force_authenticate(student)
    response = api_client.patch("/api/users/me/", {"status": 12, "first_name": ["a"]}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "first_name"}
    student.refresh_from_db()
    assert student.status == ""
    response = api_client.post("/api/auth/token/", {"username": 5, "password": True}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"username", "password"}


@pytest.mark.django_db
def test_form_values_are_text_and_stay_accepted(api_client, student):
    api_client.force_authenticate(student)
    response = api_client.patch("/api/users/me/", {"status": "12"})  # multipart
    assert response.status_code == 200 and response.json()["status"] == "12"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["page=abc", "page=", "page=0", "page_size=-1", "page_size=x"])
def test_bad_page_parameters_are_a_400(api_client, student, query):
    api_client.force_authenticate(student)
    response = api_client.get(f"/api/users/?{query}")
    assert response.status_code == 400
    assert set(response.json()) <= {"page", "page_size"}


@pytest.mark.django_db
def test_page_past_the_end_is_a_404(api_client, student):
    api_client.force_authenticate(student)
    assert api_client.get("/api/users/?page=2").status_code == 404
    assert api_client.get("/api/users/?page=1&page_size=5").status_code == 200


# --- pages: the error beside the field ------------------------------------------------------


@pytest.mark.django_db
def test_signup_page_shows_the_password_limit_beside_the_field(client):
    long_password = "a" * (PASSWORD_MAX_LENGTH + 1)
    response = client.post(
        "/accounts/signup/",
        {
            "username": "longpw",
            "email": "l@example.com",
            "role": "student",
            "password1": long_password,
            "password2": long_password,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "password1" in form.errors and str(PASSWORD_MAX_LENGTH) in form.errors["password1"][0]
    assert f'maxlength="{PASSWORD_MAX_LENGTH}"' in response.content.decode()
    assert not get_user_model().objects.filter(username="longpw").exists()


@pytest.mark.django_db
def test_login_page_refuses_an_overlong_password_as_a_field_error(client, student):
    response = client.post(
        "/accounts/login/", {"username": "stu", "password": "a" * (PASSWORD_MAX_LENGTH + 1)}
    )
    assert response.status_code == 200
    assert "password" in response.context["form"].errors


@pytest.mark.django_db
def test_profile_page_status_limit_beside_the_field(client, student):
    client.force_login(student)
    response = client.post("/accounts/profile/", {"email": student.email, "status": "s" * 141})
    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    assert 'maxlength="140"' in response.content.decode()

"""Input limits of the courses app: every text field bounded (model, form, serializer);
the course description (finding: 1 MB accepted) limited to 10,000 characters on pages
and in the API; hostile JSON a 400 on every course endpoint for every role."""

import pytest
from django import forms
from django.apps import apps
from django.db import models
from rest_framework import serializers

from elearning_courses import forms as course_forms
from elearning_courses.api import serializers as course_serializers
from elearning_courses.models import DESCRIPTION_MAX_LENGTH, Course, Feedback, Notification

from .conftest import ROLES

HOSTILE = {
    "deep": ("[" * 1000 + "]" * 1000).encode(),
    "nan": b'{"title": NaN}',
    "overflowing float": b'{"rating": 1e999}',
    "huge integer": b'{"course": ' + b"9" * 5000 + b"}",
    "invalid utf-8": b'{"title": "\xff"}',
    "malformed": b'{"title": "x"',
}
# (method, url) of every course endpoint family that takes a body; {id} is the course.
WRITES = [
    ("post", "/api/courses/"),
    ("patch", "/api/courses/{id}/"),
    ("post", "/api/enrollments/"),
    ("post", "/api/feedback/"),
    ("post", "/api/blocks/"),
    ("post", "/api/notifications/read-all/"),
]


def test_every_model_text_field_has_max_length():
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_app_config("elearning_courses").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField) and field.max_length is None
    ]
    assert unbounded == []
    assert Course._meta.get_field("description").max_length == DESCRIPTION_MAX_LENGTH == 10_000


def test_every_form_text_field_has_max_length():
    unbounded = [
        f"{form.__name__}.{name}"
        for form in (
            course_forms.CourseSearchForm,
            course_forms.CourseForm,
            course_forms.MaterialForm,
            course_forms.FeedbackForm,
            course_forms.BlockForm,
        )
        for name, field in form().fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert unbounded == []
    assert course_forms.CourseForm().fields["description"].max_length == DESCRIPTION_MAX_LENGTH


def test_every_serializer_text_field_has_max_length_agreeing_with_the_model():
    pairs = {
        course_serializers.CourseSerializer: Course,
        course_serializers.FeedbackSerializer: Feedback,
        course_serializers.MaterialSerializer: None,
        course_serializers.BlockSerializer: None,
        course_serializers.EnrollmentSerializer: None,
        course_serializers.NotificationSerializer: Notification,
    }
    for cls, model in pairs.items():
        for name, field in cls().fields.items():
            if not isinstance(field, serializers.CharField) or field.read_only:
                continue
            assert field.max_length is not None, f"{cls.__name__}.{name}"
            if model is not None:
                assert field.max_length == model._meta.get_field(name).max_length


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("method,url", WRITES)
def test_hostile_json_is_never_a_500(api_as, course, role, method, url, kind):
    response = getattr(api_as(role), method)(
        url.format(id=course.pk), data=HOSTILE[kind], content_type="application/json"
    )
    if role == "anonymous":
        assert response.status_code in (401, 403)  # refused before the body is read
    elif url.endswith("read-all/"):
        assert response.status_code == 200  # takes no body: never reads it
    else:
        assert response.status_code in (400, 403, 404), response.content
        if response.status_code == 400:
            assert response.json()["detail"]


@pytest.mark.django_db
def test_teacher_gets_a_400_with_detail_for_deep_json(api_as, course):
    response = api_as("owner").post("/api/courses/", data=HOSTILE["deep"], content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 32" in response.json()["detail"]


@pytest.mark.django_db
def test_description_limit_in_the_api(api_as, course):
    api = api_as("owner")
    response = api.post(
        "/api/courses/", {"title": "Big", "description": "d" * (DESCRIPTION_MAX_LENGTH + 1)}, format="json"
    )
    assert response.status_code == 400
    assert "10000" in response.json()["description"][0]
    assert not Course.objects.filter(title="Big").exists()
    response = api.patch(f"/api/courses/{course.pk}/", {"description": "d" * 1_000_000}, format="json")
    assert response.status_code == 400 and "description" in response.json()
    ok = api.post(
        "/api/courses/", {"title": "Big", "description": "d" * DESCRIPTION_MAX_LENGTH}, format="json"
    )
    assert ok.status_code == 201


@pytest.mark.django_db
def test_other_text_limits_in_the_api(api_as, course, enrolled):
    response = api_as("enrolled").post(
        "/api/feedback/", {"course": course.pk, "rating": 5, "comment": "c" * 2001}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()
    response = api_as("owner").post(
        "/api/blocks/", {"course": course.pk, "student": enrolled.pk, "reason": "r" * 501}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    response = api_as("owner").post("/api/courses/", {"title": "t" * 201}, format="json")
    assert response.status_code == 400 and "title" in response.json()


@pytest.mark.django_db
def test_json_values_of_the_wrong_type_are_field_errors(api_as, course):
    response = api_as("owner").post("/api/courses/", {"title": 12, "description": None}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"title", "description"}
    response = api_as("student").post("/api/enrollments/", {"course": str(course.pk)}, format="json")
    assert response.status_code == 400 and "course" in response.json()
    response = api_as("student").post("/api/enrollments/", {"course": True}, format="json")
    assert response.status_code == 400 and "course" in response.json()
    # Form bodies carry text: "5" is the rating 5 there.
    form = api_as("student").post("/api/enrollments/", {"course": str(course.pk)})
    assert form.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/notifications/?is_read=maybe",
        "/api/notifications/?is_read=",
        "/api/feedback/?course=",
        "/api/courses/?enrolled=perhaps",
        "/api/courses/?page=x",
        "/api/courses/?page_size=0",
    ],
)
def test_query_values_the_schema_refuses_are_a_400(api_as, course, url):
    response = api_as("student").get(url)
    assert response.status_code == 400
    assert response.json()


@pytest.mark.django_db
def test_valid_query_values_still_filter(api_as, course):
    assert api_as("student").get("/api/notifications/?is_read=false").status_code == 200
    assert api_as("student").get("/api/courses/?enrolled=true&page=1&page_size=5").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "search, field_error",
    [
        (
            " ".join(f"t{i}" for i in range(300)),
            "at most 100 characters",
        ),  # 300 terms: SQLite refused the query
        (" ".join("ab" for _ in range(11)), "at most 10 words"),
        ("x" * 101, "at most 100 characters"),
    ],
)
def test_search_is_bounded(api_as, course, search, field_error):
    response = api_as("student").get("/api/courses/", {"search": search})
    assert response.status_code == 400
    assert field_error in response.json()["search"][0]
    words = " ".join(course.title.split()[:1] * 10)  # ten terms, each matching: still a search
    found = api_as("student").get("/api/courses/", {"search": words})
    assert found.status_code == 200 and found.json()["count"] >= 1


@pytest.mark.django_db
def test_course_form_page_shows_the_description_limit_beside_the_field(client_as, owner):
    client = client_as("owner")
    response = client.post(
        "/courses/new/", {"title": "Huge", "description": "d" * (DESCRIPTION_MAX_LENGTH + 1)}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["description"]
    html = response.content.decode()
    assert f'maxlength="{DESCRIPTION_MAX_LENGTH}"' in html
    assert "at most 10000 characters" in html
    assert not Course.objects.filter(title="Huge").exists()


def test_roles_cover_every_fixture():
    assert set(ROLES) >= {"anonymous", "student", "enrolled", "blocked", "other_teacher", "owner"}

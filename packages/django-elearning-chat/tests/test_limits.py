"""Input limits of the chat app: every model text field bounded, the message body limit
agreeing between model, setting (system check E011) and API, and the API's JSON parsing
and page parameters refusing hostile input with a 400."""

import io

import pytest
from django.apps import apps
from django.db import models
from django.test import override_settings
from rest_framework.exceptions import ParseError

from elearning_chat import checks
from elearning_chat.api.parsers import ElearningJSONParser, JSONInputError, loads
from elearning_chat.api.serializers import MessageSerializer
from elearning_chat.api.views import ChatAPIView, MemberListView, MessageListView, RoomListView
from elearning_chat.models import MESSAGE_BODY_MAX_LENGTH, Message


def test_every_model_text_field_has_max_length():
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_app_config("elearning_chat").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField) and field.max_length is None
    ]
    assert unbounded == []


def test_body_limit_agrees_between_model_and_api():
    assert Message._meta.get_field("body").max_length == MESSAGE_BODY_MAX_LENGTH
    assert MessageSerializer().fields["body"].max_length == MESSAGE_BODY_MAX_LENGTH


def check_ids(chat):
    with override_settings(ELEARNING_CHAT=chat):
        return [e.id for e in checks.check_settings(None)]


def test_max_message_length_above_the_column_is_a_system_error():
    assert "elearning_chat.E011" in check_ids({"MAX_MESSAGE_LENGTH": MESSAGE_BODY_MAX_LENGTH + 1})
    assert "elearning_chat.E011" not in check_ids({"MAX_MESSAGE_LENGTH": MESSAGE_BODY_MAX_LENGTH})
    assert "elearning_chat.E011" not in check_ids({})


def test_every_chat_api_view_parses_json_with_limits():
    for view in (ChatAPIView, RoomListView, MessageListView, MemberListView):
        assert view.parser_classes[0] is ElearningJSONParser


@pytest.mark.parametrize(
    "body,reason",
    [
        (b"[" * 5000 + b"]" * 5000, "nested"),
        (b"NaN", "NaN"),
        (b"1e400", "out of range"),
        (b"\xff", "not valid utf-8"),
        (b'"\\udc00"', "surrogate"),
        (b"{", "Malformed"),
    ],
)
def test_parser_refuses_with_a_clear_detail(body, reason):
    with pytest.raises(ParseError) as caught:
        ElearningJSONParser().parse(io.BytesIO(body))
    assert reason.lower() in str(caught.value.detail).lower()


def test_loads_keeps_brackets_inside_strings_out_of_the_depth():
    assert loads('{"body": "' + "[{" * 1000 + '"}') == {"body": "[{" * 1000}
    with pytest.raises(JSONInputError):
        loads("{" * 40)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["x", "", "0", "-1"])
def test_members_page_that_is_not_a_positive_integer_is_a_400(client, make_user, page):
    client.force_login(make_user("ann"))
    response = client.get(f"/api/chat/rooms/lobby/members/?page={page}")
    assert response.status_code == 400
    assert "page" in response.json()


@pytest.mark.django_db
def test_hostile_json_to_the_read_only_api_is_refused_not_parsed(client, make_user):
    client.force_login(make_user("ann"))
    response = client.post(
        "/api/chat/rooms/lobby/messages/", data=b"[" * 100_000, content_type="application/json"
    )
    assert response.status_code in (403, 405)  # CSRF or method: the body is never parsed

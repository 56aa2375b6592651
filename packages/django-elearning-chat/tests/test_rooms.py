"""``elearning_chat.rooms``: the one list of offered rooms and the one WebSocket path."""

import pytest
from django.test import override_settings

from elearning_chat import rooms
from elearning_chat.policies import DefaultRoomPolicy
from elearning_chat.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db

ODD = {"ROOM_POLICY": "tests.test_rooms.OddListPolicy"}


class OddListPolicy(DefaultRoomPolicy):
    """Lists good rooms among everything a careless policy might return."""

    def visible_rooms(self, user):
        return [
            ("team", "Team"),
            ("x" * 65, "too long"),
            ("bad slug!", "space"),
            ("tail\n", "newline"),
            (7, "not a string"),
            ("lobby", "a second lobby"),
            ("team", "a second team"),
            ("y" * 64, "Longest"),
        ]


@override_settings(ELEARNING_CHAT=ODD)
def test_listed_rooms_keep_valid_slugs_once(make_user):
    ann = make_user("ann")
    assert rooms.listed_rooms(ann) == [("lobby", "Lobby"), ("team", "Team"), ("y" * 64, "Longest")]


@override_settings(ELEARNING_CHAT=ODD)
def test_page_and_api_list_the_same_rooms(client, make_user):
    client.force_login(make_user("ann"))
    page = [(r["slug"], r["title"]) for r in client.get("/chat/").context["rooms"]]
    api = [(r["slug"], r["title"]) for r in client.get("/api/chat/rooms/").json()["results"]]
    assert page == api == [("lobby", "Lobby"), ("team", "Team"), ("y" * 64, "Longest")]


@pytest.mark.parametrize("value", ["lobby", "a", "A-b_9", "z" * 64])
def test_room_slugs(value):
    assert rooms.is_room_slug(value)


@pytest.mark.parametrize("value", ["", "z" * 65, "a.b", "a b", "lobby\n", "été", None, 7])
def test_not_room_slugs(value):
    assert not rooms.is_room_slug(value)


def test_websocket_path_is_what_routing_serves():
    path = rooms.websocket_path("study_group-2")
    assert path == "/ws/chat/study_group-2/"
    (route,) = websocket_urlpatterns
    # URLRouter matches the path without its leading slash.
    match = route.pattern.match(path[1:])
    assert match and match[2] == {"room": "study_group-2"}


@pytest.mark.parametrize(
    "path",
    ["ws/chat/" + "x" * 65 + "/", "ws/chat/a.b/", "ws/chat/lobby", "ws/chat/lobby/extra/", "ws/chat//"],
)
def test_bad_room_paths_are_not_routed(path):
    (route,) = websocket_urlpatterns
    assert route.pattern.match(path) is None

"""GET /api/chat/rooms/, /api/chat/rooms/<slug>/messages/ and .../members/."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from elearning_chat import services
from elearning_chat.models import Connection, Message, Room

from .policies import RevocablePolicy

pytestmark = pytest.mark.django_db

REVOCABLE = {"ROOM_POLICY": "tests.policies.RevocablePolicy"}


@pytest.fixture(autouse=True)
def _reset_policy():
    RevocablePolicy.banned = set()
    yield


@pytest.fixture
def ann(make_user):
    return make_user("ann")


@pytest.fixture
def logged_in(client, ann):
    client.force_login(ann)
    return client


def add(user, count, room="lobby"):
    room_obj = services.get_or_create_room(room)
    Message.objects.bulk_create(Message(room=room_obj, author=user, body=f"m{i}") for i in range(count))
    return list(Message.objects.filter(room=room_obj).order_by("id").values_list("id", flat=True))


class TestRooms:
    def test_anonymous_refused(self, client):
        assert client.get("/api/chat/rooms/").status_code == 403

    def test_default_policy_lists_the_lobby(self, logged_in):
        data = logged_in.get("/api/chat/rooms/").json()
        assert data["count"] == 1
        (lobby,) = data["results"]
        assert lobby["slug"] == "lobby" and lobby["title"] == "Lobby"
        assert lobby["messages_url"].endswith("/api/chat/rooms/lobby/messages/")
        assert lobby["websocket_path"] == "/ws/chat/lobby/"

    @override_settings(ELEARNING_CHAT=REVOCABLE)
    def test_policy_rooms_deduplicated_and_invalid_slugs_dropped(self, logged_in):
        Room.objects.create(slug="team-ann", title="Stored title")
        slugs = [(r["slug"], r["title"]) for r in logged_in.get("/api/chat/rooms/").json()["results"]]
        assert slugs == [("lobby", "Lobby"), ("team-ann", "Stored title")]

    @override_settings(ELEARNING_CHAT=REVOCABLE)
    def test_banned_user_sees_no_lobby(self, logged_in):
        RevocablePolicy.banned = {"ann"}
        slugs = [r["slug"] for r in logged_in.get("/api/chat/rooms/").json()["results"]]
        assert slugs == ["team-ann"]

    def test_query_count(self, logged_in, django_assert_num_queries):
        logged_in.get("/api/chat/rooms/")
        # session + user + stored room titles
        with django_assert_num_queries(3):
            assert logged_in.get("/api/chat/rooms/").status_code == 200


class TestMessages:
    def test_anonymous_refused(self, client):
        assert client.get("/api/chat/rooms/lobby/messages/").status_code == 403

    @override_settings(ELEARNING_CHAT=REVOCABLE)
    def test_refused_by_policy(self, logged_in, ann):
        add(ann, 2, room="closed-x")
        response = logged_in.get("/api/chat/rooms/closed-x/messages/")
        assert response.status_code == 403
        assert "m0" not in response.content.decode()

    def test_room_slug_too_long(self, logged_in):
        assert logged_in.get(f"/api/chat/rooms/{'x' * 65}/messages/").status_code == 404

    def test_unknown_room_is_empty(self, logged_in):
        data = logged_in.get("/api/chat/rooms/nowhere/messages/").json()
        assert data == {"count": 0, "next": None, "previous": None, "results": []}
        assert not Room.objects.filter(slug="nowhere").exists()

    def test_newest_page_first_then_older_pages(self, logged_in, ann):
        ids = add(ann, 120)
        Message.objects.filter(pk=ids[-1]).update(deleted=True)
        first = logged_in.get("/api/chat/rooms/lobby/messages/").json()
        assert first["count"] == 119
        assert [m["id"] for m in first["results"]] == ids[-2:-52:-1]
        assert first["previous"] is None
        assert f"before={ids[-51]}" in first["next"]
        second = logged_in.get(first["next"]).json()
        assert [m["id"] for m in second["results"]] == ids[-52:-102:-1]
        assert f"after={ids[-52]}" in second["previous"]
        third = logged_in.get(second["next"]).json()
        assert [m["id"] for m in third["results"]] == ids[18::-1]
        assert third["next"] is None
        message = third["results"][0]
        assert set(message) == {"type", "id", "room", "author", "body", "created_at"}
        assert message["author"] == {"id": ann.pk, "username": "ann", "avatar_url": ""}

    def test_before(self, logged_in, ann):
        ids = add(ann, 5)
        data = logged_in.get(f"/api/chat/rooms/lobby/messages/?before={ids[3]}").json()
        assert [m["body"] for m in data["results"]] == ["m2", "m1", "m0"]
        assert data["next"] is None and f"after={ids[2]}" in data["previous"]

    def test_after_is_oldest_first(self, logged_in, ann):
        ids = add(ann, 5)
        data = logged_in.get(f"/api/chat/rooms/lobby/messages/?after={ids[1]}").json()
        assert [m["body"] for m in data["results"]] == ["m2", "m3", "m4"]
        assert data["next"] is None

    @override_settings(ELEARNING_CHAT={"API_PAGE_SIZE": 2})
    def test_after_pages_forward(self, logged_in, ann):
        ids = add(ann, 5)
        data = logged_in.get("/api/chat/rooms/lobby/messages/?after=0").json()
        assert [m["body"] for m in data["results"]] == ["m0", "m1"]
        assert f"after={ids[1]}" in data["next"]

    @pytest.mark.parametrize(
        "query", ["before=abc", "before=0", "before=-3", "after=x", "after=-1", "before=1.5"]
    )
    def test_bad_bounds_are_400(self, logged_in, query):
        response = logged_in.get(f"/api/chat/rooms/lobby/messages/?{query}")
        assert response.status_code == 400
        assert set(response.json()) <= {"before", "after"}

    def test_other_rooms_not_mixed_in(self, logged_in, ann):
        add(ann, 3, room="other")
        assert logged_in.get("/api/chat/rooms/lobby/messages/").json()["count"] == 0

    @pytest.mark.parametrize("rows", [1, 60])
    def test_query_count_does_not_grow(self, logged_in, make_user, ann, rows, django_assert_num_queries):
        others = [make_user(f"u{i}") for i in range(3)]
        room = services.get_or_create_room("lobby")
        Message.objects.bulk_create(
            Message(room=room, author=others[i % 3], body=str(i)) for i in range(rows)
        )
        logged_in.get("/api/chat/rooms/lobby/messages/")
        # session + user + page (authors joined) + count when there is a next page
        with django_assert_num_queries(4 if rows > 50 else 3):
            assert logged_in.get("/api/chat/rooms/lobby/messages/").status_code == 200


class TestMembers:
    def connect(self, user, room="lobby", n=0):
        services.add_connection(user, room, "server-a", f"{user.pk}-{room}-{n}")

    def test_anonymous_refused(self, client):
        assert client.get("/api/chat/rooms/lobby/members/").status_code == 403

    @override_settings(ELEARNING_CHAT=REVOCABLE)
    def test_refused_by_policy(self, logged_in, ann):
        self.connect(ann, "closed-x")
        response = logged_in.get("/api/chat/rooms/closed-x/members/")
        assert response.status_code == 403
        assert "ann" not in response.content.decode()

    def test_room_slug_too_long(self, logged_in):
        assert logged_in.get(f"/api/chat/rooms/{'x' * 65}/members/").status_code == 404

    @override_settings(ELEARNING_CHAT={"MEMBERS_PAGE_SIZE": 2})
    def test_everyone_present_by_username_in_pages(self, logged_in, ann, make_user):
        people = [ann] + [make_user(name) for name in ("Dora", "bob", "cid", "eve")]
        for person in people:
            self.connect(person)
        self.connect(ann, n=1)  # a second tab is listed once
        self.connect(people[-1], room="other")  # other rooms are not mixed in
        first = logged_in.get("/api/chat/rooms/lobby/members/").json()
        assert first["count"] == 5 and first["previous"] is None
        assert [u["username"] for u in first["results"]] == ["ann", "bob"]
        assert first["results"][0] == {"id": ann.pk, "username": "ann", "avatar_url": ""}
        second = logged_in.get(first["next"]).json()
        assert [u["username"] for u in second["results"]] == ["cid", "Dora"]
        third = logged_in.get(second["next"]).json()
        assert [u["username"] for u in third["results"]] == ["eve"] and third["next"] is None
        assert logged_in.get("/api/chat/rooms/lobby/members/?page=9").status_code == 404

    def test_stale_connections_are_not_members(self, logged_in, ann, make_user):
        ghost = make_user("ghost")
        self.connect(ann)
        self.connect(ghost)
        old = timezone.now() - datetime.timedelta(minutes=5)
        Connection.objects.filter(user=ghost).update(seen_at=old)
        data = logged_in.get("/api/chat/rooms/lobby/members/").json()
        assert [u["username"] for u in data["results"]] == ["ann"]

    def test_query_count(self, logged_in, ann, make_user, django_assert_num_queries):
        for i in range(30):
            self.connect(make_user(f"u{i}"))
        logged_in.get("/api/chat/rooms/lobby/members/")
        # session + user + count + page
        with django_assert_num_queries(4):
            assert logged_in.get("/api/chat/rooms/lobby/members/").status_code == 200

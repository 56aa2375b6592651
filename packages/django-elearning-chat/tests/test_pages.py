"""The chat pages (room list, room) and the static JS client they load."""

import datetime
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import include, path
from django.utils import timezone

import elearning_chat
from elearning_chat.models import Connection, Message, Room
from elearning_chat.policies import DefaultRoomPolicy

pytestmark = pytest.mark.django_db

STATIC = Path(elearning_chat.__file__).parent / "static" / "elearning_chat"


class ClassroomPolicy(DefaultRoomPolicy):
    """Rooms ``class-<username>`` belong to one user; everything else is open."""

    def can_join(self, user, room_slug):
        if room_slug.startswith("class-"):
            return user.is_authenticated and room_slug == f"class-{user.get_username()}"
        return super().can_join(user, room_slug)

    def can_moderate(self, user, room_slug):
        return room_slug == f"class-{user.get_username()}"

    def get_room_title(self, room_slug):
        if room_slug.startswith("class-"):
            return f"Class of {room_slug[6:]}"
        return super().get_room_title(room_slug)

    def get_denial_reason(self, user, room_slug):
        return f"Only {room_slug[6:]} <b>may</b> come in."

    def visible_rooms(self, user):
        # An invalid slug and a duplicate lobby are dropped by the page.
        return [
            (f"class-{user.get_username()}", f"Class of {user.get_username()}"),
            ("lobby", "x"),
            ("bad slug!", "x"),
        ]


CLASSROOM = {"ROOM_POLICY": "tests.test_pages.ClassroomPolicy"}


class NoEntryPolicy:
    """A policy written without BaseRoomPolicy (and so without get_denial_reason)."""

    def can_join(self, user, room_slug):
        return False

    def can_moderate(self, user, room_slug):
        return False

    def get_room_title(self, room_slug):
        return room_slug

    def visible_rooms(self, user):
        return []


# A URL conf with the pages but not the API (used by one test through ROOT_URLCONF).
urlpatterns = [path("chat/", include("elearning_chat.urls"))]


@pytest.fixture
def ann(make_user):
    return make_user("ann")


@pytest.fixture
def staff(make_user):
    return make_user("root", is_staff=True)


def config_of(response):
    match = re.search(rb'data-chat-room="([^"]*)"', response.content)
    assert match, "room page without the client's configuration"
    import html

    return json.loads(html.unescape(match.group(1).decode()))


class TestAnonymous:
    @pytest.mark.parametrize("path", ["/chat/", "/chat/lobby/"])
    def test_sent_to_login(self, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert "login" in response["Location"]
        assert parse_qs(urlsplit(response["Location"]).query)["next"] == [path]


class TestRoomList:
    def test_lobby_only_by_default(self, client, ann):
        client.force_login(ann)
        response = client.get("/chat/")
        assert response.status_code == 200
        assert [r["slug"] for r in response.context["rooms"]] == ["lobby"]
        assert b'href="/chat/lobby/"' in response.content
        assert b"Lobby" in response.content
        assert b"No messages yet" in response.content  # empty state
        assert b"Other rooms appear here" in response.content
        assert b"ourse" not in response.content  # the chat knows nothing of courses

    def test_policy_rooms_are_listed(self, client, ann, settings):
        settings.ELEARNING_CHAT = CLASSROOM
        client.force_login(ann)
        response = client.get("/chat/")
        rooms = response.context["rooms"]
        assert [(r["slug"], r["title"]) for r in rooms] == [("lobby", "Lobby"), ("class-ann", "Class of ann")]
        assert b'href="/chat/class-ann/"' in response.content
        assert b"Other rooms appear here" not in response.content

    def test_latest_message_and_online_count(self, client, ann, make_user):
        bob = make_user("bob")
        lobby = Room.objects.create(slug="lobby", title="Lobby")
        Message.objects.create(room=lobby, author=bob, body="first")
        Message.objects.create(room=lobby, author=bob, body="<b>latest</b>")
        Message.objects.create(room=lobby, author=ann, body="gone", deleted=True)
        now = timezone.now()
        Connection.objects.create(room_slug="lobby", user=bob, server_id="a", channel_name="c1", seen_at=now)
        Connection.objects.create(room_slug="lobby", user=bob, server_id="b", channel_name="c2", seen_at=now)
        Connection.objects.create(
            room_slug="lobby",
            user=ann,
            server_id="dead",
            channel_name="c3",
            seen_at=now - datetime.timedelta(hours=1),
        )
        client.force_login(ann)
        response = client.get("/chat/")
        (room,) = response.context["rooms"]
        assert room["last_body"] == "<b>latest</b>"  # deleted messages never show
        assert room["last_author"] == "bob"
        assert room["online"] == 1  # bob twice counts once; the dead process's row not at all
        assert b"&lt;b&gt;latest&lt;/b&gt;" in response.content
        assert b"<b>latest</b>" not in response.content
        assert b"1 online" in response.content

    def test_query_count_does_not_grow_with_rooms(self, client, ann, settings, django_assert_num_queries):
        settings.ELEARNING_CHAT = CLASSROOM
        client.force_login(ann)
        # session + user, rooms with their latest message, online counts
        with django_assert_num_queries(4):
            client.get("/chat/")
        for slug in ("lobby", "class-ann"):
            room = Room.objects.create(slug=slug, title=slug)
            for i in range(5):
                Message.objects.create(room=room, author=ann, body=f"m{i}")
        with django_assert_num_queries(4):
            response = client.get("/chat/")
        assert [r["last_body"] for r in response.context["rooms"]] == ["m4", "m4"]


class TestRoomPage:
    def test_renders_the_client(self, client, ann):
        client.force_login(ann)
        response = client.get("/chat/lobby/")
        assert response.status_code == 200
        content = response.content.decode()
        assert "elearning_chat/chat.js" in content
        assert "elearning_chat/chat.css" in content
        # A list that is a live region (a role="log" would hide that its items are a list).
        assert '<ol class="chat-messages" data-chat-messages aria-live="polite"' in content
        assert '<label for="chat-input"' in content
        assert 'role="status"' in content
        config = config_of(response)
        assert config["wsPath"] == "/ws/chat/lobby/"
        assert config["apiUrl"] == "/api/chat/rooms/lobby/messages/"
        assert config["user"] == {"id": ann.pk, "username": "ann"}
        assert config["canModerate"] is False
        assert config["maxLength"] == 2000
        assert config["historyLimit"] == 50
        assert 4403 in config["closeCodes"]
        assert config["strings"]["connected"] == "Connected"
        assert "You moderate this room" not in content
        # Viewing a page does not create the room: the socket does, on join.
        assert not Room.objects.exists()

    def test_staff_moderate_by_default(self, client, staff):
        client.force_login(staff)
        response = client.get("/chat/lobby/")
        assert config_of(response)["canModerate"] is True
        assert b"You moderate this room" in response.content

    def test_settings_reach_the_client(self, client, ann, settings):
        settings.ELEARNING_CHAT = {
            "MAX_MESSAGE_LENGTH": 140,
            "HISTORY_LENGTH": 20,
            "REMOVED_CLOSE_CODE": 4321,
        }
        client.force_login(ann)
        config = config_of(client.get("/chat/lobby/"))
        assert (config["maxLength"], config["historyLimit"]) == (140, 20)
        assert 4321 in config["closeCodes"]

    def test_title_from_stored_room_else_policy(self, client, ann):
        client.force_login(ann)
        assert client.get("/chat/study-group/").context["room_title"] == "Study group"
        Room.objects.create(slug="study-group", title="Our <study> group")
        response = client.get("/chat/study-group/")
        assert response.context["room_title"] == "Our <study> group"
        assert b"Our &lt;study&gt; group" in response.content

    def test_user_data_is_escaped_in_the_config(self, client, make_user):
        user = make_user('x"><script>alert(1)</script>')
        client.force_login(user)
        response = client.get("/chat/lobby/")
        assert b"<script>alert(1)" not in response.content
        assert config_of(response)["user"]["username"] == 'x"><script>alert(1)</script>'

    def test_refused_by_policy_is_a_403_page(self, client, ann, settings):
        settings.ELEARNING_CHAT = CLASSROOM
        client.force_login(ann)
        response = client.get("/chat/class-bob/")
        assert response.status_code == 403
        assert "elearning_chat/forbidden.html" in [t.name for t in response.templates]
        assert b"You cannot join this room" in response.content
        assert b"Class of bob" in response.content
        assert b'href="/chat/"' in response.content
        # The policy explains its own rule; the text is escaped like any other.
        assert response.context["denial_reason"] == "Only bob <b>may</b> come in."
        assert b"Only bob &lt;b&gt;may&lt;/b&gt; come in." in response.content
        assert not Room.objects.exists()

    def test_403_page_default_reason_names_no_rule(self, client, ann, settings):
        settings.ELEARNING_CHAT = {"ROOM_POLICY": "tests.policies.RevocablePolicy"}
        client.force_login(ann)
        response = client.get("/chat/closed-room/")
        assert response.status_code == 403
        reason = DefaultRoomPolicy().get_denial_reason(ann, "closed-room")
        assert reason and response.context["denial_reason"] == reason
        assert reason.encode() in response.content
        assert b"ourse" not in response.content and b"nroll" not in response.content

    def test_403_page_of_a_policy_without_a_reason(self, client, ann, settings):
        settings.ELEARNING_CHAT = {"ROOM_POLICY": "tests.test_pages.NoEntryPolicy"}
        client.force_login(ann)
        response = client.get("/chat/lobby/")
        assert response.status_code == 403
        assert response.context["denial_reason"] == DefaultRoomPolicy().get_denial_reason(ann, "lobby")

    def test_policy_decides_moderation(self, client, ann, staff, settings):
        settings.ELEARNING_CHAT = CLASSROOM
        client.force_login(ann)
        assert config_of(client.get("/chat/class-ann/"))["canModerate"] is True
        client.force_login(staff)
        assert config_of(client.get("/chat/lobby/"))["canModerate"] is False

    def test_inactive_user_is_refused(self, client, make_user):
        user = make_user("zed")
        client.force_login(user)
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
        response = client.get("/chat/lobby/")
        assert response.status_code in (302, 403)  # logged out by the auth backend or refused

    @pytest.mark.parametrize(
        "path", ["/chat/" + "a" * 65 + "/", "/chat/a.b/", "/chat/%C3%A9t%C3%A9/", "/chat/lobby/extra/"]
    )
    def test_bad_slug_is_404(self, client, ann, path):
        client.force_login(ann)
        assert client.get(path).status_code == 404

    def test_longest_slug_is_fine(self, client, ann):
        client.force_login(ann)
        assert client.get("/chat/" + "a" * 64 + "/").status_code == 200

    def test_works_without_the_api_mounted(self, client, ann, settings):
        settings.ROOT_URLCONF = "tests.test_pages"  # pages only, see urlpatterns below
        client.force_login(ann)
        response = client.get("/chat/lobby/")
        assert response.status_code == 200
        assert config_of(response)["apiUrl"] == ""  # the client then offers no "load older"

    def test_query_count(self, client, ann, django_assert_num_queries):
        client.force_login(ann)
        Room.objects.create(slug="lobby", title="Lobby")
        # session + user + room title
        with django_assert_num_queries(3):
            assert client.get("/chat/lobby/").status_code == 200


class TestStaticClient:
    def test_files_are_shipped(self):
        assert (STATIC / "chat.js").is_file()
        assert (STATIC / "chat.css").is_file()

    def test_text_is_never_parsed_as_html(self):
        source = (STATIC / "chat.js").read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
            assert sink not in source.replace("never innerHTML", "")

    def test_protocol_essentials(self):
        source = (STATIC / "chat.js").read_text()
        assert '"wss://"' in source  # picks wss:// on HTTPS pages
        assert 'type: "resync", after: ' in source  # catches up after reconnect
        assert "this.items.has(message.id)" in source  # de-duplicates by id

    def test_history_answers_are_matched_by_after(self):
        source = (STATIC / "chat.js").read_text()
        assert "var after = frame.after;" in source
        assert "resyncs" not in source and "awaitingHistory" not in source  # no arrival-order queue

"""The chat's demo data: a lobby conversation and one per demo course, idempotent,
written only by people the room policy admits."""

import io

import pytest
from django.core.management import call_command

from elearning_chat.conf import get_room_policy
from elearning_chat.models import Message, Room

pytestmark = pytest.mark.django_db


def test_demo_chat_is_idempotent_and_follows_the_policy():
    call_command("load_demo_data", stdout=io.StringIO())
    rooms = {room.slug: room for room in Room.objects.all()}
    assert "lobby" in rooms
    assert rooms["lobby"].title == "Lobby"
    course_rooms = [slug for slug in rooms if slug.startswith("course-")]
    assert course_rooms, "the demo courses get a conversation too"
    before = list(Message.objects.order_by("id").values_list("id", "room__slug", "author__username", "body"))
    assert Message.objects.filter(room=rooms["lobby"]).count() >= 4

    call_command("load_demo_data", stdout=io.StringIO())
    after = list(Message.objects.order_by("id").values_list("id", "room__slug", "author__username", "body"))
    assert after == before
    assert Room.objects.count() == len(rooms)

    policy = get_room_policy()
    for message in Message.objects.select_related("room", "author"):
        assert policy.can_join(message.author, message.room.slug), (message.author, message.room.slug)
    for slug in course_rooms:
        assert rooms[slug].title == policy.get_room_title(slug)

"""Database work of the consumer: query counts pinned, ordering facts hubs rely on."""

import pytest
from django.db import connection

from elearning_chat import services
from elearning_chat.models import Connection, Message, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(make_user):
    return make_user("ann")


@pytest.fixture
def room():
    return services.get_or_create_room("lobby")


def test_a_burst_costs_the_same_queries_as_one_message(ann, room, django_assert_num_queries):
    # rate count + insert + previous id (+ room lock, and the test's savepoint pair, where
    # the database has row locks)
    expected = 6 if connection.features.has_select_for_update else 3
    with django_assert_num_queries(expected):
        services.post_messages(ann, room, ["one"])
    with django_assert_num_queries(expected):
        results = services.post_messages(ann, room, ["two", "three", "four"])
    ids = [message["id"] for message, _ in results]
    previous = [prev for _, prev in results]
    first = Message.objects.get(body="one").pk
    assert previous == [first, *ids[:-1]]
    assert ids == sorted(ids)


def test_rate_limit_inside_a_burst(ann, room, settings):
    settings.ELEARNING_CHAT = {"RATE_LIMIT_MESSAGES": 2}
    results = services.post_messages(ann, room, ["a", "b", "c"])
    assert [r[0]["body"] for r in results[:2]] == ["a", "b"]
    assert isinstance(results[2], services.ChatError) and results[2].code == "rate_limited"
    assert Message.objects.count() == 2


def test_history_query_count_does_not_grow(make_user, room, django_assert_num_queries):
    authors = [make_user(f"u{i}") for i in range(5)]
    Message.objects.bulk_create(Message(room=room, author=authors[i % 5], body=str(i)) for i in range(80))
    with django_assert_num_queries(1):
        messages, more = services.history(room, limit=50)
    assert len(messages) == 50 and not more
    with django_assert_num_queries(1):
        messages, more = services.history(room, after=0, limit=50)
    assert len(messages) == 50 and more


@pytest.mark.parametrize("limit, queries", [(10, 1), (3, 2)])
def test_presence_window_is_at_most_two_queries(
    make_user, django_assert_num_queries, settings, limit, queries
):
    users = [make_user(name) for name in ("eve", "Bob", "ann", "dan")]
    for i, user in enumerate(users):
        services.add_connection(user, "lobby", "server-a", f"chan-{i}")
        services.add_connection(user, "lobby", "server-b", f"chan-b{i}")
    with django_assert_num_queries(queries):
        count, window = services.presence_window("lobby", limit)
    assert count == 4
    assert [u["username"] for u in window] == ["ann", "Bob", "dan", "eve"][:limit]


def test_enter_with_a_known_room_is_one_query(ann, room, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert services.enter(ann, "lobby", "server-a", "chan-1", room) == room


def test_enter_refused_stores_nothing(make_user, room, django_assert_num_queries):
    ghost = make_user("ghost", is_active=False)
    with django_assert_num_queries(0):
        assert services.enter(ghost, "lobby", "server-a", "chan-1", room) is None
    assert services.enter(ghost, "elsewhere", "server-a", "chan-2") is None
    assert not Connection.objects.exists() and not Room.objects.filter(slug="elsewhere").exists()


def test_room_limit(ann, settings):
    settings.ELEARNING_CHAT = {"ROOM_CREATE_LIMIT": 1}
    services.get_or_create_room("first", ann)
    services.get_or_create_room("first", ann)  # exists: no creation, no limit
    services.get_or_create_room("by-nobody")  # not counted against anyone
    with pytest.raises(services.RoomLimitReached) as info:
        services.enter(ann, "second", "server-a", "chan-1")
    assert info.value.code == "room_limit"
    assert not Room.objects.filter(slug="second").exists() and not Connection.objects.exists()


def test_presence_is_one_query(make_user, django_assert_num_queries):
    users = [make_user(f"u{i}") for i in range(4)]
    for i, user in enumerate(users):
        services.add_connection(user, "lobby", "server-a", f"chan-{i}")
        services.add_connection(user, "lobby", "server-b", f"chan-b{i}")
    with django_assert_num_queries(1):
        present = services.presence("lobby")
    assert [u["username"] for u in present] == ["u0", "u1", "u2", "u3"]

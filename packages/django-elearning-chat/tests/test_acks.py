"""Acknowledged chat messages: every message with a ``client_id`` is answered to its author
(``ack`` with the stored id, or an ``error`` carrying the ``client_id``), stored once per
(author, client_id) however often it is re-sent, and validated as text one by one: a bad
body never costs the other messages of its batch. Runs on SQLite and, with DATABASE_URL,
on PostgreSQL."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import DatabaseError
from django.test import override_settings

from elearning_chat import services
from elearning_chat.models import Message

from .helpers import TIMEOUT, before_probe, join, receive, send

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def users(make_user):
    async def make(*names):
        return [await database_sync_to_async(make_user)(name) for name in names]

    return make


def cid():
    return str(uuid.uuid4())


@database_sync_to_async
def rows(room="lobby"):
    return list(
        Message.objects.filter(room__slug=room)
        .order_by("id")
        .values_list("id", "body", "client_id", "author_id")
    )


async def frames_until(comm, count, kinds=("ack", "error", "message")):
    """The next ``count`` frames of the given kinds (others skipped), in arrival order."""
    got = []
    while len(got) < count:
        frame = await comm.receive_json_from(timeout=TIMEOUT)
        if frame["type"] in kinds:
            got.append(frame)
    return got


async def test_each_message_is_acknowledged_to_its_author_before_its_broadcast(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    ids = [cid() for _ in range(3)]
    for n, client_id in enumerate(ids):
        await send(a, type="message", body=f"hello {n}", client_id=client_id)
    frames = await frames_until(a, 6)
    acks = [f for f in frames if f["type"] == "ack"]
    messages = [f for f in frames if f["type"] == "message"]
    stored = await rows()
    for n, client_id in enumerate(ids):
        ack, message = acks[n], messages[n]
        # Each ack reaches the author before the broadcast of its message.
        assert frames.index(ack) < frames.index(message)
        assert ack["client_id"] == client_id and ack["room"] == "lobby"
        assert ack["id"] == message["id"] == stored[n][0]
        assert ack["message"] == message  # everything the client needs to show it at once
        assert stored[n][1:] == (f"hello {n}", client_id, ann.pk)
    # Others get the messages, never someone else's acks.
    assert [f["type"] for f in await frames_until(b, 3)] == ["message"] * 3
    assert "ack" not in await before_probe(b)
    await a.disconnect()
    await b.disconnect()


async def test_a_resent_message_is_stored_once_and_acknowledged_again(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    client_id = cid()
    await send(a, type="message", body="only once", client_id=client_id)
    first = await receive(a, "ack")
    # The same message again (the client did not see the ack): same id, nothing stored
    # or broadcast; the stored body wins over a different one.
    await send(a, type="message", body="only once, edited", client_id=client_id)
    again = await receive(a, "ack")
    assert again["id"] == first["id"] and again["message"]["body"] == "only once"
    # And after a reconnect, on a new socket.
    await a.disconnect()
    a, history = await join(ann)
    assert [m["id"] for m in history["messages"]] == [first["id"]]
    await send(a, type="message", body="only once", client_id=client_id)
    assert (await receive(a, "ack"))["id"] == first["id"]
    assert (await receive(b, "message"))["body"] == "only once"
    assert await before_probe(b, a) == []  # no second broadcast reached bob
    assert [r[1] for r in await rows()] == ["only once", "probe"]
    await a.disconnect()
    await b.disconnect()


async def test_the_same_client_id_twice_in_one_batch_is_stored_once(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    client_id = cid()
    frame = json.dumps({"type": "message", "body": "twice", "client_id": client_id})
    await a.send_to(text_data=frame)
    await a.send_to(text_data=frame)
    acks = [await receive(a, "ack"), await receive(a, "ack")]
    assert acks[0]["id"] == acks[1]["id"]
    assert len(await rows()) == 1
    await a.disconnect()


async def test_resend_of_a_message_deleted_since_is_acknowledged_without_it(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    client_id = cid()
    await send(a, type="message", body="soon gone", client_id=client_id)
    ack = await receive(a, "ack")
    await database_sync_to_async(Message.objects.filter(pk=ack["id"]).update)(deleted=True)
    await send(a, type="message", body="soon gone", client_id=client_id)
    again = await receive(a, "ack")
    assert again["id"] == ack["id"] and again["message"] is None
    assert len(await rows()) == 1
    await a.disconnect()


async def test_a_client_id_is_the_authors_own(users):
    ann, bob = await users("ann", "bob")
    a, _ = await join(ann)
    b, _ = await join(bob)
    client_id = cid()
    await send(a, type="message", body="ann's", client_id=client_id)
    await receive(a, "ack")
    # Another author may use the same id: a different message.
    await send(b, type="message", body="bob's", client_id=client_id)
    assert (await receive(b, "ack"))["message"]["body"] == "bob's"
    # The author may not reuse it in another room.
    await a.disconnect()
    a, _ = await join(ann, "elsewhere")
    await send(a, type="message", body="again", client_id=client_id)
    error = await receive(a, "error")
    assert error["code"] == "bad_request" and error["client_id"] == client_id
    assert await rows("elsewhere") == []
    await a.disconnect()
    await b.disconnect()


@pytest.mark.parametrize("bad", ["", "x" * 65, "has space", "é", 5, ["a"], True])
async def test_bad_client_ids_are_refused(users, bad):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await send(a, type="message", body="hi", client_id=bad)
    error = await receive(a, "error")
    assert error["code"] == "bad_request" and "client_id" in error["detail"]
    assert await rows() == []
    await a.disconnect()


async def test_old_clients_without_client_id_still_work(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    await send(a, type="message", body="no id")
    assert (await receive(a, "message"))["body"] == "no id"
    await send(a, type="message", body="  ")
    error = await receive(a, "error")
    assert error["code"] == "bad_request" and "client_id" not in error
    assert "ack" not in await before_probe(a)
    assert [r[2] for r in await rows()] == [None, None]  # many messages without one
    await a.disconnect()


LIMITED = {"MAX_MESSAGE_LENGTH": 10}


async def test_bad_bodies_are_refused_one_by_one_and_the_good_ones_stored(users):
    (ann,) = await users("ann")
    a, _ = await join(ann)
    sent = [
        ("good 1", "good 1"),
        ("nul\x00byte", "bad_request"),
        ("\ud800", "bad_request"),  # a lone surrogate (sent as the JSON escape \ud800)
        ("bell\x07", "bad_request"),
        ("12345\r\n6789", "12345\n6789"),  # 11 characters sent, 10 once normalized: fits
        ("12345\r\n67890", "too_long"),  # 11 once normalized
        ("a\rb\r\nc", "a\nb\nc"),
        ("tab\tok", "tab\tok"),
        (" \r\n ", "bad_request"),
        ("good 2", "good 2"),
    ]
    ids = [cid() for _ in sent]
    with override_settings(ELEARNING_CHAT=LIMITED):
        for (body, _), client_id in zip(sent, ids, strict=True):
            await send(a, type="message", body=body, client_id=client_id)
        answers = await frames_until(a, len(sent), kinds=("ack", "error"))
    stored = await rows()
    assert [r[1] for r in stored] == [want for _, want in sent if want not in ("bad_request", "too_long")]
    # Refusals are immediate, acks follow the database write: match answers by client_id.
    # Every answer carries its message's client_id, the lone surrogate's too (its whole
    # frame is refused, as a frame must be valid text, but its client_id is echoed).
    by_id = {answer.get("client_id"): answer for answer in answers}
    assert set(by_id) == set(ids)
    by_order = iter(stored)
    for (body, want), client_id in zip(sent, ids, strict=True):
        answer = by_id[client_id]
        if want in ("bad_request", "too_long"):
            assert answer["type"] == "error" and answer["code"] == want, (body, answer)
        else:
            row = next(by_order)
            assert answer["type"] == "ack" and answer["client_id"] == client_id
            assert answer["id"] == row[0] and answer["message"]["body"] == want
    await a.disconnect()


async def test_messages_refused_by_the_rate_limit_carry_their_client_id(users, settings):
    settings.ELEARNING_CHAT = {"RATE_LIMIT_MESSAGES": 2}
    (ann,) = await users("ann")
    a, _ = await join(ann)
    ids = [cid() for _ in range(3)]
    for n, client_id in enumerate(ids):
        await send(a, type="message", body=f"m{n}", client_id=client_id)
    answers = await frames_until(a, 3, kinds=("ack", "error"))
    assert [(f["type"], f["client_id"]) for f in answers] == [
        ("ack", ids[0]),
        ("ack", ids[1]),
        ("error", ids[2]),
    ]
    assert answers[2]["code"] == "rate_limited"
    assert [r[1] for r in await rows()] == ["m0", "m1"]
    await a.disconnect()


async def test_a_storage_failure_is_an_error_for_each_message(users, monkeypatch):
    (ann,) = await users("ann")
    a, _ = await join(ann)

    def broken(*args, **kwargs):
        raise DatabaseError("database down")

    monkeypatch.setattr(services, "post_messages", broken)
    client_id = cid()
    await send(a, type="message", body="lost?", client_id=client_id)
    error = await receive(a, "error")
    assert (error["code"], error["client_id"]) == ("server_error", client_id)
    monkeypatch.undo()
    await send(a, type="message", body="lost?", client_id=client_id)  # the client's retry
    assert (await receive(a, "ack"))["message"]["body"] == "lost?"
    await a.disconnect()


# post_messages itself: one batch, each message on its own merits ----------------------


@database_sync_to_async
def post(user, bodies, client_ids):
    room = services.get_or_create_room("lobby")
    return services.post_messages(user, room, bodies, client_ids)


def outcome(result):
    if isinstance(result, services.ChatError):
        return result.code
    if isinstance(result, services.Known):
        return ("known", result.id)
    return result[0]["body"]


async def test_post_messages_isolates_each_body_in_a_batch(users):
    (ann,) = await users("ann")
    ids = [cid() for _ in range(6)]
    bodies = ["one", "\ud800", "nul\x00", "two\r\nlines", 42, "three"]
    results = await post(ann, bodies, ids)
    assert [outcome(r) for r in results] == [
        "one",
        "bad_request",
        "bad_request",
        "two\nlines",
        "bad_request",
        "three",
    ]
    assert [r[1] for r in await rows()] == ["one", "two\nlines", "three"]
    # ``previous`` chains over the stored ones.
    stored = [r for r in results if isinstance(r, tuple)]
    assert [prev for _, prev in stored[1:]] == [m["id"] for m, _ in stored[:-1]]


async def test_post_messages_survives_a_concurrent_resend(users, monkeypatch):
    """Another socket of the author stores the same client id between the check and the
    insert: the batch's insert fails, and each row is then tried on its own."""
    (ann,) = await users("ann")
    taken = cid()
    (first,) = await post(ann, ["from the other socket"], [taken])
    monkeypatch.setattr(services, "_known", lambda *args: {})  # the check saw nothing yet
    results = await post(ann, ["before", "from this socket", "after"], [cid(), taken, cid()])
    assert [outcome(r) for r in results] == ["before", ("known", first[0]["id"]), "after"]
    assert [r[1] for r in await rows()] == ["from the other socket", "before", "after"]
    before, after = results[0], results[2]
    assert after[1] == before[0]["id"]


async def test_post_messages_loses_only_the_row_the_database_refuses(users, monkeypatch):
    (ann,) = await users("ann")
    original_save = Message.save

    def refuse_bulk(messages):
        raise DatabaseError("the batch failed")

    def save(self, *args, **kwargs):
        if self.body == "refused row":
            raise DatabaseError("this row failed")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(services, "_insert", refuse_bulk)
    monkeypatch.setattr(Message, "save", save)
    results = await post(ann, ["kept 1", "refused row", "kept 2"], [cid(), cid(), None])
    assert [outcome(r) for r in results] == ["kept 1", "server_error", "kept 2"]
    assert [r[1] for r in await rows()] == ["kept 1", "kept 2"]


async def test_the_admin_form_applies_the_same_rules(users):
    """The only HTTP path that stores a message (the admin's form) validates it the same
    way (Message.clean): normalized line endings, no NUL, the length after normalization."""
    (ann,) = await users("ann")
    room = await database_sync_to_async(services.get_or_create_room)("lobby")
    from django.core.exceptions import ValidationError

    def full_clean(body):
        message = Message(room=room, author=ann, body=body)
        message.full_clean()
        return message.body

    with override_settings(ELEARNING_CHAT=LIMITED):
        assert await database_sync_to_async(full_clean)(" 12345\r\n6789 ") == "12345\n6789"
        for body in ("nul\x00", "\ud800", "12345\r\n67890"):
            with pytest.raises(ValidationError) as caught:
                await database_sync_to_async(full_clean)(body)
            assert "body" in caught.value.message_dict


async def test_client_ids_cost_one_query_per_batch(users):
    """Acknowledged messages cost one more query per batch (looking up the client ids
    already stored), whatever the size of the batch; messages without one cost nothing more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    (ann,) = await users("ann")
    await post(ann, ["warm-up"], [None])  # the room exists from here on

    @database_sync_to_async
    def queries(bodies, client_ids):
        room = services.get_or_create_room("lobby")
        with CaptureQueriesContext(connection) as captured:
            services.post_messages(ann, room, bodies, client_ids)
        return len(captured)

    without = await queries(["a", "b", "c"], None)
    assert await queries(["d"], [cid()]) == without + 1
    assert await queries(["e", "f", "g", "h"], [cid() for _ in range(4)]) == without + 1

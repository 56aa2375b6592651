"""WebSocket helpers of the chat suite."""

import json

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from elearning_chat.routing import websocket_urlpatterns

TIMEOUT = 5

application = URLRouter(websocket_urlpatterns)


def communicator(user, room="lobby"):
    comm = WebsocketCommunicator(application, f"/ws/chat/{room}/")
    comm.scope["user"] = user
    return comm


async def join(user, room="lobby"):
    """Connect and return the communicator and the ``history`` frame. The ``presence``
    snapshot that follows it is read too, into ``comm.presence`` (see presence_becomes)."""
    comm = communicator(user, room)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    history = await comm.receive_json_from(timeout=TIMEOUT)
    assert history["type"] == "history"
    snapshot = await comm.receive_json_from(timeout=TIMEOUT)
    assert snapshot["type"] == "presence"
    comm.presence = Presence()
    comm.presence.apply(snapshot)
    return comm, history


class Presence:
    """What a client knows of a room's presence: the snapshot plus the deltas since."""

    def __init__(self):
        self.count = 0
        self.users = {}
        self.frames = []

    def apply(self, frame):
        self.frames.append(frame)
        if frame["type"] == "presence":
            self.users = {user["id"]: user for user in frame["users"]}
        else:
            for pk in frame["left"]:
                self.users.pop(pk, None)
            for user in frame["joined"]:
                self.users[user["id"]] = user
        self.count = frame["count"]

    @property
    def names(self):
        return sorted(user["username"] for user in self.users.values())


async def presence_becomes(comm, names, count=None):
    """Read ``comm``'s frames (skipping others) until its presence lists ``names`` and
    counts ``count`` (default: as many as names)."""
    expected = len(names) if count is None else count
    view = comm.presence
    while view.names != sorted(names) or view.count != expected:
        frame = await comm.receive_json_from(timeout=TIMEOUT)
        if frame["type"] in ("presence", "presence_delta"):
            view.apply(frame)
    return view


async def receive(comm, kind, timeout=TIMEOUT):
    """The next frame of type ``kind``, skipping the others (presence, typing...)."""
    while True:
        frame = await comm.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def send(comm, **frame):
    await comm.send_to(text_data=json.dumps(frame))


async def before_probe(comm, sender=None):
    """Types of the frames ``comm`` receives before a ``probe`` message that ``sender``
    (default: ``comm``) posts now, in the same room.

    Replaces waiting to see that nothing arrives: a consumer handles its frames in order
    and a room's broadcasts reach its sockets in order, so a frame caused by anything done
    before the probe is written before the probe."""
    await send(sender or comm, type="message", body="probe")
    kinds = []
    while True:
        frame = await comm.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == "message" and frame["body"] == "probe":
            return kinds
        kinds.append(frame["type"])

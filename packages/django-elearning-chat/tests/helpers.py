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
    """Connect and return the communicator and the ``history`` frame."""
    comm = communicator(user, room)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    history = await comm.receive_json_from(timeout=TIMEOUT)
    assert history["type"] == "history"
    return comm, history


async def receive(comm, kind, timeout=TIMEOUT):
    """The next frame of type ``kind``, skipping the others (presence, typing...)."""
    while True:
        frame = await comm.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def send(comm, **frame):
    await comm.send_to(text_data=json.dumps(frame))


async def nothing_more(comm, kind, timeout=0.3):
    """True when no frame of type ``kind`` arrives within ``timeout`` (keeps the
    application running, unlike a timed-out receive)."""
    while not await comm.receive_nothing(timeout=timeout):
        frame = await comm.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == kind:
            return False
    return True

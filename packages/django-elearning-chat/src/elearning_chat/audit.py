"""What a room hub re-reads from the database to repair broadcasts the channel layer lost.

Kicks and deletions travel as best-effort broadcasts (a full channel drops them); the
database keeps the truth. On every heartbeat and whenever it detects a gap, a hub re-checks
its connected users' access and the deletions among the messages its sockets may show,
with a fixed number of queries per room (see :meth:`RoomHub.audit
<elearning_chat.hub.RoomHub.audit>`).
"""

from .conf import get_room_policy
from .models import Message
from .policies import BaseRoomPolicy


def allowed_user_ids(room_slug, user_ids):
    """The ids among ``user_ids`` that the room policy still lets into ``room_slug``.

    Uses the policy's bulk :meth:`~elearning_chat.policies.BaseRoomPolicy.allowed_user_ids`.
    A policy object without that method (not derived from ``BaseRoomPolicy``) is asked
    user by user, the users read afresh in one query (a deactivated user loses access).
    """
    policy = get_room_policy()
    bulk = getattr(policy, "allowed_user_ids", None)
    if bulk is None:  # the base class's way, which needs only can_join
        return set(BaseRoomPolicy.allowed_user_ids(policy, room_slug, set(user_ids)))
    return set(bulk(room_slug, set(user_ids)))


def deleted_ids(room_slug, from_id):
    """Ids of the deleted messages of a room with ``id >= from_id`` (one indexed query)."""
    return set(
        Message.objects.filter(room__slug=room_slug, deleted=True, id__gte=from_id).values_list(
            "id", flat=True
        )
    )

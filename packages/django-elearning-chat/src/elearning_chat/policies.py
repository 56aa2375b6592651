"""Room access policies: who may join a room, who moderates it, how it is titled.

A host site changes the rules by subclassing :class:`BaseRoomPolicy` and naming the
class in ``ELEARNING_CHAT["ROOM_POLICY"]``. Methods are synchronous (they may query the
database); the consumer calls them from a worker thread, never on the event loop.
"""

from django.utils.translation import gettext


class BaseRoomPolicy:
    """Extension point: every method may be overridden.

    ``user`` is the connected user (possibly anonymous or inactive); ``room_slug``
    matches ``[-a-zA-Z0-9_]{1,64}``. The policy is instantiated once per process and
    must be thread-safe (keep no per-request state on ``self``).
    """

    def can_join(self, user, room_slug):
        """May ``user`` read and post in ``room_slug``? Checked on connect, before every
        stored message and on every API request."""
        return bool(user and user.is_authenticated and user.is_active)

    def can_moderate(self, user, room_slug):
        """May ``user`` delete other people's messages in ``room_slug``?"""
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)

    def allowed_user_ids(self, room_slug, user_ids):
        """The ids among ``user_ids`` that may still be in ``room_slug``: :meth:`can_join`
        for many users at once. Each server process asks it for the users of its open
        sockets of a room on every heartbeat and closes the sockets of the others (so a
        removal whose broadcast was lost still takes effect). The default reads the users
        in one query and asks :meth:`can_join` for each; override it when ``can_join``
        queries, to answer with a few queries whatever the number of users."""
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(pk__in=user_ids)
        return {user.pk for user in users if self.can_join(user, room_slug)}

    def get_room_title(self, room_slug):
        """Human title of a room, stored when the room is created on first join."""
        if room_slug == "lobby":
            return gettext("Lobby")
        return room_slug.replace("-", " ").replace("_", " ").strip().capitalize() or room_slug

    def get_denial_reason(self, user, room_slug):
        """Why ``user`` may not join ``room_slug``: one or two sentences shown on the
        room's 403 page (plain text, escaped when rendered). Called only after
        :meth:`can_join` refused; override it to say what your rules require and how
        to get in. The default is a generic text that names no rule."""
        return gettext("You need to be given access to this room before you can read or post in it.")

    def visible_rooms(self, user):
        """Extra ``(slug, title)`` rooms listed for ``user`` besides the lobby (room list
        page and ``GET /api/chat/rooms/``)."""
        return []


class DefaultRoomPolicy(BaseRoomPolicy):
    """Any authenticated, active user may join any room; staff moderate."""

"""Room policies used by the suite."""

from elearning_chat.policies import BaseRoomPolicy, DefaultRoomPolicy


class RevocablePolicy(DefaultRoomPolicy):
    """Default rules, except for the usernames in ``banned`` and rooms named ``closed-*``.

    ``moderators`` moderate every room."""

    banned = set()
    moderators = set()

    def can_join(self, user, room_slug):
        if room_slug.startswith("closed-") or user.get_username() in self.banned:
            return False
        return super().can_join(user, room_slug)

    def can_moderate(self, user, room_slug):
        return user.get_username() in self.moderators or super().can_moderate(user, room_slug)

    def visible_rooms(self, user):
        return [(f"team-{user.get_username()}", "Team room"), ("lobby", "dup"), ("bad slug!", "x")]


class IncompletePolicy:
    def can_join(self, user, room_slug):
        return True


class SubclassPolicy(BaseRoomPolicy):
    pass


NOT_A_CLASS = None

"""Chat room policy for course rooms (``course-<id>``).

Enable it in the host site with::

    ELEARNING_CHAT = {"ROOM_POLICY": "elearning_courses.chat_policy.CourseRoomPolicy"}

Course rooms admit the course's teacher, staff and enrolled, non-blocked students;
the teacher and staff moderate; an unknown course id is refused. Every other room
keeps the chat app's default behaviour. ``elearning_chat`` is optional: without it
the class still works on its own (it is then only used by tests or other apps).
"""

import re

from django.utils.translation import gettext

from . import rules
from .models import Course

try:  # the chat app is optional
    from elearning_chat.policies import DefaultRoomPolicy as _Base
except ImportError:  # pragma: no cover - exercised when chat is not installed

    class _Base:
        """The chat app's default behaviour, when that app is not importable."""

        def can_join(self, user, room_slug):
            return bool(user and user.is_authenticated and user.is_active)

        def can_moderate(self, user, room_slug):
            return bool(user and user.is_authenticated and user.is_active and user.is_staff)

        def get_room_title(self, room_slug):
            return room_slug

        def get_denial_reason(self, user, room_slug):
            return ""

        def visible_rooms(self, user):
            return []


# One course, one room name: the id as Django writes it, without leading zeros. Any other
# spelling ("course-02", "Course-2") would be a second room that a block, which closes the
# sockets of "course-2", never reaches; those aliases are refused (see is_course_room).
COURSE_ROOM = re.compile(r"^course-([1-9][0-9]{0,17})\Z")


def course_for_room(room_slug):
    """The course of a ``course-<id>`` room, or None (not a course room / unknown id)."""
    match = COURSE_ROOM.match(room_slug or "")
    if not match:
        return None
    return Course.objects.select_related("teacher").filter(pk=int(match.group(1))).first()


def is_course_room(room_slug):
    """Whether this policy decides the room: every slug that looks like a course room in any
    letter case, so that an alias of a course room is refused rather than left open."""
    return bool(room_slug) and room_slug.lower().startswith("course-")


class CourseRoomPolicy(_Base):
    """Course rooms follow the course's membership; other rooms the default policy."""

    def can_join(self, user, room_slug):
        if not is_course_room(room_slug):
            return super().can_join(user, room_slug)
        if not (user and user.is_authenticated and user.is_active):
            return False
        course = course_for_room(room_slug)
        return course is not None and rules.can_join_course_room(user, course)

    def allowed_user_ids(self, room_slug, user_ids):
        """:meth:`can_join` for many users of one room, in two queries (the course, then
        the users): the teacher, staff, and enrolled students without a block."""
        if not is_course_room(room_slug):
            return super().allowed_user_ids(room_slug, user_ids)
        course = course_for_room(room_slug)
        if course is None:
            return set()
        from django.contrib.auth import get_user_model
        from django.db.models import Exists, OuterRef, Q

        from elearning_users.models import Role

        from .models import CourseBlock, Enrollment

        enrolled = Enrollment.objects.filter(course=course, student=OuterRef("pk"))
        blocked = CourseBlock.objects.filter(course=course, student=OuterRef("pk"))
        users = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
        allowed = users.filter(
            Q(pk=course.teacher_id)
            | Q(is_staff=True)
            | (Q(role=Role.STUDENT) & Exists(enrolled) & ~Exists(blocked))
        )
        return set(allowed.values_list("pk", flat=True))

    def can_moderate(self, user, room_slug):
        if not is_course_room(room_slug):
            return super().can_moderate(user, room_slug)
        if not (user and user.is_authenticated and user.is_active):
            return False
        course = course_for_room(room_slug)
        return course is not None and rules.can_moderate_course_room(user, course)

    def get_room_title(self, room_slug):
        if is_course_room(room_slug):
            course = course_for_room(room_slug)
            if course is not None:
                return course.title
            return gettext("Unknown course")
        return super().get_room_title(room_slug)

    def get_denial_reason(self, user, room_slug):
        """What a refused user of a course room can do about it (shown on the 403 page)."""
        if not is_course_room(room_slug):
            return super().get_denial_reason(user, room_slug)
        course = course_for_room(room_slug)
        if course is None:
            return gettext("There is no such course.")
        if rules.is_blocked(user, course):
            return gettext("The course's teacher has removed you from this course and its room.")
        return gettext(
            "Course rooms are for the course's teacher and its enrolled students. "
            "Enroll in the course to take part, or ask the teacher."
        )

    def visible_rooms(self, user):
        rooms = list(super().visible_rooms(user))
        if not (user and user.is_authenticated):
            return rooms
        courses = (
            (Course.objects.filter(teacher=user) | Course.objects.filter(enrollments__student=user))
            .distinct()
            .order_by("title", "id")
            .values_list("pk", "title")
        )
        known = {slug for slug, _title in rooms}
        rooms += [(f"course-{pk}", title) for pk, title in courses if f"course-{pk}" not in known]
        return rooms

"""Demo content of the chat app: the lobby and each demo course's room, with a few
messages from the demo users.

Idempotent: a room that already holds messages is left alone, so running the
command again neither duplicates nor overwrites a conversation.
"""

import datetime

from django.apps import apps
from django.utils import timezone

LOBBY = [
    ("alice", "Welcome to the lobby! Say hello and tell us what you are learning."),
    ("sam", "Hi everyone, I'm Sam. Working through the Django course this week."),
    ("kim", "Hello! Is anyone else trying the statistics course?"),
    ("bob", "I teach it, Kim. Ask away, here or in the course room."),
    ("lee", "Hi all! First time here."),
]
COURSE = [
    ("teacher", "Welcome to the “{title}” room. Questions about the materials go here."),
    ("student", "Thanks! Where do I start?"),
    ("teacher", "With the first material in the list, then try the exercises."),
]


def _fill(room, lines, people):
    from elearning_chat.models import Message

    if Message.objects.filter(room=room).exists():
        return 0
    now = timezone.now()
    for offset, (who, body) in enumerate(lines):
        author = people.get(who) if isinstance(who, str) else who
        if author is None:
            continue
        message = Message.objects.create(room=room, author=author, body=body)
        # Spread the conversation over the last hour instead of one instant.
        when = now - datetime.timedelta(minutes=5 * (len(lines) - offset))
        Message.objects.filter(pk=message.pk).update(created_at=when)
    return Message.objects.filter(room=room).count()


def _room(slug):
    from elearning_chat.conf import get_room_policy
    from elearning_chat.models import Room

    room, _ = Room.objects.get_or_create(
        slug=slug, defaults={"title": get_room_policy().get_room_title(slug)}
    )
    return room


def _course_rooms(people):
    """``(slug, title, teacher, a student)`` for each demo course with an enrolled student."""
    if not apps.is_installed("elearning_courses"):
        return []
    Course = apps.get_model("elearning_courses", "Course")
    Enrollment = apps.get_model("elearning_courses", "Enrollment")
    # The courses app needs the users app, so its roles are there too.
    from elearning_users.models import Role

    teachers = [u for u in people.values() if getattr(u, "role", "") == Role.TEACHER]
    rooms = []
    for course in Course.objects.filter(teacher__in=teachers).select_related("teacher").order_by("pk"):
        enrollment = Enrollment.objects.filter(course=course).select_related("student").order_by("pk").first()
        if enrollment is not None:
            rooms.append((f"course-{course.pk}", course.title, course.teacher, enrollment.student))
    return rooms


def load(people, stdout):
    if not apps.is_installed("elearning_chat"):
        return
    _fill(_room("lobby"), LOBBY, people)
    count = 1
    for slug, title, teacher, student in _course_rooms(people):
        lines = [(teacher if who == "teacher" else student, body.format(title=title)) for who, body in COURSE]
        _fill(_room(slug), lines, people)
        count += 1
    stdout.write(f"Chat: {count} room(s) with demo messages.")

"""A demo class for the analytics page: students of "Django for beginners" who enrolled
over the last weeks, got more or less far through its lessons, rated it and talked in its
chat room, so the charts of alice's course have something to show.

Bulk inserts (no signals: the teacher is not notified of each of them) keep it fast; it
runs once (the class's first student exists on later runs).
"""

import datetime

from django.apps import apps
from django.utils import timezone

COURSE = "Django for beginners"
CLASS_SIZE = 24
WEEKS = 8
CHAT_LINES = [
    "Has anyone finished the forms exercise?",
    "The migrations lesson finally made sense to me.",
    "Is there a recording of last week's session?",
    "Tip: read the error page from the bottom up.",
    "Thanks, that helped!",
]


def load(people, stdout):
    if not apps.is_installed("elearning_courses"):
        return
    from django.contrib.auth import get_user_model

    from elearning_courses.models import Course, Enrollment, Feedback, Lesson, LessonCompletion

    User = get_user_model()
    course = Course.objects.filter(title=COURSE).first()
    if course is None or User.objects.filter(username="learner01").exists():
        return
    names = [f"learner{i:02}" for i in range(1, CLASS_SIZE + 1)]
    User.objects.bulk_create(
        [User(username=name, email=f"{name}@example.com", role="student", password="!") for name in names]
    )
    learners = list(User.objects.filter(username__in=names).order_by("username"))
    now = timezone.now()
    # More students in the first weeks, then a steady trickle.
    made = Enrollment.objects.bulk_create(
        [Enrollment(student=learner, course=course) for learner in learners]
    )
    for i, enrollment in enumerate(made):
        # created_at is auto_now_add: dated afterwards.
        when = now - datetime.timedelta(days=WEEKS * 7 - i * i // 10)
        Enrollment.objects.filter(pk=enrollment.pk).update(created_at=when)
    lessons = list(
        Lesson.objects.published()
        .filter(course=course)
        .order_by("module__position", "module_id", "position", "pk")
    )
    # The earlier a student enrolled, the further they got; a few stopped early on.
    completions = []
    for i, learner in enumerate(learners):
        reached = min(len(lessons), len(lessons) * (CLASS_SIZE + 2 - i) // CLASS_SIZE) if i % 5 else i % 3
        completions += [
            LessonCompletion(student=learner, lesson=lesson, course=course) for lesson in lessons[:reached]
        ]
    LessonCompletion.objects.bulk_create(completions)
    Feedback.objects.bulk_create(
        [
            Feedback(student=learner, course=course, rating=(5, 4, 4, 3, 5, 2)[i % 6])
            for i, learner in enumerate(learners[::2])
        ]
    )
    messages = _chat(course, learners, now)
    stdout.write(
        f"Analytics: a class of {len(learners)} students, {len(completions)} completions, {messages} messages."
    )


def _chat(course, learners, now):
    """A few messages on most of the last 30 days in the course's room (with the chat app)."""
    if not apps.is_installed("elearning_chat"):
        return 0
    from ._demo_chat import _room

    Message = apps.get_model("elearning_chat", "Message")
    room = _room(course.chat_room)
    count = 0
    # Oldest day first: ids grow with time, as for messages sent live.
    for day in range(29, 0, -1):
        made = Message.objects.bulk_create(
            [
                Message(
                    room=room, author=learners[(day * 7 + n) % len(learners)], body=CHAT_LINES[(day + n) % 5]
                )
                for n in range((day * 5) % 4)
            ]
        )
        # created_at is auto_now_add: dated afterwards, one update per day.
        when = now - datetime.timedelta(days=day, hours=day % 5)
        Message.objects.filter(pk__in=[m.pk for m in made]).update(created_at=when)
        count += len(made)
    return count

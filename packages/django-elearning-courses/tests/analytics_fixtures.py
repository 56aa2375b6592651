"""A small course with known numbers, for the analytics tests (hand-computed below).

Published lessons, in the outline's order: "One", "Two" (module "A"), "Three"
(module "B"); "Draft" (a draft lesson of A) and "Hidden" (a lesson of the draft module
"C") are not counted.

Students (enrolled in the week given, 0 being this week):

=====  =====  =================  ===========  ========  ======
who    week   completed          percent      furthest  rating
=====  =====  =================  ===========  ========  ======
ann    -3     One, Two, Three    100          Three     5
bob    -3     One                33 (25-49)   One       4
cid    -1     One, Three         66 (50-74)   Three     4
dot    0      (nothing)          0            -         -
eve    0      Two, Draft         33 (25-49)   Two       1
fay    0      (nothing)          0            -         -
=====  =====  =================  ===========  ========  ======

Not counted: "gus", who completed One and left (his rating, 2, counts: every rating
given does, as in the catalog); "hal", blocked after completing One.
"""

import datetime

import pytest
from django.utils import timezone

from elearning_courses.models import CourseBlock, Enrollment, Feedback, Lesson, LessonCompletion, Module

__all__ = ["EXPECTED", "class_data", "week_start"]


def week_start(weeks_ago=0):
    """Monday of the week ``weeks_ago`` weeks before this one (local date)."""
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday(), weeks=weeks_ago)


EXPECTED = {
    "completion": [2, 0, 2, 1, 0, 1],
    "dropoff": [("One", 3, 1), ("Two", 2, 1), ("Three", 2, 2)],
    "ratings": [1, 1, 0, 2, 1],
    "rating_average": 3.2,
    "rating_count": 5,
    # (weeks ago, new, total)
    "enrollments": [(3, 2, 2), (2, 0, 2), (1, 1, 3), (0, 3, 6)],
}


def _enroll_at(student, course, weeks_ago):
    enrollment = Enrollment.objects.create(student=student, course=course)
    # Tuesday noon of a past week (local time), far from its boundaries; now for this week.
    when = timezone.now()
    if weeks_ago:
        when = timezone.make_aware(datetime.datetime.combine(week_start(weeks_ago), datetime.time(12)))
        when += datetime.timedelta(days=1)
    Enrollment.objects.filter(pk=enrollment.pk).update(created_at=when)


@pytest.fixture
def class_data(course, make_user):
    """``course`` with the lessons, students, completions and ratings described above;
    returns ``{name: object}``."""
    a = Module.objects.create(course=course, title="A", position=0)
    b = Module.objects.create(course=course, title="B", position=1)
    c = Module.objects.create(course=course, title="C", position=2, is_published=False)
    # Created out of order: the outline's order is by module, then position.
    three = Lesson.objects.create(module=b, title="Three", position=0)
    two = Lesson.objects.create(module=a, title="Two", position=1)
    one = Lesson.objects.create(module=a, title="One", position=0)
    draft = Lesson.objects.create(module=a, title="Draft", position=2, is_published=False)
    Lesson.objects.create(module=c, title="Hidden", position=0)
    plan = {
        "ann": (3, [one, two, three], 5),
        "bob": (3, [one], 4),
        "cid": (1, [one, three], 4),
        "dot": (0, [], None),
        "eve": (0, [two, draft], 1),
        "fay": (0, [], None),
        "gus": (None, [one], 2),
        "hal": (None, [one], None),
    }
    people = {}
    for name, (weeks_ago, lessons, rating) in plan.items():
        person = people[name] = make_user(name, "student")
        if weeks_ago is not None:
            _enroll_at(person, course, weeks_ago)
        for lesson in lessons:
            LessonCompletion.objects.create(student=person, lesson=lesson, course=course)
        if rating:
            Feedback.objects.create(student=person, course=course, rating=rating)
    CourseBlock.objects.create(student=people["hal"], course=course)
    return {**people, "one": one, "two": two, "three": three, "course": course}

"""Course analytics: how a class is doing, in numbers the page, its CSV files and the API
all serialize (one source).

For one course, :func:`course_analytics` measures what students see (lessons of
:meth:`LessonQuerySet.published <elearning_courses.models.LessonQuerySet.published>`)
and who is enrolled now (a student who left or was blocked no longer counts, as in the
progress table). Each series is one aggregate query, whatever the number of students
and lessons. :func:`overview` gives the staff one row per course, in one query.

Chat activity comes from the chat app when it is installed, read through the app
registry: the courses app never imports the chat app.
"""

import datetime
from dataclasses import asdict, dataclass

from django.apps import apps
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DateField,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from . import progress, rules
from .conf import app_settings
from .exceptions import CourseActionDenied
from .models import Course, Enrollment, Feedback, Lesson, LessonCompletion

__all__ = [
    "COMPLETION_BUCKETS",
    "CourseAnalytics",
    "require_analyst",
    "course_analytics",
    "chat_available",
    "overview",
    "OVERVIEW_ORDERINGS",
]

#: The completion distribution's buckets: (key, label, condition on the enrollment's
#: ``done`` lessons and ``percent``). "0%" is nothing done; a student with some lessons
#: done is never in it, even when the percent rounds down to 0; "100%" is every lesson.
COMPLETION_BUCKETS = (
    ("0", "0%", Q(done=0)),
    ("1-24", "1–24%", Q(done__gt=0, percent__lt=25)),
    ("25-49", "25–49%", Q(percent__gte=25, percent__lt=50)),
    ("50-74", "50–74%", Q(percent__gte=50, percent__lt=75)),
    ("75-99", "75–99%", Q(percent__gte=75, done__lt=F("total"))),
    ("100", "100%", Q(done__gt=0, done__gte=F("total"))),
)

#: The lessons' order in the course outline, and the reverse (furthest first).
OUTLINE_ORDER = ("module__position", "module_id", "position", "pk")
FURTHEST_FIRST = ("-lesson__module__position", "-lesson__module_id", "-lesson__position", "-lesson_id")


@dataclass(frozen=True)
class CourseAnalytics:
    """The numbers of one course; :meth:`as_dict` is what the page's charts and the API get.

    - ``enrollments``: ``{"week", "new", "total"}`` per week (Monday), from the week of the
      first current enrollment to this week, without gaps; ``total`` is cumulative.
    - ``completion``: ``{"bucket", "label", "students"}`` for each of
      :data:`COMPLETION_BUCKETS`.
    - ``dropoff``: ``{"lesson", "title", "completed", "stopped"}`` per published lesson in
      the outline's order: students who completed it, and students whose furthest
      completed lesson it is.
    - ``ratings``: ``{"rating", "count"}`` for 1..5; ``rating_average`` (``None`` without
      ratings) and ``rating_count``.
    - ``chat``: ``{"day", "messages"}`` for each of the last ``ANALYTICS_CHAT_DAYS`` days
      (today last) in the course room; ``None`` when the chat app is not installed.
    """

    course_id: int
    students: int
    lessons: int
    enrollments: list
    completion: list
    dropoff: list
    ratings: list
    rating_average: float | None
    rating_count: int
    chat: list | None

    def as_dict(self):
        return asdict(self)


def require_analyst(user, course):
    """Raise :class:`~elearning_courses.exceptions.CourseActionDenied` (``not_owner``)
    unless ``user`` teaches ``course`` or is staff: they alone see its analytics."""
    if not (rules.is_owner(user, course) or rules.is_staff(user)):
        raise CourseActionDenied(_("Only the course's teacher can see its analytics."), "not_owner")


def course_analytics(user, course):
    """The :class:`CourseAnalytics` of ``course`` for ``user`` (its teacher or staff, see
    :func:`require_analyst`): five queries (four without the chat app)."""
    require_analyst(user, course)
    enrollments = enrollments_by_week(course)
    dropoff = lesson_dropoff(course)
    ratings, average, count = rating_distribution(course)
    return CourseAnalytics(
        course_id=course.pk,
        students=enrollments[-1]["total"] if enrollments else 0,
        lessons=len(dropoff),
        enrollments=enrollments,
        completion=completion_distribution(user, course),
        dropoff=dropoff,
        ratings=ratings,
        rating_average=average,
        rating_count=count,
        chat=chat_activity(course),
    )


def _week_start(day):
    return day - datetime.timedelta(days=day.weekday())


def enrollments_by_week(course):
    """New and cumulative current enrollments per week (weeks start on Monday, in the
    current time zone), gaps filled with zeros up to this week. One query."""
    rows = (
        Enrollment.objects.filter(course=course)
        .annotate(week=TruncWeek("created_at", output_field=DateField()))
        .order_by()
        .values("week")
        .annotate(n=Count("pk"))
    )
    counts = {row["week"]: row["n"] for row in rows}
    if not counts:
        return []
    week, last = min(counts), _week_start(timezone.localdate())
    series, total = [], 0
    while week <= max(last, max(counts)):
        total += counts.get(week, 0)
        series.append({"week": week, "new": counts.get(week, 0), "total": total})
        week += datetime.timedelta(weeks=1)
    return series


def completion_distribution(user, course):
    """Current students per bucket of :data:`COMPLETION_BUCKETS`, from the progress
    table's own numbers (:func:`progress.student_progress`). One query."""
    rows = progress.student_progress(user, course).order_by()
    counts = rows.aggregate(
        **{key: Count("pk", filter=condition) for key, _label, condition in COMPLETION_BUCKETS}
    )
    return [
        {"bucket": key, "label": label, "students": counts[key]}
        for key, label, _condition in COMPLETION_BUCKETS
    ]


def lesson_dropoff(course):
    """Per published lesson, in the outline's order: how many current students
    completed it, and how many stopped there (it is their furthest completed lesson).
    One query: a student's furthest completion is a subquery computed once per
    enrollment, not per lesson."""
    published = Lesson.objects.published().filter(course=course)
    enrolled = Enrollment.objects.filter(course=course)
    furthest = (
        LessonCompletion.objects.filter(student=OuterRef("student"), lesson__in=published.values("pk"))
        .order_by(*FURTHEST_FIRST)
        .values("pk")[:1]
    )
    rows = (
        published.order_by(*OUTLINE_ORDER)
        .annotate(
            completed=Count("completions", filter=Q(completions__student__in=enrolled.values("student"))),
            stopped=Count(
                "completions",
                filter=Q(completions__in=enrolled.annotate(furthest=Subquery(furthest)).values("furthest")),
            ),
        )
        .values_list("pk", "title", "completed", "stopped")
    )
    return [
        {"lesson": pk, "title": title, "completed": completed, "stopped": stopped}
        for pk, title, completed, stopped in rows
    ]


def rating_distribution(course):
    """``(counts, average, count)``: ``{"rating", "count"}`` for 1..5, the average
    rating (``None`` without ratings) and their number. Every rating given counts,
    as in the catalog's average. One query."""
    stars = range(1, 6)
    counts = Feedback.objects.filter(course=course).aggregate(
        average=Avg("rating"),
        count=Count("pk"),
        **{f"r{star}": Count("pk", filter=Q(rating=star)) for star in stars},
    )
    average = round(counts["average"], 2) if counts["average"] is not None else None
    return [{"rating": star, "count": counts[f"r{star}"]} for star in stars], average, counts["count"]


def chat_available():
    """Is the chat app installed (so that courses have chat rooms to measure)?"""
    return apps.is_installed("elearning_chat")


def _chat_since():
    """The start of the chat window: local midnight, ``ANALYTICS_CHAT_DAYS - 1`` days ago."""
    first_day = timezone.localdate() - datetime.timedelta(days=app_settings.ANALYTICS_CHAT_DAYS - 1)
    return first_day, timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.min))


def _messages():
    """The chat app's visible messages (deleted ones are not activity)."""
    return apps.get_model("elearning_chat", "Message").objects.filter(deleted=False)


def chat_activity(course):
    """Messages per day in the course room over the last ``ANALYTICS_CHAT_DAYS`` days
    (today last, in the current time zone), or ``None`` without the chat app. One query."""
    if not chat_available():
        return None
    first_day, since = _chat_since()
    rows = (
        _messages()
        .filter(room__slug=course.chat_room, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
    )
    counts = {row["day"]: row["n"] for row in rows}
    days = (first_day + datetime.timedelta(days=i) for i in range(app_settings.ANALYTICS_CHAT_DAYS))
    return [{"day": day, "messages": counts.get(day, 0)} for day in days]


#: Orders of :func:`overview`, by the name the overview's links use.
OVERVIEW_ORDERINGS = {
    "title": ("title", "pk"),
    "students": ("enrollment_count", "title", "pk"),
    "completion": (F("completion_rate").asc(nulls_first=True), "title", "pk"),
    "rating": (F("average_rating").asc(nulls_first=True), "title", "pk"),
    "messages": ("message_count", "title", "pk"),
    "created": ("created_at", "pk"),
}


def overview(order="title"):
    """Every course, drafts included, for staff: a queryset annotated with
    ``enrollment_count``, ``average_rating`` (as :meth:`CourseQuerySet.with_stats
    <elearning_courses.models.CourseQuerySet.with_stats>`), ``completed_count``
    (current students who completed every published lesson), ``completion_rate``
    (their percent of the students, ``None`` without students) and ``message_count``
    (in the course room over the last ``ANALYTICS_CHAT_DAYS`` days; 0 without the chat
    app). One query, paginated or not. ``order`` is a key of :data:`OVERVIEW_ORDERINGS`,
    ``-`` in front for descending."""
    done = (
        LessonCompletion.objects.filter(
            student=OuterRef("student"),
            course=OuterRef("course"),
            lesson__in=Lesson.objects.published().values("pk"),
        )
        .order_by()
        .values("student")
        .annotate(n=Count("pk"))
        .values("n")
    )
    total = (
        Lesson.objects.published()
        .filter(course=OuterRef("course"))
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    completers = (
        Enrollment.objects.filter(course=OuterRef("pk"))
        .annotate(done=Subquery(done))
        .filter(done__gte=Subquery(total))
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    courses = Course.objects.with_stats().annotate(
        completed_count=Coalesce(Subquery(completers), Value(0)),
        message_count=_message_count(),
    )
    courses = courses.annotate(completion_rate=_rate("completed_count", "enrollment_count"))
    return courses.order_by(*progress.ordering(order, OVERVIEW_ORDERINGS, default="title"))


def _rate(part, whole):
    """``part * 100.0 / whole`` in SQL, ``None`` when ``whole`` is 0."""
    return Case(
        When(Q((whole, 0)), then=Value(None)),
        default=Cast(F(part), FloatField()) * 100.0 / F(whole),
        output_field=FloatField(),
    )


def _message_count():
    """Messages of the last ``ANALYTICS_CHAT_DAYS`` days in the outer course's room."""
    if not chat_available():
        return Value(0)
    _first_day, since = _chat_since()
    room = Concat(Value("course-"), Cast(OuterRef("pk"), CharField()), output_field=CharField())
    messages = (
        _messages()
        .filter(room__slug=room, created_at__gte=since)
        .order_by()
        .values("room")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(messages), Value(0))

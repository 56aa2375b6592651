"""Progress of students through a course's lessons.

A student marks a lesson complete (:func:`complete_lesson`) and opening a lesson
remembers it as the place to continue from (:func:`record_visit`). Progress counts
only what students see: lessons of :meth:`LessonQuerySet.published
<elearning_courses.models.LessonQuerySet.published>`, and only while the student is
enrolled. Completions are kept when a student leaves or is blocked (hidden then,
they count again on re-enrollment) and deleted with their lesson, so percentages
stay right when a teacher removes or hides lessons.

Every function costs a fixed number of queries, whatever the number of students,
lessons or courses.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from . import content, rules
from .exceptions import CourseActionDenied
from .models import Enrollment, Lesson, LessonCompletion

__all__ = [
    "Progress",
    "require_learner",
    "complete_lesson",
    "uncomplete_lesson",
    "is_completed",
    "completed_lesson_ids",
    "record_visit",
    "lesson_count",
    "course_progress",
    "progress_by_course",
    "with_progress",
    "progress_of",
    "student_progress",
    "course_page_context",
    "lesson_page_context",
]


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` lessons, and ``percent`` (an int 0..100, rounded down so
    that 100 means every lesson; 0 for a course without lessons)."""

    done: int
    total: int
    percent: int

    @classmethod
    def of(cls, done, total):
        done, total = int(done or 0), int(total or 0)
        return cls(done=done, total=total, percent=done * 100 // total if total else 0)

    @property
    def is_complete(self):
        return self.total > 0 and self.done >= self.total


NO_PROGRESS = Progress(0, 0, 0)


def require_learner(student, lesson):
    """Raise :class:`~elearning_courses.exceptions.CourseActionDenied` unless ``student``
    is an enrolled student who may open ``lesson``: only they track progress through it
    (staff and teachers read lessons without being enrolled, and track nothing)."""
    if not rules.is_student(student):
        raise CourseActionDenied(_("Only students track their progress."), "not_student")
    if not rules.is_enrolled(student, lesson.course):
        raise CourseActionDenied(_("Enroll in this course to track your progress."), "not_enrolled")
    if not rules.can_view_lesson(student, lesson, access=SimpleNamespace(is_enrolled=True)):
        raise CourseActionDenied(_("This lesson is not available."), "not_visible")


def complete_lesson(student, lesson):
    """Mark ``lesson`` complete for ``student`` -> ``(LessonCompletion, created)``.

    Idempotent: completing a completed lesson changes nothing. Raises
    :class:`~elearning_courses.exceptions.CourseActionDenied` (``not_student``,
    ``not_enrolled``, ``not_visible``) for anyone but an enrolled student who may
    open the lesson.
    """
    require_learner(student, lesson)
    return LessonCompletion.objects.get_or_create(
        student=student, lesson=lesson, defaults={"course_id": lesson.course_id}
    )


def uncomplete_lesson(student, lesson):
    """Undo :func:`complete_lesson` -> whether there was a completion to remove.

    The same rules as :func:`complete_lesson`; idempotent too.
    """
    require_learner(student, lesson)
    deleted, _rows = LessonCompletion.objects.filter(student=student, lesson=lesson).delete()
    return bool(deleted)


def is_completed(student, lesson):
    """Has ``student`` marked ``lesson`` complete? (One query; ``False`` for anonymous.)"""
    if not (student and student.is_authenticated):
        return False
    return LessonCompletion.objects.filter(student=student, lesson=lesson).exists()


def completed_lesson_ids(user, course):
    """The ids of the lessons of ``course`` ``user`` completed, among those students see
    and while ``user`` is enrolled (one query; an empty set for anyone but a student),
    e.g. to tick them in the outline."""
    if not rules.is_student(user):
        return set()
    return set(
        Lesson.objects.published()
        .filter(course=course)
        .filter(_completed_by(user))
        .values_list("pk", flat=True)
    )


def record_visit(user, lesson):
    """Remember ``lesson`` as the last one ``user`` opened in its course.

    For an enrolled student, one UPDATE query (none for teachers, staff and
    visitors; nothing changes for a student who is not enrolled).
    """
    if not rules.is_student(user):
        return
    Enrollment.objects.filter(student=user, course_id=lesson.course_id).update(
        last_lesson=lesson, last_visited_at=timezone.now()
    )


def _completed_by(user):
    """``Exists`` of ``user``'s completion of the outer lesson, counted only while
    ``user`` is enrolled in the lesson's course (the completions of a student who left
    or was blocked are hidden)."""
    return Exists(
        LessonCompletion.objects.filter(student=user, lesson=OuterRef("pk")).filter(
            Exists(Enrollment.objects.filter(student=user, course=OuterRef(OuterRef("course"))))
        )
    )


def lesson_count(course):
    """How many lessons of ``course`` students see (one query)."""
    return Lesson.objects.published().filter(course=course).count()


def course_progress(user, course):
    """``user``'s :class:`Progress` through ``course``, in one query.

    Counts the lessons students see and ``user``'s completions of them; ``done`` is 0
    for anyone not enrolled.
    """
    if not rules.is_student(user):
        return Progress.of(0, lesson_count(course))
    counts = (
        Lesson.objects.published()
        .filter(course=course)
        .aggregate(total=Count("pk"), done=Count("pk", filter=Q(_completed_by(user))))
    )
    return Progress.of(counts["done"], counts["total"])


def progress_by_course(user, courses):
    """``{course_id: Progress}`` of ``user`` for each of ``courses``, in one query.

    ``courses`` is an iterable of courses or of their ids; each gets an entry, a
    course without visible lessons ``Progress(0, 0, 0)``.
    """
    ids = [getattr(course, "pk", course) for course in courses]
    result = dict.fromkeys(ids, NO_PROGRESS)
    if not ids:
        return result
    done = Count("pk", filter=Q(_completed_by(user))) if rules.is_student(user) else Value(0)
    rows = (
        Lesson.objects.published()
        .filter(course_id__in=ids)
        .order_by()
        .values("course_id")
        .annotate(total=Count("pk"), done=done)
    )
    for row in rows:
        result[row["course_id"]] = Progress.of(row["done"], row["total"])
    return result


def with_progress(courses, user):
    """``courses`` (a queryset) with ``lessons_total`` and ``lessons_done``: ``user``'s
    counts for each course, as in :func:`course_progress`, in the courses' own query
    (two correlated subqueries, computed for the rows fetched only). Read them as a
    :class:`Progress` with :func:`progress_of`."""
    lessons = Lesson.objects.published().filter(course=OuterRef("pk")).order_by()
    done = Value(0)
    if rules.is_student(user):
        done = Subquery(_count_by_course(lessons.filter(_completed_by(user))))
    return courses.annotate(
        lessons_total=Coalesce(Subquery(_count_by_course(lessons)), Value(0)),
        lessons_done=Coalesce(done, Value(0)),
    )


def _count_by_course(lessons):
    return lessons.values("course").annotate(n=Count("pk")).values("n")


def progress_of(course):
    """The :class:`Progress` of a course from :func:`with_progress`."""
    return Progress.of(course.lessons_done, course.lessons_total)


def _percent(done, total):
    """``done * 100 // total`` in SQL, 0 when ``total`` is 0 (as :meth:`Progress.of`)."""
    return Case(
        When(Q((total, 0)), then=Value(0)),
        default=F(done) * 100 / F(total),
        output_field=IntegerField(),
    )


#: Orders of :func:`student_progress`, by the name the progress table's links use.
ORDERINGS = {
    "name": ("student__last_name", "student__first_name", "student__username", "pk"),
    "done": ("done", "student__username", "pk"),
    "visit": (F("last_visited_at").asc(nulls_first=True), "student__username", "pk"),
}


def student_progress(teacher, course, order="name"):
    """Every enrolled student's progress through ``course``, for its teacher and staff.

    A queryset of :class:`~elearning_courses.models.Enrollment` with the student and
    the last lesson opened, annotated with ``done``, ``total`` and ``percent`` (as in
    :class:`Progress`); a fixed number of queries whatever the number of students and
    lessons, whether it is paginated or read whole. ``order`` is a key of
    :data:`ORDERINGS`, ``-`` in front for descending. Raises
    :class:`~elearning_courses.exceptions.CourseActionDenied` (``not_owner``) for
    anyone else.
    """
    if not (rules.is_owner(teacher, course) or rules.is_staff(teacher)):
        raise CourseActionDenied(_("Only the course's teacher can see its students' progress."), "not_owner")
    published = Lesson.objects.published().filter(course=course)
    total = published.order_by().values("course").annotate(n=Count("pk")).values("n")
    done = (
        LessonCompletion.objects.filter(student=OuterRef("student"), lesson__in=published.values("pk"))
        .order_by()
        .values("student")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Enrollment.objects.filter(course=course)
        .select_related("student", "last_lesson")
        .annotate(
            total=Coalesce(Subquery(total), Value(0)),
            done=Coalesce(Subquery(done), Value(0)),
        )
        .annotate(percent=_percent("done", "total"))
    )
    return rows.order_by(*ordering(order))


def ordering(order, orderings=None, default="name"):
    """The ``order_by`` arguments of a key of ``orderings`` (:data:`ORDERINGS` unless
    given; ``-`` in front for descending); an unknown key orders by ``default``."""
    orderings = ORDERINGS if orderings is None else orderings
    key = (order or "").removeprefix("-")
    if key not in orderings:
        return orderings[default]
    fields = orderings[key]
    if not order.startswith("-"):
        return fields
    return tuple(
        F(field).desc() if isinstance(field, str) else field.copy().reverse_ordering() for field in fields
    )


def first_lesson(course):
    """The first lesson of ``course`` students see, in the outline's order, or ``None``."""
    return (
        Lesson.objects.published()
        .filter(course=course)
        .order_by("module__position", "module_id", "position", "pk")
        .first()
    )


def course_page_context(user, course, access):
    """Context of ``includes/course_progress.html``: for an enrolled student, their
    ``progress`` and ``continue_lesson`` (the last lesson opened while still visible,
    ``resume`` true, else the course's first lesson); nothing for anyone else.

    Two queries when the student can continue, three when they start; none for
    visitors who are not enrolled.
    """
    if not access.is_enrolled:
        return {}
    enrollment = (
        Enrollment.objects.filter(student=user, course=course).select_related("last_lesson__module").first()
    )
    resume = enrollment.last_lesson if enrollment is not None else None
    if resume is not None:
        resume.course = course
        if not content.is_lesson_visible(user, resume):
            resume = None
    return {
        "progress": course_progress(user, course),
        "continue_lesson": resume or first_lesson(course),
        "resume": resume is not None,
    }


def lesson_page_context(user, lesson, access=None):
    """Context of ``includes/lesson_progress.html`` on a lesson's page: for an enrolled
    student, ``lesson_completed`` and the course's ``progress``; nothing for others.

    ``access`` is the user's :class:`~elearning_courses.rules.CourseAccess` (or its
    ``vars()``) to the lesson's course when the caller has it. Two queries.
    """
    enrolled = _is_enrolled(user, lesson.course, access)
    if not enrolled:
        return {}
    return {
        "lesson_completed": is_completed(user, lesson),
        "progress": course_progress(user, lesson.course),
    }


def _is_enrolled(user, course, access):
    if isinstance(access, dict):
        return bool(access.get("is_enrolled"))
    if access is not None:
        return bool(access.is_enrolled)
    return rules.is_enrolled(user, course)

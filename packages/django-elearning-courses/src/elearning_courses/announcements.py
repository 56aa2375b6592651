"""Announcements to a course's class, and the coalesced news of published lessons.

Announcements are for the class: the course's teacher, staff and the enrolled (never
blocked) students read them on the course page; nobody else sees any of them. Only the
teacher posts; the teacher and staff delete. Each enrolled student of a published course
is notified of a new announcement (one ``bulk_create``, pushed live). A draft course's
announcement notifies nobody: its students cannot see the course.

New lessons are news too, but a teacher publishes them in bursts: :func:`lessons_published`
keeps one unread "new lessons" notification per student and course, updated in place
("3 new lessons in ...") rather than one notification per lesson.
"""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import notifications, rules
from .exceptions import CourseActionDenied, CourseActionInvalid
from .markdown import render_markdown
from .models import ANNOUNCEMENT_MAX_LENGTH, Announcement, Course, Enrollment, Lesson, Notification
from .signals import _course_url as course_url

__all__ = [
    "SHOWN",
    "can_read",
    "can_post",
    "can_delete",
    "post_announcement",
    "delete_announcement",
    "render_body",
    "course_page_context",
    "lessons_published",
]

#: Announcements shown on the course page (newest first).
SHOWN = 5
TITLE_MAX_LENGTH = Announcement._meta.get_field("title").max_length
#: Where notifications point: the sections of the course page.
ANNOUNCEMENTS_ANCHOR = "#announcements"
LESSONS_ANCHOR = "#materials"  # the outline section keeps the id of the old list


def can_read(user, course, access=None):
    """The class reads announcements: the teacher, staff and enrolled students.

    ``access`` is the user's :class:`~elearning_courses.rules.CourseAccess` when the
    caller has it (saves a query). A blocked student is never enrolled.
    """
    if rules.is_owner(user, course) or rules.is_staff(user):
        return True
    enrolled = access.is_enrolled if access is not None else rules.is_enrolled(user, course)
    return enrolled and course.is_published


def can_post(user, course):
    """Only the course's teacher posts announcements."""
    return rules.can_edit_course(user, course)


def can_delete(user, course):
    """The course's teacher, and staff (moderation)."""
    return rules.can_edit_course(user, course) or rules.is_staff(user)


def render_body(text):
    """The announcement's Markdown as safe HTML (sanitized like lessons' text)."""
    return render_markdown(text)


def _check(title, body):
    """``(title, body)`` stripped, or :class:`CourseActionInvalid` with an error per field."""
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = ValidationError(_("Give the announcement a title."), code="title_required")
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = ValidationError(
            _("The title can have at most %(max)d characters.") % {"max": TITLE_MAX_LENGTH},
            code="title_too_long",
        )
    if len(body) > ANNOUNCEMENT_MAX_LENGTH:
        errors["body"] = ValidationError(
            _("The text can have at most %(max)d characters.") % {"max": ANNOUNCEMENT_MAX_LENGTH},
            code="body_too_long",
        )
    if errors:
        raise CourseActionInvalid(errors)
    return title, body


def _class_of(course):
    """The enrolled, not blocked students of ``course`` (a blocked student is never
    enrolled; the exclusion guards rows written around the receivers)."""
    return (
        get_user_model()
        .objects.filter(elearning_enrollments__course=course)
        .exclude(elearning_course_blocks__course=course)
        .only("pk")
    )


def post_announcement(teacher, course, *, title, body=""):
    """Post an announcement to ``course``'s class -> :class:`Announcement`.

    Raises :class:`CourseActionDenied` (``not_teacher``, ``not_owner``) unless ``teacher``
    teaches the course, :class:`CourseActionInvalid` for an empty or too long title or
    text. The enrolled students of a published course are notified (after commit, live).
    """
    if not rules.is_teacher(teacher):
        raise CourseActionDenied(_("Only teachers can do this."), "not_teacher")
    if not rules.is_owner(teacher, course):
        raise CourseActionDenied(_("Only the course's teacher can post announcements."), "not_owner")
    title, body = _check(title, body)
    with transaction.atomic():  # the announcement and its notifications: all or none
        announcement = Announcement.objects.create(course=course, author=teacher, title=title, body=body)
        if course.is_published:
            students = list(_class_of(course))
            if students:
                notifications.notify_many(
                    students,
                    Notification.Verb.ANNOUNCEMENT,
                    _("Announcement in %(course)s: %(title)s") % {"course": course, "title": title},
                    course_url(course, ANNOUNCEMENTS_ANCHOR),
                )
    return announcement


def delete_announcement(teacher, announcement):
    """Delete an announcement: its course's teacher or staff (``not_allowed`` otherwise).

    The notifications already sent stay; their link leads to the course's announcements.
    """
    if not can_delete(teacher, announcement.course):
        raise CourseActionDenied(
            _("Only the course's teacher and staff can delete announcements."), "not_allowed"
        )
    announcement.delete()


def course_page_context(user, course, access):
    """Context of ``includes/course_announcements.html``: at most two queries, none for
    those who may not read announcements."""
    if not can_read(user, course, access):
        return {"show_announcements": False}
    # One extra row tells whether a count is needed.
    rows = list(Announcement.objects.filter(course=course)[: SHOWN + 1])
    count = len(rows) if len(rows) <= SHOWN else Announcement.objects.filter(course=course).count()
    rows = rows[:SHOWN]
    for announcement in rows:
        announcement.body_html = render_body(announcement.body)
    return {
        "show_announcements": True,
        "announcements": rows,
        "announcement_count": count,
        "can_post_announcement": can_post(user, course),
        "can_delete_announcements": can_delete(user, course),
    }


# -- News of published lessons -------------------------------------------------------


def lessons_published(course, lessons):
    """Tell the enrolled students that ``lessons`` of ``course`` became visible.

    Called by the content services inside their transaction; the work waits for the
    commit (:class:`LessonNews`), so a rolled-back change tells nobody. ``lessons`` are
    :class:`Lesson` objects or primary keys; those not visible to students at commit time
    (a draft lesson, module or course) are left out.
    """
    ids = [getattr(lesson, "pk", lesson) for lesson in lessons]
    if ids and course.is_published:
        transaction.on_commit(LessonNews(course.pk, ids))


def lessons_message(course, count, title=""):
    """ "New lesson in <course>: <title>" for one lesson, "<n> new lessons in <course>"."""
    if count == 1:
        return _("New lesson in %(course)s: %(title)s") % {"course": course, "title": title}
    # Translators: keep the number first: a later update reads it to add to it.
    return ngettext("%(count)d new lesson in %(course)s", "%(count)d new lessons in %(course)s", count) % {
        "count": count,
        "course": course,
    }


def _count_in(message):
    """How many lessons a message of :func:`lessons_message` counts (its leading number)."""
    match = re.match(r"\s*(\d+)", message)
    return int(match.group(1)) if match else 1


class LessonNews:
    """The after-commit work of :func:`lessons_published`, in a constant number of queries.

    Each enrolled student gets one notification, or has their unread one about new
    lessons of the course (the same link) updated in place: its count grows and it
    becomes the newest again. Both kinds are pushed, with the unread counts.
    """

    def __init__(self, course_id, lesson_ids):
        self.course_id = course_id
        self.lesson_ids = list(lesson_ids)

    def __call__(self):
        course = Course.objects.filter(pk=self.course_id, is_published=True).first()
        if course is None:
            return
        titles = list(
            Lesson.objects.published()
            .filter(course=course, pk__in=self.lesson_ids)
            .order_by("module__position", "module_id", "position", "id")
            .values_list("title", flat=True)
        )
        if not titles:
            return
        url = course_url(course, LESSONS_ANCHOR)
        with transaction.atomic():
            students = list(
                Enrollment.objects.filter(course=course)
                .exclude(student__elearning_course_blocks__course=course)
                .values_list("student_id", flat=True)
            )
            if not students:
                return
            unread = {}
            if url:  # without the pages mounted there is no link that tells courses apart
                older = Notification.objects.filter(
                    recipient__elearning_enrollments__course=course,
                    verb=Notification.Verb.LESSON,
                    url=url,
                    is_read=False,
                ).order_by("created_at", "id")
                enrolled = set(students)
                # The newest one per student (a later row replaces an earlier one).
                unread = {n.recipient_id: n for n in older if n.recipient_id in enrolled}
            now = timezone.now()
            for notification in unread.values():
                count = _count_in(notification.message) + len(titles)
                notification.message = lessons_message(course, count)[:255]
                notification.created_at = now
            if unread:
                Notification.objects.bulk_update(list(unread.values()), ["message", "created_at"])
            message = lessons_message(course, len(titles), titles[0])[:255]
            created = Notification.objects.bulk_create(
                [
                    Notification(
                        recipient_id=student_id, verb=Notification.Verb.LESSON, message=message, url=url
                    )
                    for student_id in students
                    if student_id not in unread
                ]
            )
            notifications.schedule_pushes([*unread.values(), *created])

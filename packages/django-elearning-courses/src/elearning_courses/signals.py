"""``post_save`` receivers: notifications, and the side effects of a block.

* enrollment created -> the course's teacher is notified;
* feedback created or changed -> the teacher;
* material created -> every enrolled student (one ``bulk_create``);
* block created -> the student loses the enrollment, is notified (with the reason),
  and (after commit, when ``elearning_chat`` is installed) is removed from the course
  room; a lifted block is notified by :func:`student_unblocked`;
* notification created -> pushed live to the recipient.

Connected in :meth:`ElearningCoursesConfig.ready`. They also run for rows created
in the admin, so the rules hold whatever the entry point.
"""

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from . import notifications
from .models import CourseBlock, CourseMaterial, Enrollment, Feedback, Notification


def _course_url(course, suffix=""):
    try:
        return course.get_absolute_url() + suffix
    except NoReverseMatch:  # the host may not mount the pages
        return ""


@receiver(post_save, sender=Enrollment, dispatch_uid="elearning_courses_enrollment_notify")
def enrollment_created(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    course = instance.course
    notifications.notify(
        course.teacher,
        Notification.Verb.ENROLLED,
        _("%(student)s enrolled in %(course)s.") % {"student": instance.student, "course": course},
        _course_url(course),
    )


@receiver(post_save, sender=Feedback, dispatch_uid="elearning_courses_feedback_notify")
def feedback_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    course = instance.course
    if created:
        text = _("%(student)s rated %(course)s %(rating)s/5.")
    else:
        text = _("%(student)s changed their rating of %(course)s to %(rating)s/5.")
    notifications.notify(
        course.teacher,
        Notification.Verb.FEEDBACK,
        text % {"student": instance.student, "course": course, "rating": instance.rating},
        _course_url(course, "#feedback"),
    )


@receiver(post_save, sender=CourseMaterial, dispatch_uid="elearning_courses_material_notify")
def material_created(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    course = instance.course
    students = [e.student for e in course.enrollments.select_related("student")]
    if students:
        notifications.notify_many(
            students,
            Notification.Verb.MATERIAL,
            _("New material in %(course)s: %(title)s.") % {"course": course, "title": instance.title},
            _course_url(course, "#materials"),
        )


@receiver(post_save, sender=CourseBlock, dispatch_uid="elearning_courses_block_effects")
def block_created(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    course = instance.course
    Enrollment.objects.filter(course=course, student_id=instance.student_id).delete()
    if instance.reason:
        # The reason is meant for the student: the notification is where they first see it.
        text = _("You have been blocked from %(course)s. Reason: %(reason)s") % {
            "course": course,
            "reason": instance.reason,
        }
    else:
        text = _("You have been blocked from %(course)s.") % {"course": course}
    notifications.notify(instance.student, Notification.Verb.BLOCKED, text, _course_url(course))
    if apps.is_installed("elearning_chat"):
        room, user_id = course.chat_room, instance.student_id
        transaction.on_commit(lambda: _remove_from_chat_room(room, user_id))


def student_unblocked(course, student):
    """Tell a student that a block was lifted (called by ``services.unblock``).

    Not a ``post_delete`` receiver: blocks are also deleted with their course or their
    student, and neither is news to tell anyone.
    """
    notifications.notify(
        student,
        Notification.Verb.UNBLOCKED,
        _("You are no longer blocked from %(course)s: you can enroll again.") % {"course": course},
        _course_url(course),
    )


def _remove_from_chat_room(room, user_id):
    from elearning_chat.moderation import remove_user_from_room

    remove_user_from_room(room, user_id)


@receiver(post_save, sender=Notification, dispatch_uid="elearning_courses_notification_push")
def notification_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        notifications.schedule_push(instance)

"""Actions on courses, shared by the pages, the API and the demo data.

Every function checks the rules of :mod:`elearning_courses.rules` itself, so no
caller can forget them, and raises:

* :class:`~elearning_courses.exceptions.CourseActionDenied` (a ``PermissionDenied``,
  403) when the user may not do it, with ``code`` ``not_teacher``, ``not_owner``,
  ``not_student``, ``blocked``, ``not_enrolled``;
* :class:`~elearning_courses.exceptions.CourseActionInvalid` (a ``ValidationError``,
  400 / form error) when the state forbids it, with ``code`` ``already_enrolled``,
  ``not_enrolled``, ``already_blocked``, ``not_blocked``, ``not_a_student``,
  ``invalid_rating``.

Notifications are created by the receivers in :mod:`elearning_courses.signals`.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import rules, signals
from .exceptions import CourseActionDenied, CourseActionInvalid
from .materials import MaterialInfo, validate_material_upload  # noqa: F401  (re-exported)
from .models import Course, CourseBlock, CourseMaterial, Enrollment, Feedback

__all__ = [
    "create_course",
    "update_course",
    "delete_course",
    "add_material",
    "delete_material",
    "enroll",
    "unenroll",
    "save_feedback",
    "block",
    "unblock",
    "validate_material_upload",
]


def _require_owner(teacher, course):
    if not rules.is_teacher(teacher):
        raise CourseActionDenied(_("Only teachers can do this."), "not_teacher")
    if not rules.is_owner(teacher, course):
        raise CourseActionDenied(_("Only the course's teacher can do this."), "not_owner")


#: The fields of a course its teacher sets (the cover apart: see :func:`_set_cover`).
COURSE_FIELDS = ("title", "description", "subject", "is_published")


def _set_cover(course, cover):
    """``cover``: a checked image file (``covers``) to store, ``False`` to remove the
    cover, ``None`` to keep it. A replaced or removed file is deleted after commit."""
    if cover is None:
        return
    old = course.cover.name if course.cover else ""
    if cover is False:
        course.cover = ""
    else:
        course.cover.save(cover.name, cover, save=False)
    if old and old != course.cover.name:
        storage = course.cover.storage
        transaction.on_commit(lambda: storage.delete(old))


def create_course(teacher, *, title, description="", subject=None, is_published=True, cover=None):
    """Create a course owned by ``teacher`` -> :class:`Course`.

    ``is_published=False`` makes a draft that only its teacher and staff see.
    """
    if not rules.can_create_course(teacher):
        raise CourseActionDenied(_("Only teachers can create courses."), "not_teacher")
    course = Course(
        teacher=teacher, title=title, description=description, subject=subject, is_published=is_published
    )
    _set_cover(course, cover or None)
    course.save()
    return course


def update_course(teacher, course, *, cover=None, **fields):
    """Change the :data:`COURSE_FIELDS` given (and the ``cover``) of a course its
    ``teacher`` owns. Publishing a draft notifies nobody."""
    _require_owner(teacher, course)
    for name in COURSE_FIELDS:
        if name in fields:
            setattr(course, name, fields[name])
    _set_cover(course, cover)
    course.save()
    return course


def delete_course(teacher, course):
    _require_owner(teacher, course)
    cover = course.cover.name if course.cover else ""
    storage = course.cover.storage
    course.delete()
    if cover:
        transaction.on_commit(lambda: storage.delete(cover))


def add_material(teacher, course, *, file, title=""):
    """Validate ``file`` and store it as a material of ``course`` -> :class:`CourseMaterial`.

    The file is stored under a generated name; its own name is kept only for display
    and ``Content-Disposition``. Raises ``ValidationError`` for a bad file.
    """
    _require_owner(teacher, course)
    info = validate_material_upload(file)
    title = (title or "").strip() or info.original_name.rsplit(".", 1)[0][:200] or info.original_name
    material = CourseMaterial(
        course=course,
        title=title[:200],
        file=file,
        original_name=info.original_name,
        size=info.size,
        content_type=info.content_type,
    )
    try:
        # The material and its students' notifications (post_save receiver): all or none.
        with transaction.atomic():
            material.save()
    except BaseException:
        # The file was stored before the row: a failed write must not leave it behind
        # (_committed: the storage holds it under its generated name).
        if material.file.name and getattr(material.file, "_committed", False):
            material.file.storage.delete(material.file.name)
        raise
    return material


def delete_material(teacher, material):
    """Delete a material and its stored file (after the transaction commits)."""
    _require_owner(teacher, material.course)
    storage, name = material.file.storage, material.file.name
    material.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def enroll(student, course):
    """Enroll ``student`` in ``course`` -> :class:`Enrollment`.

    Safe against concurrent double submissions: the database's unique constraint
    decides, and the loser gets ``already_enrolled``.
    """
    if not rules.is_student(student):
        raise CourseActionDenied(_("Only students can enroll in courses."), "not_student")
    if rules.is_blocked(student, course):
        raise CourseActionDenied(_("You have been blocked from this course."), "blocked")
    try:
        with transaction.atomic():
            return Enrollment.objects.create(student=student, course=course)
    except IntegrityError:
        raise CourseActionInvalid(
            _("You are already enrolled in this course."), code="already_enrolled"
        ) from None


def unenroll(student, course):
    """Remove ``student``'s enrollment (their feedback stays)."""
    deleted, _details = Enrollment.objects.filter(student=student, course=course).delete()
    if not deleted:
        raise CourseActionInvalid(_("You are not enrolled in this course."), code="not_enrolled")


def save_feedback(student, course, *, rating, comment=""):
    """Create or update ``student``'s feedback on ``course`` -> ``(Feedback, created)``."""
    if not rules.is_student(student):
        raise CourseActionDenied(_("Only students can rate courses."), "not_student")
    if rules.is_blocked(student, course):
        raise CourseActionDenied(_("You have been blocked from this course."), "blocked")
    if not rules.is_enrolled(student, course):
        raise CourseActionDenied(_("Enroll in the course to rate it."), "not_enrolled")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise CourseActionInvalid(_("The rating must be from 1 to 5."), code="invalid_rating")
    # update_or_create survives a concurrent first rating itself: it locks the row, and
    # when its create loses the unique constraint it fetches and updates the winner's.
    return Feedback.objects.update_or_create(
        student=student, course=course, defaults={"rating": rating, "comment": comment or ""}
    )


def block(teacher, course, student, reason=""):
    """Block ``student`` from ``course`` -> :class:`CourseBlock`.

    Removes the enrollment, and (after commit) the student's open sockets in the
    course chat room when ``elearning_chat`` is installed.
    """
    _require_owner(teacher, course)
    if not rules.is_student(student):
        raise CourseActionInvalid(_("Only students can be blocked."), code="not_a_student")
    try:
        with transaction.atomic():
            # The post_save receiver removes the enrollment and the chat sockets.
            return CourseBlock.objects.create(course=course, student=student, reason=reason or "")
    except IntegrityError:
        raise CourseActionInvalid(
            _("This student is already blocked from the course."), code="already_blocked"
        ) from None


def unblock(teacher, course, student):
    """Lift a block; the student may enroll again (they are not re-enrolled)."""
    _require_owner(teacher, course)
    with transaction.atomic():  # the block is lifted and the student told, or neither
        deleted, _details = CourseBlock.objects.filter(course=course, student=student).delete()
        if not deleted:
            raise CourseActionInvalid(_("This student is not blocked."), code="not_blocked")
        signals.student_unblocked(course, student)

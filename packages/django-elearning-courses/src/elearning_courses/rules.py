"""Who may do what with courses: the one place the access rules are written.

Pure predicates (no side effects, no exceptions) used by the pages, the API, the
download view and the chat room policy. Each takes the acting ``user`` (possibly
anonymous) first. The actions that change data are in
:mod:`elearning_courses.services` and check these same predicates.

Each predicate costs at most one small indexed query; pass ``is_enrolled`` /
``is_blocked`` results you already have to avoid repeating them.
"""

from dataclasses import dataclass

from elearning_users.models import Role

from .models import CourseBlock, Enrollment


def is_teacher(user):
    return bool(user and user.is_authenticated and getattr(user, "role", None) == Role.TEACHER)


def is_student(user):
    return bool(user and user.is_authenticated and getattr(user, "role", None) == Role.STUDENT)


def is_owner(user, course):
    """``user`` teaches ``course``."""
    return bool(user and user.is_authenticated and course.teacher_id == user.pk)


def is_enrolled(user, course):
    if not is_student(user):
        return False
    return Enrollment.objects.filter(student=user, course=course).exists()


def is_blocked(user, course):
    if not (user and user.is_authenticated):
        return False
    return CourseBlock.objects.filter(student=user, course=course).exists()


def is_staff(user):
    return bool(user and user.is_authenticated and user.is_staff)


def can_view_course(user, course):
    """Published courses are public; a draft is seen by its teacher and staff only."""
    return course.is_published or is_owner(user, course) or is_staff(user)


def can_view_drafts(user, course):
    """Who sees draft modules and lessons of ``course``: its teacher and staff."""
    return is_owner(user, course) or is_staff(user)


def can_view_lesson(user, lesson, *, access=None):
    """May ``user`` open ``lesson`` and read its content?

    The teacher and staff, drafts included; enrolled (never blocked) students when the
    lesson, its module and its course are published. ``access`` is the user's
    :class:`CourseAccess` to the lesson's course when the caller has it already.
    """
    course = lesson.course
    if can_view_drafts(user, course):
        return True
    enrolled = access.is_enrolled if access is not None else is_enrolled(user, course)
    return enrolled and course.is_published and lesson.is_published and lesson.module.is_published


def can_create_course(user):
    """Only teachers create courses."""
    return is_teacher(user)


def can_edit_course(user, course):
    """Only the owning teacher edits or deletes a course, uploads or deletes materials."""
    return is_teacher(user) and is_owner(user, course)


can_delete_course = can_edit_course
can_manage_materials = can_edit_course
can_manage_students = can_edit_course


def can_view_materials(user, course):
    """The owning teacher, and enrolled students (a blocked student is never enrolled)."""
    if is_owner(user, course):
        return True
    return is_enrolled(user, course)


def can_enroll(user, course):
    """Students who are neither enrolled in nor blocked from the course."""
    if not is_student(user):
        return False
    return not (is_enrolled(user, course) or is_blocked(user, course))


def can_unenroll(user, course):
    return is_enrolled(user, course)


def can_rate(user, course):
    """Enrolled students (blocking removes the enrollment, so blocked students cannot)."""
    return is_enrolled(user, course) and not is_blocked(user, course)


def can_block(user, course, student=None):
    """The owning teacher may block students (not teachers, not themself)."""
    if not can_edit_course(user, course):
        return False
    return student is None or getattr(student, "role", None) == Role.STUDENT


def can_join_course_room(user, course):
    """The course chat room: the teacher and enrolled, non-blocked students (and staff)."""
    if not (user and user.is_authenticated):
        return False
    if is_owner(user, course) or user.is_staff:
        return True
    return can_rate(user, course)


def can_moderate_course_room(user, course):
    return bool(user and user.is_authenticated and (is_owner(user, course) or user.is_staff))


@dataclass(frozen=True)
class CourseAccess:
    """Everything ``user`` may do with one course, decided with at most two queries.

    The same answers as the predicates above (a test holds them equal for every role),
    for pages that need several of them at once.
    """

    is_owner: bool
    is_enrolled: bool
    is_blocked: bool
    can_view_materials: bool
    can_enroll: bool
    can_rate: bool
    can_chat: bool
    can_moderate_chat: bool


def course_access(user, course):
    """Return the :class:`CourseAccess` of ``user`` (possibly anonymous) to ``course``."""
    authenticated = bool(user and user.is_authenticated)
    owner = is_owner(user, course)
    enrolled = is_enrolled(user, course)
    blocked = is_student(user) and is_blocked(user, course)
    can_rate_ = enrolled and not blocked
    staff = authenticated and user.is_staff
    return CourseAccess(
        is_owner=can_edit_course(user, course),
        is_enrolled=enrolled,
        is_blocked=blocked,
        can_view_materials=owner or enrolled,
        can_enroll=is_student(user) and not (enrolled or blocked),
        can_rate=can_rate_,
        can_chat=authenticated and (owner or staff or can_rate_),
        can_moderate_chat=authenticated and (owner or staff),
    )

"""Who sees which modules and lessons of a course, and the course outline.

The rule (the same for the pages and the API):

* a module or lesson is visible to students when the course, the module and the
  lesson are all published; the course's teacher and staff also see drafts;
* the titles of visible lessons are a public outline; their content (text, video,
  files) is for the teacher, staff and enrolled, never blocked, students
  (:func:`elearning_courses.rules.can_view_lesson`).

:func:`build_outline` reads a whole course in two queries (modules, then lessons with
their material), whatever its size.
"""

from dataclasses import dataclass, field

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from . import rules
from .models import Lesson, Module


def modules_visible_to(user, course):
    """The modules of ``course`` ``user`` sees, in order."""
    modules = Module.objects.filter(course=course)
    if not rules.can_view_drafts(user, course):
        modules = modules.published()
    return modules.order_by("position", "id")


def lessons_visible_to(user, course):
    """The lessons of ``course`` ``user`` sees (module order is not applied)."""
    lessons = Lesson.objects.filter(course=course)
    if not rules.can_view_drafts(user, course):
        lessons = lessons.published()
    return lessons


def is_lesson_visible(user, lesson):
    """May ``user`` know that ``lesson`` exists (see its title)?"""
    course = lesson.course
    if rules.can_view_drafts(user, course):
        return True
    return course.is_published and lesson.module.is_published and lesson.is_published


@dataclass
class OutlineLesson:
    lesson: Lesson
    #: ``user`` may open the lesson page (else only the title is shown).
    can_open: bool


@dataclass
class OutlineModule:
    module: Module
    lessons: list = field(default_factory=list)


@dataclass
class Outline:
    """A course's modules with their lessons, as one user sees them."""

    modules: list
    can_view_drafts: bool

    @property
    def lessons(self):
        """Every lesson in reading order (module by module)."""
        return [item for module in self.modules for item in module.lessons]

    @property
    def lesson_count(self):
        return sum(len(module.lessons) for module in self.modules)

    def neighbours(self, lesson):
        """``(previous, next)`` :class:`OutlineLesson` around ``lesson`` in reading order."""
        items = self.lessons
        for index, item in enumerate(items):
            if item.lesson.pk == lesson.pk:
                previous = items[index - 1] if index > 0 else None
                following = items[index + 1] if index + 1 < len(items) else None
                return previous, following
        return None, None


def build_outline(user, course, *, access=None):
    """The :class:`Outline` of ``course`` for ``user``, in two queries.

    ``access`` is ``user``'s :class:`~elearning_courses.rules.CourseAccess` when the
    caller has it already (saves its queries).
    """
    access = access if access is not None else rules.course_access(user, course)
    drafts = rules.can_view_drafts(user, course)
    modules = [OutlineModule(module) for module in modules_visible_to(user, course)]
    by_id = {item.module.pk: item for item in modules}
    lessons = (
        lessons_visible_to(user, course)
        .filter(module_id__in=list(by_id))
        .select_related("material")
        .order_by("position", "id")
    )
    may_read = drafts or (access.is_enrolled and course.is_published)
    for lesson in lessons:
        item = by_id[lesson.module_id]
        # The lesson's course and module are these objects: no query for lesson.module.
        lesson.course = course
        lesson.module = item.module
        item.lessons.append(OutlineLesson(lesson, can_open=may_read))
    return Outline(modules=modules, can_view_drafts=drafts)


def get_lesson(user, course, lesson_pk):
    """The lesson ``lesson_pk`` of ``course`` if ``user`` may know it exists, else 404.

    Drafts (of the lesson, its module or the course) are a 404 for anyone but the
    teacher and staff. Whether ``user`` may read it is :func:`rules.can_view_lesson`.
    """
    lesson = get_object_or_404(
        Lesson.objects.select_related("module", "material"), pk=lesson_pk, course_id=course.pk
    )
    lesson.course = course
    if not is_lesson_visible(user, lesson):
        raise Http404(_("No lesson found."))
    return lesson

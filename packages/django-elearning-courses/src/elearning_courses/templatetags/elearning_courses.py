"""Template filters of the courses app: ``{% load elearning_courses %}``."""

from django import template

from ..markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """``{{ lesson.text|markdown }}``: Markdown rendered and sanitized (see :mod:`..markdown`)."""
    return render_markdown(text)


@register.filter
def courses_taught_for(teacher, viewer):
    """The courses ``teacher`` teaches that ``viewer`` may see: the published ones, and the
    drafts too when ``viewer`` is that teacher or staff."""
    from ..models import Course
    from ..rules import can_view_drafts

    courses = Course.objects.filter(teacher=teacher)
    if not can_view_drafts(viewer, Course(teacher=teacher)):
        courses = courses.published()
    return courses


@register.filter
def can_edit_course(user, course):
    """``{% if user|can_edit_course:course %}``: :func:`..rules.can_edit_course`, the rule
    of the pages only the course's teacher opens (content, students, blocked)."""
    from ..rules import can_edit_course as rule

    return rule(user, course)

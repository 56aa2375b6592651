"""Progress on the lesson page: ``{% load elearning_progress %}``."""

from django import template

from .. import progress

register = template.Library()


@register.simple_tag(takes_context=True)
def lesson_progress_state(context, lesson, access=None):
    """``{% lesson_progress_state lesson access as state %}``: the dict of
    :func:`elearning_courses.progress.lesson_page_context` for the current user.

    A view that already put it in the context as ``lesson_progress`` saves the
    queries; otherwise it is computed here (two queries for an enrolled student).
    """
    state = context.get("lesson_progress")
    if state is not None:
        return state
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return {}
    return progress.lesson_page_context(user, lesson, access)

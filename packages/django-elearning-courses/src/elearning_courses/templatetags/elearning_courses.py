"""Template filters of the courses app: ``{% load elearning_courses %}``."""

from django import template

from ..markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """``{{ lesson.text|markdown }}``: Markdown rendered and sanitized (see :mod:`..markdown`)."""
    return render_markdown(text)

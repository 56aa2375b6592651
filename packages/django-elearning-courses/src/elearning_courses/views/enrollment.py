"""Enrolling in and leaving a course (POST only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from .mixins import get_course, safe_next


@require_POST
@login_required
def enroll(request, pk):
    """Enroll the student. Teachers and blocked students get a 403 (from the service); a
    draft is a 404."""
    course = get_course(pk, user=request.user)
    try:
        services.enroll(request.user, course)
    except ValidationError:  # already enrolled: a double click, not an error worth a 4xx page
        messages.info(request, _("You are already enrolled in this course."))
    else:
        messages.success(request, _("You are enrolled in “%(title)s”. Welcome!") % {"title": course.title})
    return redirect(safe_next(request, course.get_absolute_url()))


@require_POST
@login_required
def unenroll(request, pk):
    course = get_course(pk)
    try:
        services.unenroll(request.user, course)
    except ValidationError:
        messages.info(request, _("You are not enrolled in this course."))
    else:
        messages.success(request, _("You left “%(title)s”.") % {"title": course.title})
    return redirect(safe_next(request, course.get_absolute_url()))

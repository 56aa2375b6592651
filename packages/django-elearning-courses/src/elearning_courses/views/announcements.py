"""Announcements: a teacher writes to the class.

Anonymous visitors go to the log-in page; a draft course is a 404 for anyone but its
teacher and staff (as its page is); anybody else who may not act gets the 403 page
that says why. The rules are those of :mod:`elearning_courses.announcements`.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from elearning_users.forms import BootstrapFormMixin

from .. import announcements, rules
from ..models import ANNOUNCEMENT_MAX_LENGTH, Announcement
from .mixins import get_course, page_context


class AnnouncementForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=announcements.TITLE_MAX_LENGTH,
        error_messages={"required": gettext_lazy("Give the announcement a title.")},
    )
    body = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=ANNOUNCEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Markdown: **bold**, *italic*, lists, links."),
    )


def _course_for(request, pk):
    """The course of the page, or 404 (unknown, or a draft the user may not see)."""
    course = get_course(pk)
    if not rules.can_view_course(request.user, course):
        raise Http404(_("No course found."))
    return course


def _back(course):
    return course.get_absolute_url() + announcements.ANNOUNCEMENTS_ANCHOR


@require_http_methods(["GET", "HEAD", "POST"])
def announcement_create(request, pk):
    """The form page (GET, HEAD) and its target (POST); only the course's teacher."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    course = _course_for(request, pk)
    if not announcements.can_post(request.user, course):
        raise PermissionDenied(_("Only the course's teacher can post announcements."))
    form = AnnouncementForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            announcement = announcements.post_announcement(request.user, course, **form.cleaned_data)
        except ValidationError as error:  # CourseActionInvalid: beside its field
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The announcement “%(title)s” was posted.") % {"title": announcement.title}
            )
            return redirect(_back(course))
    context = {**page_context(request), "course": course, "form": form}
    return render(request, "elearning_courses/announcement_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def announcement_delete(request, pk, announcement_pk):
    """The confirmation page (GET, HEAD) and the deletion (POST): the teacher and staff."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    course = _course_for(request, pk)
    if not announcements.can_delete(request.user, course):
        raise PermissionDenied(_("Only the course's teacher and staff can delete announcements."))
    announcement = get_object_or_404(Announcement, pk=announcement_pk, course=course)
    announcement.course = course
    if request.method == "POST":
        announcements.delete_announcement(request.user, announcement)
        messages.success(
            request, _("The announcement “%(title)s” was deleted.") % {"title": announcement.title}
        )
        return redirect(_back(course))
    context = {
        **page_context(request),
        "course": course,
        "heading": _("Delete the announcement “%(title)s”?") % {"title": announcement.title},
        "message": _("The class will no longer see it. This cannot be undone."),
        "cancel_url": _back(course),
    }
    return render(request, "elearning_courses/confirm_delete.html", context)

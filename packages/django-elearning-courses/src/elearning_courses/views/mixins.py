"""Shared pieces of the course pages: loading a course and checking its owner."""

from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .. import rules
from ..conf import app_settings
from ..context_processors import notifications
from ..models import Course


def page_context(request):
    """What every course page's layout needs, whatever the site's context processors:
    the template to extend and the bell's unread count."""
    return {"elearning_base_template": app_settings.BASE_TEMPLATE, **notifications(request)}


class CoursePageMixin:
    """Gives a course page the context of :func:`page_context`."""

    def get_context_data(self, **kwargs):
        for key, value in page_context(self.request).items():
            kwargs.setdefault(key, value)
        return super().get_context_data(**kwargs)


class LenientPaginationMixin:
    """Paginate a ``ListView`` without 404s: an out-of-range ``?page=`` shows the last
    page and a non-numeric one the first (``Paginator.get_page``), so a stale link
    (the list shrank since) still lands on a page of results."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=self.get_allow_empty())
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


def forbidden_page(view):
    """Answer a ``PermissionDenied`` raised by ``view`` with a 403 page that says why.

    The reason is the exception's message (e.g. "You have been blocked from this
    course."), from :mod:`elearning_courses.services` or the view.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as denied:
            context = {
                **page_context(request),
                "reason": str(denied) if denied.args else "",
                "course_pk": kwargs.get("pk"),
            }
            return render(request, "elearning_courses/forbidden.html", context, status=403)

    return wrapped


def get_course(pk, queryset=None, user=None):
    """The course with primary key ``pk`` (with its teacher), or 404.

    With ``user``, a draft that ``user`` may not see is a 404 too: to anyone but its
    teacher and staff it does not exist (``rules.can_view_course``).
    """
    queryset = queryset if queryset is not None else Course.objects.select_related("teacher")
    course = get_object_or_404(queryset, pk=pk)
    if user is not None and not rules.can_view_course(user, course):
        raise Http404(_("No course found."))
    return course


class OwnedCourseMixin(LoginRequiredMixin, CoursePageMixin):
    """Pages only the course's teacher may open.

    Anonymous visitors go to the log-in page, an unknown course is a 404, and
    everybody else gets a 403: the course itself is public, so saying it
    exists leaks nothing.
    """

    course_url_kwarg = "pk"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.course = get_course(kwargs[self.course_url_kwarg], user=request.user)
        if not rules.can_edit_course(request.user, self.course):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("course", self.course)
        return super().get_context_data(**kwargs)


def safe_next(request, default):
    """The ``next`` POST/GET parameter when it points at this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default

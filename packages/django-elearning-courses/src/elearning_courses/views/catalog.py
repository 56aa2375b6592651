"""The course catalog and the "my courses" page."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView

from elearning_users.models import Role

from ..conf import app_settings
from ..forms import CourseSearchForm
from ..models import Course, CourseBlock
from .mixins import CoursePageMixin, LenientPaginationMixin


class CatalogView(CoursePageMixin, LenientPaginationMixin, ListView):
    """Every course, newest first, searchable with ``?q=`` and paginated.

    Two queries whatever the page size: the count and the page's rows, with
    ``enrollment_count``, ``average_rating`` and the teacher in the same query.
    """

    template_name = "elearning_courses/course_list.html"
    context_object_name = "courses"

    def get_paginate_by(self, queryset):
        return app_settings.CATALOG_PAGE_SIZE

    def get_queryset(self):
        self.search_form = CourseSearchForm(self.request.GET or None)
        self.search_query = ""
        if self.search_form.is_valid():
            self.search_query = self.search_form.cleaned_data["q"].strip()
        return Course.objects.search(self.search_query).with_stats().order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        from urllib.parse import urlencode

        kwargs.update(
            search_form=self.search_form,
            search_query=self.search_query,
            pagination_query=urlencode({"q": self.search_query}) if self.search_query else "",
        )
        return super().get_context_data(**kwargs)


class MyCoursesView(LoginRequiredMixin, CatalogView):
    """``/courses/mine/``: the courses a student is enrolled in, or a teacher teaches."""

    template_name = "elearning_courses/my_courses.html"

    def get_queryset(self):
        self.search_form, self.search_query = CourseSearchForm(), ""
        user = self.request.user
        courses = Course.objects.all()
        if getattr(user, "role", None) == Role.TEACHER:
            courses = courses.taught_by(user)
        else:
            courses = courses.enrolled_by(user)
        return courses.with_stats().order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        user = self.request.user
        if getattr(user, "role", None) != Role.TEACHER:
            # A block removes the course from the list: say which and why.
            kwargs["blocks"] = CourseBlock.objects.filter(student=user).select_related("course")
        return super().get_context_data(**kwargs)

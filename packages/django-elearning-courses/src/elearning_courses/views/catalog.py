"""The course catalog and the "my courses" page."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView

from elearning_users.models import Role

from .. import progress
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
    """``/courses/mine/``: the courses a student is enrolled in, or a teacher teaches.

    A teacher sees their drafts too (marked as such); a student does not see a course
    that became a draft after they enrolled. Each of a student's courses shows their
    progress (``course_progress``: ``{course id: Progress}``, also set as
    ``course.progress``), counted in the page's own query.
    """

    template_name = "elearning_courses/my_courses.html"

    def get_queryset(self):
        self.search_form, self.search_query = CourseSearchForm(), ""
        user = self.request.user
        courses = Course.objects.all()
        if getattr(user, "role", None) == Role.TEACHER:
            courses = courses.taught_by(user)
        else:
            courses = progress.with_progress(courses.enrolled_by(user).published(), user)
        return courses.with_stats().select_related("subject").order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        user = self.request.user
        if getattr(user, "role", None) != Role.TEACHER:
            # A block removes the course from the list: say which and why.
            kwargs["blocks"] = CourseBlock.objects.filter(student=user).select_related("course")
        context = super().get_context_data(**kwargs)
        if getattr(user, "role", None) == Role.STUDENT:
            courses = list(context["object_list"])
            for course in courses:
                course.progress = progress.progress_of(course)
            context["course_progress"] = {course.pk: course.progress for course in courses}
            context["object_list"] = context[self.context_object_name] = courses
        return context

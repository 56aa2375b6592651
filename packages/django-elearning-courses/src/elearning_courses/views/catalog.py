"""The course catalog and the "my courses" page."""

from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, F
from django.views.generic import ListView

from elearning_users.models import Role

from .. import progress
from ..conf import app_settings
from ..forms import CatalogForm, CourseSearchForm
from ..models import Course, CourseBlock, Subject
from .mixins import CoursePageMixin, LenientPaginationMixin


class CatalogView(CoursePageMixin, LenientPaginationMixin, ListView):
    """The published courses, searchable with ``?q=``, filtered by ``?subject=<slug>``,
    sorted by ``?sort=newest|rating|popular`` and paginated.

    Drafts are never listed here, not even for their teacher ("Courses I teach" and
    the course page show them). An invalid parameter is ignored. Three queries whatever
    the number of courses and subjects: the subjects, one grouped count of the courses
    found per subject (which gives the page count too) and the page's rows, with
    ``enrollment_count``, ``average_rating`` and the teacher in the same query.
    """

    template_name = "elearning_courses/course_list.html"
    context_object_name = "courses"
    #: ``?sort=`` -> the order of the rows; the newest first among equals.
    ORDERINGS = {
        "newest": ("-created_at", "-id"),
        "rating": (F("average_rating").desc(nulls_last=True), "-created_at", "-id"),
        "popular": ("-enrollment_count", "-created_at", "-id"),
    }
    # What get_queryset() found; these defaults are for the views that reuse the page.
    subjects, subject, sort, course_count = (), None, CatalogForm.DEFAULT_SORT, None

    def get_paginate_by(self, queryset):
        return app_settings.CATALOG_PAGE_SIZE

    def get_queryset(self):
        self.search_form = form = CatalogForm(self.request.GET or None)
        self.search_query = form.value("q").strip()
        self.sort = form.value("sort", CatalogForm.DEFAULT_SORT)
        courses = Course.objects.published().search(self.search_query)
        self.subjects, found = subject_counts(courses)
        slug = form.value("subject")
        self.subject = next((subject for subject in self.subjects if subject.slug == slug), None)
        if self.subject is not None:
            courses = courses.filter(subject=self.subject)
            self.course_count = self.subject.course_count
        else:
            self.course_count = found
        return courses.with_stats().select_related("subject").order_by(*self.ORDERINGS[self.sort])

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        if self.course_count is not None:
            paginator.count = self.course_count  # from the subject counts (Paginator.count is cached)
        return paginator

    def get_context_data(self, **kwargs):
        params = {
            "q": self.search_query,
            "subject": self.subject.slug if self.subject else "",
            "sort": "" if self.sort == CatalogForm.DEFAULT_SORT else self.sort,
        }
        kwargs.update(
            search_form=self.search_form,
            search_query=self.search_query,
            subjects=self.subjects,
            current_subject=self.subject,
            sort=self.sort,
            pagination_query=urlencode({name: value for name, value in params.items() if value}),
        )
        return super().get_context_data(**kwargs)


def subject_counts(courses):
    """Every subject, by name, with its ``course_count`` among ``courses``, and the number
    of ``courses`` (with a subject or without): two queries, the subjects and one grouped
    count of ``courses`` (a scan of the subject index), whatever the number of either."""
    counts = dict(courses.order_by().values_list("subject").annotate(n=Count("*")))
    subjects = list(Subject.objects.all())
    for subject in subjects:
        subject.course_count = counts.get(subject.pk, 0)
    return subjects, sum(counts.values())


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

"""A course's students, blocking and unblocking them (the course's teacher only)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView, View
from django.views.generic.edit import FormView

from elearning_users.models import Role

from .. import services
from ..forms import BlockForm
from ..models import CourseBlock, Enrollment
from .mixins import LenientPaginationMixin, OwnedCourseMixin

#: Rows per page of the students and blocked lists.
PAGE_SIZE = 25


class _CourseStudentsView(OwnedCourseMixin, LenientPaginationMixin, ListView):
    """The rows of ``model`` (with a ``student``) of the teacher's course, newest first."""

    model = None
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return (
            self.model.objects.filter(course=self.course)
            .select_related("student")
            .order_by("-created_at", "-id")
        )


class StudentListView(_CourseStudentsView):
    model = Enrollment
    template_name = "elearning_courses/course_students.html"
    context_object_name = "enrollments"


class BlockedListView(_CourseStudentsView):
    model = CourseBlock
    template_name = "elearning_courses/course_blocked.html"
    context_object_name = "blocks"


def _get_student(pk):
    # Only students can be blocked; any other id (a teacher, nobody) is a 404.
    return get_object_or_404(get_user_model(), pk=pk, role=Role.STUDENT, is_active=True)


class BlockView(OwnedCourseMixin, FormView):
    """Confirm (GET) and block (POST) a student, with an optional reason."""

    form_class = BlockForm
    template_name = "elearning_courses/block_form.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("student", _get_student(self.kwargs["student_pk"]))
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        student = _get_student(self.kwargs["student_pk"])
        try:
            services.block(self.request.user, self.course, student, form.cleaned_data["reason"])
        except ValidationError as error:  # already blocked
            messages.warning(self.request, " ".join(error.messages))
        else:
            messages.success(
                self.request,
                _("%(name)s is blocked from this course.") % {"name": student.get_username()},
            )
        return redirect("elearning_courses:blocked", self.course.pk)


class UnblockView(OwnedCourseMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        student = _get_student(kwargs["student_pk"])
        try:
            services.unblock(request.user, self.course, student)
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(name)s is no longer blocked and may enroll again.") % {"name": student.get_username()},
            )
        return redirect("elearning_courses:blocked", self.course.pk)

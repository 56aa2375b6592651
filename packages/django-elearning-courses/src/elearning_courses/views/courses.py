"""A course's page, and creating, editing and deleting courses."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, UpdateView
from django.views.generic.edit import FormView

from elearning_users.mixins import TeacherRequiredMixin

from .. import announcements, content, progress, rules, services
from ..forms import CourseForm, FeedbackForm
from ..models import Course, CourseBlock, Feedback
from .mixins import CoursePageMixin, OwnedCourseMixin, get_course

#: Feedback shown on a course page (newest first).
FEEDBACK_SHOWN = 50


class CourseDetailView(CoursePageMixin, TemplateView):
    """Description, teacher, the outline of modules and lessons, feedback and actions."""

    template_name = "elearning_courses/course_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.course = get_course(kwargs["pk"], Course.objects.with_stats())
        if not rules.can_view_course(request.user, self.course):
            # A draft does not exist for anyone but its teacher and staff.
            raise Http404(_("No course found."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user, course = self.request.user, self.course
        course_access = rules.course_access(user, course)
        access = vars(course_access)
        my_feedback = None
        if access["can_rate"]:
            my_feedback = Feedback.objects.filter(student=user, course=course).first()
            if "feedback_form" not in kwargs:
                initial = (
                    {"rating": my_feedback.rating, "comment": my_feedback.comment} if my_feedback else {}
                )
                kwargs["feedback_form"] = FeedbackForm(initial=initial)
        # One extra row tells whether there is more feedback than shown.
        feedback_list = list(
            Feedback.objects.filter(course=course).select_related("student")[: FEEDBACK_SHOWN + 1]
        )
        kwargs.update(
            access,
            course=course,
            # Modules and lessons as this user sees them (two queries, whatever the size).
            outline=content.build_outline(user, course, access=course_access),
            feedback_list=feedback_list[:FEEDBACK_SHOWN],
            more_feedback=len(feedback_list) > FEEDBACK_SHOWN,
            my_feedback=my_feedback,
            chat_room=course.chat_room,
            # The block itself for its reason, meant for the student ("block" is taken in templates).
            my_block=CourseBlock.objects.filter(course=course, student=user).first()
            if access["is_blocked"]
            else None,
        )
        kwargs.update(progress.course_page_context(user, course, course_access))
        kwargs.update(announcements.course_page_context(user, course, course_access))
        return super().get_context_data(**kwargs)


class FeedbackView(CourseDetailView):
    """POST target of the feedback form; an invalid form re-renders the course page."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(self.course.get_absolute_url())
        if not rules.can_rate(request.user, self.course):
            raise PermissionDenied(_("Only students enrolled in this course can rate it."))
        form = FeedbackForm(request.POST)
        if form.is_valid():
            try:
                _feedback, created = services.save_feedback(
                    request.user,
                    self.course,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:  # CourseActionInvalid
                form.add_error("rating", error)
            else:
                messages.success(
                    request, _("Thank you for your feedback!") if created else _("Your feedback was updated.")
                )
                return redirect(self.course.get_absolute_url() + "#feedback")
        messages.error(request, _("Please correct the errors in your feedback."))
        return self.render_to_response(self.get_context_data(feedback_form=form))


class CourseCreateView(TeacherRequiredMixin, CoursePageMixin, FormView):
    form_class = CourseForm
    template_name = "elearning_courses/course_form.html"

    def form_valid(self, form):
        course = services.create_course(self.request.user, **form.course_data())
        messages.success(self.request, _("The course “%(title)s” was created.") % {"title": course.title})
        if not course.is_published:
            messages.info(self.request, _("It is a draft: students do not see it until you publish it."))
        return redirect(course.get_absolute_url())


class CourseUpdateView(OwnedCourseMixin, UpdateView):
    form_class = CourseForm
    template_name = "elearning_courses/course_form.html"

    def get_object(self, queryset=None):
        return self.course

    def form_valid(self, form):
        # The initial values are the course's before the form's validation changed it.
        was_published = form.initial["is_published"]
        course = services.update_course(self.request.user, self.course, **form.course_data())
        if course.is_published and not was_published:
            messages.success(self.request, _("The course is published: students can find it now."))
        elif was_published and not course.is_published:
            messages.success(self.request, _("The course is a draft now: only you and staff see it."))
        else:
            messages.success(self.request, _("Your changes were saved."))
        return redirect(course.get_absolute_url())


class CourseDeleteView(OwnedCourseMixin, TemplateView):
    template_name = "elearning_courses/confirm_delete.html"

    def get_context_data(self, **kwargs):
        kwargs.update(
            heading=_("Delete “%(title)s”?") % {"title": self.course.title},
            message=_(
                "The course, its modules, lessons and materials, its announcements, "
                "enrollments, progress and feedback are deleted for good. This cannot be undone."
            ),
            cancel_url=self.course.get_absolute_url(),
        )
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        title = self.course.title
        services.delete_course(request.user, self.course)
        messages.success(request, _("The course “%(title)s” was deleted.") % {"title": title})
        return redirect("elearning_courses:my_courses")

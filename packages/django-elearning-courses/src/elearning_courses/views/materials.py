"""Uploading, downloading and deleting course materials.

Materials are private: the download view is the only way to read one. It checks
:func:`elearning_courses.rules.can_view_materials` (for the upload of a lesson,
:func:`elearning_courses.rules.can_view_lesson`: a draft lesson's file is for its
teacher and staff) and streams the file as an attachment with
``X-Content-Type-Options: nosniff``, so a browser never renders an uploaded file
inside the site's origin.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from .. import content, rules, services
from ..forms import MaterialForm
from ..materials import material_response
from ..models import CourseMaterial, Lesson
from .mixins import OwnedCourseMixin


class MaterialUploadView(OwnedCourseMixin, FormView):
    form_class = MaterialForm
    template_name = "elearning_courses/material_form.html"

    def form_valid(self, form):
        try:
            material = services.add_material(
                self.request.user,
                self.course,
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
        messages.success(self.request, _("“%(title)s” was uploaded.") % {"title": material.title})
        return redirect(self.course.get_absolute_url())


class MaterialDeleteView(OwnedCourseMixin, TemplateView):
    template_name = "elearning_courses/confirm_delete.html"

    def get_material(self):
        return get_object_or_404(CourseMaterial, pk=self.kwargs["material_pk"], course=self.course)

    def get_context_data(self, **kwargs):
        material = self.get_material()
        kwargs.update(
            heading=_("Delete “%(title)s”?") % {"title": material.title},
            message=_("Students will no longer be able to download this file."),
            cancel_url=self.course.get_absolute_url(),
        )
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        material = self.get_material()
        material.course = self.course
        services.delete_material(request.user, material)
        messages.success(request, _("“%(title)s” was deleted.") % {"title": material.title})
        return redirect(self.course.get_absolute_url())


def material_download(request, pk, material_pk):
    """Stream a material to its course's teacher or an enrolled (never blocked) student;
    the file of a lesson to those who may read the lesson."""
    material = get_object_or_404(
        CourseMaterial.objects.select_related("course"), pk=material_pk, course_id=pk
    )
    lesson = Lesson.objects.filter(material=material).select_related("module").first()
    if lesson is not None:
        lesson.course = material.course
        if not content.is_lesson_visible(request.user, lesson):
            raise Http404(_("No lesson found."))
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if lesson is not None:
        allowed = rules.can_view_lesson(request.user, lesson)
    else:
        allowed = rules.can_view_materials(request.user, material.course)
    if not allowed:
        raise PermissionDenied(_("Only the teacher and the enrolled students can download this file."))
    try:
        return material_response(material)
    except OSError:  # FileNotFoundError included: the stored file is gone
        raise Http404(_("This file is no longer available.")) from None

"""Modules and lessons: the teacher's content builder, the lesson page, inline media.

The builder (``courses/<pk>/content/``) is for the course's teacher only. Reordering
works twice: drag and drop (``content.js`` posts JSON to :func:`content_reorder`)
and "Move up" / "Move down" buttons, plain forms that work without JavaScript.
"""

import json

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from .. import content, progress, rules, services
from ..content_forms import LessonForm, ModuleForm
from ..embeds import embed_url
from ..materials import material_response
from ..models import Lesson, Module
from .mixins import OwnedCourseMixin, get_course, page_context


def kind_choices():
    """``(kind, label of its "Add" link)`` for every kind of lesson, in the builder's order."""
    return [
        (Lesson.Kind.TEXT, _("Add text lesson")),
        (Lesson.Kind.VIDEO, _("Add video lesson")),
        (Lesson.Kind.EMBED, _("Add embedded video")),
        (Lesson.Kind.IMAGE, _("Add image lesson")),
        (Lesson.Kind.FILE, _("Add file lesson")),
        (Lesson.Kind.LINK, _("Add link lesson")),
    ]


def builder_url(course, anchor=""):
    url = reverse("elearning_courses:course_content", args=[course.pk])
    return f"{url}#{anchor}" if anchor else url


class CourseContentView(OwnedCourseMixin, TemplateView):
    """The teacher's builder: modules as cards, their lessons, order, drafts."""

    template_name = "elearning_courses/course_content.html"

    def get_context_data(self, **kwargs):
        access = rules.course_access(self.request.user, self.course)
        kwargs.update(
            outline=content.build_outline(self.request.user, self.course, access=access),
            kinds=kind_choices(),
            tab="content",
        )
        return super().get_context_data(**kwargs)


class ModuleMixin(OwnedCourseMixin):
    def get_module(self):
        if not hasattr(self, "_module"):
            self._module = get_object_or_404(Module, pk=self.kwargs["module_pk"], course=self.course)
            self._module.course = self.course
        return self._module


class LessonMixin(OwnedCourseMixin):
    def get_lesson(self):
        if not hasattr(self, "_lesson"):
            self._lesson = get_object_or_404(
                Lesson.objects.select_related("module", "material"),
                pk=self.kwargs["lesson_pk"],
                course=self.course,
            )
            self._lesson.course = self._lesson.module.course = self.course
        return self._lesson


class ServiceFormView(FormView):
    """A form whose valid data goes to a service (:meth:`save`); the service's
    ``ValidationError`` is shown beside its field, success is flashed and redirected
    to the builder at the saved object."""

    def save(self, form):
        raise NotImplementedError

    def success_message(self, obj):
        return _("Your changes were saved.")

    def form_valid(self, form):
        try:
            obj = self.save(form)
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(obj))
        kind = "module" if isinstance(obj, Module) else "lesson"
        return redirect(builder_url(self.course, f"{kind}-{obj.pk}"))


class ModuleCreateView(OwnedCourseMixin, ServiceFormView):
    form_class = ModuleForm
    template_name = "elearning_courses/module_form.html"

    def save(self, form):
        return services.create_module(self.request.user, self.course, **form.module_data())

    def success_message(self, module):
        return _("The module “%(title)s” was added.") % {"title": module.title}


class ModuleUpdateView(ModuleMixin, ServiceFormView):
    form_class = ModuleForm
    template_name = "elearning_courses/module_form.html"

    def get_initial(self):
        module = self.get_module()
        return {"title": module.title, "description": module.description, "draft": not module.is_published}

    def get_context_data(self, **kwargs):
        kwargs["module"] = self.get_module()
        return super().get_context_data(**kwargs)

    def save(self, form):
        return services.update_module(self.request.user, self.get_module(), **form.module_data())


class DeleteContentView(TemplateView):
    """The confirmation page (GET) and deletion (POST) of a module or a lesson."""

    template_name = "elearning_courses/confirm_delete.html"
    message = ""

    def get_object(self):
        raise NotImplementedError

    def remove(self, obj):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        obj = self.get_object()
        kwargs.update(
            heading=_("Delete “%(title)s”?") % {"title": obj.title},
            message=self.message,
            cancel_url=builder_url(self.course),
        )
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        self.remove(obj)
        messages.success(request, _("“%(title)s” was deleted.") % {"title": obj.title})
        return redirect(builder_url(self.course))


class MoveView(TemplateView):
    """POST ``direction`` (``up`` / ``down``): the Move buttons of the builder."""

    http_method_names = ["post"]

    def get_object(self):
        raise NotImplementedError

    def move(self, obj, direction):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            self.move(obj, request.POST.get("direction"))
        except ValidationError as error:
            messages.error(request, error.messages[0])
        kind = "module" if isinstance(obj, Module) else "lesson"
        return redirect(builder_url(self.course, f"{kind}-{obj.pk}"))


class ModuleDeleteView(ModuleMixin, DeleteContentView):
    message = gettext_lazy("The module, its lessons and their files are deleted for good.")

    def get_object(self):
        return self.get_module()

    def remove(self, module):
        services.delete_module(self.request.user, module)


class ModuleMoveView(ModuleMixin, MoveView):
    def get_object(self):
        return self.get_module()

    def move(self, module, direction):
        services.move_module(self.request.user, module, direction)


class LessonCreateView(OwnedCourseMixin, ServiceFormView):
    """``?kind=`` chooses the kind of lesson first (links on the builder), so the form
    shows only that kind's fields without JavaScript (a POST may name it in ``kind``)."""

    form_class = LessonForm
    template_name = "elearning_courses/lesson_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.kind = request.GET.get("kind") or request.POST.get("kind", "")
        return super().dispatch(request, *args, **kwargs)

    def get_module(self):
        module = get_object_or_404(Module, pk=self.kwargs["module_pk"], course=self.course)
        module.course = self.course
        return module

    def get(self, request, *args, **kwargs):
        if self.kind not in Lesson.Kind.values:
            return self.render_to_response(self.get_context_data(form=None))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.kind not in Lesson.Kind.values:
            messages.error(request, _("Choose a type of lesson."))
            return self.render_to_response(self.get_context_data(form=None), status=400)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kind": self.kind}

    def get_context_data(self, **kwargs):
        kwargs.update(module=self.get_module(), kind=self.kind, kinds=kind_choices())
        if self.kind in Lesson.Kind.values:
            kwargs["kind_label"] = Lesson.Kind(self.kind).label
        return super().get_context_data(**kwargs)

    def save(self, form):
        return services.create_lesson(self.request.user, self.get_module(), **form.lesson_data())

    def success_message(self, lesson):
        return _("The lesson “%(title)s” was added.") % {"title": lesson.title}


class LessonUpdateView(LessonMixin, ServiceFormView):
    form_class = LessonForm
    template_name = "elearning_courses/lesson_form.html"

    def get_form_kwargs(self):
        lesson = self.get_lesson()
        return {
            **super().get_form_kwargs(),
            "kind": lesson.kind,
            "has_upload": lesson.material_id is not None,
        }

    def get_initial(self):
        lesson = self.get_lesson()
        return {
            "title": lesson.title,
            "text": lesson.text,
            "url": lesson.url,
            "draft": not lesson.is_published,
        }

    def get_context_data(self, **kwargs):
        lesson = self.get_lesson()
        kwargs.update(
            lesson=lesson, module=lesson.module, kind=lesson.kind, kind_label=lesson.get_kind_display()
        )
        return super().get_context_data(**kwargs)

    def save(self, form):
        return services.update_lesson(self.request.user, self.get_lesson(), **form.lesson_data())


class LessonDeleteView(LessonMixin, DeleteContentView):
    message = gettext_lazy("The lesson, its file and the students' progress on it are deleted for good.")

    def get_object(self):
        return self.get_lesson()

    def remove(self, lesson):
        services.delete_lesson(self.request.user, lesson)


class LessonMoveView(LessonMixin, MoveView):
    def get_object(self):
        return self.get_lesson()

    def move(self, lesson, direction):
        services.move_lesson(self.request.user, lesson, direction)


@require_POST
def content_reorder(request, pk):
    """Drag and drop: ``{"modules": [ids], "lessons": {"<module id>": [ids]}}`` -> JSON."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Log in first.")}, status=403)
    course = get_course(pk)
    if not rules.can_edit_course(request.user, course):
        return JsonResponse({"detail": _("Only the course's teacher can do this.")}, status=403)
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return JsonResponse({"detail": _("The new order is not valid.")}, status=400)
    try:
        services.reorder_content(
            request.user, course, modules=data.get("modules"), lessons=data.get("lessons")
        )
    except ValidationError as error:
        return JsonResponse({"detail": error.messages[0]}, status=400)
    return JsonResponse({"detail": _("The new order was saved.")})


def _readable_lesson(request, pk, lesson_pk):
    """``(course, lesson, access)`` when ``request.user`` may read the lesson; else a
    404 (drafts, unknown), the log-in page (visitors) or ``PermissionDenied``."""
    course = get_course(pk)
    if not rules.can_view_course(request.user, course):
        raise Http404(_("No course found."))
    lesson = content.get_lesson(request.user, course, lesson_pk)
    access = rules.course_access(request.user, course)
    if not rules.can_view_lesson(request.user, lesson, access=access):
        if not request.user.is_authenticated:
            return course, None, redirect_to_login(lesson.get_absolute_url())
        if access.is_blocked:
            raise PermissionDenied(_("You have been blocked from this course."))
        if access.can_enroll:
            raise PermissionDenied(_("Enroll in this course to read its lessons."))
        raise PermissionDenied(_("Only the teacher and the enrolled students can read this lesson."))
    return course, lesson, access


@require_safe
def lesson_detail(request, pk, lesson_pk):
    """A lesson's page for the teacher, staff and enrolled students."""
    course, lesson, access = _readable_lesson(request, pk, lesson_pk)
    if lesson is None:
        return access  # the log-in redirect
    progress.record_visit(request.user, lesson)
    outline = content.build_outline(request.user, course, access=access)
    previous_lesson, next_lesson = outline.neighbours(lesson)
    context = {
        **page_context(request),
        **vars(access),
        "course": course,
        "lesson": lesson,
        "access": access,
        "outline": outline,
        "previous_lesson": previous_lesson,
        "next_lesson": next_lesson,
        "embed_src": embed_url(lesson.url) if lesson.kind == Lesson.Kind.EMBED else "",
        "can_edit": access.is_owner,
    }
    return render(request, "elearning_courses/lesson_detail.html", context)


@require_safe
def lesson_media(request, pk, lesson_pk):
    """The video or image of a lesson, inline, with ``Range`` support (seeking)."""
    course, lesson, access = _readable_lesson(request, pk, lesson_pk)
    if lesson is None:
        return access
    if lesson.kind not in (Lesson.Kind.VIDEO, Lesson.Kind.IMAGE) or lesson.material is None:
        raise Http404(_("This lesson has no media."))
    try:
        return material_response(lesson.material, inline=True, range_header=request.headers.get("Range"))
    except OSError:
        raise Http404(_("This file is no longer available.")) from None


course_content = CourseContentView.as_view()
module_create = ModuleCreateView.as_view()
module_update = ModuleUpdateView.as_view()
module_delete = ModuleDeleteView.as_view()
module_move = ModuleMoveView.as_view()
lesson_create = LessonCreateView.as_view()
lesson_update = LessonUpdateView.as_view()
lesson_delete = LessonDeleteView.as_view()
lesson_move = LessonMoveView.as_view()

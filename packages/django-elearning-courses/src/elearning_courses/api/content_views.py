"""Views of a course's content in the API, nested under ``courses/{course_pk}/``:
modules, lessons (with completing them), announcements.

The course comes first: a course the user may not see (someone else's draft) is a 404
for every nested path. Then, for changes, the owner check (403) before the body is
validated (400), then the service, which checks the rules again.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from .. import announcements, content, progress, rules, services
from ..exceptions import CourseActionDenied
from ..materials import material_response
from ..models import Announcement, Course, Lesson
from .base import BaseViewSet
from .content_serializers import (
    MEDIA_KINDS,
    AnnouncementSerializer,
    LessonOutlineSerializer,
    LessonSerializer,
    ModuleSerializer,
    ProgressSerializer,
)
from .filters import LessonFilter, StrictFilterBackend
from .schema import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema, extend_schema_view

COURSE_PK = OpenApiParameter(
    "course_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The course's id."
)
ORDER = ("module__position", "module_id", "position", "id")


def nested(summary, **kwargs):
    """``extend_schema`` of an operation under ``courses/{course_pk}/``."""
    return extend_schema(summary=summary, parameters=[COURSE_PK], **kwargs)


def outline_modules(user, course):
    """The modules of ``course`` ``user`` sees, each with ``outline_lessons`` (the
    lessons ``user`` sees): two queries, whatever the number of modules and lessons."""
    lessons = content.lessons_visible_to(user, course).order_by("position", "id")
    return content.modules_visible_to(user, course).prefetch_related(
        Prefetch("lessons", queryset=lessons, to_attr="outline_lessons")
    )


def lesson_progress(user, course):
    """``user``'s progress through ``course`` as :class:`.ProgressSerializer` reads it."""
    counts = progress.course_progress(user, course)
    last = None
    if rules.is_student(user):
        last_id = course.enrollments.filter(student=user).values_list("last_lesson", flat=True).first()
        if last_id is not None:
            last = content.lessons_visible_to(user, course).filter(pk=last_id).first()
    return {
        "done": counts.done,
        "total": counts.total,
        "percent": counts.percent,
        "completed_lessons": sorted(progress.completed_lesson_ids(user, course)),
        "last_lesson": last,
    }


class CourseChildMixin(BaseViewSet):
    """Rows of the course ``course_pk`` of the URL, which the user must be able to see."""

    @cached_property
    def course(self):
        if getattr(self, "swagger_fake_view", False):
            return None
        courses = Course.objects.visible_to(self.request.user).select_related("teacher")
        return get_object_or_404(courses, pk=self.kwargs["course_pk"])

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.course  # noqa: B018  (404 first, before any other check)
        if self.changes_content and "pk" not in self.kwargs:
            self.check_owner()

    def get_object(self):
        obj = super().get_object()  # a draft row is a 404 before it is a 403
        if self.changes_content:
            self.check_owner()
        return obj

    @property
    def changes_content(self):
        """The request changes content (only the owner may): not completing a lesson."""
        return self.request.method not in ("GET", "HEAD", "OPTIONS") and self.action != "complete"

    def check_owner(self):
        if not rules.can_edit_course(self.request.user, self.course):
            raise CourseActionDenied(_("Only the course's teacher can change its content."), "not_owner")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "course": self.course}

    def handle_exception(self, exc):
        """A service's error about one field of the body (its ``code`` names the field,
        or, for a lesson, the upload was refused) is that field's error."""
        if isinstance(exc, DjangoValidationError) and not hasattr(exc, "error_dict"):
            field = field_of_error(exc, self.get_serializer_class()(), self.request)
            if field is not None:
                exc = exceptions.ValidationError({field: exc.messages})
        return super().handle_exception(exc)


#: Error codes of the services named after something other than the field they are about.
FIELD_OF_CODE = {
    "embed": "url",
    "title_required": "title",
    "title_too_long": "title",
    "body_too_long": "body",
}


def field_of_error(exc, serializer, request):
    """The body field a service's ``ValidationError`` is about, or ``None``."""
    code = getattr(exc, "code", None)
    field = FIELD_OF_CODE.get(code, code)
    writable = {name for name, f in serializer.fields.items() if not f.read_only}
    if field in writable:
        return field
    if "file" in writable and "file" in request.FILES:
        return "file"  # the upload's checks (empty, too large, type, content, image)
    return None


@extend_schema_view(
    list=nested("A course's modules with their lessons' outline"),
    retrieve=nested("One module with its lessons' outline"),
    create=nested("Add a module, last (the course's teacher)"),
    update=nested("Replace a module (the course's teacher)"),
    partial_update=nested("Edit a module (the course's teacher)"),
    destroy=nested("Delete a module and its lessons (the course's teacher)"),
)
class ModuleViewSet(CourseChildMixin, viewsets.ModelViewSet):
    serializer_class = ModuleSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ModuleSerializer.Meta.model.objects.none()
        return outline_modules(self.request.user, self.course)

    def perform_create(self, serializer):
        module = services.create_module(self.request.user, self.course, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=module.pk)

    def perform_update(self, serializer):
        module = services.update_module(self.request.user, serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=module.pk)

    def perform_destroy(self, instance):
        services.delete_module(self.request.user, instance)


@extend_schema_view(
    list=nested(
        "A course's lessons in reading order: the outline, no content (?module=, ?kind=)",
        responses=LessonOutlineSerializer(many=True),
    ),
    retrieve=nested("A lesson with its content (its teacher, staff, enrolled students)"),
    create=nested("Add a lesson to a module, last (the course's teacher; multipart with file for uploads)"),
    update=nested("Replace a lesson (the course's teacher)"),
    partial_update=nested("Edit a lesson (the course's teacher)"),
    destroy=nested("Delete a lesson and its upload (the course's teacher)"),
)
class LessonViewSet(CourseChildMixin, viewsets.ModelViewSet):
    serializer_class = LessonSerializer
    filter_backends = (StrictFilterBackend,)
    filterset_class = LessonFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lesson.objects.none()
        lessons = content.lessons_visible_to(self.request.user, self.course).order_by(*ORDER)
        if self.action == "list":
            return lessons
        return lessons.select_related("module", "material")

    def get_serializer_class(self):
        return LessonOutlineSerializer if self.action == "list" else LessonSerializer

    def get_object(self):
        lesson = super().get_object()
        lesson.course = self.course  # the same row: no query for the rules
        return lesson

    def retrieve(self, request, *args, **kwargs):
        lesson = self.get_object()
        if not rules.can_view_lesson(request.user, lesson):
            raise lesson_denied(request.user, self.course)
        return Response(self.get_serializer(lesson).data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        module = data.pop("module")
        lesson = services.create_lesson(self.request.user, module, **data)
        serializer.instance = self.get_queryset().get(pk=lesson.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("module", None)
        data.pop("kind", None)
        lesson = services.update_lesson(self.request.user, serializer.instance, **data)
        serializer.instance = self.get_queryset().get(pk=lesson.pk)

    def perform_destroy(self, instance):
        services.delete_lesson(self.request.user, instance)

    @nested(
        "The video or image of a lesson, inline; a single Range is honoured (206, or 416)",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (206, "application/octet-stream"): OpenApiTypes.BINARY,
            416: OpenApiResponse(description="The Range is beyond the end of the file"),
        },
    )
    @action(detail=True, methods=["get"], filter_backends=(), pagination_class=None)
    def media(self, request, course_pk=None, pk=None):
        lesson = self.get_object()
        if not rules.can_view_lesson(request.user, lesson):
            raise lesson_denied(request.user, self.course)
        if lesson.kind not in MEDIA_KINDS or lesson.material is None:
            raise exceptions.NotFound(_("This lesson has no media."))
        try:
            return material_response(lesson.material, inline=True, range_header=request.headers.get("Range"))
        except OSError:
            raise exceptions.NotFound(_("This file is no longer available.")) from None

    @nested(
        "Mark a lesson complete (enrolled students; idempotent)",
        methods=["POST"],
        request=None,
        responses=ProgressSerializer,
    )
    @nested(
        "Undo completing a lesson (enrolled students; idempotent)",
        methods=["DELETE"],
        request=None,
        responses=ProgressSerializer,
    )
    @action(detail=True, methods=["post", "delete"], filter_backends=(), pagination_class=None)
    def complete(self, request, course_pk=None, pk=None):
        lesson = self.get_object()
        if request.method == "POST":
            progress.complete_lesson(request.user, lesson)
        else:
            progress.uncomplete_lesson(request.user, lesson)
        return Response(ProgressSerializer(lesson_progress(request.user, self.course)).data)


def lesson_denied(user, course):
    """The 403 of a published lesson ``user`` may not read."""
    if rules.is_student(user) and rules.is_blocked(user, course):
        return CourseActionDenied(_("You have been blocked from this course."), "blocked")
    return CourseActionDenied(_("Enroll in the course to read its lessons."), "not_enrolled")


@extend_schema_view(
    list=nested("A course's announcements, newest first (its teacher, staff, enrolled students)"),
    retrieve=nested("One announcement"),
    create=nested("Post an announcement; the enrolled students are notified (the course's teacher)"),
    destroy=nested("Delete an announcement (the course's teacher, staff)"),
)
class AnnouncementViewSet(
    CourseChildMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AnnouncementSerializer

    def check_owner(self):
        if self.action == "destroy":  # the service decides: the teacher and staff
            if not announcements.can_delete(self.request.user, self.course):
                raise CourseActionDenied(
                    _("Only the course's teacher and staff can delete announcements."), "not_allowed"
                )
            return
        if not announcements.can_post(self.request.user, self.course):
            raise CourseActionDenied(_("Only the course's teacher can post announcements."), "not_owner")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD", "OPTIONS") and not announcements.can_read(
            request.user, self.course
        ):
            raise CourseActionDenied(_("Announcements are for the course's class."), "not_enrolled")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Announcement.objects.none()
        return Announcement.objects.filter(course=self.course).select_related("author")

    def perform_create(self, serializer):
        serializer.instance = announcements.post_announcement(
            self.request.user, self.course, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        instance.course = self.course
        announcements.delete_announcement(self.request.user, instance)


def course_progress_response(request, course):
    """``GET /api/courses/{id}/progress/``: the enrolled student's own progress."""
    if not rules.is_enrolled(request.user, course):
        if rules.is_student(request.user) and rules.is_blocked(request.user, course):
            raise CourseActionDenied(_("You have been blocked from this course."), "blocked")
        raise CourseActionDenied(_("Enroll in this course to track your progress."), "not_enrolled")
    return Response(ProgressSerializer(lesson_progress(request.user, course)).data, status=status.HTTP_200_OK)

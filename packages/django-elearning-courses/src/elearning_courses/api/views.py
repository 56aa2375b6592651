"""Views of the courses API (see ``docs/api.rst``).

Who may do what is decided by :mod:`elearning_courses.rules` and enforced by
:mod:`elearning_courses.services`; these views translate the services' errors into
HTTP: ``CourseActionDenied`` -> 403 and ``CourseActionInvalid`` / Django
``ValidationError`` -> 400, both as ``{"detail": "...", "code": "..."}``. Querysets
only ever contain what the user may see, so someone else's private rows are 404.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from rest_framework import exceptions, filters, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from elearning_users.api.parsers import ElearningJSONParser

from .. import notifications, rules, services
from ..exceptions import CourseActionDenied, CourseActionInvalid
from ..materials import material_response
from ..models import Course, CourseBlock, CourseMaterial, Enrollment, Feedback, Lesson, Notification, Subject
from ..progress import ORDERINGS as PROGRESS_ORDERINGS
from ..progress import student_progress
from .base import BaseViewSet, RuleViolation  # noqa: F401  (RuleViolation: re-exported)
from .content_serializers import (
    ModuleSerializer,
    ProgressSerializer,
    ReorderSerializer,
    StudentProgressSerializer,
)
from .content_views import course_progress_response, outline_modules
from .filters import (
    CourseFilter,
    CourseOrderingFilter,
    FeedbackFilter,
    LimitedSearchFilter,
    StrictFilterBackend,
)
from .permissions import IsCourseOwnerOrReadOnly
from .schema import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema, extend_schema_view
from .serializers import (
    BlockSerializer,
    CourseSerializer,
    EnrollmentSerializer,
    FeedbackSerializer,
    MaterialSerializer,
    NotificationSerializer,
    ReadAllSerializer,
    SubjectSerializer,
    UnreadCountSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="List courses (search, filter by teacher or subject, sort); drafts: your own only"
    ),
    retrieve=extend_schema(summary="A course (a draft: its teacher and staff only)"),
    create=extend_schema(
        summary="Create a course (teachers; multipart for a cover)",
        request={
            "application/json": CourseSerializer,
            "multipart/form-data": CourseSerializer,
            "application/x-www-form-urlencoded": CourseSerializer,
        },
    ),
    partial_update=extend_schema(
        summary="Edit a course (its teacher; multipart for a cover)",
        request={
            "application/json": CourseSerializer,
            "multipart/form-data": CourseSerializer,
            "application/x-www-form-urlencoded": CourseSerializer,
        },
    ),
    update=extend_schema(summary="Replace a course (its teacher)"),
    destroy=extend_schema(summary="Delete a course (its teacher)"),
)
class CourseViewSet(BaseViewSet, viewsets.ModelViewSet):
    serializer_class = CourseSerializer
    permission_classes = (IsCourseOwnerOrReadOnly,)
    filter_backends = (StrictFilterBackend, LimitedSearchFilter, CourseOrderingFilter)
    filterset_class = CourseFilter
    search_fields = ("title", "description", "teacher__username")
    ordering_fields = ("title", "created_at", "enrollment_count", "average_rating")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        # A draft is only in its teacher's (and staff's) querysets: 404 for anyone else.
        return Course.objects.visible_to(self.request.user).with_stats().select_related("subject")

    def perform_create(self, serializer):
        course = services.create_course(self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=course.pk)

    def perform_update(self, serializer):
        course = services.update_course(self.request.user, serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=course.pk)

    def perform_destroy(self, instance):
        services.delete_course(self.request.user, instance)

    @extend_schema(
        methods=["GET"],
        summary="List a course's materials (its teacher, enrolled students)",
        responses=MaterialSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload a material (multipart: title, file; its teacher)",
        request={"multipart/form-data": MaterialSerializer},
        responses={201: MaterialSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=MaterialSerializer,
        parser_classes=(MultiPartParser, FormParser),
        filter_backends=(),
        permission_classes=(permissions.IsAuthenticated,),
    )
    def materials(self, request, pk=None):
        course = self.get_object()
        if request.method == "POST":
            if not rules.can_manage_materials(request.user, course):
                raise CourseActionDenied(_("Only the course's teacher can upload materials."), "not_owner")
            serializer = MaterialSerializer(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            material = services.add_material(
                request.user,
                course,
                file=serializer.validated_data["file"],
                title=serializer.validated_data.get("title", ""),
            )
            return Response(
                MaterialSerializer(material, context=self.get_serializer_context()).data,
                status=status.HTTP_201_CREATED,
            )
        if not rules.can_view_materials(request.user, course):
            raise CourseActionDenied(_("Enroll in the course to see its materials."), "not_enrolled")
        page = self.paginate_queryset(visible_materials(request.user, course))
        serializer = MaterialSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        summary="Download a material (its teacher, enrolled students)",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"materials/(?P<material_pk>[0-9]+)/download",
        url_name="material-download",
        filter_backends=(),
        pagination_class=None,
        permission_classes=(permissions.IsAuthenticated,),
    )
    def download(self, request, pk=None, material_pk=None):
        course = self.get_object()
        material = get_object_or_404(visible_materials(request.user, course), pk=material_pk)
        if not rules.can_view_materials(request.user, course):
            raise CourseActionDenied(_("Enroll in the course to download its materials."), "not_enrolled")
        try:
            return material_response(material)
        except OSError:
            raise exceptions.NotFound(_("This file is no longer available.")) from None

    @extend_schema(
        summary="Reorder modules and lessons (its teacher); lessons may move between modules",
        request=ReorderSerializer,
        responses=ModuleSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=(),
        pagination_class=None,
        permission_classes=(permissions.IsAuthenticated,),
        parser_classes=(ElearningJSONParser,),
    )
    def reorder(self, request, pk=None):
        course = self.get_object()
        if not rules.can_edit_course(request.user, course):
            raise CourseActionDenied(_("Only the course's teacher can change its content."), "not_owner")
        serializer = ReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reorder_content(
            request.user,
            course,
            modules=serializer.validated_data.get("modules"),
            lessons=serializer.validated_data.get("lessons"),
        )
        modules = outline_modules(request.user, course)
        return Response(ModuleSerializer(modules, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Your progress through the course (enrolled students)", responses=ProgressSerializer
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=(),
        pagination_class=None,
        permission_classes=(permissions.IsAuthenticated,),
    )
    def progress(self, request, pk=None):
        return course_progress_response(request, self.get_object())

    @extend_schema(
        summary="Every enrolled student's progress (its teacher, staff; ?order=name|done|visit, - for descending)",
        parameters=[
            OpenApiParameter(
                "order",
                OpenApiTypes.STR,
                enum=[f"{sign}{key}" for key in PROGRESS_ORDERINGS for sign in ("", "-")],
                description="Order of the rows (default: name).",
            )
        ],
        responses=StudentProgressSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="progress/students",
        url_name="progress-students",
        filter_backends=(),
        permission_classes=(permissions.IsAuthenticated,),
    )
    def progress_students(self, request, pk=None):
        course = self.get_object()
        order = request.query_params.get("order", "name")
        if order.removeprefix("-") not in PROGRESS_ORDERINGS:
            raise exceptions.ValidationError({"order": [_("Order by name, done or visit.")]})
        rows = student_progress(request.user, course, order)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(StudentProgressSerializer(page, many=True).data)


def visible_materials(user, course):
    """The materials of ``course`` whose lesson ``user`` sees (a material of a draft
    lesson is for the teacher and staff only)."""
    materials = CourseMaterial.objects.filter(course=course)
    if rules.can_view_drafts(user, course):
        return materials
    hidden = Lesson.objects.filter(course=course).exclude(pk__in=Lesson.objects.published().values("pk"))
    return materials.exclude(pk__in=hidden.filter(material__isnull=False).values("material_id"))


@extend_schema_view(
    list=extend_schema(summary="Subjects of courses, by name, with their published courses' count")
)
class SubjectViewSet(BaseViewSet, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SubjectSerializer
    filter_backends = ()

    def get_queryset(self):
        return Subject.objects.annotate(
            course_count=Count("courses", filter=Q(courses__is_published=True))
        ).order_by("name", "id")


@extend_schema_view(
    list=extend_schema(summary="Own enrollments (students) or enrollments in own courses (teachers)"),
    create=extend_schema(
        summary="Enroll yourself in a course (students)",
        responses={
            201: EnrollmentSerializer,
            400: OpenApiResponse(description="Already enrolled"),
            403: OpenApiResponse(description="Not a student, or blocked"),
        },
    ),
    destroy=extend_schema(summary="Unenroll (the enrolled student)"),
)
class EnrollmentViewSet(
    BaseViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EnrollmentSerializer
    queryset = Enrollment.objects.none()  # for the schema; see get_queryset
    filter_backends = (StrictFilterBackend, filters.OrderingFilter)
    filterset_fields = ("course",)
    ordering_fields = ("created_at",)
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        user = self.request.user
        queryset = Enrollment.objects.select_related("student")
        if rules.is_student(user):
            return queryset.filter(student=user)
        if rules.is_teacher(user):
            return queryset.filter(course__teacher=user)
        return queryset.none()

    def perform_create(self, serializer):
        serializer.instance = services.enroll(self.request.user, serializer.validated_data["course"])

    def perform_destroy(self, instance):
        if instance.student_id != self.request.user.pk:
            raise CourseActionDenied(_("Teachers remove students by blocking them."), "not_student")
        services.unenroll(self.request.user, instance.course)


@extend_schema_view(
    list=extend_schema(summary="Feedback on courses (?course=, ?student=)"),
    create=extend_schema(summary="Rate a course you are enrolled in (once)"),
    partial_update=extend_schema(summary="Change your feedback"),
    update=extend_schema(summary="Replace your feedback"),
)
class FeedbackViewSet(
    BaseViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = FeedbackSerializer
    filter_backends = (StrictFilterBackend, filters.OrderingFilter)
    filterset_class = FeedbackFilter
    ordering_fields = ("rating", "updated_at")
    ordering = ("-updated_at", "-id")

    def get_queryset(self):
        return Feedback.objects.select_related("student")

    def perform_create(self, serializer):
        data = serializer.validated_data
        course, user = data["course"], self.request.user
        if Feedback.objects.filter(course=course, student=user).exists():
            raise CourseActionInvalid(
                _("You have already rated this course; change your feedback with PATCH."),
                code="already_rated",
            )
        serializer.instance, _created = services.save_feedback(
            user, course, rating=data["rating"], comment=data.get("comment", "")
        )

    def perform_update(self, serializer):
        feedback = serializer.instance
        if feedback.student_id != self.request.user.pk:
            raise CourseActionDenied(_("This is not your feedback."), "not_owner")
        data = serializer.validated_data
        serializer.instance, _created = services.save_feedback(
            self.request.user,
            feedback.course,
            rating=data.get("rating", feedback.rating),
            comment=data.get("comment", feedback.comment),
        )


@extend_schema_view(
    list=extend_schema(summary="Blocks in your courses (teachers)"),
    create=extend_schema(summary="Block a student from your course (removes the enrollment)"),
    destroy=extend_schema(summary="Lift a block"),
)
class BlockViewSet(
    BaseViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = BlockSerializer
    queryset = CourseBlock.objects.none()  # for the schema; see get_queryset
    filter_backends = (StrictFilterBackend,)
    filterset_fields = ("course", "student")

    def check_permissions(self, request):
        super().check_permissions(request)
        if not rules.is_teacher(request.user):
            self.permission_denied(request, message=_("Only teachers can block students."))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return CourseBlock.objects.select_related("student").filter(course__teacher=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.block(
            self.request.user, data["course"], data["student"], data.get("reason", "")
        )

    def perform_destroy(self, instance):
        services.unblock(self.request.user, instance.course, instance.student)


@extend_schema_view(
    list=extend_schema(summary="Your notifications, newest first (?is_read=)"),
    retrieve=extend_schema(summary="One of your notifications"),
)
class NotificationViewSet(BaseViewSet, viewsets.ReadOnlyModelViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; see get_queryset
    filter_backends = (StrictFilterBackend,)
    filterset_fields = ("is_read", "verb")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark one notification read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notifications.mark_read(request.user, notification.pk)
        notification.is_read = True
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=ReadAllSerializer, summary="Mark all your notifications read")
    @action(detail=False, methods=["post"], url_path="read-all", filter_backends=())
    def read_all(self, request):
        changed = notifications.mark_all_read(request.user)
        return Response({"marked_read": changed, "unread_count": 0})

    @extend_schema(responses=UnreadCountSerializer, summary="How many of your notifications are unread")
    @action(detail=False, methods=["get"], url_path="unread-count", filter_backends=())
    def unread_count(self, request):
        return Response({"unread_count": notifications.unread_count(request.user)})

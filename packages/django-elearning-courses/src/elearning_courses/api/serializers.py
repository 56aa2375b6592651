"""Serializers of the courses API. They shape data; the rules live in the services."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.reverse import reverse

from elearning_users.api.strict import StrictJSONTypesMixin

from .. import covers
from ..materials import validate_material_upload
from ..models import Course, CourseBlock, CourseMaterial, Enrollment, Feedback, Notification, Subject


def required_title(value, message):
    """``value`` stripped, or ``message`` as the field's error when nothing is left."""
    value = value.strip()
    if not value:
        raise serializers.ValidationError(message)
    return value


class UserRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ("id", "username")
        read_only_fields = fields


class UserRefField(serializers.PrimaryKeyRelatedField):
    """Written as a user id, read as ``{id, username}``."""

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        return {"id": value.pk, "username": value.get_username()}


class SubjectSerializer(serializers.ModelSerializer):
    course_count = serializers.IntegerField(read_only=True, help_text=_("Published courses of the subject."))

    class Meta:
        model = Subject
        fields = ("id", "name", "slug", "course_count")
        read_only_fields = fields


class SubjectRefField(serializers.SlugRelatedField):
    """Written as a subject's slug (or ``null``), read as ``{id, name, slug}``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        kwargs.setdefault("queryset", Subject.objects.all())
        super().__init__(**kwargs)

    def to_representation(self, value):
        return {"id": value.pk, "name": value.name, "slug": value.slug}

    def get_choices(self, cutoff=None):
        # The browsable API's select: keyed by slug (the representation is a dict).
        queryset = self.get_queryset()
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {subject.slug: self.display_value(subject) for subject in queryset}


class CourseSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    teacher = UserRefSerializer(read_only=True)
    subject = SubjectRefField(required=False, allow_null=True)
    cover = serializers.ImageField(
        required=False,
        allow_null=True,
        help_text=_(
            "The cover image's URL (null: the default cover). Send an image (multipart) to "
            "replace it, null (or an empty value) to remove it."
        ),
    )
    is_published = serializers.BooleanField(
        required=False, help_text=_("A draft is seen only by its teacher and staff.")
    )
    enrollment_count = serializers.IntegerField(read_only=True)
    average_rating = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Course
        fields = (
            "id",
            "title",
            "description",
            "teacher",
            "subject",
            "cover",
            "is_published",
            "enrollment_count",
            "average_rating",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")

    def validate_cover(self, value):
        """A new upload is checked and re-encoded like on the course form; ``None`` (or
        an empty multipart value) removes the cover: ``False`` for the service."""
        if not value:
            return False
        try:
            return covers.process_cover(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from None

    def validate_title(self, value):
        return required_title(value, _("Give the course a title."))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data.get("average_rating") is not None:
            data["average_rating"] = round(data["average_rating"], 2)
        return data


class MaterialSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)
    title = serializers.CharField(
        max_length=CourseMaterial._meta.get_field("title").max_length, required=False, allow_blank=True
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CourseMaterial
        fields = (
            "id",
            "course",
            "title",
            "file",
            "original_name",
            "size",
            "content_type",
            "uploaded_at",
            "download_url",
        )
        read_only_fields = ("id", "course", "original_name", "size", "content_type", "uploaded_at")

    def get_download_url(self, obj) -> str:
        """The API's download endpoint (session or token auth), absolute when possible."""
        return reverse(
            "elearning_courses_api:course-material-download",
            args=[obj.course_id, obj.pk],
            request=self.context.get("request"),
        )

    def validate_file(self, value):
        try:
            validate_material_upload(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from None
        return value


class EnrollmentSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all())
    student = UserRefSerializer(read_only=True)

    class Meta:
        model = Enrollment
        fields = ("id", "course", "student", "created_at")
        read_only_fields = ("id", "student", "created_at")
        validators = []  # the service reports duplicates (400) and blocks (403)


class FeedbackSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all())
    student = UserRefSerializer(read_only=True)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        max_length=Feedback._meta.get_field("comment").max_length, required=False, allow_blank=True
    )

    class Meta:
        model = Feedback
        fields = ("id", "course", "student", "rating", "comment", "created_at", "updated_at")
        read_only_fields = ("id", "student", "created_at", "updated_at")
        validators = []

    def validate_course(self, value):
        if self.instance is not None and value.pk != self.instance.course_id:
            raise serializers.ValidationError(_("Feedback cannot be moved to another course."))
        return value


class BlockSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all())
    student = UserRefField(queryset=get_user_model().objects.all())
    reason = serializers.CharField(
        max_length=CourseBlock._meta.get_field("reason").max_length, required=False, allow_blank=True
    )

    class Meta:
        model = CourseBlock
        fields = ("id", "course", "student", "reason", "created_at")
        read_only_fields = ("id", "created_at")
        validators = []


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "verb", "message", "url", "is_read", "created_at")
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField()
    unread_count = serializers.IntegerField()


from .schema import register_extensions  # noqa: E402

register_extensions()

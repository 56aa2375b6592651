"""Serializers of course content in the API: modules, lessons, progress, announcements."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.reverse import reverse

from elearning_users.api.strict import StrictJSONTypesMixin

from ..markdown import render_markdown
from ..models import Announcement, Lesson, Module
from .serializers import UserRefSerializer, required_title

#: Most ids one reorder request may list (modules, and lessons of each module).
REORDER_MAX_IDS = 1000
#: Kinds whose lesson shows its upload inline (``media_url``).
MEDIA_KINDS = (Lesson.Kind.VIDEO, Lesson.Kind.IMAGE)


class LessonOutlineSerializer(serializers.ModelSerializer):
    """What the course outline shows of a lesson (public for published lessons)."""

    class Meta:
        model = Lesson
        fields = ("id", "module", "title", "kind", "position", "is_published")
        read_only_fields = fields


class ModuleSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    title = serializers.CharField(max_length=Module._meta.get_field("title").max_length)
    lessons = LessonOutlineSerializer(
        many=True,
        read_only=True,
        source="outline_lessons",
        help_text=_("The module's lessons the user may see, in order (titles only)."),
    )

    class Meta:
        model = Module
        fields = (
            "id",
            "course",
            "title",
            "description",
            "position",
            "is_published",
            "lessons",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "course", "position", "created_at", "updated_at")

    def validate_title(self, value):
        return required_title(value, _("Give the module a title."))


class LessonSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    """A lesson with its content. ``text`` is Markdown, ``html`` its rendering;
    ``file`` (multipart) is the upload of a video, image or file lesson."""

    title = serializers.CharField(max_length=Lesson._meta.get_field("title").max_length)
    file = serializers.FileField(
        write_only=True,
        required=False,
        help_text=_("The video (mp4, webm), image or file of the lesson (multipart)."),
    )
    html = serializers.SerializerMethodField()
    file_name = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = (
            "id",
            "course",
            "module",
            "title",
            "kind",
            "text",
            "html",
            "url",
            "file",
            "file_name",
            "media_url",
            "download_url",
            "position",
            "is_published",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "course", "position", "created_at", "updated_at")

    def validate_title(self, value):
        return required_title(value, _("Give the lesson a title."))

    def validate_module(self, value):
        course = self.context.get("course")
        if course is not None and value.course_id != course.pk:
            raise serializers.ValidationError(_("This module is not part of the course."))
        if self.instance is not None and value.pk != self.instance.module_id:
            raise serializers.ValidationError(_("Move lessons between modules with the reorder endpoint."))
        return value

    def validate_kind(self, value):
        if self.instance is not None and value != self.instance.kind:
            raise serializers.ValidationError(_("The type of a lesson cannot change; create a new lesson."))
        return value

    def get_html(self, obj) -> str:
        """``text`` rendered from Markdown and sanitized."""
        return str(render_markdown(obj.text)) if obj.text else ""

    def get_file_name(self, obj) -> str | None:
        """The uploaded file's own name (video, image, file lessons)."""
        return obj.material.original_name if obj.material_id else None

    def get_media_url(self, obj) -> str | None:
        """Video and image lessons: the API endpoint serving the upload inline (with
        ``Range`` support, for seeking)."""
        if obj.kind not in MEDIA_KINDS or not obj.material_id:
            return None
        return reverse(
            "elearning_courses_api:course-lesson-media",
            args=[obj.course_id, obj.pk],
            request=self.context.get("request"),
        )

    def get_download_url(self, obj) -> str | None:
        """Lessons with an upload: the API's download endpoint (an attachment)."""
        if not obj.material_id:
            return None
        return reverse(
            "elearning_courses_api:course-material-download",
            args=[obj.course_id, obj.material_id],
            request=self.context.get("request"),
        )


class StrictIntegerField(serializers.IntegerField):
    """An integer, never its text or a boolean (reorder bodies are JSON only)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ReorderSerializer(serializers.Serializer):
    modules = serializers.ListField(
        child=StrictIntegerField(min_value=1),
        max_length=REORDER_MAX_IDS,
        required=False,
        help_text=_("Every module id of the course, in the new order."),
    )
    lessons = serializers.DictField(
        child=serializers.ListField(child=StrictIntegerField(min_value=1), max_length=REORDER_MAX_IDS),
        required=False,
        help_text=_("For each module id (a key), the ids of its lessons in the new order."),
    )

    def validate_lessons(self, value):
        if len(value) > REORDER_MAX_IDS:
            raise serializers.ValidationError(_("Too many modules."))
        lessons = {}
        for key, ids in value.items():
            if not (key.isascii() and key.isdigit() and 0 < len(key) < 10):
                raise serializers.ValidationError(_("The keys are module ids."))
            lessons[int(key)] = ids
        return lessons

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Give modules, lessons or both."))
        return attrs


class LessonRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ("id", "title")
        read_only_fields = fields


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text=_("Lessons completed (of those students see)."))
    total = serializers.IntegerField(help_text=_("Lessons students see."))
    percent = serializers.IntegerField(min_value=0, max_value=100)
    completed_lessons = serializers.ListField(child=serializers.IntegerField(), help_text=_("Their ids."))
    last_lesson = LessonRefSerializer(allow_null=True, help_text=_("The lesson opened last."))


class StudentProgressSerializer(serializers.Serializer):
    student = UserRefSerializer()
    name = serializers.CharField(
        source="student.get_full_name", help_text=_("The student's full name, may be empty.")
    )
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField(min_value=0, max_value=100)
    last_visited_at = serializers.DateTimeField(allow_null=True)
    last_lesson = LessonRefSerializer(allow_null=True)


class AnnouncementSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    title = serializers.CharField(max_length=Announcement._meta.get_field("title").max_length)
    author = UserRefSerializer(read_only=True, allow_null=True)
    html = serializers.SerializerMethodField()

    class Meta:
        model = Announcement
        fields = ("id", "course", "author", "title", "body", "html", "created_at")
        read_only_fields = ("id", "course", "author", "created_at")

    def validate_title(self, value):
        return required_title(value, _("Give the announcement a title."))

    def get_html(self, obj) -> str:
        """``body`` rendered from Markdown and sanitized."""
        return str(render_markdown(obj.body)) if obj.body else ""

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from .covers import process_cover
from .models import (
    Course,
    CourseBlock,
    CourseMaterial,
    Enrollment,
    Feedback,
    Lesson,
    Module,
    Notification,
    Subject,
)


class MaterialInline(admin.TabularInline):
    model = CourseMaterial
    extra = 0
    fields = ("title", "original_name", "size", "content_type", "uploaded_at")
    readonly_fields = ("original_name", "size", "content_type", "uploaded_at")
    # Uploads go through the course pages, which validate the file.
    can_delete = True
    max_num = 0


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ("position", "title", "is_published")
    show_change_link = True


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class CourseAdminForm(forms.ModelForm):
    """Covers uploaded in the admin are re-encoded like those of the course pages."""

    class Meta:
        model = Course
        fields = ("title", "description", "teacher", "subject", "cover", "is_published")

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        return process_cover(cover) if isinstance(cover, UploadedFile) else cover


def _delete_cover_on_commit(name, storage):
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    form = CourseAdminForm
    list_display = ("title", "teacher", "subject", "is_published", "created_at")
    list_filter = ("is_published", "subject")
    list_select_related = ("teacher", "subject")
    search_fields = ("title", "description", "teacher__username")
    raw_id_fields = ("teacher",)
    date_hierarchy = "created_at"
    fields = CourseAdminForm.Meta.fields
    inlines = [ModuleInline, MaterialInline]

    def save_model(self, request, obj, form, change):
        old = form.initial.get("cover")
        super().save_model(request, obj, form, change)
        if old and old.name != obj.cover.name:  # replaced or cleared
            _delete_cover_on_commit(old.name, old.storage)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _delete_cover_on_commit(obj.cover.name, obj.cover.storage)

    def delete_queryset(self, request, queryset):
        covers = [(course.cover.name, course.cover.storage) for course in queryset if course.cover]
        super().delete_queryset(request, queryset)
        for name, storage in covers:
            _delete_cover_on_commit(name, storage)


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "position", "is_published")
    list_filter = ("is_published",)
    list_select_related = ("course",)
    search_fields = ("title", "course__title")
    raw_id_fields = ("course",)


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "module", "kind", "position", "is_published")
    list_filter = ("kind", "is_published")
    list_select_related = ("course", "module")
    search_fields = ("title", "course__title", "module__title")
    raw_id_fields = ("module", "material")
    # The course follows the module (Lesson.save).
    exclude = ("course",)
    # Django 6's default for an address typed without a scheme (5.2 warns otherwise).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("student", "course", "created_at")
    list_select_related = ("student", "course")
    search_fields = ("student__username", "course__title")
    raw_id_fields = ("student", "course")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("course", "student", "rating", "updated_at")
    list_filter = ("rating",)
    list_select_related = ("student", "course")
    search_fields = ("student__username", "course__title", "comment")
    raw_id_fields = ("student", "course")


@admin.register(CourseBlock)
class CourseBlockAdmin(admin.ModelAdmin):
    list_display = ("course", "student", "reason", "created_at")
    list_select_related = ("student", "course")
    search_fields = ("student__username", "course__title")
    raw_id_fields = ("student", "course")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "verb", "message", "is_read", "created_at")
    list_filter = ("verb", "is_read")
    list_select_related = ("recipient",)
    search_fields = ("recipient__username", "message")
    raw_id_fields = ("recipient",)

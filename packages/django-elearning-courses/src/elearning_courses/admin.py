from django.contrib import admin

from .models import Course, CourseBlock, CourseMaterial, Enrollment, Feedback, Notification


class MaterialInline(admin.TabularInline):
    model = CourseMaterial
    extra = 0
    fields = ("title", "original_name", "size", "content_type", "uploaded_at")
    readonly_fields = ("original_name", "size", "content_type", "uploaded_at")
    # Uploads go through the course pages, which validate the file.
    can_delete = True
    max_num = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "teacher", "created_at")
    list_select_related = ("teacher",)
    search_fields = ("title", "description", "teacher__username")
    raw_id_fields = ("teacher",)
    date_hierarchy = "created_at"
    inlines = [MaterialInline]


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

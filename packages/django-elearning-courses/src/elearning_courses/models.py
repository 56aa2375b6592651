"""Courses, enrollments, private materials, feedback, blocks and notifications.

The rules that involve several rows live elsewhere: only teachers own courses in
:mod:`elearning_courses.services`, and a blocked student is not enrolled because the
``post_save`` receiver of :class:`CourseBlock` in :mod:`elearning_courses.signals`
removes the enrollment. What one row can guarantee is a database constraint here.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg, Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .materials import material_upload_to
from .storage import material_storage

#: Longest course description, in characters (forms and the API refuse longer ones).
DESCRIPTION_MAX_LENGTH = 10_000


class CourseQuerySet(models.QuerySet):
    def with_stats(self):
        """Add ``enrollment_count``, ``average_rating`` and the teacher, in the same query.

        Correlated subqueries rather than joins: the database computes them only for
        the rows of the current page, whatever the size of the enrollment table.
        """
        enrollments = (
            Enrollment.objects.filter(course=OuterRef("pk"))
            .order_by()
            .values("course")
            .annotate(n=Count("*"))
            .values("n")
        )
        ratings = (
            Feedback.objects.filter(course=OuterRef("pk"))
            .order_by()
            .values("course")
            .annotate(avg=Avg("rating"))
            .values("avg")
        )
        return self.select_related("teacher").annotate(
            enrollment_count=Coalesce(Subquery(enrollments), Value(0)),
            average_rating=Subquery(ratings, output_field=models.FloatField()),
        )

    def taught_by(self, user):
        return self.filter(teacher=user)

    def enrolled_by(self, user):
        return self.filter(enrollments__student=user)

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(models.Q(title__icontains=text) | models.Q(description__icontains=text))


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="elearning_courses_taught",
        verbose_name=_("teacher"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The catalog's order: newest first, LIMIT 20 reads the index only.
            models.Index(fields=["-created_at", "-id"], name="elearning_course_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(title=""), name="elearning_courses_course_title_not_empty"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("elearning_courses:course_detail", args=[self.pk])

    @property
    def chat_room(self):
        """Slug of the course's chat room (see :mod:`elearning_courses.chat_policy`)."""
        return f"course-{self.pk}"


class Enrollment(models.Model):
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="elearning_enrollments",
        verbose_name=_("student"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("course")
    )
    created_at = models.DateTimeField(_("enrolled"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "course"], name="elearning_courses_enrollment_unique"),
        ]

    def __str__(self):
        return f"{self.student} → {self.course}"


class CourseMaterial(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="materials", verbose_name=_("course")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_upload_to, storage=material_storage, max_length=255)
    original_name = models.CharField(
        _("original file name"),
        max_length=255,
        help_text=_("Shown to downloaders; never used as a storage path."),
    )
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("course material")
        verbose_name_plural = _("course materials")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def download_url(self):
        """URL of the access-checked download view (materials have no public URL)."""
        try:
            return reverse("elearning_courses:material_download", args=[self.course_id, self.pk])
        except NoReverseMatch:
            return ""


class Feedback(models.Model):
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="elearning_feedback",
        verbose_name=_("student"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("course")
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("From 1 (poor) to 5 (excellent)."),
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "course"], name="elearning_courses_feedback_unique"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5),
                name="elearning_courses_feedback_rating_1_5",
            ),
        ]

    def __str__(self):
        return f"{self.student} → {self.course}: {self.rating}"


class CourseBlock(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="blocks", verbose_name=_("course")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="elearning_course_blocks",
        verbose_name=_("student"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("blocked"), auto_now_add=True)

    class Meta:
        verbose_name = _("course block")
        verbose_name_plural = _("course blocks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "student"], name="elearning_courses_block_unique"),
        ]

    def __str__(self):
        return f"{self.student} ⊘ {self.course}"


class Notification(models.Model):
    class Verb(models.TextChoices):
        ENROLLED = "enrolled", _("New enrollment")
        FEEDBACK = "feedback", _("New feedback")
        MATERIAL = "material", _("New material")
        BLOCKED = "blocked", _("Blocked")
        UNBLOCKED = "unblocked", _("Unblocked")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="elearning_notifications",
        verbose_name=_("recipient"),
    )
    verb = models.CharField(_("verb"), max_length=32, choices=Verb.choices)
    message = models.CharField(_("message"), max_length=255)
    url = models.CharField(_("link"), max_length=500, blank=True)
    is_read = models.BooleanField(_("read"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="elearning_notif_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(is_read=False),
                name="elearning_notif_unread_idx",
            ),
        ]

    def __str__(self):
        return self.message

    def as_dict(self):
        """The JSON shape used by the API and the live push."""
        return {
            "id": self.pk,
            "verb": self.verb,
            "message": self.message,
            "url": self.url,
            "is_read": self.is_read,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z") if self.created_at else None,
        }

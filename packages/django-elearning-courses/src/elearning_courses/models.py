"""Courses and their content (modules, lessons, announcements), enrollments and
progress, private materials, feedback, blocks and notifications.

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

from .covers import cover_upload_to
from .materials import material_upload_to
from .search.fields import SearchVectorColumn
from .storage import material_storage

#: Longest course description, in characters (forms and the API refuse longer ones).
DESCRIPTION_MAX_LENGTH = 10_000
#: Longest Markdown text of a lesson, in characters.
LESSON_TEXT_MAX_LENGTH = 100_000
#: Longest module description and announcement text, in characters.
MODULE_DESCRIPTION_MAX_LENGTH = 2_000
ANNOUNCEMENT_MAX_LENGTH = 5_000


class Subject(models.Model):
    """What a course is about, managed in the admin; the catalog filters by it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


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

    def published(self):
        return self.filter(is_published=True)

    def visible_to(self, user):
        """Published courses, plus the drafts ``user`` teaches (all of them for staff)."""
        if user is not None and user.is_authenticated:
            if user.is_staff:
                return self
            return self.filter(models.Q(is_published=True) | models.Q(teacher=user))
        return self.published()


class ModuleQuerySet(models.QuerySet):
    def published(self):
        """Modules students see: the module and its course are published."""
        return self.filter(is_published=True, course__is_published=True)


class LessonQuerySet(models.QuerySet):
    def published(self):
        """Lessons students see: the lesson, its module and its course are published."""
        return self.filter(is_published=True, module__is_published=True, course__is_published=True)


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="elearning_courses_taught",
        verbose_name=_("teacher"),
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("subject"),
    )
    cover = models.ImageField(_("cover image"), upload_to=cover_upload_to, blank=True, max_length=255)
    is_published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("A draft is seen only by its teacher and staff."),
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
            # The catalog: the count of published courses and their count per subject read
            # this index only, not every row; a subject's newest courses walk it in order.
            # Subject first: SQLite uses it without ANALYZE statistics.
            models.Index(
                fields=["subject", "-created_at", "-id", "is_published"], name="elearning_course_subject_idx"
            ),
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
    #: The lesson the student opened last ("continue where you left off").
    last_lesson = models.ForeignKey(
        "Lesson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last lesson"),
    )
    last_visited_at = models.DateTimeField(_("last visit"), null=True, blank=True)

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


class Module(models.Model):
    """An ordered part of a course; it holds ordered lessons."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="modules", verbose_name=_("course")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=MODULE_DESCRIPTION_MAX_LENGTH)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("A draft is seen only by its teacher and staff.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ModuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["course", "position"], name="elearning_module_order_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(title=""), name="elearning_courses_module_title_not_empty"
            ),
        ]

    def __str__(self):
        return self.title


class Lesson(models.Model):
    """An ordered part of a module with content of one :class:`Kind`.

    * ``text``: ``text`` is Markdown, rendered and sanitized on display;
    * ``video``, ``image``, ``file``: the upload is a :class:`CourseMaterial` (private
      storage, access-checked download) in ``material``; ``text`` is optional notes;
    * ``embed``: ``url`` is a video page of an allow-listed provider, shown in a
      sandboxed frame;
    * ``link``: ``url`` is any http(s) address.

    ``course`` repeats ``module.course`` (kept equal by :meth:`save`) so that per-course
    counts need no join.
    """

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        VIDEO = "video", _("Video")
        EMBED = "embed", _("Embedded video")
        IMAGE = "image", _("Image")
        FILE = "file", _("File")
        LINK = "link", _("Link")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("course")
    )
    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("module")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(_("text"), blank=True, max_length=LESSON_TEXT_MAX_LENGTH)
    url = models.URLField(_("address"), blank=True, max_length=500)
    material = models.OneToOneField(
        "CourseMaterial",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lesson",
        verbose_name=_("uploaded file"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("A draft is seen only by its teacher and staff.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["module", "position"], name="elearning_lesson_order_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(title=""), name="elearning_courses_lesson_title_not_empty"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.module_id is not None:
            self.course_id = self.module.course_id
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("elearning_courses:lesson_detail", args=[self.course_id, self.pk])


class LessonCompletion(models.Model):
    """A student marked a lesson complete. Kept when the student leaves or is blocked
    (hidden then); deleted with the lesson, so percentages stay right."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="elearning_lesson_completions",
        verbose_name=_("student"),
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="completions", verbose_name=_("lesson")
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lesson_completions", verbose_name=_("course")
    )
    completed_at = models.DateTimeField(_("completed"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        ordering = ["-completed_at", "-id"]
        indexes = [models.Index(fields=["course", "student"], name="elearning_completion_idx")]
        constraints = [
            models.UniqueConstraint(fields=["student", "lesson"], name="elearning_courses_completion_unique"),
        ]

    def __str__(self):
        return f"{self.student} ✓ {self.lesson}"

    def save(self, *args, **kwargs):
        if self.lesson_id is not None:
            self.course_id = self.lesson.course_id
        super().save(*args, **kwargs)


class Announcement(models.Model):
    """A message from the teacher to a course's class, shown on the course page."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("course")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, max_length=ANNOUNCEMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["course", "-created_at"], name="elearning_announcement_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(title=""), name="elearning_courses_announcement_title_not_empty"
            ),
        ]

    def __str__(self):
        return self.title


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
        LESSON = "lesson", _("New lessons")
        ANNOUNCEMENT = "announcement", _("Announcement")

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


class SearchEntry(models.Model):
    """One searchable piece of a course, rebuilt from the course's content.

    Written only by :mod:`elearning_courses.search.index` (delete and re-create per
    course, after each commit that changes the course), never edited by hand. Access
    is decided in SQL from the denormalized ``is_published`` and ``audience``: see
    :mod:`elearning_courses.search.access`.
    """

    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        MODULE = "module", _("Module")
        LESSON = "lesson", _("Lesson")
        MATERIAL = "material", _("Material")

    class Audience(models.TextChoices):
        #: The course and its modules: whoever sees them.
        ALL = "all", _("Everyone who sees it")
        #: A lesson's title alone, for those who see the outline but may not read it.
        OUTLINE = "outline", _("Outline only")
        #: A lesson's title and text, a material's title: for those who may read the lesson.
        CONTENT = "content", _("Readers only")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="search_entries", verbose_name=_("course")
    )
    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("module")
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("lesson")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    #: The course, its module and its lesson (as far as they apply) are all published.
    is_published = models.BooleanField(_("published"))
    title = models.CharField(_("title"), max_length=200)
    # Derived from bounded fields (the longest: a lesson's text, as plain text).
    body = models.TextField(_("text"), blank=True, max_length=LESSON_TEXT_MAX_LENGTH)
    #: PostgreSQL only: title (weight A) and body (weight B) as a tsvector.
    search_vector = SearchVectorColumn(_("search vector"), null=True, editable=False)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        ordering = ["id"]

    def __str__(self):
        return self.title

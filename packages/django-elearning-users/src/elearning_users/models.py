from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .images import profile_picture_upload_to


class User(AbstractUser):
    """A site user: a student or a teacher, with a picture and a status line."""

    class Role(models.TextChoices):
        STUDENT = "student", _("Student")
        TEACHER = "teacher", _("Teacher")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STUDENT)
    profile_picture = models.ImageField(_("profile picture"), upload_to=profile_picture_upload_to, blank=True)
    status = models.CharField(
        _("status"), max_length=140, blank=True, help_text=_("A short line about yourself.")
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["student", "teacher"]),
                name="elearning_users_user_role_valid",
            )
        ]

    @property
    def is_teacher(self):
        return self.role == self.Role.TEACHER

    @property
    def is_student(self):
        return self.role == self.Role.STUDENT

    @property
    def avatar_url(self):
        """URL of the profile picture, or an empty string when there is none."""
        return self.profile_picture.url if self.profile_picture else ""

    def get_absolute_url(self):
        return reverse("elearning_profiles:detail", args=[self.username])

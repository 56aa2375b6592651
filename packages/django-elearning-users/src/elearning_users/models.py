"""The e-learning user: :class:`AbstractElearningUser` and the ready-made :class:`User`.

A site that wants its own user class subclasses :class:`AbstractElearningUser` and
points ``AUTH_USER_MODEL`` at it; every app of the project only relies on what the
abstract class declares (``role``, ``profile_picture``, ``status`` and the helpers
below), never on ``elearning_users.User`` itself.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .images import profile_picture_upload_to


class Role(models.TextChoices):
    """The two roles of a user; also reachable as ``<user model>.Role``."""

    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")


class AbstractElearningUser(AbstractUser):
    """Everything the e-learning apps need from a user, for a host's own user model.

    Subclass it, add your fields, and set ``AUTH_USER_MODEL`` to the subclass before
    the first ``migrate``. A subclass that declares its own ``Meta`` must inherit from
    ``AbstractElearningUser.Meta`` to keep the CHECK constraint on ``role``.
    """

    Role = Role

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STUDENT)
    profile_picture = models.ImageField(_("profile picture"), upload_to=profile_picture_upload_to, blank=True)
    status = models.CharField(
        _("status"), max_length=140, blank=True, help_text=_("A short line about yourself.")
    )

    class Meta(AbstractUser.Meta):
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                # Interpolated per concrete model, so each subclass gets its own name.
                name="%(app_label)s_%(class)s_role_valid",
            )
        ]

    @property
    def is_teacher(self):
        return self.role == Role.TEACHER

    @property
    def is_student(self):
        return self.role == Role.STUDENT

    @property
    def avatar_url(self):
        """URL of the profile picture, or an empty string when there is none."""
        return self.profile_picture.url if self.profile_picture else ""

    def get_absolute_url(self):
        return reverse("elearning_profiles:detail", args=[self.username])


class User(AbstractElearningUser):
    """A site user: a student or a teacher, with a picture and a status line."""

    class Meta(AbstractElearningUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

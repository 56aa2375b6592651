"""The e-learning user: :class:`AbstractElearningUser` and the ready-made :class:`User`.

A site that wants its own user class subclasses :class:`AbstractElearningUser` and
points ``AUTH_USER_MODEL`` at it; every app of the project only relies on what the
abstract class declares (``role``, ``profile_picture``, ``status`` and the helpers
below), never on ``elearning_users.User`` itself.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.crypto import get_random_string, salted_hmac
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
    # Mixed into the session hash: a new value ends every session of the user at once, with
    # any session backend (see end_other_sessions). Empty: the hash is Django's own.
    session_salt = models.CharField(_("session salt"), max_length=32, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                # Interpolated per concrete model, so each subclass gets its own name.
                name="%(app_label)s_%(class)s_role_valid",
            ),
            # One account per e-mail address, whatever its case; accounts without one are
            # not concerned (a site's admin may create such accounts).
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="%(app_label)s_%(class)s_email_ci_unique",
                violation_error_message=_("A user with that email address already exists."),
            ),
        ]

    def save(self, *args, **kwargs):
        # set_password() leaves the new raw password in _password until the save; Django's
        # own rehash on log-in clears it first, so this is a real change of password.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            # The new password hash already ends the other sessions; the token must go too.
            revoke_api_tokens(self)

    def _elearning_session_hash(self, secret=None):
        # With an empty salt this is exactly Django's hash: sessions made before the salt
        # existed stay valid.
        value = f"{self.password}:{self.session_salt}" if self.session_salt else self.password
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_session_auth_hash(self):
        return self._elearning_session_hash()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._elearning_session_hash(secret=fallback_secret)

    def end_other_sessions(self, request=None):
        """End every session of this user except ``request``'s, and delete the user's API
        token. Works with any session backend: no session is looked up, the stored hash
        of every other session simply stops matching."""
        from django.contrib.auth import update_session_auth_hash

        self.session_salt = get_random_string(32)
        type(self)._default_manager.filter(pk=self.pk).update(session_salt=self.session_salt)
        revoke_api_tokens(self)
        if request is not None and getattr(request.user, "pk", None) == self.pk:
            update_session_auth_hash(request, self)

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


def revoke_api_tokens(user):
    """Delete the user's ``rest_framework.authtoken`` key, when the site uses those: the
    next ``POST /api/auth/token/`` makes a new one."""
    from django.apps import apps

    if apps.is_installed("rest_framework.authtoken") and user.pk is not None:
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=user).delete()


class User(AbstractElearningUser):
    """A site user: a student or a teacher, with a picture and a status line."""

    class Meta(AbstractElearningUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

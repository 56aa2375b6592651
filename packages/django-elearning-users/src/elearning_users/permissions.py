"""DRF permission classes for the two roles."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .models import Role


class _HasRole(BasePermission):
    role = None

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "role", None) == self.role)


class IsTeacher(_HasRole):
    """Allows access only to authenticated teachers."""

    role = Role.TEACHER
    message = _("Only teachers can do this.")


class IsStudent(_HasRole):
    """Allows access only to authenticated students."""

    role = Role.STUDENT
    message = _("Only students can do this.")

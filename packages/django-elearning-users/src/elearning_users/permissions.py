"""DRF permission classes for the two roles."""

from rest_framework.permissions import BasePermission


class _HasRole(BasePermission):
    role = None

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "role", None) == self.role)


class IsTeacher(_HasRole):
    """Allows access only to authenticated teachers."""

    role = "teacher"
    message = "Only teachers can do this."


class IsStudent(_HasRole):
    """Allows access only to authenticated students."""

    role = "student"
    message = "Only students can do this."

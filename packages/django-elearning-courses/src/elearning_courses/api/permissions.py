"""DRF permission classes of the courses API, built on :mod:`elearning_courses.rules`."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .. import rules


class IsCourseOwnerOrReadOnly(BasePermission):
    """Anyone authenticated reads; only teachers create; only the owning teacher edits."""

    message = _("Only the course's teacher can change it.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or view.action != "create":
            return True
        self.message = _("Only teachers can create courses.")
        return rules.can_create_course(request.user)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return rules.can_edit_course(request.user, obj)

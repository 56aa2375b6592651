"""Role checks for class-based views (the counterparts of :mod:`.decorators`), and the
mixin that tells a page which layout to extend."""

from django.contrib.auth.mixins import LoginRequiredMixin

from .conf import app_settings
from .models import Role


class LayoutMixin:
    """Puts the layout the page extends in its context as ``elearning_base_template``.

    Every page template of the app extends ``<app>/base.html``, which extends that
    variable. Override :meth:`get_base_template` to read another app's setting.
    """

    def get_base_template(self):
        return app_settings.BASE_TEMPLATE

    def get_context_data(self, **kwargs):
        kwargs.setdefault("elearning_base_template", self.get_base_template())
        return super().get_context_data(**kwargs)


class RoleRequiredMixin(LoginRequiredMixin):
    required_role = None
    # Logged-in users with another role get 403, not the login page.
    raise_exception = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if getattr(request.user, "role", None) != self.required_role:
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class TeacherRequiredMixin(RoleRequiredMixin):
    required_role = Role.TEACHER


class StudentRequiredMixin(RoleRequiredMixin):
    required_role = Role.STUDENT

"""Role checks for class-based views (the counterparts of :mod:`.decorators`)."""

from django.contrib.auth.mixins import LoginRequiredMixin


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
    required_role = "teacher"


class StudentRequiredMixin(RoleRequiredMixin):
    required_role = "student"

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, resolve_url
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, UpdateView

from .emails import EMAIL_TAKEN, duplicate_errors
from .mixins import LayoutMixin
from .security import AttemptLimiter, client_ip, normalize_username, too_many_attempts

#: The counter that the sign-up page shares with ``POST /api/users/``.
REGISTER_SCOPE = "elearning_register"  # RegisterRateThrottle.scope

# The forms are imported when a page needs them, not with this module: they are ModelForms
# of AUTH_USER_MODEL, and a site whose user model lacks their fields must still be able to
# import its URL conf, so that ``check`` reports elearning_users.E004 instead of crashing.


class SignupView(LayoutMixin, CreateView):
    template_name = "elearning_users/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Every sign-up attempt counts, per client address and per username tried.
        wait = AttemptLimiter(REGISTER_SCOPE).hit(
            ip=client_ip(request), username=normalize_username(request.POST.get("username"))
        )
        if wait:
            return too_many_attempts(request, wait)
        return super().post(request, *args, **kwargs)

    def get_form_class(self):
        from .forms import SignupForm

        return SignupForm

    def form_valid(self, form):
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:
            # Another sign-up took the name or the address since the form was validated.
            return self.form_invalid(_duplicate_error(form))
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request, _("Welcome, %(name)s! Your account is ready.") % {"name": user.username}
        )
        return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))


class LoginView(LayoutMixin, auth_views.LoginView):
    template_name = "elearning_users/login.html"
    redirect_authenticated_user = True

    def get_form_class(self):
        from .forms import LoginForm

        return LoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("You are logged in."))
        return response


def _duplicate_error(form):
    exclude = form.instance.pk if form.instance and form.instance.pk else None
    for field, errors in duplicate_errors(form.cleaned_data, exclude_pk=exclude).items():
        form.add_error(field if field in form.fields else None, errors)
    return form


class LogoutView(auth_views.LogoutView):
    """POST-only log-out (Django refuses GET with 405). Logging out ends the user's other
    sessions and deletes the API token too (see :mod:`elearning_users.signals`)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are logged out."))
        return response

    def get_default_redirect_url(self):
        # Without LOGOUT_REDIRECT_URL, go home rather than render a bare template.
        if self.next_page or settings.LOGOUT_REDIRECT_URL:
            return super().get_default_redirect_url()
        return "/"


class ProfileUpdateView(LoginRequiredMixin, LayoutMixin, SuccessMessageMixin, UpdateView):
    template_name = "elearning_users/profile_form.html"
    success_url = reverse_lazy("elearning_users:profile")
    success_message = _("Your profile was saved.")

    def get_form_class(self):
        from .forms import ProfileForm

        return ProfileForm

    def get_object(self, queryset=None):
        return self.request.user

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except IntegrityError:
            form.add_error("email", EMAIL_TAKEN)
            return self.form_invalid(form)


class PasswordChangeView(LayoutMixin, SuccessMessageMixin, auth_views.PasswordChangeView):
    """Django's page: the new password hash ends the other sessions, this one is kept, and
    the API token is deleted (``AbstractElearningUser.save``)."""

    template_name = "elearning_users/password_change.html"
    success_url = reverse_lazy("elearning_users:profile")
    success_message = _("Your password was changed.")

    def get_form_class(self):
        from .forms import PasswordChangeForm

        return PasswordChangeForm


class PublicProfileView(LayoutMixin, DetailView):
    template_name = "elearning_users/user_detail.html"
    context_object_name = "profile_user"
    slug_field = "username"
    slug_url_kwarg = "username"

    def get_queryset(self):
        return get_user_model().objects.filter(is_active=True)

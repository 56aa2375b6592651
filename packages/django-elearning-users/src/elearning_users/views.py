import math
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, UpdateView

from .emails import EMAIL_TAKEN, duplicate_errors
from .mixins import LayoutMixin
from .security import AttemptLimiter, client_ip, normalize_username, too_many_attempts

#: The counter that the sign-up page shares with ``POST /api/users/``.
REGISTER_SCOPE = "elearning_register"  # RegisterRateThrottle.scope
#: The counters of password reset requests.
RESET_SCOPE = "elearning_password_reset"

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


class PasswordResetView(LayoutMixin, auth_views.PasswordResetView):
    """Asks for an e-mail address and mails a one-time link to the active account that has
    it (compared without regard to case). The next page is the same whether an account has
    the address or not. Requests are throttled per client address and per address asked
    for (in ``THROTTLE_CACHE``, as the log-in and sign-up), so that no one can flood a
    mailbox through the site; a refused request is answered 429 with ``Retry-After``."""

    template_name = "elearning_users/password_reset_form.html"
    email_template_name = "elearning_users/emails/password_reset_body.txt"
    html_email_template_name = "elearning_users/emails/password_reset_body.html"
    subject_template_name = "elearning_users/emails/password_reset_subject.txt"
    success_url = reverse_lazy("elearning_users:password_reset_done")

    #: Requests per client address (``"<n>/<second|minute|hour|day>"``); ``None`` takes
    #: ``AUTH_THROTTLE_RATE``.
    client_rate = None
    #: Requests for one e-mail address (case folded), whoever sends them: the most mails
    #: one mailbox can be sent. Counted whether an account has the address or not, so the
    #: refusal tells nothing either.
    address_rate = "3/hour"
    throttled_template_name = "elearning_users/password_reset_throttled.html"

    def get_form_class(self):
        from .forms import PasswordResetForm

        return PasswordResetForm

    def post(self, request, *args, **kwargs):
        address = request.POST.get("email")
        address = address.strip().casefold() if isinstance(address, str) and address.strip() else None
        wait = AttemptLimiter(RESET_SCOPE, self.client_rate).hit(ip=client_ip(request))
        if not wait and address:
            wait = AttemptLimiter(RESET_SCOPE, self.address_rate).hit(email=address)
        if wait:
            context = self.get_context_data(retry_minutes=math.ceil(wait / 60))
            response = TemplateResponse(request, self.throttled_template_name, context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    @property
    def extra_email_context(self):
        # How long the link works, in words ("3 days"), from Django's PASSWORD_RESET_TIMEOUT.
        now = timezone.now()
        return {"valid_for": timeuntil(now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT), now)}


class PasswordResetDoneView(LayoutMixin, auth_views.PasswordResetDoneView):
    template_name = "elearning_users/password_reset_done.html"


class PasswordResetConfirmView(LayoutMixin, auth_views.PasswordResetConfirmView):
    """The link of the mail: a form for the new password, or, for a link that is used,
    expired or mangled, a page that offers a new one. Saving the new password ends the
    user's sessions and deletes the API token (``AbstractElearningUser.save``), and makes
    every link sent before it invalid."""

    template_name = "elearning_users/password_reset_confirm.html"
    success_url = reverse_lazy("elearning_users:password_reset_complete")

    def get_form_class(self):
        from .forms import SetPasswordForm

        return SetPasswordForm


class PasswordResetCompleteView(LayoutMixin, auth_views.PasswordResetCompleteView):
    template_name = "elearning_users/password_reset_complete.html"


class PublicProfileView(LayoutMixin, DetailView):
    template_name = "elearning_users/user_detail.html"
    context_object_name = "profile_user"
    slug_field = "username"
    slug_url_kwarg = "username"

    def get_queryset(self):
        return get_user_model().objects.filter(is_active=True)

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from . import pictures
from .conf import app_settings
from .emails import EMAIL_TAKEN, email_taken
from .limits import limit_length
from .models import Role


class BootstrapFormMixin:
    """Give every widget its Bootstrap 5 class and mark fields with errors invalid.

    Used together with the ``elearning_users/elements/field.html`` template, which
    renders the label, the widget, the help text and the errors beside the field.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-invalid"] = "true"


class UniqueEmailMixin:
    """A clear error beside the e-mail field when another account has the address (the
    database constraint would only give a form-wide one)."""

    def clean_email(self):
        email = self.cleaned_data.get("email")
        if email_taken(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN, code="unique")
        return email


def role_choices():
    if app_settings.ALLOW_TEACHER_SIGNUP:
        return Role.choices
    return [(Role.STUDENT, Role.STUDENT.label)]


class SignupForm(UniqueEmailMixin, BootstrapFormMixin, auth_forms.UserCreationForm):
    email = forms.EmailField(
        label=_("Email"), required=True, max_length=get_user_model()._meta.get_field("email").max_length
    )
    role = forms.ChoiceField(label=_("I am a"), widget=forms.RadioSelect, initial=Role.STUDENT, choices=())

    class Meta(auth_forms.UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices()
        limit_length(self.fields["password1"])
        limit_length(self.fields["password2"])


class ProfileForm(UniqueEmailMixin, BootstrapFormMixin, forms.ModelForm):
    remove_picture = forms.BooleanField(label=_("Remove my picture"), required=False)

    class Meta:
        model = get_user_model()
        fields = ("first_name", "last_name", "email", "status", "profile_picture")
        widgets = {
            "profile_picture": forms.FileInput(
                attrs={"accept": "image/png,image/jpeg,image/gif,image/webp", "data-picture-input": ""}
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._old_picture = self.instance.profile_picture.name if self.instance.pk else ""
        if not self._old_picture:
            del self.fields["remove_picture"]

    def clean_profile_picture(self):
        return pictures.clean_picture(self.cleaned_data.get("profile_picture"))

    def save(self, commit=True):
        user = super().save(commit=False)
        new_upload = "profile_picture" in self.changed_data and user.profile_picture
        picture = pictures.KEEP
        if self.cleaned_data.get("remove_picture") and not new_upload:
            picture = None
        if commit:
            return pictures.save_profile(user, old_picture=self._old_picture, picture=picture)
        if picture is None:
            user.profile_picture = ""
        return user


class LoginForm(BootstrapFormMixin, auth_forms.AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["password"])


class PasswordChangeForm(BootstrapFormMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("old_password", "new_password1", "new_password2"):
            limit_length(self.fields[name])


class PasswordResetForm(BootstrapFormMixin, auth_forms.PasswordResetForm):
    """The address to send the link to. Django's form finds the active accounts with a
    usable password whose address matches without regard to case, and mails nothing (and
    says nothing) when there is none."""


class SetPasswordForm(BootstrapFormMixin, auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("new_password1", "new_password2"):
            limit_length(self.fields[name])

"""Forms of the course pages.

They only shape and validate input; who may do what is decided in
:mod:`elearning_courses.rules` and the changes themselves go through
:mod:`elearning_courses.services`, which the API uses as well.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from elearning_users.forms import BootstrapFormMixin

from .conf import app_settings
from .materials import allowed_extensions, validate_material_upload
from .models import Course, CourseBlock, CourseMaterial, Feedback


class CourseSearchForm(forms.Form):
    """The catalog's search box (``?q=``)."""

    q = forms.CharField(
        label=_("Search courses"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Title or description")}),
    )


class CourseForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Course
        fields = ("title", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def clean_title(self):
        title = (self.cleaned_data.get("title") or "").strip()
        if not title:
            raise ValidationError(_("Give the course a title."), code="required")
        return title


class MaterialForm(BootstrapFormMixin, forms.Form):
    """Upload of one course material.

    The file is checked by :func:`elearning_courses.materials.validate_material_upload`
    (the same check as the API), so its errors show beside the field.
    """

    title = forms.CharField(
        label=_("Title"),
        max_length=CourseMaterial._meta.get_field("title").max_length,
        required=False,
        help_text=_("Leave empty to use the file name."),
    )
    file = forms.FileField(
        label=_("File"),
        max_length=255,
        allow_empty_file=True,
        error_messages={"required": _("Choose a file to upload.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extensions = allowed_extensions()
        self.fields["file"].widget.attrs["accept"] = ",".join("." + e for e in extensions)
        self.fields["file"].help_text = _("Allowed: %(types)s. At most %(size)s.") % {
            "types": ", ".join(extensions),
            "size": filesizeformat(app_settings.MATERIAL_MAX_BYTES),
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        self.info = validate_material_upload(upload)
        return upload


class FeedbackForm(BootstrapFormMixin, forms.Form):
    """A student's rating (1-5) and comment; one per course, editable."""

    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(i, str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pick a rating from 1 to 5."),
            "invalid_choice": _("Pick a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=Feedback._meta.get_field("comment").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BlockForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=CourseBlock._meta.get_field("reason").max_length,
        help_text=_("Optional; shown to the student."),
    )

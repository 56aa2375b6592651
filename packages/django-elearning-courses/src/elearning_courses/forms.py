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
from .covers import process_cover
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


class CatalogForm(CourseSearchForm):
    """The catalog's search, subject filter (``?subject=<slug>``) and order (``?sort=``).

    The view matches the subject's slug against the subjects it lists. A value that is
    not valid is ignored: see :meth:`value`.
    """

    SORTS = {
        "newest": _("Newest"),
        "rating": _("Best rated"),
        "popular": _("Most popular"),
    }
    DEFAULT_SORT = "newest"

    subject = forms.SlugField(label=_("Subject"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORTS.items()))

    def value(self, name, default=""):
        """The cleaned value of ``name``, or ``default`` when it is missing or invalid."""
        if not self.is_bound or name in self.errors:
            return default
        return self.cleaned_data.get(name) or default


class CourseForm(BootstrapFormMixin, forms.ModelForm):
    """A course's title, description, subject, cover and published state.

    The cover is not a model field of the form: :meth:`course_data` gives the services
    a re-encoded image to store, ``False`` to remove the cover or ``None`` to keep it.
    """

    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        max_length=255,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover"), required=False)

    field_order = ["title", "description", "subject", "cover", "remove_cover", "is_published"]

    class Meta:
        model = Course
        fields = ("title", "description", "subject", "is_published")
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        labels = {"is_published": _("Published")}
        help_texts = {"is_published": _("Drafts are seen only by you.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].empty_label = _("No subject")
        self.fields["cover"].help_text = _(
            "JPEG, PNG, GIF or WebP, at most %(size)s. Shown on the course's card and page."
        ) % {"size": filesizeformat(app_settings.COVER_MAX_BYTES)}
        if not self.instance.cover:
            del self.fields["remove_cover"]

    def clean_title(self):
        title = (self.cleaned_data.get("title") or "").strip()
        if not title:
            raise ValidationError(_("Give the course a title."), code="required")
        return title

    def clean_cover(self):
        upload = self.cleaned_data.get("cover")
        return process_cover(upload) if upload else None

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("remove_cover") and cleaned_data.get("cover"):
            self.add_error("cover", _("Upload a new cover or remove the cover, not both."))
        return cleaned_data

    def course_data(self):
        """The keyword arguments of ``services.create_course`` / ``update_course``."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["cover"] = False if self.cleaned_data.get("remove_cover") else self.cleaned_data["cover"]
        return data


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

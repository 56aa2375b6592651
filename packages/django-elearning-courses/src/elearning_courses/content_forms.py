"""Forms of the content builder: modules and lessons.

They shape the input; the content checks of each kind of lesson (uploads, embed
addresses, links) are made by :mod:`elearning_courses.services`, whose errors
:meth:`ContentFormMixin.add_service_error` puts beside the right field.
"""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from elearning_users.forms import BootstrapFormMixin

from .conf import app_settings
from .embeds import PROVIDERS, enabled_providers
from .materials import VIDEO_EXTENSIONS, allowed_extensions
from .models import LESSON_TEXT_MAX_LENGTH, MODULE_DESCRIPTION_MAX_LENGTH, Lesson

#: The error codes of the services and upload checks, and the field they belong to.
ERROR_FIELDS = {
    "title": "title",
    "description": "description",
    "text": "text",
    "url": "url",
    "embed": "url",
}


class ContentFormMixin(BootstrapFormMixin):
    draft = forms.BooleanField(
        label=_("Draft"),
        required=False,
        help_text=_("A draft is seen only by you and staff; students see it once you publish it."),
    )

    def add_service_error(self, error):
        """Show a ``ValidationError`` of the services beside its field (by ``code``)."""
        field = ERROR_FIELDS.get(getattr(error, "code", None))
        if field not in self.fields:
            field = "file" if "file" in self.fields else None
        self.add_error(field, error)


class ModuleForm(ContentFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MODULE_DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; shown above the module's lessons."),
    )
    draft = ContentFormMixin.draft

    def module_data(self):
        """The keyword arguments of ``services.create_module`` / ``update_module``."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "is_published": not data["draft"],
        }


class LessonForm(ContentFormMixin, forms.Form):
    """A lesson of one kind (chosen before the form, ``?kind=``): only its fields."""

    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.CharField(label=_("Address"), max_length=500)
    file = forms.FileField(label=_("File"), max_length=255, allow_empty_file=True)
    text = forms.CharField(
        label=_("Text"),
        max_length=LESSON_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown: **bold**, *italic*, # headings, - lists, [links](https://…), tables."),
    )
    draft = ContentFormMixin.draft

    def __init__(self, *args, kind, has_upload=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind not in (Lesson.Kind.EMBED, Lesson.Kind.LINK):
            del self.fields["url"]
        elif kind == Lesson.Kind.EMBED:
            names = ", ".join(PROVIDERS[name][0] for name in enabled_providers())
            self.fields["url"].label = _("Video address")
            self.fields["url"].help_text = _("The address of a video on %(providers)s.") % {
                "providers": names
            }
        else:
            self.fields["url"].help_text = _("An address starting with https:// or http://.")
        if kind not in (Lesson.Kind.VIDEO, Lesson.Kind.IMAGE, Lesson.Kind.FILE):
            del self.fields["file"]
        else:
            self._set_up_file(kind, has_upload)
        if kind != Lesson.Kind.TEXT:
            self.fields["text"].required = False
            self.fields["text"].label = _("Notes")
            self.fields["text"].widget.attrs["rows"] = 5
            self.fields["text"].help_text = _("Optional, in Markdown; shown with the lesson.")

    def _set_up_file(self, kind, has_upload):
        field = self.fields["file"]
        field.required = not has_upload
        field.error_messages["required"] = _("Choose a file to upload.")
        if kind == Lesson.Kind.VIDEO:
            extensions, size = list(VIDEO_EXTENSIONS), app_settings.VIDEO_MAX_BYTES
            field.label = _("Video file")
        elif kind == Lesson.Kind.IMAGE:
            extensions = [f.lower() for f in app_settings.LESSON_IMAGE_FORMATS]
            extensions = ["jpg" if e == "jpeg" else e for e in extensions]
            size = app_settings.LESSON_IMAGE_MAX_BYTES
            field.label = _("Image")
        else:
            extensions, size = allowed_extensions(), app_settings.MATERIAL_MAX_BYTES
        field.widget.attrs["accept"] = ",".join("." + e for e in extensions)
        help_text = _("Allowed: %(types)s. At most %(size)s.") % {
            "types": ", ".join(extensions),
            "size": filesizeformat(size),
        }
        if has_upload:
            help_text = f"{_('Leave empty to keep the current file.')} {help_text}"
        field.help_text = help_text

    def lesson_data(self):
        """The keyword arguments of ``services.create_lesson`` / ``update_lesson``."""
        data = self.cleaned_data
        result = {
            "title": data["title"],
            "kind": self.kind,
            "text": data.get("text", ""),
            "url": data.get("url", ""),
            "is_published": not data["draft"],
        }
        if data.get("file"):
            result["file"] = data["file"]
        return result

"""The search box's form, with the catalog's limits (characters and words)."""

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from ..forms import CourseSearchForm
from .text import clean, words


class SearchForm(CourseSearchForm):
    """``?q=``: at most as many characters as the catalog's box and as many words as the
    course list's ``?search=``; NUL and other control characters are dropped."""

    #: The API's answer to an empty query (the page shows the empty form instead).
    EMPTY_MESSAGE = _("Type the words to search for.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["q"]
        field.label = _("Search inside courses")
        field.widget.attrs["placeholder"] = _("Courses, lessons, materials")
        # A NUL is dropped with the other control characters (clean_q), not refused.
        field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def clean_q(self):
        # Imported here: the API's filters import the course views, which import this form.
        from ..api.filters import LimitedSearchFilter

        query = clean(self.cleaned_data.get("q"))
        if len(words(query)) > LimitedSearchFilter.MAX_TERMS:
            raise ValidationError(
                _("Search for at most %(n)d words.") % {"n": LimitedSearchFilter.MAX_TERMS}, code="max_words"
            )
        return query

    @property
    def query(self):
        """The valid query, or ``""`` (nothing typed, or an error to show)."""
        return self.cleaned_data.get("q", "") if self.is_bound and self.is_valid() else ""

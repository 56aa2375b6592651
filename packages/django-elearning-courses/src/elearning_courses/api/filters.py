import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter

from ..forms import CatalogForm
from ..models import Course, Feedback, Lesson, Subject
from ..views.catalog import CatalogView

BOOLEAN_VALUES = ("true", "false", "1", "0")


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, stricter: a filter given an empty value, or a boolean
    filter given anything but ``true``/``false``, is a 400 (django-filter ignores both
    and answers with the unfiltered list, which hides the client's mistake)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors = {}
        for name, declared in filterset.filters.items():
            value = request.query_params.get(name)
            if value is None:
                continue
            if value == "":
                errors[name] = [_("Give a value or leave the parameter out.")]
            elif isinstance(declared, django_filters.BooleanFilter) and value.lower() not in BOOLEAN_VALUES:
                errors[name] = [_("Use true or false.")]
        if errors:
            raise ValidationError(errors)
        return filterset


class LimitedSearchFilter(SearchFilter):
    """DRF's ``?search=``, bounded: at most ``MAX_LENGTH`` characters (the catalog page's
    search box takes as many) and ``MAX_TERMS`` terms, else a 400. Each term adds a
    condition per search field, and a long list of terms makes a query the database refuses
    (SQLite: "Expression tree is too large")."""

    MAX_LENGTH = 100
    MAX_TERMS = 10

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        if len(value) > self.MAX_LENGTH:
            raise ValidationError(
                {self.search_param: [_("Search for at most %(n)d characters.") % {"n": self.MAX_LENGTH}]}
            )
        terms = super().get_search_terms(request)
        if len(terms) > self.MAX_TERMS:
            raise ValidationError(
                {self.search_param: [_("Search for at most %(n)d words.") % {"n": self.MAX_TERMS}]}
            )
        return terms


#: ``?sort=`` of the course list: the catalog page's values and orders (ties newest first).
COURSE_SORTS = CatalogView.ORDERINGS


class CourseOrderingFilter(OrderingFilter):
    """``?ordering=<field>``, or else the catalog's ``?sort=newest|rating|popular``
    (validated by :class:`CourseFilter`), or else newest first."""

    def get_default_ordering(self, view):
        sort = view.request.query_params.get("sort") if view.request else None
        if sort in COURSE_SORTS:
            return COURSE_SORTS[sort]
        return super().get_default_ordering(view)


class CourseFilter(django_filters.FilterSet):
    """``?teacher=<id>``; ``?enrolled=true`` (the requesting student's courses);
    ``?subject=<slug>``; ``?is_published=``; ``?sort=`` (applied by
    :class:`CourseOrderingFilter`)."""

    enrolled = django_filters.BooleanFilter(method="filter_enrolled", label=_("Enrolled (me)"))
    subject = django_filters.ModelChoiceFilter(
        queryset=Subject.objects.all(), to_field_name="slug", label=_("Subject (its slug)")
    )
    is_published = django_filters.BooleanFilter(label=_("Published (false: your drafts)"))
    sort = django_filters.ChoiceFilter(
        choices=list(CatalogForm.SORTS.items()),
        method="filter_sort",
        label=_("Sort (unless ?ordering= is given)"),
    )

    class Meta:
        model = Course
        fields = ("teacher",)

    def filter_sort(self, queryset, name, value):
        return queryset  # the ordering backend reads it: see CourseOrderingFilter

    def filter_enrolled(self, queryset, name, value):
        user = self.request.user if self.request else None
        if value is None or user is None or not user.is_authenticated:
            return queryset
        if value:
            return queryset.filter(enrollments__student=user)
        return queryset.exclude(enrollments__student=user)


class FeedbackFilter(django_filters.FilterSet):
    class Meta:
        model = Feedback
        fields = ("course", "student")


class LessonFilter(django_filters.FilterSet):
    """``?module=<id>``, ``?kind=``."""

    class Meta:
        model = Lesson
        fields = ("module", "kind")

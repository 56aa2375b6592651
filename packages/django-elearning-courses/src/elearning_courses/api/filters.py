import django_filters
from django.utils.translation import gettext_lazy as _

from ..models import Course, Feedback


class CourseFilter(django_filters.FilterSet):
    """``?teacher=<id>``; ``?enrolled=true`` (the requesting student's courses)."""

    enrolled = django_filters.BooleanFilter(method="filter_enrolled", label=_("Enrolled (me)"))

    class Meta:
        model = Course
        fields = ("teacher",)

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

"""Course analytics: a course's page and CSV files for its teacher and staff, and the
staff overview across courses."""

from django.http import Http404


def course_analytics(request, pk):
    raise Http404


def analytics_csv(request, pk, chart):
    raise Http404


def analytics_overview(request):
    raise Http404

"""Course analytics: a course's page and CSV files for its teacher and staff, and the
staff overview across courses."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .. import analytics, analytics_charts, rules
from ..conf import app_settings
from .mixins import get_course, page_context
from .tables import csv_download, csv_filename, sort_columns


def _analytics_of(request, pk):
    """The course ``pk`` and its numbers as a dict: 404 for a course ``request.user`` may
    not see, 403 (``CourseActionDenied``) for anyone but its teacher and staff."""
    course = get_course(pk, user=request.user)
    return course, analytics.course_analytics(request.user, course).as_dict()


@require_safe
def course_analytics(request, pk):
    """The analytics page: one card per chart, each with its data table and CSV link."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    course, numbers = _analytics_of(request, pk)
    charts = analytics_charts.charts(numbers)
    context = {
        **page_context(request),
        "course": course,
        "numbers": numbers,
        "charts": charts,
        # What analytics.js draws, by chart: read from a json_script element.
        "chart_data": {chart.slug: chart.data for chart in charts if not chart.empty},
    }
    return render(request, "elearning_courses/analytics.html", context)


@require_safe
def analytics_csv(request, pk, chart):
    """One chart's table as a CSV download; an unknown chart (or the chat chart on a site
    without chat) is a 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if chart not in analytics_charts.SLUGS:
        raise Http404(_("No such chart."))
    course, numbers = _analytics_of(request, pk)
    table = analytics_charts.chart_by_slug(numbers, chart)
    if not table.available:
        raise Http404(_("No such chart."))
    rows = ([cell.isoformat() if hasattr(cell, "isoformat") else cell for cell in row] for row in table.rows)
    return csv_download(csv_filename(table.csv_name, course), table.header, rows)


def _overview_columns():
    """The overview's sortable columns: (key of ``analytics.OVERVIEW_ORDERINGS``, label)."""
    return [
        ("title", _("Course")),
        ("students", _("Students")),
        ("completion", _("Completion rate")),
        ("rating", _("Average rating")),
        ("messages", _("Chat messages")),
    ]


@require_safe
def analytics_overview(request):
    """Every course (drafts marked) with its headline numbers, for staff: sortable and
    paginated, one query for the page of courses whatever their number."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not rules.is_staff(request.user):
        raise PermissionDenied(_("Only staff can see the analytics of every course."))
    order = request.GET.get("sort", "title")
    if order.removeprefix("-") not in analytics.OVERVIEW_ORDERINGS:
        order = "title"
    page = Paginator(analytics.overview(order), app_settings.ANALYTICS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        **page_context(request),
        "page_obj": page,
        "courses": page.object_list,
        "columns": sort_columns(order, _overview_columns()),
        "query": f"sort={order}",
        "chat_days": app_settings.ANALYTICS_CHAT_DAYS if analytics.chat_available() else None,
    }
    return render(request, "elearning_courses/analytics_overview.html", context)

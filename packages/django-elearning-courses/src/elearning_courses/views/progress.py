"""Progress: marking lessons complete, the teacher's progress table and its CSV."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from .. import content, progress, rules
from .mixins import get_course, page_context, safe_next
from .tables import csv_download, csv_filename, sort_columns, spreadsheet_safe  # noqa: F401 (re-exported)

#: Rows per page of the progress table.
PAGE_SIZE = 25
#: What the "Mark as complete" form may ask.
ACTIONS = ("complete", "undo")


def _visible_course(request, pk):
    """The course ``pk`` if ``request.user`` may see it (a draft is a 404 for others)."""
    course = get_course(pk)
    if not rules.can_view_course(request.user, course):
        raise Http404(_("No course found."))
    return course


@require_POST
def lesson_complete(request, pk, lesson_pk):
    """POST ``action=complete`` or ``action=undo``: mark a lesson complete or not.

    Redirects back (``next``, else the lesson's page) with a message. A lesson the user
    cannot see in the outline is a 404, a user who is not enrolled a 403.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.POST.get("next") or request.path)
    course = _visible_course(request, pk)
    lesson = content.get_lesson(request.user, course, lesson_pk)
    # Who asks first: a 403 says more than a 400 to someone who may not do it at all.
    progress.require_learner(request.user, lesson)
    action = request.POST.get("action")
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Unknown action: send “complete” or “undo”."))
    if action == "complete":
        progress.complete_lesson(request.user, lesson)
        messages.success(request, _("“%(title)s” is marked as complete.") % {"title": lesson.title})
    else:
        progress.uncomplete_lesson(request.user, lesson)
        messages.info(request, _("“%(title)s” is no longer marked as complete.") % {"title": lesson.title})
    return redirect(safe_next(request, lesson.get_absolute_url()))


def _progress_rows(request, pk, order="name"):
    """The course and its students' progress; log-in for visitors, 403 for all but its
    teacher and staff (raised by :func:`progress.student_progress`)."""
    course = _visible_course(request, pk)
    return course, progress.student_progress(request.user, course, order)


def _columns():
    """The progress table's sortable columns: (key of ``progress.ORDERINGS``, label)."""
    return [("name", _("Student")), ("done", _("Lessons done")), ("visit", _("Last visit"))]


@require_safe
def progress_table(request, pk):
    """The teacher's table of every enrolled student's progress, sortable and paginated."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    order = request.GET.get("sort", "name")
    if order.removeprefix("-") not in progress.ORDERINGS:
        order = "name"
    course, rows = _progress_rows(request, pk, order)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for row in page.object_list:
        row.progress = progress.Progress(row.done, row.total, row.percent)
    columns = sort_columns(order, _columns())
    context = {
        **page_context(request),
        "course": course,
        "page_obj": page,
        "rows": page.object_list,
        "columns": columns,
        "sort": order,
        "query": f"sort={order}",
        "lesson_total": progress.lesson_count(course),
    }
    return render(request, "elearning_courses/progress_table.html", context)


@require_safe
def progress_csv(request, pk):
    """The progress table as a CSV download (UTF-8, one row per enrolled student)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    course, rows = _progress_rows(request, pk)
    header = [
        _("Username"),
        _("Name"),
        _("Lessons done"),
        _("Lessons"),
        _("Percent"),
        _("Last visit"),
        _("Last lesson"),
    ]
    cells = (
        (
            row.student.username,
            row.student.get_full_name(),
            row.done,
            row.total,
            row.percent,
            row.last_visited_at.isoformat() if row.last_visited_at else "",
            row.last_lesson.title if row.last_lesson else "",
        )
        for row in rows.iterator(chunk_size=500)
    )
    return csv_download(csv_filename("progress", course), header, cells)

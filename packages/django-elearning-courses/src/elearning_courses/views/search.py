"""Search inside courses: the results page (``?q=``, ``?page=``)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..conf import app_settings
from ..search.forms import SearchForm
from ..search.results import CourseResults
from .mixins import page_context


@require_safe
def search_page(request):
    """The courses in which the user finds the words, best first, each with its best
    hits and their highlighted snippets; paginated by course (a page past the last
    shows the last). Nothing typed: the empty form; an invalid query: its error. More
    matches than ``SEARCH_MAX_MATCHES``: the results of the first ones, and a note."""
    form = SearchForm(request.GET or None)
    query = form.query
    page = results = None
    if query:
        results = CourseResults(request.user, query)
        page = Paginator(results, app_settings.SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **page_context(request),
        "form": form,
        "search_query": query,
        "page_obj": page,
        # Its ``truncated`` and ``max_matches``: the note when the matches were cut.
        "search_results": results,
        "pagination_query": urlencode({"q": query}),
    }
    return render(request, "elearning_courses/search_results.html", context)

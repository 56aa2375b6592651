"""Search results: the matching entries grouped by course, one page of courses at a time.

:class:`CourseResults` is a lazy sequence that Django's ``Paginator`` (and so DRF's
page-number pagination) slices: three queries per page whatever the number of hits,
the number of courses found, the courses of the page ranked by their best hit, and
the best hits of those courses with their snippets (a window function keeps
``SEARCH_HITS_PER_COURSE`` per course).

The work of a request is bounded: ranking reads every ranked entry (PostgreSQL's
``ts_rank`` its ``tsvector``, FTS5's ``bm25()`` its statistics), so only the first
``SEARCH_MAX_MATCHES`` + 1 matches the index yields (unsorted, so the database stops
there) are ranked. Under the cap every match is ranked, exactly; over it,
:attr:`CourseResults.truncated` says so and the page and the API tell the user to add
words. A word in every lesson then costs what a word in a thousand lessons costs.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from ..conf import app_settings
from ..models import SearchEntry
from . import text
from .access import visible_entries
from .backends import backend_for

Kind = SearchEntry.Kind


@dataclass
class Hit:
    kind: str
    #: HTML: the title and a snippet of the text, the matched words in ``<mark>``.
    title: str
    snippet: str
    url: str


@dataclass
class CourseResult:
    course: object
    hits: list = field(default_factory=list)

    @property
    def url(self):
        return self.course.get_absolute_url()


def hit_url(entry):
    """Where a hit leads: the course, the module in its outline, or the lesson page
    (only the outline for those who may not read the lesson)."""
    course_url = reverse("elearning_courses:course_detail", args=[entry.course_id])
    if entry.kind == Kind.COURSE:
        return course_url
    if entry.kind == Kind.MODULE or entry.audience == SearchEntry.Audience.OUTLINE:
        return f"{course_url}#module-{entry.module_id}"
    return reverse("elearning_courses:lesson_detail", args=[entry.course_id, entry.lesson_id])


class CourseResults:
    """The courses in which ``user`` finds ``query``, best first, for ``Paginator``."""

    def __init__(self, user, query):
        self.words = text.words(query)
        self.backend = backend_for(query)
        #: The most matches ranked (``SEARCH_MAX_MATCHES``), read once per request.
        self.max_matches = app_settings.SEARCH_MAX_MATCHES
        self.candidates = self.ranked = None
        if self.words:
            matched = self.backend.match(visible_entries(user)).order_by()  # no ORDER BY: stop early
            # One more than the cap: finding it is what tells that the cap was hit.
            first = matched.values("pk")[: self.max_matches + 1]
            self.candidates = SearchEntry.objects.filter(pk__in=first)
            self.ranked = self.backend.rank(self.candidates)
        self._counts = None

    def _counted(self):
        if self._counts is None:
            if self.candidates is None:
                self._counts = {"courses": 0, "entries": 0}
            else:
                self._counts = self.candidates.order_by().aggregate(
                    courses=Count("course_id", distinct=True), entries=Count("pk")
                )
        return self._counts

    def count(self):
        """The number of courses found (among the ranked matches: see :attr:`truncated`)."""
        return self._counted()["courses"]

    @property
    def truncated(self):
        """Whether more than ``max_matches`` entries match: the results then come from
        the first ones the index gave, not from all of them (computed with :meth:`count`,
        in the same query)."""
        return self._counted()["entries"] > self.max_matches

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        if self.ranked is None:
            return []
        best = self.ranked.order_by().values("course_id").annotate(best=Max("rank"))
        course_ids = [row["course_id"] for row in best.order_by("-best", "course_id")[key]]
        return self._results(course_ids)

    def _results(self, course_ids):
        position = Window(
            RowNumber(), partition_by=[F("course_id")], order_by=[F("rank").desc(), F("id").asc()]
        )
        entries = (
            self.ranked.filter(course_id__in=course_ids)
            .select_related("course")
            .annotate(position=position)
            .filter(position__lte=app_settings.SEARCH_HITS_PER_COURSE)
        )
        entries = self.backend.with_snippets(entries)
        results = dict.fromkeys(course_ids)
        for entry in sorted(entries, key=lambda entry: entry.position):
            if results[entry.course_id] is None:
                results[entry.course_id] = CourseResult(entry.course)
            results[entry.course_id].hits.append(self._hit(entry))
        return [result for result in results.values() if result is not None]

    def _hit(self, entry):
        title, snippet = self.backend.marked(entry)
        return Hit(
            kind=entry.kind,
            title=text.highlight(title or entry.title),
            snippet=text.highlight(snippet),
            url=hit_url(entry),
        )

"""Search results: the matching entries grouped by course, one page of courses at a time.

:class:`CourseResults` is a lazy sequence that Django's ``Paginator`` (and so DRF's
page-number pagination) slices, in three queries per page whatever the number of hits:

1. the candidates: ``(id, course_id)`` of the entries the user may find that match, at
   most ``SEARCH_MAX_MATCHES`` + 1 of them, unsorted (so the database stops there);
2. their ranks, in one pass over those ids (PostgreSQL's ``ts_rank`` reads each entry's
   ``tsvector``, FTS5's ``bm25()`` its statistics: the costly part, hence bounded);
3. the page's hits (the best ``SEARCH_HITS_PER_COURSE`` of each course of the page),
   with their courses and snippets.

The access rules and the match run once, in the first query; the grouping by course,
the ordering and the count happen in Python over at most ``SEARCH_MAX_MATCHES`` + 1
pairs of numbers. Under the cap every match is ranked, exactly; over it,
:attr:`CourseResults.truncated` says so and the page and the API tell the user to add
words. A word in every lesson then costs what a word in a thousand lessons costs.
"""

from dataclasses import dataclass, field

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
        self.user = user
        self.words = text.words(query)
        self.backend = backend_for(query)
        #: The most matches ranked (``SEARCH_MAX_MATCHES``), read once per request.
        self.max_matches = app_settings.SEARCH_MAX_MATCHES
        self._ranked = None

    def _rank(self):
        """``(entries, courses)``: the candidates' ``(rank, id, course_id)``, best first,
        and the course ids ordered by their best entry (queries 1 and 2)."""
        if self._ranked is None:
            entries, courses = [], []
            if self.words:
                candidates = list(self.candidates())
                self._truncated = len(candidates) > self.max_matches
                ranks = self.backend.ranks([pk for pk, _course in candidates]) if candidates else {}
                entries = sorted(
                    ((ranks.get(pk, 0.0), pk, course) for pk, course in candidates),
                    key=lambda entry: (-entry[0], entry[1]),
                )
                courses = list(dict.fromkeys(course for _rank, _pk, course in entries))
            else:
                self._truncated = False
            self._ranked = entries, courses
        return self._ranked

    def candidates(self):
        """The first query: ``(id, course_id)`` of the matching entries the user may find,
        unsorted (so the database stops early), one more than the cap: finding it is what
        tells that the cap was hit."""
        matched = self.backend.match(visible_entries(self.user)).order_by()
        return matched.values_list("pk", "course_id")[: self.max_matches + 1]

    @property
    def truncated(self):
        """Whether more than ``max_matches`` entries match: the results then come from
        the first ones the index gave, not from all of them (known from the first query)."""
        self._rank()
        return self._truncated

    def count(self):
        """The number of courses found (among the ranked matches: see :attr:`truncated`)."""
        return len(self._rank()[1])

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        entries, courses = self._rank()
        page = courses[key]
        if not page:
            return []
        wanted = set(page)
        per_course = app_settings.SEARCH_HITS_PER_COURSE
        best = {course: [] for course in page}
        for _rank, pk, course in entries:  # best first
            if course in wanted and len(best[course]) < per_course:
                best[course].append(pk)
        return self._results(best)

    def _results(self, best):
        """The :class:`CourseResult` of each course of ``best`` (``{course id: [entry
        ids, best first]}``), in its order (query 3)."""
        ids = [pk for pks in best.values() for pk in pks]
        fetched = self.backend.with_snippets(SearchEntry.objects.filter(pk__in=ids).select_related("course"))
        by_id = {entry.pk: entry for entry in fetched}
        results = []
        for pks in best.values():
            found = [by_id[pk] for pk in pks if pk in by_id]
            if found:
                results.append(CourseResult(found[0].course, [self._hit(entry) for entry in found]))
        return results

    def _hit(self, entry):
        title, snippet = self.backend.marked(entry)
        return Hit(
            kind=entry.kind,
            title=text.highlight(title or entry.title),
            snippet=text.highlight(snippet),
            url=hit_url(entry),
        )

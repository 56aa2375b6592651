"""How the database matches, ranks and highlights entries.

Each backend turns a queryset of entries into the ones matching the query's words
(:meth:`match`, no ranking: cheap, so that the matches can be bounded before they are
ranked), ranks given entries in one query (:meth:`ranks`: ``{id: rank}``, higher is
better) and, through :meth:`with_snippets`, annotates entries with
``title_marked`` and ``snippet_marked`` (text with the matched words between
:data:`~.text.START` and :data:`~.text.STOP`; :func:`~.text.highlight` turns them
into ``<mark>``). User input reaches the database only as bound parameters: a
``websearch_to_tsquery`` on PostgreSQL (which accepts anything), an FTS5 query built
from quoted words on SQLite.
"""

import sqlite3
from contextlib import closing
from functools import lru_cache

from django.db import connections
from django.db.models import BooleanField, Case, F, FloatField, Func, Q, Value, When
from django.db.models.expressions import RawSQL

from ..models import SearchEntry
from . import text
from .schema import FTS_TABLE, TABLE


class DatabaseSnippets:
    """Snippets cut by the database (the entries' text is not fetched)."""

    def marked(self, entry):
        """``(title_marked, snippet_marked)`` of a fetched ``entry``."""
        return entry.title_marked, entry.snippet_marked


class PostgresBackend(DatabaseSnippets):
    """Full-text search: the GIN-indexed ``search_vector``, ``ts_rank``, ``ts_headline``."""

    def __init__(self, query):
        from django.contrib.postgres.search import SearchQuery

        self.config = text.search_config()
        self.query = SearchQuery(text.clean(query), search_type="websearch", config=self.config)

    def match(self, entries):
        matches = Func(
            F("search_vector"),
            self.query,
            template="%(expressions)s",
            arg_joiner=" @@ ",
            output_field=BooleanField(),
        )
        return entries.filter(matches)

    def ranks(self, ids):
        from django.contrib.postgres.search import SearchRank

        # ts_rank reads each entry's tsvector: the costly part of a search, hence bounded.
        rows = SearchEntry.objects.filter(pk__in=ids).annotate(
            rank=SearchRank(F("search_vector"), self.query)
        )
        return dict(rows.values_list("pk", "rank"))

    def with_snippets(self, entries):
        from django.contrib.postgres.search import SearchHeadline

        marks = {"config": self.config, "start_sel": text.START, "stop_sel": text.STOP}
        return entries.defer("body", "search_vector").annotate(
            title_marked=SearchHeadline("title", self.query, highlight_all=True, **marks),
            snippet_marked=SearchHeadline("body", self.query, max_words=30, min_words=15, **marks),
        )


class Fts5Backend(DatabaseSnippets):
    """SQLite FTS5 (external content table kept by triggers): ``bm25()``, ``snippet()``."""

    def __init__(self, query):
        # Every word quoted (an FTS5 string), so nothing the user typed is syntax.
        self.fts_query = " ".join(f'"{word}"' for word in text.words(query))

    # Reviewed (bandit B608, B611): the SQL below is made of this module's constants only;
    # the user's words are the bound parameter %s.

    def _about_this_entry(self, expression):
        sql = (
            f"SELECT {expression} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # nosec B608
            f' AND {FTS_TABLE}.rowid = "{TABLE}"."id"'
        )
        return RawSQL(sql, [self.fts_query])  # nosec B611

    def match(self, entries):
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # nosec B608
        return entries.filter(id__in=RawSQL(sql, [self.fts_query]))  # nosec B611

    def ranks(self, ids):
        # One pass over the FTS5 table (bm25() per row of the MATCH, not a MATCH per row).
        # bm25() is lower for better matches; the title counts ten times the body.
        placeholders = ", ".join(["%s"] * len(ids))
        sql = (
            f"SELECT rowid, -bm25({FTS_TABLE}, 10.0, 1.0) FROM {FTS_TABLE}"  # nosec B608
            f" WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders})"
        )
        with connections["default"].cursor() as cursor:
            cursor.execute(sql, [self.fts_query, *ids])
            return dict(cursor.fetchall())

    def with_snippets(self, entries):
        marks = "char(2), char(3)"
        return entries.defer("body", "search_vector").annotate(
            title_marked=self._about_this_entry(f"highlight({FTS_TABLE}, 0, {marks})"),
            snippet_marked=self._about_this_entry(f"snippet({FTS_TABLE}, 1, {marks}, '…', 24)"),
        )


class ContainsBackend:
    """Where there is no full-text search: every word in the title or the text
    (``icontains``), title matches first; snippets are cut in Python."""

    def __init__(self, query):
        self.words = text.words(query)

    def match(self, entries):
        for word in self.words:
            entries = entries.filter(Q(title__icontains=word) | Q(body__icontains=word))
        return entries

    def ranks(self, ids):
        in_title = Q()
        for word in self.words:
            in_title &= Q(title__icontains=word)
        rank = Case(When(in_title, then=Value(2.0)), default=Value(1.0), output_field=FloatField())
        return dict(SearchEntry.objects.filter(pk__in=ids).annotate(rank=rank).values_list("pk", "rank"))

    def with_snippets(self, entries):
        return entries.defer("search_vector")  # the hits' text is needed for their snippets

    def marked(self, entry):
        """``(title_marked, snippet_marked)`` of a fetched ``entry``."""
        snippet = text.excerpt(entry.body, self.words)
        return text.mark_words(entry.title, self.words), text.mark_words(snippet, self.words)


@lru_cache(maxsize=1)
def fts5_available():
    """Whether this Python's SQLite library has FTS5 (the database uses the same one)."""
    try:
        with closing(sqlite3.connect(":memory:")) as probe:
            probe.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.Error:
        return False
    return True


def backend_for(query, using="default"):
    """The backend of the database ``using`` for ``query``."""
    vendor = connections[using].vendor
    if vendor == "postgresql":
        return PostgresBackend(query)
    if vendor == "sqlite" and fts5_available():
        return Fts5Backend(query)
    return ContainsBackend(query)

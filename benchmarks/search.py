"""Search benchmark: the search page (``/courses/search/?q=``) beside the catalog page on
the same Daphne server, at 10,000 courses and 200,000 lessons (text lessons of 60 words
from a 4,000-word vocabulary with a Zipf-like frequency: rare, medium and common words,
as in real text).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python benchmarks/search.py
    python benchmarks/search.py --courses 1000 --lessons 20    # quick, SQLite (FTS5)

Query cases: the rarest word, a medium word (in about 1% of the lessons), the most
common word (in nearly every lesson's text, a fifth of the titles) and two words; each
as a visitor (titles, descriptions, the outline) and as a signed-in student enrolled in
50 courses (their lesson text too). Per case: the matching entries, the median and p95
over HTTP, the ratio to the catalog page for the same user, and the plan of the results
page's query (EXPLAIN ANALYZE on PostgreSQL: the GIN index, the bounded ranking). The
same cases are then served by a second server with an unlimited ``SEARCH_MAX_MATCHES``
(every match ranked, as before the cap) for the before/after ratios.

The data, the throw-away database and the timed keep-alive requests are those of
``catalog.py``. The index rows are written here in bulk (the rows ``entries_for``
builds, checked against it on sample courses), the PostgreSQL vectors filled by one
UPDATE and the GIN index built after: the per-course rebuild renders every lesson's
Markdown and took 263 s at full size. Target: the search page's median no slower than
1.5x the catalog page's. Not part of the test suite; never a CI gate.
"""

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import catalog  # benchmarks/ is sys.path[0] when run as a script
from _net import free_port, wait_for_port

TARGET_RATIO = 1.5
VOCABULARY_SIZE = 4000
WORDS_PER_LESSON = 60
UNCAPPED = 10**9


def vocabulary(size=VOCABULARY_SIZE):
    """``size`` made-up words (consonant-vowel syllables, ending in a, o or u so that
    stemming leaves them alone), most frequent first."""
    onsets, vowels = "bdfgklmnprstvz", "aou"
    syllables = [c + v for c in onsets for v in vowels]
    rng = random.Random(11)
    words, seen = [], set()
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.choice((2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_weights(size, exponent=1.07):
    """Cumulative weights of ranks 1..size, the r-th word weighing 1 / r**exponent."""
    return list(itertools.accumulate(1 / rank**exponent for rank in range(1, size + 1)))


def lesson_text(words):
    """A lesson's Markdown, and the plain text the index keeps of it (checked against
    ``markdown_to_text`` in :func:`check_index`)."""
    sentence = " ".join(words) + "."
    return f"## Notes\n\n{sentence}", f"Notes {sentence}"


def seed_content(lessons_per_course, modules_per_course=4):
    """Modules, text lessons and every search entry; returns the number of lessons and
    the number of lessons per word of their text."""
    from elearning_courses.models import Course, Lesson, Module, SearchEntry
    from elearning_courses.search import index

    rng = random.Random(7)
    vocab = vocabulary()
    cum = zipf_weights(len(vocab))
    courses = list(Course.objects.select_related("subject").order_by("pk"))
    modules = Module.objects.bulk_create(
        [
            Module(
                course_id=course.pk,
                title=f"Part {n + 1}: {rng.choices(vocab, cum_weights=cum)[0]}",
                position=n,
            )
            for course in courses
            for n in range(modules_per_course)
        ],
        batch_size=5000,
    )
    by_course = {}
    for module in modules:
        by_course.setdefault(module.course_id, []).append(module)
    per_module = max(1, lessons_per_course // modules_per_course)
    in_text = Counter()
    n_lessons = 0
    for start in range(0, len(courses), 500):
        batch = courses[start : start + 500]
        lessons, bodies = [], []
        for course in batch:
            for module in by_course[course.pk]:
                for position in range(per_module):
                    words = rng.choices(vocab, cum_weights=cum, k=WORDS_PER_LESSON)
                    title_words = rng.choices(vocab, cum_weights=cum, k=2)
                    in_text.update(set(words))
                    markdown, plain = lesson_text(words)
                    lessons.append(
                        Lesson(
                            course_id=course.pk,
                            module_id=module.pk,
                            title=" ".join(title_words).capitalize(),
                            text=markdown,
                            position=position,
                        )
                    )
                    bodies.append(plain)
        Lesson.objects.bulk_create(lessons, batch_size=5000)
        n_lessons += len(lessons)
        entries, lessons_of = [], {}
        for lesson, body in zip(lessons, bodies, strict=True):
            lessons_of.setdefault(lesson.course_id, []).append((lesson, body))
        for course in batch:
            # The course's and its modules' entries from the index's own code...
            entries += index.entries_for(course, by_course[course.pk], (), SearchEntry)
            # ...and its lessons' (an outline entry, a content entry), as entries_for makes
            # them, without rendering 200,000 lessons' Markdown.
            for lesson, body in lessons_of.get(course.pk, ()):
                common = {
                    "course_id": course.pk,
                    "module_id": lesson.module_id,
                    "lesson_id": lesson.pk,
                    "kind": "lesson",
                    "is_published": course.is_published,
                    "title": lesson.title,
                }
                entries.append(SearchEntry(**common, audience="outline"))
                entries.append(SearchEntry(**common, audience="content", body=body))
        SearchEntry.objects.bulk_create(entries, batch_size=5000)
    return n_lessons, in_text


def check_index(sample=3):
    """The bulk-written entries of a few courses equal what ``index.rebuild`` writes."""
    from elearning_courses.models import Course, SearchEntry
    from elearning_courses.search import index

    fields = ("kind", "audience", "is_published", "title", "body", "module_id", "lesson_id")
    for course_id in Course.objects.order_by("?").values_list("pk", flat=True)[:sample]:
        written = sorted(SearchEntry.objects.filter(course_id=course_id).values_list(*fields))
        index.rebuild([course_id])
        rebuilt = sorted(SearchEntry.objects.filter(course_id=course_id).values_list(*fields))
        assert written == rebuilt, f"bulk-written index of course {course_id} differs from rebuild()"


def fill_vectors():
    """PostgreSQL: every entry's vector in one UPDATE, then the GIN index built once
    (faster than maintaining it row by row)."""
    from django.db import connection

    from elearning_courses.models import SearchEntry
    from elearning_courses.search import index, schema

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in schema.POSTGRESQL_DROP:
            cursor.execute(statement)
        index._fill_vectors(SearchEntry.objects.all())
        for statement in schema.POSTGRESQL_CREATE:
            cursor.execute(statement)
        cursor.execute("VACUUM ANALYZE")


def pick_queries(in_text, n_lessons):
    """The query cases: words chosen by how many lessons hold them."""
    by_count = in_text.most_common()

    def nearest(share):
        return min(by_count, key=lambda item: abs(item[1] - share * n_lessons))[0]

    return {
        "rare word": by_count[-1][0],
        "medium word": nearest(0.01),
        "common word": by_count[0][0],
        "two words": f"{nearest(0.15)} {nearest(0.10)}",
    }


def matches(user, query):
    """How many entries ``user`` finds for ``query`` (all of them, uncapped)."""
    from elearning_courses.search.access import visible_entries
    from elearning_courses.search.backends import backend_for

    return backend_for(query).match(visible_entries(user)).count()


def plan(user, query, limit):
    """EXPLAIN (ANALYZE on PostgreSQL) of the results page's first query: the access rules
    and the match, bounded by the cap (the ranks and the hits then read entries by id)."""
    from django.db import connection
    from django.test import override_settings

    from elearning_courses.search.results import CourseResults

    with override_settings(ELEARNING_COURSES={"SEARCH_MAX_MATCHES": limit}):
        candidates = CourseResults(user, query).candidates()
    return candidates.explain(analyze=True) if connection.vendor == "postgresql" else candidates.explain()


def plan_summary(text):
    """The plan's lines that show the index and the bound, and the execution time."""
    keep = ("Index", "Limit", "Execution Time", "SCAN", "SEARCH", "Seq Scan")
    lines = [line.strip() for line in text.splitlines() if any(k in line for k in keep)]
    return lines[:8]


def session_cookie(user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def serve(env, workdir, max_matches):
    """A Daphne process with ``SEARCH_MAX_MATCHES`` = ``max_matches``, and its port."""
    port = free_port()
    env = {**env, "DJANGO_SETTINGS_MODULE": "search_settings", "BENCH_SEARCH_MAX_MATCHES": str(max_matches)}
    proc = catalog.start_daphne(port, env, workdir)
    wait_for_port(port, proc)
    return proc, port


def measure(port, pages, requests, rounds):
    """Latencies of each page: warm-up, then ``rounds`` alternating rounds."""
    for _label, path, headers in pages:
        catalog.time_requests(port, path, headers, 5)
    samples = {label: [] for label, _p, _h in pages}
    for round_ in range(rounds):
        for label, path, headers in pages if round_ % 2 == 0 else list(reversed(pages)):
            samples[label] += catalog.time_requests(port, path, headers, requests)
    return {label: stats(values) for label, values in samples.items()}


def stats(values):
    values = sorted(values)
    return statistics.median(values) * 1000, values[max(0, int(len(values) * 0.95) - 1)] * 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--lessons", type=int, default=20, help="lessons per course")
    parser.add_argument("--enrollments", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--uncapped-requests", type=int, default=15, help="per page, the uncapped server")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="elearning-bench-"))
    db = catalog.Database(workdir)
    env = catalog.bench_environment(db, workdir)
    procs = []
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import AnonymousUser
        from django.core.management import call_command
        from django.db import connections

        from elearning_courses.models import SearchEntry

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        _token, n_courses, _enrollments, _ratings = catalog.seed(args.courses, args.enrollments)
        seeded = time.perf_counter()
        n_lessons, in_text = seed_content(args.lessons)
        fill_vectors()
        check_index()
        indexed = time.perf_counter()
        print(
            f"database: {db.label}; {n_courses:,} courses seeded in {seeded - started:.0f}s; "
            f"{n_lessons:,} lessons and {SearchEntry.objects.count():,} search entries in "
            f"{indexed - seeded:.0f}s; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        student = get_user_model().objects.get(username="student0")
        users = {"visitor": (AnonymousUser(), {}), "student": (student, {"Cookie": session_cookie(student)})}
        queries = pick_queries(in_text, n_lessons)
        pages, cases = [], []
        for who, (_user, headers) in users.items():
            pages.append((f"catalog ({who})", "/courses/", headers))
            for label, q in queries.items():
                pages.append((f"{label} ({who})", f"/courses/search/?q={q.replace(' ', '+')}", headers))
                cases.append((who, label, q))
        found = {(who, label): matches(users[who][0], q) for who, label, q in cases}
        print("\nquery words: " + "; ".join(f"{label}: {q!r}" for label, q in queries.items()))
        for who, label, limit, name in (
            ("visitor", "common word", 1000, "capped (1000)"),
            ("visitor", "common word", UNCAPPED, "uncapped"),
            ("visitor", "medium word", 1000, "capped (1000)"),
            ("student", "medium word", 1000, "capped (1000)"),
        ):
            text = plan(users[who][0], queries[label], limit)
            print(
                f"\nplan of the results page's first query, {label}, {who}, {name}:\n  "
                + "\n  ".join(plan_summary(text))
            )
        connections.close_all()

        results = {}
        for name, limit, requests in (
            ("after", 1000, args.requests),
            ("before", UNCAPPED, args.uncapped_requests),
        ):
            proc, port = serve(env, workdir, limit)
            procs.append(proc)
            results[name] = measure(port, pages, requests, args.rounds)
            proc.terminate()
            proc.wait(timeout=10)
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"\nsequential keep-alive requests ({args.requests} x {args.rounds} capped, "
            f"{args.uncapped_requests} x {args.rounds} uncapped); load average {load}"
        )
        print(
            f"{'case':28} {'matches':>8} {'median ms':>10} {'p95 ms':>8} {'x catalog':>10}"
            f" {'uncapped median':>16} {'x catalog':>10} {'speed-up':>9}"
        )
        ok = True
        for who in users:
            catalog_after = results["after"][f"catalog ({who})"][0]
            catalog_before = results["before"][f"catalog ({who})"][0]
            print(
                f"{'catalog (' + who + ')':28} {'':>8} {catalog_after:10.2f} "
                f"{results['after'][f'catalog ({who})'][1]:8.2f} {1:9.2f}x {catalog_before:16.2f}"
            )
            for _who, label, _q in (case for case in cases if case[0] == who):
                key = f"{label} ({who})"
                median, p95 = results["after"][key]
                before = results["before"][key][0]
                ratio = median / catalog_after
                ok &= ratio <= TARGET_RATIO
                print(
                    f"{key:28} {found[(who, label)]:8,} {median:10.2f} {p95:8.2f} {ratio:9.2f}x"
                    f" {before:16.2f} {before / catalog_before:9.2f}x {before / median:8.1f}x"
                )
        print(f"\ntarget: every search median <= {TARGET_RATIO}x the catalog's ({'met' if ok else 'MISSED'})")
        return 0 if ok else 1
    finally:
        catalog.clean_up(None, db, workdir)
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())

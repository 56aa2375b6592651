"""Search benchmark: the search page (``/courses/search/?q=``) beside the catalog page
on the same Daphne server, at 10,000 courses and 200,000 lessons (text lessons of
about 60 words each).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python benchmarks/search.py
    python benchmarks/search.py --courses 1000 --lessons 20    # SQLite (FTS5), smaller

The data, the throw-away database, the query counting and the timed keep-alive
requests are those of ``catalog.py`` (imported from it); the courses' modules and
lessons are added here and indexed with ``rebuild_search_index``'s code. Prints the
plan of the search query (PostgreSQL: the GIN index) and the median and p95 of each
page. Target: the search page's median no slower than 1.5x the catalog page's.
Not part of the test suite; never a CI gate.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import catalog  # benchmarks/ is sys.path[0] when run as a script
from _net import free_port, wait_for_port

TARGET_RATIO = 1.5
#: Searched words: rare (in a few lessons), common (in many lessons), and a word of
#: every course's description (the catalog benchmark's vocabulary).
QUERIES = {
    "rare word": "zygote",
    "two words": "river valley",
    "common word": "harbor",
    "everywhere": "python",
}
VOCABULARY = (
    "river valley harbor mountain forest desert island canyon glacier meadow bridge tower castle "
    "village market garden orchard library museum theatre station airport lighthouse volcano "
    "reef lagoon prairie tundra savanna delta plateau"
).split()


def seed_content(lessons_per_course, modules_per_course=4):
    """Modules and text lessons for every course; returns the number of lessons."""
    from elearning_courses.models import Course, Lesson, Module

    rng = random.Random(7)
    course_ids = list(Course.objects.values_list("pk", flat=True))
    modules = Module.objects.bulk_create(
        [
            Module(course_id=course_id, title=f"Part {n + 1}: {rng.choice(VOCABULARY)}", position=n)
            for course_id in course_ids
            for n in range(modules_per_course)
        ],
        batch_size=5000,
    )
    per_module = max(1, lessons_per_course // modules_per_course)
    rows = []
    for n, module in enumerate(modules):
        for position in range(per_module):
            words = [rng.choice(VOCABULARY) for _ in range(60)]
            if (n * per_module + position) % 2_000 == 0:
                words.append("zygote")
            rows.append(
                Lesson(
                    course_id=module.course_id,
                    module_id=module.pk,
                    title=f"{rng.choice(VOCABULARY).title()} {rng.choice(VOCABULARY)}",
                    text="## Notes\n\n" + " ".join(words) + ".",
                    position=position,
                )
            )
        if len(rows) >= 20_000:
            Lesson.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Lesson.objects.bulk_create(rows, batch_size=5000)
    return Lesson.objects.count()


def explain(query):
    from django.contrib.auth.models import AnonymousUser

    from elearning_courses.search.results import CourseResults

    matched = CourseResults(AnonymousUser(), query).matched
    return matched.order_by().values("course_id").distinct().explain()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--lessons", type=int, default=20, help="lessons per course")
    parser.add_argument("--enrollments", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="elearning-bench-"))
    db = catalog.Database(workdir)
    env = catalog.bench_environment(db, workdir)
    proc = None
    try:
        import django
        from django.core.management import call_command

        django.setup()
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        token, n_courses, _enrollments, _ratings = catalog.seed(args.courses, args.enrollments)
        n_lessons = seed_content(args.lessons)
        seeded = time.perf_counter()
        from elearning_courses.search import index

        index.rebuild_all()
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        from elearning_courses.models import SearchEntry

        print(
            f"database: {db.label}; {n_courses:,} courses, {n_lessons:,} lessons seeded in "
            f"{seeded - started:.0f}s; {SearchEntry.objects.count():,} search entries built in "
            f"{time.perf_counter() - seeded:.0f}s"
        )
        pages = [("catalog page  /courses/", "/courses/", False)]
        pages += [
            (f"search: {label} ({q})", f"/courses/search/?q={q.replace(' ', '+')}", False)
            for label, q in QUERIES.items()
        ]
        queries = catalog.count_queries(pages, token)
        print(
            "plan of the search's match (common word):\n  "
            + "\n  ".join(explain(QUERIES["common word"]).splitlines()[:12])
        )
        from django.db import connections

        connections.close_all()

        port = free_port()
        proc = catalog.start_daphne(port, env, workdir)
        wait_for_port(port, proc)
        for _label, path, _auth in pages:  # warm-up
            catalog.time_requests(port, path, {}, 20)
        samples = {label: [] for label, _p, _a in pages}
        for round_ in range(args.rounds):
            for label, path, _auth in pages if round_ % 2 == 0 else list(reversed(pages)):
                samples[label] += catalog.time_requests(port, path, {}, args.requests)
        print(
            f"\n{len(samples[pages[0][0]])} sequential keep-alive requests each, Daphne on 127.0.0.1:{port}"
        )
        print(f"{'page':44} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'x catalog':>10}")
        catalog_median = statistics.median(samples[pages[0][0]])
        ok = True
        for label, _p, _a in pages:
            values = sorted(samples[label])
            median, p95 = statistics.median(values), values[int(len(values) * 0.95) - 1]
            ratio = median / catalog_median
            if label.startswith("search") and "everywhere" not in label:
                ok &= ratio <= TARGET_RATIO
            print(f"{label:44} {median * 1000:10.2f} {p95 * 1000:8.2f} {queries[label]:8d} {ratio:9.2f}x")
        print(
            f"\ntarget: search median <= {TARGET_RATIO}x the catalog's ({'met' if ok else 'MISSED'}; "
            "'everywhere' is for information: a word in every course ranks every course)"
        )
        return 0 if ok else 1
    finally:
        catalog.clean_up(proc, db, workdir)


if __name__ == "__main__":
    sys.exit(main())

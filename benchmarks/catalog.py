"""Catalog benchmark: the course catalog page and ``GET /api/courses/`` at 10,000
courses (12 subjects, 5% drafts) and 100,000 enrollments, against a minimal Django view
on the same server and data.

    python benchmarks/catalog.py                  # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python benchmarks/catalog.py

With a PostgreSQL DATABASE_URL a fresh database ``elearning_bench_<pid>`` is created on
that server and dropped afterwards. The script seeds with ``bulk_create``, counts the
SQL queries of one request of each kind in-process, then starts a real Daphne process
on a free 127.0.0.1 port (DEBUG off) and times sequential keep-alive requests.
Target: ours at least 0.5x the minimal view's throughput (the catalog's sorted and
filtered pages are measured too, for information). Not part of the test suite.
"""

import argparse
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from _net import free_port, wait_for_port  # benchmarks/ is sys.path[0] when run as a script

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "example_project"
HERE = Path(__file__).resolve().parent
TARGET_RATIO = 0.5


class Database:
    """A throw-away database: a fresh PostgreSQL database or an SQLite file."""

    def __init__(self, workdir):
        self.admin_url = None
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            import psycopg

            self.admin_url, self.name = url, f"elearning_bench_{os.getpid()}"
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = urlunparse(urlparse(url)._replace(path=f"/{self.name}"))
            self.label = "PostgreSQL"
        else:
            self.url = f"sqlite:///{workdir / 'bench.sqlite3'}"
            self.label = "SQLite"

    def drop(self):
        if self.admin_url:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def seed(courses, enrollments, feedback_share=0.2):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    from elearning_courses.models import Course, Enrollment, Feedback, Subject

    User = get_user_model()
    rng = random.Random(42)
    password = make_password("bench-pass-2026")
    teachers = User.objects.bulk_create(
        [User(username=f"teacher{i}", role="teacher", password=password) for i in range(50)]
    )
    per_student = 50
    students = User.objects.bulk_create(
        [
            User(username=f"student{i}", role="student", password=password)
            for i in range(max(1, enrollments // per_student))
        ]
    )
    words = "python django data science statistics web design history art music physics".split()
    subjects = Subject.objects.bulk_create(
        [Subject(name=f"Subject {i}", slug=f"subject-{i}") for i in range(12)]
    )
    course_rows = Course.objects.bulk_create(
        [
            Course(
                teacher=teachers[i % len(teachers)],
                title=f"{rng.choice(words).title()} {rng.choice(words)} {i}",
                description=" ".join(rng.choice(words) for _ in range(40)),
                subject=subjects[i % len(subjects)] if i % 10 else None,
                is_published=rng.random() >= 0.05,
            )
            for i in range(courses)
        ],
        batch_size=2000,
    )
    ids = [c.pk for c in course_rows]
    rows, feedback = [], []
    for student in students:
        for course_id in rng.sample(ids, min(per_student, len(ids))):
            rows.append(Enrollment(student_id=student.pk, course_id=course_id))
            if rng.random() < feedback_share:
                feedback.append(
                    Feedback(student_id=student.pk, course_id=course_id, rating=rng.randint(1, 5))
                )
    Enrollment.objects.bulk_create(rows[:enrollments], batch_size=5000)
    Feedback.objects.bulk_create(feedback, batch_size=5000)
    token = Token.objects.create(user=students[0])
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum would gather them
    return token.key, len(course_rows), min(len(rows), enrollments), len(feedback)


def count_queries(paths, token):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for label, path, auth in paths:
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if auth else {}
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
        counts[label] = len(ctx)
    return counts


def time_sql(repeat=50):
    """In-process median milliseconds of the catalog's SQL vs the minimal view's, and the plan."""
    from django.db import connection

    from elearning_courses.models import Course

    def median_ms(fn):
        fn()
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs) * 1000

    page = Course.objects.published().with_stats().order_by("-created_at", "-id")
    ours = median_ms(lambda: (page.count(), list(page[:20])))
    minimal = median_ms(
        lambda: list(Course.objects.select_related("teacher").order_by("-created_at", "-id")[:20])
    )
    plan = page[:20].explain() if connection.vendor == "postgresql" else ""
    return ours, minimal, plan


def time_requests(port, path, headers, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    try:
        for _ in range(n):
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            latencies.append(time.perf_counter() - start)
            if response.status != 200 or not body:
                raise SystemExit(f"GET {path} -> {response.status}")
    finally:
        conn.close()
    return latencies


def bench_environment(db, workdir):
    """The environment of the benchmark's Django (this process and Daphne's): set here
    too, with the demo site and benchmarks/ on ``sys.path``. Returns it for Daphne."""
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "DJANGO_SETTINGS_MODULE": "catalog_settings",
        "DJANGO_DEBUG": "0",
        "MEDIA_ROOT": str(workdir / "media"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "PYTHONPATH": os.pathsep.join([str(PROJECT), str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    names = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT")
    os.environ.update({name: env[name] for name in names})
    sys.path[:0] = [str(PROJECT), str(HERE)]
    return env


def start_daphne(port, env, workdir):
    """A Daphne process serving the demo site (DEBUG off) on 127.0.0.1:``port``."""
    log = open(workdir / "daphne.log", "w")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "example_project.asgi:application",
        ],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def clean_up(proc, db, workdir):
    """Stop Daphne (when started), drop the database and delete the work folder."""
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    try:
        from django.db import connections

        connections.close_all()
    except Exception:
        pass
    db.drop()
    shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurement rounds")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="elearning-bench-"))
    db = Database(workdir)
    env = bench_environment(db, workdir)
    proc = None
    try:
        import django
        from django.core.management import call_command

        django.setup()
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        token, n_courses, n_enrollments, n_feedback = seed(args.courses, args.enrollments)
        print(
            f"database: {db.label}; seeded {n_courses:,} courses, {n_enrollments:,} enrollments, "
            f"{n_feedback:,} ratings in {time.perf_counter() - started:.1f}s"
        )

        endpoints = [
            ("catalog page  /courses/", "/courses/", False),
            ("API  GET /api/courses/", "/api/courses/", True),
            ("minimal view  /bench/minimal/", "/bench/minimal/", False),
            ("bare list  /bench/bare/", "/bench/bare/", False),
            ("catalog ?sort=popular", "/courses/?sort=popular", False),
            ("catalog ?subject=&sort=rating", "/courses/?subject=subject-3&sort=rating", False),
        ]
        queries = count_queries(endpoints, token)
        sql_ours, sql_minimal, plan = time_sql()
        print(
            f"SQL per catalog page (count + 20 annotated rows): {sql_ours:.2f} ms median; "
            f"minimal view's query: {sql_minimal:.2f} ms"
        )
        if plan:
            print("plan of the catalog page query:\n  " + "\n  ".join(plan.splitlines()[:8]))
        from django.db import connections

        connections.close_all()

        port = free_port()
        proc = start_daphne(port, env, workdir)
        wait_for_port(port, proc)
        headers = {
            label: ({"Authorization": f"Token {token}"} if auth else {}) for label, _p, auth in endpoints
        }
        for label, path, _auth in endpoints:  # warm-up: imports, template loading, DB caches
            time_requests(port, path, headers[label], 30)
        samples = {label: [] for label, _p, _a in endpoints}
        for round_ in range(args.rounds):
            order = endpoints if round_ % 2 == 0 else list(reversed(endpoints))
            for label, path, _auth in order:
                samples[label] += time_requests(port, path, headers[label], args.requests)

        def stats(values):
            values = sorted(values)
            return (
                statistics.median(values) * 1000,
                values[int(len(values) * 0.95) - 1] * 1000,
                len(values) / sum(values),
            )

        print(
            f"\n{len(samples[endpoints[0][0]])} sequential keep-alive requests each, Daphne on 127.0.0.1:{port}"
        )
        print(f"{'endpoint':32} {'median ms':>10} {'p95 ms':>8} {'req/s':>8} {'queries':>8}")
        results = {}
        for label, _p, _a in endpoints:
            median, p95, rps = results[label] = stats(samples[label])
            print(f"{label:32} {median:10.2f} {p95:8.2f} {rps:8.0f} {queries[label]:8d}")
        minimal_rps = results[endpoints[2][0]][2]  # the layout-matched minimal view
        ok = True
        print()
        for label, _p, _a in endpoints[:2]:
            ratio = results[label][2] / minimal_rps
            ok &= ratio >= TARGET_RATIO
            print(
                f"{label}: {ratio:.2f}x the minimal view's throughput "
                f"({'meets' if ratio >= TARGET_RATIO else 'MISSES'} the {TARGET_RATIO}x target)"
            )
        for label, _p, _a in endpoints[4:]:  # for information: sorted and filtered pages
            print(f"{label}: {results[label][2] / minimal_rps:.2f}x the minimal view's throughput")
        return 0 if ok else 1
    finally:
        clean_up(proc, db, workdir)


if __name__ == "__main__":
    sys.exit(main())

"""Schemathesis against the demo's whole API, in-process through its WSGI application.

Every operation of ``/api/schema/`` is exercised with generated requests, as a student
and as a teacher (token authentication), with valid data (positive mode) and with data
the schema forbids (negative mode), against four checks:

* ``not_a_server_error``: never a 5xx;
* ``response_schema_conformance``: every documented response matches its schema;
* ``negative_data_rejection``: data the schema forbids gets a 4xx, never a 2xx;
* ``ignored_auth``: an operation that requires authentication refuses a request without it.

The data the requests act on is seeded first (a course of the teacher's with a material,
the student enrolled with feedback, a notification each), and path ids are drawn from
the seeded ids as well as generated, so most requests reach the views' real work and not
only their 404. Deterministic (Hypothesis derandomized, no example database) and bounded:
``FUZZ_MAX_EXAMPLES`` examples per operation, mode and role (default 10, about 1,200
cases); the number of cases is printed. 40 s of CPU, 1.5-2 minutes on a busy 2-core
machine; it runs in both passes of ``./run tests`` (SQLite, then PostgreSQL), because
the two fail differently on hostile input (NUL characters, integer ranges).
"""

import os
import time
from collections import Counter

import hypothesis
import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser
from schemathesis.auths import AuthStorage
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
)

from elearning_chat.api.parsers import ElearningJSONParser as ChatJSONParser
from elearning_courses import services
from elearning_courses.models import Course, CourseMaterial, Notification
from elearning_users.api.parsers import ElearningJSONParser

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection, ignored_auth]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
PASSWORD = "Fuzz-me-not-1234"
PDF = b"%PDF-1.4\n%%EOF\n"


def hypothesis_settings():
    return hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        # Shrinking a failure can take minutes; the raw failing case is reported instead.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


@pytest.fixture
def seeded(db, settings):
    """A teacher's course with a material, an enrolled student with feedback, a
    notification each, and a second teacher's course the student is not in."""
    # Sign-ups and token requests hash passwords: the fast hasher keeps the budget for requests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user_model = get_user_model()
    teacher = user_model.objects.create_user("fuzz_teacher", "t@example.com", PASSWORD, role="teacher")
    other = user_model.objects.create_user("fuzz_other", "o@example.com", PASSWORD, role="teacher")
    student = user_model.objects.create_user("fuzz_student", "s@example.com", PASSWORD, role="student")
    course = services.create_course(teacher, title="Fuzzing 101", description="Hostile input.")
    services.create_course(other, title="Elsewhere", description="")
    services.add_material(teacher, course, file=ContentFile(PDF, name="notes.pdf"), title="Notes")
    services.enroll(student, course)
    services.save_feedback(student, course, rating=4, comment="Fine.")
    return {
        "student": Token.objects.create(user=student).key,
        "teacher": Token.objects.create(user=teacher).key,
        "ids": sorted(
            {
                *Course.objects.values_list("pk", flat=True),
                *CourseMaterial.objects.values_list("pk", flat=True),
                *Notification.objects.values_list("pk", flat=True),
                student.pk,
                teacher.pk,
            }
        ),
    }


@pytest.fixture
def api_schema(seeded, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Requests go to the WSGI handler itself (the schema's too), not through Django's test
    # client, which keeps close_old_connections off the request signals: on PostgreSQL it
    # would close the connection of the test's transaction (autocommit is off in it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        # The token comes from TokenAuth below, not from generated Authorization/Cookie values.
        schema.config.generation.update(with_security_parameters=False)
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class TokenAuth:
    """The current role's token on every case: explicit auth for ``ignored_auth``, which
    then re-sends each successful request without it and with a wrong one."""

    token = None

    def get(self, case, context):
        return TokenAuth.token

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


AUTH = AuthStorage()
AUTH.auth(refresh_interval=None)(TokenAuth)


def operations(schema):
    result = []
    for entry in schema.get_all_operations():
        operation = entry.ok()
        result.append(operation)
    # Deletions last, so that the other operations still find the seeded rows.
    return sorted(result, key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))


def path_ids(operation, ids):
    """Seeded ids for the path parameters (most requests reach a real row), mixed with
    whatever the schema allows."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return st.just({})
    return st.fixed_dictionaries({name: st.sampled_from(ids) for name in names})


def negative_media_type(operation):
    """Negative bodies are sent as JSON. In a form body every value is text, so "a number
    where a string is wanted" does not exist there, and Schemathesis cannot always tell
    (a file part next to the field defeats its check): operations whose body is only
    multipart (the material upload) get no negative bodies (``None``: skip)."""
    media_types = [body.media_type for body in operation.body]
    if not media_types:
        return ""
    return "application/json" if "application/json" in media_types else None


def fuzz_operation(operation, mode, media_type, ids, count):
    """Run one operation in one generation mode; raises what Schemathesis finds."""

    @hypothesis.given(data=st.data())
    @hypothesis_settings()
    def run(data):
        fixed = data.draw(st.booleans() if operation.path_parameters else st.just(False))
        kwargs = {"path_parameters": data.draw(path_ids(operation, ids))} if fixed else {}
        strategy = operation.as_strategy(generation_mode=mode, auth_storage=AUTH, **kwargs)
        if media_type:  # as_strategy's media_type does not pick the body's
            strategy = strategy.filter(lambda case: case.media_type == media_type)
        case = data.draw(strategy)
        cache.clear()  # no throttling: every request reaches the view
        count()
        case.call_and_validate(checks=CHECKS)

    run()


def fuzz(schema, seeded, role, counts, failures):
    TokenAuth.token = seeded[role]
    for operation in operations(schema):
        for mode in MODES:
            media_type = (
                negative_media_type(operation) if mode == schemathesis.GenerationMode.NEGATIVE else ""
            )
            if media_type is None:
                continue
            label = f"{role} {mode.value} {operation.method.upper()} {operation.path}"

            def count(label=label):
                counts[label] += 1

            try:
                fuzz_operation(operation, mode, media_type, seeded["ids"], count)
            except Unsatisfiable:
                pass  # nothing to make invalid (no parameters, no body): no negative cases
            except (Exception, BaseExceptionGroup) as exc:  # every failure is reported at the end
                failures.append(f"{label}: " + "\n".join(str(exc).splitlines()[:25]))


@pytest.mark.django_db
def test_api_survives_schemathesis(api_schema, seeded, capsys):
    counts, failures = Counter(), []
    started = time.monotonic()
    for role in ("student", "teacher"):
        fuzz(api_schema, seeded, role, counts, failures)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nschemathesis: {sum(counts.values())} cases over {len(counts)} operation/mode/role "
            f"combinations in {elapsed:.0f}s, {len(failures)} failures"
        )
    assert not failures, "\n\n".join(failures)


def api_views(patterns=None, prefix=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from api_views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "cls"):
            yield prefix + str(entry.pattern), entry.callback


def test_every_api_view_parses_json_with_limits():
    """No view of the three apps is left with DRF's plain JSONParser (a RecursionError
    away from a 500): the parsers of each view, actions included."""
    checked = []
    for route, callback in api_views():
        if not callback.cls.__module__.startswith(("elearning_users", "elearning_courses", "elearning_chat")):
            continue
        parsers = callback.initkwargs.get("parser_classes", callback.cls.parser_classes)
        plain = [
            p for p in parsers if issubclass(p, JSONParser) and p not in (ElearningJSONParser, ChatJSONParser)
        ]
        assert not plain, f"{route}: {plain}"
        checked.append(route)
    assert any(r.startswith("api/chat/") for r in checked) and any("auth/token" in r for r in checked)
    assert len(checked) > 15

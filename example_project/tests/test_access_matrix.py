"""The access-control matrix of the demo site: every URL x every role x every method.

The URL patterns are walked from the site's URL conf (pages, the API routers, the admin)
and the WebSocket routes from the site's ASGI application; each must have a row in
:data:`MATRIX` (or :data:`ADMIN_MATRIX`, :data:`WS_MATRIX`): a URL nobody classified fails
:func:`test_every_url_is_classified`, so adding a URL forces saying who may use it.

A row maps a role to the statuses of the methods, written ``"GET HEAD 200, * 405"``: the
methods before a status get it, ``*`` stands for the methods not named, and the role ``*``
for the roles not named. :func:`expand` turns the rows into the full
URL name -> role -> method -> status table that the tests compare with the site's answers.

Every request runs in a savepoint rolled back after it (a delete, an enrollment or a log-out
changes nothing for the next request), with the cache cleared (throttles never trip).
CSRF is not enforced by the test client: this suite checks authorization only.

Time: about 30 s on SQLite (some 3,500 requests).
"""

import json
import os
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.timezone import now
from rest_framework.authtoken.models import Token

from elearning_chat.models import Connection, Message, Room
from elearning_courses import announcements, services
from elearning_courses.models import Course, Feedback, Notification

PDF = b"%PDF-1.4\n%%EOF\n"

ANON, STUDENT, ENROLLED, BLOCKED, OTHER, OWNER, STAFF = ROLES = (
    "anonymous",
    "student",
    "enrolled",
    "blocked",
    "other_teacher",
    "owner",
    "staff",
)
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")

# -- the table ---------------------------------------------------------------------------

MATRIX = {
    "home": {
        "*": "* 200",
    },
    "elearning_users:signup": {
        ANON: "PATCH DELETE 405, * 200",
        "*": "* 302",
    },
    "elearning_users:login": {
        ANON: "PATCH DELETE 405, * 200",
        "*": "* 302",
    },
    "elearning_users:logout": {
        "*": "OPTIONS 200, POST 302, * 405",
    },
    "elearning_users:profile": {
        ANON: "* 302",
        "*": "POST PUT 302, PATCH DELETE 405, * 200",
    },
    # Open to anyone, signed in or not (as Django's): the next page is the same whether an
    # account has the address or not.
    "elearning_users:password_reset": {
        "*": "PATCH DELETE 405, * 200",
    },
    "elearning_users:password_reset_done": {
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    # A link that is not usable (used, expired or mangled) is the page offering a new one,
    # whatever the method (Django's PasswordResetConfirmView answers it before dispatching).
    "elearning_users:password_reset_confirm": {
        "*": "* 200",
    },
    "elearning_users:password_reset_complete": {
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_users:password_change": {
        ANON: "* 302",
        "*": "PATCH DELETE 405, * 200",
    },
    "elearning_profiles:detail": {
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses:catalog": {
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses:course_create": {
        ANON: "* 302",
        OTHER: "POST 302, PATCH DELETE 405, * 200",
        OWNER: "POST 302, PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:my_courses": {
        ANON: "* 302",
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses:course_detail": {
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses:course_update": {
        ANON: "* 302",
        OWNER: "POST 302, PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:course_delete": {
        ANON: "* 302",
        OWNER: "POST 302, PUT PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:enroll": {
        BLOCKED: "POST 403, * 405",
        OTHER: "POST 403, * 405",
        OWNER: "POST 403, * 405",
        "*": "POST 302, * 405",
    },
    "elearning_courses:unenroll": {
        "*": "POST 302, * 405",
    },
    "elearning_courses:feedback": {
        ANON: "POST 302, * 405",
        ENROLLED: "POST 302, * 405",
        "*": "POST 403, * 405",
    },
    "elearning_courses:material_upload": {
        ANON: "* 302",
        OWNER: "POST 302, PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:material_download": {
        ANON: "* 302",
        ENROLLED: "* 200",
        OWNER: "* 200",
        # The material is a file lesson's: staff read lessons.
        STAFF: "* 200",
        "*": "* 403",
    },
    "elearning_courses:course_content": {
        ANON: "* 302",
        OWNER: "POST PUT PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    # Drag and drop posts JSON; the matrix's form body is not the new order (400).
    "elearning_courses:content_reorder": {
        OWNER: "POST 400, * 405",
        "*": "POST 403, * 405",
    },
    "elearning_courses:module_create": {
        ANON: "* 302",
        OWNER: "POST 302, PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:module_update": {
        ANON: "* 302",
        OWNER: "POST 302, PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:module_delete": {
        ANON: "* 302",
        OWNER: "POST 302, PUT PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:module_move": {
        ANON: "* 302",
        OWNER: "POST 302, * 405",
        "*": "* 403",
    },
    # PUT: no form data, so no kind of lesson (400).
    "elearning_courses:lesson_create": {
        ANON: "* 302",
        OWNER: "POST 302, PUT 400, PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:lesson_detail": {
        ANON: "GET HEAD 302, * 405",
        ENROLLED: "GET HEAD 200, * 405",
        OWNER: "GET HEAD 200, * 405",
        STAFF: "GET HEAD 200, * 405",
        "*": "GET HEAD 403, * 405",
    },
    "elearning_courses:lesson_update": {
        ANON: "* 302",
        OWNER: "POST 302, PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:lesson_delete": {
        ANON: "* 302",
        OWNER: "POST 302, PUT PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:lesson_move": {
        ANON: "* 302",
        OWNER: "POST 302, * 405",
        "*": "* 403",
    },
    # The world's lesson is a file lesson: it has no inline media (404 for its readers).
    "elearning_courses:lesson_media": {
        ANON: "GET HEAD 302, * 405",
        ENROLLED: "GET HEAD 404, * 405",
        OWNER: "GET HEAD 404, * 405",
        STAFF: "GET HEAD 404, * 405",
        "*": "GET HEAD 403, * 405",
    },
    # Only enrolled students track progress (the owner and staff too would have to enroll).
    "elearning_courses:lesson_complete": {
        ANON: "POST 302, * 405",
        ENROLLED: "POST 302, * 405",
        "*": "POST 403, * 405",
    },
    "elearning_courses:progress": {
        ANON: "GET HEAD 302, * 405",
        OWNER: "GET HEAD 200, * 405",
        STAFF: "GET HEAD 200, * 405",
        "*": "GET HEAD 403, * 405",
    },
    "elearning_courses:progress_csv": {
        ANON: "GET HEAD 302, * 405",
        OWNER: "GET HEAD 200, * 405",
        STAFF: "GET HEAD 200, * 405",
        "*": "GET HEAD 403, * 405",
    },
    # Search is for everyone, as the catalog; what each role finds is test_search*'s.
    "elearning_courses:search": {"*": "GET HEAD 200, * 405"},
    # A course's analytics: its teacher and staff; the overview across courses: staff.
    "elearning_courses:analytics": {
        ANON: "GET HEAD 302, * 405",
        OWNER: "GET HEAD 200, * 405",
        STAFF: "GET HEAD 200, * 405",
        "*": "GET HEAD 403, * 405",
    },
    "elearning_courses:analytics_csv": {
        ANON: "GET HEAD 302, * 405",
        OWNER: "GET HEAD 200, * 405",
        STAFF: "GET HEAD 200, * 405",
        "*": "GET HEAD 403, * 405",
    },
    "elearning_courses:analytics_overview": {
        ANON: "GET HEAD 302, * 405",
        STAFF: "GET HEAD 200, * 405",
        "*": "GET HEAD 403, * 405",
    },
    # The teacher posts; staff may delete an announcement but not post one.
    "elearning_courses:announcement_create": {
        ANON: "GET HEAD POST 302, * 405",
        OWNER: "GET HEAD 200, POST 302, * 405",
        "*": "GET HEAD POST 403, * 405",
    },
    "elearning_courses:announcement_delete": {
        ANON: "GET HEAD POST 302, * 405",
        OWNER: "GET HEAD 200, POST 302, * 405",
        STAFF: "GET HEAD 200, POST 302, * 405",
        "*": "GET HEAD POST 403, * 405",
    },
    "elearning_courses:material_delete": {
        ANON: "* 302",
        OWNER: "POST 302, PUT PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:students": {
        ANON: "* 302",
        OWNER: "GET HEAD OPTIONS 200, * 405",
        "*": "* 403",
    },
    "elearning_courses:block": {
        ANON: "* 302",
        OWNER: "POST PUT 302, PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses:blocked": {
        ANON: "* 302",
        OWNER: "GET HEAD OPTIONS 200, * 405",
        "*": "* 403",
    },
    "elearning_courses:unblock": {
        ANON: "* 302",
        OWNER: "POST 302, * 405",
        "*": "* 403",
    },
    "elearning_courses:notification_list": {
        ANON: "* 302",
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses:notification_read_all": {
        ANON: "* 302",
        "*": "POST 302, * 405",
    },
    "elearning_courses:notification_open": {
        ANON: "* 302",
        OWNER: "GET HEAD 302, OPTIONS 200, * 405",
        "*": "GET HEAD 404, OPTIONS 200, * 405",
    },
    "elearning_courses:notification_read": {
        ANON: "* 302",
        OWNER: "POST 302, * 405",
        "*": "POST 404, * 405",
    },
    "elearning_chat:room_list": {
        ANON: "* 302",
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_chat:room": {
        ANON: "* 302",
        ENROLLED: "GET HEAD OPTIONS 200, * 405",
        OWNER: "GET HEAD OPTIONS 200, * 405",
        STAFF: "GET HEAD OPTIONS 200, * 405",
        "*": "GET HEAD 403, OPTIONS 200, * 405",
    },
    "api-root": {
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "rest_framework:login": {
        "*": "PATCH DELETE 405, * 200",
    },
    "rest_framework:logout": {
        "*": "OPTIONS 200, POST 302, * 405",
    },
    "elearning_users_api:token": {
        "*": "OPTIONS 200, POST 400, * 405",
    },
    "elearning_users_api:user-list": {
        ANON: "POST 400, * 403",
        "*": "POST 400, PUT PATCH DELETE 405, * 200",
    },
    "elearning_users_api:user-me": {
        ANON: "* 403",
        "*": "POST PUT DELETE 405, * 200",
    },
    "elearning_users_api:user-detail": {
        ANON: "* 403",
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses_api:course-list": {
        ANON: "* 403",
        OTHER: "POST 201, PUT PATCH DELETE 405, * 200",
        OWNER: "POST 201, PUT PATCH DELETE 405, * 200",
        "*": "POST 403, PUT PATCH DELETE 405, * 200",
    },
    "elearning_courses_api:course-detail": {
        ANON: "* 403",
        OWNER: "POST 405, DELETE 204, * 200",
        "*": "POST 405, PUT PATCH DELETE 403, * 200",
    },
    "elearning_courses_api:course-material-download": {
        ANON: "* 403",
        ENROLLED: "GET HEAD OPTIONS 200, * 405",
        OWNER: "GET HEAD OPTIONS 200, * 405",
        "*": "GET HEAD 403, OPTIONS 200, * 405",
    },
    "elearning_courses_api:course-materials": {
        ANON: "* 403",
        ENROLLED: "POST 403, PUT PATCH DELETE 405, * 200",
        OWNER: "POST 201, PUT PATCH DELETE 405, * 200",
        "*": "OPTIONS 200, PUT PATCH DELETE 405, * 403",
    },
    "elearning_courses_api:course-reorder": {
        ANON: "* 403",
        OWNER: "OPTIONS POST 200, * 405",
        "*": "OPTIONS 200, POST 403, * 405",
    },
    # One's own progress: enrolled students only (the owner and staff are not learners).
    "elearning_courses_api:search": {
        ANON: "* 403",
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses_api:course-analytics": {
        ANON: "* 403",
        OWNER: "GET HEAD OPTIONS 200, * 405",
        STAFF: "GET HEAD OPTIONS 200, * 405",
        "*": "GET HEAD 403, OPTIONS 200, * 405",
    },
    "elearning_courses_api:course-progress": {
        ANON: "* 403",
        ENROLLED: "GET HEAD OPTIONS 200, * 405",
        "*": "GET HEAD 403, OPTIONS 200, * 405",
    },
    "elearning_courses_api:course-progress-students": {
        ANON: "* 403",
        OWNER: "GET HEAD OPTIONS 200, * 405",
        STAFF: "GET HEAD OPTIONS 200, * 405",
        "*": "GET HEAD 403, OPTIONS 200, * 405",
    },
    # The outline of a published course is public (to signed-in API users); changes are
    # the owner's (403 before the method is looked at).
    "elearning_courses_api:course-module-list": {
        ANON: "* 403",
        OWNER: "GET HEAD OPTIONS 200, POST 201, * 405",
        "*": "GET HEAD OPTIONS 200, * 403",
    },
    "elearning_courses_api:course-module-detail": {
        ANON: "* 403",
        OWNER: "POST 405, DELETE 204, * 200",
        "*": "GET HEAD OPTIONS 200, POST 405, * 403",
    },
    "elearning_courses_api:course-lesson-list": {
        ANON: "* 403",
        OWNER: "GET HEAD OPTIONS 200, POST 201, * 405",
        "*": "GET HEAD OPTIONS 200, * 403",
    },
    # A lesson's content: its teacher, staff and enrolled students.
    "elearning_courses_api:course-lesson-detail": {
        ANON: "* 403",
        ENROLLED: "GET HEAD OPTIONS 200, POST 405, * 403",
        OWNER: "POST 405, DELETE 204, * 200",
        STAFF: "GET HEAD OPTIONS 200, POST 405, * 403",
        "*": "OPTIONS 200, POST 405, * 403",
    },
    "elearning_courses_api:course-lesson-complete": {
        ANON: "* 403",
        ENROLLED: "OPTIONS POST DELETE 200, * 405",
        "*": "OPTIONS 200, POST DELETE 403, * 405",
    },
    # As on the site: the world's lesson is a file lesson, with no inline media (404).
    "elearning_courses_api:course-lesson-media": {
        ANON: "* 403",
        ENROLLED: "GET HEAD 404, OPTIONS 200, * 405",
        OWNER: "GET HEAD 404, OPTIONS 200, * 405",
        STAFF: "GET HEAD 404, OPTIONS 200, * 405",
        "*": "GET HEAD 403, OPTIONS 200, * 405",
    },
    # Announcements are for the class: its teacher, staff and enrolled students read them.
    "elearning_courses_api:course-announcement-list": {
        ANON: "* 403",
        ENROLLED: "GET HEAD OPTIONS 200, * 403",
        OWNER: "GET HEAD OPTIONS 200, POST 201, * 405",
        STAFF: "GET HEAD OPTIONS 200, * 403",
        "*": "* 403",
    },
    "elearning_courses_api:course-announcement-detail": {
        ANON: "* 403",
        ENROLLED: "GET HEAD OPTIONS 200, POST PUT PATCH 405, DELETE 403",
        OWNER: "GET HEAD OPTIONS 200, POST PUT PATCH 405, DELETE 204",
        STAFF: "GET HEAD OPTIONS 200, POST PUT PATCH 405, DELETE 204",
        "*": "POST PUT PATCH 405, * 403",
    },
    "elearning_courses_api:subject-list": {
        ANON: "* 403",
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses_api:enrollment-list": {
        ANON: "* 403",
        STUDENT: "POST 201, PUT PATCH DELETE 405, * 200",
        ENROLLED: "POST 400, PUT PATCH DELETE 405, * 200",
        STAFF: "POST 201, PUT PATCH DELETE 405, * 200",
        "*": "POST 403, PUT PATCH DELETE 405, * 200",
    },
    "elearning_courses_api:enrollment-detail": {
        ANON: "* 403",
        ENROLLED: "POST PUT PATCH 405, DELETE 204, * 200",
        OWNER: "POST PUT PATCH 405, DELETE 403, * 200",
        "*": "OPTIONS 200, POST PUT PATCH 405, * 404",
    },
    "elearning_courses_api:feedback-list": {
        ANON: "* 403",
        ENROLLED: "POST 400, PUT PATCH DELETE 405, * 200",
        "*": "POST 403, PUT PATCH DELETE 405, * 200",
    },
    "elearning_courses_api:feedback-detail": {
        ANON: "* 403",
        ENROLLED: "POST DELETE 405, * 200",
        "*": "POST DELETE 405, PUT PATCH 403, * 200",
    },
    "elearning_courses_api:block-list": {
        OTHER: "POST 403, PUT PATCH DELETE 405, * 200",
        OWNER: "POST 201, PUT PATCH DELETE 405, * 200",
        "*": "* 403",
    },
    "elearning_courses_api:block-detail": {
        OTHER: "OPTIONS 200, POST PUT PATCH 405, * 404",
        OWNER: "POST PUT PATCH 405, DELETE 204, * 200",
        "*": "* 403",
    },
    "elearning_courses_api:notification-list": {
        ANON: "* 403",
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses_api:notification-read-all": {
        ANON: "* 403",
        "*": "OPTIONS POST 200, * 405",
    },
    "elearning_courses_api:notification-unread-count": {
        ANON: "* 403",
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_courses_api:notification-detail": {
        ANON: "* 403",
        OWNER: "GET HEAD OPTIONS 200, * 405",
        "*": "GET HEAD 404, OPTIONS 200, * 405",
    },
    "elearning_courses_api:notification-read": {
        ANON: "* 403",
        OWNER: "OPTIONS POST 200, * 405",
        "*": "OPTIONS 200, POST 404, * 405",
    },
    "elearning_chat_api:room-list": {
        ANON: "* 403",
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "elearning_chat_api:message-list": {
        ANON: "* 403",
        ENROLLED: "GET HEAD OPTIONS 200, * 405",
        OWNER: "GET HEAD OPTIONS 200, * 405",
        STAFF: "GET HEAD OPTIONS 200, * 405",
        "*": "GET HEAD 403, OPTIONS 200, * 405",
    },
    "elearning_chat_api:member-list": {
        ANON: "* 403",
        ENROLLED: "GET HEAD OPTIONS 200, * 405",
        OWNER: "GET HEAD OPTIONS 200, * 405",
        STAFF: "GET HEAD OPTIONS 200, * 405",
        "*": "GET HEAD 403, OPTIONS 200, * 405",
    },
    "schema": {
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "swagger-ui": {
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "redoc": {
        "*": "GET HEAD OPTIONS 200, * 405",
    },
    "favicon.ico": {
        "*": "* 301",
    },
    # Mounted only with DEBUG on (the demo serves profile pictures itself then).
    "^media/(?P<path>.*)$": {
        "*": "* 404",
    },
}
#: Rows of URL patterns that only exist in some configurations.
OPTIONAL = {"^media/(?P<path>.*)$"}

#: The admin's views, by kind (the URL name without the model part): every admin URL is
#: guarded by ``AdminSite.admin_view``; "staff" is ``is_staff`` without any permission.
ADMIN_MATRIX = {
    "index": {STAFF: "* 200", "*": "* 302"},
    "login": {STAFF: "GET 302, PATCH DELETE 405, * 200", "*": "PATCH DELETE 405, * 200"},
    "logout": {STAFF: "OPTIONS 200, POST 302, * 405", "*": "* 302"},
    "password_change": {STAFF: "PATCH DELETE 405, * 200", "*": "* 302"},
    "password_change_done": {STAFF: "GET HEAD OPTIONS 200, * 405", "*": "* 302"},
    "autocomplete": {STAFF: "GET HEAD 403, OPTIONS 200, * 405", "*": "* 302"},
    "jsi18n": {STAFF: "GET HEAD OPTIONS 200, * 405", "*": "* 302"},
    "view_on_site": {STAFF: "* 404", "*": "* 302"},
    "app_list": {STAFF: "* 404", "*": "* 302"},
    "model_changelist": {STAFF: "* 403", "*": "* 302"},
    "model_add": {STAFF: "* 403", "*": "* 302"},
    "model_change": {STAFF: "* 403", "*": "* 302"},
    "model_delete": {STAFF: "* 403", "*": "* 302"},
    "model_history": {STAFF: "* 403", "*": "* 302"},
    "user_password_change": {STAFF: "* 403", "*": "* 302"},
    # admin/<app>/<model>/<id>/, the old change URL: a redirect to the change page.
    "model_legacy_change": {"*": "* 302"},
    "catch_all": {STAFF: "* 404", "*": "* 302"},
    # The history of an object that does not exist (a model without rows: another app's
    # log, say) redirects to the index before asking for permission; the other views refuse first.
    "model_history_missing": {"*": "* 302"},
}

# -- expanding the notation ----------------------------------------------------------------


def parse_methods(spec):
    """``"GET HEAD 200, * 405"`` -> ``{"GET": 200, "HEAD": 200, <the others>: 405}``."""
    statuses, rest = {}, None
    for part in spec.split(","):
        *methods, status = part.split()
        for method in methods:
            if method == "*":
                rest = int(status)
            else:
                assert method in METHODS, f"unknown method {method!r} in {spec!r}"
                assert method not in statuses, f"{method} twice in {spec!r}"
                statuses[method] = int(status)
    missing = [m for m in METHODS if m not in statuses]
    assert rest is not None or not missing, f"{spec!r} says nothing about {missing}"
    return {m: statuses.get(m, rest) for m in METHODS}


def expand(row, methods=METHODS):
    """A row of the table -> ``{role: {method: status}}`` for every role."""
    unknown = set(row) - set(ROLES) - {"*"}
    assert not unknown, f"unknown roles {unknown}"
    missing = [r for r in ROLES if r not in row]
    assert "*" in row or not missing, f"no status for {missing}"
    return {
        role: {m: s for m, s in parse_methods(row.get(role, row.get("*"))).items() if m in methods}
        for role in ROLES
    }


# -- walking the URL conf ----------------------------------------------------------------


def walk(patterns, prefix="", namespace=""):
    """``(key, route, pattern)`` of every URL pattern; ``key`` is the namespaced name, or the
    route for an unnamed pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern)
            route = prefix + str(pattern.pattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else route), route, pattern


def site_urls():
    return list(walk(get_resolver().url_patterns))


def admin_model_prefixes():
    from django.contrib import admin

    return {f"admin:{m._meta.app_label}_{m._meta.model_name}_": m for m in admin.site._registry}


def admin_kind(key):
    """The kind of an admin URL: ``admin:elearning_courses_course_change`` -> ``model_change``,
    ``admin:index`` -> ``index``; the unnamed patterns by their route."""
    if not key.startswith("admin:"):
        return "catch_all" if "(?P<url>" in key else "model_legacy_change"
    for prefix in admin_model_prefixes():
        if key.startswith(prefix):
            return "model_" + key.removeprefix(prefix)
    if key.endswith("_password_change") and key != "admin:password_change":
        return "user_password_change"  # UserAdmin's extra view, named after auth.User
    return key.removeprefix("admin:")


def is_admin(key, route):
    return key.startswith("admin:") or route.startswith("admin/")


# -- the world the requests meet ---------------------------------------------------------


@dataclass
class World:
    users: dict
    course: Course
    material: object
    enrollment: object
    block: object
    feedback: Feedback
    notification: Notification
    announcement: object
    room: Room
    message: Message
    token: Token
    group: Group
    private_root: object = None
    clients: dict = None

    @property
    def course_room(self):
        return self.course.chat_room


def make_world(private_root):
    User = get_user_model()
    users = {
        STUDENT: User.objects.create_user("m-student", role="student"),
        ENROLLED: User.objects.create_user("m-enrolled", role="student"),
        BLOCKED: User.objects.create_user("m-blocked", role="student"),
        OTHER: User.objects.create_user("m-other", role="teacher"),
        OWNER: User.objects.create_user("m-owner", role="teacher"),
        STAFF: User.objects.create_user("m-staff", role="student", is_staff=True),
    }
    owner = users[OWNER]
    course = services.create_course(owner, title="Matrix course", description="Every role, every URL.")
    services.create_course(users[OTHER], title="Another course", description="Not the owner's.")
    material = services.add_material(
        owner, course, file=SimpleUploadedFile("notes.pdf", PDF, "application/pdf"), title="Notes"
    )
    enrollment = services.enroll(users[ENROLLED], course)
    services.enroll(users[BLOCKED], course)
    block = services.block(owner, course, users[BLOCKED], "Spam")
    feedback, _created = services.save_feedback(users[ENROLLED], course, rating=4, comment="Good")
    notification = Notification.objects.filter(recipient=owner).order_by("id").first()
    announcement = announcements.post_announcement(owner, course, title="Welcome", body="Hello, class.")
    room = Room.objects.create(slug=course.chat_room, title=course.title, created_by=owner)
    message = Message.objects.create(room=room, author=users[ENROLLED], body="hello")
    # A presence row, so that every model in the admin has an object to open.
    Connection.objects.create(
        room_slug=room.slug, user=users[ENROLLED], server_id="matrix", channel_name="matrix-1", seen_at=now()
    )
    return World(
        users=users,
        course=course,
        material=material,
        enrollment=enrollment,
        block=block,
        feedback=feedback,
        notification=notification,
        announcement=announcement,
        room=room,
        message=message,
        token=Token.objects.create(user=owner),
        group=Group.objects.create(name="Matrix group"),
        private_root=private_root,
    )


def _the_lesson(world):
    return {"pk": world.course.pk, "lesson_pk": world.material.lesson.pk}


def _module_of_the_lesson(world):
    return {"pk": world.course.pk, "module_pk": world.material.lesson.module_id}


def _the_api_lesson(world):
    return {"course_pk": world.course.pk, "pk": world.material.lesson.pk}


#: The URL keyword arguments of each parameterised URL, from the world's objects.
KWARGS = {
    "elearning_profiles:detail": lambda w: {"username": w.users[OWNER].username},
    # A link that is not a real one: the page that offers a new link.
    "elearning_users:password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "x-y"},
    "elearning_courses:course_detail": lambda w: {"pk": w.course.pk},
    "elearning_courses:course_update": lambda w: {"pk": w.course.pk},
    "elearning_courses:course_delete": lambda w: {"pk": w.course.pk},
    "elearning_courses:enroll": lambda w: {"pk": w.course.pk},
    "elearning_courses:unenroll": lambda w: {"pk": w.course.pk},
    "elearning_courses:feedback": lambda w: {"pk": w.course.pk},
    "elearning_courses:material_upload": lambda w: {"pk": w.course.pk},
    "elearning_courses:material_download": lambda w: {"pk": w.course.pk, "material_pk": w.material.pk},
    "elearning_courses:material_delete": lambda w: {"pk": w.course.pk, "material_pk": w.material.pk},
    # services.add_material made the material a file lesson of a module "Materials".
    "elearning_courses:course_content": lambda w: {"pk": w.course.pk},
    "elearning_courses:content_reorder": lambda w: {"pk": w.course.pk},
    "elearning_courses:module_create": lambda w: {"pk": w.course.pk},
    "elearning_courses:module_update": _module_of_the_lesson,
    "elearning_courses:module_delete": _module_of_the_lesson,
    "elearning_courses:module_move": _module_of_the_lesson,
    "elearning_courses:lesson_create": _module_of_the_lesson,
    "elearning_courses:lesson_detail": _the_lesson,
    "elearning_courses:lesson_update": _the_lesson,
    "elearning_courses:lesson_delete": _the_lesson,
    "elearning_courses:lesson_move": _the_lesson,
    "elearning_courses:lesson_media": _the_lesson,
    "elearning_courses:lesson_complete": _the_lesson,
    "elearning_courses:progress": lambda w: {"pk": w.course.pk},
    "elearning_courses:analytics": lambda w: {"pk": w.course.pk},
    "elearning_courses:analytics_csv": lambda w: {"pk": w.course.pk, "chart": "enrollments"},
    "elearning_courses_api:course-analytics": lambda w: {"course_pk": w.course.pk},
    "elearning_courses:progress_csv": lambda w: {"pk": w.course.pk},
    "elearning_courses:announcement_create": lambda w: {"pk": w.course.pk},
    "elearning_courses:announcement_delete": lambda w: {
        "pk": w.course.pk,
        "announcement_pk": w.announcement.pk,
    },
    "elearning_courses:students": lambda w: {"pk": w.course.pk},
    "elearning_courses:block": lambda w: {"pk": w.course.pk, "student_pk": w.users[ENROLLED].pk},
    "elearning_courses:blocked": lambda w: {"pk": w.course.pk},
    "elearning_courses:unblock": lambda w: {"pk": w.course.pk, "student_pk": w.users[BLOCKED].pk},
    "elearning_courses:notification_open": lambda w: {"pk": w.notification.pk},
    "elearning_courses:notification_read": lambda w: {"pk": w.notification.pk},
    "elearning_chat:room": lambda w: {"room": w.course_room},
    "elearning_users_api:user-detail": lambda w: {"pk": w.users[ENROLLED].pk},
    "elearning_courses_api:course-detail": lambda w: {"pk": w.course.pk},
    "elearning_courses_api:course-materials": lambda w: {"pk": w.course.pk},
    "elearning_courses_api:course-material-download": lambda w: {
        "pk": w.course.pk,
        "material_pk": w.material.pk,
    },
    "elearning_courses_api:course-reorder": lambda w: {"pk": w.course.pk},
    "elearning_courses_api:course-progress": lambda w: {"pk": w.course.pk},
    "elearning_courses_api:course-progress-students": lambda w: {"pk": w.course.pk},
    "elearning_courses_api:course-module-list": lambda w: {"course_pk": w.course.pk},
    "elearning_courses_api:course-module-detail": lambda w: {
        "course_pk": w.course.pk,
        "pk": w.material.lesson.module_id,
    },
    "elearning_courses_api:course-lesson-list": lambda w: {"course_pk": w.course.pk},
    "elearning_courses_api:course-lesson-detail": _the_api_lesson,
    "elearning_courses_api:course-lesson-complete": _the_api_lesson,
    "elearning_courses_api:course-lesson-media": _the_api_lesson,
    "elearning_courses_api:course-announcement-list": lambda w: {"course_pk": w.course.pk},
    "elearning_courses_api:course-announcement-detail": lambda w: {
        "course_pk": w.course.pk,
        "pk": w.announcement.pk,
    },
    "elearning_courses_api:enrollment-detail": lambda w: {"pk": w.enrollment.pk},
    "elearning_courses_api:feedback-detail": lambda w: {"pk": w.feedback.pk},
    "elearning_courses_api:block-detail": lambda w: {"pk": w.block.pk},
    "elearning_courses_api:notification-detail": lambda w: {"pk": w.notification.pk},
    "elearning_courses_api:notification-read": lambda w: {"pk": w.notification.pk},
    "elearning_chat_api:message-list": lambda w: {"slug": w.course_room},
    "elearning_chat_api:member-list": lambda w: {"slug": w.course_room},
}

#: Paths of the unnamed patterns.
UNNAMED_PATHS = {
    "favicon.ico": "/favicon.ico",
    "^media/(?P<path>.*)$": "/media/nothing-here.png",
}

#: What a POST, PUT or PATCH sends: a request that would succeed for a role allowed to
#: make it, so that a refusal is the access control's and not a validation error.
BODIES = {
    "elearning_users:signup": lambda w: {},
    "elearning_courses:course_create": lambda w: {"title": "New", "description": "A new course."},
    "elearning_courses:course_update": lambda w: {"title": "Renamed", "description": "Changed."},
    "elearning_courses:feedback": lambda w: {"rating": 5, "comment": "Great"},
    "elearning_courses:block": lambda w: {"reason": "Off topic"},
    "elearning_courses:material_upload": lambda w: {
        "title": "More",
        "file": SimpleUploadedFile("more.pdf", PDF, "application/pdf"),
    },
    "elearning_courses:module_create": lambda w: {"title": "Week 2"},
    "elearning_courses:module_update": lambda w: {"title": "Renamed"},
    "elearning_courses:module_move": lambda w: {"direction": "up"},
    "elearning_courses:lesson_create": lambda w: {"kind": "text", "title": "Read me", "text": "Hello"},
    "elearning_courses:lesson_update": lambda w: {"title": "Renamed"},
    "elearning_courses:lesson_move": lambda w: {"direction": "up"},
    "elearning_courses:lesson_complete": lambda w: {"action": "complete"},
    "elearning_courses:announcement_create": lambda w: {"title": "Exam", "body": "On **Friday**."},
    "elearning_users_api:user-me": lambda w: {"first_name": "Ann"},
    "elearning_courses_api:course-list": lambda w: {"title": "API course", "description": "x"},
    "elearning_courses_api:course-detail": lambda w: {"title": "Renamed", "description": "Changed."},
    "elearning_courses_api:course-materials": lambda w: {
        "title": "More",
        "file": SimpleUploadedFile("more.pdf", PDF, "application/pdf"),
    },
    "elearning_courses_api:course-reorder": lambda w: {"modules": [w.material.lesson.module_id]},
    "elearning_courses_api:course-module-list": lambda w: {"title": "Week 2"},
    "elearning_courses_api:course-module-detail": lambda w: {"title": "Renamed"},
    "elearning_courses_api:course-lesson-list": lambda w: {
        "module": w.material.lesson.module_id,
        "kind": "text",
        "title": "Read me",
        "text": "Hello",
    },
    "elearning_courses_api:course-lesson-detail": lambda w: {
        "module": w.material.lesson.module_id,
        "kind": "file",
        "title": "Renamed",
    },
    "elearning_courses_api:course-announcement-list": lambda w: {"title": "Exam", "body": "On Friday."},
    "elearning_courses_api:enrollment-list": lambda w: {"course": w.course.pk},
    "elearning_courses_api:feedback-list": lambda w: {"course": w.course.pk, "rating": 3},
    "elearning_courses_api:feedback-detail": lambda w: {"course": w.course.pk, "rating": 2},
    "elearning_courses_api:block-list": lambda w: {"course": w.course.pk, "student": w.users[ENROLLED].pk},
}
MULTIPART = {"elearning_courses:material_upload", "elearning_courses_api:course-materials"}


#: The query string of URLs that answer what they are asked.
QUERIES = {
    "elearning_courses:search": lambda w: {"q": w.course.title},
    "elearning_courses_api:search": lambda w: {"q": w.course.title},
}


def url_of(key, route, world):
    if key in UNNAMED_PATHS:
        return UNNAMED_PATHS[key]
    if is_admin(key, route):
        return admin_url(key, route, world)
    url = reverse(key, kwargs=KWARGS[key](world) if key in KWARGS else None)
    return f"{url}?{urlencode(QUERIES[key](world))}" if key in QUERIES else url


def admin_url(key, route, world):
    kind = admin_kind(key)
    if kind == "catch_all":
        return "/admin/no-such-page/"
    if kind == "model_legacy_change":  # admin/<app>/<model>/<path:object_id>/
        _admin, app_label, model_name, _rest = route.split("/", 3)
        return (
            f"/admin/{app_label}/{model_name}/{admin_object_id(f'admin:{app_label}_{model_name}_', world)}/"
        )
    if kind == "app_list":
        return reverse(key, kwargs={"app_label": "elearning_courses"})
    if kind == "view_on_site":
        return reverse(key, args=[1, 1])
    if kind in ("model_change", "model_delete", "model_history", "user_password_change"):
        return reverse(key, args=[admin_object_id(key, world)])
    return reverse(key)


def admin_model(key):
    for prefix, model in admin_model_prefixes().items():
        if key.startswith(prefix):
            return model
    return None


def admin_object_id(key, world):
    model = admin_model(key)
    if model is None:
        return world.users[STUDENT].pk  # the user admin's password change
    obj = model._default_manager.order_by("pk").first()
    return obj.pk if obj is not None else 1


# -- making the requests -----------------------------------------------------------------


def role_clients(world):
    clients = {ANON: Client()}
    for role, user in world.users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return clients


#: The exceptions behind the 500s of the last run, for the failure message.
CRASHES = []


def request(client, method, url, body, multipart):
    """One request in a savepoint rolled back after it; returns the status (500 for an
    exception, so that the table lists it)."""
    cookies = SimpleCookie()
    cookies.load(client.cookies.output(header="", sep=";"))
    caches["default"].clear()
    try:
        with transaction.atomic():
            response = send(
                client, method, url, body() if method in ("POST", "PUT", "PATCH") else None, multipart
            )
            transaction.set_rollback(True)
    except Exception as exc:  # noqa: BLE001 - a crash is a cell of the report, not the end of it
        CRASHES.append(f"{method} {url}: {exc!r}")
        return 500
    finally:
        client.cookies = cookies
    return response.status_code


def send(client, method, url, data, multipart):
    if data is None:
        return client.generic(method, url)
    if method == "POST" and (multipart or not url.startswith("/api/")):
        return client.post(url, data)  # a form, as a browser sends it
    plain = {k: v for k, v in data.items() if not hasattr(v, "read")}
    if url.startswith("/api/"):
        return client.generic(method, url, json.dumps(plain), content_type="application/json")
    return client.generic(method, url, urlencode(plain), content_type="application/x-www-form-urlencoded")


def observe(key, route, world, clients, methods=METHODS):
    """``{role: {method: status}}`` of one URL, as the site answers today."""
    url = url_of(key, route, world)
    make_body = BODIES.get(key, lambda w: {})
    body = lambda: make_body(world)  # noqa: E731 - a fresh upload for every request
    return {
        role: {m: request(clients[role], m, url, body, key in MULTIPART) for m in methods} for role in ROLES
    }


def expected(key, route):
    if is_admin(key, route):
        kind = admin_kind(key)
        if kind == "model_history" and admin_model(key)._default_manager.first() is None:
            kind = "model_history_missing"
        return expand(ADMIN_MATRIX[kind])
    return expand(MATRIX[key])


# -- the tests ---------------------------------------------------------------------------

SITE_URLS = site_urls()


def test_every_url_is_classified():
    """A URL pattern with no row fails here: adding a URL forces saying who may use it."""
    unclassified = [
        key
        for key, route, _pattern in SITE_URLS
        if not (admin_kind(key) in ADMIN_MATRIX if is_admin(key, route) else key in MATRIX)
    ]
    assert not unclassified, f"add these URLs to MATRIX (or ADMIN_MATRIX): {unclassified}"
    stale = set(MATRIX) - OPTIONAL - {key for key, _route, _pattern in SITE_URLS}
    assert not stale, f"rows of URLs that no longer exist: {stale}"
    for row in [*MATRIX.values(), *ADMIN_MATRIX.values()]:
        expand(row)  # every row parses and names every role and method
    missing = [
        k for k, route, p in SITE_URLS if p.pattern.converters and not is_admin(k, route) and k not in KWARGS
    ]
    assert not missing, f"give these URLs real objects in KWARGS: {missing}"


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for every URL (built once, rolled back at the end)."""
    from django.test.utils import override_settings

    private = tmp_path_factory.mktemp("private")
    with django_db_blocker.unblock(), override_settings(PRIVATE_MEDIA_ROOT=private):
        with transaction.atomic():
            world = make_world(private)
            world.clients = role_clients(world)
            yield world
            transaction.set_rollback(True)


@pytest.mark.django_db
class TestHTTP:
    @pytest.mark.parametrize(
        ("key", "route"), [(k, r) for k, r, _p in SITE_URLS], ids=[k for k, _r, _p in SITE_URLS]
    )
    def test_url(self, world, key, route, settings):
        settings.PRIVATE_MEDIA_ROOT = world.private_root
        want = expected(key, route)
        got = observe(key, route, world, world.clients)
        wrong = [
            f"{role} {method}: expected {want[role][method]}, got {got[role][method]}"
            for role in ROLES
            for method in METHODS
            if got[role][method] != want[role][method]
        ]
        assert not wrong, f"{url_of(key, route, world)}\n" + "\n".join(wrong + CRASHES[-5:])


# -- course room aliases ---------------------------------------------------------------

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

#: Spellings of the course's room other than its one name, ``course-<id>``: each is refused
#: for every role (a page or API answer of 403, or 404 where the URL cannot name a room, and
#: a refused handshake), or it would be a second room that a block never reaches.
ALIASES = {
    "leading zero": (lambda pk: f"course-0{pk}", 403),
    "zero padded": (lambda pk: f"course-{pk:04d}", 403),
    "capital": (lambda pk: f"Course-{pk}", 403),
    "upper case": (lambda pk: f"COURSE-{pk}", 403),
    "trailing dash": (lambda pk: f"course-{pk}-", 403),
    "trailing underscore": (lambda pk: f"course-{pk}_", 403),
    "double dash": (lambda pk: f"course--{pk}", 403),
    "trailing slash": (lambda pk: f"course-{pk}/", 404),
    "plus sign": (lambda pk: f"course-+{pk}", 404),
    "decimal": (lambda pk: f"course-{pk}.0", 404),
    "fullwidth digits": (lambda pk: "course-" + str(pk).translate(FULLWIDTH), 404),
    "arabic-indic digits": (lambda pk: "course-" + str(pk).translate(ARABIC_INDIC), 404),
}
ALIAS_URLS = ("/chat/{room}/", "/api/chat/rooms/{room}/messages/", "/api/chat/rooms/{room}/members/")


@pytest.mark.django_db
class TestAliasesHTTP:
    @pytest.mark.parametrize("alias", list(ALIASES))
    def test_alias_is_refused(self, world, alias):
        spelling, status = ALIASES[alias]
        room = spelling(world.course.pk)
        assert room != world.course_room
        wrong = []
        for template in ALIAS_URLS:
            url = quote(template.format(room=room))
            for role in ROLES[1:]:  # anonymous visitors are refused every room (see MATRIX)
                got = request(world.clients[role], "GET", url, None, False)
                if got != status:
                    wrong.append(f"{role} GET {url}: expected {status}, got {got}")
        assert not wrong, "\n".join(wrong)


# -- WebSockets --------------------------------------------------------------------------

#: Who may open each WebSocket route: True accepted, False handshake refused.
WS_MATRIX = {
    "course room": (
        "/ws/chat/{course_room}/",
        {ANON: False, STUDENT: False, ENROLLED: True, BLOCKED: False, OTHER: False, OWNER: True, STAFF: True},
    ),
    "lobby": ("/ws/chat/lobby/", {ANON: False, "*": True}),
    "notifications": ("/ws/notifications/", {ANON: False, "*": True}),
    "other path": ("/ws/elsewhere/", {"*": False}),
}
#: Each WebSocket route of the site (its pattern) -> the rows that exercise it.
WS_ROUTES = {
    "^ws/chat/(?P<room>[-a-zA-Z0-9_]{1,64})/$": ("course room", "lobby"),
    "ws/notifications/": ("notifications",),
    "": ("other path",),
}


def websocket_routes():
    """The patterns of the site's WebSocket ``URLRouter`` (under its middleware)."""
    from example_project.asgi import application

    app = application.application_mapping["websocket"]
    while not hasattr(app, "routes"):
        app = getattr(app, "application", None) or app.inner
    return [str(route.pattern) for route in app.routes]


def test_every_websocket_route_is_classified():
    routes = websocket_routes()
    assert set(routes) == set(WS_ROUTES), f"classify these WebSocket routes in WS_ROUTES: {routes}"


@pytest.fixture
def ws_layer(settings):
    """The site's channel layer, with a per-run prefix on Redis (runs share the server)."""
    from channels.layers import channel_layers

    layer = dict(django_settings.CHANNEL_LAYERS["default"])
    if os.environ.get("REDIS_URL"):
        layer["CONFIG"] = {**layer["CONFIG"], "prefix": f"elearning-matrix-{os.getpid()}"}
    settings.CHANNEL_LAYERS = {"default": layer}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def ws_world(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    world = await database_sync_to_async(make_world)(tmp_path)
    world.clients = await database_sync_to_async(role_clients)(world)
    return world


async def ws_opens(world, role, path):
    """Whether the site accepts ``role``'s handshake on ``path``."""
    from example_project.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    cookie = world.clients[role].cookies.get(django_settings.SESSION_COOKIE_NAME)
    if cookie is not None:
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie.value}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await communicator.connect(timeout=10)
    if connected:
        await communicator.disconnect()
    return connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("row", list(WS_MATRIX))
async def test_websocket(row, ws_layer, tmp_path, settings):
    world = await ws_world(tmp_path, settings)
    path, by_role = WS_MATRIX[row]
    path = path.format(course_room=world.course_room)
    want = {role: by_role.get(role, by_role.get("*")) for role in ROLES}
    got = {role: await ws_opens(world, role, path) for role in ROLES}
    assert got == want


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("alias", list(ALIASES))
async def test_websocket_alias_is_refused(alias, ws_layer, tmp_path, settings):
    world = await ws_world(tmp_path, settings)
    room = ALIASES[alias][0](world.course.pk)
    assert await ws_opens(world, OWNER, f"/ws/chat/{world.course_room}/")  # the one name opens
    opened = [role for role in ROLES if await ws_opens(world, role, f"/ws/chat/{room}/")]
    assert opened == []

"""The demo's German catalogue (``locale/de``, read through ``LOCALE_PATHS``): complete, the
committed ``.mo`` compiled from the ``.po``, and used by the demo's own pages (layout, home,
error pages), which a browser asking for German gets with no text of the demo in English.
The apps' texts on these pages are their own catalogues' business (their tests)."""

import gettext
import html
import json
import re
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from example_project.faults import database_unavailable_response

LOCALE = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES"
# The apps' build compiles their catalogues with these two functions (read_po, write_mo).
BUILD = runpy.run_path(
    str(Path(settings.BASE_DIR).parent / "packages" / "django-elearning-users" / "setup.py")
)

pytestmark = pytest.mark.django_db


def catalogue():
    """{English: German} of the translated entries of the ``.po`` (the header left out)."""
    return {english: german for english, german in BUILD["read_po"](LOCALE / "django.po").items() if english}


def test_the_settings_read_the_demo_catalogue():
    assert LOCALE.parent.parent in [Path(path) for path in settings.LOCALE_PATHS]


def test_catalogue_is_complete():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    assert '"Language: de\\n"' in po
    entries = len(re.findall(r"^msgid ", po, re.M)) - 1  # the header is one
    assert entries > 0
    assert len(catalogue()) == entries, "untranslated entries in the demo's catalogue"


def test_the_demo_never_retranslates_an_app_text():
    # LOCALE_PATHS come first: a text of the demo that an app also has would change the
    # app's pages too, so where both have it, they must say the same.
    apps = Path(settings.BASE_DIR).parent / "packages"
    demo = catalogue()
    catalogues = sorted(apps.glob("*/src/*/locale/de/LC_MESSAGES/django.po"))
    assert len(catalogues) == 3  # users, courses, chat
    for po in catalogues:
        app = BUILD["read_po"](po)
        assert {k: v for k, v in demo.items() if app.get(k, v) != v} == {}, po


def messages_of(mo):
    with open(mo, "rb") as f:
        return {key: value for key, value in gettext.GNUTranslations(f)._catalog.items() if key != ""}


def test_committed_mo_is_the_compiled_po(tmp_path):
    BUILD["write_mo"](BUILD["read_po"](LOCALE / "django.po"), tmp_path / "django.mo")
    assert messages_of(LOCALE / "django.mo") == messages_of(tmp_path / "django.mo"), (
        "django.mo is older than django.po: run `django-admin compilemessages` in example_project/"
    )


def english_left(page):
    """The demo's English texts (whole phrases of two words or more) that ``page`` shows."""
    text = html.unescape(page)
    left = []
    for english, german in catalogue().items():
        for phrase in re.split(r"%\(\w+\)s", english):
            phrase = phrase.strip(" .,:;!?")
            if " " in phrase and phrase not in german and phrase in text:
                left.append(phrase)
    return left


def in_german(response, status=200):
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="de"' in page
    assert not english_left(page), english_left(page)
    return page


@pytest.fixture
def german():
    return Client(HTTP_ACCEPT_LANGUAGE="de", raise_request_exception=False)


def make(username, role, **extra):
    return get_user_model().objects.create_user(username, password="x-Long-pass-1", role=role, **extra)


def test_home_for_a_visitor_with_and_without_courses(german):
    page = in_german(german.get("/"))
    assert "Gemeinsam lernen und lehren." in page
    assert "Noch keine Kurse" in page  # the empty state
    assert "Demo-Website von django-elearning" in page
    assert "Startseite · E-Learning" in page  # the title

    from elearning_courses.models import Course

    Course.objects.create(teacher=make("tina", "teacher"), title="Algebra")
    page = in_german(german.get("/"))
    assert "Neueste Kurse" in page and "Alle Kurse ansehen" in page


@pytest.mark.parametrize(
    ("role", "staff", "expected"),
    [
        ("student", False, ["Ihre Kurse", "Finden Sie einen Kurs"]),
        ("teacher", True, ["Kurse, die Sie unterrichten", "Auswertung der Kurse", "Verwaltung"]),
    ],
)
def test_home_and_layout_for_a_member(german, role, staff, expected):
    user = make("kim", role, is_staff=staff, date_joined=timezone.now() - timedelta(days=1))
    german.force_login(user)  # not the account's first session: "Welcome back"
    page = in_german(german.get("/"))
    for text in [*expected, "Willkommen zurück, kim", "Öffentliches Profil", "Neueste Benachrichtigungen"]:
        assert text in page


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.test_site_pages"  # the site's URLs and two failing views


def test_error_pages(production, german):
    assert "Seite nicht gefunden" in in_german(german.get("/courses/9999/"), 404)
    assert "Sie können diese Seite nicht öffnen" in in_german(german.get("/forbidden/"), 403)
    assert "Etwas ist schiefgelaufen" in in_german(german.get("/boom/"), 500)


def test_the_database_unavailable_page_and_answer():
    request = RequestFactory().get("/courses/")
    with translation.override("de"):
        page = in_german(database_unavailable_response(request, OperationalError()), 503)
        api = database_unavailable_response(RequestFactory().get("/api/courses/"), OperationalError())
    assert "Vorübergehend nicht verfügbar" in page
    assert json.loads(api.content)["detail"].startswith("Der Dienst ist vorübergehend nicht verfügbar.")

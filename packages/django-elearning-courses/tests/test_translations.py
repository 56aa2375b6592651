"""The German catalogue (elearning_courses's ``locale/de``): complete, compiled from the ``.po`` into
the ``.mo`` Django reads, and used by every page: rendered in German, a page shows no message
of ours in English, and its dates and numbers in the German formats."""

import datetime
import gettext
import html
import importlib
import re
import runpy
from pathlib import Path

import pytest

APP = "elearning_courses"
LOCALE = Path(importlib.import_module(APP).__file__).parent / "locale" / "de" / "LC_MESSAGES"
# The build's own catalogue compiler (read_po, write_mo), as the wheel and the editable install use it.
BUILD = runpy.run_path(str(Path(__file__).resolve().parents[1] / "setup.py"))


def catalogue():
    """{English: German} of every entry (a plural entry gives its forms joined by NUL)."""
    return {key: value for key, value in BUILD["read_po"](LOCALE / "django.po").items() if key}


def test_catalogue_is_complete():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    assert '"Language: de\\n"' in po
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in po
    entries = len(re.findall(r"^msgid ", po, re.M)) - 1  # the header is one
    assert entries > 0
    # read_po leaves out every entry with an empty msgstr (or an empty plural form).
    assert len(catalogue()) == entries, "untranslated entries in the catalogue"


def compiled(mo):
    """What a .mo file gives gettext: its messages and plural rule (the header's dates aside)."""
    with open(mo, "rb") as f:
        translations = gettext.GNUTranslations(f)
    messages = {key: value for key, value in translations._catalog.items() if key != ""}
    return messages, translations.info()["plural-forms"]


def test_shipped_mo_is_the_compiled_po(tmp_path):
    BUILD["write_mo"](BUILD["read_po"](LOCALE / "django.po"), tmp_path / "django.mo")
    assert compiled(LOCALE / "django.mo") == compiled(tmp_path / "django.mo"), (
        "django.mo is older than django.po: reinstall the package (pip install -e) to compile it"
    )


def english_left(page):
    """The English messages of ours that ``page`` (HTML) still shows."""
    text = html.unescape(page)
    left = set()
    for english, german in catalogue().items():
        german = html.unescape(german)
        for form in english.split("\0"):
            # The placeholders split a message into the phrases a page shows as they are.
            for phrase in re.split(r"%\(\w+\)[sd]", html.unescape(form)):
                phrase = phrase.strip(" .,:;!?…")
                if " " in phrase and len(phrase) >= 8 and phrase not in german and phrase in text:
                    left.add(phrase)
    return sorted(left)


@pytest.fixture
def german(settings):
    settings.LANGUAGE_CODE = "de"
    settings.LANGUAGES = [("de", "Deutsch"), ("en", "English")]


def assert_german(response):
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    assert not english_left(page), english_left(page)
    return page


@pytest.fixture
def taught(course, owner, enrolled, make_user, material):
    """The course with a material, two ratings (4 and 5) and a blocked student, made in 2024."""
    from elearning_courses.models import Course, CourseBlock, Enrollment, Feedback

    Course.objects.filter(pk=course.pk).update(
        created_at=datetime.datetime(2024, 3, 5, 12, tzinfo=datetime.UTC)
    )
    other = make_user("zweite", "student")
    Enrollment.objects.create(student=other, course=course)
    Feedback.objects.create(student=enrolled, course=course, rating=4, comment="Gut")
    Feedback.objects.create(student=other, course=course, rating=5, comment="Sehr gut")
    CourseBlock.objects.create(student=make_user("gesperrt", "student"), course=course, reason="Spam")
    return course


@pytest.mark.django_db
class TestPagesInGerman:
    def test_the_check_finds_english(self, client, taught):
        assert "Search courses" in english_left(client.get("/courses/").content.decode())

    def test_catalog(self, client, german, taught):
        page = assert_german(client.get("/courses/"))
        assert "Kurse durchsuchen" in page
        assert "4,5" in page  # the average rating, with a decimal comma

    def test_course_page_for_its_student(self, client, german, taught, enrolled):
        client.force_login(enrolled)
        page = assert_german(client.get(f"/courses/{taught.pk}/"))
        assert "Erstellt am 5. März 2024" in page
        assert "Mit 4,5 von 5 bewertet" in page
        assert "Sie sind in diesen Kurs eingeschrieben." in page

    def test_student_pages(self, client, german, taught, enrolled):
        client.force_login(enrolled)
        assert "Meine Kurse" in assert_german(client.get("/courses/mine/"))
        page = assert_german(client.get("/notifications/"))
        assert "Neues Material in Django basics: Week 1 notes." in page
        assert "gerade eben" in page

    def test_teacher_pages(self, client, german, taught, owner):
        client.force_login(owner)
        assert "Kurs bearbeiten" in assert_german(client.get(f"/courses/{taught.pk}/"))
        assert "Eingeschriebene Teilnehmende" in assert_german(client.get(f"/courses/{taught.pk}/students/"))
        assert "Gesperrt am" in assert_german(client.get(f"/courses/{taught.pk}/blocked/"))
        assert "Kurs anlegen" in assert_german(client.get("/courses/new/"))
        assert "Material hochladen" in assert_german(client.get(f"/courses/{taught.pk}/materials/new/"))
        assert "zweite hat sich in Django basics eingeschrieben." in assert_german(
            client.get("/notifications/")
        )

    def test_forbidden_page(self, client, german, taught, student):
        client.force_login(student)
        response = client.get(f"/courses/{taught.pk}/students/")
        assert response.status_code == 403
        assert not english_left(response.content.decode())

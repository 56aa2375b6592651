"""The German catalogue (elearning_users's ``locale/de``): complete, compiled from the ``.po`` into
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

APP = "elearning_users"
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


@pytest.mark.django_db
class TestPagesInGerman:
    def test_the_check_finds_english(self, client):
        assert "Create an account" in english_left(client.get("/accounts/login/").content.decode())

    def test_login_and_signup(self, client, german):
        page = assert_german(client.get("/accounts/login/"))
        assert "Neu hier?" in page
        assert '<html lang="de">' in page  # chat.js and the browser read the page's language here
        assert "Konto anlegen" in assert_german(client.get("/accounts/signup/"))

    def test_profile_and_password(self, client, german, student):
        client.force_login(student)
        assert "Profil speichern" in assert_german(client.get("/accounts/profile/"))
        assert "Passwort ändern" in assert_german(client.get("/accounts/password/"))

    def test_public_profile_date(self, client, german, teacher):
        teacher.date_joined = datetime.datetime(2024, 3, 5, 12, tzinfo=datetime.UTC)
        teacher.save()
        page = assert_german(client.get(f"/users/{teacher.username}/"))
        assert "Mitglied seit März 2024" in page
        assert "Lehrkraft" in page

    def test_ago(self, german):
        from django.utils import timezone, translation

        from elearning_users.templatetags.elearning_users_time import ago

        now = timezone.now()
        with translation.override("de"):
            assert ago(now, now) == "gerade eben"
            assert (
                ago(now - datetime.timedelta(days=5), now) == "5\xa0Tage her"
            )  # timesince joins with a no-break space

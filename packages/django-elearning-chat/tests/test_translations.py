"""The German catalogue (elearning_chat's ``locale/de``): complete, compiled from the ``.po`` into
the ``.mo`` Django reads, and used by every page: rendered in German, a page shows no message
of ours in English, and its dates and numbers in the German formats."""

import datetime
import gettext
import html
import importlib
import json
import re
import runpy
from pathlib import Path

import pytest
from django.utils import timezone

APP = "elearning_chat"
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
    @pytest.fixture
    def anna(self, make_user):
        from elearning_chat.models import Message, Room

        anna, ben = make_user("anna"), make_user("ben")
        lobby = Room.objects.create(slug="lobby", title="Lobby")
        message = Message.objects.create(room=lobby, author=ben, body="Hallo")
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
        return anna

    def test_the_check_finds_english(self, client, anna):
        client.force_login(anna)
        assert "Rooms you can join" in english_left(client.get("/chat/").content.decode())

    def test_room_list(self, client, german, anna):
        client.force_login(anna)
        page = assert_german(client.get("/chat/"))
        assert "Räume, denen Sie beitreten können" in page
        assert "3\xa0Tage her" in page

    def test_room_and_its_client_texts(self, client, german, anna):
        client.force_login(anna)
        response = client.get("/chat/lobby/")
        page = assert_german(response)
        assert "Nachricht schreiben…" in page
        assert '<html lang="de">' in page  # chat.js writes dates in this language
        strings = response.context["chat_config"]["strings"]
        assert strings["connecting"] == "Verbindung wird hergestellt…"
        assert strings["typing_one"] == "%(name)s schreibt…"
        assert not english_left(json.dumps(strings, ensure_ascii=False))

    def test_closed_room(self, client, german, make_user, settings):
        settings.ELEARNING_CHAT = {"ROOM_POLICY": "tests.policies.RevocablePolicy"}
        client.force_login(make_user("carl"))
        response = client.get("/chat/closed-x/")
        assert response.status_code == 403
        assert "Sie können diesem Raum nicht beitreten" in response.content.decode()
        assert not english_left(response.content.decode())

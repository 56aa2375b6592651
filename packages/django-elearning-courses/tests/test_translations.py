"""The German catalogue (elearning_courses's ``locale/de``): complete, compiled from the ``.po`` into
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

from .analytics_fixtures import *  # noqa: F403  (the class_data fixture)
from .analytics_fixtures import week_start

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
    def test_the_check_finds_english(self, client, taught, owner):
        assert "Search courses" in english_left(client.get("/courses/").content.decode())
        client.force_login(owner)
        assert "Modules and lessons" in english_left(
            client.get(f"/courses/{taught.pk}/content/").content.decode()
        )

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


@pytest.fixture
def subject(db):
    from elearning_courses.models import Subject

    return Subject.objects.create(name="Mathematik", slug="mathematik")


@pytest.fixture
def content(taught, subject, enrolled, owner):
    """The course, in a subject, with a published module holding a lesson of every kind
    (and a draft lesson), a draft module, six announcements, and its enrolled student
    part-way through (one lesson complete, the last one opened)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from elearning_courses.models import (
        Announcement,
        CourseMaterial,
        Enrollment,
        Lesson,
        LessonCompletion,
        Module,
    )

    from .conftest import PDF_BYTES
    from .content_fixtures import WEBM, png_upload

    taught.subject = subject
    taught.save(update_fields=["subject"])
    module = Module.objects.create(course=taught, title="Grundlagen", description="Der Anfang.", position=0)
    Module.objects.create(course=taught, title="Vertiefung", position=1, is_published=False)

    def material(title, upload):
        return CourseMaterial.objects.create(
            course=taught,
            title=title,
            file=upload,
            original_name=upload.name,
            size=upload.size,
            content_type=upload.content_type,
        )

    lessons = {
        "text": Lesson(title="Willkommen", text="# Hallo\n\nSchön, dass Sie da sind."),
        "video": Lesson(
            title="Einführungsvideo",
            material=material("Video", SimpleUploadedFile("a.webm", WEBM, "video/webm")),
        ),
        "embed": Lesson(title="Vortrag", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        "image": Lesson(title="Diagramm", material=material("Bild", png_upload())),
        "file": Lesson(
            title="Skript",
            material=material("Skript", SimpleUploadedFile("s.pdf", PDF_BYTES, "application/pdf")),
        ),
        "link": Lesson(title="Dokumentation", url="https://example.com/docs"),
    }
    for position, (kind, lesson) in enumerate(lessons.items()):
        lesson.module, lesson.kind, lesson.position = module, kind, position
        lesson.save()
    lessons["draft"] = Lesson.objects.create(
        module=module, kind="text", title="Bald", text="Noch nicht fertig.", position=9, is_published=False
    )
    LessonCompletion.objects.create(student=enrolled, lesson=lessons["text"], course=taught)
    Enrollment.objects.filter(student=enrolled, course=taught).update(
        last_lesson=lessons["video"], last_visited_at=datetime.datetime(2024, 3, 6, 9, tzinfo=datetime.UTC)
    )
    for number in range(6):
        Announcement.objects.create(
            course=taught, author=owner, title=f"Hinweis {number}", body="**Wichtig**"
        )
    return lessons


def lesson_page(lesson):
    return f"/courses/{lesson.course_id}/lessons/{lesson.pk}/"


@pytest.mark.django_db
class TestContentPagesInGerman:
    @pytest.mark.parametrize("kind", ["text", "video", "embed", "image", "file", "link"])
    def test_lesson_page_of_each_kind(self, client, german, content, enrolled, kind):
        client.force_login(enrolled)
        page = assert_german(client.get(lesson_page(content[kind])))
        assert "Vorherige Lektion:" in page or "Nächste Lektion:" in page
        expected = {
            "text": "Schön, dass Sie da sind.",
            "video": "Ihr Browser kann dieses Video nicht abspielen.",
            "embed": "Video auf seiner Website öffnen",
            "image": "Diagramm",
            "file": "Herunterladen",
            "link": "öffnet sich in einem neuen Tab",
        }[kind]
        assert expected in page
        assert ("Erledigt ✓" if kind == "text" else "Als erledigt markieren") in page

    def test_a_draft_lesson_for_its_teacher(self, client, german, content, owner):
        client.force_login(owner)
        page = assert_german(client.get(lesson_page(content["draft"])))
        assert "Entwurf: für Teilnehmende nicht sichtbar" in page
        assert "Lektion bearbeiten" in page

    def test_course_page_for_its_student(self, client, german, content, enrolled, taught):
        client.force_login(enrolled)
        page = assert_german(client.get(f"/courses/{taught.pk}/"))
        assert "Ihr Fortschritt" in page
        assert "1 von 6 Lektionen · 16 %" in page  # the percentage rounded down
        assert "Dort weitermachen, wo Sie aufgehört haben" in page
        assert "Zuletzt geöffnet: Einführungsvideo" in page
        assert "Die 5 neuesten von 6 Ankündigungen werden angezeigt." in page
        assert "Mathematik" in page
        assert "Bald" not in page  # the draft lesson

    def test_course_page_before_enrolling(self, client, german, content, student, taught):
        client.force_login(student)
        page = assert_german(client.get(f"/courses/{taught.pk}/"))
        assert "Schreiben Sie sich ein, um die Lektionen zu öffnen." in page
        client.logout()
        assert "Melden Sie sich an und schreiben Sie sich ein" in assert_german(
            client.get(f"/courses/{taught.pk}/")
        )

    def test_course_page_for_its_teacher(self, client, german, content, owner, taught):
        client.force_login(owner)
        page = assert_german(client.get(f"/courses/{taught.pk}/"))
        assert "Ankündigung veröffentlichen" in page
        assert "Inhalt bearbeiten" in page
        assert "Vertiefung" in page  # the draft module, for its teacher

    def test_draft_course_page(self, client, german, content, owner, taught):
        type(taught).objects.filter(pk=taught.pk).update(is_published=False)
        client.force_login(owner)
        page = assert_german(client.get(f"/courses/{taught.pk}/"))
        assert "Dieser Kurs ist ein Entwurf: Nur Sie und die Administration sehen ihn." in page

    def test_content_builder(self, client, german, content, owner, taught):
        client.force_login(owner)
        page = assert_german(client.get(f"/courses/{taught.pk}/content/"))
        assert "Module und Lektionen" in page
        assert "Eingebettetes Video hinzufügen" in page
        assert "„Grundlagen“ nach oben verschieben" in page

    def test_empty_content_builder(self, client, german, course, owner):
        client.force_login(owner)
        assert "Noch keine Module" in assert_german(client.get(f"/courses/{course.pk}/content/"))

    def test_module_forms(self, client, german, content, owner, taught):
        client.force_login(owner)
        module = content["text"].module
        assert "Modul hinzufügen" in assert_german(client.get(f"/courses/{taught.pk}/modules/new/"))
        assert "Modul bearbeiten" in assert_german(
            client.get(f"/courses/{taught.pk}/modules/{module.pk}/edit/")
        )
        page = assert_german(client.get(f"/courses/{taught.pk}/modules/{module.pk}/delete/"))
        assert "werden endgültig gelöscht" in page
        page = assert_german(client.post(f"/courses/{taught.pk}/modules/new/", {"title": ""}))
        assert "Dieses Feld ist zwingend erforderlich." in page

    @pytest.mark.parametrize("kind", ["text", "video", "embed", "image", "file", "link"])
    def test_lesson_forms(self, client, german, content, owner, taught, kind):
        client.force_login(owner)
        module = content["text"].module
        new = f"/courses/{taught.pk}/modules/{module.pk}/lessons/new/"
        assert "Welche Art von Lektion?" in assert_german(client.get(new))
        assert "Neue Lektion" in assert_german(client.get(new, {"kind": kind}))
        page = assert_german(client.get(f"{lesson_page(content[kind])}edit/"))
        assert "Lektion bearbeiten" in page
        assert "Fortschritt der Teilnehmenden" in assert_german(
            client.get(f"{lesson_page(content[kind])}delete/")
        )

    def test_lesson_form_errors(self, client, german, content, owner, taught):
        client.force_login(owner)
        module = content["text"].module
        new = f"/courses/{taught.pk}/modules/{module.pk}/lessons/new/?kind=link"
        page = assert_german(
            client.post(new, {"kind": "link", "title": "Verweis", "url": "ftp://example.com"})
        )
        assert "Geben Sie eine Adresse ein, die mit http:// oder https:// beginnt." in page

    def test_progress_table(self, client, german, content, owner, taught):
        client.force_login(owner)
        page = assert_german(client.get(f"/courses/{taught.pk}/progress/"))
        assert "Fortschritt in Django basics" in page
        assert "Erledigte Lektionen" in page
        assert "1 von 6" in page
        assert "Noch nicht" in page  # the student who never opened a lesson

    def test_empty_progress_table(self, client, german, course, owner):
        client.force_login(owner)
        page = assert_german(client.get(f"/courses/{course.pk}/progress/"))
        assert "Hier erscheint der Fortschritt" in page

    def test_announcement_forms(self, client, german, content, owner, taught):
        from elearning_courses.models import Announcement

        client.force_login(owner)
        page = assert_german(client.get(f"/courses/{taught.pk}/announcements/new/"))
        assert "alle Teilnehmenden werden benachrichtigt" in page
        assert "Geben Sie der Ankündigung einen Titel." in assert_german(
            client.post(f"/courses/{taught.pk}/announcements/new/", {"title": "", "body": ""})
        )
        announcement = Announcement.objects.filter(course=taught).first()
        page = assert_german(client.get(f"/courses/{taught.pk}/announcements/{announcement.pk}/delete/"))
        assert f"Die Ankündigung „{announcement.title}“ löschen?" in page

    def test_catalog_with_subject_and_sort(self, client, german, content, subject):
        page = assert_german(client.get("/courses/", {"subject": subject.slug, "sort": "rating"}))
        assert "1 Kurs in Mathematik." in page
        assert "Alle Fachgebiete" in page
        assert "Am besten bewertet" in page
        assert "Sortieren nach" in page

    def test_course_forms(self, client, german, content, owner, taught):
        from .content_fixtures import png_upload

        client.force_login(owner)
        page = assert_german(client.get("/courses/new/"))
        assert "Titelbild" in page
        assert "Entwürfe sehen nur Sie." in page
        type(taught).objects.filter(pk=taught.pk).update(cover="covers/alt.png")
        page = assert_german(client.get(f"/courses/{taught.pk}/edit/"))
        assert "Titelbild entfernen" in page
        assert "Kein Fachgebiet" in page
        data = {
            "title": taught.title,
            "description": "",
            "subject": "",
            "is_published": "on",
            "remove_cover": "on",
        }
        page = assert_german(client.post(f"/courses/{taught.pk}/edit/", {**data, "cover": png_upload()}))
        assert "Laden Sie ein neues Titelbild hoch oder entfernen Sie das Titelbild, nicht beides." in page

    def test_progress_of_my_courses(self, client, german, content, enrolled):
        client.force_login(enrolled)
        assert "1 von 6 Lektionen" in assert_german(client.get("/courses/mine/"))

    def test_flash_messages(self, client, german, content, enrolled, taught):
        client.force_login(enrolled)
        lesson = content["video"]
        response = client.post(f"{lesson_page(lesson)}complete/", {"action": "complete"}, follow=True)
        assert "„Einführungsvideo“ ist als erledigt markiert." in assert_german(response)


@pytest.mark.django_db
def test_lesson_news_in_german_keeps_the_count_first(
    german, content, enrolled, taught, django_capture_on_commit_callbacks
):
    """ "3 neue Lektionen": the count stays first, so a later update can read it and add to it."""
    from django.utils import translation

    from elearning_courses import announcements
    from elearning_courses.models import Lesson, Notification

    module = content["text"].module
    new = [
        Lesson.objects.create(module=module, kind="text", title=f"Neu {n}", position=20 + n) for n in range(3)
    ]
    with translation.override("de"):
        with django_capture_on_commit_callbacks(execute=True):
            announcements.lessons_published(taught, new[:1])
        with django_capture_on_commit_callbacks(execute=True):
            announcements.lessons_published(taught, new[1:])
    messages = list(
        Notification.objects.filter(recipient=enrolled, verb=Notification.Verb.LESSON).values_list(
            "message", flat=True
        )
    )
    assert messages == ["3 neue Lektionen in Django basics"]


# Search inside courses and the analytics pages, in German.

GERMAN_MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()


def chart_data(page):
    """The charts' data the page hands to analytics.js (its json_script element)."""
    start = '<script id="elearning-analytics-data" type="application/json">'
    return json.loads(page.split(start)[1].split("</script>")[0])


@pytest.fixture
def indexed(taught):
    """The course with a module and a lesson about "Grundlagen", in the search index."""
    from elearning_courses.models import Lesson, Module
    from elearning_courses.search import index

    module = Module.objects.create(course=taught, title="Grundlagen", position=0)
    Lesson.objects.create(module=module, title="Willkommen", text="Die Grundlagen von Django.")
    index.rebuild([taught.pk])
    return taught


@pytest.mark.django_db
class TestSearchInGerman:
    def test_results(self, client, german, indexed, enrolled):
        client.force_login(enrolled)
        page = html.unescape(assert_german(client.get("/courses/search/", {"q": "Grundlagen"})))
        assert "<title>Suche: Grundlagen" in page
        assert "Kursinhalte durchsuchen" in page
        assert 'placeholder="Kurse, Lektionen, Materialien"' in page
        assert "„Grundlagen“ in 1 Kurs gefunden." in page
        assert ">Modul</span>" in page and ">Lektion</span>" in page

    def test_too_many_matches(self, client, german, indexed, enrolled, settings):
        settings.ELEARNING_COURSES = {"SEARCH_MAX_MATCHES": 1}  # the module and the lesson match
        client.force_login(enrolled)
        page = html.unescape(assert_german(client.get("/courses/search/", {"q": "Grundlagen"})))
        assert "Mehr als 1 Treffer für „Grundlagen“" in page
        assert "Fügen Sie Wörter hinzu, um Ihre Suche einzugrenzen." in page

    def test_empty_form_no_results_and_errors(self, client, german, indexed):
        page = assert_german(client.get("/courses/search/"))
        assert "Alle Kurse durchsuchen" in page
        assert "Der Text von Lektionen wird in den Kursen durchsucht, die Sie lesen dürfen." in page
        page = assert_german(client.get("/courses/search/", {"q": "Zebrastreifen"}))
        assert "Nichts gefunden" in page
        assert "oder stöbern Sie im Katalog." in page
        page = assert_german(client.get("/courses/search/", {"q": " ".join(["Wort"] * 11)}))
        assert "Die Suche darf höchstens 10 Wörter enthalten." in page

    def test_the_catalog_offers_to_search_inside(self, client, german, indexed):
        page = html.unescape(assert_german(client.get("/courses/", {"q": "Django"})))
        assert "Kursinhalte nach „Django“ durchsuchen" in page


@pytest.mark.django_db
class TestAnalyticsInGerman:
    def test_course_page(self, client, german, class_data, owner):
        client.force_login(owner)
        page = assert_german(client.get(f"/courses/{class_data['course'].pk}/analytics/"))
        assert "<title>Auswertung von Django basics" in page
        assert "Wie die Teilnehmenden vorankommen" in page
        assert "6 eingeschriebene Personen · 3 veröffentlichte Lektionen" in page
        for title in ["Einschreibungen im Zeitverlauf", "Bearbeitungsstand", "Wo Teilnehmende aufhören"]:
            assert title in page
        assert "Durchschnitt: 3,2 von 5 (5 Bewertungen)." in page  # with a decimal comma
        assert "Diese Website hat keinen Chat" in page  # the suite runs without the chat app
        monday = week_start(0)
        assert f'<th scope="row" class="fw-normal">{monday.day}. {GERMAN_MONTHS[monday.month - 1]}' in page
        # The texts analytics.js draws come from the server, in German too.
        data = chart_data(page)
        assert [d["label"] for d in data["enrollments"]["datasets"]] == [
            "Neue Teilnehmende",
            "Teilnehmende insgesamt",
        ]
        assert data["enrollments"]["labels"][-1] == monday.strftime("%d.%m.%Y")
        assert [d["label"] for d in data["dropoff"]["datasets"]] == ["Erledigt", "Dort aufgehört"]
        assert data["ratings"]["labels"] == ["1 Stern", "2 Sterne", "3 Sterne", "4 Sterne", "5 Sterne"]

    def test_course_page_without_students(self, client, german, course, owner):
        client.force_login(owner)
        page = assert_german(client.get(f"/courses/{course.pk}/analytics/"))
        assert "Noch keine Teilnehmenden" in page
        assert "Sobald sich Teilnehmende einschreiben" in page
        assert "Es hat sich noch niemand eingeschrieben." in page
        assert "Der Kurs hat noch keine veröffentlichten Lektionen." in page
        assert "Noch niemand hat den Kurs bewertet." in page

    def test_one_rating(self, client, german, course, owner, enrolled):
        from elearning_courses.models import Feedback

        Feedback.objects.create(student=enrolled, course=course, rating=4)
        client.force_login(owner)
        page = assert_german(client.get(f"/courses/{course.pk}/analytics/"))
        assert "Durchschnitt: 4,0 von 5 (1 Bewertung)." in page

    def test_csv_header(self, client, german, class_data, owner):
        client.force_login(owner)
        response = client.get(f"/courses/{class_data['course'].pk}/analytics/enrollments.csv")
        assert response.status_code == 200
        assert response.content.decode("utf-8").splitlines()[0].lstrip("\ufeff") == (
            "Woche ab,Neue Teilnehmende,Teilnehmende insgesamt"
        )

    def test_overview(self, client, german, taught, make_user):
        client.force_login(make_user("staff", "teacher", is_staff=True))
        page = assert_german(client.get("/courses/analytics/"))
        assert "Auswertung aller Kurse" in page
        assert "1 Kurs, Entwürfe mitgezählt" in page
        for column in ["Abschlussquote", "Durchschnittliche Bewertung", "Chatnachrichten"]:
            assert column in page

    def test_empty_overview(self, client, german, make_user):
        client.force_login(make_user("staff", "teacher", is_staff=True))
        page = assert_german(client.get("/courses/analytics/"))
        assert "Kurse, die Lehrkräfte anlegen, erscheinen hier mit ihren Kennzahlen." in page

    def test_forbidden_pages(self, client, german, course, other_teacher):
        client.force_login(other_teacher)
        for url, message in [
            (f"/courses/{course.pk}/analytics/", "Nur die Lehrkraft des Kurses kann seine Auswertung sehen."),
            ("/courses/analytics/", "Nur die Administration kann die Auswertung aller Kurse sehen."),
        ]:
            response = client.get(url)
            assert response.status_code == 403
            page = response.content.decode()
            assert message in page
            assert not english_left(page), english_left(page)

"""Services of modules and lessons: rules, per-kind checks, files, order, announcements."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from elearning_courses import services
from elearning_courses.models import Course, CourseMaterial, Lesson, Module, Notification

from .content_fixtures import *  # noqa: F403
from .content_fixtures import MP4, WEBM, pdf, png_upload, upload

pytestmark = pytest.mark.django_db


def stored(material):
    return material.file.storage.exists(material.file.name)


class TestModules:
    def test_new_modules_go_last(self, owner, course):
        first = services.create_module(owner, course, title=" Intro ")
        second = services.create_module(owner, course, title="Next", description="More", is_published=False)
        assert (first.title, first.position, first.is_published) == ("Intro", 0, True)
        assert (second.position, second.description, second.is_published) == (1, "More", False)

    @pytest.mark.parametrize("who", ["student", "enrolled", "other_teacher", "anonymous"])
    def test_only_the_owner(self, who, users, course, module, text_lesson):
        user = users[who]
        calls = [
            lambda: services.create_module(user, course, title="X"),
            lambda: services.update_module(user, module, title="X"),
            lambda: services.delete_module(user, module),
            lambda: services.move_module(user, module, "down"),
            lambda: services.create_lesson(user, module, title="X", kind="text", text="x"),
            lambda: services.update_lesson(user, text_lesson, title="X"),
            lambda: services.delete_lesson(user, text_lesson),
            lambda: services.move_lesson(user, text_lesson, "down"),
            lambda: services.reorder_content(user, course, modules=[module.pk]),
        ]
        for call in calls:
            with pytest.raises(PermissionDenied):
                call()
        assert Module.objects.get().title == "Getting started"
        assert Lesson.objects.get().title == "Welcome"

    @pytest.mark.parametrize("title", ["", "   ", "x" * 201])
    def test_title_is_required_and_bounded(self, owner, course, title):
        with pytest.raises(ValidationError) as error:
            services.create_module(owner, course, title=title)
        assert error.value.code == "title"

    def test_publishing_a_module_announces_its_published_lessons_once(self, owner, course, lessons_published):
        module = services.create_module(owner, course, title="Later", is_published=False)
        for title, published in [("A", True), ("B", True), ("C", False)]:
            services.create_lesson(owner, module, title=title, kind="text", text="x", is_published=published)
        assert lessons_published == []
        services.update_module(owner, module, is_published=True)
        assert lessons_published == [["A", "B"]]
        services.update_module(owner, module, title="Renamed")
        assert lessons_published == [["A", "B"]]

    def test_delete_module_deletes_lessons_materials_and_files(
        self, owner, course, module, django_capture_on_commit_callbacks
    ):
        lesson = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        material = lesson.material
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_module(owner, module)
        assert not Lesson.objects.exists()
        assert not CourseMaterial.objects.exists()
        assert not stored(material)


class TestLessonKinds:
    def test_text_needs_text(self, owner, module):
        with pytest.raises(ValidationError) as error:
            services.create_lesson(owner, module, title="T", kind="text", text="  ")
        assert error.value.code == "text"
        lesson = services.create_lesson(owner, module, title="T", kind="text", text="Hi")
        assert (lesson.kind, lesson.text, lesson.url, lesson.material) == ("text", "Hi", "", None)

    def test_unknown_kind(self, owner, module):
        with pytest.raises(ValidationError) as error:
            services.create_lesson(owner, module, title="T", kind="audio")
        assert error.value.code == "kind"

    @pytest.mark.parametrize(
        "name, content, content_type", [("a.webm", WEBM, "video/webm"), ("a.mp4", MP4, "video/mp4")]
    )
    def test_video_upload(self, owner, module, name, content, content_type):
        lesson = services.create_lesson(owner, module, title="Clip", kind="video", file=upload(name, content))
        assert lesson.material.content_type == content_type
        assert lesson.material.size == len(content)
        assert stored(lesson.material)

    @pytest.mark.parametrize(
        "name, content, code",
        [
            ("a.mp4", WEBM, "content"),
            ("a.webm", MP4, "content"),
            ("a.mp4", b"\x00\x00\x00\x18free" + b"x" * 20, "content"),
            ("a.avi", WEBM, "extension"),
            ("a.pdf", b"%PDF-1.4", "extension"),
        ],
    )
    def test_bad_videos(self, owner, module, name, content, code):
        with pytest.raises(ValidationError) as error:
            services.create_lesson(owner, module, title="Clip", kind="video", file=upload(name, content))
        assert error.value.code == code
        assert not Lesson.objects.exists() and not CourseMaterial.objects.exists()

    def test_video_size_limit(self, owner, module, settings):
        settings.ELEARNING_COURSES = {"VIDEO_MAX_BYTES": 100}
        with pytest.raises(ValidationError) as error:
            services.create_lesson(owner, module, title="Clip", kind="video", file=upload("a.webm", WEBM))
        assert error.value.code == "too_large"

    @pytest.mark.parametrize("kind", ["video", "image", "file"])
    def test_upload_kinds_need_a_file(self, owner, module, kind):
        with pytest.raises(ValidationError) as error:
            services.create_lesson(owner, module, title="X", kind=kind)
        assert error.value.code == "file"

    def test_image_is_reencoded_and_scaled(self, owner, module, settings):
        settings.ELEARNING_COURSES = {"LESSON_IMAGE_MAX_SIZE": (20, 20)}
        lesson = services.create_lesson(
            owner, module, title="Diagram", kind="image", file=png_upload((40, 20))
        )
        material = lesson.material
        assert (material.content_type, material.original_name) == ("image/png", "diagram.png")
        from PIL import Image

        with material.file.open("rb") as handle:
            assert Image.open(handle).size == (20, 10)

    def test_image_must_be_an_image(self, owner, module):
        with pytest.raises(ValidationError) as error:
            services.create_lesson(owner, module, title="D", kind="image", file=upload("x.png", b"<svg/>"))
        assert error.value.code == "invalid_image"

    def test_file_is_checked_like_materials(self, owner, module):
        lesson = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        assert lesson.material.content_type == "application/pdf"
        with pytest.raises(ValidationError) as error:
            services.create_lesson(owner, module, title="Bad", kind="file", file=upload("x.html", b"<html>"))
        assert error.value.code == "extension"

    @pytest.mark.parametrize(
        "url",
        [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://vimeo.com/76979871",
        ],
    )
    def test_embed_of_allow_listed_providers(self, owner, module, url):
        lesson = services.create_lesson(owner, module, title="Talk", kind="embed", url=url, text="Notes")
        assert (lesson.url, lesson.text) == (url, "Notes")

    @pytest.mark.parametrize("url", ["https://example.com/video", "", "javascript:alert(1)"])
    def test_embed_refuses_other_addresses(self, owner, module, url):
        with pytest.raises(ValidationError) as error:
            services.create_lesson(owner, module, title="Talk", kind="embed", url=url)
        assert error.value.code == "embed"

    def test_link_is_http_or_https(self, owner, module):
        lesson = services.create_lesson(
            owner, module, title="Docs", kind="link", url="https://docs.djangoproject.com/"
        )
        assert lesson.url == "https://docs.djangoproject.com/"
        for url in [
            "javascript:alert(1)",
            "ftp://example.com/x",
            "example.com",
            "https://" + "x" * 500 + ".com",
        ]:
            with pytest.raises(ValidationError) as error:
                services.create_lesson(owner, module, title="Docs", kind="link", url=url)
            assert error.value.code == "url"

    def test_url_is_dropped_for_kinds_without_one(self, owner, module):
        lesson = services.create_lesson(
            owner, module, title="T", kind="text", text="x", url="https://example.com"
        )
        assert lesson.url == ""

    def test_new_lessons_go_last_in_their_module(self, owner, module):
        titles = ["A", "B", "C"]
        lessons = [services.create_lesson(owner, module, title=t, kind="text", text="x") for t in titles]
        assert [x.position for x in lessons] == [0, 1, 2]

    def test_lesson_uploads_send_no_material_notification(self, owner, course, module, enrolled):
        Notification.objects.all().delete()
        services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        assert not Notification.objects.filter(verb="material").exists()


class TestUpdateAndDelete:
    def test_replacing_the_file_deletes_the_old_one(self, owner, module, django_capture_on_commit_callbacks):
        lesson = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        old = lesson.material
        with django_capture_on_commit_callbacks(execute=True):
            services.update_lesson(owner, lesson, title="Notes v2", file=pdf("v2.pdf"))
        lesson.refresh_from_db()
        assert lesson.material.original_name == "v2.pdf"
        assert lesson.material.title == "Notes v2"
        assert not CourseMaterial.objects.filter(pk=old.pk).exists()
        assert not stored(old)
        assert stored(lesson.material)

    def test_keeping_the_file(self, owner, module):
        lesson = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        services.update_lesson(owner, lesson, title="Renamed", text="See page 2")
        lesson.refresh_from_db()
        assert (lesson.title, lesson.text, lesson.material.title) == ("Renamed", "See page 2", "Renamed")

    def test_changing_to_a_kind_without_file_deletes_it(
        self, owner, module, django_capture_on_commit_callbacks
    ):
        lesson = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        old = lesson.material
        with django_capture_on_commit_callbacks(execute=True):
            services.update_lesson(owner, lesson, kind="text", text="Now a text")
        lesson.refresh_from_db()
        assert (lesson.kind, lesson.material) == ("text", None)
        assert not stored(old)

    def test_changing_between_upload_kinds_needs_a_new_file(self, owner, module):
        lesson = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        with pytest.raises(ValidationError) as error:
            services.update_lesson(owner, lesson, kind="video")
        assert error.value.code == "file"

    def test_invalid_update_changes_nothing(self, owner, module, text_lesson):
        with pytest.raises(ValidationError):
            services.update_lesson(owner, text_lesson, title="New", text="")
        text_lesson.refresh_from_db()
        assert text_lesson.title == "Welcome"

    def test_delete_lesson_deletes_its_material_and_file(
        self, owner, module, django_capture_on_commit_callbacks
    ):
        lesson = services.create_lesson(
            owner, module, title="Clip", kind="video", file=upload("a.webm", WEBM)
        )
        material = lesson.material
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_lesson(owner, lesson)
        assert not Lesson.objects.exists() and not CourseMaterial.objects.exists()
        assert not stored(material)


class TestAnnouncing:
    def test_published_lesson_in_published_module(self, owner, module, lessons_published):
        services.create_lesson(owner, module, title="Visible", kind="text", text="x")
        services.create_lesson(owner, module, title="Draft", kind="text", text="x", is_published=False)
        assert lessons_published == [["Visible"]]

    def test_publishing_a_draft_lesson(self, owner, module, lessons_published):
        lesson = services.create_lesson(
            owner, module, title="Draft", kind="text", text="x", is_published=False
        )
        services.update_lesson(owner, lesson, is_published=True)
        services.update_lesson(owner, lesson, title="Again")
        assert lessons_published == [["Draft"]]

    def test_nothing_in_a_draft_module_or_course(self, owner, course, lessons_published):
        draft_module = services.create_module(owner, course, title="Soon", is_published=False)
        services.create_lesson(owner, draft_module, title="Hidden", kind="text", text="x")
        draft_course = Course.objects.create(teacher=owner, title="Draft course", is_published=False)
        module = services.create_module(owner, draft_course, title="M")
        services.create_lesson(owner, module, title="Hidden too", kind="text", text="x")
        assert lessons_published == []

    def test_moving_a_lesson_out_of_a_draft_module_announces_it(self, owner, course, lessons_published):
        draft = services.create_module(owner, course, title="Soon", is_published=False)
        public = services.create_module(owner, course, title="Now")
        lesson = services.create_lesson(owner, draft, title="Moved", kind="text", text="x")
        services.reorder_content(owner, course, lessons={public.pk: [lesson.pk]})
        assert lessons_published == [["Moved"]]


class TestOrder:
    @pytest.fixture
    def content(self, owner, course):
        a = services.create_module(owner, course, title="A")
        b = services.create_module(owner, course, title="B")
        lessons = {
            name: services.create_lesson(owner, module, title=name, kind="text", text="x")
            for module, names in [(a, ["a1", "a2", "a3"]), (b, ["b1"])]
            for name in names
        }
        return a, b, lessons

    def order(self, course):
        return [
            (
                m.title,
                [x.title for x in m.lessons.order_by("position")],
                [x.position for x in m.lessons.order_by("position")],
            )
            for m in Module.objects.filter(course=course).order_by("position")
        ]

    def test_reorder_modules_and_move_lessons_between_them(self, owner, course, content):
        a, b, lessons = content
        services.reorder_content(
            owner,
            course,
            modules=[b.pk, a.pk],
            lessons={
                str(b.pk): [lessons["a2"].pk, lessons["b1"].pk],
                str(a.pk): [lessons["a3"].pk, lessons["a1"].pk],
            },
        )
        assert self.order(course) == [("B", ["a2", "b1"], [0, 1]), ("A", ["a3", "a1"], [0, 1])]

    def test_a_module_lessons_leave_closes_its_gap(self, owner, course, content):
        a, b, lessons = content
        services.reorder_content(owner, course, lessons={b.pk: [lessons["b1"].pk, lessons["a1"].pk]})
        assert self.order(course) == [("A", ["a2", "a3"], [0, 1]), ("B", ["b1", "a1"], [0, 1])]

    @pytest.mark.parametrize(
        "make",
        [
            lambda a, b, x, other: {"modules": [a.pk]},  # one missing
            lambda a, b, x, other: {"modules": [a.pk, b.pk, other.pk]},  # foreign
            lambda a, b, x, other: {"modules": [a.pk, a.pk, b.pk]},  # twice
            lambda a, b, x, other: {"modules": "a,b"},
            lambda a, b, x, other: {"modules": [a.pk, "b"]},
            lambda a, b, x, other: {"modules": [a.pk, True]},
            lambda a, b, x, other: {"lessons": {other.pk: []}},
            lambda a, b, x, other: {"lessons": {b.pk: [x["b1"].pk, 999999]}},
            lambda a, b, x, other: {"lessons": {b.pk: []}},  # b1 would be lost
            lambda a, b, x, other: {"lessons": {b.pk: [x["b1"].pk], a.pk: [x["b1"].pk]}},
            lambda a, b, x, other: {"lessons": [1, 2]},
            lambda a, b, x, other: {"lessons": {"b": [1]}},
        ],
    )
    def test_invalid_orders_change_nothing(self, owner, course, other_teacher, content, make):
        a, b, lessons = content
        other_course = Course.objects.create(teacher=other_teacher, title="Other")
        other = Module.objects.create(course=other_course, title="Other")
        before = self.order(course)
        with pytest.raises(ValidationError) as error:
            services.reorder_content(owner, course, **make(a, b, lessons, other))
        assert error.value.code == "reorder"
        assert self.order(course) == before

    def test_foreign_lessons_cannot_be_pulled_in(self, owner, course, other_teacher, content):
        a, b, lessons = content
        other_course = Course.objects.create(teacher=other_teacher, title="Other")
        foreign = Lesson.objects.create(
            module=Module.objects.create(course=other_course, title="X"), title="F", kind="text", text="x"
        )
        with pytest.raises(ValidationError):
            services.reorder_content(owner, course, lessons={b.pk: [lessons["b1"].pk, foreign.pk]})
        assert Lesson.objects.get(pk=foreign.pk).module.course == other_course

    def test_move_up_and_down_within_the_module(self, owner, course, content):
        a, b, lessons = content
        services.move_lesson(owner, lessons["a3"], "up")
        assert self.order(course)[0] == ("A", ["a1", "a3", "a2"], [0, 1, 2])
        services.move_lesson(owner, lessons["a1"], "up")  # the top: nothing happens
        services.move_lesson(owner, lessons["b1"], "down")  # alone: nothing happens
        assert self.order(course) == [("A", ["a1", "a3", "a2"], [0, 1, 2]), ("B", ["b1"], [0])]
        services.move_module(owner, a, "down")
        assert [m[0] for m in self.order(course)] == ["B", "A"]
        services.move_module(owner, a, "down")
        assert [m[0] for m in self.order(course)] == ["B", "A"]

    def test_bad_direction(self, owner, content):
        with pytest.raises(ValidationError) as error:
            services.move_module(owner, content[0], "left")
        assert error.value.code == "direction"


class TestAddMaterialMakesAFileLesson:
    def test_new_module_materials_when_the_course_has_none(self, owner, course):
        material = services.add_material(owner, course, file=pdf(), title="Slides")
        lesson = material.lesson
        assert (lesson.kind, lesson.title, lesson.module.title, lesson.position) == (
            "file",
            "Slides",
            "Materials",
            0,
        )

    def test_at_the_end_of_the_last_module(self, owner, course, module):
        last = services.create_module(owner, course, title="Last")
        services.create_lesson(owner, last, title="First", kind="text", text="x")
        material = services.add_material(owner, course, file=pdf())
        assert (material.lesson.module, material.lesson.position) == (last, 1)

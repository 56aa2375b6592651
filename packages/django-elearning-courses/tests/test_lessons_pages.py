"""The lesson page, the content builder and its forms, for every role."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from elearning_courses import services
from elearning_courses.models import Course, CourseMaterial, Enrollment, Lesson, Module

from .content_fixtures import *  # noqa: F403
from .content_fixtures import READERS, WEBM, pdf, png_upload, upload
from .test_pages_access import OWNER_ONLY

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def lesson_url(lesson, suffix=""):
    return f"/courses/{lesson.course_id}/lessons/{lesson.pk}/{suffix}"


class TestLessonPageAccess:
    EXPECTED = READERS

    def test_published_lesson(self, role, users, text_lesson, client_as):
        response = client_as(role).get(lesson_url(text_lesson))
        assert response.status_code == self.EXPECTED[role]
        html = response.content.decode()
        if role == "anonymous":
            assert response["Location"].startswith(LOGIN)
        elif response.status_code == 403:
            assert "<h1>Hello</h1>" not in html
            assert "Back to the course" in html
        else:
            assert "<h1>Hello</h1>" in html

    def test_reasons_on_the_403_page(self, users, text_lesson, client_as):
        assert (
            "Enroll in this course to read its lessons."
            in client_as("student").get(lesson_url(text_lesson)).content.decode()
        )
        assert (
            "You have been blocked from this course."
            in client_as("blocked").get(lesson_url(text_lesson)).content.decode()
        )

    @pytest.mark.parametrize("draft", ["lesson", "module", "course"])
    def test_drafts_are_404_but_for_the_owner_and_staff(
        self, draft, role, users, staff, text_lesson, client_as
    ):
        target = {"lesson": text_lesson, "module": text_lesson.module, "course": text_lesson.course}[draft]
        type(target).objects.filter(pk=target.pk).update(is_published=False)
        response = client_as(role).get(lesson_url(text_lesson))
        assert response.status_code == (200 if role == "owner" else 404)
        assert client_as(staff).get(lesson_url(text_lesson)).status_code == 200

    def test_staff_reads_published_lessons(self, staff, text_lesson, client_as):
        assert client_as(staff).get(lesson_url(text_lesson)).status_code == 200

    def test_lesson_of_another_course_is_404(self, owner, text_lesson, client_as):
        other = Course.objects.create(teacher=owner, title="Other")
        assert client_as("owner").get(f"/courses/{other.pk}/lessons/{text_lesson.pk}/").status_code == 404

    def test_the_visit_is_recorded(self, enrolled, text_lesson, client_as):
        client_as("enrolled").get(lesson_url(text_lesson))
        assert Enrollment.objects.get(student=enrolled).last_lesson == text_lesson


class TestLessonPageContent:
    def test_markdown_is_rendered_and_sanitized(self, owner, module, client_as):
        lesson = services.create_lesson(
            owner,
            module,
            title="T",
            kind="text",
            text="**bold** <script>alert(1)</script> [x](javascript:alert(1))",
        )
        html = client_as("owner").get(lesson_url(lesson)).content.decode()
        assert "<strong>bold</strong>" in html
        assert "<script>alert(1)" not in html
        assert 'href="javascript:' not in html

    def test_video(self, owner, module, client_as):
        lesson = services.create_lesson(
            owner, module, title="Clip", kind="video", file=upload("a.webm", WEBM)
        )
        html = client_as("owner").get(lesson_url(lesson)).content.decode()
        assert '<video controls preload="metadata"' in html
        assert f'<source src="{lesson_url(lesson, "media/")}" type="video/webm">' in html

    def test_image_with_alt_text(self, owner, module, client_as):
        lesson = services.create_lesson(owner, module, title="Diagram", kind="image", file=png_upload())
        html = client_as("owner").get(lesson_url(lesson)).content.decode()
        assert f'<img src="{lesson_url(lesson, "media/")}" alt="Diagram"' in html

    def test_embed_is_a_sandboxed_privacy_frame(self, owner, module, client_as):
        lesson = services.create_lesson(
            owner, module, title="Talk", kind="embed", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        )
        html = client_as("owner").get(lesson_url(lesson)).content.decode()
        assert (
            '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="Talk" '
            'sandbox="allow-scripts allow-same-origin allow-presentation" '
            'referrerpolicy="strict-origin-when-cross-origin" allow="fullscreen" loading="lazy"'
        ) in html

    def test_link_and_file(self, owner, module, client_as):
        link = services.create_lesson(
            owner, module, title="Docs", kind="link", url="https://example.com/docs"
        )
        file = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        html = client_as("owner").get(lesson_url(link)).content.decode()
        assert 'href="https://example.com/docs" rel="noopener noreferrer"' in html
        html = client_as("owner").get(lesson_url(file)).content.decode()
        assert f'href="/courses/{file.course_id}/materials/{file.material_id}/download/"' in html

    def test_previous_next_and_side_outline(self, owner, course, module, enrolled, client_as):
        second = services.create_module(owner, course, title="Second")
        a = services.create_lesson(owner, module, title="Lesson A", kind="text", text="x")
        b = services.create_lesson(owner, second, title="Lesson B", kind="text", text="x")
        services.create_lesson(owner, second, title="Hidden draft", kind="text", text="x", is_published=False)
        c = services.create_lesson(owner, second, title="Lesson C", kind="text", text="x")
        html = client_as("enrolled").get(lesson_url(b)).content.decode()
        assert f'href="{lesson_url(a)}" rel="prev"' in html
        assert f'href="{lesson_url(c)}" rel="next"' in html
        assert '<span class="fw-semibold" aria-current="page">Lesson B</span>' in html
        assert "Hidden draft" not in html
        html = client_as("owner").get(lesson_url(b)).content.decode()
        assert "Hidden draft" in html


class TestCoursePageOutline:
    def test_drafts_only_for_the_owner(self, owner, course, module, enrolled, client_as):
        services.create_lesson(owner, module, title="Shown", kind="text", text="x")
        services.create_lesson(owner, module, title="Draft lesson", kind="text", text="x", is_published=False)
        services.create_module(owner, course, title="Draft module", is_published=False)
        html = client_as("enrolled").get(f"/courses/{course.pk}/").content.decode()
        assert "Shown" in html and "Draft lesson" not in html and "Draft module" not in html
        html = client_as("owner").get(f"/courses/{course.pk}/").content.decode()
        assert "Draft lesson" in html and "Draft module" in html and ">Draft</span>" in html

    def test_empty_states(self, course, client_as):
        assert "No content yet" in client_as("owner").get(f"/courses/{course.pk}/").content.decode()
        assert (
            "has not published any lessons yet"
            in client_as("student").get(f"/courses/{course.pk}/").content.decode()
        )


def build(course, modules, lessons_per_module):
    made = Module.objects.bulk_create(
        [Module(course=course, title=f"M{i}", position=i) for i in range(modules)]
    )
    Lesson.objects.bulk_create(
        [
            Lesson(course=course, module=m, title=f"L{m.position}-{i}", kind="text", text="x", position=i)
            for m in made
            for i in range(lessons_per_module)
        ]
    )
    return Lesson.objects.filter(course=course).order_by("module__position", "position").first()


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["anonymous", "enrolled", "owner"])
def test_course_page_queries_do_not_grow_with_modules_and_lessons(who, owner, make_user, users, client_as):
    counts = []
    for size in (2, 20):
        course = Course.objects.create(teacher=owner, title=f"Size {size}")
        Enrollment.objects.create(student=users["enrolled"], course=course)
        Enrollment.objects.bulk_create(
            [Enrollment(course=course, student=make_user(f"s{size}-{i}")) for i in range(size)]
        )
        build(course, size, size)
        counts.append(count(client_as(who), f"/courses/{course.pk}/"))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("who", ["enrolled", "owner"])
def test_lesson_page_queries_do_not_grow_with_modules_and_lessons(who, owner, users, client_as):
    counts = []
    for size in (2, 20):
        course = Course.objects.create(teacher=owner, title=f"Size {size}")
        Enrollment.objects.create(student=users["enrolled"], course=course)
        first = build(course, size, size)
        counts.append(count(client_as(who), lesson_url(first)))
    assert counts[0] == counts[1]


class TestBuilderAccess:
    def pages(self, course, module, lesson):
        c, m, x = course.pk, module.pk, lesson.pk
        return [
            f"/courses/{c}/content/",
            f"/courses/{c}/modules/new/",
            f"/courses/{c}/modules/{m}/edit/",
            f"/courses/{c}/modules/{m}/delete/",
            f"/courses/{c}/modules/{m}/lessons/new/",
            f"/courses/{c}/modules/{m}/lessons/new/?kind=text",
            f"/courses/{c}/lessons/{x}/edit/",
            f"/courses/{c}/lessons/{x}/delete/",
        ]

    def test_get_pages(self, role, users, course, module, text_lesson, client_as):
        client = client_as(role)
        for url in self.pages(course, module, text_lesson):
            response = client.get(url)
            assert response.status_code == OWNER_ONLY[role], url
            if role == "anonymous":
                assert response["Location"].startswith(LOGIN)

    def test_posts_change_nothing_for_others(self, role, users, course, module, text_lesson, client_as):
        if role == "owner":
            return
        client = client_as(role)
        c, m, x = course.pk, module.pk, text_lesson.pk
        posts = [
            (f"/courses/{c}/modules/new/", {"title": "New"}),
            (f"/courses/{c}/modules/{m}/edit/", {"title": "Changed"}),
            (f"/courses/{c}/modules/{m}/delete/", {}),
            (f"/courses/{c}/modules/{m}/move/", {"direction": "down"}),
            (f"/courses/{c}/modules/{m}/lessons/new/?kind=text", {"title": "New", "text": "x"}),
            (f"/courses/{c}/lessons/{x}/edit/", {"title": "Changed", "text": "x"}),
            (f"/courses/{c}/lessons/{x}/delete/", {}),
            (f"/courses/{c}/lessons/{x}/move/", {"direction": "down"}),
        ]
        for url, data in posts:
            assert client.post(url, data).status_code in (302, 403), url
        assert list(Module.objects.values_list("title", flat=True)) == ["Getting started"]
        assert list(Lesson.objects.values_list("title", flat=True)) == ["Welcome"]

    def test_objects_of_other_courses_are_404(self, owner, course, module, text_lesson, client_as):
        other = Course.objects.create(teacher=owner, title="Other")
        client = client_as("owner")
        assert client.get(f"/courses/{other.pk}/modules/{module.pk}/edit/").status_code == 404
        assert client.get(f"/courses/{other.pk}/lessons/{text_lesson.pk}/edit/").status_code == 404


class TestBuilderPages:
    def test_builder_lists_modules_lessons_and_actions(self, course, module, text_lesson, client_as):
        html = client_as("owner").get(f"/courses/{course.pk}/content/").content.decode()
        assert f'data-content-builder data-reorder-url="/courses/{course.pk}/content/reorder/"' in html
        assert 'aria-label="Move “Welcome” down"' in html
        assert f'href="/courses/{course.pk}/modules/{module.pk}/lessons/new/?kind=video"' in html
        assert "Sortable.min.js" in html and "content.js" in html

    def test_module_create_edit_delete(self, owner, course, client_as):
        client = client_as("owner")
        response = client.post(f"/courses/{course.pk}/modules/new/", {"title": "Week 1", "draft": "on"})
        module = Module.objects.get()
        assert response["Location"] == f"/courses/{course.pk}/content/#module-{module.pk}"
        assert not module.is_published
        client.post(
            f"/courses/{course.pk}/modules/{module.pk}/edit/", {"title": "Week one", "description": "D"}
        )
        module.refresh_from_db()
        assert (module.title, module.description, module.is_published) == ("Week one", "D", True)
        client.post(f"/courses/{course.pk}/modules/{module.pk}/delete/")
        assert not Module.objects.exists()

    def test_module_form_errors(self, course, client_as):
        response = client_as("owner").post(f"/courses/{course.pk}/modules/new/", {"title": " "})
        assert response.status_code == 200
        assert "is-invalid" in response.content.decode()
        assert not Module.objects.exists()

    def test_lesson_kind_is_chosen_first(self, course, module, client_as):
        html = (
            client_as("owner")
            .get(f"/courses/{course.pk}/modules/{module.pk}/lessons/new/?kind=bogus")
            .content.decode()
        )
        assert "What kind of lesson?" in html and "?kind=embed" in html
        response = client_as("owner").post(
            f"/courses/{course.pk}/modules/{module.pk}/lessons/new/", {"title": "X"}
        )
        assert response.status_code == 400

    @pytest.mark.parametrize(
        "kind, fields, absent",
        [
            ("text", ["id_title", "id_text", "id_draft"], ["id_url", "id_file"]),
            ("video", ["id_file", 'accept=".mp4,.webm"'], ["id_url"]),
            ("image", ["id_file"], ["id_url"]),
            ("file", ["id_file"], ["id_url"]),
            ("embed", ["id_url", "YouTube, Vimeo"], ["id_file"]),
            ("link", ["id_url"], ["id_file"]),
        ],
    )
    def test_lesson_form_shows_the_fields_of_its_kind(self, course, module, client_as, kind, fields, absent):
        html = (
            client_as("owner")
            .get(f"/courses/{course.pk}/modules/{module.pk}/lessons/new/?kind={kind}")
            .content.decode()
        )
        for text in fields:
            assert text in html, text
        for text in absent:
            assert text not in html, text

    @pytest.mark.parametrize(
        "kind, data, field",
        [
            ("text", {"title": "T", "text": ""}, "text"),
            ("embed", {"title": "T", "url": "https://example.com/x"}, "url"),
            ("link", {"title": "T", "url": "javascript:alert(1)"}, "url"),
            ("video", {"title": "T", "file": upload("a.webm", b"not a video")}, "file"),
            ("image", {"title": "T", "file": upload("a.png", b"nope")}, "file"),
            ("file", {"title": "T"}, "file"),
            ("file", {"title": "", "file": pdf()}, "title"),
        ],
    )
    def test_lesson_form_errors_beside_the_field(self, course, module, client_as, kind, data, field):
        response = client_as("owner").post(
            f"/courses/{course.pk}/modules/{module.pk}/lessons/new/?kind={kind}", data
        )
        assert response.status_code == 200
        assert (
            f'id="id_{field}_error"' in response.content.decode()
            or f"id_{field}_error" in response.content.decode()
        )
        assert not Lesson.objects.exists() and not CourseMaterial.objects.exists()

    def test_create_each_kind(self, course, module, client_as):
        client = client_as("owner")
        base = f"/courses/{course.pk}/modules/{module.pk}/lessons/new/?kind="
        posts = [
            ("text", {"title": "Text", "text": "Hi"}),
            ("video", {"title": "Video", "file": upload("a.webm", WEBM)}),
            ("image", {"title": "Image", "file": png_upload()}),
            ("file", {"title": "File", "file": pdf()}),
            ("embed", {"title": "Embed", "url": "https://youtu.be/dQw4w9WgXcQ"}),
            ("link", {"title": "Link", "url": "https://example.com", "draft": "on"}),
        ]
        for kind, data in posts:
            response = client.post(base + kind, data)
            assert response.status_code == 302, (kind, response.content.decode()[:2000])
        assert list(Lesson.objects.order_by("position").values_list("kind", "is_published")) == [
            ("text", True),
            ("video", True),
            ("image", True),
            ("file", True),
            ("embed", True),
            ("link", False),
        ]

    def test_edit_lesson_keeps_or_replaces_the_file(self, owner, course, module, client_as):
        lesson = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        client = client_as("owner")
        url = f"/courses/{course.pk}/lessons/{lesson.pk}/edit/"
        assert "Leave empty to keep the current file." in client.get(url).content.decode()
        assert client.post(url, {"title": "Renamed"}).status_code == 302
        assert client.post(url, {"title": "Renamed", "file": pdf("v2.pdf")}).status_code == 302
        lesson.refresh_from_db()
        assert (lesson.title, lesson.material.original_name) == ("Renamed", "v2.pdf")
        assert CourseMaterial.objects.count() == 1

    def test_delete_lesson_page(self, owner, course, module, text_lesson, client_as):
        client = client_as("owner")
        assert (
            "Delete “Welcome”?"
            in client.get(f"/courses/{course.pk}/lessons/{text_lesson.pk}/delete/").content.decode()
        )
        client.post(f"/courses/{course.pk}/lessons/{text_lesson.pk}/delete/")
        assert not Lesson.objects.exists()

    def test_only_get_and_post_on_delete_pages(self, course, module, text_lesson, client_as):
        client = client_as("owner")
        assert client.delete(f"/courses/{course.pk}/modules/{module.pk}/delete/").status_code == 405
        assert client.delete(f"/courses/{course.pk}/lessons/{text_lesson.pk}/delete/").status_code == 405
        assert client.post(f"/courses/{course.pk}/lessons/{text_lesson.pk}/").status_code == 405
        assert Lesson.objects.exists()

    def test_kind_may_come_with_the_post(self, course, module, client_as):
        data = {"kind": "text", "title": "T", "text": "x"}
        response = client_as("owner").post(f"/courses/{course.pk}/modules/{module.pk}/lessons/new/", data)
        assert response.status_code == 302
        assert Lesson.objects.get().kind == "text"

    def test_move_buttons(self, owner, course, module, text_lesson, client_as):
        second = services.create_lesson(owner, module, title="Second", kind="text", text="x")
        client = client_as("owner")
        response = client.post(f"/courses/{course.pk}/lessons/{second.pk}/move/", {"direction": "up"})
        assert response["Location"] == f"/courses/{course.pk}/content/#lesson-{second.pk}"
        assert list(module.lessons.order_by("position").values_list("title", flat=True)) == [
            "Second",
            "Welcome",
        ]
        response = client.post(f"/courses/{course.pk}/lessons/{second.pk}/move/", {"direction": "sideways"})
        assert response.status_code == 302
        assert client.get(f"/courses/{course.pk}/lessons/{second.pk}/move/").status_code == 405


class TestReorderEndpoint:
    def url(self, course):
        return f"/courses/{course.pk}/content/reorder/"

    def post(self, client, course, body):
        return client.post(self.url(course), body, content_type="application/json")

    def test_owner_reorders(self, owner, course, module, text_lesson, client_as):
        other = services.create_module(owner, course, title="Other")
        body = json.dumps({"modules": [other.pk, module.pk], "lessons": {str(other.pk): [text_lesson.pk]}})
        response = self.post(client_as("owner"), course, body)
        assert response.status_code == 200 and response.json()["detail"]
        text_lesson.refresh_from_db()
        assert text_lesson.module == other
        assert list(Module.objects.order_by("position").values_list("title", flat=True)) == [
            "Other",
            "Getting started",
        ]

    @pytest.mark.parametrize(
        "body", ["not json", "[1, 2]", '{"modules": [999999]}', '{"lessons": {"x": 1}}', "\xff"]
    )
    def test_bad_bodies_are_400(self, course, module, client_as, body):
        response = self.post(client_as("owner"), course, body)
        assert response.status_code == 400
        assert response.json()["detail"]

    def test_roles(self, role, users, course, module, client_as):
        response = self.post(client_as(role), course, json.dumps({"modules": [module.pk]}))
        assert response.status_code == (200 if role == "owner" else 403)

    def test_get_is_405(self, course, client_as):
        assert client_as("owner").get(self.url(course)).status_code == 405


class TestMaterialDownloadFollowsTheLesson:
    def test_draft_lesson_file_only_for_owner_and_staff(self, owner, module, enrolled, staff, client_as):
        lesson = services.create_lesson(
            owner, module, title="Notes", kind="file", file=pdf(), is_published=False
        )
        url = lesson.material.download_url
        assert client_as("enrolled").get(url).status_code == 404
        assert client_as("owner").get(url).status_code == 200
        assert client_as(staff).get(url).status_code == 200
        services.update_lesson(owner, lesson, is_published=True)
        assert client_as("enrolled").get(url).status_code == 200

    def test_published_lesson_file_by_role(self, role, users, owner, module, client_as):
        lesson = services.create_lesson(owner, module, title="Notes", kind="file", file=pdf())
        response = client_as(role).get(lesson.material.download_url)
        expected = {"anonymous": 302, "enrolled": 200, "owner": 200}.get(role, 403)
        assert response.status_code == expected
        if expected == 200:
            assert response["Content-Disposition"].startswith("attachment")

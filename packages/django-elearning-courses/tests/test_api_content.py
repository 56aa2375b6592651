"""``/api/courses/{id}/modules/``, ``/lessons/`` and ``/reorder/`` for every role.

The roles of ``conftest`` plus ``staff``. A course's outline: ``intro`` (published) with a
published text lesson ``welcome`` and a draft lesson ``secret``; ``hidden`` (a draft
module) with a published lesson ``later``.
"""

import pytest

from elearning_courses.models import Course, CourseMaterial, Lesson, Module

from .conftest import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

ALL_ROLES = ["anonymous", "student", "enrolled", "blocked", "other_teacher", "owner", "staff"]
DENIED = 403  # the API's answer to anonymous requests and to those not allowed


def by_role(**codes):
    """``(role, expected status)`` for every role: ``codes`` by role, 403 for the others."""
    return [(role, codes.get(role, DENIED)) for role in ALL_ROLES]


@pytest.fixture
def staff(make_user):
    return make_user("staff", "teacher", is_staff=True)


@pytest.fixture
def people(users, staff):
    """Every role around ``course``, staff included."""
    return {**users, "staff": staff}


@pytest.fixture
def call(api_as, people):
    """``call(role, method, url, data=None, **kwargs)`` -> the response."""

    def make(role, method, url, data=None, **kwargs):
        client = api_as(people[role])
        kwargs.setdefault("format", "json")
        return getattr(client, method)(url, data, **kwargs)

    return make


@pytest.fixture
def outline(course):
    intro = Module.objects.create(course=course, title="Intro", position=0)
    hidden = Module.objects.create(course=course, title="Hidden", position=1, is_published=False)
    welcome = Lesson.objects.create(
        module=intro, title="Welcome", kind=Lesson.Kind.TEXT, text="# Hello\n\n<script>x</script>", position=0
    )
    secret = Lesson.objects.create(
        module=intro, title="Secret", kind=Lesson.Kind.TEXT, text="soon", position=1, is_published=False
    )
    later = Lesson.objects.create(
        module=hidden, title="Later", kind=Lesson.Kind.TEXT, text="later", position=0
    )
    return {"intro": intro, "hidden": hidden, "welcome": welcome, "secret": secret, "later": later}


def build_modules(course, size):
    """``size`` published modules of ``size`` published lessons each."""
    for m in range(size):
        module = Module.objects.create(course=course, title=f"M{m}", position=m)
        Lesson.objects.bulk_create(
            [Lesson(course=course, module=module, title=f"L{n}", text="t", position=n) for n in range(size)]
        )


def base(course):
    return f"/api/courses/{course.pk}"


class TestModuleList:
    @pytest.mark.parametrize(
        "role, expected, drafts",
        [
            ("anonymous", DENIED, None),
            ("student", 200, False),
            ("enrolled", 200, False),
            ("blocked", 200, False),
            ("other_teacher", 200, False),
            ("owner", 200, True),
            ("staff", 200, True),
        ],
    )
    def test_outline_per_role(self, call, course, outline, role, expected, drafts):
        response = call(role, "get", f"{base(course)}/modules/")
        assert response.status_code == expected
        if expected != 200:
            return
        modules = {m["title"]: [lesson["title"] for lesson in m["lessons"]] for m in response.data["results"]}
        if drafts:
            assert modules == {"Intro": ["Welcome", "Secret"], "Hidden": ["Later"]}
        else:
            assert modules == {"Intro": ["Welcome"]}
        row = response.data["results"][0]
        assert set(row) == {
            "id",
            "course",
            "title",
            "description",
            "position",
            "is_published",
            "lessons",
            "created_at",
            "updated_at",
        }
        assert set(row["lessons"][0]) == {"id", "module", "title", "kind", "position", "is_published"}

    @pytest.mark.parametrize("role", ["student", "enrolled", "other_teacher"])
    def test_draft_course_is_404(self, call, course, outline, role):
        Course.objects.filter(pk=course.pk).update(is_published=False)
        assert call(role, "get", f"{base(course)}/modules/").status_code == 404
        assert call(role, "get", f"{base(course)}/lessons/").status_code == 404
        assert call(role, "get", f"{base(course)}/modules/{outline['intro'].pk}/").status_code == 404

    @pytest.mark.parametrize("role", ["owner", "staff"])
    def test_draft_course_for_owner_and_staff(self, call, course, outline, role):
        Course.objects.filter(pk=course.pk).update(is_published=False)
        assert call(role, "get", f"{base(course)}/modules/").data["count"] == 2

    @pytest.mark.parametrize("path", ["424242/modules/", "abc/modules/", "424242/lessons/"])
    def test_unknown_course_404(self, call, path):
        assert call("owner", "get", f"/api/courses/{path}").status_code == 404

    @pytest.mark.parametrize("role", ["student", "enrolled", "other_teacher"])
    def test_draft_module_is_404(self, call, course, outline, role):
        assert call(role, "get", f"{base(course)}/modules/{outline['hidden'].pk}/").status_code == 404

    def test_module_of_another_course_is_404(self, call, course, outline, owner):
        other = Course.objects.create(teacher=owner, title="Other")
        assert (
            call("owner", "get", f"/api/courses/{other.pk}/modules/{outline['intro'].pk}/").status_code == 404
        )

    @pytest.mark.parametrize("size", [2, 12])
    def test_constant_queries(self, course, api_as, owner, size, django_assert_num_queries):
        build_modules(course, size)
        client = api_as(owner)
        # course, count, modules, their lessons (force-authenticated: no session query)
        with django_assert_num_queries(4):
            response = client.get(f"{base(course)}/modules/?page_size=100")
        assert response.data["count"] == size
        assert all(len(m["lessons"]) == size for m in response.data["results"])


class TestModuleWrite:
    @pytest.mark.parametrize("role, expected", by_role(owner=201))
    def test_create(self, call, course, outline, role, expected):
        response = call(role, "post", f"{base(course)}/modules/", {"title": "Week 3", "is_published": False})
        assert response.status_code == expected, response.data
        created = Module.objects.filter(title="Week 3")
        assert created.exists() == (expected == 201)
        if expected == 201:
            assert response.data["position"] == 2 and response.data["is_published"] is False
            assert response.data["lessons"] == [] and response.data["course"] == course.pk
        elif role != "anonymous":
            assert response.data["code"] == "not_owner"

    def test_refused_before_the_body_is_read(self, call, course):
        response = call("student", "post", f"{base(course)}/modules/", {"title": ""})
        assert response.status_code == 403

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({}, "title"),
            ({"title": "   "}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"title": 12}, "title"),
            ({"title": "ok", "description": "d" * 2001}, "description"),
            ({"title": "ok", "is_published": "maybe"}, "is_published"),
        ],
    )
    def test_bad_input(self, call, course, payload, field):
        response = call("owner", "post", f"{base(course)}/modules/", payload)
        assert response.status_code == 400
        assert field in response.data

    @pytest.mark.parametrize("role, expected", by_role(owner=200))
    def test_update(self, call, course, outline, role, expected):
        url = f"{base(course)}/modules/{outline['intro'].pk}/"
        response = call(role, "patch", url, {"title": "Start here", "position": 9})
        assert response.status_code == expected
        outline["intro"].refresh_from_db()
        assert (outline["intro"].title == "Start here") == (expected == 200)
        assert outline["intro"].position == 0  # read-only: reorder moves modules

    def test_publish_module_shows_its_lessons(self, call, course, outline):
        url = f"{base(course)}/modules/{outline['hidden'].pk}/"
        assert call("owner", "patch", url, {"is_published": True}).status_code == 200
        titles = [m["title"] for m in call("enrolled", "get", f"{base(course)}/modules/").data["results"]]
        assert titles == ["Intro", "Hidden"]

    @pytest.mark.parametrize("role, expected", by_role(owner=204))
    def test_delete(self, call, course, outline, role, expected):
        response = call(role, "delete", f"{base(course)}/modules/{outline['intro'].pk}/")
        assert response.status_code == expected
        assert Module.objects.filter(pk=outline["intro"].pk).exists() == (expected != 204)
        assert Lesson.objects.filter(pk=outline["welcome"].pk).exists() == (expected != 204)

    def test_draft_module_of_others_is_404_not_403(self, call, course, outline):
        url = f"{base(course)}/modules/{outline['hidden'].pk}/"
        assert call("enrolled", "patch", url, {"title": "x"}).status_code == 404


class TestLessonList:
    @pytest.mark.parametrize(
        "role, expected, titles",
        [
            ("anonymous", DENIED, None),
            ("student", 200, ["Welcome"]),
            ("enrolled", 200, ["Welcome"]),
            ("blocked", 200, ["Welcome"]),
            ("other_teacher", 200, ["Welcome"]),
            ("owner", 200, ["Welcome", "Secret", "Later"]),
            ("staff", 200, ["Welcome", "Secret", "Later"]),
        ],
    )
    def test_outline_per_role(self, call, course, outline, role, expected, titles):
        response = call(role, "get", f"{base(course)}/lessons/")
        assert response.status_code == expected
        if expected == 200:
            assert [row["title"] for row in response.data["results"]] == titles
            assert "text" not in response.data["results"][0]  # the outline has no content

    def test_filters(self, call, course, outline):
        url = f"{base(course)}/lessons/"
        assert call("owner", "get", f"{url}?module={outline['hidden'].pk}").data["count"] == 1
        assert call("owner", "get", f"{url}?kind=video").data["count"] == 0
        for bad in ("module=abc", "module=", "kind=movie", "module=424242"):
            assert call("owner", "get", f"{url}?{bad}").status_code == 400, bad

    @pytest.mark.parametrize("size", [2, 12])
    def test_constant_queries(self, course, api_as, enrolled, size, django_assert_num_queries):
        build_modules(course, size)
        client = api_as(enrolled)
        with django_assert_num_queries(3):  # course, count, page
            response = client.get(f"{base(course)}/lessons/?page_size=100")
        assert response.data["count"] == size * size


class TestLessonRetrieve:
    @pytest.mark.parametrize("role, expected", by_role(enrolled=200, owner=200, staff=200))
    def test_content_only_for_readers(self, call, course, outline, role, expected):
        response = call(role, "get", f"{base(course)}/lessons/{outline['welcome'].pk}/")
        assert response.status_code == expected
        if expected == 200:
            assert response.data["text"].startswith("# Hello")
            assert "<h1>Hello</h1>" in response.data["html"]
            assert "<script" not in response.data["html"]
            assert response.data["media_url"] is None and response.data["download_url"] is None
        elif role != "anonymous":
            assert "text" not in response.data
            assert response.data["code"] == ("blocked" if role == "blocked" else "not_enrolled")

    @pytest.mark.parametrize(
        "role, expected",
        [
            ("student", 404),
            ("enrolled", 404),
            ("blocked", 404),
            ("other_teacher", 404),
            ("owner", 200),
            ("staff", 200),
        ],
    )
    @pytest.mark.parametrize("lesson", ["secret", "later"])
    def test_drafts_are_404_for_others(self, call, course, outline, role, expected, lesson):
        response = call(role, "get", f"{base(course)}/lessons/{outline[lesson].pk}/")
        assert response.status_code == expected

    def test_file_lesson_urls(self, call, course, outline):
        material = make_material(course, "Notes")
        lesson = Lesson.objects.create(
            module=outline["intro"], title="Notes", kind=Lesson.Kind.FILE, material=material, position=5
        )
        data = call("enrolled", "get", f"{base(course)}/lessons/{lesson.pk}/").data
        assert data["file_name"] == "notes.pdf" and data["media_url"] is None
        assert data["download_url"] == f"http://testserver{base(course)}/materials/{material.pk}/download/"
        download = call("enrolled", "get", data["download_url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF_BYTES
        assert call("enrolled", "get", f"{base(course)}/lessons/{lesson.pk}/media/").status_code == 404
        lesson.kind = Lesson.Kind.IMAGE
        lesson.save()
        data = call("enrolled", "get", f"{base(course)}/lessons/{lesson.pk}/").data
        assert data["media_url"] == f"http://testserver{base(course)}/lessons/{lesson.pk}/media/"


class TestLessonMedia:
    @pytest.fixture
    def image(self, course, outline):
        material = make_material(course, "Picture")
        return Lesson.objects.create(
            module=outline["intro"], title="Picture", kind=Lesson.Kind.IMAGE, material=material, position=5
        )

    @pytest.mark.parametrize("role, expected", by_role(enrolled=200, owner=200, staff=200))
    def test_access(self, call, course, image, role, expected):
        response = call(role, "get", f"{base(course)}/lessons/{image.pk}/media/")
        assert response.status_code == expected
        if expected == 200:
            assert b"".join(response.streaming_content) == PDF_BYTES
            assert response["Accept-Ranges"] == "bytes"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert "attachment" not in response.get("Content-Disposition", "")

    @pytest.mark.parametrize(
        "header, status, body",
        [
            ("bytes=0-3", 206, PDF_BYTES[:4]),
            ("bytes=-4", 206, PDF_BYTES[-4:]),
            ("bytes=4-", 206, PDF_BYTES[4:]),
            ("bytes=9999-", 416, b""),
            ("lines=1-2", 200, PDF_BYTES),
        ],
    )
    def test_range(self, api_as, enrolled, course, image, header, status, body):
        response = api_as(enrolled).get(f"{base(course)}/lessons/{image.pk}/media/", HTTP_RANGE=header)
        assert response.status_code == status
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert content == body

    def test_draft_is_404(self, call, course, image):
        Lesson.objects.filter(pk=image.pk).update(is_published=False)
        assert call("enrolled", "get", f"{base(course)}/lessons/{image.pk}/media/").status_code == 404


def make_material(course, title):
    return CourseMaterial.objects.create(
        course=course,
        title=title,
        file=pdf_upload(),
        original_name="notes.pdf",
        size=len(PDF_BYTES),
        content_type="application/pdf",
    )


def material_of_draft_lesson(course, outline):
    material = make_material(course, "Draft notes")
    Lesson.objects.create(
        module=outline["intro"],
        title="Draft notes",
        kind=Lesson.Kind.FILE,
        material=material,
        is_published=False,
        position=9,
    )
    return material


class TestMaterialsOfDraftLessons:
    @pytest.mark.parametrize("role, expected", [("enrolled", 404), ("owner", 200)])
    def test_download(self, call, course, outline, role, expected):
        material = material_of_draft_lesson(course, outline)
        url = f"{base(course)}/materials/{material.pk}/download/"
        assert call(role, "get", url).status_code == expected

    @pytest.mark.parametrize("role, expected", [("enrolled", 0), ("owner", 1)])
    def test_list(self, call, course, outline, role, expected):
        material_of_draft_lesson(course, outline)
        assert call(role, "get", f"{base(course)}/materials/").data["count"] == expected


class TestLessonWrite:
    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", DENIED),
            ("student", 403),
            ("enrolled", 403),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 201),
            ("staff", 403),
        ],
    )
    def test_create_text(self, call, course, outline, role, expected):
        payload = {"module": outline["intro"].pk, "title": "Models", "kind": "text", "text": "**bold**"}
        response = call(role, "post", f"{base(course)}/lessons/", payload)
        assert response.status_code == expected, response.data
        assert Lesson.objects.filter(title="Models").exists() == (expected == 201)
        if expected == 201:
            assert response.data["position"] == 2
            assert "<strong>bold</strong>" in response.data["html"]

    def test_create_file_lesson_multipart(self, call, course, outline):
        payload = {"module": outline["intro"].pk, "title": "Slides", "kind": "file", "file": pdf_upload()}
        response = call("owner", "post", f"{base(course)}/lessons/", payload, format="multipart")
        assert response.status_code == 201, response.data
        lesson = Lesson.objects.get(pk=response.data["id"])
        assert lesson.material.original_name == "notes.pdf"
        assert response.data["download_url"].endswith(f"/materials/{lesson.material_id}/download/")

    def test_create_link_and_embed(self, call, course, outline):
        url = f"{base(course)}/lessons/"
        module = outline["intro"].pk
        link = {"module": module, "title": "Docs", "kind": "link", "url": "https://docs.djangoproject.com/"}
        assert call("owner", "post", url, link).status_code == 201
        embed = {"module": module, "title": "Talk", "kind": "embed", "url": "https://youtu.be/dQw4w9WgXcQ"}
        response = call("owner", "post", url, embed)
        assert response.status_code == 201, response.data

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({"title": "x", "kind": "text", "text": "t"}, "module"),
            ({"module": 424242, "title": "x", "kind": "text", "text": "t"}, "module"),
            ({"module": "MODULE", "title": "", "kind": "text", "text": "t"}, "title"),
            ({"module": "MODULE", "title": "x" * 201, "kind": "text", "text": "t"}, "title"),
            ({"module": "MODULE", "title": "x", "kind": "movie"}, "kind"),
            ({"module": "MODULE", "title": "x", "kind": "text", "text": ""}, "text"),
            ({"module": "MODULE", "title": "x", "kind": "text", "text": 5}, "text"),
            ({"module": "MODULE", "title": "x", "kind": "link", "url": "javascript:alert(1)"}, "url"),
            ({"module": "MODULE", "title": "x", "kind": "link", "url": "ftp://example.org/"}, "url"),
            ({"module": "MODULE", "title": "x", "kind": "embed", "url": "https://evil.example/v"}, "url"),
            ({"module": "MODULE", "title": "x", "kind": "file"}, "file"),
            (
                {"module": "MODULE", "title": "x", "kind": "text", "text": "t", "is_published": "yes"},
                "is_published",
            ),
        ],
    )
    def test_bad_input_names_the_field(self, call, course, outline, payload, field):
        if payload.get("module") == "MODULE":
            payload = {**payload, "module": outline["intro"].pk}
        response = call("owner", "post", f"{base(course)}/lessons/", payload)
        assert response.status_code == 400, response.data
        assert field in response.data, response.data

    def test_bad_upload_is_a_file_error(self, call, course, outline):
        fake = pdf_upload("notes.pdf", b"<html>not a pdf</html>")
        payload = {"module": outline["intro"].pk, "title": "x", "kind": "file", "file": fake}
        response = call("owner", "post", f"{base(course)}/lessons/", payload, format="multipart")
        assert response.status_code == 400 and "file" in response.data
        assert not CourseMaterial.objects.exists()

    def test_module_of_another_course(self, call, course, outline, owner):
        other = Course.objects.create(teacher=owner, title="Other")
        foreign = Module.objects.create(course=other, title="Foreign")
        payload = {"module": foreign.pk, "title": "x", "kind": "text", "text": "t"}
        response = call("owner", "post", f"{base(course)}/lessons/", payload)
        assert response.status_code == 400 and "module" in response.data

    @pytest.mark.parametrize("role, expected", by_role(owner=200))
    def test_update(self, call, course, outline, role, expected):
        url = f"{base(course)}/lessons/{outline['welcome'].pk}/"
        response = call(role, "patch", url, {"title": "Hello", "text": "new"})
        assert response.status_code == expected
        outline["welcome"].refresh_from_db()
        assert (outline["welcome"].text == "new") == (expected == 200)

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({"kind": "link"}, "kind"),
            ({"module": "HIDDEN"}, "module"),
            ({"text": ""}, "text"),
            ({"title": " "}, "title"),
        ],
    )
    def test_update_bad_input(self, call, course, outline, payload, field):
        if payload.get("module") == "HIDDEN":
            payload = {"module": outline["hidden"].pk}
        url = f"{base(course)}/lessons/{outline['welcome'].pk}/"
        response = call("owner", "patch", url, payload)
        assert response.status_code == 400 and field in response.data, response.data

    def test_publish_a_draft_lesson(self, call, course, outline):
        url = f"{base(course)}/lessons/{outline['secret'].pk}/"
        assert call("owner", "patch", url, {"is_published": True}).status_code == 200
        assert call("enrolled", "get", url).status_code == 200

    @pytest.mark.parametrize("role, expected", by_role(owner=204))
    def test_delete(self, call, course, outline, role, expected):
        response = call(role, "delete", f"{base(course)}/lessons/{outline['welcome'].pk}/")
        assert response.status_code == expected
        assert Lesson.objects.filter(pk=outline["welcome"].pk).exists() == (expected != 204)


class TestReorder:
    def body(self, outline, **extra):
        return {
            "modules": [outline["hidden"].pk, outline["intro"].pk],
            "lessons": {str(outline["intro"].pk): [outline["secret"].pk, outline["welcome"].pk]},
            **extra,
        }

    @pytest.mark.parametrize("role, expected", by_role(owner=200))
    def test_access(self, call, course, outline, role, expected):
        response = call(role, "post", f"{base(course)}/reorder/", self.body(outline))
        assert response.status_code == expected, response.data
        order = list(
            Module.objects.filter(course=course).order_by("position").values_list("title", flat=True)
        )
        assert order == (["Hidden", "Intro"] if expected == 200 else ["Intro", "Hidden"])
        if expected == 200:
            assert [m["title"] for m in response.data] == ["Hidden", "Intro"]
            assert [x["title"] for x in response.data[1]["lessons"]] == ["Secret", "Welcome"]

    def test_lesson_moves_between_modules(self, call, course, outline):
        body = {"lessons": {str(outline["hidden"].pk): [outline["welcome"].pk, outline["later"].pk]}}
        assert call("owner", "post", f"{base(course)}/reorder/", body).status_code == 200
        outline["welcome"].refresh_from_db()
        assert outline["welcome"].module_id == outline["hidden"].pk and outline["welcome"].position == 0

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"modules": "1,2"},
            {"modules": [1.5]},
            {"modules": ["1"]},
            {"modules": [True]},
            {"modules": [0]},
            {"modules": [424242]},
            {"lessons": []},
            {"lessons": {"abc": [1]}},
            {"lessons": {"424242": []}},
            {"lessons": {"1": "x"}},
            {"modules": list(range(1, 1002))},
        ],
    )
    def test_bad_input_is_400(self, call, course, outline, body):
        response = call("owner", "post", f"{base(course)}/reorder/", body)
        assert response.status_code == 400, response.data

    def test_foreign_ids_change_nothing(self, call, course, outline, owner):
        other = Course.objects.create(teacher=owner, title="Other")
        foreign = Module.objects.create(course=other, title="Foreign")
        body = {"modules": [outline["hidden"].pk, outline["intro"].pk, foreign.pk]}
        response = call("owner", "post", f"{base(course)}/reorder/", body)
        assert response.status_code == 400 and response.data["code"] == "reorder"
        assert Module.objects.get(pk=outline["intro"].pk).position == 0

    def test_form_bodies_are_refused(self, call, course, outline):
        response = call("owner", "post", f"{base(course)}/reorder/", {"modules": "1"}, format="multipart")
        assert response.status_code == 415

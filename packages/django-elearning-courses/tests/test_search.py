"""Search inside courses: the index, access for every role, the page and the API,
bad queries, query counts. Runs on SQLite (FTS5, and the icontains fallback) and on
PostgreSQL (full-text search)."""

import io

import pytest
from django.urls import reverse

from elearning_courses.models import Course, CourseMaterial, Lesson, Module, SearchEntry, Subject
from elearning_courses.search import backends, index

from .conftest import PDF_BYTES, pdf_upload
from .content_fixtures import *  # noqa: F403  (fixtures: module, text_lesson, staff)

SEARCH_URL = "/courses/search/"
API_URL = "/api/search/"
ALL_HITS = {"ELEARNING_COURSES": {"SEARCH_HITS_PER_COURSE": 20}}


@pytest.fixture
def zebras(course, other_teacher, django_capture_on_commit_callbacks):
    """``course`` with zebras in drafts, lesson text, a material; a draft course and
    another teacher's course about zebras. Indexed by the receivers, after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        start = Module.objects.create(course=course, title="Getting started", position=0)
        hidden = Module.objects.create(
            course=course,
            title="Hidden module",
            description="A zebra hideout",
            position=1,
            is_published=False,
        )
        Lesson.objects.create(module=start, title="Welcome", text="Learn about **querysets** and zebras.")
        Lesson.objects.create(
            module=start, title="Draft zebras", text="Secret.", is_published=False, position=1
        )
        Lesson.objects.create(module=hidden, title="Hidden lesson zebra")
        material = CourseMaterial.objects.create(
            course=course,
            title="Zebra notes",
            file=pdf_upload("zebra.pdf"),
            original_name="zebra.pdf",
            size=len(PDF_BYTES),
            content_type="application/pdf",
        )
        Lesson.objects.create(module=start, title="Stripes", kind="file", material=material, position=2)
        Course.objects.create(teacher=course.teacher, title="Zebra drafts", is_published=False)
        Course.objects.create(teacher=other_teacher, title="Other zebra course")
    return course


def found(results):
    """``{(course title, kind, hit title)}`` of a page of results, marks removed."""
    return {
        (result.course.title, hit.kind, str(hit.title).replace("<mark>", "").replace("</mark>", ""))
        for result in results
        for hit in result.hits
    }


OTHER = {("Other zebra course", "course", "Other zebra course")}
READERS = {
    ("Django basics", "lesson", "Welcome"),
    ("Django basics", "material", "Zebra notes"),
}
TEACHER = READERS | {
    ("Django basics", "module", "Hidden module"),
    ("Django basics", "lesson", "Draft zebras"),
    ("Django basics", "lesson", "Hidden lesson zebra"),
    ("Zebra drafts", "course", "Zebra drafts"),
}
#: What each role finds for "zebra": the pages' rules.
EXPECTED = {
    "anonymous": OTHER,
    "student": OTHER,
    "enrolled": OTHER | READERS,
    "blocked": OTHER,
    "other_teacher": OTHER,
    "owner": OTHER | TEACHER,
    "staff": OTHER | TEACHER,
}


@pytest.fixture(params=["database", "icontains"])
def search_backend(request, monkeypatch):
    """Each test twice: with the database's full-text search, and with the fallback."""
    if request.param == "icontains":
        monkeypatch.setattr(
            backends, "backend_for", lambda query, using="default": backends.ContainsBackend(query)
        )
        monkeypatch.setattr("elearning_courses.search.results.backend_for", backends.backend_for)
    return request.param


def search(client, query, **params):
    response = client.get(SEARCH_URL, {"q": query, **params})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("role", [*EXPECTED])
def test_each_role_finds_what_the_pages_show_it(role, users, staff, zebras, client, settings, search_backend):  # noqa: F811
    settings.ELEARNING_COURSES = ALL_HITS["ELEARNING_COURSES"]
    user = staff if role == "staff" else users[role]
    if user.is_authenticated:
        client.force_login(user)
    response = search(client, "zebra")
    assert found(response.context["page_obj"].object_list) == EXPECTED[role]


def test_a_blocked_student_finds_the_course_but_nothing_inside(users, zebras, client):
    client.force_login(users["blocked"])
    assert found(search(client, "Django").context["page_obj"].object_list) == {
        ("Django basics", "course", "Django basics")
    }
    assert not search(client, "started").context["page_obj"].object_list
    client.force_login(users["student"])
    assert ("Django basics", "module", "Getting started") in found(
        search(client, "started").context["page_obj"].object_list
    )


def test_snippets_are_highlighted_and_escaped(
    enrolled, course, client, django_capture_on_commit_callbacks, search_backend
):
    with django_capture_on_commit_callbacks(execute=True):
        basics = Module.objects.create(course=course, title="Basics")
        Lesson.objects.create(
            module=basics,
            title="Querysets <b>",
            text="Filter <script>alert(1)</script> your querysets & more.",
        )
    client.force_login(enrolled)
    response = search(client, "querysets")
    html = response.content.decode()
    assert "<mark>Querysets</mark> &lt;b&gt;" in html
    assert "<mark>querysets</mark>" in html
    assert "<script>alert" not in html
    [hit] = response.context["page_obj"].object_list[0].hits
    assert hit.url == reverse("elearning_courses:lesson_detail", args=[course.pk, basics.lessons.get().pk])
    assert 'aria-live="polite"' in html


def test_outline_hits_lead_to_the_course_outline(zebras, client):
    response = search(client, "stripes")
    [result] = response.context["page_obj"].object_list
    start = Module.objects.get(title="Getting started")
    assert result.hits[0].url == f"/courses/{zebras.pk}/#module-{start.pk}"


def test_subject_and_description_are_searched(course, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        course.subject = Subject.objects.create(name="Astronomy", slug="astronomy")
        course.save()
    assert search(client, "astronomy").context["page_obj"].paginator.count == 1
    with django_capture_on_commit_callbacks(execute=True):
        Subject.objects.filter(pk=course.subject_id).first().delete()
    assert search(client, "astronomy").context["page_obj"].paginator.count == 0
    assert search(client, "templates").context["page_obj"].paginator.count == 1


def test_the_index_follows_changes_once_per_transaction(course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        one = Module.objects.create(course=course, title="One")
        lesson = Lesson.objects.create(module=one, title="Two", text="*three*")
    entries = SearchEntry.objects.filter(course=course)
    assert sorted(entries.values_list("kind", "audience", "title", "body")) == [
        ("course", "all", "Django basics", "Models, views, templates."),
        ("lesson", "content", "Two", "three"),
        ("lesson", "outline", "Two", ""),
        ("module", "all", "One", ""),
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lesson.delete()
        one.delete()
    assert len(callbacks) == 2 and entries.count() == 1  # two callbacks, the second finds nothing
    course.delete()
    assert not SearchEntry.objects.exists()


def test_rebuild_command_restores_the_index(course, text_lesson):
    from django.core.management import call_command

    SearchEntry.objects.all().delete()
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert SearchEntry.objects.filter(course=course).count() == 4  # course, module, lesson x2
    assert index.rebuild_all() == 1


BAD_BUT_HARMLESS = [
    "a & b", "!x", "foo:*", "-", "OR", "zebra OR", '"unbalanced', "'", "(((", "*", "NEAR(a b)",
    "a\x00b", "zebra -stripes", "col:zebra", "^zebra", "\\", "%_", "ß 中文 🦓",
]  # fmt: skip


@pytest.mark.parametrize("query", BAD_BUT_HARMLESS)
def test_operators_and_odd_characters_never_fail(query, zebras, client, api_as, search_backend):
    search(client, query)
    response = api_as("enrolled").get(API_URL, {"q": query})
    assert response.status_code == 200, response.content
    assert set(response.data) == {"count", "truncated", "next", "previous", "results"}


def test_too_long_or_too_many_words_is_a_form_error(client, api_as, course):
    for query in ["x" * 101, "x" * 10_000, " ".join(["word"] * 11)]:
        response = search(client, query)
        assert response.context["form"].errors["q"]
        assert response.context["page_obj"] is None
        assert 'aria-invalid="true"' in response.content.decode()
        api = api_as("student").get(API_URL, {"q": query})
        assert api.status_code == 400 and "q" in api.data
    assert search(client, " ".join(["word"] * 10)).context["form"].is_valid()


def test_empty_query_shows_the_form_and_the_api_says_why(client, api_as, course):
    for params in [{}, {"q": ""}, {"q": "   "}]:
        response = client.get(SEARCH_URL, params)
        assert response.status_code == 200 and response.context["page_obj"] is None
        assert "Search every course" in response.content.decode()
        api = api_as("student").get(API_URL, params)
        assert api.status_code == 400 and api.data["q"] == ["Type the words to search for."]


def test_no_results_state(course, client):
    response = search(client, "nothingmatchesthis")
    assert "Nothing found" in response.content.decode()


def _courses(n, teacher, lessons=4):
    with_lessons = []
    for i in range(n):
        course = Course.objects.create(teacher=teacher, title=f"Course {i} about owls")
        module = Module.objects.create(course=course, title="Owls")
        for j in range(lessons):
            Lesson.objects.create(
                module=module, title=f"Owl lesson {j}", text="Owls hunt at night.", position=j
            )
        with_lessons.append(course)
    index.rebuild([c.pk for c in with_lessons])
    return with_lessons


@pytest.mark.parametrize("n", [1, 25])
def test_constant_query_count(n, owner, enrolled, client, django_assert_num_queries, settings):
    settings.ELEARNING_COURSES = {"SEARCH_PAGE_SIZE": 10, "SEARCH_HITS_PER_COURSE": 3}
    _courses(n, owner)
    client.force_login(enrolled)
    # session, user, unread notifications (navbar bell); count, page of courses, hits.
    with django_assert_num_queries(6):
        response = search(client, "owls")
    results = response.context["page_obj"].object_list
    assert len(results) == min(n, 10)
    assert all(len(result.hits) == 3 for result in results)


def test_api_shape_and_pagination(owner, api_as, settings):
    settings.REST_FRAMEWORK = {"PAGE_SIZE": 2}
    courses = _courses(3, owner, lessons=1)
    client = api_as(owner)
    response = client.get(API_URL, {"q": "owls"})
    assert response.status_code == 200
    assert response.data["count"] == 3 and response.data["next"] and response.data["previous"] is None
    first = response.data["results"][0]
    assert set(first["course"]) == {"id", "title", "url"}
    assert first["course"]["id"] in {c.pk for c in courses}
    assert set(first["hits"][0]) == {"kind", "title", "snippet", "url"}
    assert "<mark>" in first["hits"][0]["title"]
    assert client.get(API_URL, {"q": "owls", "page": 2}).data["results"]
    assert client.get(API_URL, {"q": "owls", "page": 9}).status_code == 404
    assert client.get(API_URL, {"q": "owls", "page": "x"}).status_code == 400


def test_api_needs_a_signed_in_user(api_client, course):
    assert api_client.get(API_URL, {"q": "django"}).status_code in (401, 403)


def test_page_past_the_last_shows_the_last(owner, client, settings):
    settings.ELEARNING_COURSES = {"SEARCH_PAGE_SIZE": 2}
    _courses(3, owner, lessons=1)
    response = search(client, "owls", page=99)
    assert response.context["page_obj"].number == 2
    assert 'href="?q=owls&amp;page=1"' in response.content.decode()


def test_navbar_box_and_catalog_link(client, course):
    html = client.get(reverse("elearning_courses:catalog"), {"q": "django"}).content.decode()
    assert f'href="{SEARCH_URL}?q=django"' in html


def test_moving_a_lesson_into_a_draft_module_hides_it(
    owner, course, client, django_capture_on_commit_callbacks
):
    from elearning_courses import services

    with django_capture_on_commit_callbacks(execute=True):
        shown = Module.objects.create(course=course, title="Shown")
        draft = Module.objects.create(course=course, title="Draft", position=1, is_published=False)
        lesson = Lesson.objects.create(module=shown, title="Pelicans")
    assert search(client, "pelicans").context["page_obj"].paginator.count == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.reorder_content(owner, course, lessons={draft.pk: [lesson.pk]})
    assert search(client, "pelicans").context["page_obj"].paginator.count == 0


@pytest.mark.parametrize("n", [1, 25])
def test_api_constant_query_count(n, owner, enrolled, api_as, django_assert_num_queries):
    _courses(n, owner)
    client = api_as("enrolled")
    # count, page of courses, hits (force_authenticate: no session or token query).
    with django_assert_num_queries(3):
        response = client.get(API_URL, {"q": "owls"})
    assert response.data["count"] == n

"""Search's bound on work: at most ``SEARCH_MAX_MATCHES`` + 1 matching entries are
ranked; over the cap the page and the API say so; under it the ranking is exact; the
cap counts only what the searcher may find. On every backend (the database's
full-text search and the ``icontains`` fallback), SQLite and PostgreSQL."""

import pytest

from elearning_courses.checks import check_settings
from elearning_courses.models import Course, Module

from .content_fixtures import staff  # noqa: F401  (a fixture)
from .test_search import (  # noqa: F401  (fixtures)
    API_URL,
    EXPECTED,
    found,
    search,
    search_backend,
    zebras,
)

NOTE = "data-search-truncated"


def cap(settings, n, **more):
    settings.ELEARNING_COURSES = {"SEARCH_MAX_MATCHES": n, "SEARCH_HITS_PER_COURSE": 20, **more}


@pytest.fixture
def crossing(other_teacher, zebras, django_capture_on_commit_callbacks):  # noqa: F811
    """One more published zebra course, so that every role finds at least two entries."""
    with django_capture_on_commit_callbacks(execute=True):
        Course.objects.create(teacher=other_teacher, title="Zebra crossing")
    return {
        role: expected | {("Zebra crossing", "course", "Zebra crossing")}
        for role, expected in EXPECTED.items()
    }


@pytest.mark.parametrize("role", [*EXPECTED])
def test_the_cap_counts_only_what_each_role_may_find(
    role,
    users,
    staff,  # noqa: F811
    crossing,
    client,
    api_as,
    settings,
    search_backend,  # noqa: F811
):
    user = staff if role == "staff" else users[role]
    if user.is_authenticated:
        client.force_login(user)
    expected = crossing[role]
    # Exactly as many matches as the cap: all ranked, nothing said (drafts, lesson text
    # and blocked courses that this role may not see do not count).
    cap(settings, len(expected))
    response = search(client, "zebra")
    assert found(response.context["page_obj"].object_list) == expected
    assert not response.context["search_results"].truncated
    assert NOTE not in response.content.decode()
    # One more than the cap: the page and the API say the results were cut.
    cap(settings, len(expected) - 1)
    response = search(client, "zebra")
    assert found(response.context["page_obj"].object_list) <= expected
    assert NOTE in response.content.decode()
    if user.is_authenticated:
        assert api_as(user).get(API_URL, {"q": "zebra"}).data["truncated"] is True


@pytest.fixture
def pelicans(owner, django_capture_on_commit_callbacks):
    """Six published courses, each found by "pelican" in its title, a module and its
    description: 18 entries a visitor finds."""
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            course = Course.objects.create(teacher=owner, title=f"Pelican {n}", description="Pelicans dive.")
            Module.objects.create(course=course, title="Pelican habits")
    return 18


def test_over_the_cap_the_work_and_the_results_are_bounded(
    pelicans,
    client,
    api_as,
    student,
    settings,
    django_assert_num_queries,
    search_backend,  # noqa: F811
):
    cap(settings, 2, SEARCH_PAGE_SIZE=50)
    response = search(client, "pelican")
    page = response.context["page_obj"]
    # Three entries ranked (the cap and the one that shows it was passed), so at most
    # three courses and three hits, of the pelican courses.
    assert 1 <= page.paginator.count <= 3
    assert sum(len(result.hits) for result in page.object_list) <= 3
    assert {result.course.title[:7] for result in page.object_list} == {"Pelican"}
    html = response.content.decode()
    assert NOTE in html and "More than 2 matches for" in html and "Add words to narrow your search." in html
    assert "Found in" not in html
    # The API: the same cut, the flag, the same three queries (count, page, hits).
    client = api_as(student)
    with django_assert_num_queries(3):
        data = client.get(API_URL, {"q": "pelican"}).data
    assert data["truncated"] is True and 1 <= data["count"] <= 3
    # Under the cap: everything, no flag.
    cap(settings, pelicans)
    data = client.get(API_URL, {"q": "pelican", "page_size": 50}).data
    assert data["truncated"] is False and data["count"] == 6


def test_ranking_is_exact_under_the_cap(
    owner,
    client,
    settings,
    django_capture_on_commit_callbacks,
    search_backend,  # noqa: F811
):
    with django_capture_on_commit_callbacks(execute=True):
        Course.objects.create(teacher=owner, title="Birds", description="A heron.")
        Course.objects.create(teacher=owner, title="Heron heron", description="Herons, a heron.")
        Course.objects.create(teacher=owner, title="Waders", description="Heron and egret.")
        waders = Course.objects.create(teacher=owner, title="Shore", description="Shore birds.")
        Module.objects.create(course=waders, title="The heron")
        Course.objects.create(teacher=owner, title="Heron", description="Grey.")

    def ranked(limit):
        cap(settings, limit, SEARCH_PAGE_SIZE=50)
        response = search(client, "heron")
        assert not response.context["search_results"].truncated
        return [result.course.title for result in response.context["page_obj"].object_list]

    everything = ranked(1000)
    assert len(everything) == 5 and everything[0].startswith("Heron")
    # Five matching entries: a cap of five ranks them all, in the same order.
    assert ranked(5) == everything


def test_no_words_means_no_count_and_no_flag(client, api_as, student, course):
    response = client.get("/courses/search/", {"q": "!!!"})
    assert response.status_code == 200
    assert not response.context["search_results"].truncated
    data = api_as(student).get(API_URL, {"q": "!!!"}).data
    assert data["count"] == 0 and data["truncated"] is False


@pytest.mark.parametrize("value", [0, -5, "10", True, None])
def test_the_cap_must_be_a_positive_integer(settings, value):
    settings.ELEARNING_COURSES = {"SEARCH_MAX_MATCHES": value}
    assert [error.id for error in check_settings(None)] == ["elearning_courses.E003"]

"""The catalog: search, subject filter and sorting together, invalid parameters ignored,
pagination keeping the parameters, and a query count that does not grow with the number
of courses and subjects."""

from datetime import timedelta

import pytest
from django.utils import timezone

from elearning_courses.models import Course, Enrollment, Feedback, Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def subjects(db):
    return {
        slug: Subject.objects.create(name=name, slug=slug)
        for slug, name in [("maths", "Mathematics"), ("art", "Art"), ("empty", "Empty subject")]
    }


def make_course(teacher, title, *, days_ago=0, subject=None, published=True, description=""):
    course = Course.objects.create(
        teacher=teacher, title=title, subject=subject, is_published=published, description=description
    )
    Course.objects.filter(pk=course.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return course


def titles(response):
    return [course.title for course in response.context["courses"]]


@pytest.fixture
def catalog(owner, make_user, subjects):
    """Algebra (maths, old, 2 students, rated 3), Geometry (maths, newer, 1 student,
    rated 5), Drawing (art, newest, 1 student, unrated), Python (no subject, oldest,
    no student), a maths draft."""
    algebra = make_course(owner, "Algebra", days_ago=3, subject=subjects["maths"], description="numbers")
    geometry = make_course(owner, "Geometry", days_ago=2, subject=subjects["maths"])
    drawing = make_course(owner, "Drawing", days_ago=1, subject=subjects["art"], description="python art")
    make_course(owner, "Python", days_ago=4)
    make_course(owner, "Hidden draft", subject=subjects["maths"], published=False)
    students = [make_user(f"s{i}") for i in range(3)]
    for student, course in [(students[0], algebra), (students[1], algebra), (students[2], geometry)]:
        Enrollment.objects.create(student=student, course=course)
    Enrollment.objects.create(student=students[2], course=drawing)
    Feedback.objects.create(student=students[0], course=algebra, rating=3)
    Feedback.objects.create(student=students[2], course=geometry, rating=5)
    return students


class TestSorting:
    def test_newest_first_by_default(self, catalog, client):
        assert titles(client.get("/courses/")) == ["Drawing", "Geometry", "Algebra", "Python"]

    def test_best_rated_first_unrated_last_then_newest(self, catalog, client):
        assert titles(client.get("/courses/?sort=rating")) == ["Geometry", "Algebra", "Drawing", "Python"]

    def test_most_popular_first_ties_by_newest(self, catalog, client):
        # Algebra 2 students; Drawing and Geometry 1 each (Drawing newer); Python none.
        assert titles(client.get("/courses/?sort=popular")) == ["Algebra", "Drawing", "Geometry", "Python"]

    @pytest.mark.parametrize("sort", ["", "oldest", "-created_at", "<b>", "x" * 300, "rating;drop"])
    def test_invalid_sort_is_the_default(self, sort, catalog, client):
        response = client.get("/courses/", {"sort": sort})
        assert response.status_code == 200
        assert titles(response) == ["Drawing", "Geometry", "Algebra", "Python"]

    def test_sort_select_has_a_label_and_the_current_choice(self, catalog, client):
        html = client.get("/courses/?sort=popular").content.decode()
        assert '<label class="form-label" for="id_sort">Sort by</label>' in html
        assert '<option value="popular" selected>Most popular</option>' in html
        assert '<option value="rating">Best rated</option>' in html


class TestSubjects:
    def test_filter_by_subject(self, catalog, client):
        response = client.get("/courses/?subject=maths")
        assert titles(response) == ["Geometry", "Algebra"]  # not the draft
        assert "2 courses in Mathematics." in response.content.decode()

    def test_select_lists_subjects_with_published_counts(self, catalog, client):
        html = client.get("/courses/?subject=art").content.decode()
        assert '<label class="form-label" for="id_subject">Subject</label>' in html
        assert '<option value="">All subjects</option>' in html
        assert '<option value="art" selected>Art (1)</option>' in html
        assert '<option value="maths">Mathematics (2)</option>' in html
        assert '<option value="empty">Empty subject (0)</option>' in html

    def test_counts_follow_the_search(self, catalog, client):
        html = client.get("/courses/?q=python").content.decode()
        assert '<option value="art">Art (1)</option>' in html
        assert '<option value="maths">Mathematics (0)</option>' in html

    @pytest.mark.parametrize("subject", ["nope", "<script>", "x" * 500, "Math s", "maths/"])
    def test_unknown_or_invalid_subject_is_ignored(self, subject, catalog, client):
        response = client.get("/courses/", {"subject": subject})
        assert response.status_code == 200
        assert titles(response) == ["Drawing", "Geometry", "Algebra", "Python"]
        assert response.context["current_subject"] is None

    def test_empty_subject_shows_the_empty_state(self, catalog, client):
        html = client.get("/courses/?subject=empty").content.decode()
        assert "No course matches your search" in html

    def test_no_subjects_no_select(self, course, client):
        assert 'id="id_subject"' not in client.get("/courses/").content.decode()

    def test_card_shows_the_subject(self, catalog, client):
        html = client.get("/courses/?subject=art").content.decode()
        assert '<span class="badge text-bg-light border" data-subject-badge>Art</span>' in html


class TestTogether:
    def test_search_subject_and_sort_combine(self, catalog, client):
        response = client.get("/courses/", {"q": "python", "subject": "art", "sort": "popular"})
        assert titles(response) == ["Drawing"]
        response = client.get("/courses/", {"q": "e", "subject": "maths", "sort": "rating"})
        assert titles(response) == ["Geometry", "Algebra"]

    def test_an_invalid_parameter_keeps_the_valid_ones(self, catalog, client):
        response = client.get("/courses/", {"q": "x" * 500, "subject": "maths", "sort": "bogus"})
        assert titles(response) == ["Geometry", "Algebra"]
        response = client.get("/courses/", {"q": "numbers", "subject": "??", "sort": "popular"})
        assert titles(response) == ["Algebra"]

    def test_the_form_is_a_get_form_with_labels(self, catalog, client):
        html = client.get("/courses/").content.decode()
        assert '<form method="get" action="/courses/" role="search"' in html
        assert '<label class="form-label" for="id_q">Search courses</label>' in html

    def test_pagination_keeps_the_parameters(self, owner, subjects, client, settings):
        settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 2}
        for i in range(5):
            make_course(owner, f"Python {i}", subject=subjects["maths"])
        html = client.get(
            "/courses/", {"q": "python", "subject": "maths", "sort": "popular"}
        ).content.decode()
        assert "?q=python&amp;subject=maths&amp;sort=popular&amp;page=2" in html
        html = client.get("/courses/", {"subject": "maths", "sort": "newest", "page": "2"}).content.decode()
        assert "?subject=maths&amp;page=3" in html  # the default order is left out

    def test_clear_link_when_filtered(self, catalog, client):
        assert (
            'btn-outline-secondary" href="/courses/">Clear</a>'
            in client.get("/courses/?subject=art").content.decode()
        )
        assert ">Clear</a>" not in client.get("/courses/?sort=rating").content.decode()


# Query counts: the same for 3 and 30 courses, 1 and 10 subjects, any filter and order.


@pytest.fixture
def seed(owner, make_user):
    def make(courses, subjects):
        rows = Subject.objects.bulk_create([Subject(name=f"S{i}", slug=f"s{i}") for i in range(subjects)])
        students = [make_user(f"st{i}") for i in range(3)]
        made = Course.objects.bulk_create(
            [
                Course(
                    teacher=owner if i % 2 else make_user(f"t{i}", "teacher"),
                    title=f"Course {i}",
                    subject=rows[i % subjects],
                    is_published=i % 7 != 3,
                )
                for i in range(courses)
            ]
        )
        for course in made:
            Enrollment.objects.bulk_create([Enrollment(student=s, course=course) for s in students])
            Feedback.objects.create(student=students[0], course=course, rating=4)
        return students

    return make


@pytest.mark.parametrize("courses, subjects", [(3, 1), (30, 10)])
@pytest.mark.parametrize(
    "params", [{}, {"sort": "popular", "subject": "s0"}, {"q": "course", "sort": "rating"}]
)
class TestQueryCounts:
    def test_anonymous(self, courses, subjects, params, seed, client, django_assert_num_queries, settings):
        settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 50}
        seed(courses, subjects)
        # Subjects, their course counts (grouped; their sum is the page count), page.
        with django_assert_num_queries(3):
            response = client.get("/courses/", params)
        assert response.status_code == 200
        assert len(response.context["subjects"]) == subjects

    def test_signed_in(self, courses, subjects, params, seed, client, django_assert_num_queries, settings):
        settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 50}
        students = seed(courses, subjects)
        client.force_login(students[0])
        # Session, user, subjects, grouped counts, page, unread count.
        with django_assert_num_queries(6):
            response = client.get("/courses/", params)
        assert response.status_code == 200


class TestPageCount:
    """The catalog's count is the subjects' counts plus the courses without a subject."""

    @pytest.mark.parametrize(
        "params", [{}, {"q": "python"}, {"subject": "art"}, {"q": "python", "subject": "art"}]
    )
    def test_the_count_is_every_published_course_found(self, client, owner, params, settings):
        settings.ELEARNING_COURSES = {"CATALOG_PAGE_SIZE": 2}
        art = Subject.objects.create(name="Art", slug="art")
        maths = Subject.objects.create(name="Maths", slug="maths")
        for subject, published, title in [
            (art, True, "Python for artists"),
            (art, True, "Colour"),
            (art, False, "Python draft"),
            (maths, True, "Python numbers"),
            (None, True, "Python without a subject"),
            (None, True, "Other"),
            (None, False, "Hidden"),
        ]:
            Course.objects.create(teacher=owner, title=title, subject=subject, is_published=published)
        expected = Course.objects.published().search(params.get("q", ""))
        if "subject" in params:
            expected = expected.filter(subject__slug=params["subject"])
        response = client.get("/courses/", params)
        assert response.status_code == 200
        assert response.context["paginator"].count == expected.count() > 0

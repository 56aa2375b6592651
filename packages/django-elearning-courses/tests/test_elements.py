"""The course pages are built from the element templates: one rating rendering for the
cards, a course's page and its feedback, the users app's card page and fields for the
forms, and a site restyles each of them in one file."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from elearning_courses.models import Enrollment, Feedback

HERE = Path(__file__).resolve().parent
RATING = re.compile(r'<span class="elearning-rating[^"]*">(?:[^<]*</span>|.*? out of 5</span></span>)')


def ratings(html):
    return RATING.findall(html)


def stars(rating):
    """The stars drawn, e.g. "****-" for four full stars and an empty one."""
    return (
        re.sub(r"<strong>.*", "", rating)
        .replace("&#9733;", "*")
        .replace("&#9734;", "-")
        .split('">')[-1]
        .strip()
    )


@pytest.fixture
def rated(course, enrolled, make_user):
    other = make_user("other_student")
    Enrollment.objects.create(student=other, course=course)
    Feedback.objects.create(student=enrolled, course=course, rating=5)
    Feedback.objects.create(student=other, course=course, rating=4)
    return course


def test_the_card_and_the_course_page_render_the_same_rating(rated, client):
    card = ratings(client.get(reverse("elearning_courses:catalog")).content.decode())
    page = ratings(client.get(reverse("elearning_courses:course_detail", args=[rated.pk])).content.decode())
    assert len(card) == 1
    assert card[0] in page[:2] and page[0] == page[1]  # under the title and beside "Feedback"
    assert stars(card[0]) == "*****"  # 4.5 rounds up
    assert "<strong>4.5</strong>" in card[0]
    assert '<span class="visually-hidden">Rated 4.5 out of 5</span>' in card[0]


def test_the_feedback_list_uses_the_same_rendering(rated, client):
    page = ratings(client.get(reverse("elearning_courses:course_detail", args=[rated.pk])).content.decode())
    individual = page[2:]
    assert len(individual) == 2
    assert sorted((stars(r), "Rated 4.0 out of 5" in r) for r in individual) == [
        ("*****", False),
        ("****-", True),
    ]
    assert any("<strong>5.0</strong>" in r and "Rated 5.0 out of 5" in r for r in individual)


def test_an_unrated_course_says_so_everywhere(course, client):
    card = ratings(client.get(reverse("elearning_courses:catalog")).content.decode())
    page = ratings(client.get(reverse("elearning_courses:course_detail", args=[course.pk])).content.decode())
    assert (
        card
        == page[:1]
        == ['<span class="elearning-rating text-body-secondary text-nowrap">Not rated yet</span>']
    )


def test_the_rating_input_is_a_fieldset_of_real_radio_buttons(course, client_as):
    html = (
        client_as("enrolled")
        .get(reverse("elearning_courses:course_detail", args=[course.pk]))
        .content.decode()
    )
    fieldset = re.search(r"<fieldset.*?</fieldset>", html, re.S).group(0)
    assert re.search(r"<legend[^>]*>Your rating", fieldset)
    assert len(re.findall(r'<input type="radio" name="rating"', fieldset)) == 5


def test_one_error_container_beside_the_rating(course, client_as):
    html = (
        client_as("enrolled")
        .post(reverse("elearning_courses:feedback", args=[course.pk]), {})
        .content.decode()
    )
    assert html.count('id="id_rating_error"') == 1
    assert '<fieldset aria-describedby="id_rating_error">' in html


@pytest.fixture
def site_elements(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [HERE / "override_elements", *settings.TEMPLATES[0]["DIRS"]]}
    ]


def test_a_site_restyles_every_course_form_page_in_one_place(
    course, material, enrolled, client_as, site_elements
):
    client = client_as("owner")
    urls = [
        reverse("elearning_courses:course_create"),
        reverse("elearning_courses:course_update", args=[course.pk]),
        reverse("elearning_courses:course_delete", args=[course.pk]),
        reverse("elearning_courses:material_upload", args=[course.pk]),
        reverse("elearning_courses:material_delete", args=[course.pk, material.pk]),
        reverse("elearning_courses:block", args=[course.pk, enrolled.pk]),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert '<section class="site-card-page">' in html, url
        assert "card-body p-4" not in html, url


def test_a_site_restyles_every_rating_in_one_place(rated, client, site_elements):
    card = client.get(reverse("elearning_courses:catalog")).content.decode()
    page = client.get(reverse("elearning_courses:course_detail", args=[rated.pk])).content.decode()
    assert '<meter class="site-rating" min="0" max="5" value="4.5">' in card
    assert page.count('<meter class="site-rating"') == 4
    assert "elearning-rating" not in card + page

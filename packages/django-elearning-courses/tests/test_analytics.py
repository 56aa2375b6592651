"""The numbers of :mod:`elearning_courses.analytics` against a hand-computed class
(see ``analytics_fixtures``), and their query counts."""

import pytest

from elearning_courses import analytics

from .analytics_fixtures import *  # noqa: F403
from .analytics_fixtures import EXPECTED, week_start

pytestmark = pytest.mark.django_db


def test_numbers_of_the_fixture(class_data, owner):
    result = analytics.course_analytics(owner, class_data["course"])
    assert (result.students, result.lessons) == (6, 3)
    assert [row["students"] for row in result.completion] == EXPECTED["completion"]
    assert [row["bucket"] for row in result.completion] == ["0", "1-24", "25-49", "50-74", "75-99", "100"]
    assert [(row["title"], row["completed"], row["stopped"]) for row in result.dropoff] == EXPECTED["dropoff"]
    assert [row["count"] for row in result.ratings] == EXPECTED["ratings"]
    assert (result.rating_average, result.rating_count) == (
        EXPECTED["rating_average"],
        EXPECTED["rating_count"],
    )
    assert [(row["week"], row["new"], row["total"]) for row in result.enrollments] == [
        (week_start(ago), new, total) for ago, new, total in EXPECTED["enrollments"]
    ]
    assert result.chat is None

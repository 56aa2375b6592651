"""What keeping the search index current costs: a fixed number of queries per rebuilt
course, whatever its number of modules, lessons and materials."""

import pytest
from django.db import connection

from elearning_courses.models import Course, Lesson, Module, SearchEntry
from elearning_courses.search import index


def rebuild_queries():
    """A savepoint (2), the delete, the course, its modules, its lessons, one bulk insert,
    and on PostgreSQL the UPDATE that fills the search vectors."""
    return 7 + (connection.vendor == "postgresql")


@pytest.mark.parametrize("size", [1, 30])
def test_a_rebuild_costs_the_same_for_1_or_30_lessons(size, owner, django_assert_num_queries):
    course = Course.objects.create(teacher=owner, title="Tides")
    modules = Module.objects.bulk_create(
        [Module(course=course, title=f"Module {i}", position=i) for i in range(size)]
    )
    Lesson.objects.bulk_create(
        [
            Lesson(
                course=course, module=modules[i % size], title=f"Lesson {i}", text="Spring tides.", position=i
            )
            for i in range(size)
        ]
    )
    with django_assert_num_queries(rebuild_queries()):
        index.rebuild([course.pk])
    # The course, each module and each lesson (a reader's entry and an outsider's).
    assert SearchEntry.objects.filter(course=course).count() == 1 + size + 2 * size

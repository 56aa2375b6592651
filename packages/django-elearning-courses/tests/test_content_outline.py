"""content.py: who sees which modules and lessons, and the outline in two queries."""

import pytest
from django.http import Http404

from elearning_courses import content, rules
from elearning_courses.models import Lesson, Module

from .content_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(course, module):
    draft_module = Module.objects.create(course=course, title="Draft module", position=1, is_published=False)
    lessons = {
        "shown": Lesson.objects.create(module=module, title="Shown", kind="text", text="x", position=0),
        "draft": Lesson.objects.create(
            module=module, title="Draft", kind="text", text="x", position=1, is_published=False
        ),
        "hidden": Lesson.objects.create(module=draft_module, title="In draft module", kind="text", text="x"),
    }
    return lessons


def titles(outline):
    return [
        (item.module.title, [(x.lesson.title, x.can_open) for x in item.lessons]) for item in outline.modules
    ]


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", [("Getting started", [("Shown", False)])]),
        ("student", [("Getting started", [("Shown", False)])]),
        ("blocked", [("Getting started", [("Shown", False)])]),
        ("other_teacher", [("Getting started", [("Shown", False)])]),
        ("enrolled", [("Getting started", [("Shown", True)])]),
        (
            "owner",
            [
                ("Getting started", [("Shown", True), ("Draft", True)]),
                ("Draft module", [("In draft module", True)]),
            ],
        ),
    ],
)
def test_outline_by_role(who, expected, users, course, tree):
    assert titles(content.build_outline(users[who], course)) == expected


def test_staff_see_drafts(staff, course, tree):
    outline = content.build_outline(staff, course)
    assert outline.can_view_drafts and outline.lesson_count == 3


def test_two_queries_and_no_more_per_module(owner, course, tree, django_assert_num_queries):
    access = rules.course_access(owner, course)
    with django_assert_num_queries(2):
        outline = content.build_outline(owner, course, access=access)
        for item in outline.lessons:
            assert item.lesson.module.title and item.lesson.course.title


def test_draft_course_shows_nothing_to_students(course, enrolled, tree):
    course.is_published = False
    course.save()
    assert content.build_outline(enrolled, course).modules == []


def test_neighbours_cross_modules(owner, course, tree):
    outline = content.build_outline(owner, course)
    previous, following = outline.neighbours(tree["draft"])
    assert (previous.lesson.title, following.lesson.title) == ("Shown", "In draft module")
    assert outline.neighbours(tree["shown"])[0] is None
    assert outline.neighbours(tree["hidden"])[1] is None


def test_get_lesson_hides_drafts(users, course, tree):
    assert content.get_lesson(users["anonymous"], course, tree["shown"].pk) == tree["shown"]
    for name in ("draft", "hidden"):
        with pytest.raises(Http404):
            content.get_lesson(users["enrolled"], course, tree[name].pk)
        assert content.get_lesson(users["owner"], course, tree[name].pk) == tree[name]


def test_visibility_querysets(users, course, tree):
    assert set(content.lessons_visible_to(users["enrolled"], course)) == {tree["shown"]}
    assert set(content.lessons_visible_to(users["owner"], course)) == set(tree.values())
    assert [m.title for m in content.modules_visible_to(users["anonymous"], course)] == ["Getting started"]

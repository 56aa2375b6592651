"""Search in a real browser: a student types words into the navbar's search box, sees
the matched words highlighted in a lesson's snippet, and opens the lesson from it.

The picture of docs/guide/search.rst is taken here (``artifacts/docs/``; with
``UPDATE_SCREENSHOTS=1`` it also replaces ``docs/_static/guide-search.png``).
"""

import re

import pytest
from playwright.sync_api import expect

from . import pages
from .test_docs_screenshots import DESKTOP, save

pytestmark = pytest.mark.e2e

PASSWORD = "Search-pass-2026"
# Created in the shell: the receivers index the content as each row commits.
SETUP = f"""
from django.contrib.auth import get_user_model
from elearning_courses import services
from elearning_courses.models import Lesson, Module
User = get_user_model()
tina = User.objects.create_user("tina", password="{PASSWORD}", role="teacher")
sam = User.objects.create_user("sam", password="{PASSWORD}", role="student")
course = services.create_course(tina, title="Birds of the coast", description="Gulls, terns and pelicans.")
other = services.create_course(tina, title="Migration routes", description="Where pelicans spend the winter.")
services.enroll(sam, course)
basics = Module.objects.create(course=course, title="Seabirds", position=0)
Lesson.objects.create(module=basics, title="Gulls", position=0, text="Gulls are everywhere on the coast.")
lesson = Lesson.objects.create(
    module=basics, title="Diving for fish", position=1,
    text="The **brown pelican** dives from the air to catch fish, then drains the water from its pouch.",
)
Lesson.objects.create(module=basics, title="Pelican draft", position=2, is_published=False, text="Not yet.")
print("ids", course.pk, lesson.pk)
"""


def test_student_finds_a_lesson_from_the_navbar(demo_server, new_page):
    course_id, lesson_id = re.search(r"^ids (\d+) (\d+)$", demo_server.shell(SETUP), re.M).groups()
    base = demo_server.start()
    page = new_page(viewport=DESKTOP)
    pages.log_in(page, base, "sam", PASSWORD)

    box = page.get_by_role("search").get_by_label("Search inside courses")
    box.fill("pelican dives")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/courses/search/\?q=pelican\+dives$"))
    expect(page.locator("[data-search-count]")).to_contain_text("Found in 1 course")

    hit = page.locator("[data-search-hit]").filter(has_text="Diving for fish")
    expect(hit.locator("mark").first).to_be_visible()
    # Where the excerpt starts is the database's choice (PostgreSQL's headline, SQLite's snippet).
    expect(hit.locator(".elearning-search-snippet")).to_contain_text("pelican dives from the air")
    expect(page.get_by_text("Pelican draft")).to_have_count(0)  # a draft: the teacher's only
    save(page, "guide-search")

    hit.get_by_role("link", name=re.compile("Diving for fish")).click()
    expect(page).to_have_url(f"{base}/courses/{course_id}/lessons/{lesson_id}/")
    expect(page.get_by_role("heading", name="Diving for fish")).to_be_visible()

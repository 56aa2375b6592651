"""Drafts, covers and subjects in a real browser: a teacher creates a draft course with a
cover and a subject, a student neither finds it in the catalog nor opens its page, the
teacher publishes it, and the student finds it by its subject.

The pictures of docs/guide/catalog.rst are taken here: every run writes them to
``artifacts/docs/``; with ``UPDATE_SCREENSHOTS=1`` they also replace
``docs/_static/guide-catalog-*.png``.
"""

import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from . import pages
from .test_docs_screenshots import DESKTOP, save

pytestmark = pytest.mark.e2e

PASSWORD = "Catalog-pass-2026"
SETUP = f"""
from django.contrib.auth import get_user_model
from elearning_courses import services
from elearning_courses.models import Subject
User = get_user_model()
tina = User.objects.create_user("tina", password="{PASSWORD}", role="teacher", first_name="Tina", last_name="Tutor")
User.objects.create_user("stu", password="{PASSWORD}", role="student")
art = Subject.objects.create(name="Art", slug="art")
maths = Subject.objects.create(name="Mathematics", slug="maths")
Subject.objects.create(name="Languages", slug="languages")
services.create_course(tina, title="Algebra I", description="Equations and functions.", subject=maths)
services.create_course(tina, title="Geometry", description="Shapes, angles and proofs.", subject=maths)
services.create_course(tina, title="Art history", description="From caves to cubism.", subject=art)
"""
TITLE = "Watercolour for beginners"


def cover_file(tmp_path):
    """A 1600 x 900 PNG: a sky-to-sea gradient with a sun."""
    image = Image.new("RGB", (1600, 900))
    draw = ImageDraw.Draw(image)
    for y in range(900):
        draw.line([(0, y), (1600, y)], fill=(40 + y // 8, 110 + y // 12, 190 - y // 10))
    draw.ellipse((1150, 150, 1400, 400), fill=(250, 210, 90))
    path = tmp_path / "watercolour.png"
    image.save(path)
    return path


def test_draft_with_cover_then_published_and_found_by_subject(demo_server, new_page, tmp_path):
    demo_server.shell(SETUP)
    base = demo_server.start()

    # The teacher creates the course as a draft, with a cover and a subject.
    teacher = new_page(viewport=DESKTOP)
    pages.log_in(teacher, base, "tina", PASSWORD)
    teacher.goto(base + "/courses/new/")
    published = teacher.get_by_label("Published")
    expect(published).to_be_checked()  # a new course is published unless unticked
    teacher.get_by_label("Title").fill(TITLE)
    teacher.get_by_label("Description").fill("Paper, pigments and water: washes, layers and skies.")
    teacher.get_by_label("Subject").select_option(label="Art")
    teacher.get_by_label("Cover image").set_input_files(str(cover_file(tmp_path)))
    published.uncheck()
    save(teacher, "guide-catalog-form")
    teacher.get_by_role("button", name="Create course").click()
    expect(teacher.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(teacher.get_by_text("It is a draft: students do not see it until you publish it.")).to_be_visible()
    expect(teacher.locator("[data-draft-badge]")).to_have_text("Draft")
    expect(teacher.locator("[data-subject-badge]")).to_have_text("Art")
    banner = teacher.locator("header img.elearning-cover")
    expect(banner).to_have_attribute(
        "src", re.compile(r"^/media/elearning_courses/covers/[0-9a-f]{32}\.png$")
    )
    # After a click the page is not awaited to its load event: wait for the picture itself.
    teacher.wait_for_function("() => document.querySelector('header img.elearning-cover').complete")
    assert banner.evaluate("img => img.naturalWidth") == 1200  # re-encoded to COVER_SIZE
    course_url = teacher.url
    teacher.goto(course_url)  # without the flash messages
    save(teacher, "guide-catalog-draft")

    # The student does not find it: not in the catalog, not even by its subject; its page is a 404.
    student = new_page(viewport=DESKTOP)
    pages.log_in(student, base, "stu", PASSWORD)
    student.goto(base + "/courses/")
    expect(student.get_by_role("link", name="Art history")).to_be_visible()
    expect(student.get_by_role("link", name=TITLE)).to_have_count(0)
    expect(student.get_by_label("Subject").locator("option[value=art]")).to_have_text("Art (1)")
    assert student.goto(course_url).status == 404

    # The teacher publishes it from the hint on the course page.
    teacher.get_by_role("link", name="Publish").click()
    teacher.get_by_label("Published").check()
    teacher.get_by_role("button", name="Save changes").click()
    expect(teacher.get_by_text("The course is published: students can find it now.")).to_be_visible()
    expect(teacher.locator("[data-draft-badge]")).to_have_count(0)

    # The student finds it by its subject, with its cover, and opens it.
    student.goto(base + "/courses/")
    student.get_by_label("Subject").select_option("art")
    student.get_by_label("Sort by").select_option(label="Most popular")
    student.get_by_role("search", name="Search courses").get_by_role("button", name="Search").click()
    expect(student).to_have_url(re.compile(r"/courses/\?q=&subject=art&sort=popular$"))
    expect(student.get_by_text("2 courses in Art.")).to_be_visible()
    expect(student.get_by_role("link", name="Algebra I")).to_have_count(0)
    card = student.locator(".card", has=student.get_by_role("link", name=TITLE))
    expect(card.locator("img.elearning-cover")).to_have_attribute("loading", "lazy")
    expect(card.locator("img.elearning-cover")).to_have_attribute("src", re.compile(r"^/media/"))
    expect(card.locator("[data-subject-badge]")).to_have_text("Art")
    card.locator("img.elearning-cover").evaluate("img => img.decode()")
    save(student, "guide-catalog-browse")
    student.get_by_role("link", name=TITLE).click()
    expect(student.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(student.get_by_role("button", name="Enroll")).to_be_visible()

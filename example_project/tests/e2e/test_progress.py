"""Progress in a real browser: a student marks lessons complete and sees the bar move on the
lesson page and the course page, undoes one and continues where they left off; the teacher
reads the progress table and downloads it as CSV.

The pictures of docs/guide/learning.rst are taken here: every run writes them to
``artifacts/docs/``; with ``UPDATE_SCREENSHOTS=1`` they also replace
``docs/_static/guide-progress-*.png``.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from . import pages
from .test_docs_screenshots import DESKTOP, save

pytestmark = pytest.mark.e2e

PASSWORD = "Progress-pass-2026"
SETUP = f"""
from django.contrib.auth import get_user_model
from elearning_courses import services
from elearning_courses.models import Lesson, Module
User = get_user_model()
tina = User.objects.create_user("tina", password="{PASSWORD}", role="teacher", first_name="Tina", last_name="Tutor")
stan = User.objects.create_user("stan", password="{PASSWORD}", role="student", first_name="Stan", last_name="Student")
eve = User.objects.create_user("=eve", password="{PASSWORD}", role="student")
course = services.create_course(tina, title="Python from scratch", description="Variables, loops and functions.")
services.enroll(stan, course)
services.enroll(eve, course)
basics = Module.objects.create(course=course, title="Basics", position=0)
loops = Module.objects.create(course=course, title="Loops", position=1)
titles = ["Hello, world", "Variables", "Types", "For loops", "While loops"]
for i, title in enumerate(titles):
    Lesson.objects.create(
        module=basics if i < 3 else loops, title=title, position=i,
        text=f"## {{title}}\\n\\nRead this, then mark the lesson as complete.",
    )
Lesson.objects.create(module=loops, title="Coming soon", position=9, is_published=False)
print("ids", course.pk, *Lesson.objects.filter(course=course).order_by("position").values_list("pk", flat=True))
"""


def bar(page):
    """The course progress bar of ``page`` (the first on the page)."""
    return page.get_by_role("progressbar").first


def test_student_progress_and_teacher_table(demo_server, new_page):
    course_id, *lesson_ids = re.search(r"^ids ([\d ]+)$", demo_server.shell(SETUP), re.M).group(1).split()
    base = demo_server.start()
    course_url = f"{base}/courses/{course_id}/"

    student = new_page(viewport=DESKTOP)
    pages.log_in(student, base, "stan", PASSWORD)

    # The course page: nothing done yet, "Start the course" opens the first lesson.
    student.goto(course_url)
    expect(bar(student)).to_have_attribute("aria-valuenow", "0")
    expect(student.locator("[data-course-progress]")).to_contain_text("0 of 5 lessons · 0%")
    student.get_by_role("link", name="Start the course").click()
    expect(student).to_have_url(f"{base}/courses/{course_id}/lessons/{lesson_ids[0]}/")

    # Complete three lessons from their pages: the bar of the lesson page moves.
    for number, lesson_id in enumerate(lesson_ids[:3], start=1):
        student.goto(f"{base}/courses/{course_id}/lessons/{lesson_id}/")
        student.get_by_role("button", name="Mark as complete").click()
        expect(student.locator("[data-lesson-completed]")).to_have_text("Completed ✓")
        percent = number * 100 // 5
        expect(bar(student)).to_have_attribute("aria-valuenow", str(percent))
        expect(student.locator("[data-lesson-progress]")).to_contain_text(
            f"{number} of 5 lessons · {percent}%"
        )
        expect(student.get_by_role("alert")).to_contain_text("is marked as complete")
    save(student, "guide-progress-lesson")

    # Undo the third: back to 2 of 5.
    student.get_by_role("button", name="Undo").click()
    expect(student.get_by_role("button", name="Mark as complete")).to_be_visible()
    expect(bar(student)).to_have_attribute("aria-valuenow", "40")

    # The course page agrees, and continues where the student left off.
    student.goto(course_url)
    expect(bar(student)).to_have_attribute("aria-valuenow", "40")
    expect(student.locator("[data-course-progress]")).to_contain_text("2 of 5 lessons · 40%")
    expect(student.locator("[data-course-progress]")).to_contain_text("Last opened: Types")
    student.locator("[data-course-progress]").scroll_into_view_if_needed()
    save(student, "guide-progress-course")
    student.get_by_role("link", name="Continue where you left off").click()
    expect(student).to_have_url(f"{base}/courses/{course_id}/lessons/{lesson_ids[2]}/")

    # My courses: the same progress on the course's card.
    student.goto(base + "/courses/mine/")
    expect(student.get_by_role("progressbar", name="Your progress in Python from scratch")).to_have_attribute(
        "aria-valuenow", "40"
    )
    save(student, "guide-progress-mine")

    # The teacher's progress table, sorted by lessons done (most first), and its CSV.
    teacher = new_page(viewport=DESKTOP)
    pages.log_in(teacher, base, "tina", PASSWORD)
    teacher.goto(course_url)
    teacher.get_by_role("link", name="Students").first.click()
    teacher.get_by_role("link", name="Progress").click()
    expect(teacher).to_have_url(f"{base}/courses/{course_id}/progress/")
    table = teacher.locator("[data-progress-table]")
    expect(table.locator("tbody tr")).to_have_count(2)
    teacher.get_by_role("link", name="Lessons done").click()
    teacher.get_by_role("link", name="Lessons done").click()
    expect(teacher).to_have_url(re.compile(r"\?sort=-done$"))
    first_row = table.locator("tbody tr").first
    expect(first_row).to_contain_text("Stan Student")
    expect(first_row).to_contain_text("2 of 5")
    expect(first_row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "40")
    expect(first_row).to_contain_text("Types")
    save(teacher, "guide-progress-table")

    with teacher.expect_download() as download_info:
        teacher.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert re.fullmatch(rf"progress-{course_id}-python-from-scratch\.csv", download.suggested_filename)
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows[0] == ["Username", "Name", "Lessons done", "Lessons", "Percent", "Last visit", "Last lesson"]
    by_user = {row[0]: row for row in rows[1:]}
    assert by_user["stan"][1:5] == ["Stan Student", "2", "5", "40"]
    assert by_user["stan"][6] == "Types"
    # A username a spreadsheet would run as a formula is neutralised.
    assert by_user["'=eve"][2:5] == ["0", "5", "0"]

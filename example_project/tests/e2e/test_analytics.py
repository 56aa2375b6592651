"""Course analytics in a real browser: the teacher opens the analytics page of a seeded
course, Chart.js draws every chart with the seed's numbers (under the site's CSP), the data
tables show them, and a chart's CSV downloads with the expected rows.

The picture of docs/guide/analytics.rst is taken here: every run writes it to
``artifacts/docs/``; with ``UPDATE_SCREENSHOTS=1`` it also replaces
``docs/_static/guide-analytics.png``.
"""

import csv
import re

import pytest
from playwright.sync_api import expect

from . import pages
from .test_docs_screenshots import DESKTOP, save

pytestmark = pytest.mark.e2e

PASSWORD = "Analytics-pass-2026"
# Three published lessons; ann completes all, bob the first, cy none: furthest lessons
# Deploy (ann) and Intro (bob). Ratings 5 and 3. In the chat room: two messages today,
# one two days ago and a deleted one (not counted).
SETUP = f"""
import datetime
from django.contrib.auth import get_user_model
from django.utils import timezone
from elearning_chat.models import Message, Room
from elearning_courses import progress, services
from elearning_courses.models import Lesson, Module
User = get_user_model()
tina = User.objects.create_user("tina", password="{PASSWORD}", role="teacher")
course = services.create_course(tina, title="Web basics", description="HTML, CSS and HTTP.")
module = Module.objects.create(course=course, title="Start", position=0)
lessons = [Lesson.objects.create(module=module, title=t, position=i) for i, t in enumerate(["Intro", "Setup", "Deploy"])]
Lesson.objects.create(module=module, title="Draft", position=9, is_published=False)
people = {{}}
for name in ["ann", "bob", "=cy"]:
    people[name] = User.objects.create_user(name, password="{PASSWORD}", role="student")
    services.enroll(people[name], course)
for lesson in lessons:
    progress.complete_lesson(people["ann"], lesson)
progress.complete_lesson(people["bob"], lessons[0])
services.save_feedback(people["ann"], course, rating=5, comment="")
services.save_feedback(people["bob"], course, rating=3, comment="")
room = Room.objects.create(slug=course.chat_room, title=course.title)
for body in ["hello", "hi"]:
    Message.objects.create(room=room, author=people["ann"], body=body)
Message.objects.create(room=room, author=people["bob"], body="gone", deleted=True)
old = Message.objects.create(room=room, author=tina, body="welcome")
Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
print("course", course.pk)
"""

CHART_DATA = """canvas => {
    const chart = Chart.getChart(canvas);
    return chart ? {labels: chart.data.labels, data: chart.data.datasets.map(d => d.data),
                    drawn: canvas.width > 0 && canvas.height > 0} : null;
}"""


def test_teacher_sees_the_charts_and_downloads_a_csv(demo_server, new_page):
    course_id = re.search(r"^course (\d+)$", demo_server.shell(SETUP), re.M).group(1)
    base = demo_server.start()
    page = new_page(viewport=DESKTOP)
    violations = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    pages.log_in(page, base, "tina", PASSWORD)
    page.goto(f"{base}/courses/{course_id}/progress/")
    page.get_by_role("link", name="Analytics").click()
    expect(page).to_have_url(f"{base}/courses/{course_id}/analytics/")
    expect(page.locator("[data-analytics-summary]")).to_contain_text(
        "3 enrolled students · 3 published lessons"
    )

    # The charts are drawn by deferred scripts, after the page shows.
    page.locator("body[data-analytics-drawn]").wait_for()

    def chart(slug):
        canvas = page.locator(f'canvas[data-analytics-chart="{slug}"]')
        expect(canvas).to_be_visible()
        return canvas.evaluate(CHART_DATA)

    dropoff = chart("dropoff")
    assert dropoff["drawn"]
    assert dropoff["labels"] == ["Intro", "Setup", "Deploy"]
    assert dropoff["data"] == [[2, 1, 1], [1, 0, 1]]
    assert chart("completion")["data"] == [[1, 0, 1, 0, 0, 1]]
    assert chart("ratings")["data"] == [[0, 0, 1, 0, 1]]
    assert chart("enrollments")["data"] == [[3], [3]]
    chat = chart("chat")["data"][0]
    assert (len(chat), chat[-1], chat[-3], sum(chat)) == (30, 2, 1, 3)

    # The accessible tables say the same.
    table = page.locator('[data-analytics-table="dropoff"]')
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").nth(2)).to_have_text(re.compile(r"Deploy\s*1\s*1"))
    expect(page.locator('[data-analytics-table="ratings"] tbody tr').nth(4)).to_have_text(
        re.compile(r"5\s*1")
    )
    page.wait_for_function("() => Chart.getChart(document.querySelector('canvas')) !== undefined")
    save(page, "guide-analytics")

    with page.expect_download() as download_info:
        page.locator('[data-analytics-csv="dropoff"]').click()
    download = download_info.value
    assert download.suggested_filename == f"analytics-dropoff-{course_id}-web-basics.csv"
    with open(download.path(), encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows == [
        ["Lesson", "Completed it", "Stopped there"],
        ["Intro", "2", "1"],
        ["Setup", "1", "0"],
        ["Deploy", "1", "1"],
    ]
    assert violations == []

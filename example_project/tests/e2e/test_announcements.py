"""Announcements as the class lives them: the teacher posts one, an enrolled student's open
page counts it on the bell at once, and the course page shows it, its Markdown rendered.

With ``UPDATE_SCREENSHOTS=1`` the pictures of the guide (docs/guide/announcements.rst) are
written to ``docs/_static/guide-announcement.png`` and ``guide-announcement-teacher.png``.
"""

import re

import pytest
from playwright.sync_api import expect

from . import pages
from .test_docs_screenshots import save  # a locator works as well as a page

pytestmark = pytest.mark.e2e

PASSWORD = "Announce-pass-2026"
SETUP = f"""
from django.contrib.auth import get_user_model
from elearning_courses import announcements, services
User = get_user_model()
tina = User.objects.create_user("tina", password="{PASSWORD}", role="teacher", first_name="Tina")
stan = User.objects.create_user("stan", password="{PASSWORD}", role="student")
course = services.create_course(tina, title="Chemistry 101", description="Atoms, bonds and reactions.")
services.enroll(stan, course)
announcements.post_announcement(tina, course, title="Welcome!", body="Read the *syllabus* first.")
print("course", course.pk)
"""


BODY = "The lab moves to **room 204**.\n\n- bring goggles\n- bring a lab coat"


def test_teacher_posts_and_the_student_hears_of_it_live(demo_server, new_page):
    course_id = re.search(r"^course (\d+)$", demo_server.shell(SETUP), re.M).group(1)
    base = demo_server.start()
    course_url = f"{base}/courses/{course_id}/"
    teacher, student = new_page(), new_page()
    pages.log_in(teacher, base, "tina", PASSWORD)
    pages.log_in(student, base, "stan", PASSWORD)

    # The student reads the course page; the bell is connected.
    student.goto(course_url)
    expect(student.locator("#notification-bell[data-live]")).to_have_count(1)
    section = student.locator("#announcements")
    expect(section.get_by_role("heading", name="Welcome!")).to_be_visible()
    expect(section.get_by_role("link", name=re.compile("Post an announcement"))).to_have_count(0)
    badge = student.locator("#notification-count")
    before = int(re.match(r"\s*(\d+)", badge.text_content()).group(1)) if badge.is_visible() else 0

    # The teacher posts; an empty title is refused beside the field first.
    teacher.goto(course_url)
    teacher.locator("#announcements").get_by_role("link", name="Post an announcement").click()
    teacher.get_by_label("Text").fill(BODY)
    teacher.get_by_role("button", name="Post").click()
    expect(teacher.locator("#id_title")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(teacher.locator("main")).to_contain_text("Give the announcement a title.")
    teacher.get_by_label("Title").fill("Lab moved")
    teacher.get_by_role("button", name="Post").click()
    expect(teacher.locator("main")).to_contain_text("The announcement “Lab moved” was posted.")
    expect(teacher.locator("#announcements strong")).to_have_text("room 204")

    # The student's open page counts it at once and a screen reader hears it.
    expect(badge).to_have_text(re.compile(rf"^\s*{before + 1}\b"))
    expect(student.locator("#notification-announcement")).to_have_text(
        "Announcement in Chemistry 101: Lab moved"
    )

    # Following the notification lands on the announcement, rendered, newest first.
    student.goto(base + "/notifications/")
    student.get_by_role("link", name="Announcement in Chemistry 101: Lab moved").click()
    expect(student).to_have_url(re.compile(rf"/courses/{course_id}/#announcements$"))
    headings = student.locator("#announcements h3")
    expect(headings).to_have_text(["Lab moved", "Welcome!"])
    expect(student.locator("#announcements strong")).to_have_text("room 204")
    expect(student.locator("#announcements li li")).to_have_count(2)
    assert save(student.locator("#announcements"), "guide-announcement").stat().st_size > 0

    teacher.reload()
    assert save(teacher.locator("#announcements"), "guide-announcement-teacher").stat().st_size > 0

    # The teacher deletes the first one; the class no longer sees it.
    teacher.goto(course_url)
    teacher.get_by_role("link", name="Delete Welcome!").click()
    teacher.get_by_role("button", name="Yes, delete").click()
    expect(teacher.locator("main")).to_contain_text("The announcement “Welcome!” was deleted.")
    student.reload()
    expect(headings).to_have_text(["Lab moved"])


LESSONS_SETUP = f"""
from django.contrib.auth import get_user_model
from elearning_courses import services
from elearning_courses.models import Lesson, Module
User = get_user_model()
tina = User.objects.create_user("tina", password="{PASSWORD}", role="teacher")
stan = User.objects.create_user("stan", password="{PASSWORD}", role="student")
course = services.create_course(tina, title="Chemistry 101")
services.enroll(stan, course)
weeks = [Module.objects.create(course=course, title=f"Week {{n}}", position=n, is_published=False) for n in (1, 2)]
Lesson.objects.create(module=weeks[0], title="Atoms")
Lesson.objects.create(module=weeks[1], title="Bonds")
Lesson.objects.create(module=weeks[1], title="Reactions", position=1)
print("ids", course.pk, weeks[0].pk, weeks[1].pk)
"""


def test_new_lessons_are_one_notification_updated_live(demo_server, new_page):
    course_id, *weeks = re.search(r"^ids (\d+) (\d+) (\d+)$", demo_server.shell(LESSONS_SETUP), re.M).groups()
    base = demo_server.start()
    teacher, student = new_page(), new_page()
    pages.log_in(teacher, base, "tina", PASSWORD)
    pages.log_in(student, base, "stan", PASSWORD)
    student.goto(base + "/notifications/")
    expect(student.locator("#notification-bell[data-live]")).to_have_count(1)
    badge = student.locator("#notification-count")
    before = int(re.match(r"\s*(\d+)", badge.text_content()).group(1)) if badge.is_visible() else 0
    feed = student.locator("[data-live-notifications]")

    def publish(module_id):
        teacher.goto(f"{base}/courses/{course_id}/modules/{module_id}/edit/")
        teacher.get_by_label("Draft").uncheck()
        teacher.get_by_role("button", name="Save").click()
        expect(teacher.locator("main")).to_contain_text("Your changes were saved.")

    publish(weeks[0])
    news = feed.locator("li", has_text="Chemistry 101")
    expect(news).to_have_count(1)
    expect(news).to_contain_text("New lesson in Chemistry 101: Atoms")
    expect(badge).to_have_text(re.compile(rf"^\s*{before + 1}\b"))

    # Two more lessons: the same item, updated in place and still counted once.
    publish(weeks[1])
    expect(news).to_contain_text("3 new lessons in Chemistry 101")
    expect(news).to_have_count(1)
    expect(student.locator("#notification-announcement")).to_have_text("3 new lessons in Chemistry 101")
    expect(badge).to_have_text(re.compile(rf"^\s*{before + 1}\b"))

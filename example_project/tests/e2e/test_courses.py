"""A course's life in a real browser: a teacher creates it and uploads a material, a
student enrolls, downloads the material and rates the course, and the teacher's
bell counts the new notifications live, without a reload."""

import re

import pytest
from playwright.sync_api import expect

from ..conftest import screenshot
from . import pages

pytestmark = pytest.mark.e2e

PASSWORD = "Course-pass-2026"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def log_in(page, base, username):
    pages.log_in(page, base, username, PASSWORD)


def badge_count(page):
    return page.locator("#notification-count").get_attribute("data-count")


def test_teacher_and_student_share_a_course(demo_server, live_url, new_page, tmp_path):
    demo_server.shell(
        "from django.contrib.auth import get_user_model; U = get_user_model();"
        f"U.objects.create_user('tina', password='{PASSWORD}', role='teacher', first_name='Tina');"
        f"U.objects.create_user('stu', password='{PASSWORD}', role='student')"
    )

    # The teacher creates a course; a bad upload shows its error beside the field.
    teacher = new_page()
    log_in(teacher, live_url, "tina")
    teacher.get_by_role("link", name="New course").first.click()
    teacher.get_by_role("button", name="Create course").click()
    expect(teacher.locator("#id_title_error")).to_be_visible()
    teacher.get_by_label("Title").fill("Browser testing 101")
    teacher.get_by_label("Description").fill("Drive a real browser from Python.")
    teacher.get_by_role("button", name="Create course").click()
    expect(teacher.get_by_role("heading", name="Browser testing 101")).to_be_visible()
    course_url = teacher.url

    teacher.get_by_role("link", name="Upload material").click()
    bad = tmp_path / "evil.html"
    bad.write_bytes(b"<script>alert(1)</script>")
    teacher.locator("#id_file").set_input_files(str(bad))
    teacher.get_by_role("button", name="Upload").click()
    expect(teacher.locator("#id_file_error")).to_contain_text("not accepted")
    good = tmp_path / "week-1.pdf"
    good.write_bytes(PDF)
    teacher.get_by_label("Title").fill("Week 1 notes")
    teacher.locator("#id_file").set_input_files(str(good))
    teacher.get_by_role("button", name="Upload").click()
    expect(teacher.get_by_text("“Week 1 notes” was uploaded.")).to_be_visible()
    expect(teacher.get_by_role("link", name="Week 1 notes", exact=True)).to_be_visible()

    # The teacher waits on the home page, the bell connected and showing nothing unread.
    teacher.goto(live_url + "/")
    expect(teacher.locator("#notification-bell[data-live]")).to_have_count(1)
    expect(teacher.locator("#notification-count")).to_be_hidden()
    expect(teacher.locator("#home-notifications-empty")).to_be_visible()

    # The student finds the course, enrolls, downloads the material and rates the course.
    student = new_page(viewport={"width": 390, "height": 844})
    log_in(student, live_url, "stu")
    student.goto(live_url + "/courses/")
    student.get_by_role("link", name="Browser testing 101").click()
    # Before enrolling: the outline's titles, not links.
    expect(student.get_by_text("Enroll to open the lessons.")).to_be_visible()
    expect(student.get_by_role("link", name="Week 1 notes", exact=True)).to_have_count(0)
    student.get_by_role("button", name="Enroll").click()
    expect(student.get_by_text("You are enrolled in “Browser testing 101”. Welcome!")).to_be_visible()

    # The teacher's badge changes without a reload.
    expect(teacher.locator("#notification-count")).to_be_visible()
    expect(teacher.locator("#notification-count")).to_have_text(re.compile(r"^\s*1\b"))
    # ... and so does the home page's list of latest notifications.
    feed = teacher.locator("[data-live-notifications]")
    expect(feed.get_by_role("link", name="stu enrolled in Browser testing 101.")).to_be_visible()
    expect(teacher.locator("#home-notifications-empty")).to_be_hidden()

    # The material is a file lesson: its page has the download button.
    student.get_by_role("link", name="Week 1 notes", exact=True).click()
    with student.expect_download() as download_info:
        student.get_by_role("link", name="Download week-1.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "week-1.pdf"
    assert open(download.path(), "rb").read() == PDF
    student.go_back()

    student.get_by_role("radio", name="4 stars", exact=True).check()
    student.get_by_label("Comment").fill("Clear and hands-on.")
    student.get_by_role("button", name="Send feedback").click()
    expect(student.get_by_text("Thank you for your feedback!")).to_be_visible()
    expect(student.locator("p", has_text="Clear and hands-on.")).to_be_visible()
    screenshot(student, "course-student-mobile")

    expect(teacher.locator("#notification-count")).to_have_text(re.compile(r"^\s*2\b"))
    assert badge_count(teacher) == "2"
    screenshot(teacher, "course-teacher-bell")

    # Following a live notification opens the course and marks that one read.
    feed.get_by_role("link", name="stu rated Browser testing 101 4/5.").click()
    teacher.wait_for_url(re.compile(r"/courses/\d+/#feedback$"))
    expect(teacher.locator("#notification-count")).to_have_text(re.compile(r"^\s*1\b"))

    # The notifications page lists both; marking the rest read empties the badge.
    teacher.get_by_role("link", name=re.compile("Notifications")).first.click()
    expect(teacher.get_by_role("link", name="stu enrolled in Browser testing 101.")).to_be_visible()
    expect(teacher.get_by_role("link", name="stu rated Browser testing 101 4/5.")).to_be_visible()
    screenshot(teacher, "course-notifications")
    teacher.get_by_role("button", name="Mark 1 as read").click()
    expect(teacher.get_by_text("1 notification marked as read.")).to_be_visible()
    expect(teacher.locator("#notification-count")).to_be_hidden()

    # The course page shows the rating and the enrolled student.
    teacher.goto(course_url)
    expect(teacher.locator("main")).to_contain_text("1 student")
    expect(teacher.locator("main")).to_contain_text("4.0")
    teacher.get_by_role("link", name="Students", exact=True).click()
    expect(teacher.get_by_role("link", name="stu", exact=True)).to_be_visible()
    expect(teacher.get_by_role("link", name="Block stu")).to_be_visible()
    screenshot(teacher, "course-students")

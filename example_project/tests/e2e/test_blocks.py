"""A block as the blocked student lives it: the open chat closes and forgets who was there,
the reason the teacher gave shows wherever the course does, the course room says why it is
closed, and lifting the block is news too."""

import re

import pytest
from playwright.sync_api import expect

from . import pages

pytestmark = pytest.mark.e2e

PASSWORD = "Block-pass-2026"
REASON = "Posted answers to the graded quiz."
SETUP = f"""
from django.contrib.auth import get_user_model
from elearning_courses import services
User = get_user_model()
tina = User.objects.create_user("tina", password="{PASSWORD}", role="teacher")
stan = User.objects.create_user("stan", password="{PASSWORD}", role="student")
course = services.create_course(tina, title="Chemistry 101")
services.enroll(stan, course)
print("ids", course.pk, stan.pk)
"""


def log_in(page, base, username):
    pages.log_in(page, base, username, PASSWORD)


def test_blocked_student_sees_why_and_hears_of_the_unblock(demo_server, new_page):
    course_id, stan_id = re.search(r"^ids (\d+) (\d+)$", demo_server.shell(SETUP), re.M).groups()
    base = demo_server.start()
    teacher, student = new_page(), new_page()
    log_in(teacher, base, "tina")
    log_in(student, base, "stan")

    # Both in the course room: each sees the other.
    room = f"{base}/chat/course-{course_id}/"
    teacher.goto(room)
    student.goto(room)
    presence = student.locator("[data-chat-presence]")
    expect(presence.get_by_text("tina")).to_be_visible()
    expect(student.locator("[data-chat-presence-count]")).to_have_text("2")

    # The teacher blocks the student, with a reason.
    teacher.goto(f"{base}/courses/{course_id}/students/{stan_id}/block/")
    teacher.get_by_label("Reason").fill(REASON)
    teacher.get_by_role("button", name="Block student").click()

    # Finding 5: the closed room keeps no one on screen.
    expect(student.locator('[data-chat-state="closed"]')).to_have_count(1)
    expect(presence.locator("li")).to_have_count(0)
    expect(student.locator("[data-chat-presence-count]")).to_have_text("0")
    expect(student.locator("[data-chat-alerts]")).to_contain_text("room")

    # Finding 4: the room's page says what happened, and no "Enroll" the student cannot do.
    response = student.reload()
    assert response.status == 403
    denial = student.locator("[data-chat-denial-reason]")
    expect(denial).to_contain_text("removed you from this course")
    expect(student.locator("main")).not_to_contain_text("Enroll")

    # Finding 3: the reason on the course page, in the notification, on My courses and home.
    student.goto(f"{base}/courses/{course_id}/")
    expect(student.locator("[data-block-reason]")).to_have_text(f"Reason: {REASON}")
    student.goto(base + "/notifications/")
    expect(student.locator("main")).to_contain_text(
        f"You have been blocked from Chemistry 101. Reason: {REASON}"
    )
    student.goto(base + "/courses/mine/")
    blocked = student.locator("[data-blocked-courses]")
    expect(blocked.get_by_role("link", name="Chemistry 101")).to_be_visible()
    expect(blocked).to_contain_text(REASON)
    student.goto(base + "/")
    expect(student.locator("[data-blocked-courses]")).to_contain_text(REASON)

    # Unblocking notifies the student, live: the bell counts it and the home page lists it.
    expect(student.locator("#notification-bell[data-live]")).to_have_count(1)
    badge = student.locator("#notification-count")
    before = int(re.match(r"\s*(\d+)", badge.text_content()).group(1)) if badge.is_visible() else 0
    teacher.goto(f"{base}/courses/{course_id}/blocked/")
    teacher.get_by_role("button", name="Unblock stan").click()
    expect(teacher.locator("main")).to_contain_text("Nobody is blocked")
    expect(badge).to_have_text(re.compile(rf"^\s*{before + 1}\b"))
    feed = student.locator("[data-live-notifications]")
    expect(feed).to_contain_text("You are no longer blocked from Chemistry 101: you can enroll again.")
    student.reload()
    expect(student.locator("[data-blocked-courses]")).to_have_count(0)

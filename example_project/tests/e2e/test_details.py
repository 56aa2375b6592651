"""What a person sees in the small things: the API's front door and its log-in, ReDoc
without other hosts, the log-in page saying why, the greeting after sign-up, "just now",
the rating entered as stars by keyboard, "Not rated yet" at the size of its line, an
empty course's materials, a teacher's courses on their profile, and the chat's days."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from . import pages

pytestmark = pytest.mark.e2e

PASSWORD = "Detail-pass-2026"
SETUP = f"""
from django.contrib.auth import get_user_model
from elearning_courses import services
User = get_user_model()
tina = User.objects.create_user("tina", password="{PASSWORD}", role="teacher", first_name="Tina")
stan = User.objects.create_user("stan", password="{PASSWORD}", role="student")
course = services.create_course(tina, title="Chemistry 101")
services.create_course(tina, title="Physics 101")
services.enroll(stan, course)
print("ids", course.pk)
"""


def set_up(demo_server):
    return re.search(r"^ids (\d+)$", demo_server.shell(SETUP), re.M).group(1)


def log_in(page, base, username):
    pages.log_in(page, base, username, PASSWORD)


def test_api_root_log_in_and_offline_redoc(demo_server, live_url, new_page):
    demo_server.shell(
        f"from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('stan', password='{PASSWORD}', role='student')"
    )
    page = new_page()
    # Finding 1: /api/ lists the endpoints; a visitor is shown how to log in.
    page.goto(live_url + "/api/")
    expect(page.get_by_role("heading", name="Api Root")).to_be_visible()
    expect(page.get_by_label("response info")).to_contain_text(f"{live_url}/api/courses/")
    page.goto(live_url + "/api/courses/")
    expect(page.get_by_label("response info")).to_contain_text(
        "Authentication credentials were not provided."
    )
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("stan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_url + "/api/courses/")
    expect(page.get_by_label("response info")).to_contain_text('"results"')

    # Finding 2: ReDoc renders from the site's own files only. Its bundle asks for the
    # Redocly logo on Redocly's CDN; the page's Content-Security-Policy stops that in the
    # browser, before any connection (the request fails as blocked, with no response).
    requests = []
    redoc = new_page()
    redoc.on("request", lambda request: requests.append(request))
    redoc.goto(live_url + "/api/schema/redoc/")
    expect(redoc.get_by_role("heading", name=re.compile("django-elearning API")).first).to_be_visible()
    redoc.wait_for_load_state("networkidle")
    assert requests
    others = [r for r in requests if not r.url.startswith((live_url + "/", "data:", "blob:"))]
    assert [(r.url, r.failure) for r in others if r.failure != "csp"] == []
    assert all(r.response() is None for r in others)


def test_login_reason_and_first_greeting(live_url, new_page):
    page = new_page()
    # Finding 9: sent to log in by a page, the visitor is told why.
    page.goto(live_url + "/chat/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/chat/$"))
    expect(page.get_by_text("Log in to see that page.")).to_be_visible()
    page.goto(live_url + "/accounts/login/")
    expect(page.get_by_text("Log in to see that page.")).to_have_count(0)

    # Finding 6: right after sign-up, no "Welcome back".
    page.goto(live_url + "/accounts/signup/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Student").check()
    page.locator("#id_password1").fill("Analytical-Engine-1843")
    page.locator("#id_password2").fill("Analytical-Engine-1843")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(live_url + "/")
    expect(page.get_by_text("Welcome, ada! Your account is ready.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, ada")
    expect(page.get_by_text("Welcome back")).to_have_count(0)


def test_course_details(demo_server, live_url, new_page):
    course_id = set_up(demo_server)
    course_url = f"{live_url}/courses/{course_id}/"

    # A visitor: "Not rated yet" is as large as the rest of its line, on the course page
    # and on the cards; a course without lessons says so in words, not "0 lessons".
    visitor = new_page()
    visitor.goto(course_url)
    same_size = "el => getComputedStyle(el).fontSize === getComputedStyle(el.parentElement).fontSize"
    rating = visitor.locator("header .elearning-rating")
    expect(rating).to_have_text("Not rated yet")
    assert rating.evaluate(same_size)
    expect(visitor.locator("#materials")).to_contain_text("The teacher has not published any lessons yet.")
    expect(visitor.locator("#materials")).not_to_contain_text("0 lessons")
    visitor.goto(live_url + "/courses/")
    for card_rating in visitor.locator(".card .elearning-rating").all():
        assert card_rating.evaluate(same_size)

    # A teacher's public profile lists the courses they teach.
    visitor.goto(live_url + "/users/tina/")
    courses = visitor.locator("[data-teacher-courses]")
    expect(courses.get_by_role("link", name="Chemistry 101")).to_be_visible()
    expect(courses.get_by_role("link", name="Physics 101")).to_be_visible()
    visitor.goto(live_url + "/users/stan/")
    expect(visitor.locator("[data-teacher-courses]")).to_have_count(0)

    # The teacher's newest notification happened "just now", not "0 minutes ago".
    teacher = new_page()
    log_in(teacher, live_url, "tina")
    expect(teacher.locator("[data-live-notifications]")).to_contain_text("just now")
    expect(teacher.locator("main")).not_to_contain_text("0 minutes ago")

    # The student rates with the stars, by keyboard: real radio buttons named "N stars".
    student = new_page()
    log_in(student, live_url, "stan")
    student.goto(course_url)
    stars = student.get_by_role("group", name="Your rating")
    expect(stars.get_by_role("radio")).to_have_count(5)
    student.get_by_role("radio", name="3 stars", exact=True).focus()
    student.keyboard.press("Space")
    student.keyboard.press("ArrowRight")
    expect(student.get_by_role("radio", name="4 stars", exact=True)).to_be_checked()
    labels = student.locator(".elearning-stars label")
    color = "el => getComputedStyle(el).color"
    student.mouse.move(0, 0)  # no pointer over the stars: show what is checked
    assert labels.nth(0).evaluate(color) == labels.nth(3).evaluate(color) != labels.nth(4).evaluate(color)
    outline = labels.nth(3).evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"  # the focused star is outlined
    student.get_by_role("button", name="Send feedback").click()
    expect(student.get_by_text("Thank you for your feedback!")).to_be_visible()
    expect(student.locator("#feedback li").first).to_contain_text("Rated 4.0 out of 5")


def test_chat_shows_the_day_of_each_message(demo_server, live_url, new_page):
    set_up(demo_server)
    # Messages three days ago, yesterday and today (24 hours apart: another date in any
    # time zone), two of them today.
    demo_server.shell(
        "from datetime import timedelta\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.utils import timezone\n"
        "from elearning_chat.models import Message, Room\n"
        "tina = get_user_model().objects.get(username='tina')\n"
        "room, _ = Room.objects.get_or_create(slug='lobby', defaults={'title': 'Lobby'})\n"
        "now = timezone.now()\n"
        "for days, body in ((3, 'Long ago'), (1, 'Yesterday message'), (0, 'First today'), (0, 'Second today')):\n"
        "    m = Message.objects.create(room=room, author=tina, body=body)\n"
        "    Message.objects.filter(pk=m.pk).update(created_at=now - timedelta(days=days))\n"
    )
    page = new_page()
    log_in(page, live_url, "stan")
    page.goto(live_url + "/chat/lobby/")
    expect(page.get_by_text("Second today")).to_be_visible()
    days = page.locator("[data-chat-messages] .chat-day")
    expect(days).to_have_count(3)
    expect(days.nth(1)).to_have_text("Yesterday")
    expect(days.nth(2)).to_have_text("Today")
    long_ago = page.evaluate(
        "ms => new Date(Date.now() - ms).toLocaleDateString(document.documentElement.lang,"
        " {weekday: 'long', day: 'numeric', month: 'long', year: 'numeric'})",
        timedelta(days=3).total_seconds() * 1000,
    )
    expect(days.nth(0)).to_have_text(long_ago)
    # Each separator opens the first message of its day.
    first_of_day = page.locator("[data-chat-messages] > li:has(> .chat-day) .chat-text")
    expect(first_of_day).to_have_text(["Long ago", "Yesterday message", "First today"])
    expect(days.first).to_have_attribute("role", "separator")

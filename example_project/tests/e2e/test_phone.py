"""The demo on a phone (390 px wide): the unread count without opening the menu, the
course page's title first, the chat composer within reach on a short screen, and no
page wider than the screen, even a small one (375 px), for a visitor, a student and a
teacher."""

import json
import re

import pytest
from playwright.sync_api import expect

from demo.management.commands.load_demo_data import DEMO_PASSWORD

from ..conftest import screenshot
from . import pages

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 375, "height": 667}
IDS = """
import json
from django.contrib.auth import get_user_model
from elearning_courses.models import Announcement, Course, CourseMaterial, Lesson
U = get_user_model()
course = lambda title: Course.objects.get(title=title).pk
django = Course.objects.get(title="Django for beginners")
lessons = Lesson.objects.filter(course=django, is_published=True, module__is_published=True)
print("IDS", json.dumps({
    "courses": list(Course.objects.filter(is_published=True).values_list("pk", flat=True)),
    "draft": course("Data visualisation"),
    "django": django.pk,
    "lessons": {kind: pk for kind, pk in lessons.order_by("-position").values_list("kind", "pk")},
    "module": django.modules.order_by("position").first().pk,
    "announcement": Announcement.objects.filter(course=django).first().pk,
    "stats": course("Statistics 101"),
    "lee": U.objects.get(username="lee").pk,
    "kim": U.objects.get(username="kim").pk,
    "material": CourseMaterial.objects.filter(course_id=course("Django for beginners")).first().pk,
}))
"""


@pytest.fixture
def demo(demo_server):
    """The demo data (alice and bob teach; sam, kim and lee study; lee is blocked from
    Statistics 101), one server, and the ids the pages need."""
    demo_server.manage("load_demo_data")
    out = demo_server.shell(IDS)
    ids = json.loads(out.split("IDS ", 1)[1])
    return demo_server.start(), ids


def log_in(page, base, username):
    pages.log_in(page, base, username, DEMO_PASSWORD)


def pages_of(role, ids):
    """The pages ``role`` opens; the published courses for everyone, the draft (Data
    visualisation, bob's) for its teacher only."""
    django, stats = ids["django"], ids["stats"]
    courses = [f"/courses/{pk}/" for pk in ids["courses"]]
    common = [
        "/",
        "/courses/",
        "/courses/?q=python",
        "/courses/search/?q=django+models",
        "/courses/search/?q=zzyzx",
        *courses,
        "/users/alice/",
        "/users/sam/",
    ]
    # sam is enrolled in Django for beginners: a lesson of every kind.
    lessons = [f"/courses/{django}/lessons/{pk}/" for pk in ids["lessons"].values()]
    if role == "visitor":
        return [*common, "/accounts/login/", "/accounts/login/?next=/chat/", "/accounts/signup/"]
    signed_in = [
        *common,
        "/courses/mine/",
        "/notifications/",
        "/chat/",
        "/chat/lobby/",
        "/accounts/profile/",
        "/accounts/password/",
    ]
    if role == "student":  # sam; lee's pages show a block
        return [*signed_in, *lessons, f"/chat/course-{django}/", f"/chat/course-{stats}/"]
    if role == "draft teacher":  # bob: his draft, its content builder
        return [f"/courses/{ids['draft']}/", f"/courses/{ids['draft']}/content/", "/courses/mine/"]
    module = f"/courses/{django}/modules/{ids['module']}"
    return [  # alice teaches Django for beginners
        *signed_in,
        *lessons,
        f"/courses/{django}/content/",
        f"{module}/edit/",
        f"{module}/lessons/new/",
        f"{module}/lessons/new/?kind=video",
        f"/courses/{django}/lessons/{ids['lessons']['text']}/edit/",
        f"/courses/{django}/progress/",
        f"/courses/{django}/analytics/",
        f"/courses/{django}/announcements/new/",
        f"/courses/{django}/announcements/{ids['announcement']}/delete/",
        "/courses/new/",
        f"/chat/course-{django}/",
        f"/courses/{django}/edit/",
        f"/courses/{django}/students/",
        f"/courses/{django}/blocked/",
        f"/courses/{django}/materials/new/",
        f"/courses/{django}/materials/{ids['material']}/delete/",
        f"/courses/{django}/students/{ids['kim']}/block/",
        f"/courses/{django}/delete/",
    ]


def overflow(page):
    """How many pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_no_page_scrolls_sideways_on_a_phone(demo, new_page):
    base, ids = demo
    too_wide = []
    roles = (
        ("visitor", None),
        ("student", "sam"),
        ("teacher", "alice"),
        ("blocked", "lee"),
        ("draft teacher", "bob"),
    )
    for role, username in roles:
        page = new_page(viewport=SMALL_PHONE)
        if username:
            log_in(page, base, username)
        for path in pages_of("student" if role == "blocked" else role, ids):
            response = page.goto(base + path)
            # A page or a refusal that says why (403), never a missing page: a draft stays
            # out of the visitors' and students' lists.
            assert response.status < 500 and response.status != 404, (role, path, response.status)
            page.wait_for_load_state("load")
            if overflow(page) > 0:
                too_wide.append((role, path, overflow(page)))
                screenshot(page, f"too-wide-{role}-{path.strip('/').replace('/', '-') or 'home'}")
    assert too_wide == []


def test_phone_navbar_and_course_page(demo, new_page):
    base, ids = demo
    page = new_page(viewport=PHONE)
    log_in(page, base, "sam")  # the demo gives sam unread notifications
    # The bell and its count show with the menu closed.
    expect(page.locator(".navbar-collapse")).to_be_hidden()
    expect(page.locator("#notification-bell")).to_be_visible()
    expect(page.locator("#notification-count")).to_be_visible()
    expect(page.locator("#notification-count")).to_have_text(re.compile(r"^\s*[1-9]"))

    # The course page reads title first: the heading above the teacher and enroll card.
    page.goto(f"{base}/courses/{ids['stats']}/")
    title = page.get_by_role("heading", level=1).bounding_box()
    card = page.get_by_role("complementary", name="Course actions").bounding_box()
    description = page.locator("#materials").bounding_box()
    assert title["y"] + title["height"] <= card["y"]
    assert card["y"] < description["y"]  # ... and the actions still before the long parts
    screenshot(page, "phone-course-page")


def test_chat_composer_in_reach_on_a_short_screen(demo, new_page):
    base, ids = demo
    # 390 x 500: a phone with the on-screen keyboard up.
    page = new_page(viewport={"width": 390, "height": 500})
    log_in(page, base, "sam")
    page.goto(f"{base}/chat/course-{ids['django']}/")
    page.locator('[data-chat-state="connected"]').wait_for()
    composer = page.get_by_label("Your message")
    send = page.get_by_role("button", name="Send")
    expect(composer).to_be_in_viewport(ratio=1)
    expect(send).to_be_in_viewport(ratio=1)
    composer.fill("On my way")
    expect(send).to_be_in_viewport(ratio=1)
    # A taller keyboard leaves 400 px: the composer sticks to the bottom of the screen.
    page.set_viewport_size({"width": 390, "height": 400})
    expect(composer).to_be_in_viewport(ratio=1)
    expect(send).to_be_in_viewport(ratio=1)
    # Scrolled down to the people in the room, the composer is where it belongs.
    page.locator("[data-chat-presence]").scroll_into_view_if_needed()
    screenshot(page, "phone-chat-short-screen")
    send.click()
    expect(page.locator("[data-chat-messages]")).to_contain_text("On my way")

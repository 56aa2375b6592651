"""Accessibility, measured: axe-core inside Chromium on every page of the demo, for a
visitor, a student, a teacher and staff, at desktop (1280x800) and phone (390x844) width.

Any serious or critical violation fails; the moderate and minor ones are counted, and the
count of every rule is printed at the end of the run and written to
artifacts/axe-summary.txt. The page list comes from the URL conf: every named URL is
either a page below (with the demo data's arguments and the roles that see it) or in
NOT_PAGES with the reason it is not one, so a new page cannot be left unchecked.

Also here: the login form and the chat composer driven by the keyboard alone (focus order
and a visible focus indicator), and the live regions that announce a new chat message
and a new notification, each exactly once.
"""

import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..conftest import ARTIFACTS, DemoServer
from . import pages
from .conftest import AXE_SUMMARIES

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = re.search(r"axe v([\d.]+)", AXE.read_text()[:200]).group(1)
PASSWORD = "demo-pass-2026"  # load_demo_data's
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
FAILING = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")
ROLES = {"visitor": None, "student": "sam", "teacher": "alice", "staff": "admin"}

EVERYONE = ("visitor", "student", "teacher")
MEMBERS = ("student", "teacher")
TEACHER = ("teacher",)
VISITOR = ("visitor",)

# What each page waits for before it is measured: the chat once connected with its
# history shown, the API pages once their scripts have drawn the schema.
CHAT_READY = '[data-chat-state="connected"] [data-chat-messages] > li'
SWAGGER_READY = "#swagger-ui .opblock"
REDOC_READY = ".api-content h1"
ANALYTICS_READY = "body[data-analytics-drawn]"


@dataclass(frozen=True)
class Page:
    url_name: str
    roles: tuple
    kwargs: dict = field(default_factory=dict)  # values formatted with the demo's ids
    ready: str = ""
    label: str = ""
    query: str = ""  # a query string, for pages that show what they are asked (search)

    def path(self, ids):
        from django.urls import reverse

        path = reverse(self.url_name, kwargs={k: str(v).format(**ids) for k, v in self.kwargs.items()})
        return f"{path}?{self.query}" if self.query else path

    @property
    def name(self):
        return self.label or self.url_name.split(":")[-1]


COURSE = {"pk": "{course}"}
MODULE = {"pk": "{course}", "module_pk": "{module}"}
LESSON = {"pk": "{course}", "lesson_pk": "{lesson}"}
VIDEO_LESSON = {"pk": "{course}", "lesson_pk": "{video_lesson}"}
IMAGE_LESSON = {"pk": "{course}", "lesson_pk": "{image_lesson}"}
LAST_LESSON = {"pk": "{course}", "lesson_pk": "{last_lesson}"}
PAGES = [
    Page("home", EVERYONE),
    Page("elearning_courses:catalog", EVERYONE),
    Page("elearning_courses:course_detail", EVERYONE, COURSE),
    Page("elearning_profiles:detail", EVERYONE, {"username": "alice"}, label="public profile"),
    Page("elearning_users:login", VISITOR),
    Page("elearning_users:signup", VISITOR),
    Page("elearning_users:password_reset", VISITOR),
    Page("elearning_users:password_reset_done", VISITOR),
    Page("elearning_users:password_reset_complete", VISITOR),
    Page(
        "elearning_users:password_reset_confirm",
        VISITOR,
        {"uidb64": "MQ", "token": "x-y"},
        label="reset link not usable",
    ),
    Page("swagger-ui", VISITOR, ready=SWAGGER_READY),
    Page("redoc", VISITOR, ready=REDOC_READY),
    Page("elearning_users:profile", MEMBERS),
    Page("elearning_users:password_change", MEMBERS),
    Page("elearning_courses:my_courses", MEMBERS),
    Page("elearning_courses:notification_list", MEMBERS),
    Page("elearning_chat:room_list", MEMBERS),
    Page("elearning_chat:room", MEMBERS, {"room": "lobby"}, CHAT_READY, "chat lobby"),
    Page("elearning_chat:room", MEMBERS, {"room": "course-{course}"}, CHAT_READY, "chat course room"),
    # A student asking for a teacher's page gets the apps' "forbidden" page.
    Page("elearning_courses:course_create", MEMBERS),
    Page("elearning_courses:course_update", TEACHER, COURSE),
    Page("elearning_courses:course_delete", TEACHER, COURSE),
    Page("elearning_courses:material_upload", TEACHER, COURSE),
    Page("elearning_courses:material_delete", TEACHER, {"pk": "{course}", "material_pk": "{material}"}),
    Page("elearning_courses:students", TEACHER, COURSE),
    Page("elearning_courses:block", TEACHER, {"pk": "{course}", "student_pk": "{sam}"}),
    Page("elearning_courses:blocked", TEACHER, COURSE),
    Page("elearning_courses:course_content", TEACHER, COURSE, "[data-content-builder]"),
    Page("elearning_courses:module_create", TEACHER, COURSE),
    Page("elearning_courses:module_update", TEACHER, MODULE),
    Page("elearning_courses:module_delete", TEACHER, MODULE),
    Page("elearning_courses:lesson_create", TEACHER, MODULE, label="lesson kind chooser"),
    Page("elearning_courses:lesson_detail", MEMBERS, LESSON),
    Page("elearning_courses:lesson_detail", MEMBERS, VIDEO_LESSON, label="video lesson"),
    Page("elearning_courses:lesson_detail", MEMBERS, IMAGE_LESSON, label="image lesson"),
    # The student's last lesson: "Back to the course" instead of the next one.
    Page("elearning_courses:lesson_detail", MEMBERS, LAST_LESSON, label="last lesson"),
    Page("elearning_courses:lesson_update", TEACHER, LESSON),
    Page("elearning_courses:lesson_delete", TEACHER, LESSON),
    Page("elearning_courses:progress", TEACHER, COURSE, label="progress table"),
    Page("elearning_courses:search", EVERYONE, query="q=django", label="search results"),
    Page("elearning_courses:search", EVERYONE, query="q=zzyzx", label="search without results"),
    Page("elearning_courses:analytics", TEACHER, COURSE, ANALYTICS_READY, "course analytics"),
    # Staff only: the teacher sees the apps' "forbidden" page.
    Page("elearning_courses:analytics_overview", ("teacher", "staff"), label="analytics overview"),
    Page("elearning_courses:announcement_create", TEACHER, COURSE),
    Page(
        "elearning_courses:announcement_delete",
        TEACHER,
        {"pk": "{course}", "announcement_pk": "{announcement}"},
    ),
]

# Named URLs that are not pages a person looks at, and why.
NOT_PAGES = {
    "elearning_users:logout": "POST only",
    "elearning_courses:enroll": "POST only",
    "elearning_courses:unenroll": "POST only",
    "elearning_courses:feedback": "POST only (the form is on the course page)",
    "elearning_courses:unblock": "POST only (the button is on the blocked page)",
    "elearning_courses:notification_read": "POST only",
    "elearning_courses:notification_read_all": "POST only",
    "elearning_courses:notification_open": "a redirect to the notification's page",
    "elearning_courses:material_download": "a file download",
    "elearning_courses:content_reorder": "POST only (JSON from the content page's drag and drop)",
    "elearning_courses:module_move": "POST only (the Move buttons of the content page)",
    "elearning_courses:lesson_move": "POST only (the Move buttons of the content page)",
    "elearning_courses:lesson_media": "a lesson's video or picture, shown inside the lesson page",
    "elearning_courses:lesson_complete": "POST only (Mark as complete, on the lesson page)",
    "elearning_courses:progress_csv": "a CSV download (the progress table's)",
    "elearning_courses:analytics_csv": "a CSV download (each analytics chart's data)",
    "schema": "the OpenAPI document (YAML), shown by the Swagger and ReDoc pages",
}
# Whole URL prefixes that are not the demo's pages: Django's admin has its own templates
# and accessibility work upstream; the JSON API is measured through its Swagger and ReDoc
# pages.
NOT_PAGE_PREFIXES = ("admin/", "api/", "media/")

# Third-party internals the demo cannot change: (page, rule, element selector, why). Only
# these elements are left out, of this one rule; every other rule still checks them.
THIRD_PARTY = [
    (
        "swagger-ui",
        "nested-interactive",
        ".opblock-summary-control",
        "Swagger UI draws each operation's summary as a button that holds the operation's own "
        "copy and lock buttons (its React components); every one of them stays reachable by Tab",
    ),
]

SETUP = """
from django.contrib.auth import get_user_model
from elearning_courses import services
from elearning_courses.models import Course
User = get_user_model()
course = Course.objects.get(title="Django for beginners")
alice, sam, lee = (User.objects.get(username=name) for name in ("alice", "sam", "lee"))
services.block(alice, course, lee, "Off-topic posts.")  # so the blocked list has a row
other = Course.objects.get(title="Real-time web with Channels")
lessons = course.lessons.order_by("module__position", "position", "pk")
lesson = lessons.first()
video, image = (lessons.filter(kind=kind).first().pk for kind in ("video", "image"))
last = lessons.filter(is_published=True, module__is_published=True).last()
announcement = course.announcements.order_by("pk").first()
print(
    "ids", course.pk, course.materials.first().pk, sam.pk, other.pk, lesson.module_id, lesson.pk,
    video, image, last.pk, announcement.pk,
)
"""


def named_urls():
    """``{qualified name: route}`` of every named URL of the demo's URL conf."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = {}

    def walk(patterns, prefix, namespace):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace]))
                walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern) and p.name:
                found[":".join(filter(None, [namespace, p.name]))] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_page_of_the_url_conf_is_measured():
    listed = {p.url_name for p in PAGES}
    routes = named_urls()
    unlisted = {
        name: route
        for name, route in routes.items()
        if name not in listed and name not in NOT_PAGES and not route.startswith(NOT_PAGE_PREFIXES)
    }
    assert not unlisted, f"pages not measured by axe (add them to PAGES or NOT_PAGES): {unlisted}"
    assert not (listed | set(NOT_PAGES)) - set(routes), "PAGES or NOT_PAGES name a URL that is gone"


# ---- the site, the roles' pages and the summary ------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo with its demo data, served by one Daphne process: ``(base url, ids)``."""
    server = DemoServer(tmp_path_factory.mktemp("a11y"))
    try:
        server.manage("load_demo_data")
        found = re.search(r"^ids ([\d ]+)$", server.shell(SETUP), re.M).group(1).split()
        names = (
            "course",
            "material",
            "sam",
            "other_course",
            "module",
            "lesson",
            "video_lesson",
            "image_lesson",
            "last_lesson",
            "announcement",
        )
        yield server.start(), dict(zip(names, found, strict=True))
    finally:
        server.stop()


def open_context(browser, base, viewport=None):
    """A browser context that reaches only the site under test (no third-party host can
    slow a page or change what is measured) and skips transitions (so colours are
    measured at rest)."""
    context = browser.new_context(viewport=viewport or WIDTHS["desktop"], reduced_motion="reduce")
    context.set_default_timeout(15_000)
    context.route(re.compile(r"^https?://"), lambda route: _local_only(route, base))
    return context


def _local_only(route, base):
    if route.request.url.startswith(base + "/"):
        route.continue_()
    else:
        route.abort()


def log_in(page, base, username):
    pages.log_in(page, base, username, PASSWORD)


@pytest.fixture(scope="module")
def role_page(browser, site):
    """One page per role, logged in once, reused for every page and width."""
    base, _ = site
    pages, contexts = {}, []

    def get(role):
        if role not in pages:
            context = open_context(browser, base)
            contexts.append(context)
            pages[role] = context.new_page()
            if ROLES[role]:
                log_in(pages[role], base, ROLES[role])
        return pages[role]

    yield get
    for context in contexts:
        context.close()


class Summary:
    """Counts of violations per width, rule and impact: page-views and elements."""

    def __init__(self):
        self.views = defaultdict(int)  # width -> page-views measured
        self.rules = defaultdict(lambda: {"views": 0, "nodes": 0})  # (width, rule, impact) -> counts
        self.left_out = defaultdict(int)  # (page, rule) -> THIRD_PARTY elements not counted
        self.details = []  # every violation of every page-view, for artifacts/axe-violations.json
        self.started = time.monotonic()

    def add(self, width, violations, **where):
        self.views[width] += 1
        self.details.extend({**where, "width": width, **v} for v in violations)
        for v in violations:
            counts = self.rules[(width, v["id"], v["impact"])]
            counts["views"] += 1
            counts["nodes"] += len(v["nodes"])

    def render(self):
        lines = [
            f"axe-core {AXE_VERSION}: "
            + ", ".join(
                f"{w} {WIDTHS[w]['width']}x{WIDTHS[w]['height']}: {n} page-views"
                for w, n in self.views.items()
            )
            + f" ({time.monotonic() - self.started:.0f} s)",
            "violations per rule: page-views with it / elements, per width",
            f"{'rule':34} {'impact':9} " + " ".join(f"{w:>14}" for w in WIDTHS),
        ]
        keys = sorted(
            {(rule, impact) for _, rule, impact in self.rules}, key=lambda k: (IMPACTS.index(k[1]), k[0])
        )
        for rule, impact in keys:
            cells = []
            for w in WIDTHS:
                c = self.rules.get((w, rule, impact))
                cells.append(f"{c['views']:>6} / {c['nodes']:<5}" if c else f"{'-':>14}")
            lines.append(f"{rule:34} {impact:9} " + " ".join(cells))
        if not keys:
            lines.append("(none)")
        for (page, rule), n in self.left_out.items():
            if n:
                lines.append(f"left out: {n} {rule} element(s) of {page} (third-party, see THIRD_PARTY)")
        for impact in IMPACTS:
            total = sum(c["nodes"] for (w, r, i), c in self.rules.items() if i == impact)
            lines.append(f"{impact}: {total} element(s)")
        return "\n".join(lines)


@pytest.fixture(scope="module")
def axe_summary(request):
    summary = Summary()
    yield summary
    if not summary.views:
        return
    text = summary.render()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-summary.txt").write_text(text + "\n")
    (ARTIFACTS / "axe-violations.json").write_text(json.dumps(summary.details, indent=1) + "\n")
    # Shown at the end of the run by this directory's conftest (pytest_terminal_summary).
    request.config.stash.setdefault(AXE_SUMMARIES, []).append(text)


def run_axe(page):
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, not as an inline <script> tag: the site's
        # Content-Security-Policy (script-src 'self') would refuse that, and the pages are
        # measured under their real policy.
        page.evaluate(AXE.read_text())
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => {
                    const data = (n.any[0] || {}).data || {};
                    // color-contrast: what was measured, to say it in the failure.
                    const detail = data.contrastRatio
                        ? `${data.fgColor} on ${data.bgColor}: ${data.contrastRatio}:1, needs ${data.expectedContrastRatio}`
                        : '';
                    return {target: n.target.join(' '), impact: n.impact, detail};
                }),
            }));
        }"""
    )


def left_out(spec, violations, summary):
    """The violations minus THIRD_PARTY's elements (counted apart in the summary)."""
    kept = []
    for v in violations:
        skip = [sel for page, rule, sel, _ in THIRD_PARTY if page == spec.name and rule == v["id"]]
        nodes = [n for n in v["nodes"] if not any(sel in n["target"] for sel in skip)]
        summary.left_out[(spec.name, v["id"])] += len(v["nodes"]) - len(nodes)
        if nodes:
            kept.append({**v, "nodes": nodes})
    return kept


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", list(ROLES))
def test_no_serious_violations_on_any_page(role, width, site, role_page, axe_summary):
    base, ids = site
    page = role_page(role)
    page.set_viewport_size(WIDTHS[width])
    failures = []
    for spec in PAGES:
        if role not in spec.roles:
            continue
        url = base + spec.path(ids)
        response = page.goto(url)
        assert response is not None and response.status < 500, f"{url}: {response and response.status}"
        if spec.ready:
            page.locator(spec.ready).first.wait_for()
        violations = left_out(spec, run_axe(page), axe_summary)
        axe_summary.add(width, violations, role=role, page=spec.path(ids))
        for v in violations:
            if v["impact"] in FAILING:
                targets = "\n      ".join(f"{n['target']}  {n['detail']}".rstrip() for n in v["nodes"])
                failures.append(
                    f"{v['id']} ({v['impact']}) on {spec.name} {spec.path(ids)} as {role} at {width}: "
                    f"{v['help']}\n      {targets}"
                )
    assert not failures, f"{len(failures)} serious or critical violation(s):\n" + "\n".join(failures)


# ---- keyboard and live regions ------------------------------------------------------------

# A focus indicator: an outline that is drawn, or Bootstrap's focus ring (a box-shadow).
HAS_FOCUS_INDICATOR = """el => {
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
        && s.outlineColor !== 'transparent' && !/, 0\\)$/.test(s.outlineColor);
    return outline || (s.boxShadow !== '' && s.boxShadow !== 'none');
}"""

# Records every text that reaches a live region: nodes added inside one (or being one),
# and text changed inside one.
RECORD_ANNOUNCEMENTS = """() => {
    const live = '[aria-live]:not([aria-live="off"]), [role=status], [role=log], [role=alert]';
    window.announced = [];
    const note = (region, text) => {
        if (region && text.trim()) window.announced.push({region: region.id || region.className, text});
    };
    new MutationObserver(records => {
        for (const r of records) {
            const target = r.target.nodeType === 1 ? r.target : r.target.parentElement;
            if (r.type === 'characterData') { note(target.closest(live), r.target.data); continue; }
            for (const node of r.addedNodes) {
                const region = target.closest(live) || (node.nodeType === 1 && node.matches(live) ? node : null);
                note(region, node.textContent);
            }
        }
    }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def focused(page):
    """The focused element, described: ``{"id", "text", "indicator"}``."""
    return page.evaluate(
        f"""() => {{
            const el = document.activeElement;
            return {{id: el.id, text: (el.innerText || el.value || '').trim().slice(0, 40),
                     indicator: ({HAS_FOCUS_INDICATOR})(el)}};
        }}"""
    )


def tab_to(page, selector, limit=25):
    """Press Tab until ``selector`` has the focus; every element on the way must show it."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now)
        assert now["indicator"], f"no visible focus on {now} (after {seen[:-1]})"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return seen
    raise AssertionError(f"{selector} not reached by Tab: {seen}")


def skip_to_content(page):
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert focused(page)["indicator"]
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def announced(page, text):
    return [a for a in page.evaluate("window.announced") if text in a["text"]]


def test_login_form_by_keyboard(site, browser):
    base, _ = site
    context = open_context(browser, base, WIDTHS["phone"])
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    # The form starts in Username (Django's login form autofocuses it), focus shown.
    expect(page.get_by_label("Username")).to_be_focused()
    assert focused(page)["indicator"]
    page.keyboard.type("sam")
    order = ["id_username"] + [f["id"] for f in tab_to(page, "#id_password")]
    page.keyboard.type(PASSWORD)
    order += [f["text"] for f in tab_to(page, "button[type=submit]")]
    assert order.index("id_username") < order.index("id_password") < order.index("Log in")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    context.close()


def test_chat_by_keyboard_and_each_message_announced_once(site, browser):
    base, _ = site
    contexts = [open_context(browser, base), open_context(browser, base)]
    student, teacher = (c.new_page() for c in contexts)
    log_in(student, base, "sam")
    log_in(teacher, base, "alice")
    for page in (student, teacher):
        page.goto(base + "/chat/lobby/")
        page.locator(CHAT_READY).first.wait_for()
    student.evaluate(RECORD_ANNOUNCEMENTS)

    # The composer is reached by Tab from the top of the content; Tab goes on to Send.
    skip_to_content(student)
    tab_to(student, "#chat-input")
    student.keyboard.type("Typed without a mouse")
    tab_to(student, "[data-chat-send]", limit=3)
    student.keyboard.press("Shift+Tab")
    expect(student.locator("#chat-input")).to_be_focused()
    student.keyboard.press("Enter")
    messages = student.locator("[data-chat-messages]")
    expect(messages.get_by_text("Typed without a mouse")).to_be_visible()
    expect(student.locator("#chat-input")).to_have_value("")
    expect(student.locator("#chat-input")).to_be_focused()

    # Someone else's message reaches one live region, once: the list of messages.
    teacher.get_by_label("Your message").fill("Office hours move to Thursday")
    teacher.get_by_label("Your message").press("Enter")
    expect(messages.get_by_text("Office hours move to Thursday")).to_be_visible()
    assert [a["region"] for a in announced(student, "Office hours move to Thursday")] == ["chat-messages"]
    for context in contexts:
        context.close()


def test_each_new_notification_announced_once(site, browser):
    base, ids = site
    contexts = [open_context(browser, base, WIDTHS["phone"]), open_context(browser, base)]
    teacher, student = (c.new_page() for c in contexts)
    log_in(teacher, base, "alice")
    expect(teacher.locator("#notification-bell[data-live]")).to_have_count(1)
    teacher.evaluate(RECORD_ANNOUNCEMENTS)

    log_in(student, base, "kim")
    student.goto(f"{base}/courses/{ids['other_course']}/")
    student.get_by_role("button", name="Enroll").click()

    status = teacher.locator("#notification-announcement")
    expect(status).to_have_text(re.compile(r"^kim enrolled in Real-time web with Channels"))
    expect(teacher.locator("[data-live-notifications]")).to_contain_text("kim enrolled in")
    assert [a["region"] for a in announced(teacher, "kim enrolled in")] == ["notification-announcement"]
    # The bell's name says the count it shows.
    expect(teacher.get_by_role("link", name=re.compile(r"^Notifications \d+ unread$"))).to_be_visible()
    for context in contexts:
        context.close()

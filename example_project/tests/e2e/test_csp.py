"""No page logs a Content-Security-Policy violation: every page the browser suites visit (the
accessibility suite's page list, which the URL conf keeps complete), as a visitor, a
student and a teacher, plus the browsable API, its log-in page and the Swagger and ReDoc
pages. Each page is loaded in Chromium under the site's real policy; a
``securitypolicyviolation`` event or a CSP console error fails. About 40 s."""

import re

import pytest

from .test_accessibility import PAGES, ROLES, log_in, open_context, site  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

# Pages the browser suites visit outside the accessibility list (test_details.py).
EXTRA = {
    "visitor": ["/api/", "/api/auth/login/"],
    "student": ["/api/", "/api/courses/", "/api/notifications/"],
    "teacher": ["/api/", "/api/courses/"],
    "staff": ["/api/search/?q=django"],
}

# Expected, and wanted: (path prefix, directive, blocked URL prefix, why).
EXPECTED = [
    (
        "/api/schema/redoc/",
        "img-src",
        "https://cdn.redoc.ly/",
        "ReDoc's Redocly logo comes from a CDN; the page works offline and shows the link alone",
    ),
]

LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push({directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample});
});
"""


def expected(path, violation):
    return any(
        path.startswith(page)
        and violation["directive"].startswith(directive)
        and violation["blocked"].startswith(url)
        for page, directive, url, _ in EXPECTED
    )


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_logs_a_csp_violation(role, site, browser):  # noqa: F811 (the fixture)
    base, ids = site
    context = open_context(browser, base)
    try:
        page = context.new_page()
        page.add_init_script(LISTEN)
        console = []
        page.on(
            "console",
            lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        if ROLES[role]:
            log_in(page, base, ROLES[role])
        found = []
        paths = [(spec.path(ids), spec.ready) for spec in PAGES if role in spec.roles]
        paths += [(path, "") for path in EXTRA[role]]
        for path, ready in paths:
            console.clear()
            response = page.goto(base + path)
            assert response is not None and response.status < 500, path
            header = response.headers.get("content-security-policy", "")
            assert "script-src 'self'" in header and "'unsafe-inline'" not in re.search(
                r"script-src[^;]*", header
            ).group(0), path
            if ready:
                page.locator(ready).first.wait_for()
            page.wait_for_load_state("networkidle")
            violations = [v for v in page.evaluate("window.__cspViolations") if not expected(path, v)]
            messages = [
                m for m in console if "cdn.redoc.ly" not in m or not path.startswith("/api/schema/redoc/")
            ]
            if violations or messages:
                found.append(f"{path}: {violations} {messages}")
        assert not found, "\n".join(found)
    finally:
        context.close()

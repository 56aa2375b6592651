"""The README's pictures of the demo, taken from the current pages.

Every run writes them to ``artifacts/docs/`` (kept by CI with the other screenshots);
with ``UPDATE_SCREENSHOTS=1`` they also replace ``docs/_static/demo-catalog.png`` and
``docs/_static/demo-chat.png`` (see docs/development.rst), so a test run never changes
the tree unless asked to.
"""

import os
import shutil

import pytest
from playwright.sync_api import expect

from demo.management.commands.load_demo_data import DEMO_PASSWORD

from ..conftest import ARTIFACTS, PROJECT_DIR

pytestmark = pytest.mark.e2e

DOCS_STATIC = PROJECT_DIR.parent / "docs" / "_static"
DESKTOP = {"width": 1280, "height": 900}


def save(page, name):
    """Write the visible part of the page as ``<name>.png``: to artifacts/docs/, and to
    docs/_static/ when UPDATE_SCREENSHOTS=1."""
    folder = ARTIFACTS / "docs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS_STATIC / path.name)
    return path


def test_readme_screenshots(demo_server, new_page):
    demo_server.manage("load_demo_data")
    base = demo_server.start()
    page = new_page(viewport=DESKTOP)
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")

    page.goto(base + "/courses/")
    expect(page.get_by_role("link", name="Django for beginners")).to_be_visible()
    assert save(page, "demo-catalog").stat().st_size > 0

    page.goto(base + "/chat/lobby/")
    expect(page.locator('[data-chat-state="connected"]')).to_have_count(1)
    expect(page.locator("[data-chat-presence]").get_by_text("sam")).to_be_visible()
    expect(page.locator("[data-chat-messages] > li").first).to_be_visible()
    assert save(page, "demo-chat").stat().st_size > 0

"""Modules and lessons in a real browser.

A teacher builds a course of two modules with a lesson of each kind (text, an uploaded
video, an embedded video, an image, a file, a link as a draft), reorders lessons by drag
and drop and with the keyboard (the Move buttons), and publishes the draft; a student
enrolls, reads the text lesson, plays the video and seeks in it (the server answers the
range requests with 206), sees the embed's sandboxed frame (its markup and the page's
CSP, not playback: no network here) and downloads the file.

The pictures of docs/guide/building-a-course.rst are taken here: every run writes them
to ``artifacts/docs/``; with ``UPDATE_SCREENSHOTS=1`` they also replace
``docs/_static/guide-*.png``. The video is example_project/tests/e2e/media/lesson.webm
(4 s of VP8 at 64x36, 2.5 kB, with cues so that it can be seeked).
"""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from . import pages
from .test_docs_screenshots import DESKTOP, save

pytestmark = pytest.mark.e2e

PASSWORD = "Builder-pass-2026"
VIDEO = Path(__file__).parent / "media" / "lesson.webm"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SETUP = f"""
from django.contrib.auth import get_user_model
from elearning_courses import services
User = get_user_model()
tara = User.objects.create_user("tara", password="{PASSWORD}", role="teacher", first_name="Tara", last_name="Teacher")
User.objects.create_user("sid", password="{PASSWORD}", role="student", first_name="Sid", last_name="Student")
course = services.create_course(tara, title="The web, from scratch", description="HTML, CSS and HTTP.")
print("course", course.pk)
"""


def png():
    out = io.BytesIO()
    Image.new("RGB", (320, 180), (13, 110, 253)).save(out, format="PNG")
    return out.getvalue()


def lesson_titles(page, module):
    card = page.locator("[data-module-id]").filter(has=page.get_by_role("heading", name=module))
    return card.locator("[data-lesson-id] > a").all_inner_texts()


def drag(page, handle, target, until):
    """Drag ``handle`` to the top edge of ``target`` and drop it once ``until()`` sees the
    list changed.

    The pointer keeps moving over the target, a pixel at a time, until the item has moved:
    SortableJS ignores a dragover while it is still starting the drag or animating an
    item, so the one move of ``drag_to`` may drop the item where it was. On a busy machine
    Chromium now and then starts no drag at all for a gesture (no ``dragstart`` follows
    the press and the moves): then the button is released, which leaves the list as it
    was, and the gesture is made again.
    """
    for _gesture in range(3):
        handle.hover()
        page.mouse.down()
        for step in range(20):
            target.hover(position={"x": 20, "y": 4 + step % 3})
            if until():
                page.mouse.up()
                return
        page.mouse.up()
    raise AssertionError("the dragged item never moved")


def add_lesson(page, module, link, title, **fields):
    page.get_by_role("link", name=f"{link} ({module})").click()
    page.get_by_label("Title").fill(title)
    for label, value in fields.items():
        label = label.replace("_", " ").capitalize()
        if isinstance(value, dict):
            page.get_by_label(label).set_input_files(value)
        elif value is True:
            page.get_by_label(label).check()
        else:
            page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Add lesson").click()
    expect(page.get_by_role("alert")).to_contain_text(f"The lesson “{title}” was added.")


def test_teacher_builds_and_student_learns(demo_server, new_page):
    course_id = re.search(r"^course (\d+)$", demo_server.shell(SETUP), re.M).group(1)
    base = demo_server.start()
    builder_url = f"{base}/courses/{course_id}/content/"

    teacher = new_page(viewport=DESKTOP)
    pages.log_in(teacher, base, "tara", PASSWORD)
    teacher.goto(builder_url)
    expect(teacher.get_by_role("heading", name="No modules yet")).to_be_visible()

    # Two modules, the second a draft at first.
    for title in ("Getting started", "Going further"):
        teacher.get_by_role("link", name="Add module").first.click()
        teacher.get_by_label("Title").fill(title)
        teacher.get_by_role("button", name="Add module").click()
        expect(teacher.get_by_role("alert")).to_contain_text(f"The module “{title}” was added.")

    # A lesson of each kind; the link is a draft.
    add_lesson(
        teacher,
        "Getting started",
        "Add text lesson",
        "Welcome",
        text="# Welcome\n\nThis course is **hands-on**.\n\n| Week | Topic |\n|---|---|\n| 1 | HTML |",
    )
    teacher.get_by_role("link", name="Add text lesson (Getting started)").click()
    save(teacher, "guide-lesson-form")
    teacher.go_back()
    add_lesson(
        teacher,
        "Getting started",
        "Add video lesson",
        "A first page",
        video_file={"name": "lesson.webm", "mimeType": "video/webm", "buffer": VIDEO.read_bytes()},
    )
    add_lesson(
        teacher,
        "Going further",
        "Add image lesson",
        "The box model",
        image={"name": "box.png", "mimeType": "image/png", "buffer": png()},
    )
    add_lesson(
        teacher,
        "Going further",
        "Add file lesson",
        "Cheat sheet",
        file={"name": "cheatsheet.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    add_lesson(
        teacher,
        "Going further",
        "Add embedded video",
        "HTTP explained",
        video_address="https://youtu.be/dQw4w9WgXcQ",
    )
    add_lesson(
        teacher,
        "Going further",
        "Add link lesson",
        "MDN reference",
        address="https://developer.mozilla.org/",
        draft=True,
    )
    expect(
        teacher.locator("#lesson-" + teacher.locator("[data-lesson-id]").last.get_attribute("data-lesson-id"))
    ).to_contain_text("Draft")
    assert lesson_titles(teacher, "Getting started") == ["Welcome", "A first page"]
    assert lesson_titles(teacher, "Going further") == [
        "The box model",
        "Cheat sheet",
        "HTTP explained",
        "MDN reference",
    ]

    # Drag and drop: the cheat sheet moves into the first module, before the video.
    source = (
        teacher.locator("[data-lesson-id]").filter(has_text="Cheat sheet").locator(".elearning-lesson-handle")
    )
    target = teacher.locator("[data-lesson-id]").filter(has_text="A first page")
    moved = ["Welcome", "Cheat sheet", "A first page"]
    with teacher.expect_response(lambda r: r.url.endswith("/content/reorder/")) as answer:
        drag(teacher, source, target, until=lambda: lesson_titles(teacher, "Getting started") == moved)
    assert answer.value.status == 200
    expect(teacher.locator("[data-reorder-status]")).to_have_text("The new order was saved.")
    teacher.reload()
    assert lesson_titles(teacher, "Getting started") == ["Welcome", "Cheat sheet", "A first page"]
    assert lesson_titles(teacher, "Going further") == ["The box model", "HTTP explained", "MDN reference"]

    # The keyboard: focus "Move “Welcome” down" and press Enter (a plain form).
    teacher.get_by_role("button", name="Move “Welcome” down").focus()
    with teacher.expect_navigation():
        teacher.keyboard.press("Enter")
    assert lesson_titles(teacher, "Getting started") == ["Cheat sheet", "Welcome", "A first page"]
    save(teacher, "guide-course-builder")

    # Publish the draft link lesson.
    teacher.get_by_role("link", name="Edit “MDN reference”").click()
    teacher.get_by_label("Draft").uncheck()
    teacher.get_by_role("button", name="Save").click()
    expect(teacher.get_by_role("alert")).to_contain_text("Your changes were saved.")
    expect(teacher.locator("[data-lesson-id]").filter(has_text="MDN reference")).not_to_contain_text("Draft")

    # The student: the outline before enrolling (titles, no links), then the lessons.
    student = new_page(viewport=DESKTOP)
    student.route(
        re.compile(r"https://(www\.youtube-nocookie\.com|player\.vimeo\.com)/.*"), lambda route: route.abort()
    )
    pages.log_in(student, base, "sid", PASSWORD)
    student.goto(f"{base}/courses/{course_id}/")
    outline = student.locator("[data-course-outline]")
    expect(outline).to_contain_text("Enroll to open the lessons.")
    expect(outline.get_by_role("link", name="Welcome")).to_have_count(0)
    student.get_by_role("button", name="Enroll").click()
    expect(outline.get_by_role("link", name="Welcome")).to_be_visible()
    save(student, "guide-course-outline")

    # Text: rendered Markdown, with its table.
    outline.get_by_role("link", name="Welcome").click()
    text = student.locator("[data-lesson-text]")
    expect(text.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(text.locator("strong")).to_have_text("hands-on")
    expect(text.locator("table td").first).to_have_text("1")

    # Video: the next lesson; it plays and seeks, over range requests answered 206.
    ranges = []
    student.on("response", lambda r: ranges.append(r.status) if r.url.endswith("/media/") else None)
    student.get_by_role("link", name="Next lesson: A first page").click()
    video = student.locator("video[data-lesson-video]")
    expect(video).to_have_attribute("preload", "metadata")
    state = student.evaluate(
        """() => new Promise((resolve, reject) => {
            const video = document.querySelector("video[data-lesson-video]");
            const seek = () => {
                video.addEventListener("seeked", () => resolve({
                    duration: video.duration,
                    seekableEnd: video.seekable.length ? video.seekable.end(0) : 0,
                    time: video.currentTime,
                }), {once: true});
                video.currentTime = 2.5;
            };
            video.addEventListener("error", () => reject(new Error("video error " + (video.error && video.error.code))));
            if (video.readyState >= 1) { seek(); } else { video.addEventListener("loadedmetadata", seek, {once: true}); video.load(); }
        })"""
    )
    assert state["seekableEnd"] > 0
    assert state["duration"] == pytest.approx(4, abs=0.2)
    assert state["time"] == pytest.approx(2.5, abs=0.6)
    assert 206 in ranges
    save(student, "guide-lesson-video")

    # Embedded video: a sandboxed, lazy, privacy-friendly frame that the CSP allows.
    module_two = student.get_by_role("navigation", name="Going further").or_(student.locator("aside"))
    with student.expect_response(lambda r: re.search(r"/lessons/\d+/$", r.url) is not None) as page_answer:
        module_two.get_by_role("link", name="HTTP explained").click()
    frame = student.locator("iframe[data-lesson-embed]")
    expect(frame).to_have_attribute("src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    expect(frame).to_have_attribute("sandbox", "allow-scripts allow-same-origin allow-presentation")
    expect(frame).to_have_attribute("referrerpolicy", "strict-origin-when-cross-origin")
    expect(frame).to_have_attribute("title", "HTTP explained")
    csp = page_answer.value.headers["content-security-policy"]
    assert "frame-src https://www.youtube-nocookie.com https://player.vimeo.com" in csp

    # File: downloaded as an attachment with its own name.
    student.locator("aside").get_by_role("link", name="Cheat sheet").click()
    with student.expect_download() as download:
        student.locator("[data-lesson-download]").click()
    assert download.value.suggested_filename == "cheatsheet.pdf"
    assert Path(download.value.path()).read_bytes() == PDF

    # Image and link: the picture is served inline with its alt text; the link opens elsewhere.
    student.locator("aside").get_by_role("link", name="The box model").click()
    image = student.get_by_role("img", name="The box model")
    expect(image).to_be_visible()
    # Visible comes before decoded: wait for the load to finish (a failed one has no width).
    student.wait_for_function("() => document.querySelector('img[data-lesson-image]').complete")
    assert student.evaluate("() => document.querySelector('img[data-lesson-image]').naturalWidth") == 320
    student.locator("aside").get_by_role("link", name="MDN reference").click()
    expect(student.locator("[data-lesson-link]")).to_have_attribute("href", "https://developer.mozilla.org/")
    expect(student.locator("[data-lesson-link]")).to_have_attribute("rel", "noopener noreferrer")

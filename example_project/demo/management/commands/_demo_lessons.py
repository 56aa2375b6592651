"""Demo course content: subjects, covers, modules with a lesson of every type, a draft
course, an announcement, and a student part-way through a course.

Runs after :mod:`._demo_content` (courses, enrollments). Everything goes through the
courses app's services, so the rules and notifications are the real ones. Idempotent:
modules, lessons and announcements that exist (by title) are left alone.
"""

import io
from pathlib import Path

from django.core.files.base import ContentFile

MEDIA = Path(__file__).resolve().parents[2] / "media"

SUBJECTS = [("Programming", "programming"), ("Data science", "data-science"), ("Mathematics", "mathematics")]

WELCOME = """\
Welcome! In six weeks you will build a small but complete web application with Django.

## How the course works

1. Each module opens with a short **text lesson** like this one.
2. Videos, diagrams and files follow; mark each lesson *complete* when you are done.
3. Questions go to the course chat: the teacher answers there every weekday.

## What you need

| Tool | Version |
|---|---|
| Python | 3.11 or newer |
| Django | 5.2 |
| An editor | any |

Run this to check your Python:

```console
$ python --version
```
"""

MODELS = """\
A **model** is a Python class that describes a table. Django writes the SQL for you:

```python
class Question(models.Model):
    text = models.CharField(max_length=200)
    published = models.DateTimeField()
```

Then `python manage.py makemigrations` records the change and `python manage.py migrate`
applies it. Read the [models topic guide](https://docs.djangoproject.com/en/5.2/topics/db/models/)
for the details.
"""

VIEWS = """\
A **view** takes a request and returns a response; a **URL pattern** says which view answers
which address.

- Function views are the simplest start.
- Class-based views remove repetition once you know the basics.
"""

DESCRIBING = """\
Before any test, look at the data. For a list of numbers we usually report:

| Measure | Tells you |
|---|---|
| Mean | the centre, pulled by outliers |
| Median | the centre, robust |
| Standard deviation | the spread |

Open the temperature data set in the next lesson and compute each of them per city.
"""

CONSUMERS = """\
A **consumer** is to a WebSocket what a view is to a request. It receives events
(`websocket.connect`, `websocket.receive`) and sends frames back; **groups** let one
message reach many sockets through the channel layer.
"""

#: course title -> (subject slug, cover colours, modules); a module is
#: (title, description, published, [(title, kind, text, url, media file name, published)])
CONTENT = {
    "Django for beginners": (
        "programming",
        ((12, 110, 253), (111, 66, 193)),
        [
            (
                "Getting started",
                "What the course covers, and the tools you need.",
                True,
                [
                    ("Welcome to the course", "text", WELCOME, "", "", True),
                    (
                        "A short tour of the admin",
                        "video",
                        "Watch the admin appear in a new project.",
                        "",
                        "tour.webm",
                        True,
                    ),
                    ("How a request travels through Django", "image", "", "", "request-cycle.png", True),
                    (
                        "Video course: Django for beginners",
                        "embed",
                        "A full beginners' course on YouTube, if you like to watch ahead.",
                        "https://www.youtube.com/watch?v=F5mRW0jo-U4",
                        "",
                        True,
                    ),
                    (
                        "The official Django tutorial",
                        "link",
                        "",
                        "https://docs.djangoproject.com/en/5.2/intro/tutorial01/",
                        "",
                        True,
                    ),
                ],
            ),
            (
                "Week 1: your first project",
                "Models, migrations, views and URLs.",
                True,
                [
                    ("Models and migrations", "text", MODELS, "", "", True),
                    ("Views and URLs", "text", VIEWS, "", "", True),
                    (
                        "Forms (coming next week)",
                        "text",
                        "Forms, validation and the messages framework.",
                        "",
                        "",
                        False,
                    ),
                ],
            ),
        ],
    ),
    "Real-time web with Channels": (
        "programming",
        ((25, 135, 84), (13, 202, 240)),
        [("Consumers and groups", "", True, [("What a consumer is", "text", CONSUMERS, "", "", True)])],
    ),
    "Statistics 101": (
        "mathematics",
        ((253, 126, 20), (220, 53, 69)),
        [
            (
                "Describing data",
                "Centre and spread.",
                True,
                [("Mean, median and spread", "text", DESCRIBING, "", "", True)],
            )
        ],
    ),
    "Data visualisation": (
        "data-science",
        ((102, 16, 242), (214, 51, 132)),
        [
            (
                "Choosing a chart",
                "Work in progress: a draft until the course opens.",
                False,
                [
                    (
                        "Bar or line?",
                        "text",
                        "Compare categories with bars, show change over time with lines.",
                        "",
                        "",
                        False,
                    )
                ],
            )
        ],
    ),
}

#: Courses that stay drafts (only their teacher and staff see them).
DRAFTS = {"Data visualisation"}
#: (student, course, lessons completed, lesson opened last)
PROGRESS = [
    (
        "sam",
        "Django for beginners",
        ["Welcome to the course", "A short tour of the admin", "How a request travels through Django"],
        "Models and migrations",
    ),
    ("kim", "Django for beginners", ["Welcome to the course"], "A short tour of the admin"),
]
ANNOUNCEMENTS = [
    (
        "Django for beginners",
        "Week 1 is open",
        "The first project starts today: read **Models and migrations**, then ask your questions in the course chat.",
    ),
]


def cover_image(colours):
    """A 1200 x 600 PNG: a diagonal gradient between two colours with a few soft circles."""
    from PIL import Image, ImageDraw

    width, height = 1200, 600
    (r1, g1, b1), (r2, g2, b2) = colours
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for x in range(width):
        t = x / (width - 1)
        draw.line(
            [(x, 0), (x, height)],
            fill=(round(r1 + (r2 - r1) * t), round(g1 + (g2 - g1) * t), round(b1 + (b2 - b1) * t)),
        )
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    for cx, cy, radius in ((960, 120, 260), (180, 520, 200), (640, 330, 90)):
        shapes.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=(255, 255, 255, 38))
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="cover.png")


def request_cycle_diagram():
    """A PNG diagram: browser -> URLconf -> view -> model/template -> response."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = 1200, 300
    image = Image.new("RGB", (width, height), (248, 249, 250))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    steps = ["Browser", "URLconf", "View", "Model + template", "Response"]
    box_width, gap, top = 190, 52, 120
    for index, label in enumerate(steps):
        left = 30 + index * (box_width + gap)
        draw.rounded_rectangle([left, top, left + box_width, top + 100], radius=18, fill=(12, 110, 253))
        text_width = draw.textlength(label, font=font)
        if text_width > box_width - 16:
            label = label.replace(" + ", "\n+ ")
        draw.multiline_text(
            (left + box_width / 2, top + 50), label, font=font, fill="white", anchor="mm", align="center"
        )
        if index < len(steps) - 1:
            x = left + box_width + 8
            draw.line([(x, top + 50), (x + gap - 16, top + 50)], fill=(33, 37, 41), width=5)
            draw.polygon(
                [(x + gap - 16, top + 38), (x + gap - 4, top + 50), (x + gap - 16, top + 62)],
                fill=(33, 37, 41),
            )
    draw.text(
        (30, 40),
        "How a request travels through Django",
        font=ImageFont.load_default(size=36),
        fill=(33, 37, 41),
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="request-cycle.png")


def media_file(name):
    if name == "request-cycle.png":
        return request_cycle_diagram()
    return ContentFile((MEDIA / name).read_bytes(), name=name)


def load(people, stdout):
    from django.apps import apps

    if not apps.is_installed("elearning_courses"):
        return
    from elearning_courses import announcements, progress, services
    from elearning_courses.models import Announcement, Course, Enrollment, Lesson, Subject

    subjects = {
        slug: Subject.objects.get_or_create(slug=slug, defaults={"name": name})[0] for name, slug in SUBJECTS
    }
    lessons_made = 0
    for title, (subject, colours, modules) in CONTENT.items():
        course = Course.objects.filter(title=title).select_related("teacher").first()
        if course is None:
            continue
        teacher = course.teacher
        changes = {}
        if course.subject_id is None:
            changes["subject"] = subjects[subject]
        if not course.cover:
            changes["cover"] = cover_image(colours)
        if changes:
            services.update_course(teacher, course, **changes)
        for module_title, description, published, lessons in modules:
            module = course.modules.filter(title=module_title).first()
            if module is None:
                module = services.create_module(
                    teacher, course, title=module_title, description=description, is_published=published
                )
            for lesson_title, kind, text, url, filename, lesson_published in lessons:
                if module.lessons.filter(title=lesson_title).exists():
                    continue
                services.create_lesson(
                    teacher,
                    module,
                    title=lesson_title,
                    kind=kind,
                    text=text,
                    url=url,
                    file=media_file(filename) if filename else None,
                    is_published=lesson_published,
                )
                lessons_made += 1
        # The modules above first, in their order; the materials' module (see _demo_content) last.
        order = [title for title, *_ in modules]
        ordered = sorted(
            course.modules.all(),
            key=lambda m: (order.index(m.title) if m.title in order else len(order), m.position, m.pk),
        )
        for index, module in enumerate(ordered):
            if module.position != index:
                course.modules.filter(pk=module.pk).update(position=index)
        if title in DRAFTS and course.is_published:
            services.update_course(teacher, course, is_published=False)
    for username, title, done, last in PROGRESS:
        student = people[username]
        enrollment = Enrollment.objects.filter(student=student, course__title=title).first()
        if enrollment is None:
            continue
        for lesson in Lesson.objects.filter(course=enrollment.course, title__in=done):
            progress.complete_lesson(student, lesson)
        if enrollment.last_lesson_id is None:
            lesson = Lesson.objects.filter(course=enrollment.course, title=last).first()
            if lesson is not None:
                progress.record_visit(student, lesson)
    for title, heading, body in ANNOUNCEMENTS:
        course = Course.objects.filter(title=title).select_related("teacher").first()
        if course is not None and not Announcement.objects.filter(course=course, title=heading).exists():
            announcements.post_announcement(course.teacher, course, title=heading, body=body)
    stdout.write(f"Course content: {lessons_made} new lesson(s).")

"""Demo content of the courses app: courses with materials, enrollments, feedback,
one block, and the notifications these create.

Everything goes through :mod:`elearning_courses.services`, so the demo obeys the
same rules as the pages and the API, and the signal receivers create the
notifications. Idempotent: rows that already exist are left alone, so running the
command again neither duplicates nor re-notifies.
"""

from django.apps import apps
from django.core.files.base import ContentFile

COURSES = [
    {
        "teacher": "alice",
        "title": "Django for beginners",
        "description": (
            "Build a complete web application with Django: models, views, templates, forms "
            "and the admin.\n\nSix weeks, one small project per week."
        ),
        "materials": [
            ("Week 1 – Project set-up", "week-1-setup.md", "md"),
            ("Syllabus", "syllabus.pdf", "pdf"),
        ],
        "students": ["sam", "kim", "lee"],
        "feedback": {"sam": (5, "Clear and practical. The weekly projects really help."), "kim": (4, "")},
    },
    {
        "teacher": "alice",
        "title": "Real-time web with Channels",
        "description": "WebSockets, consumers, groups and channel layers, from a chat room to live notifications.",
        "materials": [("Slides: consumers and groups", "channels-slides.pdf", "pdf")],
        "students": ["sam"],
        "feedback": {"sam": (4, "Great demos; I would like more exercises.")},
    },
    {
        "teacher": "bob",
        "title": "Statistics 101",
        "description": "Descriptive statistics, probability and your first hypothesis tests, with real data sets.",
        "materials": [("Data set: city temperatures", "temperatures.csv", "csv")],
        "students": ["kim", "lee"],
        "feedback": {"kim": (5, "Bob explains the maths without the fear.")},
        "block": ("lee", "Repeated off-topic posts in the course chat."),
    },
    {
        "teacher": "bob",
        "title": "Data visualisation",
        "description": "Choosing the right chart, and drawing it well.",
        "materials": [],
        "students": [],
        "feedback": {},
    },
]


def _content(filename, kind, title):
    if kind == "pdf":
        # A tiny but well-formed one-page PDF.
        text = title.encode("ascii", "replace").decode()
        stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        out, offsets = bytearray(b"%PDF-1.4\n"), []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
        return bytes(out)
    if kind == "csv":
        rows = ["city,month,mean_celsius"] + [
            f"{city},{month},{temp}"
            for city, temps in (("Lisbon", (11, 12, 14)), ("Oslo", (-4, -4, -1)), ("Nairobi", (19, 20, 20)))
            for month, temp in zip(("Jan", "Feb", "Mar"), temps, strict=True)
        ]
        return ("\n".join(rows) + "\n").encode()
    return (
        f"# {title}\n\n1. Install Python 3.11 or newer.\n2. `python -m venv .venv` and activate it.\n"
        "3. `pip install Django`.\n4. `django-admin startproject mysite` and run the server.\n"
    ).encode()


def load(people, stdout):
    if not apps.is_installed("elearning_courses"):
        return
    from elearning_courses import services
    from elearning_courses.models import Course, CourseBlock, Enrollment, Feedback

    created = 0
    for spec in COURSES:
        teacher = people[spec["teacher"]]
        course = Course.objects.filter(teacher=teacher, title=spec["title"]).first()
        if course is None:
            course = services.create_course(teacher, title=spec["title"], description=spec["description"])
            created += 1
        blocked_username = spec.get("block", (None, ""))[0]
        for username in spec["students"]:
            student = people[username]
            if (
                username == blocked_username
                and CourseBlock.objects.filter(course=course, student=student).exists()
            ):
                continue
            if not Enrollment.objects.filter(course=course, student=student).exists():
                services.enroll(student, course)
        # Materials after the enrollments, so the students are notified of them.
        for title, filename, kind in spec["materials"]:
            if not course.materials.filter(title=title).exists():
                upload = ContentFile(_content(filename, kind, title), name=filename)
                services.add_material(teacher, course, file=upload, title=title)
        for username, (rating, comment) in spec["feedback"].items():
            student = people[username]
            if not Feedback.objects.filter(course=course, student=student).exists():
                services.save_feedback(student, course, rating=rating, comment=comment)
        if blocked_username:
            student = people[blocked_username]
            if not CourseBlock.objects.filter(course=course, student=student).exists():
                services.block(teacher, course, student, spec["block"][1])
    stdout.write(f"Courses: {len(COURSES)} demo course(s), {created} new.")

"""The analytics of a course as charts: for each, its title, its data table (the page's
accessible table and its CSV file, one source) and the data its Chart.js chart draws.

Built from :meth:`CourseAnalytics.as_dict <elearning_courses.analytics.CourseAnalytics.as_dict>`,
the dict the API returns too, so the three show the same numbers.
"""

from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

__all__ = ["Chart", "charts", "chart_by_slug", "SLUGS"]


@dataclass
class Chart:
    """One chart of the analytics page.

    ``header`` and ``rows`` are its table (cells as values: dates stay dates, so the
    page formats them for the reader and the CSV as ISO dates); ``data`` is what
    ``analytics.js`` hands to Chart.js (``type``, ``labels``, ``datasets``). ``empty``
    says why there is nothing to draw ("" when there is); ``available`` is false when
    the site lacks what the chart measures (the chat app), and the chart has no CSV then.
    """

    slug: str
    title: str
    description: str
    header: list
    rows: list
    data: dict
    empty: str = ""
    available: bool = True
    csv_name: str = field(default="", init=False)

    def __post_init__(self):
        self.csv_name = f"analytics-{self.slug}"


def _short_date(day):
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _dataset(label, values, kind=None):
    dataset = {"label": label, "data": values}
    if kind:
        dataset["type"] = kind
    return dataset


def enrollments_chart(numbers):
    weeks = numbers["enrollments"]
    return Chart(
        slug="enrollments",
        title=_("Enrollments over time"),
        description=_("New students per week (weeks start on Monday) and the total enrolled so far."),
        header=[_("Week of"), _("New students"), _("Total students")],
        rows=[[week["week"], week["new"], week["total"]] for week in weeks],
        data={
            "type": "bar",
            "labels": [_short_date(week["week"]) for week in weeks],
            "datasets": [
                _dataset(_("New students"), [week["new"] for week in weeks]),
                _dataset(_("Total students"), [week["total"] for week in weeks], "line"),
            ],
        },
        empty="" if weeks else _("No students have enrolled yet."),
    )


def completion_chart(numbers):
    buckets = numbers["completion"]
    return Chart(
        slug="completion",
        title=_("Completion"),
        description=_("Students by the share of the published lessons they completed."),
        header=[_("Lessons completed"), _("Students")],
        rows=[[bucket["label"], bucket["students"]] for bucket in buckets],
        data={
            "type": "bar",
            "labels": [bucket["label"] for bucket in buckets],
            "datasets": [_dataset(_("Students"), [bucket["students"] for bucket in buckets])],
        },
        empty="" if numbers["students"] else _("No students have enrolled yet."),
    )


def dropoff_chart(numbers):
    lessons = numbers["dropoff"]
    empty = ""
    if not lessons:
        empty = _("The course has no published lessons yet.")
    elif not numbers["students"]:
        empty = _("No students have enrolled yet.")
    return Chart(
        slug="dropoff",
        title=_("Where students stop"),
        description=_(
            "For each published lesson, in the course's order: the students who completed it, "
            "and those for whom it is the furthest lesson completed."
        ),
        header=[_("Lesson"), _("Completed it"), _("Stopped there")],
        rows=[[lesson["title"], lesson["completed"], lesson["stopped"]] for lesson in lessons],
        data={
            "type": "bar",
            "labels": [lesson["title"] for lesson in lessons],
            "datasets": [
                _dataset(_("Completed it"), [lesson["completed"] for lesson in lessons]),
                _dataset(_("Stopped there"), [lesson["stopped"] for lesson in lessons]),
            ],
        },
        empty=empty,
    )


def ratings_chart(numbers):
    ratings = numbers["ratings"]
    labels = [
        ngettext("%(stars)d star", "%(stars)d stars", r["rating"]) % {"stars": r["rating"]} for r in ratings
    ]
    description = _("How many students gave each rating.")
    if numbers["rating_average"] is not None:
        description += " " + ngettext(
            "Average: %(average)s of 5 (%(count)s rating).",
            "Average: %(average)s of 5 (%(count)s ratings).",
            numbers["rating_count"],
        ) % {
            "average": formats.number_format(numbers["rating_average"], 1),
            "count": numbers["rating_count"],
        }
    return Chart(
        slug="ratings",
        title=_("Ratings"),
        description=description,
        header=[_("Rating"), _("Students")],
        rows=[[r["rating"], r["count"]] for r in ratings],
        data={
            "type": "bar",
            "labels": labels,
            "datasets": [_dataset(_("Students"), [r["count"] for r in ratings])],
        },
        empty="" if numbers["rating_count"] else _("Nobody has rated the course yet."),
    )


def chat_chart(numbers):
    days = numbers["chat"] or []
    available = numbers["chat"] is not None
    empty = ""
    if not available:
        empty = _("This site has no chat, so there is no chat activity to show.")
    elif not any(day["messages"] for day in days):
        empty = _("No messages in the course's chat room over these days.")
    return Chart(
        slug="chat",
        title=_("Chat activity"),
        description=_("Messages per day in the course's chat room, today last."),
        header=[_("Day"), _("Messages")],
        rows=[[day["day"], day["messages"]] for day in days],
        data={
            "type": "line",
            "labels": [_short_date(day["day"]) for day in days],
            "datasets": [_dataset(_("Messages"), [day["messages"] for day in days])],
        },
        empty=empty,
        available=available,
    )


#: The charts of the page, in order.
BUILDERS = {
    "enrollments": enrollments_chart,
    "completion": completion_chart,
    "dropoff": dropoff_chart,
    "ratings": ratings_chart,
    "chat": chat_chart,
}
SLUGS = tuple(BUILDERS)


def charts(numbers):
    """Every :class:`Chart` of ``numbers`` (``CourseAnalytics.as_dict()``), in page order."""
    return [build(numbers) for build in BUILDERS.values()]


def chart_by_slug(numbers, slug):
    """The :class:`Chart` called ``slug`` (a key of :data:`BUILDERS`), or ``None``."""
    build = BUILDERS.get(slug)
    return build(numbers) if build else None

"""Shared pieces of the teachers' tables: sortable column headers and CSV downloads
(the progress table, the analytics charts and the staff's analytics overview)."""

import csv

from django.http import HttpResponse
from django.utils.text import slugify

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """``value`` as a CSV cell a spreadsheet will not run: text starting with a formula
    character gets a leading apostrophe (OWASP "CSV injection")."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_filename(prefix, course):
    """``<prefix>-<course id>-<course slug>.csv``: tells downloads of courses apart."""
    return f"{prefix}-{course.pk}-{slugify(course.title)[:50] or 'course'}.csv"


def csv_download(filename, header, rows):
    """A UTF-8 CSV attachment: ``header``, then ``rows`` (iterables of cells), every cell
    through :func:`spreadsheet_safe`. ``rows`` may be a generator: it is written as read."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(spreadsheet_safe(cell) for cell in header)
    for row in rows:
        writer.writerow(spreadsheet_safe(cell) for cell in row)
    return response


def sort_columns(order, columns):
    """The headers of a sortable table: for each ``(key, label)`` of ``columns``, a dict
    with ``key``, ``label``, ``active``, ``descending`` and ``sort`` (the ``?sort=`` of
    its link: a click on the active column reverses it, on another sorts it ascending)."""
    return [
        {
            "key": key,
            "label": label,
            "active": order.removeprefix("-") == key,
            "descending": order == f"-{key}",
            "sort": f"-{key}" if order == key else key,
        }
        for key, label in columns
    ]

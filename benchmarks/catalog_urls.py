"""The demo's URLconf plus two comparison views of the same 20 newest courses, with no
annotations and no pagination count. Benchmark-only.

``/bench/minimal/`` renders them inside the site's ``base.html`` (the same page chrome
as the catalog, so the comparison isolates the catalog's own data access and markup);
``/bench/bare/`` is a bare one-line list, for reference."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from elearning_courses.models import Course
from example_project.urls import urlpatterns as site_urlpatterns

ROWS = (
    "<ul>{% for c in courses %}"
    '<li><a href="/courses/{{ c.pk }}/">{{ c.title }}</a> {{ c.teacher.username }} '
    "{{ c.description|truncatechars:200 }}</li>{% endfor %}</ul>"
)
IN_LAYOUT = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}' + ROWS + "{% endblock %}"
)
BARE = engines["django"].from_string("<!doctype html><title>Courses</title>" + ROWS)


def newest():
    return list(Course.objects.select_related("teacher").order_by("-created_at", "-id")[:20])


def minimal(request):
    return HttpResponse(IN_LAYOUT.render({"courses": newest()}, request))


def bare(request):
    return HttpResponse(BARE.render({"courses": newest()}))


urlpatterns = [path("bench/minimal/", minimal), path("bench/bare/", bare), *site_urlpatterns]

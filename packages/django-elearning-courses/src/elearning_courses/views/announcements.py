"""Announcements: a teacher writes to the class."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


announcement_create = announcement_delete = _todo

"""Modules and lessons: the teacher's content builder, the lesson page, inline media."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


course_content = module_create = module_update = module_delete = module_move = _todo
lesson_create = lesson_update = lesson_delete = lesson_move = lesson_detail = lesson_media = _todo
content_reorder = _todo

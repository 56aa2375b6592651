"""The search index: :class:`~elearning_courses.models.SearchEntry` rows, per course.

A course's entries are rebuilt as a whole (delete, then one ``bulk_create``) from its
current rows: simpler and safer than patching them, and a course is read in three
queries whatever its size. :func:`schedule_rebuild` defers the work to the end of the
transaction and does it once per course, however many rows changed.

The functions take an app registry (``apps``) so that migration 0007 fills the index
with its historical models through the same code.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from .text import clean, markdown_to_text, search_config

#: Courses rebuilt per batch by :func:`rebuild_all` (bounds the memory used).
BATCH = 200


def _models(apps):
    get = apps.get_model
    return (
        get("elearning_courses", "Course"),
        get("elearning_courses", "Module"),
        get("elearning_courses", "Lesson"),
        get("elearning_courses", "SearchEntry"),
    )


def entries_for(course, modules, lessons, SearchEntry):  # noqa: N803  (a model class)
    """The unsaved entries of ``course``, given its modules and its lessons (with their
    ``material``)."""
    course_body = clean(" ".join(filter(None, [course.description, getattr(course.subject, "name", "")])))
    entries = [
        SearchEntry(
            course_id=course.pk,
            kind="course",
            audience="all",
            is_published=course.is_published,
            title=course.title,
            body=course_body,
        )
    ]
    published_modules = set()
    for module in modules:
        published = course.is_published and module.is_published
        if published:
            published_modules.add(module.pk)
        entries.append(
            SearchEntry(
                course_id=course.pk,
                module_id=module.pk,
                kind="module",
                audience="all",
                is_published=published,
                title=module.title,
                body=clean(module.description),
            )
        )
    for lesson in lessons:
        published = lesson.module_id in published_modules and lesson.is_published
        common = {"course_id": course.pk, "module_id": lesson.module_id, "lesson_id": lesson.pk}
        # The title alone for the outline's readers, the title and text for the lesson's.
        entries.append(
            SearchEntry(
                **common, kind="lesson", audience="outline", is_published=published, title=lesson.title
            )
        )
        entries.append(
            SearchEntry(
                **common,
                kind="lesson",
                audience="content",
                is_published=published,
                title=lesson.title,
                body=markdown_to_text(lesson.text),
            )
        )
        material = lesson.material
        if material is not None:
            entries.append(
                SearchEntry(
                    **common,
                    kind="material",
                    audience="content",
                    is_published=published,
                    title=material.title or material.original_name,
                    body=clean(material.original_name),
                )
            )
    return entries


def rebuild(course_ids, *, apps=global_apps, using=DEFAULT_DB_ALIAS):
    """Rebuild the entries of the courses ``course_ids`` (deleted courses: none)."""
    Course, Module, Lesson, SearchEntry = _models(apps)
    course_ids = list(course_ids)
    with transaction.atomic(using=using):
        SearchEntry.objects.using(using).filter(course_id__in=course_ids).delete()
        courses = list(Course.objects.using(using).filter(pk__in=course_ids).select_related("subject"))
        modules, lessons = {}, {}
        for module in Module.objects.using(using).filter(course_id__in=course_ids).order_by("position", "id"):
            modules.setdefault(module.course_id, []).append(module)
        found = Lesson.objects.using(using).filter(course_id__in=course_ids).select_related("material")
        for lesson in found.order_by("position", "id"):
            lessons.setdefault(lesson.course_id, []).append(lesson)
        entries = []
        for course in courses:
            entries += entries_for(
                course, modules.get(course.pk, ()), lessons.get(course.pk, ()), SearchEntry
            )
        SearchEntry.objects.using(using).bulk_create(entries, batch_size=1000)
        if connections[using].vendor == "postgresql":
            _fill_vectors(SearchEntry.objects.using(using).filter(course_id__in=course_ids))


def _fill_vectors(entries):
    from django.contrib.postgres.search import SearchVector

    config = search_config()
    entries.update(
        search_vector=SearchVector("title", weight="A", config=config)
        + SearchVector("body", weight="B", config=config)
    )


def rebuild_all(*, apps=global_apps, using=DEFAULT_DB_ALIAS):
    """Rebuild every course's entries, :data:`BATCH` courses at a time; returns their number."""
    Course = _models(apps)[0]
    ids = list(Course.objects.using(using).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        rebuild(ids[start : start + BATCH], apps=apps, using=using)
    return len(ids)


def schedule_rebuild(course_ids, using=DEFAULT_DB_ALIAS):
    """Rebuild ``course_ids`` once the current transaction commits (at once outside one).

    The ids wait in a set on the connection, so that a transaction changing a hundred
    lessons rebuilds their course once: the first callback to run takes them all, the
    others find the set empty. Ids left by a rolled-back transaction are rebuilt at the
    next commit, which is harmless.
    """
    connection = connections[using]
    pending = getattr(connection, "elearning_search_pending", None)
    if pending is None:
        pending = connection.elearning_search_pending = set()
    pending.update(course_id for course_id in course_ids if course_id is not None)
    transaction.on_commit(lambda: _flush(using), using=using)


def _flush(using):
    pending = getattr(connections[using], "elearning_search_pending", None)
    if pending:
        course_ids = sorted(pending)
        pending.clear()
        rebuild(course_ids, using=using)

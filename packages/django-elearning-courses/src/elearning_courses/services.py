"""Actions on courses, shared by the pages, the API and the demo data.

Every function checks the rules of :mod:`elearning_courses.rules` itself, so no
caller can forget them, and raises:

* :class:`~elearning_courses.exceptions.CourseActionDenied` (a ``PermissionDenied``,
  403) when the user may not do it, with ``code`` ``not_teacher``, ``not_owner``,
  ``not_student``, ``blocked``, ``not_enrolled``;
* :class:`~elearning_courses.exceptions.CourseActionInvalid` (a ``ValidationError``,
  400 / form error) when the state forbids it, with ``code`` ``already_enrolled``,
  ``not_enrolled``, ``already_blocked``, ``not_blocked``, ``not_a_student``,
  ``invalid_rating``, and for modules and lessons ``title``, ``kind``, ``text``, ``url``,
  ``file``, ``direction``, ``reorder`` (or the code of the upload check).

Lessons that become visible to students (see :mod:`elearning_courses.content`) are
announced by :func:`elearning_courses.announcements.lessons_published`, once per call.

Notifications are created by the receivers in :mod:`elearning_courses.signals`.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from . import announcements, rules, signals
from .embeds import validate_embed_url
from .exceptions import CourseActionDenied, CourseActionInvalid
from .materials import (  # noqa: F401  (MaterialInfo re-exported)
    MaterialInfo,
    process_lesson_image,
    validate_material_upload,
    validate_video_upload,
)
from .models import (
    LESSON_TEXT_MAX_LENGTH,
    MODULE_DESCRIPTION_MAX_LENGTH,
    Course,
    CourseBlock,
    CourseMaterial,
    Enrollment,
    Feedback,
    Lesson,
    Module,
)
from .search import index as search_index

__all__ = [
    "create_course",
    "update_course",
    "delete_course",
    "add_material",
    "delete_material",
    "create_module",
    "update_module",
    "delete_module",
    "create_lesson",
    "update_lesson",
    "delete_lesson",
    "reorder_content",
    "move_module",
    "move_lesson",
    "enroll",
    "unenroll",
    "save_feedback",
    "block",
    "unblock",
    "validate_material_upload",
]


def _require_owner(teacher, course):
    if not rules.is_teacher(teacher):
        raise CourseActionDenied(_("Only teachers can do this."), "not_teacher")
    if not rules.is_owner(teacher, course):
        raise CourseActionDenied(_("Only the course's teacher can do this."), "not_owner")


#: The fields of a course its teacher sets (the cover apart: see :func:`_set_cover`).
COURSE_FIELDS = ("title", "description", "subject", "is_published")


def _set_cover(course, cover):
    """``cover``: a checked image file (``covers``) to store, ``False`` to remove the
    cover, ``None`` to keep it. A replaced or removed file is deleted after commit."""
    if cover is None:
        return
    old = course.cover.name if course.cover else ""
    if cover is False:
        course.cover = ""
    else:
        course.cover.save(cover.name, cover, save=False)
    if old and old != course.cover.name:
        storage = course.cover.storage
        transaction.on_commit(lambda: storage.delete(old))


def create_course(teacher, *, title, description="", subject=None, is_published=True, cover=None):
    """Create a course owned by ``teacher`` -> :class:`Course`.

    ``is_published=False`` makes a draft that only its teacher and staff see.
    """
    if not rules.can_create_course(teacher):
        raise CourseActionDenied(_("Only teachers can create courses."), "not_teacher")
    course = Course(
        teacher=teacher, title=title, description=description, subject=subject, is_published=is_published
    )
    _set_cover(course, cover or None)
    course.save()
    return course


def update_course(teacher, course, *, cover=None, **fields):
    """Change the :data:`COURSE_FIELDS` given (and the ``cover``) of a course its
    ``teacher`` owns. Publishing a draft notifies nobody."""
    _require_owner(teacher, course)
    for name in COURSE_FIELDS:
        if name in fields:
            setattr(course, name, fields[name])
    _set_cover(course, cover)
    course.save()
    return course


def delete_course(teacher, course):
    _require_owner(teacher, course)
    cover = course.cover.name if course.cover else ""
    storage = course.cover.storage
    course.delete()
    if cover:
        transaction.on_commit(lambda: storage.delete(cover))


def add_material(teacher, course, *, file, title=""):
    """Validate ``file`` and store it as a material of ``course`` -> :class:`CourseMaterial`.

    The file is stored under a generated name; its own name is kept only for display
    and ``Content-Disposition``. Raises ``ValidationError`` for a bad file. The material
    becomes a file lesson at the end of the course's last module (of a new module
    "Materials" when the course has none).
    """
    _require_owner(teacher, course)
    info = validate_material_upload(file)
    title = (title or "").strip() or info.original_name.rsplit(".", 1)[0][:200] or info.original_name
    material = _material(course, file, info, title)
    try:
        # The material, its lesson and its students' notifications (post_save receiver):
        # all or none.
        with transaction.atomic():
            material.save()
            module = Module.objects.filter(course=course).order_by("position", "id").last()
            if module is None:
                module, position = Module.objects.create(course=course, title=_("Materials"), position=0), 0
            else:
                position = _next_position(module.lessons.all())
            Lesson.objects.create(
                course=course,
                module=module,
                title=material.title,
                kind=Lesson.Kind.FILE,
                material=material,
                position=position,
            )
    except BaseException:
        _forget_file(material)
        raise
    return material


def _material(course, file, info, title):
    return CourseMaterial(
        course=course,
        title=title[:200],
        file=file,
        original_name=info.original_name,
        size=info.size,
        content_type=info.content_type,
    )


def _forget_file(material):
    """Delete the stored file of a material whose row was not written.

    The file is stored before the row: a failed write must not leave it behind
    (_committed: the storage holds it under its generated name).
    """
    if material.file.name and getattr(material.file, "_committed", False):
        material.file.storage.delete(material.file.name)


@contextmanager
def _atomic_with_uploads():
    """A transaction that yields a list: the materials appended to it (their files
    stored already) have their files deleted when the transaction fails."""
    stored = []
    try:
        with transaction.atomic():
            yield stored
    except BaseException:
        for material in stored:
            _forget_file(material)
        raise


def _delete_files_on_commit(materials):
    files = [(m.file.storage, m.file.name) for m in materials if m.file.name]
    if files:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])


def delete_material(teacher, material):
    """Delete a material and its stored file (after the transaction commits)."""
    _require_owner(teacher, material.course)
    storage, name = material.file.storage, material.file.name
    material.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def enroll(student, course):
    """Enroll ``student`` in ``course`` -> :class:`Enrollment`.

    Safe against concurrent double submissions: the database's unique constraint
    decides, and the loser gets ``already_enrolled``.
    """
    if not rules.is_student(student):
        raise CourseActionDenied(_("Only students can enroll in courses."), "not_student")
    if not course.is_published:
        raise CourseActionDenied(_("No course found."), "not_visible")
    if rules.is_blocked(student, course):
        raise CourseActionDenied(_("You have been blocked from this course."), "blocked")
    try:
        with transaction.atomic():
            return Enrollment.objects.create(student=student, course=course)
    except IntegrityError:
        raise CourseActionInvalid(
            _("You are already enrolled in this course."), code="already_enrolled"
        ) from None


def unenroll(student, course):
    """Remove ``student``'s enrollment (their feedback stays)."""
    deleted, _details = Enrollment.objects.filter(student=student, course=course).delete()
    if not deleted:
        raise CourseActionInvalid(_("You are not enrolled in this course."), code="not_enrolled")


def save_feedback(student, course, *, rating, comment=""):
    """Create or update ``student``'s feedback on ``course`` -> ``(Feedback, created)``."""
    if not rules.is_student(student):
        raise CourseActionDenied(_("Only students can rate courses."), "not_student")
    if rules.is_blocked(student, course):
        raise CourseActionDenied(_("You have been blocked from this course."), "blocked")
    if not rules.is_enrolled(student, course):
        raise CourseActionDenied(_("Enroll in the course to rate it."), "not_enrolled")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise CourseActionInvalid(_("The rating must be from 1 to 5."), code="invalid_rating")
    # update_or_create survives a concurrent first rating itself: it locks the row, and
    # when its create loses the unique constraint it fetches and updates the winner's.
    return Feedback.objects.update_or_create(
        student=student, course=course, defaults={"rating": rating, "comment": comment or ""}
    )


def block(teacher, course, student, reason=""):
    """Block ``student`` from ``course`` -> :class:`CourseBlock`.

    Removes the enrollment, and (after commit) the student's open sockets in the
    course chat room when ``elearning_chat`` is installed.
    """
    _require_owner(teacher, course)
    if not rules.is_student(student):
        raise CourseActionInvalid(_("Only students can be blocked."), code="not_a_student")
    try:
        with transaction.atomic():
            # The post_save receiver removes the enrollment and the chat sockets.
            return CourseBlock.objects.create(course=course, student=student, reason=reason or "")
    except IntegrityError:
        raise CourseActionInvalid(
            _("This student is already blocked from the course."), code="already_blocked"
        ) from None


def unblock(teacher, course, student):
    """Lift a block; the student may enroll again (they are not re-enrolled)."""
    _require_owner(teacher, course)
    with transaction.atomic():  # the block is lifted and the student told, or neither
        deleted, _details = CourseBlock.objects.filter(course=course, student=student).delete()
        if not deleted:
            raise CourseActionInvalid(_("This student is not blocked."), code="not_blocked")
        signals.student_unblocked(course, student)


# Modules and lessons -----------------------------------------------------------------

#: The fields of a module its teacher sets.
MODULE_FIELDS = ("title", "description", "is_published")
#: The fields of a lesson its teacher sets (the upload apart: ``file``).
LESSON_FIELDS = ("title", "kind", "text", "url", "is_published")
#: Lesson kinds whose content is an uploaded file (a :class:`CourseMaterial`).
UPLOAD_KINDS = (Lesson.Kind.VIDEO, Lesson.Kind.IMAGE, Lesson.Kind.FILE)
TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 500


def _next_position(queryset):
    last = queryset.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def _title(title):
    title = (title or "").strip()
    if not title:
        raise CourseActionInvalid(_("Give it a title."), code="title")
    if len(title) > TITLE_MAX_LENGTH:
        raise CourseActionInvalid(
            _("The title is too long (at most %(limit)s characters).") % {"limit": TITLE_MAX_LENGTH},
            code="title",
        )
    return title


def _visible(course, module, lesson=None):
    """Students see it: the course, the module (and the lesson) are published."""
    return course.is_published and module.is_published and (lesson is None or lesson.is_published)


def create_module(teacher, course, *, title, description="", is_published=True):
    """Add a module at the end of ``course`` -> :class:`Module`."""
    _require_owner(teacher, course)
    description = (description or "").strip()
    if len(description) > MODULE_DESCRIPTION_MAX_LENGTH:
        raise CourseActionInvalid(_("The description is too long."), code="description")
    with transaction.atomic():
        return Module.objects.create(
            course=course,
            title=_title(title),
            description=description,
            is_published=bool(is_published),
            position=_next_position(Module.objects.filter(course=course)),
        )


def update_module(teacher, module, **fields):
    """Change the :data:`MODULE_FIELDS` given. Publishing a draft module announces its
    published lessons."""
    course = module.course
    _require_owner(teacher, course)
    was_visible = _visible(course, module)
    if "title" in fields:
        module.title = _title(fields["title"])
    if "description" in fields:
        module.description = (fields["description"] or "").strip()
        if len(module.description) > MODULE_DESCRIPTION_MAX_LENGTH:
            raise CourseActionInvalid(_("The description is too long."), code="description")
    if "is_published" in fields:
        module.is_published = bool(fields["is_published"])
    with transaction.atomic():
        module.save()
        if not was_visible and _visible(course, module):
            lessons = list(module.lessons.filter(is_published=True).order_by("position", "id"))
            if lessons:
                announcements.lessons_published(course, lessons)
    return module


def delete_module(teacher, module):
    """Delete a module, its lessons and their uploaded files."""
    _require_owner(teacher, module.course)
    with transaction.atomic():
        materials = list(CourseMaterial.objects.filter(lesson__module=module))
        module.delete()  # its lessons go with it
        CourseMaterial.objects.filter(pk__in=[m.pk for m in materials]).delete()
        _delete_files_on_commit(materials)


def _lesson_content(kind, *, text, url, file):
    """Check the content of a lesson of ``kind`` -> ``(text, url, upload)``; ``upload``
    is ``(file, MaterialInfo)`` for the upload kinds when a file is given."""
    text = (text or "").strip()
    url = (url or "").strip()
    if len(text) > LESSON_TEXT_MAX_LENGTH:
        raise CourseActionInvalid(_("The text is too long."), code="text")
    upload = None
    if kind == Lesson.Kind.TEXT:
        if not text:
            raise CourseActionInvalid(_("Write the text of the lesson."), code="text")
    elif kind == Lesson.Kind.EMBED:
        validate_embed_url(url)
    elif kind == Lesson.Kind.LINK:
        if len(url) > URL_MAX_LENGTH:
            raise CourseActionInvalid(_("The address is too long."), code="url")
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise CourseActionInvalid(
                _("Enter an address starting with http:// or https://."), code="url"
            ) from None
    if kind not in (Lesson.Kind.EMBED, Lesson.Kind.LINK):
        url = ""
    if kind in UPLOAD_KINDS and file is not None:
        if kind == Lesson.Kind.VIDEO:
            upload = (file, validate_video_upload(file))
        elif kind == Lesson.Kind.IMAGE:
            upload = process_lesson_image(file)
        else:
            upload = (file, validate_material_upload(file))
    return text, url, upload


def _store_material(course, upload, title):
    """Store an upload as a material of ``course`` (in the current transaction).

    ``bulk_create`` writes the row without ``post_save``: the material receiver's "new
    material" notification is for :func:`add_material`; a lesson is announced by
    :func:`announcements.lessons_published` when students can see it.
    """
    file, info = upload
    material = _material(course, file, info, title)
    material.file.save(info.original_name, file, save=False)
    try:
        CourseMaterial.objects.bulk_create([material])
    except BaseException:
        _forget_file(material)
        raise
    return material


def create_lesson(teacher, module, *, title, kind, text="", url="", file=None, is_published=True):
    """Add a lesson at the end of ``module`` -> :class:`Lesson`.

    The content depends on ``kind`` (see :class:`Lesson`): text needs ``text``; video,
    image and file need the upload ``file``; embed an allow-listed video address and
    link an http(s) ``url``. Raises ``CourseActionInvalid`` / ``ValidationError``.
    """
    course = module.course
    _require_owner(teacher, course)
    if kind not in Lesson.Kind.values:
        raise CourseActionInvalid(_("Choose a type of lesson."), code="kind")
    title = _title(title)
    text, url, upload = _lesson_content(kind, text=text, url=url, file=file)
    if kind in UPLOAD_KINDS and upload is None:
        raise CourseActionInvalid(_("Choose a file to upload."), code="file")
    with _atomic_with_uploads() as stored:
        material = _store_material(course, upload, title) if upload else None
        if material is not None:
            stored.append(material)
        lesson = Lesson.objects.create(
            course=course,
            module=module,
            title=title,
            kind=kind,
            text=text,
            url=url,
            material=material,
            is_published=bool(is_published),
            position=_next_position(module.lessons.all()),
        )
        if _visible(course, module, lesson):
            announcements.lessons_published(course, [lesson])
    return lesson


def update_lesson(teacher, lesson, **fields):
    """Change the :data:`LESSON_FIELDS` given; ``file`` replaces the upload (the old
    material and its stored file are deleted). Publishing a draft lesson announces it."""
    module = lesson.module
    course = module.course
    _require_owner(teacher, course)
    was_visible = _visible(course, module, lesson)
    kind = fields.get("kind", lesson.kind)
    if kind not in Lesson.Kind.values:
        raise CourseActionInvalid(_("Choose a type of lesson."), code="kind")
    title = _title(fields["title"]) if "title" in fields else lesson.title
    text, url, upload = _lesson_content(
        kind,
        text=fields.get("text", lesson.text),
        url=fields.get("url", lesson.url),
        file=fields.get("file"),
    )
    old = lesson.material
    keeps_upload = upload is None and kind in UPLOAD_KINDS and kind == lesson.kind and old is not None
    if kind in UPLOAD_KINDS and upload is None and not keeps_upload:
        raise CourseActionInvalid(_("Choose a file to upload."), code="file")
    with _atomic_with_uploads() as stored:
        if upload is not None:
            lesson.material = _store_material(course, upload, title)
            stored.append(lesson.material)
        elif not keeps_upload:
            lesson.material = None
        lesson.title, lesson.kind, lesson.text, lesson.url = title, kind, text, url
        if "is_published" in fields:
            lesson.is_published = bool(fields["is_published"])
        lesson.save()
        if old is not None and lesson.material_id != old.pk:
            # After the lesson let go of it: deleting a material deletes its lesson.
            old.delete()
            _delete_files_on_commit([old])
        elif old is not None and title != old.title:
            CourseMaterial.objects.filter(pk=old.pk).update(title=title)
        if not was_visible and _visible(course, module, lesson):
            announcements.lessons_published(course, [lesson])
    return lesson


def delete_lesson(teacher, lesson):
    """Delete a lesson and its upload (the material row and, after commit, the file)."""
    _require_owner(teacher, lesson.course)
    with transaction.atomic():
        material = lesson.material
        lesson.delete()
        if material is not None:
            material.delete()
            _delete_files_on_commit([material])


def _ids(values):
    """A list of primary keys from JSON-ish input, or ``CourseActionInvalid``."""
    if not isinstance(values, list | tuple):
        raise CourseActionInvalid(_("The new order is not valid."), code="reorder")
    result = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise CourseActionInvalid(_("The new order is not valid."), code="reorder")
        try:
            result.append(int(value))
        except ValueError:
            raise CourseActionInvalid(_("The new order is not valid."), code="reorder") from None
    if len(set(result)) != len(result):
        raise CourseActionInvalid(_("The new order is not valid."), code="reorder")
    return result


def reorder_content(teacher, course, modules=None, lessons=None):
    """Put the modules of ``course`` and lessons of its modules in a new order.

    ``modules``: every module id of the course, in the new order. ``lessons``: ``{module
    id: [lesson ids in order]}`` for some modules; a listed module holds exactly its
    list, which may bring lessons from other modules of the course (the modules they
    leave close the gap). Unknown or foreign ids -> ``CourseActionInvalid`` (code
    ``reorder``), and nothing changes. Positions become 0..n-1.
    """
    _require_owner(teacher, course)
    invalid = CourseActionInvalid(_("The new order is not valid."), code="reorder")
    with transaction.atomic():
        by_id = {m.pk: m for m in Module.objects.select_for_update().filter(course=course)}
        changed_modules = []
        if modules is not None:
            order = _ids(modules)
            if set(order) != set(by_id):
                raise invalid
            for position, pk in enumerate(order):
                if by_id[pk].position != position:
                    by_id[pk].position = position
                    changed_modules.append(by_id[pk])
        published = []
        changed_lessons = []
        if lessons:
            if not isinstance(lessons, dict):
                raise invalid
            all_lessons = {lesson.pk: lesson for lesson in Lesson.objects.filter(course=course)}
            wanted = {}
            for key, values in lessons.items():
                module_pk = _ids([key])[0]
                if module_pk not in by_id:
                    raise invalid
                wanted[module_pk] = _ids(values)
            listed = [pk for values in wanted.values() for pk in values]
            if len(set(listed)) != len(listed) or not set(listed) <= set(all_lessons):
                raise invalid
            # A listed module must list every lesson it holds now, unless it moves away.
            for lesson in all_lessons.values():
                if lesson.module_id in wanted and lesson.pk not in listed:
                    raise invalid
            left = set()
            for module_pk, values in wanted.items():
                for position, pk in enumerate(values):
                    lesson = all_lessons[pk]
                    if lesson.module_id != module_pk:
                        was = _visible(course, by_id[lesson.module_id], lesson)
                        left.add(lesson.module_id)
                        lesson.module_id = module_pk
                        if not was and _visible(course, by_id[module_pk], lesson):
                            published.append(lesson)
                    elif lesson.position == position:
                        continue
                    lesson.position = position
                    changed_lessons.append(lesson)
            # The modules lessons left, and were not listed: their rest closes up.
            for module_pk in left - set(wanted):
                rest = sorted(
                    (x for x in all_lessons.values() if x.module_id == module_pk),
                    key=lambda x: (x.position, x.pk),
                )
                for position, lesson in enumerate(rest):
                    if lesson.position != position:
                        lesson.position = position
                        changed_lessons.append(lesson)
        Module.objects.bulk_update(changed_modules, ["position"])
        Lesson.objects.bulk_update(changed_lessons, ["module", "position"])
        # bulk_update sends no signal, and a lesson moved into a draft module is hidden.
        search_index.schedule_rebuild([course.pk])
        if published:
            announcements.lessons_published(course, published)


def _move(items, item, direction):
    """Move ``item`` one place ``up`` or ``down`` in ``items`` -> the changed items."""
    if direction not in ("up", "down"):
        raise CourseActionInvalid(_("Move up or down."), code="direction")
    index = next(i for i, x in enumerate(items) if x.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    changed = []
    for position, x in enumerate(items):
        if x.position != position:
            x.position = position
            changed.append(x)
    return changed


def move_module(teacher, module, direction):
    """Move a module one place ``"up"`` or ``"down"`` (nothing at the edges)."""
    _require_owner(teacher, module.course)
    with transaction.atomic():
        modules = list(Module.objects.select_for_update().filter(course_id=module.course_id))
        Module.objects.bulk_update(_move(modules, module, direction), ["position"])


def move_lesson(teacher, lesson, direction):
    """Move a lesson one place ``"up"`` or ``"down"`` within its module (nothing at the
    edges)."""
    _require_owner(teacher, lesson.course)
    with transaction.atomic():
        lessons = list(Lesson.objects.select_for_update().filter(module_id=lesson.module_id))
        Lesson.objects.bulk_update(_move(lessons, lesson, direction), ["position"])

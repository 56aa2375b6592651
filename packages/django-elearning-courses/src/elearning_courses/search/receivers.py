"""Keep the search index current: any saved or deleted course, subject, module, lesson
or material schedules its course's rebuild for the end of the transaction
(:func:`~.index.schedule_rebuild`). Connected in :meth:`ElearningCoursesConfig.ready`.

Saves that send no signal (``update()``, ``bulk_update()``) are covered by a save of
the same course in the same transaction, or by ``manage.py rebuild_search_index``.
"""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from ..models import Course, CourseMaterial, Lesson, Module, Subject
from .index import schedule_rebuild


@receiver(post_save, sender=Course, dispatch_uid="elearning_search_course_saved")
@receiver(post_delete, sender=Course, dispatch_uid="elearning_search_course_deleted")
def course_changed(sender, instance, using, **kwargs):
    # A deleted course's entries go with it (CASCADE); the rebuild then finds nothing.
    schedule_rebuild([instance.pk], using=using)


@receiver(post_save, sender=Module, dispatch_uid="elearning_search_module_saved")
@receiver(post_delete, sender=Module, dispatch_uid="elearning_search_module_deleted")
@receiver(post_save, sender=Lesson, dispatch_uid="elearning_search_lesson_saved")
@receiver(post_delete, sender=Lesson, dispatch_uid="elearning_search_lesson_deleted")
@receiver(post_save, sender=CourseMaterial, dispatch_uid="elearning_search_material_saved")
@receiver(post_delete, sender=CourseMaterial, dispatch_uid="elearning_search_material_deleted")
def content_changed(sender, instance, using, **kwargs):
    schedule_rebuild([instance.course_id], using=using)


@receiver(post_save, sender=Subject, dispatch_uid="elearning_search_subject_saved")
@receiver(pre_delete, sender=Subject, dispatch_uid="elearning_search_subject_deleted")
def subject_changed(sender, instance, using, created=False, **kwargs):
    # A course's entry holds its subject's name. pre_delete: deleting a subject sets its
    # courses' subject to NULL with an UPDATE, after which they can no longer be found.
    if not created:
        courses = Course.objects.using(using).filter(subject=instance).values_list("pk", flat=True)
        schedule_rebuild(list(courses), using=using)

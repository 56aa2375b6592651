"""Every existing material becomes a file lesson, so nothing uploaded before modules
and lessons existed is lost: per course with materials, one module "Materials" holding
a file lesson per material, oldest first. The materials themselves (rows and stored
files) are unchanged; the download URLs keep working."""

from django.db import migrations


def materials_to_lessons(apps, schema_editor):
    Course = apps.get_model("elearning_courses", "Course")
    CourseMaterial = apps.get_model("elearning_courses", "CourseMaterial")
    Module = apps.get_model("elearning_courses", "Module")
    Lesson = apps.get_model("elearning_courses", "Lesson")
    course_ids = (
        CourseMaterial.objects.filter(lesson__isnull=True).values_list("course_id", flat=True).distinct()
    )
    for course in Course.objects.filter(pk__in=list(course_ids)).iterator():
        position = Module.objects.filter(course=course).count()
        module = Module.objects.create(course=course, title="Materials", position=position)
        materials = CourseMaterial.objects.filter(course=course, lesson__isnull=True).order_by(
            "uploaded_at", "id"
        )
        Lesson.objects.bulk_create(
            Lesson(
                course=course,
                module=module,
                title=material.title or material.original_name or "File",
                kind="file",
                material=material,
                position=index,
            )
            for index, material in enumerate(materials)
        )


def lessons_to_materials(apps, schema_editor):
    """Backwards: drop the file lessons (their materials stay) and the modules left empty."""
    Lesson = apps.get_model("elearning_courses", "Lesson")
    Module = apps.get_model("elearning_courses", "Module")
    Lesson.objects.filter(kind="file", material__isnull=False).delete()
    Module.objects.filter(lessons__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("elearning_courses", "0004_content_progress_drafts"),
    ]

    operations = [
        migrations.RunPython(materials_to_lessons, lessons_to_materials),
    ]

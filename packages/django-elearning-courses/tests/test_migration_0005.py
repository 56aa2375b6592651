"""Migration 0005: every material of a course becomes a file lesson of a module "Materials"."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

APP = "elearning_courses"
BEFORE = [(APP, "0003_course_description_max_length")]
AFTER = [(APP, "0005_materials_to_lessons")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_materials_become_file_lessons_and_back():
    from django.contrib.auth import get_user_model

    apps = migrate(BEFORE)
    try:
        Course = apps.get_model(APP, "Course")
        Material = apps.get_model(APP, "CourseMaterial")
        teacher = get_user_model().objects.create(
            username="mig-teacher", email="m@example.com", role="teacher"
        )
        with_files = Course.objects.create(teacher_id=teacher.pk, title="With files")
        empty = Course.objects.create(teacher_id=teacher.pk, title="Empty")
        for title in ["First", "Second"]:
            Material.objects.create(
                course=with_files,
                title=title,
                file=f"x/{title}.pdf",
                original_name=f"{title}.pdf",
                size=1,
                content_type="application/pdf",
            )

        apps = migrate(AFTER)
        Module = apps.get_model(APP, "Module")
        Lesson = apps.get_model(APP, "Lesson")
        module = Module.objects.get()
        assert (module.course_id, module.title, module.position, module.is_published) == (
            with_files.pk,
            "Materials",
            0,
            True,
        )
        lessons = list(
            Lesson.objects.order_by("position").values_list("title", "kind", "position", "material__title")
        )
        assert lessons == [("First", "file", 0, "First"), ("Second", "file", 1, "Second")]
        assert not Module.objects.filter(course_id=empty.pk).exists()

        apps = migrate(BEFORE)
        assert apps.get_model(APP, "CourseMaterial").objects.count() == 2
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes(APP))

"""The search index: the entries' table, what each database adds to it (a GIN index on
PostgreSQL, an FTS5 table and its triggers on SQLite: see
:mod:`elearning_courses.search.schema`), and the entries of the existing courses."""

import django.db.models.deletion
from django.db import migrations, models

import elearning_courses.search.fields
from elearning_courses.search import index, schema


def fill(apps, schema_editor):
    index.rebuild_all(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("elearning_courses", "0006_course_subject_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("course", "Course"),
                            ("module", "Module"),
                            ("lesson", "Lesson"),
                            ("material", "Material"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "audience",
                    models.CharField(
                        choices=[
                            ("all", "Everyone who sees it"),
                            ("outline", "Outline only"),
                            ("content", "Readers only"),
                        ],
                        max_length=16,
                        verbose_name="audience",
                    ),
                ),
                ("is_published", models.BooleanField(verbose_name="published")),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("body", models.TextField(blank=True, max_length=100000, verbose_name="text")),
                (
                    "search_vector",
                    elearning_courses.search.fields.SearchVectorColumn(
                        editable=False, null=True, verbose_name="search vector"
                    ),
                ),
                (
                    "course",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_entries",
                        to="elearning_courses.course",
                        verbose_name="course",
                    ),
                ),
                (
                    "lesson",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="elearning_courses.lesson",
                        verbose_name="lesson",
                    ),
                ),
                (
                    "module",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="elearning_courses.module",
                        verbose_name="module",
                    ),
                ),
            ],
            options={
                "verbose_name": "search entry",
                "verbose_name_plural": "search entries",
                "ordering": ["id"],
            },
        ),
        migrations.RunPython(schema.create, schema.drop),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

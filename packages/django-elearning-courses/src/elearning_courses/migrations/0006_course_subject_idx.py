"""An index for the catalog: the count of published courses and their count per subject
read it alone instead of every row of the course table, and a subject's newest courses
are read in its order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("elearning_courses", "0005_materials_to_lessons"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="course",
            index=models.Index(
                fields=["subject", "-created_at", "-id", "is_published"], name="elearning_course_subject_idx"
            ),
        ),
    ]

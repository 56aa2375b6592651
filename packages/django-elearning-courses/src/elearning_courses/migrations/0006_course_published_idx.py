"""An index for the catalog: the count of published courses and their count per subject
read it alone instead of every row of the course table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("elearning_courses", "0005_materials_to_lessons"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="course",
            index=models.Index(fields=["is_published", "subject"], name="elearning_course_published_idx"),
        ),
    ]

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("elearning_courses", "0006_course_subject_idx"),
    ]

    operations = []

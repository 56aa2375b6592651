"""Create the demo site's people (and, when installed, courses and chat rooms).

Safe to run more than once: existing demo users are updated, not duplicated.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_PASSWORD = "demo-pass-2026"

TEACHERS = [
    ("alice", "Alice", "Martin", "Teaches Python and Django."),
    ("bob", "Bob", "Nguyen", "Data science and statistics."),
]
STUDENTS = [
    ("sam", "Sam", "Rivera", "Learning web development."),
    ("kim", "Kim", "Osei", "Curious about everything."),
    ("lee", "Lee", "Park", ""),
]


class Command(BaseCommand):
    help = f"Load demo users (password: {DEMO_PASSWORD}) and demo content."

    @transaction.atomic
    def handle(self, *args, **options):
        from elearning_users.models import Role

        User = get_user_model()
        people = {}
        for role, rows in ((Role.TEACHER, TEACHERS), (Role.STUDENT, STUDENTS)):
            for username, first, last, status in rows:
                user, _ = User.objects.update_or_create(
                    username=username,
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "email": f"{username}@example.com",
                        "role": role,
                        "status": status,
                    },
                )
                user.set_password(DEMO_PASSWORD)
                user.save()
                people[username] = user
        admin, _ = User.objects.update_or_create(
            username="admin",
            defaults={
                "email": "admin@example.com",
                "is_staff": True,
                "is_superuser": True,
                "role": Role.TEACHER,
            },
        )
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        self.load_extra(people)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded. Log in as teacher 'alice', student 'sam' or admin 'admin' "
                f"with the password '{DEMO_PASSWORD}'."
            )
        )

    def load_extra(self, people):
        """Content of the other apps (courses, chat rooms), added when they are installed."""
        from . import _demo_analytics, _demo_chat, _demo_content, _demo_lessons

        _demo_content.load(people, stdout=self.stdout)
        _demo_lessons.load(people, stdout=self.stdout)
        _demo_chat.load(people, stdout=self.stdout)
        _demo_analytics.load(people, stdout=self.stdout)

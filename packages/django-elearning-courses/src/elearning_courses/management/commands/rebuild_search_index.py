"""``manage.py rebuild_search_index``: rebuild every course's search entries.

Needed after changing ``ELEARNING_COURSES["SEARCH_CONFIG"]`` (or the site language it
follows), or after changes made without signals (raw SQL, ``QuerySet.update()``).
"""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from ...search import index


class Command(BaseCommand):
    help = "Rebuild the search index of every course."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, database, **options):
        count = index.rebuild_all(using=database)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the search index of {count} courses."))

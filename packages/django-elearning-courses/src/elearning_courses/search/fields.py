"""The search vector column, without importing ``django.contrib.postgres``.

``django.contrib.postgres.search`` needs psycopg, which a site on SQLite may not have;
this column is a ``tsvector`` on PostgreSQL and an unused, always-NULL text column
elsewhere, so that the model (and its migration) is the same on every database.
"""

from django.db import models


class SearchVectorColumn(models.Field):
    description = "Full-text search vector (PostgreSQL tsvector)"

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"

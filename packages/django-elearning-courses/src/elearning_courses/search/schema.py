"""What the search index needs beyond its table, by database (used by migration 0007).

* PostgreSQL: a GIN index on ``search_vector``;
* SQLite with FTS5: an external-content FTS5 table over the entries' title and body,
  kept in step by triggers (the entries are only ever inserted and deleted, but an
  update is handled too).

Neither is part of Django's model state, so ``makemigrations`` sees the same model on
every database. A later migration that makes SQLite rebuild the entries' table (most
``AlterField`` operations do) drops the triggers with the old table: run
:func:`drop` and :func:`create` around it, then ``rebuild_search_index``.
"""

TABLE = "elearning_courses_searchentry"
FTS_TABLE = f"{TABLE}_fts"
GIN_INDEX = "elearning_search_vector_idx"

# Reviewed (bandit B608): constants, no input.
_INSERT = f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);"  # nosec B608
_DELETE = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);"  # nosec B608
SQLITE_CREATE = [
    # porter: English stemming, as PostgreSQL's default configuration; remove_diacritics:
    # "resume" finds "résumé".
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, body, content='{TABLE}', content_rowid='id',"
    " tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {TABLE}_ai AFTER INSERT ON {TABLE} BEGIN {_INSERT} END",
    f"CREATE TRIGGER {TABLE}_ad AFTER DELETE ON {TABLE} BEGIN {_DELETE} END",
    f"CREATE TRIGGER {TABLE}_au AFTER UPDATE ON {TABLE} BEGIN {_DELETE} {_INSERT} END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {TABLE}_{suffix}" for suffix in ("ai", "ad", "au")] + [
    f"DROP TABLE IF EXISTS {FTS_TABLE}"
]
POSTGRESQL_CREATE = [f"CREATE INDEX {GIN_INDEX} ON {TABLE} USING gin (search_vector)"]
POSTGRESQL_DROP = [f"DROP INDEX IF EXISTS {GIN_INDEX}"]


def _statements(schema_editor, create):
    from .backends import fts5_available

    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    if vendor == "sqlite" and fts5_available():
        return SQLITE_CREATE if create else SQLITE_DROP
    return []


def create(apps, schema_editor):
    """Create this database's extras (a ``RunPython`` function)."""
    for statement in _statements(schema_editor, create=True):
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    """Drop this database's extras (a ``RunPython`` function)."""
    for statement in _statements(schema_editor, create=False):
        schema_editor.execute(statement, params=None)

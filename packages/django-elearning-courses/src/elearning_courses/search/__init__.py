"""Search inside courses: course titles, descriptions and subjects, module and lesson
titles, lesson text and material titles.

* :mod:`.index` keeps one :class:`~elearning_courses.models.SearchEntry` per searchable
  piece, rebuilt per course after each commit that changes it (:mod:`.receivers`);
* :mod:`.backends` matches, ranks and highlights: PostgreSQL full-text search, SQLite
  FTS5, or a plain ``icontains`` where neither is available;
* :mod:`.access` keeps the pages' rules (drafts, readers, blocked students) in SQL;
* :mod:`.results` groups the hits by course, one page of courses at a time.

Nothing is imported here, so that ``models`` can import :mod:`.fields`.
"""

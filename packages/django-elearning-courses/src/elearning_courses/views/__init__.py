"""Views of the course pages, one module per area.

Each view loads what it needs and asks :mod:`elearning_courses.rules` who may
see or do what; changes go through :mod:`elearning_courses.services`, which the
REST API uses as well, so the rules are the same everywhere.
"""

from . import analytics, announcements, lessons, progress, search
from .catalog import CatalogView, MyCoursesView
from .courses import CourseCreateView, CourseDeleteView, CourseDetailView, CourseUpdateView, FeedbackView
from .enrollment import enroll, unenroll
from .materials import MaterialDeleteView, MaterialUploadView, material_download
from .notifications import (
    NotificationListView,
    NotificationOpenView,
    NotificationReadAllView,
    NotificationReadView,
)
from .students import BlockedListView, BlockView, StudentListView, UnblockView

__all__ = [
    "analytics",
    "announcements",
    "lessons",
    "progress",
    "search",
    "CatalogView",
    "MyCoursesView",
    "CourseCreateView",
    "CourseDeleteView",
    "CourseDetailView",
    "CourseUpdateView",
    "FeedbackView",
    "enroll",
    "unenroll",
    "MaterialDeleteView",
    "MaterialUploadView",
    "material_download",
    "NotificationListView",
    "NotificationOpenView",
    "NotificationReadAllView",
    "NotificationReadView",
    "BlockedListView",
    "BlockView",
    "StudentListView",
    "UnblockView",
]

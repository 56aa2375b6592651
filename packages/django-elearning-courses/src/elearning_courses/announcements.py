"""Announcements to a course's class, and the coalesced news of published lessons."""


def course_page_context(user, course, access):
    """Context the course page's announcements include needs."""
    return {}


def lessons_published(course, lessons):
    """Tell the enrolled students that ``lessons`` of ``course`` became visible."""

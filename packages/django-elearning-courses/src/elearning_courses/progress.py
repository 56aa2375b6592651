"""Progress of students through a course's lessons."""


def course_page_context(user, course, access):
    """Context the course page's progress include needs."""
    return {}

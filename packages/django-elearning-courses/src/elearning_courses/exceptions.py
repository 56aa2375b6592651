"""Errors raised by the course rules (:mod:`elearning_courses.services`).

Both are Django exceptions, so views get the right behaviour for free:
:class:`CourseActionDenied` is a ``PermissionDenied`` (403) and
:class:`CourseActionInvalid` a ``ValidationError`` (shown beside a form / a 400 in
the API). Each carries a stable ``code`` that tests and API clients can rely on.
"""

from django.core.exceptions import PermissionDenied, ValidationError


class CourseActionDenied(PermissionDenied):
    """The user may not do this (wrong role, not the owner, blocked, not enrolled)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self):
        return str(self.message)


class CourseActionInvalid(ValidationError):
    """The action is allowed in principle but not in this state (e.g. already enrolled)."""

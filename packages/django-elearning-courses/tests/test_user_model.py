"""Courses rely only on AbstractElearningUser, whichever model AUTH_USER_MODEL names.

The suite runs with ``elearning_users.User`` and again with ``tests.hostuser.Member``
(``--ds=tests.settings_hostuser``); these tests state what both runs must agree on.
"""

import io

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from elearning_courses.models import Course, CourseBlock, Enrollment, Feedback, Notification
from elearning_users.models import AbstractElearningUser

pytestmark = pytest.mark.django_db


def test_users_are_the_site_model(owner, enrolled):
    User = get_user_model()
    assert User._meta.label == settings.AUTH_USER_MODEL
    assert issubclass(User, AbstractElearningUser)
    assert isinstance(owner, User) and owner.is_teacher and enrolled.is_student


@pytest.mark.parametrize(
    "model, field",
    [
        (Course, "teacher"),
        (Enrollment, "student"),
        (Feedback, "student"),
        (CourseBlock, "student"),
        (Notification, "recipient"),
    ],
)
def test_user_references_follow_auth_user_model(model, field):
    assert model._meta.get_field(field).related_model is get_user_model()


def test_no_missing_migrations_with_this_user_model():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())

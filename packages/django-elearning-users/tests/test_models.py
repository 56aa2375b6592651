import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

pytestmark = pytest.mark.django_db


def test_roles_and_labels():
    User = get_user_model()
    assert User.Role.choices == [("student", "Student"), ("teacher", "Teacher")]
    assert User().role == "student"


def test_role_helpers(student, teacher):
    assert student.is_student and not student.is_teacher
    assert teacher.is_teacher and not teacher.is_student


def test_invalid_role_rejected_by_database(student):
    User = get_user_model()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=student.pk).update(role="admin")


def test_absolute_url_and_empty_avatar(student):
    assert student.get_absolute_url() == "/users/stu/"
    assert student.avatar_url == ""

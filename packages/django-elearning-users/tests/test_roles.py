import pytest

pytestmark = pytest.mark.django_db

URLS = ["/t/fn/", "/s/fn/", "/t/cbv/", "/s/cbv/"]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "url,teacher_status,student_status",
    [
        ("/t/fn/", 200, 403),
        ("/t/cbv/", 200, 403),
        ("/s/fn/", 403, 200),
        ("/s/cbv/", 403, 200),
    ],
)
def test_roles(client, teacher, student, url, teacher_status, student_status):
    client.force_login(teacher)
    assert client.get(url).status_code == teacher_status
    client.force_login(student)
    assert client.get(url).status_code == student_status


def test_drf_permissions(rf, teacher, student):
    from django.contrib.auth.models import AnonymousUser

    from elearning_users.permissions import IsStudent, IsTeacher

    request = rf.get("/")
    for user, t, s in ((teacher, True, False), (student, False, True), (AnonymousUser(), False, False)):
        request.user = user
        assert IsTeacher().has_permission(request, None) is t
        assert IsStudent().has_permission(request, None) is s


def test_role_checks_use_the_role_choices():
    from elearning_users import decorators, mixins, permissions
    from elearning_users.models import Role

    # Identity, not just equality: the checks hold the members of Role, not copies of the strings.
    assert mixins.TeacherRequiredMixin.required_role is Role.TEACHER
    assert mixins.StudentRequiredMixin.required_role is Role.STUDENT
    assert permissions.IsTeacher.role is Role.TEACHER
    assert permissions.IsStudent.role is Role.STUDENT
    assert decorators.Role is Role


def test_permission_messages_are_translatable(monkeypatch):
    from django.utils import translation

    from elearning_users.permissions import IsStudent, IsTeacher

    monkeypatch.setattr(translation._trans, "gettext", str.upper, raising=False)
    assert str(IsTeacher.message) == "ONLY TEACHERS CAN DO THIS."
    assert str(IsStudent.message) == "ONLY STUDENTS CAN DO THIS."

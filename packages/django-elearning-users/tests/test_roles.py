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

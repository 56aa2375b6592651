"""``/api/notifications/``: own only, read, read-all, unread count."""

import pytest

from elearning_courses.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(owner, enrolled):
    """owner: 2 unread + 1 read; enrolled: 1 unread. (The fixtures' own signals add more.)"""
    Notification.objects.all().delete()
    mine = [
        Notification.objects.create(recipient=owner, verb="enrolled", message=f"n{i}", url="/c/1/")
        for i in range(2)
    ]
    Notification.objects.create(recipient=owner, verb="feedback", message="old", is_read=True)
    theirs = Notification.objects.create(recipient=enrolled, verb="material", message="theirs")
    return mine, theirs


def test_anonymous_refused(api_as, inbox):
    client = api_as("anonymous")
    assert client.get("/api/notifications/").status_code == 403
    assert client.get("/api/notifications/unread-count/").status_code == 403
    assert client.post("/api/notifications/read-all/").status_code == 403


def test_list_own_only_newest_first(api_as, inbox):
    response = api_as("owner").get("/api/notifications/")
    assert response.status_code == 200
    assert [n["message"] for n in response.data["results"]] == ["old", "n1", "n0"]
    assert set(response.data["results"][0]) == {"id", "verb", "message", "url", "is_read", "created_at"}
    assert api_as("owner").get("/api/notifications/?is_read=false").data["count"] == 2


def test_unread_count(api_as, inbox):
    assert api_as("owner").get("/api/notifications/unread-count/").data == {"unread_count": 2}
    assert api_as("enrolled").get("/api/notifications/unread-count/").data == {"unread_count": 1}


def test_mark_one_read(api_as, inbox):
    mine, _theirs = inbox
    response = api_as("owner").post(f"/api/notifications/{mine[0].pk}/read/")
    assert response.status_code == 200 and response.data["is_read"] is True
    mine[0].refresh_from_db()
    assert mine[0].is_read
    assert api_as("owner").get("/api/notifications/unread-count/").data["unread_count"] == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_elses_is_404(api_as, inbox, method):
    _mine, theirs = inbox
    url = f"/api/notifications/{theirs.pk}/" + ("read/" if method == "post" else "")
    assert getattr(api_as("owner"), method)(url).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


@pytest.mark.parametrize("pk", ["999999", "abc"])
def test_unknown_or_malformed_id_is_404(api_as, inbox, pk):
    assert api_as("owner").post(f"/api/notifications/{pk}/read/").status_code == 404


def test_read_all_touches_only_mine(api_as, inbox):
    response = api_as("owner").post("/api/notifications/read-all/")
    assert response.data == {"marked_read": 2, "unread_count": 0}
    assert Notification.objects.filter(is_read=False).count() == 1  # the student's


def test_not_writable(api_as, inbox):
    mine, _ = inbox
    client = api_as("owner")
    assert client.post("/api/notifications/", {"message": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/notifications/{mine[0].pk}/").status_code == 405


@pytest.mark.parametrize("rows", [1, 50])
def test_list_constant_queries(api_client, make_user, rows, django_assert_num_queries):
    user = make_user("reader", "teacher")
    Notification.objects.bulk_create(
        [Notification(recipient=user, verb="enrolled", message=str(i)) for i in range(rows)]
    )
    api_client.force_authenticate(user)
    with django_assert_num_queries(2):
        assert api_client.get("/api/notifications/?page_size=100").data["count"] == rows

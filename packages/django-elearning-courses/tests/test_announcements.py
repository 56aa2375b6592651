"""Announcements: who posts, deletes and reads them, their notifications and the pages."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from elearning_courses import announcements
from elearning_courses.exceptions import CourseActionDenied, CourseActionInvalid
from elearning_courses.models import ANNOUNCEMENT_MAX_LENGTH, Announcement, Course, Enrollment, Notification

from .test_lesson_news import listen

pytestmark = pytest.mark.django_db

ALL_ROLES = ["anonymous", "student", "enrolled", "blocked", "other_teacher", "owner", "staff"]
#: Who reads a course's announcements (sees the section of the course page).
READERS = {"enrolled", "owner", "staff"}


@pytest.fixture
def staff(make_user):
    return make_user("staff", "teacher", is_staff=True)


@pytest.fixture
def everyone(users, staff):
    return {**users, "staff": staff}


@pytest.fixture
def login(client, everyone):
    def make(name):
        user = everyone[name]
        if user.is_authenticated:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def announcement(course, owner):
    return Announcement.objects.create(course=course, author=owner, title="Exam moved", body="To **Friday**.")


def create_url(course):
    return f"/courses/{course.pk}/announcements/new/"


def delete_url(announcement):
    return f"/courses/{announcement.course_id}/announcements/{announcement.pk}/delete/"


def ann_notifications():
    return sorted(
        (n.recipient.username, n.message, n.url)
        for n in Notification.objects.filter(verb=Notification.Verb.ANNOUNCEMENT).select_related("recipient")
    )


class TestPost:
    def test_the_owner_posts_and_the_enrolled_students_only_are_notified(self, everyone, course):
        a = announcements.post_announcement(everyone["owner"], course, title="  Welcome ", body="Hi *all*")
        assert (a.title, a.body, a.author, a.course) == ("Welcome", "Hi *all*", everyone["owner"], course)
        assert ann_notifications() == [
            ("enrolled", "Announcement in Django basics: Welcome", f"/courses/{course.pk}/#announcements")
        ]

    @pytest.mark.parametrize(
        "name, code",
        [
            ("student", "not_teacher"),
            ("enrolled", "not_teacher"),
            ("blocked", "not_teacher"),
            ("other_teacher", "not_owner"),
            ("anonymous", "not_teacher"),
        ],
    )
    def test_nobody_else_posts(self, everyone, course, name, code):
        with pytest.raises(CourseActionDenied) as denied:
            announcements.post_announcement(everyone[name], course, title="Hi")
        assert denied.value.code == code
        assert not Announcement.objects.exists()

    def test_staff_do_not_post_in_courses_they_do_not_teach(self, everyone, course):
        with pytest.raises(CourseActionDenied):
            announcements.post_announcement(everyone["staff"], course, title="Hi")

    @pytest.mark.parametrize(
        "title, body, field, code",
        [
            ("", "", "title", "title_required"),
            ("   ", "text", "title", "title_required"),
            ("x" * 201, "", "title", "title_too_long"),
            ("Ok", "x" * (ANNOUNCEMENT_MAX_LENGTH + 1), "body", "body_too_long"),
        ],
    )
    def test_bad_input_is_refused_per_field(self, owner, course, title, body, field, code):
        with pytest.raises(CourseActionInvalid) as invalid:
            announcements.post_announcement(owner, course, title=title, body=body)
        assert [e.code for e in invalid.value.error_dict[field]] == [code]
        assert not Announcement.objects.exists()

    def test_longest_values_are_accepted(self, owner, course):
        announcements.post_announcement(owner, course, title="x" * 200, body="y" * ANNOUNCEMENT_MAX_LENGTH)
        assert Announcement.objects.count() == 1

    def test_a_draft_course_notifies_nobody(self, everyone, course):
        course.is_published = False
        course.save()
        announcements.post_announcement(everyone["owner"], course, title="Soon")
        assert Announcement.objects.count() == 1
        assert ann_notifications() == []

    def test_long_titles_give_a_notification_that_fits(self, everyone, course):
        course.title = "C" * 200
        course.save()
        announcements.post_announcement(everyone["owner"], course, title="T" * 200)
        (n,) = Notification.objects.filter(verb="announcement")
        assert len(n.message) == 255

    @pytest.mark.parametrize("students", [1, 30])
    def test_same_queries_for_1_or_30_students_and_each_is_pushed(
        self, students, owner, make_user, django_assert_num_queries, django_capture_on_commit_callbacks
    ):
        course = Course.objects.create(teacher=owner, title="Fan out")
        people = [make_user(f"s{i}") for i in range(students)]
        Enrollment.objects.bulk_create([Enrollment(course=course, student=s) for s in people])
        receivers = {person.pk: listen(person.pk) for person in people}
        # savepoint, insert, select the class, one bulk insert, release; after commit one
        # grouped unread count
        with django_assert_num_queries(6):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                announcements.post_announcement(owner, course, title="Hello")
        assert len(callbacks) == 1
        for person in people:
            payload = receivers[person.pk]()
            assert payload["notification"]["verb"] == "announcement"
            assert payload["notification"]["message"] == "Announcement in Fan out: Hello"
            assert payload["unread_count"] == 1

    def test_a_rolled_back_post_notifies_nobody(self, everyone, course, django_capture_on_commit_callbacks):
        from django.db import transaction

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                announcements.post_announcement(everyone["owner"], course, title="Oops")
                raise RuntimeError
        assert callbacks == []
        assert ann_notifications() == [] and not Announcement.objects.exists()


class TestDelete:
    @pytest.mark.parametrize("name", ["owner", "staff"])
    def test_owner_and_staff_delete(self, everyone, announcement, name):
        announcements.delete_announcement(everyone[name], announcement)
        assert not Announcement.objects.exists()

    @pytest.mark.parametrize("name", ["anonymous", "student", "enrolled", "blocked", "other_teacher"])
    def test_nobody_else_deletes(self, everyone, announcement, name):
        with pytest.raises(CourseActionDenied) as denied:
            announcements.delete_announcement(everyone[name], announcement)
        assert denied.value.code == "not_allowed"
        assert Announcement.objects.exists()


class TestCreatePage:
    @pytest.mark.parametrize("name", ALL_ROLES)
    def test_get_per_role(self, login, course, name):
        response = login(name).get(create_url(course))
        if name == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        elif name == "owner":
            assert response.status_code == 200
            html = response.content.decode()
            assert 'for="id_title"' in html and 'for="id_body"' in html
            assert "each of them is notified" in html
        else:
            assert response.status_code == 403
            assert "Only the course&#x27;s teacher can post announcements." in response.content.decode()

    @pytest.mark.parametrize("name", ALL_ROLES)
    def test_post_per_role(self, login, course, name):
        response = login(name).post(create_url(course), {"title": "Hi", "body": ""})
        if name == "owner":
            assert response.status_code == 302
            assert response["Location"] == f"/courses/{course.pk}/#announcements"
            assert Announcement.objects.get().title == "Hi"
        else:
            assert response.status_code in (302, 403)
            assert not Announcement.objects.exists()

    def test_success_flash(self, login, course):
        response = login("owner").post(create_url(course), {"title": "Hi", "body": ""}, follow=True)
        assert "The announcement “Hi” was posted." in response.content.decode()

    @pytest.mark.parametrize(
        "data, field, text",
        [
            ({"title": "", "body": "x"}, "title", "Give the announcement a title."),
            ({"title": "  ", "body": "x"}, "title", "Give the announcement a title."),
            ({"title": "x" * 201}, "title", "at most 200 characters"),
            ({"title": "ok", "body": "b" * 5001}, "body", "at most 5000 characters"),
        ],
    )
    def test_bad_input_shows_errors_beside_the_fields(self, login, course, data, field, text):
        response = login("owner").post(create_url(course), data)
        assert response.status_code == 200
        form = response.context["form"]
        assert text in " ".join(form.errors[field])
        assert f'id="id_{field}"' in response.content.decode()
        assert "is-invalid" in response.content.decode()
        assert not Announcement.objects.exists()

    def test_service_errors_land_beside_the_field(self, login, course, monkeypatch):
        def refuse(*args, **kwargs):
            raise CourseActionInvalid({"body": ValidationError("Nope.", code="x")})

        monkeypatch.setattr(announcements, "post_announcement", refuse)
        response = login("owner").post(create_url(course), {"title": "ok"})
        assert response.status_code == 200
        assert response.context["form"].errors["body"] == ["Nope."]

    def test_draft_course_is_404_for_others_and_open_to_its_teacher(self, login, course):
        course.is_published = False
        course.save()
        assert login("enrolled").get(create_url(course)).status_code == 404
        assert login("other_teacher").post(create_url(course), {"title": "x"}).status_code == 404
        response = login("owner").get(create_url(course))
        assert response.status_code == 200
        assert "nobody is notified" in response.content.decode()

    def test_unknown_course_and_other_methods(self, login, course):
        client = login("owner")
        assert client.get("/courses/999999/announcements/new/").status_code == 404
        assert client.put(create_url(course)).status_code == 405

    def test_head_is_answered_as_get(self, everyone, announcement):
        """HEAD goes wherever GET goes (RFC 9110): the pages, the log-in, the refusal."""
        course = announcement.course
        expected = {"anonymous": 302, "enrolled": 403, "owner": 200}
        for url in (create_url(course), delete_url(announcement)):
            for name, status in expected.items():
                client = Client()
                if everyone[name].is_authenticated:
                    client.force_login(everyone[name])
                assert client.head(url).status_code == status, (name, url)


class TestDeletePage:
    @pytest.mark.parametrize("name", ALL_ROLES)
    def test_get_per_role(self, login, announcement, name):
        response = login(name).get(delete_url(announcement))
        if name == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif name in ("owner", "staff"):
            assert response.status_code == 200
            assert "Delete the announcement “Exam moved”?" in response.content.decode()
        else:
            assert response.status_code == 403

    @pytest.mark.parametrize("name", ALL_ROLES)
    def test_post_per_role(self, login, announcement, name):
        response = login(name).post(delete_url(announcement), follow=name in ("owner", "staff"))
        gone = not Announcement.objects.exists()
        assert gone == (name in ("owner", "staff"))
        if gone:
            assert "The announcement “Exam moved” was deleted." in response.content.decode()
            assert response.redirect_chain[-1][0] == f"/courses/{announcement.course_id}/#announcements"

    def test_an_announcement_of_another_course_is_404(self, login, announcement, owner):
        other = Course.objects.create(teacher=owner, title="Other")
        url = f"/courses/{other.pk}/announcements/{announcement.pk}/delete/"
        assert login("owner").post(url).status_code == 404
        assert Announcement.objects.exists()


class TestCoursePage:
    @pytest.mark.parametrize("name", ALL_ROLES)
    def test_only_the_class_sees_announcements(self, login, course, announcement, name):
        html = login(name).get(course.get_absolute_url()).content.decode()
        sees = name in READERS
        assert ('id="announcements"' in html) == sees
        assert ("Exam moved" in html) == sees
        assert ("Post an announcement" in html) == (name == "owner")
        assert (delete_url(announcement) in html) == (name in ("owner", "staff"))

    def test_body_is_rendered_and_escaped(self, login, course, owner):
        Announcement.objects.create(
            course=course, author=owner, title="<b>T</b>", body="a **b**\n<script>x</script>"
        )
        html = login("enrolled").get(course.get_absolute_url()).content.decode()
        assert "&lt;b&gt;T&lt;/b&gt;" in html
        assert "<script>x</script>" not in html
        assert "<strong>b</strong>" in html

    def test_empty_states(self, login, course):
        assert (
            "No announcements yet. Post one" in login("owner").get(course.get_absolute_url()).content.decode()
        )
        html = login("enrolled").get(course.get_absolute_url()).content.decode()
        assert "No announcements yet." in html and "Post one" not in html

    def test_newest_five_and_the_count(self, login, course, owner):
        for i in range(7):
            Announcement.objects.create(course=course, author=owner, title=f"News {i}")
        html = login("enrolled").get(course.get_absolute_url()).content.decode()
        assert all(f"News {i}" in html for i in range(2, 7))
        assert "News 1<" not in html and "News 0<" not in html
        assert html.index("News 6") < html.index("News 2")
        assert "Showing the 5 newest of 7 announcements." in html

    @pytest.mark.parametrize("count", [1, 6])
    def test_context_costs_at_most_two_queries(
        self, course, owner, enrolled, count, django_assert_num_queries
    ):
        from elearning_courses import rules

        Announcement.objects.bulk_create(
            [Announcement(course=course, author=owner, title=f"N{i}") for i in range(count)]
        )
        access = rules.course_access(enrolled, course)
        with django_assert_num_queries(1 if count <= announcements.SHOWN else 2):
            context = announcements.course_page_context(enrolled, course, access)
        assert context["announcement_count"] == count
        assert len(context["announcements"]) == min(count, announcements.SHOWN)

    def test_readers_get_no_queries_spent_on_them(self, course, student, django_assert_num_queries):
        from elearning_courses import rules

        access = rules.course_access(student, course)
        with django_assert_num_queries(0):
            assert announcements.course_page_context(student, course, access) == {"show_announcements": False}

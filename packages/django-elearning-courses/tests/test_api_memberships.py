"""``/api/enrollments/``, ``/api/feedback/`` and ``/api/blocks/`` for every role."""

import pytest

from elearning_courses.models import Course, CourseBlock, Enrollment, Feedback

pytestmark = pytest.mark.django_db


class TestEnrollments:
    @pytest.mark.parametrize(
        "role, expected, code",
        [
            ("anonymous", 403, None),
            ("student", 201, None),
            ("enrolled", 400, "already_enrolled"),
            ("blocked", 403, "blocked"),
            ("other_teacher", 403, "not_student"),
            ("owner", 403, "not_student"),
        ],
    )
    def test_enroll(self, api_as, users, course, role, expected, code):
        response = api_as(role).post("/api/enrollments/", {"course": course.pk}, format="json")
        assert response.status_code == expected, response.data
        if code:
            assert response.data["code"] == code
            assert isinstance(response.data["detail"], str)
        if expected == 201:
            assert response.data["course"] == course.pk
            assert response.data["student"]["id"] == users[role].pk
            assert Enrollment.objects.filter(student=users[role], course=course).exists()

    def test_enrolled_student_cannot_enroll_someone_else(self, api_as, users, course, owner):
        other = Course.objects.create(teacher=owner, title="Other")
        response = api_as("student").post(
            "/api/enrollments/", {"course": other.pk, "student": users["enrolled"].pk}, format="json"
        )
        assert response.status_code == 201
        assert Enrollment.objects.get(course=other).student == users["student"]

    @pytest.mark.parametrize("payload", [{}, {"course": 999999}, {"course": "abc"}, {"course": None}])
    def test_bad_input(self, api_as, course, payload):
        response = api_as("student").post("/api/enrollments/", payload, format="json")
        assert response.status_code == 400
        assert "course" in response.data

    def test_malformed_json(self, api_as, course):
        response = api_as("student").post("/api/enrollments/", "{x", content_type="application/json")
        assert response.status_code == 400

    @pytest.mark.parametrize(
        "role, visible",
        [
            ("anonymous", None),
            ("student", 0),
            ("enrolled", 1),
            ("blocked", 0),
            ("other_teacher", 0),
            ("owner", 1),
        ],
    )
    def test_list_is_own_or_own_courses(self, api_as, course, enrolled, role, visible):
        response = api_as(role).get("/api/enrollments/")
        if visible is None:
            assert response.status_code == 403
        else:
            assert response.data["count"] == visible

    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 404),
            ("enrolled", 204),
            ("blocked", 404),
            ("other_teacher", 404),
            ("owner", 403),
        ],
    )
    def test_unenroll(self, api_as, users, course, role, expected):
        enrollment = Enrollment.objects.get(student=users["enrolled"], course=course)
        assert api_as(role).delete(f"/api/enrollments/{enrollment.pk}/").status_code == expected
        assert Enrollment.objects.filter(pk=enrollment.pk).exists() == (expected != 204)

    def test_unknown_and_malformed_ids(self, api_as, course):
        client = api_as("enrolled")
        assert client.get("/api/enrollments/424242/").status_code == 404
        assert client.delete("/api/enrollments/abc/").status_code == 404

    @pytest.mark.parametrize("rows", [1, 50])
    def test_teacher_list_constant_queries(
        self, api_client, owner, make_user, rows, django_assert_num_queries
    ):
        course = Course.objects.create(teacher=owner, title="Big")
        for i in range(rows):
            Enrollment.objects.create(student=make_user(f"s{i}"), course=course)
        api_client.force_authenticate(owner)
        with django_assert_num_queries(2):
            assert api_client.get("/api/enrollments/?page_size=100").data["count"] == rows


class TestFeedback:
    @pytest.mark.parametrize(
        "role, expected, code",
        [
            ("anonymous", 403, None),
            ("student", 403, "not_enrolled"),
            ("enrolled", 201, None),
            ("blocked", 403, "blocked"),
            ("other_teacher", 403, "not_student"),
            ("owner", 403, "not_student"),
        ],
    )
    def test_create(self, api_as, users, course, role, expected, code):
        response = api_as(role).post(
            "/api/feedback/", {"course": course.pk, "rating": 4, "comment": "Good"}, format="json"
        )
        assert response.status_code == expected, response.data
        if code:
            assert response.data["code"] == code
        assert Feedback.objects.filter(course=course).exists() == (expected == 201)

    @pytest.mark.parametrize("rating", [0, 6, -1, "five", None, 4.5])
    def test_bad_rating(self, api_as, course, enrolled, rating):
        response = api_as("enrolled").post(
            "/api/feedback/", {"course": course.pk, "rating": rating}, format="json"
        )
        assert response.status_code == 400
        assert "rating" in response.data

    def test_one_per_course(self, api_as, course, enrolled):
        client = api_as("enrolled")
        assert (
            client.post("/api/feedback/", {"course": course.pk, "rating": 4}, format="json").status_code
            == 201
        )
        response = client.post("/api/feedback/", {"course": course.pk, "rating": 2}, format="json")
        assert response.status_code == 400
        assert response.data["code"] == "already_rated"
        assert Feedback.objects.get().rating == 4

    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 200),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 403),
        ],
    )
    def test_edit_own_only(self, api_as, users, course, role, expected):
        feedback = Feedback.objects.create(student=users["enrolled"], course=course, rating=2)
        response = api_as(role).patch(f"/api/feedback/{feedback.pk}/", {"rating": 5}, format="json")
        assert response.status_code == expected, response.data
        feedback.refresh_from_db()
        assert (feedback.rating == 5) == (expected == 200)

    def test_blocked_author_cannot_edit(self, api_as, users, course, owner):
        feedback = Feedback.objects.create(student=users["enrolled"], course=course, rating=2)
        CourseBlock.objects.create(course=course, student=users["enrolled"])
        response = api_as("enrolled").patch(f"/api/feedback/{feedback.pk}/", {"rating": 5}, format="json")
        assert response.status_code == 403 and response.data["code"] == "blocked"

    def test_edit_bad_rating_and_course_move(self, api_as, users, course, owner):
        feedback = Feedback.objects.create(student=users["enrolled"], course=course, rating=2)
        other = Course.objects.create(teacher=owner, title="Other")
        client = api_as("enrolled")
        assert client.patch(f"/api/feedback/{feedback.pk}/", {"rating": 0}, format="json").status_code == 400
        assert (
            client.patch(f"/api/feedback/{feedback.pk}/", {"course": other.pk}, format="json").status_code
            == 400
        )

    def test_list_and_course_filter(self, api_as, users, course, owner):
        other = Course.objects.create(teacher=owner, title="Other")
        Feedback.objects.create(student=users["enrolled"], course=course, rating=2)
        Feedback.objects.create(student=users["enrolled"], course=other, rating=5)
        client = api_as("student")
        assert client.get("/api/feedback/").data["count"] == 2
        rows = client.get(f"/api/feedback/?course={course.pk}").data["results"]
        assert [r["rating"] for r in rows] == [2]
        assert rows[0]["student"] == {"id": users["enrolled"].pk, "username": "enrolled"}
        assert client.get("/api/feedback/?course=abc").status_code == 400

    def test_anonymous_cannot_list(self, api_as, course):
        assert api_as("anonymous").get("/api/feedback/").status_code == 403

    @pytest.mark.parametrize("rows", [1, 50])
    def test_list_constant_queries(self, api_client, owner, make_user, rows, django_assert_num_queries):
        course = Course.objects.create(teacher=owner, title="Big")
        for i in range(rows):
            Feedback.objects.create(student=make_user(f"s{i}"), course=course, rating=1 + i % 5)
        api_client.force_authenticate(owner)
        # the ?course= filter checks the course exists, then count + page
        with django_assert_num_queries(3):
            assert api_client.get(f"/api/feedback/?course={course.pk}&page_size=100").data["count"] == rows


class TestBlocks:
    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 403),
            ("blocked", 403),
            ("other_teacher", 403),
            ("owner", 201),
        ],
    )
    def test_block(self, api_as, users, course, role, expected):
        target = users["enrolled"]
        response = api_as(role).post(
            "/api/blocks/", {"course": course.pk, "student": target.pk, "reason": "Rude"}, format="json"
        )
        assert response.status_code == expected, response.data
        blocked = CourseBlock.objects.filter(course=course, student=target).exists()
        assert blocked == (expected == 201)
        assert Enrollment.objects.filter(course=course, student=target).exists() == (expected != 201)
        if expected == 201:
            assert response.data["student"] == {"id": target.pk, "username": "enrolled"}

    def test_block_on_another_teachers_course_is_403(self, api_as, users, course):
        response = api_as("other_teacher").post(
            "/api/blocks/", {"course": course.pk, "student": users["enrolled"].pk}, format="json"
        )
        assert response.status_code == 403 and response.data["code"] == "not_owner"

    @pytest.mark.parametrize(
        "payload_fn, status",
        [
            (lambda u, c: {"course": c.pk, "student": u["blocked"].pk}, 400),  # already blocked
            (lambda u, c: {"course": c.pk, "student": u["other_teacher"].pk}, 400),  # not a student
            (lambda u, c: {"course": c.pk, "student": 999999}, 400),
            (lambda u, c: {"course": 999999, "student": u["student"].pk}, 400),
            (lambda u, c: {"course": "x", "student": "y"}, 400),
            (lambda u, c: {}, 400),
        ],
    )
    def test_bad_input(self, api_as, users, course, payload_fn, status):
        response = api_as("owner").post("/api/blocks/", payload_fn(users, course), format="json")
        assert response.status_code == status, response.data

    @pytest.mark.parametrize(
        "role, expected",
        [
            ("anonymous", 403),
            ("student", 403),
            ("enrolled", 403),
            ("blocked", 403),
            ("other_teacher", 404),
            ("owner", 204),
        ],
    )
    def test_unblock(self, api_as, users, course, role, expected):
        block = CourseBlock.objects.get(student=users["blocked"])
        assert api_as(role).delete(f"/api/blocks/{block.pk}/").status_code == expected
        assert CourseBlock.objects.filter(pk=block.pk).exists() == (expected != 204)

    @pytest.mark.parametrize(
        "role, visible",
        [("anonymous", None), ("student", None), ("blocked", None), ("other_teacher", 0), ("owner", 1)],
    )
    def test_list(self, api_as, course, blocked, role, visible):
        response = api_as(role).get("/api/blocks/")
        if visible is None:
            assert response.status_code == 403
        else:
            assert response.data["count"] == visible

    def test_unblocked_student_may_enroll_again(self, api_as, users, course):
        block = CourseBlock.objects.get(student=users["blocked"])
        api_as("owner").delete(f"/api/blocks/{block.pk}/")
        response = api_as("blocked").post("/api/enrollments/", {"course": course.pk}, format="json")
        assert response.status_code == 201

"""The access rules, for every role, and the services that enforce them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from elearning_courses import rules, services
from elearning_courses.exceptions import CourseActionDenied, CourseActionInvalid
from elearning_courses.models import Course, CourseBlock, CourseMaterial, Enrollment, Feedback

from .conftest import pdf_upload

pytestmark = pytest.mark.django_db

#                     anonymous student enrolled blocked other_t owner
EXPECTED = {
    "can_create_course": (False, False, False, False, True, True),
    "can_edit_course": (False, False, False, False, False, True),
    "can_view_materials": (False, False, True, False, False, True),
    "can_enroll": (False, True, False, False, False, False),
    "can_unenroll": (False, False, True, False, False, False),
    "can_rate": (False, False, True, False, False, False),
    "can_block": (False, False, False, False, False, True),
    "can_join_course_room": (False, False, True, False, False, True),
    "can_moderate_course_room": (False, False, False, False, False, True),
}
ROLE_ORDER = ["anonymous", "student", "enrolled", "blocked", "other_teacher", "owner"]


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_rule_table(users, course, rule):
    check = getattr(rules, rule)
    got = tuple(
        check(users[r]) if rule == "can_create_course" else check(users[r], course) for r in ROLE_ORDER
    )
    assert got == EXPECTED[rule]


def test_staff_join_and_moderate_course_rooms(make_user, course):
    staff = make_user("staffer", "teacher", is_staff=True)
    assert rules.can_join_course_room(staff, course)
    assert rules.can_moderate_course_room(staff, course)
    assert not rules.can_edit_course(staff, course)


def test_cannot_block_a_teacher(users, course):
    assert not rules.can_block(users["owner"], course, users["other_teacher"])
    assert rules.can_block(users["owner"], course, users["student"])


class TestEnroll:
    def test_student_enrolls_once(self, student, course):
        enrollment = services.enroll(student, course)
        assert enrollment.pk
        with pytest.raises(CourseActionInvalid) as info:
            services.enroll(student, course)
        assert info.value.code == "already_enrolled"
        assert isinstance(info.value, ValidationError)
        assert Enrollment.objects.filter(student=student).count() == 1

    @pytest.mark.parametrize(
        "role, code", [("owner", "not_student"), ("other_teacher", "not_student"), ("blocked", "blocked")]
    )
    def test_refused(self, users, course, role, code):
        with pytest.raises(CourseActionDenied) as info:
            services.enroll(users[role], course)
        assert info.value.code == code
        assert isinstance(info.value, PermissionDenied)

    def test_anonymous_refused(self, anonymous, course):
        with pytest.raises(CourseActionDenied):
            services.enroll(anonymous, course)

    def test_unenroll(self, enrolled, course):
        services.unenroll(enrolled, course)
        assert not Enrollment.objects.exists()
        with pytest.raises(CourseActionInvalid) as info:
            services.unenroll(enrolled, course)
        assert info.value.code == "not_enrolled"


class TestFeedback:
    def test_create_then_edit(self, enrolled, course):
        feedback, created = services.save_feedback(enrolled, course, rating=3, comment="ok")
        assert created
        again, created = services.save_feedback(enrolled, course, rating="5", comment="great")
        assert not created and again.pk == feedback.pk
        assert Feedback.objects.get().rating == 5

    @pytest.mark.parametrize("rating", [0, 6, "x", None, -3])
    def test_bad_rating(self, enrolled, course, rating):
        with pytest.raises(CourseActionInvalid) as info:
            services.save_feedback(enrolled, course, rating=rating)
        assert info.value.code == "invalid_rating"

    @pytest.mark.parametrize(
        "role, code",
        [
            ("student", "not_enrolled"),
            ("blocked", "blocked"),
            ("owner", "not_student"),
            ("other_teacher", "not_student"),
        ],
    )
    def test_refused(self, users, course, role, code):
        with pytest.raises(CourseActionDenied) as info:
            services.save_feedback(users[role], course, rating=4)
        assert info.value.code == code
        assert not Feedback.objects.exists()


class TestBlock:
    def test_block_unenrolls_and_forbids(self, owner, enrolled, course):
        services.block(owner, course, enrolled, "spam")
        assert not Enrollment.objects.filter(student=enrolled).exists()
        assert not rules.can_enroll(enrolled, course)
        assert not rules.can_rate(enrolled, course)
        assert not rules.can_view_materials(enrolled, course)
        with pytest.raises(CourseActionDenied):
            services.enroll(enrolled, course)

    def test_twice(self, owner, blocked, course):
        with pytest.raises(CourseActionInvalid) as info:
            services.block(owner, course, blocked)
        assert info.value.code == "already_blocked"

    def test_only_owner(self, other_teacher, enrolled, course):
        with pytest.raises(CourseActionDenied) as info:
            services.block(other_teacher, course, enrolled)
        assert info.value.code == "not_owner"
        assert Enrollment.objects.filter(student=enrolled).exists()

    def test_students_cannot_block(self, enrolled, student, course):
        with pytest.raises(CourseActionDenied) as info:
            services.block(enrolled, course, student)
        assert info.value.code == "not_teacher"

    def test_only_students_are_blocked(self, owner, other_teacher, course):
        with pytest.raises(CourseActionInvalid) as info:
            services.block(owner, course, other_teacher)
        assert info.value.code == "not_a_student"

    def test_unblock(self, owner, blocked, course):
        services.unblock(owner, course, blocked)
        assert not CourseBlock.objects.exists()
        assert not Enrollment.objects.filter(student=blocked).exists()  # not re-enrolled
        assert rules.can_enroll(blocked, course)
        with pytest.raises(CourseActionInvalid) as info:
            services.unblock(owner, course, blocked)
        assert info.value.code == "not_blocked"


class TestCourses:
    def test_create_update_delete(self, owner, other_teacher, student):
        course = services.create_course(owner, title="T", description="D")
        with pytest.raises(CourseActionDenied):
            services.create_course(student, title="No")
        with pytest.raises(CourseActionDenied):
            services.update_course(other_teacher, course, title="Stolen")
        services.update_course(owner, course, title="T2")
        assert Course.objects.get().title == "T2"
        with pytest.raises(CourseActionDenied):
            services.delete_course(other_teacher, course)
        services.delete_course(owner, course)
        assert not Course.objects.exists()


class TestMaterials:
    def test_add_and_delete(self, owner, course, django_capture_on_commit_callbacks):
        material = services.add_material(owner, course, file=pdf_upload("Week 2.pdf"))
        assert material.title == "Week 2" and material.original_name == "Week 2.pdf"
        storage, name = material.file.storage, material.file.name
        assert storage.exists(name)
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_material(owner, material)
        assert not CourseMaterial.objects.exists()
        assert not storage.exists(name)

    def test_only_owner(self, other_teacher, enrolled, course, material):
        for user in (other_teacher, enrolled):
            with pytest.raises(CourseActionDenied):
                services.add_material(user, course, file=pdf_upload())
            with pytest.raises(CourseActionDenied):
                services.delete_material(user, material)

    def test_bad_file(self, owner, course):
        with pytest.raises(ValidationError) as info:
            services.add_material(owner, course, file=pdf_upload("x.exe", b"MZ"))
        assert info.value.code == "extension"
        assert not CourseMaterial.objects.exists()


@pytest.mark.parametrize("staff", [False, True])
def test_course_access_agrees_with_the_predicates(role, staff, users, course, django_assert_max_num_queries):
    from elearning_courses import rules

    user = users[role]
    if staff and user.is_authenticated:
        user.is_staff = True
    with django_assert_max_num_queries(2):
        access = rules.course_access(user, course)
    assert access == rules.CourseAccess(
        is_owner=rules.can_edit_course(user, course),
        is_enrolled=rules.is_enrolled(user, course),
        is_blocked=rules.is_student(user) and rules.is_blocked(user, course),
        can_view_materials=rules.can_view_materials(user, course),
        can_enroll=rules.can_enroll(user, course),
        can_rate=rules.can_rate(user, course),
        can_chat=rules.can_join_course_room(user, course),
        can_moderate_chat=rules.can_moderate_course_room(user, course),
    )

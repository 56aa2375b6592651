"""Progress through lessons: marking complete, counting, the teacher's rows (elearning_courses.progress)."""

import pytest
from django.core.exceptions import PermissionDenied

from elearning_courses import progress, services
from elearning_courses.exceptions import CourseActionDenied
from elearning_courses.models import Course, Enrollment, Lesson, LessonCompletion, Module
from elearning_courses.progress import Progress

pytestmark = pytest.mark.django_db


def add_lessons(course, count, module=None, **fields):
    """``count`` lessons appended to ``module`` (a new module of ``course`` by default)."""
    module = module or Module.objects.create(course=course, title="Module", position=course.modules.count())
    return [
        Lesson.objects.create(module=module, title=f"Lesson {i + 1}", position=i, **fields)
        for i in range(count)
    ]


@pytest.fixture
def lessons(course):
    return add_lessons(course, 4)


@pytest.fixture
def staff(make_user):
    return make_user("staff", "teacher", is_staff=True)


class TestProgressValue:
    @pytest.mark.parametrize(
        ("done", "total", "percent"),
        [(0, 0, 0), (0, 8, 0), (3, 8, 37), (7, 8, 87), (8, 8, 100), (1, 3, 33), (2, 3, 66)],
    )
    def test_percent_is_rounded_down_so_100_means_all(self, done, total, percent):
        assert Progress.of(done, total) == Progress(done, total, percent)

    def test_is_frozen(self):
        with pytest.raises(AttributeError):
            Progress.of(1, 2).done = 2

    def test_complete_only_with_lessons(self):
        assert Progress.of(2, 2).is_complete
        assert not Progress.of(0, 0).is_complete
        assert not Progress.of(1, 2).is_complete


class TestCompleteLesson:
    def test_enrolled_student_completes_idempotently(self, enrolled, lessons):
        completion, created = progress.complete_lesson(enrolled, lessons[0])
        again, created_again = progress.complete_lesson(enrolled, lessons[0])
        assert created and not created_again
        assert completion.pk == again.pk
        assert completion.course_id == lessons[0].course_id
        assert LessonCompletion.objects.count() == 1

    def test_undo_is_idempotent(self, enrolled, lessons):
        progress.complete_lesson(enrolled, lessons[0])
        assert progress.uncomplete_lesson(enrolled, lessons[0]) is True
        assert progress.uncomplete_lesson(enrolled, lessons[0]) is False
        assert not LessonCompletion.objects.exists()

    @pytest.mark.parametrize(
        ("role", "code"),
        [
            ("student", "not_enrolled"),
            ("blocked", "not_enrolled"),
            ("other_teacher", "not_student"),
            ("owner", "not_student"),
            ("anonymous", "not_student"),
        ],
    )
    def test_only_enrolled_students(self, users, role, code, lessons):
        for action in (progress.complete_lesson, progress.uncomplete_lesson):
            with pytest.raises(CourseActionDenied) as denied:
                action(users[role], lessons[0])
            assert denied.value.code == code
            assert isinstance(denied.value, PermissionDenied)
        assert not LessonCompletion.objects.exists()

    def test_staff_do_not_track_progress(self, staff, lessons):
        with pytest.raises(CourseActionDenied):
            progress.complete_lesson(staff, lessons[0])

    def test_a_staff_student_must_enroll_too(self, make_user, course, lessons):
        staff_student = make_user("staff_student", "student", is_staff=True)
        with pytest.raises(CourseActionDenied) as denied:
            progress.complete_lesson(staff_student, lessons[0])
        assert denied.value.code == "not_enrolled"
        services.enroll(staff_student, course)
        assert progress.complete_lesson(staff_student, lessons[0])[1] is True

    @pytest.mark.parametrize("draft", ["lesson", "module", "course"])
    def test_not_a_draft(self, enrolled, lessons, draft):
        lesson = lessons[0]
        target = {"lesson": lesson, "module": lesson.module, "course": lesson.course}[draft]
        target.is_published = False
        target.save()
        lesson = Lesson.objects.select_related("module", "course").get(pk=lesson.pk)
        with pytest.raises(CourseActionDenied) as denied:
            progress.complete_lesson(enrolled, lesson)
        assert denied.value.code == "not_visible"


class TestCourseProgress:
    def test_counts_visible_lessons_and_own_completions(self, course, enrolled, make_user, lessons):
        other = make_user("other")
        services.enroll(other, course)
        progress.complete_lesson(enrolled, lessons[0])
        progress.complete_lesson(enrolled, lessons[1])
        progress.complete_lesson(other, lessons[2])
        assert progress.course_progress(enrolled, course) == Progress(2, 4, 50)
        assert progress.course_progress(other, course) == Progress(1, 4, 25)

    def test_drafts_are_not_counted(self, course, enrolled, lessons):
        progress.complete_lesson(enrolled, lessons[0])
        progress.complete_lesson(enrolled, lessons[1])
        lessons[1].is_published = False
        lessons[1].save()
        draft_module = Module.objects.create(course=course, title="Soon", is_published=False)
        add_lessons(course, 3, module=draft_module)
        assert progress.course_progress(enrolled, course) == Progress(1, 3, 33)
        # Published again: the completion counts again.
        lessons[1].is_published = True
        lessons[1].save()
        assert progress.course_progress(enrolled, course) == Progress(2, 4, 50)

    def test_no_lessons(self, course, enrolled):
        assert progress.course_progress(enrolled, course) == Progress(0, 0, 0)

    def test_deleted_lesson_takes_its_completion(self, course, enrolled, lessons):
        for lesson in lessons[:2]:
            progress.complete_lesson(enrolled, lesson)
        lessons[0].delete()
        assert LessonCompletion.objects.count() == 1
        assert progress.course_progress(enrolled, course) == Progress(1, 3, 33)
        lessons[1].module.delete()
        assert not LessonCompletion.objects.exists()
        assert progress.course_progress(enrolled, course) == Progress(0, 0, 0)

    def test_leaving_hides_and_reenrolling_restores(self, course, enrolled, lessons):
        progress.complete_lesson(enrolled, lessons[0])
        services.unenroll(enrolled, course)
        assert LessonCompletion.objects.filter(student=enrolled).count() == 1
        assert progress.course_progress(enrolled, course) == Progress(0, 4, 0)
        assert progress.progress_by_course(enrolled, [course]) == {course.pk: Progress(0, 4, 0)}
        services.enroll(enrolled, course)
        assert progress.course_progress(enrolled, course) == Progress(1, 4, 25)

    def test_block_hides_and_unblock_with_reenrollment_restores(self, course, owner, enrolled, lessons):
        progress.complete_lesson(enrolled, lessons[0])
        services.block(owner, course, enrolled)
        assert LessonCompletion.objects.filter(student=enrolled).count() == 1
        assert progress.course_progress(enrolled, course).done == 0
        assert [row.student for row in progress.student_progress(owner, course)] == []
        services.unblock(owner, course, enrolled)
        services.enroll(enrolled, course)
        assert progress.course_progress(enrolled, course) == Progress(1, 4, 25)

    @pytest.mark.parametrize("role", ["anonymous", "owner", "other_teacher", "student"])
    def test_others_have_done_nothing(self, users, role, course, lessons):
        assert progress.course_progress(users[role], course) == Progress(0, 4, 0)

    def test_one_query(self, course, enrolled, lessons, django_assert_num_queries):
        with django_assert_num_queries(1):
            progress.course_progress(enrolled, course)


class TestProgressByCourse:
    def make_courses(self, owner, enrolled, count):
        courses = []
        for i in range(count):
            course = Course.objects.create(teacher=owner, title=f"Course {i}")
            Enrollment.objects.create(student=enrolled, course=course)
            lessons = add_lessons(course, i + 1)
            for lesson in lessons[: i // 2 + 1]:
                LessonCompletion.objects.create(student=enrolled, lesson=lesson)
            courses.append(course)
        return courses

    @pytest.mark.parametrize("count", [2, 20])
    def test_one_query_whatever_the_number_of_courses(
        self, owner, enrolled, count, django_assert_num_queries
    ):
        courses = self.make_courses(owner, enrolled, count)
        with django_assert_num_queries(1):
            result = progress.progress_by_course(enrolled, courses)
        assert result == {course.pk: progress.course_progress(enrolled, course) for course in courses}
        assert result[courses[1].pk] == Progress(1, 2, 50)

    def test_course_without_lessons_and_ids(self, course, owner, enrolled):
        empty = Course.objects.create(teacher=owner, title="Empty")
        add_lessons(course, 2)
        assert progress.progress_by_course(enrolled, [course.pk, empty.pk]) == {
            course.pk: Progress(0, 2, 0),
            empty.pk: Progress(0, 0, 0),
        }

    @pytest.mark.parametrize("role", ["anonymous", "owner", "student"])
    def test_others_have_done_nothing(self, users, role, course, lessons, enrolled):
        progress.complete_lesson(enrolled, lessons[0])
        assert progress.progress_by_course(users[role], [course]) == {course.pk: Progress(0, 4, 0)}

    def test_nothing_to_ask(self, enrolled, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert progress.progress_by_course(enrolled, []) == {}


class TestWithProgress:
    def test_same_counts_as_course_progress_in_the_courses_query(
        self, owner, enrolled, student, make_user, django_assert_num_queries
    ):
        courses = TestProgressByCourse().make_courses(owner, enrolled, 4)
        Course.objects.create(teacher=owner, title="No lessons")
        services.unenroll(enrolled, courses[3])
        queryset = Course.objects.order_by("pk")
        for user in (enrolled, student, owner):
            with django_assert_num_queries(1):
                found = {
                    course.pk: progress.progress_of(course)
                    for course in progress.with_progress(queryset, user)
                }
            assert found == {course.pk: progress.course_progress(user, course) for course in queryset}
        assert found[courses[1].pk] == Progress(0, 2, 0)


class TestRecordVisit:
    def test_enrolled_student_one_update(self, course, enrolled, lessons, django_assert_num_queries):
        with django_assert_num_queries(1):
            progress.record_visit(enrolled, lessons[2])
        enrollment = Enrollment.objects.get(student=enrolled, course=course)
        assert enrollment.last_lesson == lessons[2]
        assert enrollment.last_visited_at is not None

    @pytest.mark.parametrize("role", ["anonymous", "owner", "other_teacher"])
    def test_no_query_for_non_students(self, users, role, lessons, django_assert_num_queries):
        with django_assert_num_queries(0):
            progress.record_visit(users[role], lessons[0])

    def test_not_enrolled_changes_nothing(self, student, enrolled, lessons):
        progress.record_visit(student, lessons[0])
        assert not Enrollment.objects.filter(student=student).exists()
        assert Enrollment.objects.get(student=enrolled).last_lesson is None

    def test_deleted_lesson_is_forgotten(self, course, enrolled, lessons):
        progress.record_visit(enrolled, lessons[0])
        lessons[0].delete()
        assert Enrollment.objects.get(student=enrolled).last_lesson is None


class TestStudentProgress:
    def enroll_many(self, course, make_user, count):
        people = [
            make_user(f"learner{i:02}", first_name=f"F{i:02}", last_name=f"L{count - i:02}")
            for i in range(count)
        ]
        Enrollment.objects.bulk_create([Enrollment(course=course, student=p) for p in people])
        return people

    @pytest.mark.parametrize("count", [2, 20])
    def test_constant_queries(self, course, owner, make_user, count, django_assert_num_queries):
        people = self.enroll_many(course, make_user, count)
        lessons = add_lessons(course, count)
        LessonCompletion.objects.bulk_create(
            [
                LessonCompletion(student=person, lesson=lesson, course=course)
                for i, person in enumerate(people)
                for lesson in lessons[:i]
            ]
        )
        with django_assert_num_queries(1):
            rows = list(progress.student_progress(owner, course, "done"))
        with django_assert_num_queries(0):
            summary = [(r.student.username, r.done, r.total, r.percent, r.last_lesson) for r in rows]
        assert summary == [
            (person.username, i, count, i * 100 // count, None) for i, person in enumerate(people)
        ]

    def test_rows_hold_last_visit_and_hide_others(self, course, owner, enrolled, student, lessons, make_user):
        other_course = Course.objects.create(teacher=owner, title="Other")
        other_lessons = add_lessons(other_course, 2)
        services.enroll(student, other_course)
        progress.complete_lesson(student, other_lessons[0])
        progress.complete_lesson(enrolled, lessons[3])
        progress.record_visit(enrolled, lessons[3])
        (row,) = progress.student_progress(owner, course)
        assert (row.student, row.done, row.total, row.percent) == (enrolled, 1, 4, 25)
        assert row.last_lesson == lessons[3]
        assert row.last_visited_at is not None

    def test_no_lessons_is_zero_percent(self, course, owner, enrolled):
        (row,) = progress.student_progress(owner, course)
        assert (row.done, row.total, row.percent) == (0, 0, 0)

    def test_orders(self, course, owner, make_user, lessons):
        people = self.enroll_many(course, make_user, 3)
        progress.complete_lesson(people[1], lessons[0])
        progress.complete_lesson(people[1], lessons[1])
        progress.complete_lesson(people[2], lessons[0])
        progress.record_visit(people[0], lessons[0])

        def names(order):
            return [row.student.username for row in progress.student_progress(owner, course, order)]

        # Names sort by last name: L03 (learner00), L02, L01.
        assert names("name") == ["learner02", "learner01", "learner00"]
        assert names("-name") == ["learner00", "learner01", "learner02"]
        assert names("done") == ["learner00", "learner02", "learner01"]
        assert names("-done") == ["learner01", "learner02", "learner00"]
        assert names("visit")[-1] == "learner00"
        assert names("-visit")[0] == "learner00"
        assert names("bogus") == names("name")

    def test_staff_may(self, course, staff, enrolled):
        assert [row.student for row in progress.student_progress(staff, course)] == [enrolled]

    @pytest.mark.parametrize("role", ["anonymous", "student", "enrolled", "blocked", "other_teacher"])
    def test_only_owner_and_staff(self, users, role, course):
        with pytest.raises(CourseActionDenied) as denied:
            progress.student_progress(users[role], course)
        assert denied.value.code == "not_owner"


class TestPageContexts:
    def test_course_page_for_non_enrolled_is_empty_and_free(
        self, users, course, lessons, django_assert_num_queries
    ):
        from elearning_courses import rules

        for role in ("anonymous", "student", "blocked", "other_teacher", "owner"):
            access = rules.course_access(users[role], course)
            with django_assert_num_queries(0):
                assert progress.course_page_context(users[role], course, access) == {}

    def test_start_then_continue(self, course, enrolled, lessons, django_assert_num_queries):
        from elearning_courses import rules

        # The outline's order is the modules' position, then the lessons'.
        Module.objects.filter(pk=lessons[0].module_id).update(position=3)
        first = Module.objects.create(course=course, title="First", position=1)
        first_module_lessons = add_lessons(course, 1, module=first)
        access = rules.course_access(enrolled, course)
        with django_assert_num_queries(3):  # enrollment, progress, first lesson
            context = progress.course_page_context(enrolled, course, access)
        assert context["continue_lesson"] == first_module_lessons[0]
        assert context["resume"] is False
        assert context["progress"] == Progress(0, 5, 0)

        progress.record_visit(enrolled, lessons[2])
        with django_assert_num_queries(2):  # enrollment with its last lesson, progress
            context = progress.course_page_context(enrolled, course, access)
        assert (context["continue_lesson"], context["resume"]) == (lessons[2], True)

        # The last lesson became a draft: back to the first visible lesson.
        lessons[2].is_published = False
        lessons[2].save()
        context = progress.course_page_context(enrolled, course, access)
        assert (context["continue_lesson"], context["resume"]) == (first_module_lessons[0], False)

    def test_lesson_page(self, course, enrolled, student, lessons, django_assert_num_queries):
        from elearning_courses import rules

        progress.complete_lesson(enrolled, lessons[1])
        access = rules.course_access(enrolled, course)
        with django_assert_num_queries(2):
            context = progress.lesson_page_context(enrolled, lessons[1], access)
        assert context == {"lesson_completed": True, "progress": Progress(1, 4, 25)}
        assert progress.lesson_page_context(enrolled, lessons[0], vars(access))["lesson_completed"] is False
        assert progress.lesson_page_context(student, lessons[0]) == {}

    def test_completed_lesson_ids(self, course, enrolled, owner, lessons):
        progress.complete_lesson(enrolled, lessons[0])
        progress.complete_lesson(enrolled, lessons[2])
        assert progress.completed_lesson_ids(enrolled, course) == {lessons[0].pk, lessons[2].pk}
        assert progress.completed_lesson_ids(owner, course) == set()
        # Drafts and the completions of a student who left are not shown.
        Lesson.objects.filter(pk=lessons[2].pk).update(is_published=False)
        assert progress.completed_lesson_ids(enrolled, course) == {lessons[0].pk}
        services.unenroll(enrolled, course)
        assert progress.completed_lesson_ids(enrolled, course) == set()

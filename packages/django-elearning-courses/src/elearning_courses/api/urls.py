"""The courses API; the host mounts it (the demo site under ``/api/``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .analytics_views import CourseAnalyticsView
from .content_views import AnnouncementViewSet, LessonViewSet, ModuleViewSet
from .search_views import SearchView
from .views import (
    BlockViewSet,
    CourseViewSet,
    EnrollmentViewSet,
    FeedbackViewSet,
    NotificationViewSet,
    SubjectViewSet,
)

app_name = "elearning_courses_api"

router = SimpleRouter()
router.register("courses", CourseViewSet, basename="course")
router.register(r"courses/(?P<course_pk>[0-9]+)/modules", ModuleViewSet, basename="course-module")
router.register(r"courses/(?P<course_pk>[0-9]+)/lessons", LessonViewSet, basename="course-lesson")
router.register(
    r"courses/(?P<course_pk>[0-9]+)/announcements", AnnouncementViewSet, basename="course-announcement"
)
router.register("subjects", SubjectViewSet, basename="subject")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("feedback", FeedbackViewSet, basename="feedback")
router.register("blocks", BlockViewSet, basename="block")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("search/", SearchView.as_view(), name="search"),
    path("courses/<int:course_pk>/analytics/", CourseAnalyticsView.as_view(), name="course-analytics"),
    *router.urls,
]

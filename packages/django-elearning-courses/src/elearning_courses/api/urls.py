"""The courses API; the host mounts it (the demo site under ``/api/``)."""

from rest_framework.routers import SimpleRouter

from .views import BlockViewSet, CourseViewSet, EnrollmentViewSet, FeedbackViewSet, NotificationViewSet

app_name = "elearning_courses_api"

router = SimpleRouter()
router.register("courses", CourseViewSet, basename="course")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("feedback", FeedbackViewSet, basename="feedback")
router.register("blocks", BlockViewSet, basename="block")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls

"""Pages of the courses app: mount at the site root (paths start with ``courses/``
and ``notifications/``)."""

from django.urls import path

from . import views
from .views.mixins import forbidden_page

app_name = "elearning_courses"

urlpatterns = [
    path("courses/", views.CatalogView.as_view(), name="catalog"),
    path("courses/new/", forbidden_page(views.CourseCreateView.as_view()), name="course_create"),
    path("courses/mine/", views.MyCoursesView.as_view(), name="my_courses"),
    path("courses/<int:pk>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("courses/<int:pk>/edit/", forbidden_page(views.CourseUpdateView.as_view()), name="course_update"),
    path("courses/<int:pk>/delete/", forbidden_page(views.CourseDeleteView.as_view()), name="course_delete"),
    path("courses/<int:pk>/enroll/", forbidden_page(views.enroll), name="enroll"),
    path("courses/<int:pk>/unenroll/", forbidden_page(views.unenroll), name="unenroll"),
    path("courses/<int:pk>/feedback/", forbidden_page(views.FeedbackView.as_view()), name="feedback"),
    path(
        "courses/<int:pk>/materials/new/",
        forbidden_page(views.MaterialUploadView.as_view()),
        name="material_upload",
    ),
    path(
        "courses/<int:pk>/materials/<int:material_pk>/download/",
        forbidden_page(views.material_download),
        name="material_download",
    ),
    path(
        "courses/<int:pk>/materials/<int:material_pk>/delete/",
        forbidden_page(views.MaterialDeleteView.as_view()),
        name="material_delete",
    ),
    path("courses/<int:pk>/students/", forbidden_page(views.StudentListView.as_view()), name="students"),
    path(
        "courses/<int:pk>/students/<int:student_pk>/block/",
        forbidden_page(views.BlockView.as_view()),
        name="block",
    ),
    path("courses/<int:pk>/blocked/", forbidden_page(views.BlockedListView.as_view()), name="blocked"),
    path(
        "courses/<int:pk>/blocked/<int:student_pk>/unblock/",
        forbidden_page(views.UnblockView.as_view()),
        name="unblock",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("notifications/<int:pk>/", views.NotificationOpenView.as_view(), name="notification_open"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification_read"),
]

"""Pages of the courses app: mount at the site root (paths start with ``courses/``
and ``notifications/``)."""

from django.urls import path

from . import views

app_name = "elearning_courses"

urlpatterns = [
    path("courses/", views.CatalogView.as_view(), name="catalog"),
    path("courses/new/", views.CourseCreateView.as_view(), name="course_create"),
    path("courses/mine/", views.MyCoursesView.as_view(), name="my_courses"),
    path("courses/<int:pk>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("courses/<int:pk>/edit/", views.CourseUpdateView.as_view(), name="course_update"),
    path("courses/<int:pk>/delete/", views.CourseDeleteView.as_view(), name="course_delete"),
    path("courses/<int:pk>/enroll/", views.enroll, name="enroll"),
    path("courses/<int:pk>/unenroll/", views.unenroll, name="unenroll"),
    path("courses/<int:pk>/feedback/", views.FeedbackView.as_view(), name="feedback"),
    path("courses/<int:pk>/materials/new/", views.MaterialUploadView.as_view(), name="material_upload"),
    path(
        "courses/<int:pk>/materials/<int:material_pk>/download/",
        views.material_download,
        name="material_download",
    ),
    path(
        "courses/<int:pk>/materials/<int:material_pk>/delete/",
        views.MaterialDeleteView.as_view(),
        name="material_delete",
    ),
    path("courses/<int:pk>/students/", views.StudentListView.as_view(), name="students"),
    path("courses/<int:pk>/students/<int:student_pk>/block/", views.BlockView.as_view(), name="block"),
    path("courses/<int:pk>/blocked/", views.BlockedListView.as_view(), name="blocked"),
    path(
        "courses/<int:pk>/blocked/<int:student_pk>/unblock/",
        views.UnblockView.as_view(),
        name="unblock",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification_read"),
]

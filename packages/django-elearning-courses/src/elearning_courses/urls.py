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
    # Search (views/search.py) and analytics (views/analytics.py)
    path("courses/search/", views.search.search_page, name="search"),
    path(
        "courses/analytics/",
        forbidden_page(views.analytics.analytics_overview),
        name="analytics_overview",
    ),
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
    # Modules and lessons (views/lessons.py)
    path("courses/<int:pk>/content/", forbidden_page(views.lessons.course_content), name="course_content"),
    path(
        "courses/<int:pk>/content/reorder/",
        forbidden_page(views.lessons.content_reorder),
        name="content_reorder",
    ),
    path("courses/<int:pk>/modules/new/", forbidden_page(views.lessons.module_create), name="module_create"),
    path(
        "courses/<int:pk>/modules/<int:module_pk>/edit/",
        forbidden_page(views.lessons.module_update),
        name="module_update",
    ),
    path(
        "courses/<int:pk>/modules/<int:module_pk>/delete/",
        forbidden_page(views.lessons.module_delete),
        name="module_delete",
    ),
    path(
        "courses/<int:pk>/modules/<int:module_pk>/move/",
        forbidden_page(views.lessons.module_move),
        name="module_move",
    ),
    path(
        "courses/<int:pk>/modules/<int:module_pk>/lessons/new/",
        forbidden_page(views.lessons.lesson_create),
        name="lesson_create",
    ),
    path(
        "courses/<int:pk>/lessons/<int:lesson_pk>/",
        forbidden_page(views.lessons.lesson_detail),
        name="lesson_detail",
    ),
    path(
        "courses/<int:pk>/lessons/<int:lesson_pk>/edit/",
        forbidden_page(views.lessons.lesson_update),
        name="lesson_update",
    ),
    path(
        "courses/<int:pk>/lessons/<int:lesson_pk>/delete/",
        forbidden_page(views.lessons.lesson_delete),
        name="lesson_delete",
    ),
    path(
        "courses/<int:pk>/lessons/<int:lesson_pk>/move/",
        forbidden_page(views.lessons.lesson_move),
        name="lesson_move",
    ),
    path(
        "courses/<int:pk>/lessons/<int:lesson_pk>/media/",
        forbidden_page(views.lessons.lesson_media),
        name="lesson_media",
    ),
    # Progress (views/progress.py)
    path(
        "courses/<int:pk>/lessons/<int:lesson_pk>/complete/",
        forbidden_page(views.progress.lesson_complete),
        name="lesson_complete",
    ),
    path("courses/<int:pk>/progress/", forbidden_page(views.progress.progress_table), name="progress"),
    path("courses/<int:pk>/progress.csv", forbidden_page(views.progress.progress_csv), name="progress_csv"),
    path("courses/<int:pk>/analytics/", forbidden_page(views.analytics.course_analytics), name="analytics"),
    path(
        "courses/<int:pk>/analytics/<slug:chart>.csv",
        forbidden_page(views.analytics.analytics_csv),
        name="analytics_csv",
    ),
    # Announcements (views/announcements.py)
    path(
        "courses/<int:pk>/announcements/new/",
        forbidden_page(views.announcements.announcement_create),
        name="announcement_create",
    ),
    path(
        "courses/<int:pk>/announcements/<int:announcement_pk>/delete/",
        forbidden_page(views.announcements.announcement_delete),
        name="announcement_delete",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("notifications/<int:pk>/", views.NotificationOpenView.as_view(), name="notification_open"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification_read"),
]

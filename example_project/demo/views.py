from datetime import timedelta

from django.apps import apps
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

#: Courses shown per section of the home page.
HOME_COURSES = 6


def home(request):
    """Home page: the newest courses for visitors, a short dashboard by role when logged in.

    Teachers see the courses they teach; students the courses they are enrolled in
    and a few others to discover; both see their latest notifications.
    """
    context = {"first_session": _first_session(request.user)}
    if apps.is_installed("elearning_courses"):
        context.update(_course_context(request.user))
    return render(request, "home.html", context)


def favicon(request):
    """``/favicon.ico``, which browsers ask for before reading ``<link rel="icon">``.

    The URL is looked up per request: with the manifest storage of DEBUG off, it has a
    hash that exists only once ``collectstatic`` has run.
    """
    return redirect(static("favicon.svg"), permanent=True)


#: A log-in this close to the account's creation is its first session: no "Welcome back".
FIRST_SESSION = timedelta(minutes=1)


def _first_session(user):
    """Whether ``user`` signed up (or got the account) just before logging in this time.

    Log-in overwrites ``last_login``, so the page cannot know about an earlier visit;
    right after sign-up both timestamps are the same moment.
    """
    if not user.is_authenticated or user.last_login is None:
        return False
    return user.last_login - user.date_joined < FIRST_SESSION


def _course_context(user):
    from elearning_courses.models import Course, CourseBlock, Notification
    from elearning_users.models import Role

    everyone = Course.objects.with_stats().select_related("subject").order_by("-created_at", "-id")
    courses = everyone.published()
    if not user.is_authenticated:
        return {"latest_courses": courses[:HOME_COURSES]}
    context = {
        "recent_notifications": Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[
            :5
        ],
    }
    if getattr(user, "role", None) == Role.TEACHER:
        context["my_courses"] = everyone.taught_by(user)[:HOME_COURSES]  # their drafts too
    else:
        # The blocks say why a course left the list (the reason the teacher gave).
        context["blocks"] = CourseBlock.objects.filter(student=user).select_related("course")
        context["my_courses"] = courses.enrolled_by(user)[:HOME_COURSES]
        context["discover_courses"] = courses.exclude(enrollments__student=user).exclude(
            blocks__student=user
        )[:3]
    return context


class ApiRootView(APIView):
    """``/api/``: the browsable API's front door, a link to each group of endpoints.

    Open to everyone (the endpoints check access themselves), so a visitor who is not
    logged in sees where to go and the browsable API's "Log in" link.
    """

    permission_classes = [AllowAny]
    #: (key, URL name) of each listed endpoint; names that are not mounted are left out.
    endpoints = [
        ("users", "elearning_users_api:user-list"),
        ("courses", "elearning_courses_api:course-list"),
        ("enrollments", "elearning_courses_api:enrollment-list"),
        ("feedback", "elearning_courses_api:feedback-list"),
        ("blocks", "elearning_courses_api:block-list"),
        ("notifications", "elearning_courses_api:notification-list"),
        ("chat_rooms", "elearning_chat_api:room-list"),
        ("schema", "schema"),
        ("docs", "swagger-ui"),
        ("redoc", "redoc"),
    ]

    @extend_schema(exclude=True)  # a list of links, not an endpoint of the API
    def get(self, request, format=None):
        links = {}
        for key, name in self.endpoints:
            try:
                links[key] = reverse(name, request=request, format=format)
            except NoReverseMatch:
                continue
        return Response(links)

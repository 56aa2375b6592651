from django.apps import apps
from django.shortcuts import render

#: Courses shown per section of the home page.
HOME_COURSES = 6


def home(request):
    """Home page: the newest courses for visitors, a short dashboard by role when logged in.

    Teachers see the courses they teach; students the courses they are enrolled in
    and a few others to discover; both see their latest notifications.
    """
    context = {}
    if apps.is_installed("elearning_courses"):
        context.update(_course_context(request.user))
    return render(request, "home.html", context)


def _course_context(user):
    from elearning_courses.models import Course, Notification
    from elearning_users.models import Role

    courses = Course.objects.with_stats().order_by("-created_at", "-id")
    if not user.is_authenticated:
        return {"latest_courses": courses[:HOME_COURSES]}
    context = {
        "recent_notifications": Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[
            :5
        ],
    }
    if getattr(user, "role", None) == Role.TEACHER:
        context["my_courses"] = courses.taught_by(user)[:HOME_COURSES]
    else:
        context["my_courses"] = courses.enrolled_by(user)[:HOME_COURSES]
        context["discover_courses"] = courses.exclude(enrollments__student=user).exclude(
            blocks__student=user
        )[:3]
    return context

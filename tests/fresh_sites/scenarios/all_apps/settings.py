"""What a site adds at the end of the settings.py that `django-admin startproject mysite` wrote,
to install the three apps together (docs/courses.rst and docs/chat.rst include it from the
marker on)."""
# ruff: noqa: F821 (INSTALLED_APPS, TEMPLATES and BASE_DIR come from the generated settings above)

# --- mysite/settings.py: add at the end ---
INSTALLED_APPS = [
    "daphne",  # first: `manage.py runserver` is then Daphne's (HTTP and WebSockets)
    *INSTALLED_APPS,
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "elearning_users",
    "elearning_courses",
    "elearning_chat",
]
# Before the first `migrate` of the project: Django cannot switch the user model later.
AUTH_USER_MODEL = "elearning_users.User"
LOGIN_URL = "elearning_users:login"
LOGIN_REDIRECT_URL = "elearning_courses:catalog"
LOGOUT_REDIRECT_URL = "elearning_courses:catalog"

# The bell's unread count for your own templates (the apps' pages do without it).
TEMPLATES[0]["OPTIONS"]["context_processors"] += [
    "elearning_courses.context_processors.notifications",
]

# Course materials are private files: keep them outside MEDIA_ROOT and STATIC_ROOT.
PRIVATE_MEDIA_ROOT = BASE_DIR / "private"

ASGI_APPLICATION = "mysite.asgi.application"
# One server process; with several, use channels_redis (see the deployment chapter).
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

ELEARNING_CHAT = {
    # One chat room per course (course-<id>): its teacher and enrolled students.
    "ROOM_POLICY": "elearning_courses.chat_policy.CourseRoomPolicy",
    # The chat pages in the courses' layout: one navbar, with the bell, across the site.
    "BASE_TEMPLATE": "elearning_courses/layouts/standalone.html",
}

# Log-in throttling (django-axes, installed with the users app): every form that checks a
# password, the admin's included, refuses a client address or a username for 15 minutes
# after 10 failures, with the users app's 429 page. Read docs/users.rst before changing it.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_COOLOFF_TIME = 0.25  # hours
AXES_CLIENT_IP_CALLABLE = "elearning_users.security.client_ip"
AXES_USERNAME_CALLABLE = "elearning_users.security.axes_username"
AXES_LOCKOUT_CALLABLE = "elearning_users.security.lockout_response"

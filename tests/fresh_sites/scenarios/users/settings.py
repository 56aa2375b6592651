"""What a site adds at the end of the settings.py that `django-admin startproject mysite` wrote,
to install django-elearning-users (docs/users.rst includes it from the marker on)."""
# ruff: noqa: F821 (INSTALLED_APPS and MIDDLEWARE come from the generated settings above)

# --- mysite/settings.py: add at the end ---
INSTALLED_APPS = [
    "daphne",  # first: `manage.py runserver` is then Daphne's, as with the other two apps
    *INSTALLED_APPS,
    "rest_framework",
    "rest_framework.authtoken",  # the tokens of POST /api/auth/token/
    "elearning_users",
]
ASGI_APPLICATION = "mysite.asgi.application"  # the asgi.py startproject wrote
# Before the first `migrate` of the project: Django cannot switch the user model later.
AUTH_USER_MODEL = "elearning_users.User"
LOGIN_URL = "elearning_users:login"
LOGIN_REDIRECT_URL = "elearning_users:profile"
LOGOUT_REDIRECT_URL = "elearning_users:login"

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

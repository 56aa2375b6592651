"""What a site adds at the end of the settings.py that `django-admin startproject mysite` wrote,
to install django-elearning-users (docs/users.rst includes it from the marker on)."""
# ruff: noqa: F821 (INSTALLED_APPS comes from the generated settings above)

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

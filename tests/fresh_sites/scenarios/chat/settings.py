"""What a site adds at the end of the settings.py that `django-admin startproject mysite` wrote,
to install django-elearning-chat alone, with Django's own user model (docs/chat.rst includes
it from the marker on)."""
# ruff: noqa: F821 (INSTALLED_APPS comes from the generated settings above)

# --- mysite/settings.py: add at the end ---
INSTALLED_APPS = [
    "daphne",  # first: `manage.py runserver` is then Daphne's (HTTP and WebSockets)
    *INSTALLED_APPS,
    "channels",
    "rest_framework",
    "elearning_chat",
]
ASGI_APPLICATION = "mysite.asgi.application"
# One server process; with several, use channels_redis (see the deployment chapter).
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The chat pages need a signed-in user. For a first try, the admin's log-in page lets staff
# users in (`python manage.py createsuperuser`); point LOGIN_URL at your site's own log-in page.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "elearning_chat:room_list"

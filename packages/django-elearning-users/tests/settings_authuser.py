"""The users suite's settings with Django's own ``auth.User``: a site that forgot
``AUTH_USER_MODEL``. Only used to run ``check`` in a child process."""

from .settings import *  # noqa: F403

AUTH_USER_MODEL = "auth.User"

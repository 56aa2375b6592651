"""The courses suite's settings with a host-defined user model (``hostuser.Member``).

The whole suite runs a second time under them (``pytest --ds=tests.settings_hostuser``),
so nothing in courses may assume ``elearning_users.User``.
"""

from .settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.hostuser"]  # noqa: F405
AUTH_USER_MODEL = "hostuser.Member"

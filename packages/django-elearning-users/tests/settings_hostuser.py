"""The users suite's settings with a host-defined user model (``hostuser.Member``).

Used by ``test_host_user_model.py``, which runs ``hostuser/cases.py`` under them.
"""

from .settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.hostuser"]  # noqa: F405
AUTH_USER_MODEL = "hostuser.Member"

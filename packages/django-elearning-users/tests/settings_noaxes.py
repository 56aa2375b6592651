"""The suite's settings without django-axes wired in (it stays installed in the
environment): the site a host gets by following older install steps."""

from .settings import *  # noqa: F403

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "axes"]  # noqa: F405
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("axes.")]  # noqa: F405
AUTHENTICATION_BACKENDS = [b for b in AUTHENTICATION_BACKENDS if not b.startswith("axes.")]  # noqa: F405

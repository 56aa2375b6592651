import io

import pytest
from django.core.management import call_command

from elearning_users.checks import check_settings


def ids(settings_value, settings):
    settings.ELEARNING_USERS = settings_value
    return sorted(e.id for e in check_settings(None))


def test_default_settings_pass(settings):
    assert ids({}, settings) == []


def test_not_a_dict(settings):
    assert ids(["x"], settings) == ["elearning_users.E001"]


def test_unknown_key(settings):
    assert ids({"ALLOW_TEACHERS": True}, settings) == ["elearning_users.E002"]


@pytest.mark.parametrize("value", [0, -1, "big", True])
def test_bad_limits(settings, value):
    assert ids({"PROFILE_PICTURE_MAX_BYTES": value}, settings) == ["elearning_users.E003"]


def test_wrong_user_model(settings):
    settings.AUTH_USER_MODEL = "auth.User"
    settings.ELEARNING_USERS = {}
    assert [e.id for e in check_settings(None)] == ["elearning_users.E004"]


@pytest.mark.django_db
def test_no_missing_migrations():
    out = io.StringIO()
    call_command("makemigrations", "elearning_users", "--check", "--dry-run", stdout=out)


def test_user_model_that_is_not_installed(settings):
    settings.AUTH_USER_MODEL = "nope.Member"
    settings.ELEARNING_USERS = {}
    errors = check_settings(None)
    assert [e.id for e in errors] == ["elearning_users.E004"]
    assert "not an installed model" in errors[0].msg


def test_check_reports_a_missing_user_model_instead_of_crashing():
    """With the URL conf mounted, importing the views must not build the ModelForms of a
    user model that lacks their fields: ``check`` reports E004 rather than a FieldError."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--settings", "tests.settings_authuser"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": "."},
        timeout=120,
    )
    assert "elearning_users.E004" in result.stderr, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "FieldError" not in result.stderr
    assert result.returncode == 1


def test_check_warns_instead_of_crashing_when_axes_is_not_wired():
    """django-axes importable but not in INSTALLED_APPS: importing its backend would raise
    RuntimeError (its models); ``check`` names what to add (W004) and passes."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--settings", "tests.settings_noaxes"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": "."},
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert "elearning_users.W004" in output, output[-3000:]
    assert "Traceback" not in output
    assert result.returncode == 0

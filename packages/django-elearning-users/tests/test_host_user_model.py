"""The users app with a site's own user model (a subclass of AbstractElearningUser).

Forms and serializers bind the user model when imported, so those cases cannot share a
process with this suite: they run in a child pytest under ``tests.settings_hostuser``.
"""

import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def test_users_app_works_with_a_host_user_model():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--ds=tests.settings_hostuser",
            # The parent's report options (e.g. --junitxml) must not leak into the child.
            "-o",
            "addopts=",
            "tests/hostuser/cases.py",
        ],
        cwd=PACKAGE,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

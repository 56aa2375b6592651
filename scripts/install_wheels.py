"""Build the wheel of a package (and of the local packages it depends on) and install them.

Used by tox so that each package's suite runs against the installed wheel, not the
source tree: a template, static file or migration missing from the wheel fails the suite.

Each wheel is built from a clean copy of the package's files (no build/ or *.egg-info), so a
file left over from an earlier build cannot ship, and tox envs running in parallel never
build in the same folder. The build runs without isolation, with the setuptools that tox
installed from requirements/package-tests.txt: every env would otherwise download it again.
tests/test_repository.py builds the wheels with full isolation and lists their contents.

Usage: python scripts/install_wheels.py users|courses|chat
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_DEPENDENCIES = {"users": [], "chat": [], "courses": ["users"]}


def main(name):
    out = Path(tempfile.mkdtemp(prefix="elearning-wheels-"))
    wheels = []
    for package in [*LOCAL_DEPENDENCIES[name], name]:
        source = out / "src" / package
        shutil.copytree(
            ROOT / "packages" / f"django-elearning-{package}",
            source,
            ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", "*.pyc"),
        )
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wheels.extend(out.glob(f"django_elearning_{package}-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", *map(str, wheels)],
        check=True,
    )
    # Then their dependencies from the index (resolved against the installed wheels).
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *map(str, wheels)], check=True)


if __name__ == "__main__":
    main(sys.argv[1])

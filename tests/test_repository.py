"""Repository-wide checks: the docs build, the built wheels, migrations and lint."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "django-elearning-users": "elearning_users",
    "django-elearning-courses": "elearning_courses",
    "django-elearning-chat": "elearning_chat",
}


def run(*cmd, cwd=ROOT, env=None):
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_docs_build_without_warnings(tmp_path):
    run(
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "docs",
        str(tmp_path / "html"),
    )
    assert (tmp_path / "html" / "index.html").exists()


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    for name in PACKAGES:
        run(sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), f"packages/{name}")
    return out


@pytest.mark.parametrize("name,module", PACKAGES.items())
def test_wheel_contains_package_data(dist, name, module):
    wheels = list(dist.glob(f"{name.replace('-', '_')}-*.whl"))
    assert len(wheels) == 1, wheels
    files = zipfile.ZipFile(wheels[0]).namelist()
    src = ROOT / "packages" / name / "src" / module
    expected = [
        p.relative_to(src.parent).as_posix()
        for sub in ("templates", "static", "migrations")
        for p in (src / sub).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert expected, f"{module} ships no templates, static files or migrations"
    missing = sorted(set(expected) - set(files))
    assert not missing, f"missing from the wheel: {missing}"
    assert not any(f.startswith("tests/") for f in files), "tests must stay out of the wheel"


@pytest.mark.parametrize("name", PACKAGES)
def test_version_matches_package(dist, name):
    module = PACKAGES[name]
    init = (ROOT / "packages" / name / "src" / module / "__init__.py").read_text()
    version = init.split('__version__ = "')[1].split('"')[0]
    assert list(dist.glob(f"{name.replace('-', '_')}-{version}-py3-none-any.whl"))
    changelog = (ROOT / "packages" / name / "CHANGELOG.md").read_text()
    assert f"## {version}" in changelog


def test_twine_check_strict(dist):
    run(sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir())))


def test_no_missing_migrations(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"}
    env.pop("REDIS_URL", None)
    run(
        sys.executable,
        "manage.py",
        "makemigrations",
        "--check",
        "--dry-run",
        cwd=ROOT / "example_project",
        env=env,
    )


def test_system_checks_pass_with_debug_off(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "example.com",
    }
    env.pop("REDIS_URL", None)
    result = run(
        sys.executable, "manage.py", "check", "--fail-level", "WARNING", cwd=ROOT / "example_project", env=env
    )
    assert "no issues" in result.stdout


def test_lint():
    run(sys.executable, "-m", "ruff", "check", ".")
    run(
        sys.executable,
        "-m",
        "ruff",
        "format",
        "--check",
        "packages",
        "example_project",
        "scripts",
        "tests",
        "benchmarks",
    )

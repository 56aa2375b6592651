"""Repository-wide checks: the docs build, the built wheels, migrations and lint."""

import ast
import configparser
import email.parser
import itertools
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from buildcache import isolated_build_env  # noqa: E402

PACKAGES = {
    "django-elearning-users": "elearning_users",
    "django-elearning-courses": "elearning_courses",
    "django-elearning-chat": "elearning_chat",
}
# The one public address of the repository and of the documentation.
REPOSITORY = "https://github.com/django-elearning/django-elearning"
DOCUMENTATION = "https://django-elearning.readthedocs.io/"


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
        "-n",  # every cross-reference resolves (also set in conf.py)
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
    """The sdists and wheels, built as a release would be: in isolated environments, the wheel
    from the unpacked sdist, so nothing left in the working tree (build/, an old setuptools)
    can reach them."""
    out = tmp_path_factory.mktemp("dist")
    env = isolated_build_env()
    for name in PACKAGES:
        run(sys.executable, "-m", "build", "--outdir", str(out), f"packages/{name}", env=env)
    return out


def wheel(dist, name):
    wheels = list(dist.glob(f"{name.replace('-', '_')}-*.whl"))
    assert len(wheels) == 1, wheels
    return zipfile.ZipFile(wheels[0])


def metadata(dist, name):
    archive = wheel(dist, name)
    [path] = [f for f in archive.namelist() if f.endswith(".dist-info/METADATA")]
    return email.parser.Parser().parsestr(archive.read(path).decode())


def source_files(name, module):
    """The package's files as the repository has them (tracked or new, not ignored)."""
    result = run(
        "git", "ls-files", "--cached", "--others", "--exclude-standard", f"packages/{name}/src/{module}"
    )
    return {
        Path(line).relative_to(f"packages/{name}/src").as_posix()
        for line in result.stdout.splitlines()
        if (ROOT / line).is_file()  # not deleted in the working tree
    }


@pytest.mark.parametrize("name,module", PACKAGES.items())
def test_wheel_contains_exactly_the_package(dist, name, module):
    files = set(wheel(dist, name).namelist())
    info = next(f for f in files if f.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
    shipped = source_files(name, module)
    assert any(f.split("/")[1] in ("templates", "static", "migrations") for f in shipped)
    # The repository keeps the translation catalogues (.po); the build adds each one compiled (.mo).
    compiled = {f.removesuffix(".po") + ".mo" for f in shipped if f.endswith(".po")}
    assert compiled, "the package ships a translation catalogue"
    expected = (
        shipped
        | compiled
        | {f"{info}/{f}" for f in ("METADATA", "WHEEL", "RECORD", "top_level.txt", "licenses/LICENSE")}
    )
    assert not sorted(expected - files), f"missing from the wheel: {sorted(expected - files)}"
    # Nothing else: no tests, no build leftovers, no files the repository does not have.
    assert not sorted(files - expected), f"not part of the package: {sorted(files - expected)}"


@pytest.mark.parametrize("name", PACKAGES)
def test_wheel_ships_the_license(dist, name):
    archive = wheel(dist, name)
    [license_file] = [f for f in archive.namelist() if f.endswith(".dist-info/licenses/LICENSE")]
    assert archive.read(license_file).decode() == (ROOT / "LICENSE").read_text()
    meta = metadata(dist, name)
    assert meta["License-Expression"] == "BSD-3-Clause"
    assert meta.get_all("License-File") == ["LICENSE"]


@pytest.mark.parametrize("name", PACKAGES)
def test_long_description_has_only_absolute_links(dist, name):
    # The README is the project page on the package index, where relative links are dead.
    text = metadata(dist, name).get_payload()
    targets = re.findall(r"\]\(([^)\s]+)", text)  # [text](target)
    targets += re.findall(r"^\s*\[[^\]]+\]:\s*(\S+)", text, re.M)  # [label]: target
    targets += re.findall(r"(?:href|src)=[\"']([^\"']+)", text)
    assert targets, "the README links to the project and its documentation"
    relative = [t for t in targets if not t.startswith("https://")]
    assert not relative, f"relative or insecure links: {relative}"
    # Nor plain mentions of repository files, which the index page cannot show either.
    prose = re.sub(r"```.*?```", "", re.sub(r"\[[^\]]*\]\([^)]*\)", "", text), flags=re.S)
    paths = re.findall(r"\b(?:docs|packages|benchmarks|example_project)/\S+\.(?:rst|md|py)\b", prose)
    assert not paths, f"repository paths without a link: {paths}"


@pytest.mark.parametrize("name", PACKAGES)
def test_project_urls(dist, name):
    urls = dict(u.split(", ", 1) for u in metadata(dist, name).get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Changelog", "Source", "Issues"}
    assert urls["Homepage"] == REPOSITORY
    assert urls["Source"] == f"{REPOSITORY}/tree/main/packages/{name}"
    assert urls["Issues"] == f"{REPOSITORY}/issues"
    assert urls["Documentation"].startswith(DOCUMENTATION)
    assert urls["Changelog"].startswith(DOCUMENTATION)


def expand_braces(spec):
    parts = re.split(r"(\{[^}]*\})", spec)
    return [
        "".join(p) for p in itertools.product(*[p[1:-1].split(",") if p[:1] == "{" else [p] for p in parts])
    ]


def tox_config():
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    return config


def tox_matrix():
    """{package: {(python, django), ...}} from tox.ini's envlist."""
    matrix = {name: set() for name in PACKAGES}
    for spec in tox_config()["tox"]["envlist"].split():
        for env in expand_braces(spec):
            match = re.fullmatch(r"py(\d)(\d+)-django(\d)(\d+)-(\w+)", env)
            assert match, f"unexpected tox env name {env}"
            py_major, py_minor, dj_major, dj_minor, package = match.groups()
            matrix[f"django-elearning-{package}"].add(
                (Version(f"{py_major}.{py_minor}"), Version(f"{dj_major}.{dj_minor}"))
            )
    assert all(matrix.values()), matrix
    return matrix


def next_releases(version):
    """The releases that may follow ``version`` (Django: x.0, x.1, x.2, then (x+1).0)."""
    return [Version(f"{version.major}.{version.minor + 1}"), Version(f"{version.major + 1}.0")]


@pytest.mark.parametrize("name", PACKAGES)
def test_supported_versions_are_the_tested_ones(dist, name):
    tested = tox_matrix()[name]
    pythons, djangos = {p for p, _ in tested}, {d for _, d in tested}
    meta = metadata(dist, name)
    classifiers = meta.get_all("Classifier")
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    claimed_pythons = {
        Version(c.rsplit(" :: ", 1)[1])
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    claimed_djangos = {
        Version(c.rsplit(" :: ", 1)[1])
        for c in classifiers
        if re.fullmatch(r"Framework :: Django :: \d+\.\d+", c)
    }
    assert claimed_pythons == pythons
    assert claimed_djangos == djangos
    # requires-python starts at the oldest tested Python. It has no upper bound on purpose:
    # pip would then pick an old release on a newer Python instead of reporting a problem.
    requires_python = SpecifierSet(meta["Requires-Python"])
    assert all(p in requires_python for p in pythons)
    assert Version(f"3.{min(pythons).minor - 1}") not in requires_python
    [django] = [Requirement(r) for r in meta.get_all("Requires-Dist") if Requirement(r).name == "Django"]
    assert all(d in django.specifier for d in djangos), django
    assert not any(d in django.specifier for d in next_releases(max(djangos))), f"{django}: no upper bound"
    assert Version(f"{min(djangos).major}.{min(djangos).minor - 1}") not in django.specifier


@pytest.mark.parametrize("name,module", PACKAGES.items())
def test_docs_compatibility_table_is_the_tox_matrix(name, module):
    page = (ROOT / "docs" / f"{module.removeprefix('elearning_')}.rst").read_text()
    parts = page.split("\nCompatibility\n-------------\n")
    assert len(parts) == 2, "the app's page has a Compatibility section"
    lines = parts[1].splitlines()
    border = next(line for line in lines if line.startswith("==="))
    assert not any(re.fullmatch(r"[-=~^]{3,}", line) for line in lines if line != border), (
        "it is the last section"
    )
    # A simple table: the columns are the runs of "=" in its border.
    columns = [m.span() for m in re.finditer(r"=+", border)]
    rows = [
        [line[a:b].strip() for a, b in columns] for line in lines[lines.index(border) + 1 :] if line.strip()
    ]
    header, body = rows[0], [row for row in rows[1:] if re.fullmatch(r"3\.\d+", row[0])]
    djangos = [Version(re.search(r"\d+\.\d+", cell).group()) for cell in header[1:]]
    documented = {
        (Version(row[0]), django)
        for row in body
        for django, cell in zip(djangos, row[1:], strict=True)
        if cell == "tested"
    }
    assert documented == tox_matrix()[name]


@pytest.mark.parametrize("name,module", PACKAGES.items())
def test_declared_package_data_exists(name, module):
    pyproject = tomllib.loads((ROOT / "packages" / name / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"][module]
    src = ROOT / "packages" / name / "src" / module
    empty = [p for p in patterns if not any(f.is_file() for f in src.glob(p))]
    assert not empty, f"package data declared but absent: {empty}"


def runtime_dependencies(name):
    pyproject = tomllib.loads((ROOT / "packages" / name / "pyproject.toml").read_text())
    return {canonicalize_name(Requirement(r).name) for r in pyproject["project"]["dependencies"]}


def tox_deps(factors):
    """The requirement names tox installs before the wheel into an env with these factors."""
    names = set()
    for line in tox_config()["testenv"]["deps"].splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        condition, _, dep = line.rpartition(": ")
        if condition and not any(all(f in factors for f in alt.split("-")) for alt in condition.split(",")):
            continue
        if dep.startswith("-r "):
            lines = (ROOT / dep[3:].strip()).read_text().splitlines()
            names |= {canonicalize_name(Requirement(r).name) for r in lines if r and not r.startswith("#")}
        else:
            names.add(canonicalize_name(Requirement(dep).name))
    return names


@pytest.mark.parametrize("name", PACKAGES)
def test_tox_installs_only_what_the_package_needs(name):
    """A package's dependencies reach its tox env only through its wheel's metadata, so a
    dependency missing there fails its suite; and nothing another package needs is there."""
    all_runtime = set().union(*map(runtime_dependencies, PACKAGES)) | set(map(canonicalize_name, PACKAGES))
    channels_tools = {"daphne", "channels-redis"}  # channels.testing and REDIS_URL
    for python, django in tox_matrix()[name]:
        factors = {
            f"py{python.major}{python.minor}",
            f"django{django.major}{django.minor}",
            name.split("-")[-1],
        }
        deps = tox_deps(factors)
        assert deps & all_runtime == {"django"}, f"{factors}: {deps & all_runtime}"
        if "channels" not in runtime_dependencies(name):
            assert not deps & channels_tools, f"{factors}: {deps & channels_tools}"


def test_ci_runs_the_oldest_and_newest_tox_corners():
    tree = ast.parse((ROOT / "scripts" / "runtests.py").read_text())
    [default] = [
        ast.literal_eval(node.value.args[1])
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "TOX_ENVS"
    ]
    envs = set(default.split(","))
    for name, tested in tox_matrix().items():
        package = name.split("-")[-1]
        for python, django in (min(tested), max(tested)):
            assert f"py{python.major}{python.minor}-django{django.major}{django.minor}-{package}" in envs


def test_import_contracts():
    """The package boundaries (pyproject.toml [tool.importlinter])."""
    run(Path(sys.executable).parent / "lint-imports", "--no-cache", "--no-logo")


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


def test_bandit_finds_nothing_of_medium_or_high_severity():
    """``bandit -r packages/*/src -ll``: the reviewed exceptions are in ``.bandit.yml``."""
    sources = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("packages/*/src"))
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-c", ".bandit.yml", "-q", "-ll", "-r", *sources],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"bandit found issues:\n{result.stdout}\n{result.stderr}"

"""Sphinx configuration of the django-elearning documentation."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for package in ("users", "courses", "chat"):
    sys.path.insert(0, str(ROOT / "packages" / f"django-elearning-{package}" / "src"))
sys.path.insert(0, str(ROOT / "example_project"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

import django  # noqa: E402

django.setup()

project = "django-elearning"
author = "django-elearning contributors"
copyright = "2026, django-elearning contributors"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "myst_parser",  # only to include the packages' CHANGELOG.md files
]
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "django": (
        "https://docs.djangoproject.com/en/5.2/",
        "https://docs.djangoproject.com/en/5.2/_objects/",
    ),
}
# Builds must work without network access, and no inventory of the Django or Python docs
# is kept in the repository: the mapping is used only when SPHINX_OFFLINE=0. With
# nitpicky on, the offline build (the one the test suite runs) fails on any reference it
# cannot resolve, so refer to Django and Python objects with literal markup.
if os.environ.get("SPHINX_OFFLINE", "1") == "1":
    intersphinx_mapping = {}
autodoc_member_order = "bysource"
html_theme = "furo"
html_title = "django-elearning"
exclude_patterns = ["_build"]
# Every cross-reference must resolve (a broken one is a build error under -W).
nitpicky = True

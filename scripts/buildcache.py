"""Isolated package builds that also work where no package index can be reached.

``python -m build`` installs each package's ``[build-system] requires`` into a fresh
environment from the package index. Those wheels are downloaded into a cache beside the
test environment whenever the index answers; builds then take them from that cache only
(``PIP_NO_INDEX`` + ``PIP_FIND_LINKS``). A machine where nothing but loopback is reachable
(``unshare -n``) thus builds exactly as before, once the suite has run online.
"""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(sys.prefix) / "build-requirements"


def build_requirements():
    """Every package's build requirements, from its pyproject.toml."""
    requires = set()
    for pyproject in sorted((ROOT / "packages").glob("*/pyproject.toml")):
        requires.update(tomllib.loads(pyproject.read_text())["build-system"]["requires"])
    return sorted(requires)


def isolated_build_env(base=None):
    """The environment for ``python -m build``: build requirements from the cache only."""
    CACHE.mkdir(parents=True, exist_ok=True)
    download = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--retries", "0", "--timeout", "15"]
        + ["-d", str(CACHE), *build_requirements()],
        capture_output=True,
        text=True,
    )
    if download.returncode != 0 and not any(CACHE.glob("*.whl")):
        raise RuntimeError(
            f"No package index reachable and no build requirements cached in {CACHE}: run the "
            f"suite once with network access.\n{download.stderr[-2000:]}"
        )
    env = dict(os.environ if base is None else base)
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(CACHE))
    return env

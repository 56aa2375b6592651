"""Which Chromium the browser tests drive, and how: one choice for the demo's browser tests
and the fresh host sites.

CHROMIUM_PATH if set, else Debian's ``/usr/bin/chromium``, else a Chromium that
Playwright has installed; no Chromium is an error naming the commands that install one
(the tests fail, never skip).
"""

import os
import sys

DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path(playwright):
    """The executable to launch; ``LookupError`` (with the install commands) if none exists."""
    chosen = os.environ.get("CHROMIUM_PATH")
    candidates = [chosen] if chosen else [DEBIAN_CHROMIUM, playwright.chromium.executable_path]
    for path in candidates:
        if os.path.exists(path):
            return path
    raise LookupError(
        f"No Chromium for the browser tests (looked at {', '.join(candidates)}). Install one: "
        "apt-get install -y chromium (Debian, as root), or "
        f"{sys.executable} -m playwright install chromium"
    )

#!/usr/bin/env python3
"""pip-audit on the resolved requirements of the demo and the tests (the virtualenv's
``pip freeze``, the three apps left out), against PyPI's vulnerability data.

Exit 0: every dependency was audited and none has a known vulnerability. Exit 1 otherwise,
and also when the vulnerability service cannot be reached or answers nothing: a canary,
Django 4.2.0 (CVE-2023-31047 and more), must come back vulnerable, and no dependency may
come back "not found", or the audit proved nothing. Usage: ``python scripts/audit_dependencies.py``.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

CANARY = "django==4.2.0"


def audit(requirements):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requirements.txt"
        path.write_text("\n".join(requirements) + "\n")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "-r",
                str(path),
                "--no-deps",
                "--disable-pip",
                "-f",
                "json",
                "--progress-spinner",
                "off",
            ],
            capture_output=True,
            text=True,
        )
    try:
        return json.loads(result.stdout)["dependencies"]
    except (ValueError, KeyError):
        sys.exit(f"pip-audit gave no report (exit {result.returncode}):\n{result.stderr}")


def main():
    freeze = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pinned = [line for line in freeze if "==" in line and not line.lower().startswith("django-elearning")]
    canary = audit([CANARY])
    if not canary or not canary[0].get("vulns"):
        sys.exit(f"the vulnerability service answers nothing: {CANARY} is not reported vulnerable ({canary})")
    report = audit(pinned)
    unaudited = [d["name"] for d in report if d.get("skip_reason")]
    vulnerable = [
        f"{d['name']} {d['version']}: {[v['id'] for v in d['vulns']]}" for d in report if d.get("vulns")
    ]
    if unaudited:
        sys.exit(f"not audited (unknown to the vulnerability service): {unaudited}")
    if vulnerable:
        sys.exit("known vulnerabilities:\n" + "\n".join(vulnerable))
    print(f"pip-audit: {len(report)} dependencies, no known vulnerability")


if __name__ == "__main__":
    main()

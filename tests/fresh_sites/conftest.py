"""The fresh-site scenarios run only when asked for by path (`pytest fresh_sites`, the
`fresh_sites` nox session, their own entry in scripts/runtests.py): the repository run
(`pytest` in tests/) would otherwise build four sites a second time."""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path, config):
    if not Path(collection_path).resolve().is_relative_to(HERE):
        return None
    base = config.invocation_params.dir
    for arg in config.args:
        asked = (base / arg.split("::")[0]).resolve()
        if asked.is_relative_to(HERE):
            return None
    return True

"""Hooks of the browser tests."""

import pytest

# The accessibility module's summaries (test_accessibility.py), printed at the end of the run.
AXE_SUMMARIES = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, config):
    for text in config.stash.get(AXE_SUMMARIES, []):
        terminalreporter.write_sep("=", "accessibility: axe-core violations")
        terminalreporter.write_line(text)

"""Settings of the search benchmark's servers: the catalog benchmark's, with the search
cap taken from ``BENCH_SEARCH_MAX_MATCHES`` (so that one run serves the capped search
and, for comparison, the uncapped one that ranks every match). Benchmark-only."""

import os

from catalog_settings import *  # noqa: F401,F403
from catalog_settings import ELEARNING_COURSES

ELEARNING_COURSES = {
    **ELEARNING_COURSES,
    "SEARCH_MAX_MATCHES": int(os.environ.get("BENCH_SEARCH_MAX_MATCHES", "1000")),
}

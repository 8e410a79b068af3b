"""Dagster's beta parameters that the platform relies on knowingly."""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg


@contextmanager
def known_beta() -> Iterator[None]:
    """Dagster marks some parameters we use on purpose as beta (a backfill policy, a trailing window
    that reaches before the first partition). Every process that loads the code location, each run
    included, would print the same warnings again and bury what happens in the terminal."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=dg.BetaWarning)
        yield

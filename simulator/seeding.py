"""Deterministic randomness: one independent stream per (seed, day, purpose).

Each purpose ("stores", "pos", "defects", ...) gets its own stream so that changing how
one dataset is generated never shifts the random numbers another dataset sees.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np


def rng_for(seed: int, purpose: str, day: dt.date | None = None) -> np.random.Generator:
    """Reference data passes no day, so it depends on the seed alone and is stable across days."""
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    # crc32, not hash(): str hashes are salted per process and would break reproducibility.
    return np.random.default_rng([seed, day.toordinal() if day else 0, zlib.crc32(purpose.encode())])


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a stateless hash of uint64 values, vectorised.

    Used where a value must be a pure function of its inputs (a customer's address on a
    given day) instead of a position in a random stream that would depend on history.
    """
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))

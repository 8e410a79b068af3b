"""Source-system simulator: plays the retail chain's POS, catalog, CRM and store master.

It writes landing files through `LakeStorage`, exactly as the real systems would deliver
them, optionally with deliberate defects (see `simulator.defects`). Typical use:

    files = generate_retail_day(date(2024, 10, 1), SCALES["local"], seed=42)
    deliver(lake, files)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.defects import DefectConfig
from simulator.retail import SCALES, RetailScale, generate_retail_day, generate_retail_day_with_manifest

if TYPE_CHECKING:  # keep `import simulator` free of the dagster import chain behind resources.lake
    from resources.lake import LakeStorage

__all__ = ["SCALES", "DefectConfig", "RetailScale", "deliver", "generate_retail_day", "generate_retail_day_with_manifest"]

# Reference data lands before the POS files that point into it, so a sensor reacting to a
# POS file finds that day's stores, products and customers already in place.
_DELIVERY_ORDER = ("/stores/", "/products/", "/customers/")


def _delivery_rank(key: str) -> int:
    for rank, marker in enumerate(_DELIVERY_ORDER):
        if marker in key:
            return rank
    return len(_DELIVERY_ORDER) + ("/pos/" in key)


def deliver(lake: LakeStorage, files: dict[str, bytes]) -> list[str]:
    """Write every file through `lake.write` (atomic per object); returns the keys in write order."""
    keys = sorted(files, key=lambda k: (_delivery_rank(k), k))  # POS files in store order
    for key in keys:
        lake.write(key, files[key])
    return keys

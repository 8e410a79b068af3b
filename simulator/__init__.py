"""Source-system simulator: plays the retail chain's POS, catalog, CRM and store master, and
the bank's core banking, KYC, loan book, loan servicing, credit bureaus and Fed API.

It writes landing files through `LakeStorage`, exactly as the real systems would deliver
them, optionally with deliberate defects (see `simulator.defects`). Typical use:

    files = generate_retail_day(date(2024, 10, 1), SCALES["local"], seed=42)
    deliver(lake, files)
    files = generate_banking_day(date(2024, 10, 1), BANKING_SCALES["local"], seed=42)
    deliver(lake, files)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.banking import BANKING_SCALES, BankingDefects, BankingScale, generate_banking_day, generate_banking_day_with_manifest
from simulator.defects import DefectConfig
from simulator.retail import SCALES, RetailScale, generate_retail_day, generate_retail_day_with_manifest

if TYPE_CHECKING:  # keep `import simulator` free of the dagster import chain behind resources.lake
    from resources.lake import LakeStorage

__all__ = [
    "BANKING_SCALES", "SCALES", "BankingDefects", "BankingScale", "DefectConfig", "RetailScale", "deliver",
    "generate_banking_day", "generate_banking_day_with_manifest", "generate_retail_day", "generate_retail_day_with_manifest",
]

# Reference data lands before the files that point into it, so a sensor reacting to a POS
# file finds that day's stores, products and customers already in place, and one reacting to
# a transactions part finds the day's accounts snapshot (and the rest of the bank's files).
_DELIVERY_ORDER = {
    "retail": ("/stores/", "/products/", "/customers/"),
    "banking": ("/accounts/", "/customers/", "/loans/", "/loan_payments/", "/bureau_scores/", "/economic_indicators/"),
}
_LAST = {"retail": "/pos/", "banking": "/transactions/"}


def _delivery_rank(key: str) -> tuple[int, int]:
    domain = "banking" if key.startswith("landing/banking/") else "retail"
    order = _DELIVERY_ORDER[domain]
    for rank, marker in enumerate(order):
        if marker in key:
            return (domain == "banking", rank)
    return (domain == "banking", len(order) + (_LAST[domain] in key))


def deliver(lake: LakeStorage, files: dict[str, bytes]) -> list[str]:
    """Write every file through `lake.write` (atomic per object); returns the keys in write order."""
    keys = sorted(files, key=lambda k: (_delivery_rank(k), k))  # POS files in store order
    for key in keys:
        lake.write(key, files[key])
    return keys

"""Partitions shared by both domains, and finding the reference snapshot that applies to a day."""

from __future__ import annotations

import dagster as dg

from assets.common.datasets import Dataset
from resources.lake import LakeStorage

FIRST_DAY = "2024-01-01"
DAILY = dg.DailyPartitionsDefinition(start_date=FIRST_DAY)
MONTHLY = dg.MonthlyPartitionsDefinition(start_date=FIRST_DAY)  # keys are the month's first day, YYYY-MM-01


def latest_snapshot_key(lake: LakeStorage, dataset: Dataset, partition: str) -> str | None:
    """The lake key of the newest snapshot at or before `partition`, or None if there is none.
    Only successfully materialized partitions exist in the lake (see publish._publish)."""
    if lake.exists(dataset.lake_key(partition)):
        return dataset.lake_key(partition)
    days = [d.removeprefix("dt=") for d in lake.list_dirs(dataset.prefix) if d.startswith("dt=")]
    for day in sorted((d for d in days if d < partition), reverse=True):
        if lake.exists(dataset.lake_key(day)):  # a failed partition leaves an empty directory locally
            return dataset.lake_key(day)
    return None

"""Partitions shared by both domains, and finding the snapshot that applies to a day."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import dagster as dg

from assets.common.beta import known_beta
from assets.common.datasets import Dataset
from assets.common.landing import Source
from resources.lake import LakeStorage

FIRST_DAY = "2024-01-01"
DAILY = dg.DailyPartitionsDefinition(start_date=FIRST_DAY)
MONTHLY = dg.MonthlyPartitionsDefinition(start_date=FIRST_DAY)  # keys are the month's first day, YYYY-MM-01
# Data the sources deliver *for* a month on its first day (the bureaus' monthly pull): the month is a
# partition from that day on, not only once it has ended, or the current month's delivery would
# wait a month for its partition while every day of it went unscored.
DELIVERED_MONTHLY = dg.MonthlyPartitionsDefinition(start_date=FIRST_DAY, end_offset=1)


def trailing_days(days: int) -> dg.TimeWindowPartitionMapping:
    """A day and the `days - 1` before it. Near the first partition the window reaches before it;
    those days simply do not exist (the first days of a 90-day RFM)."""
    with known_beta():
        return dg.TimeWindowPartitionMapping(start_offset=-(days - 1), allow_nonexistent_upstream_partitions=True)


def partition_of(key: str) -> str:
    """The partition of a lake key: `silver/x/y/dt=2024-10-01/data.parquet` -> `2024-10-01`."""
    return key.split("/dt=")[1].split("/")[0]


def keys_at_or_before(lake: LakeStorage, prefix: str, key_of: Callable[[str], str], partition: str) -> Iterator[str]:
    """The keys of the partitions at or before `partition` under `prefix`, newest first. Only
    successfully materialized partitions exist in the lake (see publish._publish)."""
    if lake.exists(key_of(partition)):
        yield key_of(partition)
    days = [d.removeprefix("dt=") for d in lake.list_dirs(prefix) if d.startswith("dt=")]
    for day in sorted((d for d in days if d < partition), reverse=True):
        if lake.exists(key_of(day)):  # a failed partition leaves an empty directory locally
            yield key_of(day)


def latest_key(lake: LakeStorage, prefix: str, key_of: Callable[[str], str], partition: str) -> str | None:
    return next(keys_at_or_before(lake, prefix, key_of, partition), None)


def latest_snapshot_key(lake: LakeStorage, dataset: Dataset, partition: str) -> str | None:
    """The lake key of the newest published snapshot of `dataset` at or before `partition`."""
    return latest_key(lake, dataset.prefix, dataset.lake_key, partition)


def reference_snapshot_key(lake: LakeStorage, source: Source, partition: str, prefix: str, key_of: Callable[[str], str], asset: str) -> str:
    """The snapshot a day is validated against: the newest at or before the day. A snapshot that was
    delivered for the day but did not materialize (a failed contract) blocks the day, rather than
    let it be validated against stale data (DOMAIN.md §5, reference data)."""
    key = latest_key(lake, prefix, key_of, partition)
    delivered_today = bool(lake.list_keys(source.landing_dir(partition)))
    if key is None or (delivered_today and key != key_of(partition)):
        raise dg.Failure(
            allow_retries=True,  # usually the snapshot's own run has not finished yet
            description=f"No usable {source.domain} {source.name} snapshot for {partition}: "
            + ("today's delivery has not materialized successfully" if delivered_today else "none exists at or before this day")
            + f". Materialize {asset} for {partition} first.",
        )
    return key

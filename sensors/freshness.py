"""Freshness SLAs: by when each day's (or month's) data must be built.

The alert sensor checks, for each SLA, the newest partition whose deadline has passed; if
any of the SLA's assets has not materialized it, that is a missed SLA and it pages. A period
nothing could have built by its deadline (before the domain's first delivery) is never judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import dagster as dg

from assets.common.partitions import DAILY, MONTHLY


@dataclass(frozen=True)
class FreshnessSla:
    name: str
    domain: str
    assets: tuple[dg.AssetKey, ...]
    partitions: dg.TimeWindowPartitionsDefinition
    due_after_partition_end: timedelta
    deadline_cron: str  # the same deadline as Dagster's own freshness policy, which the UI shows on the asset

    def policy(self) -> dg.FreshnessPolicy:
        # By each deadline, a materialization within the last period (the shortest month, for monthly data).
        period = timedelta(days=1) if self.partitions is DAILY else timedelta(days=28)
        return dg.FreshnessPolicy.cron(deadline_cron=self.deadline_cron, lower_bound_delta=period)

    def latest_due_partition(self, now: datetime) -> tuple[str, datetime] | None:
        """The newest partition whose deadline is at or before `now`, with that deadline."""
        cutoff = now - self.due_after_partition_end  # a partition ending before this is due
        current = self._window_at(cutoff)
        if current.start <= self.partitions.start:
            return None
        window = self._window_at(current.start - timedelta(seconds=1))
        return window.start.date().isoformat(), window.end + self.due_after_partition_end

    def _window_at(self, moment: datetime):
        return self.partitions.time_window_for_partition_key(self.partitions.get_partition_key_for_timestamp(moment.timestamp()))


def _keys(*names: str) -> tuple[dg.AssetKey, ...]:
    return tuple(dg.AssetKey(name) for name in names)


FRESHNESS_SLAS = [
    FreshnessSla(
        "retail gold for day D by 06:00 UTC on D+1", "retail",
        _keys("retail_gold_store_product_daily", "retail_gold_store_daily", "retail_gold_category_region_daily", "retail_gold_customer_rfm"),
        DAILY, timedelta(hours=6), "0 6 * * *",
    ),
    FreshnessSla(
        "banking account_daily and fraud_alerts for day D by 05:00 UTC on D+1", "banking",
        _keys("banking_gold_account_daily", "banking_gold_fraud_alerts"), DAILY, timedelta(hours=5), "0 5 * * *",
    ),
    FreshnessSla(
        "capital adequacy for a month by the 3rd of the next month", "banking",
        _keys("banking_gold_capital_adequacy"), MONTHLY, timedelta(days=2), "0 0 3 * *",
    ),
]


@dataclass(frozen=True)
class FirstDelivery:
    day: str  # the earliest day any of the domain's sources delivered
    seen_at: datetime  # when the platform first saw a delivery of the domain


def missed_slas(
    instance: dg.DagsterInstance, now: datetime, first_delivery: dict[str, FirstDelivery]
) -> list[tuple[FreshnessSla, dg.AssetKey, str, datetime]]:
    """Only a period the platform could have produced by its deadline is judged: one that ends after
    the domain's first delivered day, with a deadline after the platform first saw its data. A
    deadline that passed before any data came (a new deployment catching up on history) is no page."""
    missed = []
    for sla in FRESHNESS_SLAS:
        due = sla.latest_due_partition(now)
        first = first_delivery.get(sla.domain)
        if due is None or first is None:
            continue
        partition, deadline = due
        if sla.partitions.time_window_for_partition_key(partition).end.date().isoformat() <= first.day or deadline <= first.seen_at:
            continue
        for asset in sla.assets:
            records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=asset, asset_partitions=[partition]), limit=1)
            if not records.records:
                missed.append((sla, asset, partition, deadline))
    return missed


def with_freshness_policies(assets: list) -> list:
    """The assets, with each SLA's freshness policy on the assets it covers, for the UI."""
    policies = {asset: sla.policy() for sla in FRESHNESS_SLAS for asset in sla.assets}
    return list(dg.map_asset_specs(lambda spec: spec.replace_attributes(freshness_policy=policies[spec.key]) if spec.key in policies else spec, assets))

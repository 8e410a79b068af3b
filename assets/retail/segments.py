"""Customer segments: K-means on Spark over the whole purchase history, and their monthly profile."""

from datetime import date
from decimal import Decimal

import dagster as dg

from assets.common.checks import gold_check_specs, reconciliation_check
from assets.common.datasets import dataset_asset
from assets.common.partitions import MONTHLY, partition_of
from assets.common.publish import GoldPartition, publish_gold, publish_gold_partitions
from assets.common.spark_jobs import month_days, months_of, read_staged, run_spark_job, spark_asset, staging_prefix
from assets.retail import metrics, schemas
from assets.retail.silver import retail_silver_pos_lines
from resources.lake import LakeStorage
from resources.spark import SparkRunner

COVERS_EVERY_CUSTOMER = "covers_every_customer"
DATASET = schemas.GOLD_CUSTOMER_SEGMENTS


def _history(lake: LakeStorage, last_day: date) -> list[str]:
    """Every published silver pos_lines partition up to `last_day`: the whole history, in one
    paginated listing (years of days would otherwise cost a request per day)."""
    last_key = schemas.SILVER_POS_LINES.lake_key(last_day.isoformat())
    keys = (o.key for o in lake.list_objects(schemas.SILVER_POS_LINES.prefix))
    return [k for k in keys if k.endswith("/data.parquet") and k <= last_key]


def _no_history(lake: LakeStorage, month: date) -> str:
    """Why a month cannot be segmented, and which months can."""
    published = sorted(partition_of(o.key) for o in lake.list_objects(schemas.SILVER_POS_LINES.prefix) if o.key.endswith("/data.parquet"))
    why = f"No sales on or before {month_days(month)[-1]} to segment {month:%Y-%m}: "
    if not published:
        return why + "no silver pos_lines day is published at all yet."
    first = date.fromisoformat(published[0])
    return why + (
        f"the published sales run from {published[0]} to {published[-1]} ({len(published)} days). Segment a month that ends on or "
        f"after {first}, once it has ended (the month of {first:%Y-%m} or later), or deliver and backfill earlier days first."
    )


@spark_asset(
    DATASET,
    "Each loyalty customer's segment as of the month's end: K-means (k = 5, seed 1) on standardized recency, frequency "
    "and spend over the whole purchase history. Segment 1 spends the most on average. Runs on Spark (local Spark here, "
    "EMR Serverless in production); a backfill of any number of months is one Spark job. Grain: month x customer.",
    [dg.AssetDep(retail_silver_pos_lines, partition_mapping=dg.AllPartitionMapping())],
    {COVERS_EVERY_CUSTOMER: "Every customer with a purchase in the history has exactly one segment."},
)
def retail_gold_customer_segments(context: dg.AssetExecutionContext, lake: LakeStorage, spark: SparkRunner):
    run_id, months = context.run.run_id, months_of(context)
    history = _history(lake, month_days(months[-1])[-1])
    if not history:
        raise dg.Failure(_no_history(lake, months[-1]), allow_retries=False)
    plan = [{"month": m.isoformat(), "month_end": month_days(m)[-1].isoformat(), "output": lake.uri(staging_prefix(DATASET, run_id, m))} for m in months]
    report = run_spark_job(context, spark, "customer_segments", {"pos_lines": [lake.uri(k) for k in history], "months": plan})
    partitions = {}
    for month in months:
        gold = read_staged(lake, DATASET, staging_prefix(DATASET, run_id, month))
        totals = report[month.isoformat()]
        customers = totals["customers"]
        spend = reconciliation_check(gold.get_column("monetary").sum(), Decimal(totals["spend"]), "spend")
        covered = dg.AssetCheckResult(check_name=COVERS_EVERY_CUSTOMER, passed=gold.height == customers, metadata={"customers_in_history": customers, "segmented": gold.height})
        sizes = gold.get_column("segment").value_counts().sort("segment")
        partitions[month.isoformat()] = GoldPartition(gold, [spend, covered], {"customers": gold.height, "segment_sizes": dg.MetadataValue.json(dict(sizes.iter_rows()))})
    return publish_gold_partitions(context, lake, DATASET, partitions)


@dataset_asset(
    schemas.GOLD_CUSTOMER_SEGMENT_SUMMARY,
    "The profile of each customer segment in a month: size, average spend, average visits and average days since the "
    "last purchase. Grain: month x segment.",
    [retail_gold_customer_segments],
    gold_check_specs(schemas.GOLD_CUSTOMER_SEGMENT_SUMMARY.asset_name),
    MONTHLY,
)
def retail_gold_customer_segment_summary(context: dg.AssetExecutionContext, lake: LakeStorage):
    segments = lake.read_parquet(DATASET.lake_key(context.partition_key))
    gold = metrics.segment_summary(segments)
    sizes_add_up = reconciliation_check(int(gold.get_column("customers").sum()), segments.height, "customers")
    return publish_gold(context, lake, schemas.GOLD_CUSTOMER_SEGMENT_SUMMARY, gold, [sizes_add_up], {"segments": gold.height})


RETAIL_SEGMENTS = [retail_gold_customer_segments, retail_gold_customer_segment_summary]

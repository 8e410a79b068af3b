"""Retail gold: the business aggregates of DOMAIN.md §2.3, one partition per day."""

from datetime import date, timedelta

import dagster as dg
import polars as pl

from assets.common.checks import gold_check_specs, reconciliation_check
from assets.common.datasets import dataset_asset
from assets.common.partitions import DAILY, latest_snapshot_key
from assets.common.publish import publish_gold
from assets.retail import metrics, schemas
from assets.retail.silver import retail_silver_pos_lines, retail_silver_products, retail_silver_stores
from resources.lake import LakeStorage

RANKS_DENSE = "ranks_dense"


def _gold(dataset, description: str, deps, extra_checks: dict[str, str] | None = None):
    return dataset_asset(dataset, description, deps, gold_check_specs(dataset.asset_name, extra_checks), DAILY)


LINE_COLUMNS = ["transaction_date", "store_id", "receipt_id", "product_barcode", "quantity", "amount", "customer_id"]


def _day_lines(lake: LakeStorage, partition: str) -> pl.DataFrame:
    """The silver lines of the day, with only the columns gold aggregates."""
    return lake.read_parquet(schemas.SILVER_POS_LINES.lake_key(partition), columns=LINE_COLUMNS)


def _snapshot(lake: LakeStorage, dataset, partition: str) -> pl.DataFrame:
    return lake.read_parquet(latest_snapshot_key(lake, dataset, partition))


def _revenue_check(gold: pl.DataFrame, lines: pl.DataFrame, column: str = "revenue") -> dg.AssetCheckResult:
    return reconciliation_check(gold.get_column(column).sum(), lines.get_column("amount").sum())


@_gold(
    schemas.GOLD_STORE_PRODUCT_DAILY,
    "Best sellers: units, revenue, cost, margin and revenue rank of each product within each store. "
    "Grain: date x store x product.",
    [retail_silver_pos_lines, retail_silver_products],
    {RANKS_DENSE: "Within each store and day, revenue ranks are dense and start at 1 (1 = best seller)."},
)
def retail_gold_store_product_daily(context: dg.AssetExecutionContext, lake: LakeStorage):
    lines = _day_lines(lake, context.partition_key)
    gold = metrics.store_product_daily(lines, _snapshot(lake, schemas.SILVER_PRODUCTS, context.partition_key))
    broken = metrics.stores_with_rank_gaps(gold)
    ranks = dg.AssetCheckResult(check_name=RANKS_DENSE, passed=not broken, metadata={"stores_with_gaps": dg.MetadataValue.json(broken)})
    return publish_gold(
        context, lake, schemas.GOLD_STORE_PRODUCT_DAILY, gold,
        [_revenue_check(gold, lines), ranks], {"revenue": str(gold.get_column("revenue").sum()), "products_sold": gold.height},
    )


@_gold(
    schemas.GOLD_STORE_DAILY,
    "Store performance per day: revenue, receipts, units, return lines, unique customers, average basket. "
    "Backs the store-performance API. Grain: date x store.",
    [retail_silver_pos_lines],
)
def retail_gold_store_daily(context: dg.AssetExecutionContext, lake: LakeStorage):
    lines = _day_lines(lake, context.partition_key)
    gold = metrics.store_daily(lines)
    return publish_gold(
        context, lake, schemas.GOLD_STORE_DAILY, gold,
        [_revenue_check(gold, lines)], {"revenue": str(gold.get_column("revenue").sum()), "receipts": int(gold.get_column("receipts").sum())},
    )


@_gold(
    schemas.GOLD_CATEGORY_REGION_DAILY,
    "Revenue, margin and units by region and product category per day. Grain: date x region x category.",
    [retail_silver_pos_lines, retail_silver_products, retail_silver_stores],
)
def retail_gold_category_region_daily(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    lines = _day_lines(lake, partition)
    gold = metrics.category_region_daily(
        lines, _snapshot(lake, schemas.SILVER_PRODUCTS, partition), _snapshot(lake, schemas.SILVER_STORES, partition)
    )
    return publish_gold(
        context, lake, schemas.GOLD_CATEGORY_REGION_DAILY, gold,
        [_revenue_check(gold, lines)], {"revenue": str(gold.get_column("revenue").sum())},
    )


@_gold(
    schemas.GOLD_CUSTOMER_RFM,
    f"Recency, frequency, monetary value and category diversity of each loyalty customer over the trailing "
    f"{metrics.RFM_WINDOW_DAYS} days ending on the partition day. Grain: as_of_date x customer.",
    [
        dg.AssetDep(
            retail_silver_pos_lines,
            partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-(metrics.RFM_WINDOW_DAYS - 1), allow_nonexistent_upstream_partitions=True),
        ),
        retail_silver_products,
    ],
)
def retail_gold_customer_rfm(context: dg.AssetExecutionContext, lake: LakeStorage):
    as_of = date.fromisoformat(context.partition_key)
    days = [(as_of - timedelta(days=n)).isoformat() for n in range(metrics.RFM_WINDOW_DAYS)]
    keys = [schemas.SILVER_POS_LINES.lake_key(d) for d in days if lake.exists(schemas.SILVER_POS_LINES.lake_key(d))]
    lines = pl.concat([lake.read_parquet(k, columns=LINE_COLUMNS) for k in keys])
    gold = metrics.customer_rfm(lines, _snapshot(lake, schemas.SILVER_PRODUCTS, context.partition_key), as_of)
    known = lines.filter(pl.col("customer_id").is_not_null())
    return publish_gold(
        context, lake, schemas.GOLD_CUSTOMER_RFM, gold,
        [reconciliation_check(gold.get_column("total_spent").sum(), known.get_column("amount").sum(), "spend")],
        {"customers": gold.height, "days_in_window": len(keys)},
    )


RETAIL_GOLD = [retail_gold_store_product_daily, retail_gold_store_daily, retail_gold_category_region_daily, retail_gold_customer_rfm]

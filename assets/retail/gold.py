"""Retail gold: the business aggregates of DOMAIN.md §2.3, one partition per day."""

from datetime import date, timedelta

import dagster as dg
import polars as pl

from assets.common.checks import gold_check_specs, reconciliation_check
from assets.common.datasets import dataset_asset
from assets.common.inputs import inputs_check, own_input, require, snapshot_input
from assets.common.partitions import DAILY, trailing_days
from assets.common.publish import publish_gold
from assets.retail import metrics, schemas
from assets.retail.silver import retail_silver_pos_lines, retail_silver_products, retail_silver_stores
from resources.lake import LakeStorage

RANKS_DENSE = "ranks_dense"


def _gold(dataset, description: str, deps, extra_checks: dict[str, str] | None = None, inputs=False):
    return dataset_asset(dataset, description, deps, gold_check_specs(dataset.asset_name, extra_checks, inputs=inputs), DAILY)


LINE_COLUMNS = ["transaction_date", "store_id", "receipt_id", "product_barcode", "quantity", "amount", "customer_id"]


def _day_lines_key(context: dg.AssetExecutionContext, lake: LakeStorage) -> str:
    key, lines = own_input(lake, schemas.SILVER_POS_LINES, context.partition_key)
    require(context, [lines], "Gold aggregates the day's published POS lines.")
    return key


def _day_lines(context: dg.AssetExecutionContext, lake: LakeStorage) -> pl.DataFrame:
    """The silver lines of the day, with only the columns gold aggregates."""
    return lake.read_parquet(_day_lines_key(context, lake), columns=LINE_COLUMNS)


def _snapshots(context: dg.AssetExecutionContext, lake: LakeStorage, *datasets) -> tuple[list[pl.DataFrame], dg.AssetCheckResult]:
    """The latest good reference snapshots at or before the day (those POS silver was validated
    against), and the inputs_current warning naming any that is older than the day."""
    found = [snapshot_input(lake, dataset, context.partition_key) for dataset in datasets]
    require(context, [used for _, used in found], "Gold joins the day's lines to this reference data.")
    return [lake.read_parquet(key) for key, _ in found], inputs_check([used for _, used in found])


def _revenue_check(gold: pl.DataFrame, lines: pl.DataFrame, column: str = "revenue") -> dg.AssetCheckResult:
    return reconciliation_check(gold.get_column(column).sum(), lines.get_column("amount").sum())


@_gold(
    schemas.GOLD_STORE_PRODUCT_DAILY,
    "Best sellers: units, revenue, cost, margin and revenue rank of each product within each store. "
    "Grain: date x store x product.",
    [retail_silver_pos_lines, retail_silver_products],
    {RANKS_DENSE: "Within each store and day, revenue ranks are dense and start at 1 (1 = best seller)."},
    inputs=True,
)
def retail_gold_store_product_daily(context: dg.AssetExecutionContext, lake: LakeStorage):
    lines = _day_lines(context, lake)
    [products], current = _snapshots(context, lake, schemas.SILVER_PRODUCTS)
    gold = metrics.store_product_daily(lines, products)
    broken = metrics.stores_with_rank_gaps(gold)
    ranks = dg.AssetCheckResult(check_name=RANKS_DENSE, passed=not broken, metadata={"stores_with_gaps": dg.MetadataValue.json(broken)})
    return publish_gold(
        context, lake, schemas.GOLD_STORE_PRODUCT_DAILY, gold,
        [_revenue_check(gold, lines), ranks, current], {"revenue": str(gold.get_column("revenue").sum()), "products_sold": gold.height},
    )


@_gold(
    schemas.GOLD_STORE_DAILY,
    "Store performance per day: revenue, receipts, units, return lines, unique customers, average basket. "
    "Backs the store-performance API. Grain: date x store.",
    [retail_silver_pos_lines],
)
def retail_gold_store_daily(context: dg.AssetExecutionContext, lake: LakeStorage):
    lines = _day_lines(context, lake)
    gold = metrics.store_daily(lines)
    return publish_gold(
        context, lake, schemas.GOLD_STORE_DAILY, gold,
        [_revenue_check(gold, lines)], {"revenue": str(gold.get_column("revenue").sum()), "receipts": int(gold.get_column("receipts").sum())},
    )


@_gold(
    schemas.GOLD_CATEGORY_REGION_DAILY,
    "Revenue, margin and units by region and product category per day. Grain: date x region x category.",
    [retail_silver_pos_lines, retail_silver_products, retail_silver_stores],
    inputs=True,
)
def retail_gold_category_region_daily(context: dg.AssetExecutionContext, lake: LakeStorage):
    lines = _day_lines(context, lake)
    [products, stores], current = _snapshots(context, lake, schemas.SILVER_PRODUCTS, schemas.SILVER_STORES)
    gold = metrics.category_region_daily(lines, products, stores)
    return publish_gold(
        context, lake, schemas.GOLD_CATEGORY_REGION_DAILY, gold,
        [_revenue_check(gold, lines), current], {"revenue": str(gold.get_column("revenue").sum())},
    )


@_gold(
    schemas.GOLD_CUSTOMER_RFM,
    f"Recency, frequency, monetary value and category diversity of each loyalty customer over the trailing "
    f"{metrics.RFM_WINDOW_DAYS} days ending on the partition day. Grain: as_of_date x customer.",
    [
        dg.AssetDep(
            retail_silver_pos_lines,
            partition_mapping=trailing_days(metrics.RFM_WINDOW_DAYS),
        ),
        retail_silver_products,
    ],
    inputs=True,
)
def retail_gold_customer_rfm(context: dg.AssetExecutionContext, lake: LakeStorage):
    as_of = date.fromisoformat(context.partition_key)
    _day_lines_key(context, lake)  # the window ends on the day: without the day's lines it would be the day before's
    days = [(as_of - timedelta(days=n)).isoformat() for n in range(metrics.RFM_WINDOW_DAYS)]
    keys = [schemas.SILVER_POS_LINES.lake_key(d) for d in days if lake.exists(schemas.SILVER_POS_LINES.lake_key(d))]
    lines = pl.concat([lake.read_parquet(k, columns=LINE_COLUMNS) for k in keys])
    [products], current = _snapshots(context, lake, schemas.SILVER_PRODUCTS)
    gold = metrics.customer_rfm(lines, products, as_of)
    known = lines.filter(pl.col("customer_id").is_not_null())
    return publish_gold(
        context, lake, schemas.GOLD_CUSTOMER_RFM, gold,
        [reconciliation_check(gold.get_column("total_spent").sum(), known.get_column("amount").sum(), "spend"), current],
        {"customers": gold.height, "days_in_window": len(keys)},
    )


RETAIL_GOLD = [retail_gold_store_product_daily, retail_gold_store_daily, retail_gold_category_region_daily, retail_gold_customer_rfm]

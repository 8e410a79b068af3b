"""Retail silver: typed, validated, deduplicated, PII-masked rows; rejects go to quarantine."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import polars as pl

from assets.common.checks import silver_check_specs
from assets.common.datasets import dataset_asset
from assets.common.partitions import DAILY, latest_snapshot_key, reference_snapshot_key
from assets.common.publish import publish_silver
from assets.retail import cleaning, schemas
from assets.retail.bronze import retail_bronze_customers, retail_bronze_pos, retail_bronze_products, retail_bronze_stores
from assets.retail.sources import CUSTOMERS, POS, PRODUCTS, STORES
from resources.lake import LakeStorage
from resources.pii import PiiKey

PRICE_BELOW_COST = "price_below_cost"
REFERENCE_COLUMNS = {"stores": ["store_id"], "products": ["product_id"], "customers": ["customer_id", "loyalty_token"]}


def _silver(dataset, description: str, deps, extra_checks=()):
    return dataset_asset(dataset, description, deps, [*silver_check_specs(dataset.asset_name), *extra_checks], DAILY)


def _bronze(lake: LakeStorage, source, partition: str) -> pl.LazyFrame:
    return lake.scan_parquet(source.bronze_key(partition))


@_silver(
    schemas.SILVER_STORES,
    "Stores, one row per store_id, as of the day's snapshot. Grain: store_id.",
    [retail_bronze_stores],
)
def retail_silver_stores(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    screened = cleaning.screen_stores(_bronze(lake, STORES, partition), date.fromisoformat(partition))
    return publish_silver(context, lake, schemas.SILVER_STORES, screened)


@_silver(
    schemas.SILVER_PRODUCTS,
    "Product catalog, one row per product_id (12-digit UPC-A), as of the day's snapshot. Grain: product_id.",
    [retail_bronze_products],
    extra_checks=[
        dg.AssetCheckSpec(
            PRICE_BELOW_COST,
            asset=schemas.SILVER_PRODUCTS.asset_key,
            description="Warns about products whose list_price is below cost (sold at a loss); they are kept, not rejected.",
        )
    ],
)
def retail_silver_products(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    screened = cleaning.screen_products(_bronze(lake, PRODUCTS, partition), date.fromisoformat(partition))
    below = screened.valid.filter(pl.col("list_price") < pl.col("cost")).collect()
    warning = dg.AssetCheckResult(
        check_name=PRICE_BELOW_COST,
        passed=below.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"products": below.height, "sample": dg.MetadataValue.json(below.get_column("product_id").head(10).to_list())},
    )
    return publish_silver(context, lake, schemas.SILVER_PRODUCTS, screened, extra_checks=(warning,))


@_silver(
    schemas.SILVER_CUSTOMERS,
    "Loyalty customers, one row per customer_id, PII-masked: HMAC tokens for joins, masked e-mail and phone for display. "
    "Names never leave bronze. Grain: customer_id.",
    [retail_bronze_customers],
)
def retail_silver_customers(context: dg.AssetExecutionContext, lake: LakeStorage, pii: PiiKey):
    partition = context.partition_key
    day = date.fromisoformat(partition)
    known = _previous_customer_tokens(lake, day)
    screened = cleaning.screen_customers(_bronze(lake, CUSTOMERS, partition), day, pii.tokenizer(), known)
    return publish_silver(context, lake, schemas.SILVER_CUSTOMERS, screened)


def _previous_customer_tokens(lake: LakeStorage, day: date) -> pl.DataFrame | None:
    key = latest_snapshot_key(lake, schemas.SILVER_CUSTOMERS, (day - timedelta(days=1)).isoformat())
    if key is None:
        return None
    previous_day = key.split("/dt=")[1].split("/")[0]
    if not lake.exists(CUSTOMERS.bronze_key(previous_day)):
        return None
    bronze = lake.read_parquet(CUSTOMERS.bronze_key(previous_day), columns=["customer_id", "loyalty_card", "email", "phone", "_raw_line"])
    silver = lake.read_parquet(key, columns=["customer_id", "loyalty_token", "email_token", "phone_token"])
    return cleaning.known_customer_tokens(bronze, silver)


def load_references(lake: LakeStorage, partition: str) -> tuple[cleaning.RetailReferences, dict[str, str]]:
    """The latest snapshots at or before the day (`reference_snapshot_key`)."""
    used = {}
    frames = {}
    for source, dataset in ((STORES, schemas.SILVER_STORES), (PRODUCTS, schemas.SILVER_PRODUCTS), (CUSTOMERS, schemas.SILVER_CUSTOMERS)):
        key = reference_snapshot_key(lake, source, partition, dataset.prefix, dataset.lake_key, dataset.asset_name)
        used[dataset.name] = key
        frames[dataset.name] = lake.read_parquet(key, columns=REFERENCE_COLUMNS[dataset.name])
    refs = cleaning.RetailReferences(
        store_ids=frames["stores"].get_column("store_id"),
        product_ids=frames["products"].get_column("product_id"),
        customers=frames["customers"].select("customer_id", "loyalty_token"),
    )
    return refs, used


@_silver(
    schemas.SILVER_POS_LINES,
    "POS line items of the day, typed: amount = quantity x price (decimal), customer resolved from the loyalty card "
    "(card itself dropped). Deduplicated on (receipt_id, line_no). Grain: receipt_id, line_no.",
    [retail_bronze_pos, retail_silver_stores, retail_silver_products, retail_silver_customers],
)
def retail_silver_pos_lines(context: dg.AssetExecutionContext, lake: LakeStorage, pii: PiiKey):
    partition = context.partition_key
    refs, used = load_references(lake, partition)
    screened = cleaning.screen_pos_lines(
        _bronze(lake, POS, partition), refs, date.fromisoformat(partition), pii.tokenizer(), datetime.now(UTC)
    )
    return publish_silver(
        context, lake, schemas.SILVER_POS_LINES, screened,
        {"reference_snapshots": dg.MetadataValue.json(used)}, {"revenue": pl.col("amount").sum()},
    )


RETAIL_SILVER = [retail_silver_stores, retail_silver_products, retail_silver_customers, retail_silver_pos_lines]

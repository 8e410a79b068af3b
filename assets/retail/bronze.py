"""Retail bronze: each source's landing files for a day, untouched, as Parquet with lineage."""

from assets.common.bronze import build_bronze_asset
from assets.common.partitions import DAILY
from assets.retail.sources import CUSTOMERS, POS, PRODUCTS, STORES

retail_bronze_pos = build_bronze_asset(
    POS, DAILY, "POS line items of every store for the day, as delivered (text), one row per CSV record, with lineage."
)
retail_bronze_products = build_bronze_asset(
    PRODUCTS, DAILY, "The inventory system's product catalog export for the day, as delivered, one row per JSON line."
)
retail_bronze_customers = build_bronze_asset(
    CUSTOMERS, DAILY, "The loyalty CRM's customer export for the day, as delivered. Contains clear PII: access-restricted."
)
retail_bronze_stores = build_bronze_asset(STORES, DAILY, "The store reference list for the day, as delivered.")

RETAIL_BRONZE = [retail_bronze_pos, retail_bronze_products, retail_bronze_customers, retail_bronze_stores]

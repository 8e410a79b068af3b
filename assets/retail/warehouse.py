"""Retail silver and gold tables in the warehouse's `retail` schema."""

from assets.common.partitions import DAILY, MONTHLY
from assets.common.warehouse_load import build_warehouse_load
from assets.retail import schemas

RETAIL_TABLES = [
    schemas.SILVER_STORES,
    schemas.SILVER_PRODUCTS,
    schemas.SILVER_CUSTOMERS,
    schemas.SILVER_POS_LINES,
    schemas.GOLD_STORE_PRODUCT_DAILY,
    schemas.GOLD_STORE_DAILY,
    schemas.GOLD_CATEGORY_REGION_DAILY,
    schemas.GOLD_CUSTOMER_RFM,
]

MONTHLY_TABLES = [schemas.GOLD_CUSTOMER_SEGMENTS, schemas.GOLD_CUSTOMER_SEGMENT_SUMMARY]

retail_warehouse_load = build_warehouse_load("retail", RETAIL_TABLES, DAILY, [*RETAIL_TABLES, *MONTHLY_TABLES])
retail_monthly_warehouse_load = build_warehouse_load("retail", MONTHLY_TABLES, MONTHLY, [*RETAIL_TABLES, *MONTHLY_TABLES], name="retail_monthly_warehouse_load")

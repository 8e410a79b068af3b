"""Retail silver and gold tables in the warehouse's `retail` schema."""

from assets.common.partitions import DAILY
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

retail_warehouse_load = build_warehouse_load("retail", RETAIL_TABLES, DAILY)

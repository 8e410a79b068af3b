"""Retail automation: the landing sensor, the 02:00 UTC daily schedule and the monthly segmentation on the 1st."""

import dagster as dg

from assets.common.partitions import DAILY, MONTHLY
from assets.common.warehouse_load import warehouse_key
from assets.retail import schemas
from assets.retail.bronze import retail_bronze_customers, retail_bronze_pos, retail_bronze_products, retail_bronze_stores
from assets.retail.gold import RETAIL_GOLD
from assets.retail.segments import RETAIL_SEGMENTS
from assets.retail.silver import retail_silver_customers, retail_silver_pos_lines, retail_silver_products, retail_silver_stores
from assets.retail.sources import CUSTOMERS, POS, PRODUCTS, RETAIL_SOURCES, STORES
from assets.retail.warehouse import MONTHLY_TABLES
from sensors.backstop import build_backstop_schedule
from sensors.landing import build_landing_sensor

RETAIL_GROUPS = ("retail_bronze", "retail_silver", "retail_gold", "retail_warehouse", "retail_marts")
GOLD_TABLES = [schemas.GOLD_STORE_PRODUCT_DAILY, schemas.GOLD_STORE_DAILY, schemas.GOLD_CATEGORY_REGION_DAILY, schemas.GOLD_CUSTOMER_RFM]

retail_landing_sensor = build_landing_sensor(
    "retail_landing_sensor",
    RETAIL_SOURCES,
    {
        STORES.name: [retail_bronze_stores.key, retail_silver_stores.key, warehouse_key(schemas.SILVER_STORES)],
        PRODUCTS.name: [retail_bronze_products.key, retail_silver_products.key, warehouse_key(schemas.SILVER_PRODUCTS)],
        CUSTOMERS.name: [retail_bronze_customers.key, retail_silver_customers.key, warehouse_key(schemas.SILVER_CUSTOMERS)],
        POS.name: [
            retail_bronze_pos.key,
            retail_silver_pos_lines.key,
            *(a.key for a in RETAIL_GOLD),
            *map(warehouse_key, [schemas.SILVER_POS_LINES, *GOLD_TABLES]),
        ],
    },
    DAILY,
    "Watches landing/retail/ for new, late or re-delivered files and runs each (source, day) once: "
    "reference snapshots through silver, POS files through silver and all retail gold, each with its warehouse tables. "
    "The dbt marts follow by automation.",
)

retail_daily_job = dg.define_asset_job(
    "retail_daily",
    selection=dg.AssetSelection.groups(*RETAIL_GROUPS) - dg.AssetSelection.assets(*RETAIL_SEGMENTS, *map(warehouse_key, MONTHLY_TABLES)),
    partitions_def=DAILY,
    description="The daily retail graph (bronze -> silver -> gold -> warehouse tables -> dbt marts) for one day.",
)

retail_monthly_job = dg.define_asset_job(
    "retail_monthly",
    selection=dg.AssetSelection.assets(*RETAIL_SEGMENTS, *map(warehouse_key, MONTHLY_TABLES)),
    partitions_def=MONTHLY,
    description="Customer segments for a month on Spark (K-means over the whole history) and their profile, with their warehouse tables.",
)

retail_daily_schedule = build_backstop_schedule(
    retail_daily_job, RETAIL_SOURCES, hour=2,
    description="At 02:00 UTC, (re)builds yesterday's retail partition end to end once every source has delivered it: a backstop "
    "for anything the landing sensor missed.",
)

retail_monthly_schedule = dg.build_schedule_from_partitioned_job(
    retail_monthly_job, day_of_month=1, hour_of_day=5, minute_of_hour=0, default_status=dg.DefaultScheduleStatus.RUNNING,
    description="On the 1st at 05:00 UTC, segments customers as of the month just ended.",
)

"""Banking silver and gold tables in the warehouse's `banking` schema, apart from `retail`."""

from assets.banking import schemas
from assets.common.partitions import DAILY, DELIVERED_MONTHLY, MONTHLY
from assets.common.warehouse_load import build_warehouse_load

DAILY_TABLES = [
    schemas.SILVER_ACCOUNTS, schemas.SILVER_TRANSACTIONS, schemas.SILVER_CUSTOMERS, schemas.SILVER_LOANS, schemas.SILVER_LOAN_PAYMENTS,
    schemas.SILVER_ECONOMIC_INDICATORS, schemas.GOLD_ACCOUNT_DAILY, schemas.GOLD_FRAUD_ALERTS, schemas.GOLD_DAILY_SUMMARY, schemas.GOLD_LOAN_RISK,
]
DELIVERED_MONTHLY_TABLES = [schemas.SILVER_BUREAU_SCORES]  # a month's delivery, loaded from the month's first day
MONTHLY_TABLES = [schemas.GOLD_CAPITAL_ADEQUACY, schemas.GOLD_MONTHLY_INTEREST]  # computed once the month has ended
ALL_TABLES = [*DAILY_TABLES, *DELIVERED_MONTHLY_TABLES, *MONTHLY_TABLES]

banking_warehouse_load = build_warehouse_load("banking", DAILY_TABLES, DAILY, ALL_TABLES)
banking_bureau_warehouse_load = build_warehouse_load("banking", DELIVERED_MONTHLY_TABLES, DELIVERED_MONTHLY, ALL_TABLES, name="banking_bureau_warehouse_load")
banking_monthly_warehouse_load = build_warehouse_load("banking", MONTHLY_TABLES, MONTHLY, ALL_TABLES, name="banking_monthly_warehouse_load")

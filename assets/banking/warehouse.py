"""Banking silver and gold tables in the warehouse's `banking` schema, apart from `retail`."""

from assets.banking import schemas
from assets.common.partitions import DAILY, MONTHLY
from assets.common.warehouse_load import build_warehouse_load

DAILY_TABLES = [
    schemas.SILVER_ACCOUNTS, schemas.SILVER_TRANSACTIONS, schemas.SILVER_CUSTOMERS, schemas.SILVER_LOANS, schemas.SILVER_LOAN_PAYMENTS,
    schemas.SILVER_ECONOMIC_INDICATORS, schemas.GOLD_ACCOUNT_DAILY, schemas.GOLD_FRAUD_ALERTS, schemas.GOLD_DAILY_SUMMARY, schemas.GOLD_LOAN_RISK,
]
MONTHLY_TABLES = [schemas.SILVER_BUREAU_SCORES, schemas.GOLD_CAPITAL_ADEQUACY, schemas.GOLD_MONTHLY_INTEREST]

banking_warehouse_load = build_warehouse_load("banking", DAILY_TABLES, DAILY, [*DAILY_TABLES, *MONTHLY_TABLES])
banking_monthly_warehouse_load = build_warehouse_load("banking", MONTHLY_TABLES, MONTHLY, [*DAILY_TABLES, *MONTHLY_TABLES], name="banking_monthly_warehouse_load")

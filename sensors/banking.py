"""Banking automation: the landing sensor, the 02:00 UTC daily schedule and the monthly schedule on the 1st."""

import dagster as dg

from assets.banking import schemas
from assets.banking.bronze import (
    banking_bronze_accounts,
    banking_bronze_bureau_scores,
    banking_bronze_customers,
    banking_bronze_economic_indicators,
    banking_bronze_loan_payments,
    banking_bronze_loans,
    banking_bronze_transactions,
)
from assets.banking.gold import (
    banking_gold_account_daily,
    banking_gold_capital_adequacy,
    banking_gold_daily_summary,
    banking_gold_fraud_alerts,
    banking_gold_loan_risk,
)
from assets.banking.interest import banking_gold_monthly_interest
from assets.banking.silver import (
    banking_silver_accounts,
    banking_silver_bureau_scores,
    banking_silver_customers,
    banking_silver_economic_indicators,
    banking_silver_loan_payments,
    banking_silver_loans,
    banking_silver_transactions,
)
from assets.banking.sources import ACCOUNTS, BANKING_SOURCES, BUREAU_SCORES, CUSTOMERS, ECONOMIC_INDICATORS, LOAN_PAYMENTS, LOANS, TRANSACTIONS
from assets.banking.warehouse import DELIVERED_MONTHLY_TABLES, MONTHLY_TABLES
from assets.common.partitions import DAILY, DELIVERED_MONTHLY, MONTHLY
from assets.common.warehouse_load import warehouse_key
from sensors.backstop import build_backstop_schedule
from sensors.landing import build_landing_sensor


def _with_table(*pairs) -> list[dg.AssetKey]:
    """Each (asset, dataset) pair's asset and its warehouse table."""
    return [key for asset, dataset in pairs for key in (asset.key, warehouse_key(dataset))]


banking_landing_sensor = build_landing_sensor(
    "banking_landing_sensor",
    BANKING_SOURCES,
    {
        ACCOUNTS.name: [banking_bronze_accounts.key, *_with_table((banking_silver_accounts, schemas.SILVER_ACCOUNTS))],
        CUSTOMERS.name: [banking_bronze_customers.key, *_with_table((banking_silver_customers, schemas.SILVER_CUSTOMERS))],
        LOANS.name: [
            banking_bronze_loans.key,
            *_with_table((banking_silver_loans, schemas.SILVER_LOANS), (banking_gold_loan_risk, schemas.GOLD_LOAN_RISK)),
        ],
        LOAN_PAYMENTS.name: [banking_bronze_loan_payments.key, *_with_table((banking_silver_loan_payments, schemas.SILVER_LOAN_PAYMENTS))],
        BUREAU_SCORES.name: [banking_bronze_bureau_scores.key, *_with_table((banking_silver_bureau_scores, schemas.SILVER_BUREAU_SCORES))],
        ECONOMIC_INDICATORS.name: [
            banking_bronze_economic_indicators.key,
            *_with_table((banking_silver_economic_indicators, schemas.SILVER_ECONOMIC_INDICATORS)),
        ],
        TRANSACTIONS.name: [
            banking_bronze_transactions.key,
            *_with_table(
                (banking_silver_transactions, schemas.SILVER_TRANSACTIONS),
                (banking_gold_account_daily, schemas.GOLD_ACCOUNT_DAILY),
                (banking_gold_fraud_alerts, schemas.GOLD_FRAUD_ALERTS),
                (banking_gold_daily_summary, schemas.GOLD_DAILY_SUMMARY),
            ),
        ],
    },
    DAILY,
    "Watches landing/banking/ for new, late or re-delivered files and runs each (source, day) once: snapshots through "
    "silver, the loan book through loan_risk, transactions through the ledger, fraud alerts and the daily summary, each "
    "with its warehouse tables. Bureau scores are monthly. The dbt marts follow by automation.",
    partitions_by_source={BUREAU_SCORES.name: DELIVERED_MONTHLY},
)

# A month's bureau scores: partitioned by the month they are delivered for, so in no daily job. The
# landing sensor runs them on arrival; this job re-runs or backfills months of them.
BUREAU_MONTH = dg.AssetSelection.assets(banking_bronze_bureau_scores, banking_silver_bureau_scores, *map(warehouse_key, DELIVERED_MONTHLY_TABLES))
banking_bureau_month_job = dg.define_asset_job(
    "banking_bureau_month",
    selection=BUREAU_MONTH,
    partitions_def=DELIVERED_MONTHLY,
    description="A month's credit bureau scores, delivered on its first day, with their warehouse table. Run it for a month "
    "before the days that read it (loan_risk) when re-running history.",
)

banking_daily_job = dg.define_asset_job(
    "banking_daily",
    selection=(
        dg.AssetSelection.groups("banking_bronze", "banking_silver", "banking_gold", "banking_warehouse", "banking_marts")
        - BUREAU_MONTH
        - dg.AssetSelection.assets(banking_gold_capital_adequacy, banking_gold_monthly_interest, *map(warehouse_key, MONTHLY_TABLES))
    ),
    partitions_def=DAILY,
    description="The daily banking graph (everything but the monthly bureau scores, capital adequacy and interest) for one day.",
)

banking_monthly_job = dg.define_asset_job(
    "banking_monthly",
    selection=dg.AssetSelection.assets(
        banking_gold_capital_adequacy, warehouse_key(schemas.GOLD_CAPITAL_ADEQUACY),
        banking_gold_monthly_interest, warehouse_key(schemas.GOLD_MONTHLY_INTEREST),
    ),
    partitions_def=MONTHLY,
    description="For a month: capital adequacy from the loan book's last reported day, and savings interest on Spark, with their warehouse tables.",
)

banking_daily_schedule = build_backstop_schedule(
    banking_daily_job, tuple(source for source in BANKING_SOURCES if source is not BUREAU_SCORES), hour=2,
    description="At 02:00 UTC, (re)builds yesterday's banking partition end to end once every daily source has delivered it: a "
    "backstop for the landing sensor.",
)

banking_monthly_schedule = dg.build_schedule_from_partitioned_job(
    banking_monthly_job, day_of_month=1, hour_of_day=4, minute_of_hour=0, default_status=dg.DefaultScheduleStatus.RUNNING,
    description="On the 1st at 04:00 UTC, computes capital adequacy and savings interest for the month just ended.",
)

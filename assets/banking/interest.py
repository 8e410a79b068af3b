"""Monthly interest on savings accounts: a Spark job over the month's daily account snapshots."""

from datetime import date

import dagster as dg
import polars as pl

from assets.banking import schemas
from assets.banking.silver import banking_silver_accounts
from assets.common.checks import reconciliation_check
from assets.common.publish import GoldPartition, publish_gold_partitions
from assets.common.spark_jobs import month_days, months_of, read_staged, run_spark_job, spark_asset, staging_prefix
from resources.lake import LakeStorage
from resources.spark import SparkRunner

NEW_BALANCE_ADDS_UP = "new_balance_adds_up"
DATASET = schemas.GOLD_MONTHLY_INTEREST


def _month_plan(lake: LakeStorage, month: date, run_id: str) -> dict:
    days = month_days(month)
    keys = [schemas.SILVER_ACCOUNTS.lake_key(day.isoformat()) for day in days]
    missing = [day.isoformat() for day, key in zip(days, keys, strict=True) if not lake.exists(key)]
    if missing:
        # Interest over a month with holes would be silently wrong; posting it late is better.
        raise dg.Failure(
            f"{month:%Y-%m}: no published accounts snapshot for {len(missing)} day(s) ({', '.join(missing[:5])}{'...' if len(missing) > 5 else ''}). "
            "Materialize banking_silver_accounts for them first.",
            allow_retries=False,
        )
    return {"month": month.isoformat(), "days_in_month": len(days), "accounts": [lake.uri(k) for k in keys], "output": lake.uri(staging_prefix(DATASET, run_id, month))}


def _checked(lake: LakeStorage, month: date, run_id: str) -> GoldPartition:
    gold = read_staged(lake, DATASET, staging_prefix(DATASET, run_id, month))
    month_end = month_days(month)[-1].isoformat()
    book = lake.scan_parquet(schemas.SILVER_ACCOUNTS.lake_key(month_end)).filter(pl.col("account_type") == "savings")
    book_balance = book.select(pl.col("balance").sum()).collect().item()
    adds_up = gold.filter(pl.col("new_balance") != pl.col("closing_balance") + pl.col("interest"))
    checks = [
        reconciliation_check(gold.get_column("closing_balance").sum(), book_balance, "savings_balance"),
        dg.AssetCheckResult(check_name=NEW_BALANCE_ADDS_UP, passed=adds_up.is_empty(), metadata={"rows_not_adding_up": adds_up.height}),
    ]
    headline = {"savings_accounts": gold.height, "interest": str(gold.get_column("interest").sum())}
    return GoldPartition(gold, checks, headline)


@spark_asset(
    DATASET,
    "Interest on every savings account in the month-end snapshot: average daily balance (days before opening count as 0) "
    "x month-end annual rate / 12, rounded half-up to the cent, and the new balance. Runs on Spark (local Spark here, "
    "EMR Serverless in production); a backfill of any number of months is one Spark job. Grain: month x account.",
    [banking_silver_accounts],
    {NEW_BALANCE_ADDS_UP: "Every row's new_balance equals its closing_balance plus interest."},
)
def banking_gold_monthly_interest(context: dg.AssetExecutionContext, lake: LakeStorage, spark: SparkRunner):
    run_id = context.run.run_id
    months = months_of(context)
    report = run_spark_job(context, spark, "monthly_interest", {"months": [_month_plan(lake, m, run_id) for m in months]})
    context.log.info(f"Spark reported {report}")
    return publish_gold_partitions(context, lake, DATASET, {m.isoformat(): _checked(lake, m, run_id) for m in months})

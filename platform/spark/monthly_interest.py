"""Monthly interest on savings accounts (DOMAIN.md §3.3), as one Spark job for any number of months.

Run by Dagster through Pipes: locally on local Spark over the lake directory, in production
on EMR Serverless over S3. It needs only pyspark and dagster-pipes, so it ships as one file.

Extras:
    months: [{"month": "2024-10-01", "days_in_month": 31, "accounts": [uri, ...], "output": uri}, ...]
        `accounts` are the month's daily silver accounts snapshots, the last one being month end.

For each savings account in the month-end snapshot:
    average_daily_balance = Σ end-of-day balances / days in month   (days before opening count as 0)
    interest = round_half_up(max(average_daily_balance, 0) × month-end annual rate / 12, 2)
    new_balance = month-end balance + interest
Decimal arithmetic throughout, rounded once at the end, so the result is exact to the cent.
A savings account earns no negative interest: an overdrawn average earns nothing.
"""

from dagster_pipes import open_dagster_pipes
from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def interest_for_month(spark: SparkSession, accounts_uris: list[str], days_in_month: int, month: str):
    snapshots = spark.read.parquet(*accounts_uris).where(F.col("account_type") == "savings")
    month_end = snapshots.agg(F.max("snapshot_date")).first()[0]
    closing = snapshots.where(F.col("snapshot_date") == F.lit(month_end)).select(
        "account_id", "currency", "interest_rate", F.col("balance").alias("closing_balance")
    )
    totals = snapshots.groupBy("account_id").agg(F.sum("balance").alias("balance_days"), F.count("*").alias("days_held"))
    average = F.col("balance_days") / F.lit(days_in_month)
    accrued = F.greatest(F.col("balance_days"), F.lit(0)) * F.col("interest_rate") / F.lit(12 * days_in_month)
    interest = F.round(accrued, 2).cast("decimal(14,2)")
    return (
        closing.join(totals, "account_id")
        .select(
            F.lit(month).cast("date").alias("month"),
            "account_id",
            "currency",
            F.col("days_held").cast("long").alias("days_held"),
            F.round(average, 2).cast("decimal(14,2)").alias("average_daily_balance"),
            "interest_rate",
            "closing_balance",
            interest.alias("interest"),
            (F.col("closing_balance") + interest).cast("decimal(14,2)").alias("new_balance"),
        )
    )


def main() -> None:
    with open_dagster_pipes() as pipes:
        spark = SparkSession.builder.appName("monthly_interest").config("spark.sql.session.timeZone", "UTC").getOrCreate()
        spark.sparkContext.setLogLevel("WARN")
        report = {}
        for month in pipes.extras["months"]:
            result = interest_for_month(spark, month["accounts"], month["days_in_month"], month["month"])
            result.write.mode("overwrite").parquet(month["output"])
            written = spark.read.parquet(month["output"]).agg(F.count("*"), F.sum("interest")).first()
            report[month["month"]] = {"accounts": written[0], "interest": str(written[1])}
            pipes.log.info(f"monthly_interest {month['month']}: {written[0]} savings accounts, interest {written[1]}")
        pipes.report_custom_message(report)
        spark.stop()


if __name__ == "__main__":
    main()

"""The Spark jobs on real local Spark: customer segments over simulated retail history, as one
Spark job for a two-month range (BackfillPolicy.single_run), checked against polars; and the
EMR Serverless submission parameters. Monthly interest runs in the banking end-to-end test."""

from datetime import date, timedelta

import dagster as dg
import polars as pl
import pytest

from assets.banking.interest import banking_gold_monthly_interest
from assets.retail import schemas
from assets.retail.graph import RETAIL_ASSETS
from assets.retail.segments import RETAIL_SEGMENTS, retail_gold_customer_segments
from resources.spark import emr_serverless_job_params
from sensors.retail import retail_daily_job
from simulator import deliver
from simulator.retail import SCALES, generate_retail_day_with_manifest
from tests.conftest import embedded_resources

DAYS = [date(2024, 9, 29) + timedelta(days=n) for n in range(4)]  # two in September, two in October
MONTHS = ("2024-09-01", "2024-10-01")


@pytest.fixture(scope="module")
def segmented(tmp_path_factory):
    root = tmp_path_factory.mktemp("segments")
    resources = embedded_resources(root)
    instance = dg.DagsterInstance.ephemeral()
    daily = [a for a in RETAIL_ASSETS if a not in RETAIL_SEGMENTS]
    for day in DAYS:
        deliver(resources["lake"], generate_retail_day_with_manifest(day, SCALES["test"], seed=3)[0])
        assert dg.materialize(daily, selection=retail_daily_job.selection, partition_key=day.isoformat(), resources=resources, instance=instance).success
    tags = {"dagster/asset_partition_range_start": MONTHS[0], "dagster/asset_partition_range_end": MONTHS[1]}
    result = dg.materialize(RETAIL_ASSETS, selection=[retail_gold_customer_segments], resources=resources, instance=instance, tags=tags)
    return resources["lake"], result


def expected_rfm(lake, last_day: date) -> pl.DataFrame:
    lines = pl.concat([lake.read_parquet(schemas.SILVER_POS_LINES.lake_key(d.isoformat())) for d in DAYS if d <= last_day])
    known = lines.filter(pl.col("customer_id").is_not_null())
    as_of = known.get_column("transaction_date").max()
    return known.group_by("customer_id").agg(
        (pl.lit(as_of) - pl.col("transaction_date").max()).dt.total_days().alias("recency_days"),
        pl.col("receipt_id").n_unique().cast(pl.Int64).alias("frequency"),
        pl.col("amount").sum().cast(pl.Decimal(14, 2)).alias("monetary"),
    )


def test_a_two_month_range_is_one_spark_run_and_succeeds(segmented):
    _, result = segmented
    assert result.success
    assert retail_gold_customer_segments.backfill_policy == dg.BackfillPolicy.single_run()
    assert banking_gold_monthly_interest.backfill_policy == dg.BackfillPolicy.single_run()
    assert sorted(m.partition for m in result.asset_materializations_for_node("retail_gold_customer_segments")) == list(MONTHS)
    assert all(e.passed for e in result.get_asset_check_evaluations())


@pytest.mark.parametrize("month, last_day", [(MONTHS[0], DAYS[1]), (MONTHS[1], DAYS[-1])])
def test_segments_cover_every_customer_with_the_features_polars_computes(segmented, month, last_day):
    lake, _ = segmented
    gold = lake.read_parquet(schemas.GOLD_CUSTOMER_SEGMENTS.lake_key(month))
    expected = expected_rfm(lake, last_day)
    assert gold.height == expected.height > 50  # segment sizes sum to the customer count
    features = gold.select("customer_id", "recency_days", "frequency", "monetary").sort("customer_id")
    assert features.equals(expected.select(features.columns).sort("customer_id"))
    assert sorted(gold.get_column("segment").unique().to_list()) == [1, 2, 3, 4, 5]
    spend = gold.group_by("segment").agg(pl.col("monetary").cast(pl.Float64).mean()).sort("segment").get_column("monetary").to_list()
    assert spend == sorted(spend, reverse=True)  # segment 1 spends the most


def test_emr_serverless_job_parameters_come_from_configuration():
    params = emr_serverless_job_params(
        "monthly_interest", "s3://lake/_platform/spark/monthly_interest-ab12.py", "app-123", "arn:aws:iam::123456789012:role/emr",
        "/aws/emr-serverless/platform", "s3://lake/_platform/env.tar.gz", "spark.executor.memory=8g spark.executor.cores=4",
    )
    assert params["applicationId"] == "app-123" and params["executionRoleArn"] == "arn:aws:iam::123456789012:role/emr"
    assert params["jobDriver"]["sparkSubmit"]["entryPoint"] == "s3://lake/_platform/spark/monthly_interest-ab12.py"
    submit = params["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"]
    assert "--conf spark.archives=s3://lake/_platform/env.tar.gz#environment" in submit
    assert "--conf spark.executor.memory=8g --conf spark.executor.cores=4" in submit
    assert params["configurationOverrides"]["monitoringConfiguration"]["cloudWatchLoggingConfiguration"] == {
        "enabled": True, "logGroupName": "/aws/emr-serverless/platform"
    }
    bare = emr_serverless_job_params("customer_segments", "s3://x/y.py", "a", "r", "g", None, "")
    assert bare["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"] == "--conf spark.sql.session.timeZone=UTC"


def test_a_month_without_sales_says_which_months_can_be_segmented(resources, lake):
    """README step 4's failure, explained: the demo's sales start after the newest full month."""
    lake.write_parquet(schemas.SILVER_POS_LINES.lake_key("2024-11-03"), pl.DataFrame({"amount": [1]}))
    lake.write_parquet(schemas.SILVER_POS_LINES.lake_key("2024-11-04"), pl.DataFrame({"amount": [1]}))
    result = dg.materialize(RETAIL_ASSETS, selection=[retail_gold_customer_segments.key], partition_key="2024-10-01", resources=resources,
                            raise_on_error=False)
    [failure] = result.get_step_failure_events()
    message = failure.event_specific_data.error.message
    assert "No sales on or before 2024-10-31 to segment 2024-10" in message
    assert "run from 2024-11-03 to 2024-11-04 (2 days)" in message and "(the month of 2024-11 or later)" in message

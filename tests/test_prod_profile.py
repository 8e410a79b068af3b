"""The prod profile, configured only through environment variables, against local servers:
moto's S3 server as the lake and a throwaway PostgreSQL as the warehouse.

One retail and one banking partition are materialized through the prod Definitions, so
the real S3 lake code and the Redshift load path (transaction, DDL, staging table, audit)
run end to end. PLATFORM_WAREHOUSE_ENGINE=postgres swaps only the COPY source (COPY FROM
STDIN for COPY FROM 's3://...'), which tests/test_redshift_warehouse.py covers on its own.
The daily jobs use no Spark; the EMR runner is tested through its submission parameters
(tests/test_spark_jobs.py) because local Spark cannot read S3 (no hadoop-aws jars offline).
"""

import runpy
import uuid
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from dagster_aws.s3 import S3Resource

from assets.banking import schemas as banking
from assets.retail import schemas as retail
from resources.lake import S3Lake
from resources.sql_warehouse import PostgresWarehouse
from simulator import deliver
from simulator.banking import BANKING_SCALES, generate_banking_day_with_manifest
from simulator.retail import SCALES, generate_retail_day_with_manifest

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2024, 10, 1)


@pytest.fixture
def prod_env(moto_endpoint, postgres_server, monkeypatch):
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    connection = postgres_server.create_database(f"prod_{uuid.uuid4().hex[:8]}")
    env = {
        "PLATFORM_ENV": "prod",
        "PLATFORM_LAKE_BUCKET": bucket,
        "PLATFORM_S3_ENDPOINT_URL": moto_endpoint,
        "AWS_REGION": "us-east-1",
        "PLATFORM_PII_KEY": "prod-profile-test-key-0123456789",
        "PLATFORM_WAREHOUSE_ENGINE": "postgres",
        "PLATFORM_REDSHIFT_HOST": connection["host"],
        "PLATFORM_REDSHIFT_PORT": str(connection["port"]),
        "PLATFORM_REDSHIFT_DATABASE": connection["database"],
        "PLATFORM_REDSHIFT_USER": connection["user"],
        "PLATFORM_REDSHIFT_PASSWORD": "not-checked-by-the-test-server",
        "PLATFORM_REDSHIFT_SSLMODE": "disable",
        "PLATFORM_EMR_APPLICATION_ID": "unused-by-daily-jobs",
        "PLATFORM_EMR_EXECUTION_ROLE_ARN": "arn:aws:iam::123456789012:role/unused",
        "PLATFORM_EMR_LOG_GROUP": "/aws/emr-serverless/unused",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    lake = S3Lake(bucket=bucket, s3=S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1"))
    lake.s3.get_client().create_bucket(Bucket=bucket)
    return lake, PostgresWarehouse(**connection)


def test_prod_definitions_run_a_retail_and_a_banking_day_on_s3_and_the_warehouse(prod_env):
    lake, warehouse = prod_env  # the warehouse the prod profile loads, opened here to read it back
    deliver(lake, generate_retail_day_with_manifest(DAY, SCALES["test"], seed=7)[0])
    deliver(lake, generate_banking_day_with_manifest(DAY, BANKING_SCALES["test"], seed=7)[0])
    defs = runpy.run_path(str(ROOT / "platform" / "definitions.py"))["defs"]  # loaded by path, as workspace.yaml does
    assert type(defs.resources["warehouse"]).__name__ == "PostgresWarehouse"
    instance = dg.DagsterInstance.ephemeral()

    # The month's bureau scores, delivered on DAY (a 1st), before the banking day reads them.
    for job in ("retail_daily", "banking_bureau_month", "banking_daily"):
        result = defs.resolve_job_def(job).execute_in_process(partition_key=DAY.isoformat(), instance=instance, raise_on_error=False)
        failed = [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        assert result.success, failed

    for dataset in (retail.SILVER_POS_LINES, retail.GOLD_STORE_DAILY, banking.SILVER_TRANSACTIONS, banking.GOLD_ACCOUNT_DAILY):
        lake_rows = lake.read_parquet(dataset.lake_key(DAY.isoformat())).height
        sql = f"select count(*) from {dataset.domain}.{dataset.warehouse_table} where {dataset.partition_column} = ?"
        assert warehouse.query(sql, (DAY,)).item() == lake_rows > 0, dataset.asset_name
    revenue = lake.read_parquet(retail.GOLD_STORE_DAILY.lake_key(DAY.isoformat())).get_column("revenue").sum()
    assert warehouse.query("select sum(revenue) from retail.gold_store_daily").item() == revenue
    audited = warehouse.query("select count(*) from retail.load_audit where partition_key = ?", (DAY.isoformat(),)).item()
    assert audited == 8  # every retail silver and gold table of the day, one audit row each
    assert lake.exists(retail.SILVER_POS_LINES.lake_key(DAY.isoformat())) and lake.uri("x").startswith("s3://")

"""Landing -> sensor -> runs -> silver, quarantine, gold and warehouse, on simulated days.

The simulator's manifest says exactly which defects went in; the platform must account for
every one of them, reconcile money to the cent and be idempotent on re-runs.
"""

import hashlib
import uuid
from datetime import date
from pathlib import Path

import boto3
import dagster as dg
import polars as pl
import pytest
from dagster_aws.s3 import S3Resource

from assets.common.checks import CONTRACT, ERROR_BUDGET
from assets.retail import schemas
from assets.retail.graph import RETAIL_ASSETS
from resources.lake import S3Lake
from resources.spark import LocalSpark
from sensors.retail import retail_landing_sensor
from simulator import deliver
from simulator.defects import DefectConfig
from simulator.retail import SCALES, generate_retail_day_with_manifest

DAY, PREVIOUS = date(2024, 10, 2), date(2024, 10, 1)
SILVER_AND_GOLD = [
    schemas.SILVER_STORES, schemas.SILVER_PRODUCTS, schemas.SILVER_CUSTOMERS, schemas.SILVER_POS_LINES,
    schemas.GOLD_STORE_PRODUCT_DAILY, schemas.GOLD_STORE_DAILY, schemas.GOLD_CATEGORY_REGION_DAILY, schemas.GOLD_CUSTOMER_RFM,
]


def simulate(lake, day, defects=None):
    files, manifest = generate_retail_day_with_manifest(day, SCALES["test"], seed=11, defects=defects)
    deliver(lake, files)
    return manifest


def sensor_tick(resources, instance, cursor=None):
    defs = dg.Definitions(assets=RETAIL_ASSETS, sensors=[retail_landing_sensor], resources=resources)
    with dg.build_sensor_context(cursor=cursor, resources=resources, instance=instance, definitions=defs) as context:
        result = retail_landing_sensor.evaluate_tick(context)
    return result.run_requests, result.cursor


def execute(requests, resources, instance) -> list[dg.ExecuteInProcessResult]:
    return [
        dg.materialize(RETAIL_ASSETS, selection=r.asset_selection, partition_key=r.partition_key, resources=resources,
                       instance=instance, tags=r.tags, raise_on_error=False)
        for r in requests
    ]


def check_results(results) -> dict[tuple[str, str], bool]:
    return {(e.asset_key.to_user_string(), e.check_name): e.passed for r in results for e in r.get_asset_check_evaluations()}


def lake_digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.parquet"))}


def latest_metadata(instance, asset: str, partition: str) -> dict:
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[partition]), limit=1)
    return {k: v.value for k, v in records.records[0].asset_materialization.metadata.items()}


def test_a_defective_day_flows_to_gold_and_warehouse_and_reruns_identically(resources, lake):
    instance = dg.DagsterInstance.ephemeral()
    simulate(lake, PREVIOUS)
    manifest = simulate(lake, DAY, DefectConfig(row_defect_rate=0.04, bad_files=("bom_crlf", "gzip", "invalid_utf8")))
    expected = manifest["expected_pos_silver"]
    assert all(manifest["row_defects"].values()), "the simulator should inject every row defect at this rate"

    requests, cursor = sensor_tick(resources, instance)
    assert sorted((r.tags["source"], r.partition_key) for r in requests) == sorted(
        (f"retail/{s}", d.isoformat()) for s in ("stores", "products", "customers", "pos") for d in (PREVIOUS, DAY)
    )
    results = execute(requests, resources, instance)
    assert all(r.success for r in results)
    checks = check_results(results)
    assert all(passed for (asset, name), passed in checks.items() if name not in ("quarantine", "price_below_cost"))
    assert checks[("retail_silver_pos_lines", "quarantine")] is False  # a warning: rows were quarantined

    # Conservation and every injected defect accounted for, by reason.
    day = DAY.isoformat()
    meta = latest_metadata(instance, "retail_silver_pos_lines", day)
    assert meta["rows_in"] == expected["bronze_rows"]
    assert meta["rows_valid"] == expected["silver_rows"]
    assert meta["rows_quarantined"] == expected["quarantined_rows"]
    assert meta["rows_duplicate"] == expected["dropped_duplicates"]
    assert meta["conflicting_duplicates"] == expected["conflicting_duplicates"]
    assert meta["rows_in"] == meta["rows_valid"] + meta["rows_quarantined"] + meta["rows_duplicate"]
    quarantine = lake.read_parquet(schemas.SILVER_POS_LINES.quarantine_key(day))
    reasons = quarantine.get_column("_reject_reasons").explode().value_counts()
    assert dict(reasons.iter_rows()) == expected["reject_reasons"]
    injected = {(d["key"], d["line"]) for d in manifest["defect_lines"] if d["defect"] not in ("duplicate", "conflicting_duplicate")}
    assert set(quarantine.select("_source_key", "_source_line").iter_rows()) == injected

    # Money reconciles to the cent, independently of the gold checks.
    silver = lake.read_parquet(schemas.SILVER_POS_LINES.lake_key(day))
    total = silver.get_column("amount").sum()
    for gold in (schemas.GOLD_STORE_DAILY, schemas.GOLD_STORE_PRODUCT_DAILY, schemas.GOLD_CATEGORY_REGION_DAILY):
        assert lake.read_parquet(gold.lake_key(day)).get_column("revenue").sum() == total
    rfm = lake.read_parquet(schemas.GOLD_CUSTOMER_RFM.lake_key(day))
    assert rfm.get_column("total_spent").sum() == (
        pl.concat([lake.read_parquet(schemas.SILVER_POS_LINES.lake_key(d.isoformat())) for d in (PREVIOUS, DAY)])
        .filter(pl.col("customer_id").is_not_null()).get_column("amount").sum()
    )

    # The warehouse holds exactly the lake's rows, with an audit row per load.
    warehouse = resources["warehouse"]

    def warehouse_rows():
        return {d.warehouse_table: warehouse.query(f"select count(*) from retail.{d.warehouse_table} where {d.partition_column} = ?", (DAY,)).item()
                for d in SILVER_AND_GOLD}

    assert warehouse_rows() == {d.warehouse_table: lake.read_parquet(d.lake_key(day)).height for d in SILVER_AND_GOLD}
    audits = warehouse.query("select target_table, row_count from retail.load_audit where partition_key = ?", (day,))
    assert sorted(audits.get_column("target_table").to_list()) == sorted(f"retail.{d.warehouse_table}" for d in SILVER_AND_GOLD)

    # A second run of the same partitions changes nothing but the audit trail.
    before, rows_before = lake_digests(Path(lake.root)), warehouse_rows()
    assert all(r.success for r in execute([r for r in requests if r.partition_key == day], resources, instance))
    assert lake_digests(Path(lake.root)) == before
    assert warehouse_rows() == rows_before
    assert warehouse.query("select count(*) from retail.load_audit where partition_key = ?", (day,)).item() == 2 * len(SILVER_AND_GOLD)

    # Nothing new landed: the next tick requests nothing.
    assert sensor_tick(resources, instance, cursor)[0] == []


def test_over_the_error_budget_gold_is_not_built(resources, lake):
    instance = dg.DagsterInstance.ephemeral()
    simulate(lake, DAY, DefectConfig(row_defect_rate=0.12))
    requests, _ = sensor_tick(resources, instance)
    results = execute(requests, resources, instance)
    pos_run = results[[r.tags["source"] for r in requests].index("retail/pos")]
    assert not pos_run.success
    assert check_results([pos_run])[("retail_silver_pos_lines", ERROR_BUDGET)] is False
    materialized = {e.asset_key.to_user_string() for e in pos_run.get_asset_materialization_events()}
    assert not any(name.startswith("retail_gold") for name in materialized)
    assert not lake.exists(schemas.SILVER_POS_LINES.lake_key(DAY.isoformat()))
    assert lake.read_parquet(schemas.SILVER_POS_LINES.quarantine_key(DAY.isoformat())).height > 0
    # The table exists (a domain's tables are created with its first load), but holds nothing of the day.
    assert resources["warehouse"].query("select count(*) from retail.silver_pos_lines where transaction_date = ?", (DAY,)).item() == 0


@pytest.mark.parametrize("case", ["schema_drift_extra_column", "corrupt_gzip"])
def test_a_bad_file_fails_bronze_naming_the_key_and_writes_nothing(resources, lake, case):
    instance = dg.DagsterInstance.ephemeral()
    manifest = simulate(lake, DAY, DefectConfig(bad_files=(case,)))
    bad_key = manifest["bad_files"][0]["key"]
    requests, _ = sensor_tick(resources, instance)
    pos_request = [r for r in requests if r.tags["source"] == "retail/pos"]
    [result] = execute(pos_request, resources, instance)
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error.message
    assert bad_key in failure
    assert check_results([result])[("retail_bronze_pos", CONTRACT)] is False
    assert not lake.exists(f"bronze/retail/pos/dt={DAY}/data.parquet")


def test_the_s3_path_sensor_lists_landing_and_bronze_reads_and_writes_s3(moto_endpoint, warehouse, pii):
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    lake = S3Lake(bucket=bucket, s3=S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1"))
    resources = {"lake": lake, "warehouse": warehouse, "pii": pii, "spark": LocalSpark()}
    instance = dg.DagsterInstance.ephemeral()
    manifest = simulate(lake, DAY)
    requests, _ = sensor_tick(resources, instance)
    assert len(requests) == 4
    assert all(r.success for r in execute(requests, resources, instance))
    day = DAY.isoformat()
    bronze = lake.read_parquet(f"bronze/retail/pos/dt={day}/data.parquet")
    assert bronze.height == manifest["expected_pos_silver"]["bronze_rows"]
    assert bronze.get_column("_source_key").str.starts_with("landing/retail/pos/").all()
    assert lake.read_parquet(schemas.GOLD_STORE_DAILY.lake_key(day)).get_column("revenue").sum() == (
        lake.read_parquet(schemas.SILVER_POS_LINES.lake_key(day)).get_column("amount").sum()
    )

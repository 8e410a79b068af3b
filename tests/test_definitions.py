"""The code location as Dagster loads it: by file path, in each environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

ROOT = Path(__file__).resolve().parents[1]

LOAD = """
import json, runpy
defs = runpy.run_path("platform/definitions.py")["defs"]  # by file path, as workspace.yaml loads it
graph = defs.resolve_asset_graph()
repo = defs.get_repository_def()
print(json.dumps({
    "assets": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
    "checks": sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys),
    "jobs": sorted(j.name for j in repo.get_all_jobs() if not j.name.startswith("__")),
    "schedules": sorted(s.name for s in repo.schedule_defs),
    "sensors": sorted(s.name for s in repo.sensor_defs),
    **{name: type(defs.resources[name]).__name__ for name in ("lake", "warehouse", "spark")},
    "stdlib_platform": __import__("platform").__file__,
}))
"""


def load(env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", LOAD], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_platform_folder_never_shadows_the_standard_library(tmp_path):
    assert not (ROOT / "platform" / "__init__.py").exists()
    loaded = load({"PLATFORM_ENV": "local", "PLATFORM_LOCAL_DIR": str(tmp_path)})
    assert "/platform/" not in loaded["stdlib_platform"].replace(str(ROOT), "")
    assert not loaded["stdlib_platform"].startswith(str(ROOT))


def test_local_definitions_hold_the_whole_retail_graph_and_the_simulator(tmp_path):
    loaded = load({"PLATFORM_ENV": "local", "PLATFORM_LOCAL_DIR": str(tmp_path), "PLATFORM_PII_KEY": ""})
    assert loaded["lake"] == "LocalLake"
    assert {
        "retail_bronze_pos", "retail_silver_pos_lines", "retail_gold_store_product_daily", "retail_gold_customer_rfm",
        "warehouse/retail/silver_pos_lines", "warehouse/retail/gold_customer_rfm",
    } <= set(loaded["assets"])
    assert {"banking_silver_transactions", "banking_gold_fraud_alerts", "banking_gold_capital_adequacy", "warehouse/banking/gold_account_daily"} <= set(loaded["assets"])
    assert {"retail_gold_customer_segments", "banking_gold_monthly_interest", "warehouse/banking/gold_monthly_interest"} <= set(loaded["assets"])
    assert {"marts/retail/fact_sales", "marts/retail/dim_customer", "marts/banking/mart_regulatory_capital"} <= set(loaded["assets"])
    assert len(loaded["assets"]) == 69
    assert {"retail_bronze_pos:contract", "retail_silver_pos_lines:error_budget", "retail_silver_pos_lines:schema",
            "retail_gold_store_daily:reconciles_to_silver", "retail_gold_store_product_daily:ranks_dense"} <= set(loaded["checks"])
    assert loaded["jobs"] == [
        "banking_bureau_month", "banking_daily", "banking_monthly", "retail_daily", "retail_monthly", "simulate_source_delivery", "warehouse_maintenance",
    ]
    assert loaded["schedules"] == [
        "banking_daily_schedule", "banking_monthly_schedule", "retail_daily_schedule", "retail_monthly_schedule", "simulated_delivery_schedule",
        "warehouse_maintenance_schedule",
    ]
    assert loaded["sensors"] == ["alert_sensor", "banking_landing_sensor", "marts_automation_sensor", "retail_landing_sensor"]
    assert (tmp_path / "pii.key").stat().st_mode & 0o077 == 0  # the generated key is owner-only


def test_prod_definitions_use_s3_redshift_and_emr_and_have_no_simulator():
    loaded = load({"PLATFORM_ENV": "prod", "PLATFORM_LAKE_BUCKET": "lake", "PLATFORM_PII_KEY": "k" * 32})
    assert (loaded["lake"], loaded["warehouse"], loaded["spark"]) == ("S3Lake", "RedshiftWarehouse", "EmrServerlessSpark")
    assert "simulate_source_delivery" not in loaded["jobs"]
    assert loaded["schedules"] == [
        "banking_daily_schedule", "banking_monthly_schedule", "retail_daily_schedule", "retail_monthly_schedule", "warehouse_maintenance_schedule"
    ]


def test_an_unknown_environment_is_a_clear_error():
    out = subprocess.run([sys.executable, "-c", LOAD], cwd=ROOT, env={**os.environ, "PLATFORM_ENV": "staging"}, capture_output=True, text=True)
    assert out.returncode != 0
    assert "PLATFORM_ENV must be one of local, prod, not 'staging'" in out.stderr


def test_every_asset_has_a_description_group_and_owner():
    from assets.banking.graph import BANKING_ASSETS
    from assets.retail.graph import RETAIL_ASSETS

    for assets_def in [*RETAIL_ASSETS, *BANKING_ASSETS]:
        for spec in assets_def.specs:
            assert spec.description and spec.group_name and spec.owners, spec.key
    placeholders = {name: dg.ResourceDefinition.none_resource() for name in ("lake", "warehouse", "pii", "spark")}
    graph = dg.Definitions(assets=[*RETAIL_ASSETS, *BANKING_ASSETS], resources=placeholders).resolve_asset_graph()
    assert len(list(graph.get_all_asset_keys())) == 69


def test_steps_on_external_systems_retry_and_data_steps_do_not():
    from assets.banking.graph import BANKING_ASSETS
    from assets.common.retries import EXTERNAL_SYSTEM_RETRY
    from assets.retail.graph import RETAIL_ASSETS

    retrying = {a.node_def.name for a in [*RETAIL_ASSETS, *BANKING_ASSETS] if a.op.retry_policy == EXTERNAL_SYSTEM_RETRY}
    assert retrying == {
        "retail_warehouse_load", "retail_monthly_warehouse_load", "banking_warehouse_load", "banking_bureau_warehouse_load", "banking_monthly_warehouse_load",
        "retail_gold_customer_segments", "banking_gold_monthly_interest",
    }
    pools = {a.node_def.name: a.op.pool for a in [*RETAIL_ASSETS, *BANKING_ASSETS] if a.op.pool}
    assert set(pools.values()) == {"warehouse"}  # loads and dbt share one pool: never two at once on a table
    assert {"retail_warehouse_load", "banking_warehouse_load", "retail_marts", "banking_marts"} <= set(pools)

"""The platform as a user meets it: a real dagster-webserver and daemon for the local profile,
driven through the GraphQL API. It lists the asset graph, checks, sensors and schedules,
launches a backfill of three retail days and waits for it to succeed.

The sensors and schedules are stopped through the API before the daemon starts, so the
simulated delivery and the landing sensor do not queue runs ahead of the backfill.
"""

from datetime import date, timedelta

import pytest

from resources.lake import LocalLake
from simulator import deliver
from simulator.retail import SCALES, generate_retail_day_with_manifest
from tests.live_platform import REPOSITORY, Platform

DAYS = [(date(2024, 10, 1) + timedelta(days=n)).isoformat() for n in range(3)]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("platform")
    lake = LocalLake(root=str(root / "lake"))
    for day in DAYS:
        deliver(lake, generate_retail_day_with_manifest(date.fromisoformat(day), SCALES["test"], seed=9)[0])
    platform = Platform(root)
    platform.start("dagster-webserver", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(platform.port))
    try:
        platform.wait_until_loaded()
        yield platform
    finally:
        platform.stop()


REPOSITORY_QUERY = """
query ($repository: RepositorySelector!) {
  repositoryOrError(repositorySelector: $repository) {
    ... on Repository {
      assetNodes { assetKey { path } groupName assetChecksOrError { ... on AssetChecks { checks { name blocking description } } } }
      sensors { name description sensorState { id status } }
      schedules { name description scheduleState { id status } }
    }
  }
}
"""


def test_the_api_lists_the_graph_its_checks_sensors_and_schedules(platform):
    repository = platform.graphql(REPOSITORY_QUERY, {"repository": REPOSITORY})["repositoryOrError"]
    assets = {"/".join(node["assetKey"]["path"]): node for node in repository["assetNodes"]}
    assert {"retail_silver_pos_lines", "warehouse/retail/silver_pos_lines", "marts/retail/fact_sales", "banking_gold_monthly_interest"} <= set(assets)
    checks = {c["name"]: c for c in assets["retail_silver_pos_lines"]["assetChecksOrError"]["checks"]}
    assert checks["error_budget"]["blocking"] and checks["error_budget"]["description"]
    assert {"fact_sales_has_one_row_per_receipt_line"} <= {c["name"] for c in assets["marts/retail/fact_sales"]["assetChecksOrError"]["checks"]}
    assert {s["name"] for s in repository["sensors"]} == {"alert_sensor", "banking_landing_sensor", "marts_automation_sensor", "retail_landing_sensor"}
    assert "simulated_delivery_schedule" in {s["name"] for s in repository["schedules"]}
    assert all(s["description"] for s in [*repository["sensors"], *repository["schedules"]])


def test_a_backfill_of_three_retail_days_succeeds(platform):
    platform.stop_automation()
    platform.start("dagster-daemon", "run", "-w", "workspace.yaml")
    backfill_id = platform.launch_backfill("retail_daily_partition_set", DAYS)
    status = platform.wait_for_backfill(backfill_id, timeout=600)
    runs = platform.backfill_runs(backfill_id)
    assert {run["partition"]: run["status"] for run in runs} == {day: "SUCCESS" for day in DAYS}
    assert status in ("COMPLETED", "COMPLETED_SUCCESS")

"""The platform as a user meets it: a real dagster-webserver and daemon for the local profile,
driven through the GraphQL API. It lists the asset graph, checks, sensors and schedules,
launches a backfill of three retail days and waits for it to succeed.

The sensors and schedules are stopped through the API before the daemon starts, so the
simulated delivery and the landing sensor do not queue runs ahead of the backfill.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from resources.lake import LocalLake
from simulator import deliver
from simulator.retail import SCALES, generate_retail_day_with_manifest
from tests.postgres_server import free_port

ROOT = Path(__file__).resolve().parents[1]
DAYS = [(date(2024, 10, 1) + timedelta(days=n)).isoformat() for n in range(3)]
REPOSITORY = {"repositoryName": "__repository__", "repositoryLocationName": "data_platform"}


class Platform:
    def __init__(self, root: Path):
        self.port = free_port()
        self.env = {**os.environ, "PLATFORM_ENV": "local", "PLATFORM_LOCAL_DIR": str(root), "DAGSTER_HOME": str(root / "dagster")}
        (root / "dagster").mkdir(parents=True)
        shutil.copy(ROOT / "platform" / "dagster.yaml", root / "dagster" / "dagster.yaml")
        self.processes: list[subprocess.Popen] = []
        self.logs = root / "logs"
        self.logs.mkdir()

    def start(self, *command: str) -> None:
        log = open(self.logs / f"{command[0]}.log", "w")
        self.processes.append(subprocess.Popen(
            [str(Path(sys.executable).parent / command[0]), *command[1:]], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops the code servers it started too
        ))

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.loads(response.read())
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_until_loaded(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                entries = self.graphql("{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError { __typename } } } } }")
                if entries["workspaceOrError"]["locationEntries"][0]["locationOrLoadError"]["__typename"] == "RepositoryLocation":
                    return
            except OSError:
                pass
            time.sleep(1)
        raise TimeoutError(f"the webserver did not load the code location; see {self.logs}")

    def stop(self) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


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
    assert {"unique_fact_sales_sales_key"} <= {c["name"] for c in assets["marts/retail/fact_sales"]["assetChecksOrError"]["checks"]}
    assert {s["name"] for s in repository["sensors"]} == {"alert_sensor", "banking_landing_sensor", "marts_automation_sensor", "retail_landing_sensor"}
    assert "simulated_delivery_schedule" in {s["name"] for s in repository["schedules"]}
    assert all(s["description"] for s in [*repository["sensors"], *repository["schedules"]])


def test_a_backfill_of_three_retail_days_succeeds(platform):
    repository = platform.graphql(REPOSITORY_QUERY, {"repository": REPOSITORY})["repositoryOrError"]
    for sensor in repository["sensors"]:
        platform.graphql("mutation ($id: String!) { stopSensor(id: $id) { __typename } }", {"id": sensor["sensorState"]["id"]})
    for schedule in repository["schedules"]:
        platform.graphql("mutation ($id: String!) { stopRunningSchedule(id: $id) { __typename } }", {"id": schedule["scheduleState"]["id"]})
    platform.start("dagster-daemon", "run", "-w", "workspace.yaml")

    launched = platform.graphql(
        """mutation ($params: LaunchBackfillParams!) {
             launchPartitionBackfill(backfillParams: $params) { __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } }
           }""",
        {"params": {"selector": {"partitionSetName": "retail_daily_partition_set", "repositorySelector": REPOSITORY}, "partitionNames": DAYS}},
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]

    deadline, statuses, backfill = time.monotonic() + 600, {}, "REQUESTED"
    while time.monotonic() < deadline and backfill == "REQUESTED":  # the daemon closes the backfill once its runs have ended
        time.sleep(3)
        backfill = platform.graphql(
            "query ($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } } }", {"id": backfill_id}
        )["partitionBackfillOrError"]["status"]
    runs = platform.graphql(
        """query ($id: String!) { runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
             ... on Runs { results { status tags { key value } } } } }""",
        {"id": backfill_id},
    )["runsOrError"]["results"]
    statuses = {next(t["value"] for t in r["tags"] if t["key"] == "dagster/partition"): r["status"] for r in runs}
    assert statuses == {day: "SUCCESS" for day in DAYS}
    assert backfill in ("COMPLETED", "COMPLETED_SUCCESS")

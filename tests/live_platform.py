"""The platform as a user runs it: a real dagster-webserver (and daemon) for the local profile in
a directory of its own, driven through the GraphQL API. Used by tests/test_webserver.py and
bench/backfill.py."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.postgres_server import free_port

ROOT = Path(__file__).resolve().parents[1]
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

    def stop_automation(self) -> None:
        """Stops every sensor and schedule, so only what the caller launches runs."""
        states = self.graphql(
            "query ($r: RepositorySelector!) { repositoryOrError(repositorySelector: $r) { ... on Repository {"
            " sensors { sensorState { id } } schedules { scheduleState { id } } } } }",
            {"r": REPOSITORY},
        )["repositoryOrError"]
        for sensor in states["sensors"]:
            self.graphql("mutation ($id: String!) { stopSensor(id: $id) { __typename } }", {"id": sensor["sensorState"]["id"]})
        for schedule in states["schedules"]:
            self.graphql("mutation ($id: String!) { stopRunningSchedule(id: $id) { __typename } }", {"id": schedule["scheduleState"]["id"]})

    def launch_backfill(self, partition_set: str, partitions: list[str]) -> str:
        launched = self.graphql(
            """mutation ($params: LaunchBackfillParams!) {
                 launchPartitionBackfill(backfillParams: $params) { __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } }
               }""",
            {"params": {"selector": {"partitionSetName": partition_set, "repositorySelector": REPOSITORY}, "partitionNames": partitions}},
        )["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        return launched["backfillId"]

    def wait_for_backfill(self, backfill_id: str, timeout: float) -> str:
        """The backfill's final status; the daemon closes a backfill once its runs have ended."""
        deadline, status = time.monotonic() + timeout, "REQUESTED"
        while time.monotonic() < deadline and status == "REQUESTED":
            time.sleep(1)
            status = self.graphql(
                "query ($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } } }", {"id": backfill_id}
            )["partitionBackfillOrError"]["status"]
        return status

    def backfill_runs(self, backfill_id: str) -> list[dict]:
        """Each run of the backfill: partition, status, creation/start/end times and step timings."""
        runs = self.graphql(
            """query ($id: String!) { runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
                 ... on Runs { results { status creationTime startTime endTime tags { key value } stepStats { stepKey startTime endTime } } } } }""",
            {"id": backfill_id},
        )["runsOrError"]["results"]
        return [{**run, "partition": next(t["value"] for t in run["tags"] if t["key"] == "dagster/partition")} for run in runs]

    def stop(self) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

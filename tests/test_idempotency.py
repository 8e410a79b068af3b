"""Re-materializing a partition changes nothing: the same bytes in the lake, the same rows in the
warehouse, no duplicates, and nothing in a data file that depends on the run.

For each graph, two simulated days at the simulator's smallest scale ("test") are processed the
way production processes them: the landing sensor's run requests, in order, plus (banking) the
monthly job's capital adequacy. That is snapshot `first`. Then every partition is re-materialized
through the daily graph (and, for banking, the month's non-Spark assets) twice: `second` in day
order, `third` in reverse day order, so that the result cannot depend on the order of re-runs
either. Each snapshot hashes every file under bronze/, silver/, quarantine/ and gold/ and reads
every warehouse table (load_audit apart: it records each load's run and time by design).

Retail loads the embedded warehouse (DuckDB); banking loads PostgreSQL through the Redshift load
path, so both warehouse backends are covered.

Excluded, because they run Spark and take far longer than the rest together: retail's
`customer_segments` and `customer_segment_summary` and banking's `monthly_interest` (with
their warehouse tables), and the dbt marts (they are built from the warehouse tables compared here).
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pyarrow.parquet as pq
import pytest

from assets.banking import schemas as banking_schemas
from assets.banking.gold import banking_gold_capital_adequacy
from assets.banking.graph import BANKING_ASSETS
from assets.banking.warehouse import DAILY_TABLES as BANKING_DAILY_TABLES
from assets.common.datasets import Dataset
from assets.common.warehouse_load import warehouse_key
from assets.retail.graph import RETAIL_ASSETS
from assets.retail.warehouse import RETAIL_TABLES
from resources.sql_warehouse import PostgresWarehouse
from sensors.banking import BUREAU_MONTH, banking_daily_job, banking_landing_sensor
from sensors.retail import retail_daily_job, retail_landing_sensor
from simulator import deliver
from simulator.banking import BANKING_SCALES, generate_banking_day_with_manifest
from simulator.retail import SCALES, generate_retail_day_with_manifest
from tests.conftest import embedded_resources

DAYS = (date(2024, 10, 1), date(2024, 10, 2))
MONTH = "2024-10-01"
ZONES = ("bronze", "silver", "quarantine", "gold")
BANKING_MONTHLY = dg.AssetSelection.assets(banking_gold_capital_adequacy, warehouse_key(banking_schemas.GOLD_CAPITAL_ADEQUACY))


@dataclass(frozen=True)
class Graph:
    domain: str
    assets: list
    sensor: dg.SensorDefinition
    daily: dg.AssetSelection  # the daily job's lake and warehouse assets, without the dbt marts
    delivered_monthly: dg.AssetSelection | None  # a month's delivery (bureau scores): built before the days that read it
    monthly: dg.AssetSelection | None  # built from the month's days
    tables: list[Dataset]

    def simulate(self, day: date) -> dict[str, bytes]:
        if self.domain == "retail":
            return generate_retail_day_with_manifest(day, SCALES["test"], seed=11)[0]
        return generate_banking_day_with_manifest(day, BANKING_SCALES["test"], seed=5)[0]


GRAPHS = {
    "retail": Graph("retail", RETAIL_ASSETS, retail_landing_sensor, retail_daily_job.selection - dg.AssetSelection.groups("retail_marts"), None, None,
                    RETAIL_TABLES),
    "banking": Graph("banking", BANKING_ASSETS, banking_landing_sensor, banking_daily_job.selection - dg.AssetSelection.groups("banking_marts"),
                     BUREAU_MONTH, BANKING_MONTHLY,
                     [*BANKING_DAILY_TABLES, banking_schemas.SILVER_BUREAU_SCORES, banking_schemas.GOLD_CAPITAL_ADEQUACY]),
}


@dataclass(frozen=True)
class Snapshot:
    lake: dict[str, str]  # key -> SHA-256 of the file, every file under the zones
    warehouse: dict[str, list[tuple]]  # table -> its rows, sorted
    run_ids: frozenset[str]  # the runs that produced this snapshot


@dataclass
class World:
    graph: Graph
    resources: dict
    instance: dg.DagsterInstance
    runs_started_after: datetime  # every landing file was delivered before this
    first: Snapshot
    second: Snapshot
    third: Snapshot

    @property
    def lake_root(self) -> Path:
        return Path(self.resources["lake"].root)

    @property
    def all_run_ids(self) -> set[str]:
        return {r.run_id for r in self.instance.get_runs()}


def lake_files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for zone in ZONES
        for path in sorted((root / zone).rglob("*"))
        if path.is_file()
    }


def warehouse_tables(warehouse, domain: str) -> dict[str, list[tuple]]:
    names = warehouse.query("SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", (domain,)).get_column("table_name")
    tables = {}
    for name in names.to_list():
        if name == "load_audit":
            continue
        frame = warehouse.query(f'SELECT * FROM "{domain}"."{name}"')
        tables[name] = frame.sort(frame.columns, nulls_last=True).rows() if frame.height else []
    return tables


def snapshot(resources: dict, domain: str, results: list[dg.ExecuteInProcessResult]) -> Snapshot:
    failed = [(r.dagster_run.tags.get("source"), r.dagster_run.tags.get("dagster/partition")) for r in results if not r.success]
    assert failed == [], f"runs failed: {failed}"
    return Snapshot(lake_files(Path(resources["lake"].root)), warehouse_tables(resources["warehouse"], domain), frozenset(r.run_id for r in results))


def first_materialization(graph: Graph, resources: dict, instance: dg.DagsterInstance) -> list[dg.ExecuteInProcessResult]:
    """As production does it: the landing sensor's requests, run in order, then the monthly schedule's job."""
    defs = dg.Definitions(assets=graph.assets, sensors=[graph.sensor], resources=resources)
    with dg.build_sensor_context(resources=resources, instance=instance, definitions=defs) as context:
        requests = graph.sensor.evaluate_tick(context).run_requests
    results = [
        dg.materialize(graph.assets, selection=r.asset_selection, partition_key=r.partition_key, resources=resources, instance=instance,
                       tags=r.tags, raise_on_error=False)
        for r in requests
    ]
    if graph.monthly is not None:
        results.append(rematerialize(graph, graph.monthly, MONTH, resources, instance))
    return results


def rematerialize(graph: Graph, selection: dg.AssetSelection, partition: str, resources: dict, instance) -> dg.ExecuteInProcessResult:
    return dg.materialize(graph.assets, selection=selection, partition_key=partition, resources=resources, instance=instance, raise_on_error=False)


def every_partition(graph: Graph, resources: dict, instance, days) -> list[dg.ExecuteInProcessResult]:
    results = [rematerialize(graph, graph.delivered_monthly, MONTH, resources, instance)] if graph.delivered_monthly is not None else []
    results += [rematerialize(graph, graph.daily, day.isoformat(), resources, instance) for day in days]
    if graph.monthly is not None:
        results.append(rematerialize(graph, graph.monthly, MONTH, resources, instance))
    return results


@pytest.fixture(scope="module", params=sorted(GRAPHS))
def world(request, tmp_path_factory) -> World:
    graph = GRAPHS[request.param]
    root = tmp_path_factory.mktemp(graph.domain)
    warehouse = None
    if graph.domain == "banking":
        server = request.getfixturevalue("postgres_server")
        warehouse = PostgresWarehouse(**server.create_database(f"idempotency_{uuid.uuid4().hex[:8]}"), backoff_seconds=0.05)
    resources = embedded_resources(root, warehouse)
    for day in DAYS:
        deliver(resources["lake"], graph.simulate(day))
    runs_started_after = datetime.now(UTC)
    instance = dg.DagsterInstance.ephemeral()
    first = snapshot(resources, graph.domain, first_materialization(graph, resources, instance))
    second = snapshot(resources, graph.domain, every_partition(graph, resources, instance, DAYS))
    third = snapshot(resources, graph.domain, every_partition(graph, resources, instance, reversed(DAYS)))
    return World(graph, resources, instance, runs_started_after, first, second, third)


def differences(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def test_every_zone_of_every_partition_is_covered(world):
    files = world.third.lake
    for zone in ZONES:
        for day in DAYS:
            assert any(k.startswith(f"{zone}/{world.graph.domain}/") and f"/dt={day.isoformat()}/" in k for k in files), (zone, day)
    tables = world.third.warehouse
    assert all(tables[d.warehouse_table] for d in world.graph.tables), [d.warehouse_table for d in world.graph.tables if not tables[d.warehouse_table]]


def test_rematerializing_every_partition_again_rewrites_byte_identical_lake_files(world):
    """Identical bytes mean identical rows in an identical order and identical Parquet metadata; the
    third pass ran the days in reverse order, so neither depends on the order of re-runs."""
    assert differences(world.second.lake, world.third.lake) == []


def test_rematerializing_every_partition_again_leaves_identical_warehouse_rows(world):
    assert differences(world.second.warehouse, world.third.warehouse) == []


def test_the_partitions_production_built_are_what_a_rematerialization_builds(world):
    """The sensor's runs (one per source and day, in its order) must leave each partition as the
    daily graph rebuilds it: otherwise the first re-run, e.g. the 02:00 backstop, changes data
    that analysts have already read."""
    changed = {"lake files": differences(world.first.lake, world.second.lake), "warehouse tables": differences(world.first.warehouse, world.second.warehouse)}
    assert changed == {"lake files": [], "warehouse tables": []}


def test_the_warehouse_holds_each_partition_once(world):
    warehouse, domain = world.resources["warehouse"], world.graph.domain
    for dataset in world.graph.tables:
        rows = world.third.warehouse[dataset.warehouse_table]
        assert len(rows) == len(set(rows)), f"{dataset.warehouse_table} has duplicate rows"
        frame = warehouse.query(f'SELECT * FROM "{domain}"."{dataset.warehouse_table}"')
        key = [dataset.partition_column, *dict.fromkeys(c for c in dataset.grain if c != dataset.partition_column)]
        assert frame.select(key).is_duplicated().sum() == 0, f"{dataset.warehouse_table}: grain {key} is not unique"
        for partition in frame.get_column(dataset.partition_column).unique().to_list():
            lake_rows = world.resources["lake"].read_parquet(dataset.lake_key(partition.isoformat())).height
            assert frame.filter(pl.col(dataset.partition_column) == partition).height == lake_rows, (dataset.warehouse_table, partition)


def test_every_reload_replaced_its_partition_with_the_same_checksum(world):
    """Each re-run appends one audit row per table and partition, with the lake file's checksum and
    row count, and replaced exactly the rows it found: the rows of the previous load."""
    warehouse, domain = world.resources["warehouse"], world.graph.domain
    audit = warehouse.query(f'SELECT target_table, partition_key, row_count, replaced_rows, checksum, run_id FROM "{domain}".load_audit')
    reloads = audit.filter(pl.col("run_id").is_in(list(world.second.run_ids | world.third.run_ids)))
    for (table, partition), loads in reloads.group_by("target_table", "partition_key", maintain_order=True):
        dataset = next(d for d in world.graph.tables if f"{domain}.{d.warehouse_table}" == table)
        assert loads.height == 2, (table, partition)
        assert set(loads.get_column("checksum")) == {world.third.lake[dataset.lake_key(partition)]}, (table, partition)
        assert loads.filter(pl.col("row_count") != pl.col("replaced_rows")).is_empty(), (table, partition)
    assert set(reloads.get_column("target_table")) == {f"{domain}.{d.warehouse_table}" for d in world.graph.tables}


_TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def test_data_files_embed_no_run_ids_or_run_timestamps(world):
    """No Parquet file carries anything a run makes up: not a run id, not the wall clock. Every
    simulated value and every delivery time (`_ingested_at` is when the landing file arrived)
    precedes the first run; a timestamp at or after it can only be a run's."""
    run_ids = world.all_run_ids
    assert len(run_ids) > 10
    started = world.runs_started_after
    today = started.date()
    for key in world.third.lake:
        path = world.lake_root / key
        metadata = pq.read_metadata(path)
        blobs = [k + b"=" + v for k, v in (metadata.metadata or {}).items()]
        blobs += [base64.b64decode(v) for k, v in (metadata.metadata or {}).items() if k == b"ARROW:schema"]
        for blob in blobs:
            assert not any(run_id.encode() in blob for run_id in run_ids), f"{key}: a run id in the file metadata"
            assert today.isoformat().encode() not in blob and not _TIMESTAMP.search(blob), f"{key}: a timestamp in the file metadata"
        frame = pl.read_parquet(path)
        for name in frame.columns:
            assert not re.search(r"run_?id|materiali[sz]ed|loaded_at|processed_at|written_at", name), f"{key}: column {name}"
        for name, dtype in frame.schema.items():
            column = frame.get_column(name).drop_nulls()
            if column.is_empty():
                continue
            if isinstance(dtype, pl.Datetime):
                latest = column.max()
                assert latest < (started if latest.tzinfo else started.replace(tzinfo=None)), f"{key}: {name} holds {latest}, after the runs started"
            elif dtype == pl.String:
                assert not column.str.contains_any(sorted(run_ids)).any(), f"{key}: {name} holds a run id"

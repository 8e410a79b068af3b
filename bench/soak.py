"""Soak: many simulated days of both domains, with defects, through the real sensors and
schedules of the embedded default; then every invariant checked and a one-screen report.

    uv run python bench/soak.py                       # 60 days from 2024-09-01, test scale
    uv run python bench/soak.py --days 20 --keep /tmp/soak

Each simulated day D:
  1. the simulator delivers D's files for both domains into the local lake, with the day's
     defects from `CALENDAR` (row defects every day; bad files, an over-budget day, late fixes and
     byte-identical re-deliveries on some days);
  2. the landing sensors tick until they request nothing more, and each request runs in
     process, in request order, on a real DagsterInstance in a temporary DAGSTER_HOME (the run
     queue admits one run at a time locally, so sequential execution is what the daemon does);
  3. the clock moves to D+1: the daily schedules tick at 02:00 (their backstop runs, the whole
     daily graph again, execute every `--backstop-every` days), the monthly ones on the 1st (Spark);
     every `--marts-every` days the marts' automation conditions (marts_automation_sensor) are
     evaluated and what they request runs, grouped as the daemon groups single-run backfills;
     the alert sensor ticks at 07:00, after both freshness deadlines, on the simulated clock.

Afterwards the invariants are checked from the lake, the warehouse and the instance alone:
conservation per silver partition, reconciliation to the cent per day (and ledger breaks exactly
the injected ones), idempotent re-runs of a sample of days (file hashes and warehouse rows),
unique keys in silver, gold and the warehouse, the warehouse holding exactly the lake's rows,
every failed run expected (every expected failure observed) and alerted, every page explained.
Exit status 1 if any invariant fails. At test scale, 60 days take about 15 minutes on two cores.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import re
import runpy
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}  # the event log keeps everything; the console only errors
START = date(2024, 9, 1)  # a month's first day: the monthly jobs of the first month boundary see a whole month
RETAIL_ROW_DEFECTS = 0.006  # the local demo's rates: every rejection rule shows up daily, far below the 5% budget
BANKING_ROW_DEFECTS = 0.005
LEDGER_BREAKS = 2


# ---------------------------------------------------------------------------------------------
# What goes wrong on which day
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayDefects:
    """One day's deliberate trouble, on top of the daily row defects and ledger breaks."""

    retail_bad_files: tuple[str, ...] = ()
    banking_bad_files: tuple[str, ...] = ()
    retail_row_defect_rate: float = RETAIL_ROW_DEFECTS
    repair: tuple[tuple[str, int], ...] = ()  # (domain, days back): re-deliver that day clean, as a fixed export
    identical: tuple[tuple[str, int], ...] = ()  # (domain, days back): deliver that day's files again, byte for byte
    note: str = ""


# Keyed by day offset modulo 30. At test scale a POS day has 3 stores and a banking day 3 parts,
# so file cases are at most three per domain a day.
CALENDAR: dict[int, DayDefects] = {
    3: DayDefects(retail_bad_files=("corrupt_gzip",), note="a POS file is a cut-off gzip"),
    5: DayDefects(repair=(("retail", 2),), note="the store re-sends day -2's POS files intact"),
    6: DayDefects(identical=(("retail", 1), ("banking", 1)), note="yesterday's files arrive again, unchanged"),
    8: DayDefects(banking_bad_files=("schema_drift_extra_column",), note="a transactions part gains a column"),
    11: DayDefects(retail_bad_files=("products_schema_drift",), note="the catalog export gains a key"),
    14: DayDefects(retail_row_defect_rate=0.12, note="12% of POS lines are bad: over the error budget"),
    17: DayDefects(banking_bad_files=("corrupt_gzip",), note="a transactions part is a cut-off gzip"),
    20: DayDefects(retail_bad_files=("bom_crlf", "gzip", "invalid_utf8"), note="POS files with a BOM, gzip, bad bytes (all valid)"),
    23: DayDefects(retail_bad_files=("reordered_columns", "empty_file", "header_only"), note="reordered, empty, header-only POS files"),
    26: DayDefects(banking_bad_files=("gzip", "bom_crlf", "invalid_utf8", "empty_part", "header_only"), note="odd but valid parts"),
    27: DayDefects(banking_bad_files=("schema_drift_missing_column",), note="a transactions part lost a column"),
    29: DayDefects(repair=(("banking", 2),), note="core banking re-sends day -2 intact"),
}


def defects_for(offset: int, calendar: dict[int, DayDefects]) -> DayDefects:
    return calendar.get(offset % 30, DayDefects())


@dataclass
class ExpectedFailure:
    domain: str
    source: str  # the landing source whose runs fail
    partition: str
    reason: str
    healed_on: str | None = None
    observed: int = 0


@dataclass
class Delivery:
    """What the simulator put in landing for a domain's day: the manifest of the final version."""

    manifest: dict
    files: dict[str, bytes]


# ---------------------------------------------------------------------------------------------
# The platform, as the code location loads it, on a temporary DAGSTER_HOME
# ---------------------------------------------------------------------------------------------


class SimulatedClock(datetime):
    """Stands in for `datetime` in the alert sensor, so freshness is judged at simulated time."""

    now_at: datetime | None = None

    @classmethod
    def now(cls, tz=None):
        return cls.now_at if cls.now_at is not None else datetime.now(tz)


@dataclass
class Soak:
    workdir: Path
    days: int
    start: date = START
    scale: str = "test"
    seed: int = 7
    backstop_every: int = 14  # every backstop is the whole daily graph again, dbt included: 14 still meets two defect days
    marts_every: int = 10
    idempotency_days: int = 2
    calendar: dict[int, DayDefects] = field(default_factory=lambda: dict(CALENDAR))
    log: object = print

    def __post_init__(self):
        self.workdir = Path(self.workdir)
        self.home = self.workdir / "dagster"
        self.home.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "platform" / "dagster.yaml", self.home / "dagster.yaml")
        os.environ.update({"PLATFORM_ENV": "local", "PLATFORM_LOCAL_DIR": str(self.workdir), "DAGSTER_HOME": str(self.home)})
        import dagster as dg

        self.dg = dg
        self.defs = runpy.run_path(str(ROOT / "platform" / "definitions.py"))["defs"]
        self.instance = dg.DagsterInstance.from_config(str(self.home))
        self.lake = self.defs.resources["lake"]
        self.warehouse = self.defs.resources["warehouse"]
        self.alerting = self.defs.resources["alerting"]
        self.cursors: dict[str, str | None] = {}
        self.marts_cursor = None
        self.jobs: dict[tuple, object] = {}
        self.deliveries: dict[tuple[str, str], Delivery] = {}
        self.expected: list[ExpectedFailure] = []
        self.redelivered: set[tuple[str, str]] = set()
        self.runs: list[dict] = []  # what ran: kind, source/job, partition, run id, success
        self.marts_queue: defaultdict = defaultdict(set)  # asset key -> dates the marts' automation requested this tick
        self.identical_pending: list[tuple[str, str]] = []
        self.identical_redeliveries: list[tuple[str, str, int]] = []  # (domain, day, runs it caused): must be 0
        self.timings: Counter = Counter()

    # -------------------------------------------------------------------------------- delivery

    def _generate(self, domain: str, day: date, defects: DayDefects | None) -> Delivery:
        from simulator.banking import BANKING_SCALES, BankingDefects, generate_banking_day_with_manifest
        from simulator.defects import DefectConfig
        from simulator.retail import SCALES, generate_retail_day_with_manifest

        defects = defects or DayDefects()
        if domain == "retail":
            config = DefectConfig(row_defect_rate=defects.retail_row_defect_rate, bad_files=defects.retail_bad_files)
            files, manifest = generate_retail_day_with_manifest(day, SCALES[self.scale], seed=self.seed, defects=config)
        else:
            config = BankingDefects(row_defect_rate=BANKING_ROW_DEFECTS, ledger_breaks=LEDGER_BREAKS, bad_files=defects.banking_bad_files)
            files, manifest = generate_banking_day_with_manifest(day, BANKING_SCALES[self.scale], seed=self.seed, defects=config)
        return Delivery(manifest, files)

    def _deliver(self, domain: str, day: date, delivery: Delivery) -> None:
        from simulator import deliver

        prefix = f"landing/{domain}/"
        stale = {k for k in self.lake.list_keys(prefix) if f"/dt={day.isoformat()}/" in k} - set(delivery.files)
        for key in stale:  # a re-sent export replaces the day's files, whatever their names were
            self.lake.delete(key)
        deliver(self.lake, delivery.files)
        self.deliveries[(domain, day.isoformat())] = delivery

    def _expect_failures(self, domain: str, day: date, delivery: Delivery) -> None:
        """The runs this delivery must fail, from what the simulator says it injected."""
        partition, manifest = day.isoformat(), delivery.manifest
        for bad in manifest["bad_files"]:
            if bad["outcome"] in ("contract_failure", "unreadable"):
                source = bad["key"].split("/")[2]
                reason = f"{bad['case']}: {bad['key'].rsplit('/', 1)[1]}"
                self.expected.append(ExpectedFailure(domain, source, partition, reason))
                if source == "products":  # a catalog that failed its contract blocks the day's POS silver
                    self.expected.append(ExpectedFailure(domain, "pos", partition, "catalog failed its contract"))
        pos = manifest.get("expected_pos_silver")
        if domain == "retail" and pos and pos["quarantined_rows"] > 0.05 * (pos["bronze_rows"] - pos["dropped_duplicates"]):
            rate = pos["quarantined_rows"] / (pos["bronze_rows"] - pos["dropped_duplicates"])
            self.expected.append(ExpectedFailure(domain, "pos", partition, f"error budget: {rate:.1%} quarantined"))

    def deliver_day(self, offset: int) -> None:
        day = self.start + timedelta(days=offset)
        defects = defects_for(offset, self.calendar)
        for domain, back in defects.repair:
            fixed_day = day - timedelta(days=back)
            if fixed_day < self.start:
                continue
            clean = self._generate(domain, fixed_day, None)
            self._deliver(domain, fixed_day, clean)
            self.redelivered.add((domain, fixed_day.isoformat()))
            for failure in self.expected:
                if failure.domain == domain and failure.partition == fixed_day.isoformat() and failure.healed_on is None:
                    failure.healed_on = day.isoformat()
        for domain in ("retail", "banking"):
            delivery = self._generate(domain, day, defects)
            self._deliver(domain, day, delivery)
            self._expect_failures(domain, day, delivery)
        for domain, back in defects.identical:
            again = (day - timedelta(days=back)).isoformat()
            if (domain, again) in self.deliveries:
                from simulator import deliver

                deliver(self.lake, self.deliveries[(domain, again)].files)
                self.redelivered.add((domain, again))
                self.identical_pending.append((domain, again))

    # -------------------------------------------------------------------------------- running

    def _job(self, keys: list, name_hint: str):
        dg = self.dg
        signature = tuple(sorted(k.to_user_string() for k in keys))
        if signature not in self.jobs:
            name = f"soak_{len(self.jobs)}_{re.sub(r'[^a-z0-9_]', '_', name_hint.lower())}"
            job = dg.define_asset_job(name, selection=keys)
            self.jobs[signature] = dg.Definitions(assets=self.defs.assets, jobs=[job], resources=self.defs.resources).resolve_job_def(name)
        return self.jobs[signature]

    def _execute(self, kind: str, label: str, job, partition: str | None, tags: dict, domain: str) -> dict:
        started = time.perf_counter()
        kwargs = {"partition_key": partition} if partition else {}
        result = job.execute_in_process(instance=self.instance, tags=tags, raise_on_error=False, run_config=QUIET, **kwargs)
        self.timings[kind] += time.perf_counter() - started
        failure = next((e for e in result.all_events if e.event_type_value == "STEP_FAILURE"), None)
        error = failure.event_specific_data.error.message.strip().splitlines()[0] if failure and failure.event_specific_data.error else ""
        run = {"kind": kind, "label": label, "domain": domain, "partition": partition or tags.get("dagster/asset_partition_range_start"),
               "run_id": result.run_id, "success": result.success, "error": error, "job": job}
        self.runs.append(run)
        return run

    def tick_landing_sensors(self) -> int:
        requested = 0
        for name in ("retail_landing_sensor", "banking_landing_sensor"):
            sensor = self.defs.resolve_sensor_def(name)
            while True:
                with self.dg.build_sensor_context(instance=self.instance, cursor=self.cursors.get(name), resources={"lake": self.lake},
                                                  definitions=self.defs) as context:
                    result = sensor.evaluate_tick(context)
                self.cursors[name] = result.cursor
                if not result.run_requests:
                    break
                for request in result.run_requests:
                    requested += 1
                    source = request.tags["source"]
                    job = self._job(list(request.asset_selection), source)
                    tags = {**request.tags, "dagster/sensor_name": name, "dagster/run_key": request.run_key}
                    self._execute("landing", source, job, request.partition_key, tags, source.split("/")[0])
        return requested

    def tick_schedules(self, now: datetime, run_backstop: bool) -> None:
        from dagster._utils.schedules import cron_string_iterator

        for name in ("retail_daily_schedule", "banking_daily_schedule", "retail_monthly_schedule", "banking_monthly_schedule"):
            schedule = self.defs.resolve_schedule_def(name)
            ticks = cron_string_iterator(now.timestamp() - 86400, schedule.cron_schedule, schedule.execution_timezone or "UTC")
            due = list(itertools.takewhile(lambda t: t.timestamp() <= now.timestamp(), ticks))
            for tick_time in due:
                with self.dg.build_schedule_context(instance=self.instance, scheduled_execution_time=tick_time, resources={"lake": self.lake},
                                                    repository_def=self.defs.get_repository_def()) as context:
                    data = schedule.evaluate_tick(context)
                monthly = "monthly" in name
                for request in data.run_requests or []:
                    if not monthly and not run_backstop:
                        self.runs.append({"kind": "backstop (not executed)", "label": schedule.job_name, "partition": request.partition_key,
                                          "success": None, "domain": name.split("_")[0], "run_id": None, "error": ""})
                        continue
                    job = self.defs.resolve_job_def(schedule.job_name)
                    tags = {**{k: v for k, v in request.tags.items() if not k.startswith("dagster/partition")}, "dagster/schedule_name": name}
                    self._execute("monthly" if monthly else "backstop", schedule.job_name, job, request.partition_key, tags, name.split("_")[0])

    def evaluate_marts(self, now: datetime) -> None:
        """What a tick of marts_automation_sensor does: evaluate the marts' automation conditions.
        `any_deps_updated` compares with the previous tick (hence the cursor), so a tick every N
        days sees every table reloaded in between, like a sensor with a long interval. Its
        requests run right away (run_queued_marts), before the next tick, as launched runs would."""
        dg = self.dg
        selection = dg.AssetSelection.groups("retail_marts", "banking_marts")
        started = time.perf_counter()
        result = dg.evaluate_automation_conditions(defs=self.defs, instance=self.instance, asset_selection=selection,
                                                   evaluation_time=now, cursor=self.marts_cursor)
        self.timings["marts evaluation"] += time.perf_counter() - started
        self.marts_cursor = result.cursor
        for key in selection.resolve(self.defs.get_repository_def().asset_graph):
            self.marts_queue[key] |= {p for p in result.get_requested_partitions(key) if p}

    def run_queued_marts(self) -> None:
        """The tick's requests, run as the automation daemon builds them: the marts' assets are
        grouped by the exact set of dates requested for them, and each group's contiguous dates are
        one run (the marts are a single-run backfill: one dbt build over the range)."""
        groups: defaultdict = defaultdict(list)
        for key, dates in self.marts_queue.items():
            if dates:
                groups[(key.path[1], frozenset(dates))].append(key)
        order = {key: n for n, key in enumerate(self.defs.get_repository_def().asset_graph.toposorted_asset_keys)}
        # One run at a time locally: a group whose models come first in the graph (the dimensions) runs first.
        for (domain, dates), keys in sorted(groups.items(), key=lambda g: (g[0][0], min(order[k] for k in g[1]))):
            job = self._job(sorted(keys, key=lambda k: k.to_user_string()), f"{domain}_marts")
            for first, last in _ranges(sorted(dates)):
                tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last,
                        "dagster/sensor_name": "marts_automation_sensor"}
                self._execute("marts", f"{domain}_marts", job, None, tags, domain)
        self.marts_queue.clear()

    def tick_alert_sensor(self, now: datetime) -> None:
        import sensors.alerts

        real_datetime, SimulatedClock.now_at = sensors.alerts.datetime, now
        sensors.alerts.datetime = SimulatedClock  # freshness is judged at the simulated time, not the wall clock
        try:
            with self.dg.build_sensor_context(instance=self.instance, cursor=self.cursors.get("alert_sensor"),
                                              resources={"alerting": self.alerting}, definitions=self.defs) as context:
                result = sensors.alerts.alert_sensor.evaluate_tick(context)
            self.cursors["alert_sensor"] = result.cursor
        finally:
            sensors.alerts.datetime, SimulatedClock.now_at = real_datetime, None

    def close(self) -> None:
        self.instance.dispose()

    def run(self) -> None:
        started = time.perf_counter()
        if self.marts_every > 0:  # the sensor's first tick, on an empty lake: later ticks see each day's loads as updates
            self.evaluate_marts(datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC))
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            t0 = time.perf_counter()
            self.deliver_day(offset)
            self.timings["delivery"] += time.perf_counter() - t0
            before = len(self.runs)
            requested = self.tick_landing_sensors()
            for domain, again in self.identical_pending:
                caused = sum(1 for r in self.runs[before:] if r["domain"] == domain and r["partition"] == again)
                self.identical_redeliveries.append((domain, again, caused))
            self.identical_pending.clear()
            next_day = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
            self.tick_schedules(next_day + timedelta(hours=5, minutes=30), run_backstop=self.backstop_every > 0 and offset % self.backstop_every == self.backstop_every - 1)
            if self.marts_every > 0 and (offset % self.marts_every == self.marts_every - 1 or offset == self.days - 1):
                self.evaluate_marts(next_day + timedelta(hours=6))
                self.run_queued_marts()
            self.tick_alert_sensor(next_day + timedelta(hours=7))
            failed = sum(1 for r in self.runs[before:] if r["success"] is False)
            self.log(f"{day}  sensor runs={requested:3d}  runs={len(self.runs) - before:3d}  failed={failed}  "
                     f"{defects_for(offset, self.calendar).note}  [{time.perf_counter() - started:6.0f} s]")
        self.run_seconds = time.perf_counter() - started

    # -------------------------------------------------------------------------------- idempotency

    def rerun_sample(self) -> dict:
        """Re-materializes every source of a few clean days through the landing sensors' own
        selections and compares the lake files and warehouse rows of those days before and after."""
        failing = {(f.domain, f.partition) for f in self.expected}
        result = {"days": [], "files": 0, "changed_files": [], "tables": 0, "changed_tables": [], "audit_rows_added": 0, "runs": 0,
                  "failed_runs": 0}
        for domain in ("retail", "banking"):
            candidates = [(self.start + timedelta(days=o)).isoformat() for o in range(1, self.days)]
            candidates = [d for d in candidates if (domain, d) not in failing and (domain, d) not in self.redelivered]
            picks = sorted({candidates[i * (len(candidates) - 1) // max(1, self.idempotency_days - 1)] for i in range(self.idempotency_days)}) if candidates else []
            for day in picks:
                before_files, before_tables = self._day_state(domain, day)
                audit_before = self._audit_rows(domain)
                ran = {r["label"]: r["job"] for r in self.runs if r["kind"] == "landing" and r["domain"] == domain and r["partition"] == day and r["success"]}
                for source, job in sorted(ran.items()):
                    run = self._execute("idempotency re-run", source, job, day, {"soak": "idempotency", "source": source}, domain)
                    result["runs"] += 1
                    result["failed_runs"] += not run["success"]
                after_files, after_tables = self._day_state(domain, day)
                result["days"].append(f"{domain} {day}")
                result["files"] += len(before_files)
                result["changed_files"] += [k for k in before_files.keys() | after_files.keys() if before_files.get(k) != after_files.get(k)]
                result["tables"] += len(before_tables)
                result["changed_tables"] += [f"{t}[{day}]" for t in before_tables.keys() | after_tables.keys() if before_tables.get(t) != after_tables.get(t)]
                result["audit_rows_added"] += self._audit_rows(domain) - audit_before
        return result

    def _day_state(self, domain: str, day: str) -> tuple[dict[str, str], dict[str, str]]:
        root = Path(self.lake.root)
        files = {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for zone in ("bronze", "silver", "gold", "quarantine") for p in sorted(root.glob(f"{zone}/{domain}/*/dt={day}/*.parquet"))
        }
        tables = {}
        for dataset in daily_datasets(domain):
            if not table_exists(self.warehouse, domain, dataset.warehouse_table):
                continue
            frame = self.warehouse.query(f"select * from {domain}.{dataset.warehouse_table} where {dataset.partition_column} = ?",
                                         (date.fromisoformat(day),))
            tables[dataset.warehouse_table] = frame_digest(frame)
        return files, tables

    def _audit_rows(self, domain: str) -> int:
        return self.warehouse.query(f"select count(*) from {domain}.load_audit").item()


def _ranges(days: list[str]) -> list[tuple[str, str]]:
    ranges: list[list[str]] = []
    for day in days:
        if ranges and date.fromisoformat(day) - date.fromisoformat(ranges[-1][1]) == timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(a, b) for a, b in ranges]


def table_exists(warehouse, schema: str, table: str) -> bool:
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return warehouse.query(sql, (schema, table)).item() > 0


def frame_digest(frame) -> str:
    """Order-insensitive digest of a frame's rows (the warehouse returns rows in no set order)."""
    if frame.height == 0:
        return "empty"
    return hashlib.sha256(frame.hash_rows().sort().to_numpy().tobytes() + ",".join(frame.columns).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------


def silver_datasets(domain: str) -> list:
    from assets.banking import schemas as banking
    from assets.retail import schemas as retail

    if domain == "retail":
        return [retail.SILVER_STORES, retail.SILVER_PRODUCTS, retail.SILVER_CUSTOMERS, retail.SILVER_POS_LINES]
    return [banking.SILVER_ACCOUNTS, banking.SILVER_CUSTOMERS, banking.SILVER_LOANS, banking.SILVER_LOAN_PAYMENTS,
            banking.SILVER_ECONOMIC_INDICATORS, banking.SILVER_TRANSACTIONS, banking.SILVER_BUREAU_SCORES]


def gold_datasets(domain: str) -> list:
    from assets.banking import schemas as banking
    from assets.retail import schemas as retail

    if domain == "retail":
        return [retail.GOLD_STORE_PRODUCT_DAILY, retail.GOLD_STORE_DAILY, retail.GOLD_CATEGORY_REGION_DAILY, retail.GOLD_CUSTOMER_RFM,
                retail.GOLD_CUSTOMER_SEGMENTS, retail.GOLD_CUSTOMER_SEGMENT_SUMMARY]
    return [banking.GOLD_ACCOUNT_DAILY, banking.GOLD_FRAUD_ALERTS, banking.GOLD_DAILY_SUMMARY, banking.GOLD_LOAN_RISK,
            banking.GOLD_CAPITAL_ADEQUACY, banking.GOLD_MONTHLY_INTEREST]


def daily_datasets(domain: str) -> list:
    return [d for d in silver_datasets(domain) + gold_datasets(domain) if d.partition_column not in ("month",)]


SOURCE_OF = {"pos_lines": "pos"}  # silver dataset -> landing source, where the names differ


@dataclass
class Check:
    name: str
    domain: str
    passed: bool
    summary: str
    problems: list[str] = field(default_factory=list)


class Invariants:
    """Checks the soak's end state. Reads only the lake, the warehouse and the instance, so it
    can judge any lake the platform has processed (the tests tamper with one to prove it bites)."""

    def __init__(self, soak: Soak):
        import polars as pl

        self.pl = pl
        self.soak = soak
        self.lake_root = Path(soak.lake.root)
        self.checks: list[Check] = []
        self.days = [(soak.start + timedelta(days=o)).isoformat() for o in range(soak.days)]

    def add(self, name: str, domain: str, problems: list[str], summary: str) -> None:
        self.checks.append(Check(name, domain, not problems, summary, problems))

    def _read(self, dataset, partition: str):
        path = self.lake_root / dataset.lake_key(partition)
        return self.pl.read_parquet(path) if path.exists() else None

    def _metadata(self, asset: str, partition: str) -> dict | None:
        dg = self.soak.dg
        records = self.soak.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[partition]), limit=1)
        if not records.records:
            return None
        return {k: v.value for k, v in records.records[0].asset_materialization.metadata.items()}

    def partitions_of(self, dataset) -> list[str]:
        return sorted(p.name.removeprefix("dt=") for p in (self.lake_root / dataset.prefix).glob("dt=*") if (p / "data.parquet").exists())

    # ---------------------------------------------------------------------------------------

    def processed(self, domain: str) -> None:
        """Every day's silver datasets exist, except where an expected failure was never healed."""
        unhealed = defaultdict(set)
        for failure in self.soak.expected:
            if failure.domain == domain and failure.healed_on is None:
                unhealed[failure.partition].add(failure.source)
        problems, present, wanted = [], 0, 0
        for dataset in silver_datasets(domain):
            if dataset.partition_column == "month":
                continue
            source = SOURCE_OF.get(dataset.name, dataset.name)
            for day in self.days:
                if source in unhealed[day]:
                    continue
                wanted += 1
                if (self.lake_root / dataset.lake_key(day)).exists():
                    present += 1
                else:
                    problems.append(f"{dataset.asset_name}[{day}] missing")
        gold = sum(len(self.partitions_of(d)) for d in gold_datasets(domain))
        self.add("partitions processed", domain, problems, f"{present}/{wanted} silver, {gold} gold")

    def conservation(self, domain: str) -> None:
        """rows(bronze) = rows(silver) + rows(quarantine) + duplicates, per silver partition; the
        duplicates are counted again from bronze, independently of the platform's metadata."""
        pl = self.pl
        problems, checked = [], 0
        for dataset in silver_datasets(domain):
            source = SOURCE_OF.get(dataset.name, dataset.name)
            for bronze_path in sorted((self.lake_root / f"bronze/{domain}/{source}").glob("dt=*/data.parquet")):
                partition = bronze_path.parent.name.removeprefix("dt=")
                bronze = pl.read_parquet(bronze_path)
                meta = self._metadata(dataset.asset_name, partition)
                quarantine_path = self.lake_root / dataset.quarantine_key(partition)
                if meta is None or not quarantine_path.exists():
                    if not any(f.domain == domain and f.source == source and f.partition == partition for f in self.soak.expected):
                        problems.append(f"{dataset.asset_name}[{partition}]: bronze exists but silver never ran")
                    continue
                quarantined = pl.read_parquet(quarantine_path).height
                silver = self._read(dataset, partition)
                valid = silver.height if silver is not None else meta["rows_valid"]
                if silver is None and not str(meta.get("published", "")).startswith("no"):
                    problems.append(f"{dataset.asset_name}[{partition}]: published but no lake file")
                keyed = bronze.filter(pl.col("_raw_line").is_null() & pl.all_horizontal(pl.col(c).is_not_null() for c in dataset.grain))
                duplicates = keyed.height - keyed.select(dataset.grain).n_unique()
                checked += 1
                if bronze.height != valid + quarantined + duplicates:
                    problems.append(f"{dataset.asset_name}[{partition}]: bronze {bronze.height} != silver {valid} + quarantine {quarantined} + duplicates {duplicates}")
                if (meta["rows_in"], meta["rows_quarantined"], meta["rows_duplicate"]) != (bronze.height, quarantined, duplicates):
                    problems.append(f"{dataset.asset_name}[{partition}]: metadata {meta['rows_in']}/{meta['rows_quarantined']}/{meta['rows_duplicate']} "
                                    f"!= lake {bronze.height}/{quarantined}/{duplicates}")
        self.add("conservation", domain, problems, f"{checked} silver partitions")

    def reconciliation(self, domain: str) -> None:
        pl = self.pl
        problems, days = [], 0
        if domain == "retail":
            from assets.retail import schemas as s

            for day in self.days:
                silver = self._read(s.SILVER_POS_LINES, day)
                if silver is None:
                    continue
                days += 1
                amount, units = silver.get_column("amount").sum(), silver.get_column("quantity").sum()
                for gold in (s.GOLD_STORE_DAILY, s.GOLD_STORE_PRODUCT_DAILY, s.GOLD_CATEGORY_REGION_DAILY):
                    frame = self._read(gold, day)
                    if frame is None:
                        problems.append(f"{gold.asset_name}[{day}] missing while silver exists")
                    elif (frame.get_column("revenue").sum(), frame.get_column("units").sum()) != (amount, units):
                        problems.append(f"{gold.asset_name}[{day}]: revenue {frame.get_column('revenue').sum()} units {frame.get_column('units').sum()} "
                                        f"!= silver {amount} / {units}")
            self.add("reconciliation (to the cent)", domain, problems, f"{days} days: gold revenue and units = silver")
            return
        from assets.banking import ledger
        from assets.banking import schemas as s

        breaks_found = breaks_injected = 0
        for day in self.days:
            silver = self._read(s.SILVER_TRANSACTIONS, day)
            if silver is None:
                continue
            days += 1
            amount = silver.get_column("amount")
            credits, debits, count = amount.filter(amount > 0).sum(), -amount.filter(amount < 0).sum(), silver.height
            for gold in (s.GOLD_ACCOUNT_DAILY, s.GOLD_DAILY_SUMMARY):
                frame = self._read(gold, day)
                if frame is None:
                    problems.append(f"{gold.asset_name}[{day}] missing while silver exists")
                    continue
                got = (frame.get_column("credits").sum(), frame.get_column("debits").sum(), frame.get_column("transactions").sum())
                if got != (credits, debits, count):
                    problems.append(f"{gold.asset_name}[{day}]: credits/debits/count {got} != silver {(credits, debits, count)}")
            daily = self._read(s.GOLD_ACCOUNT_DAILY, day)
            if daily is None:
                continue
            reconciled = daily.filter(pl.col("status") == ledger.RECONCILED)
            off = reconciled.filter(pl.col("opening_balance") + pl.col("credits") - pl.col("debits") != pl.col("closing_balance"))
            if off.height:
                problems.append(f"account_daily[{day}]: {off.height} 'reconciled' accounts do not add up")
            yesterday = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
            if self._read(s.SILVER_ACCOUNTS, yesterday) is None:
                continue  # no opening balances: a break cannot be seen (status no_previous_snapshot)
            found = set(daily.filter(pl.col("status") == ledger.BREAK).get_column("account_id").to_list())
            delivery = self.soak.deliveries.get(("banking", day))
            injected = {b["account_id"] for b in delivery.manifest["ledger_breaks"]} if delivery else set()
            breaks_found, breaks_injected = breaks_found + len(found), breaks_injected + len(injected)
            if found != injected:
                problems.append(f"account_daily[{day}]: breaks {sorted(found)} != injected {sorted(injected)}")
        self.add("reconciliation (to the cent)", domain, problems,
                 f"{days} days: credits, debits, counts = silver; ledger breaks {breaks_found} = injected {breaks_injected}")

    def unique_keys(self, domain: str) -> None:
        problems, files, tables = [], 0, 0
        for dataset in silver_datasets(domain) + gold_datasets(domain):
            for partition in self.partitions_of(dataset):
                frame = self._read(dataset, partition)
                files += 1
                duplicated = frame.select(dataset.grain).is_duplicated().sum()
                if duplicated:
                    problems.append(f"lake {dataset.asset_name}[{partition}]: {duplicated} rows share a key {dataset.grain}")
            if not table_exists(self.soak.warehouse, domain, dataset.warehouse_table):
                continue
            tables += 1
            key = ", ".join([dataset.partition_column, *[c for c in dataset.grain if c != dataset.partition_column]])
            dupes = self.soak.warehouse.query(
                f"select count(*) from (select {key} from {domain}.{dataset.warehouse_table} group by {key} having count(*) > 1) d").item()
            if dupes:
                problems.append(f"warehouse {domain}.{dataset.warehouse_table}: {dupes} keys loaded more than once")
        self.add("no duplicate keys", domain, problems, f"{files} lake files, {tables} warehouse tables")

    def warehouse_matches_lake(self, domain: str) -> None:
        problems, compared = [], 0
        for dataset in silver_datasets(domain) + gold_datasets(domain):
            lake_rows = {p: self._read(dataset, p).height for p in self.partitions_of(dataset)}
            if not table_exists(self.soak.warehouse, domain, dataset.warehouse_table):
                if lake_rows:
                    problems.append(f"{domain}.{dataset.warehouse_table} missing; the lake has {len(lake_rows)} partitions")
                continue
            rows = self.soak.warehouse.query(
                f"select cast({dataset.partition_column} as varchar) p, count(*) n from {domain}.{dataset.warehouse_table} group by 1")
            loaded = {p: n for p, n in rows.rows()}
            for partition in sorted(lake_rows.keys() | loaded.keys()):
                compared += 1
                if lake_rows.get(partition, 0) != loaded.get(partition, 0):
                    problems.append(f"{domain}.{dataset.warehouse_table}[{partition}]: warehouse {loaded.get(partition, 0)} rows, lake {lake_rows.get(partition, 0)}")
        self.add("warehouse = lake", domain, problems, f"{compared} table partitions")

    def idempotency(self, result: dict) -> None:
        problems = [f"changed on re-run: {k}" for k in result["changed_files"]] + [f"warehouse rows changed: {t}" for t in result["changed_tables"]]
        if result["failed_runs"]:
            problems.append(f"{result['failed_runs']} re-runs failed")
        if not result["runs"]:
            problems.append("nothing was re-run")
        self.add("idempotency", "both", problems,
                 f"{', '.join(result['days']) or 'no day'}: {result['runs']} re-runs, {result['files']} files and {result['tables']} table partitions compared, "
                 f"{result['audit_rows_added']} audit rows added")

    def failures(self) -> None:
        """Every failed run is an expected one, every expected failure happened, every failed run alerted."""
        problems = []
        for failure in self.soak.expected:
            failure.observed = 0
        alerts = self.alerts()
        alerted_runs = {a["key"].split(":")[1] for a in alerts if a["kind"] in ("check_failed", "run_failed")}
        for run in self.soak.runs:
            if run["success"] is not False:
                continue
            matching = [f for f in self.soak.expected if f.domain == run["domain"] and f.partition == run["partition"]
                        and (run["kind"] == "backstop" or run["label"] == f"{f.domain}/{f.source}")]
            if not matching:
                problems.append(f"unexpected failure: {run['kind']} {run['label']} [{run['partition']}]: {run['error'][:140]}")
            for failure in matching:
                failure.observed += 1
            if run["run_id"] not in alerted_runs:
                problems.append(f"no alert for failed run {run['label']} [{run['partition']}] ({run['run_id']})")
        for failure in self.soak.expected:
            if not failure.observed:
                problems.append(f"expected failure did not happen: {failure.domain}/{failure.source} [{failure.partition}] ({failure.reason})")
        for domain, day, caused in self.soak.identical_redeliveries:
            if caused:
                problems.append(f"a byte-identical re-delivery of {domain} {day} ran {caused} run(s)")
        failed = sum(1 for r in self.soak.runs if r["success"] is False)
        self.add("failed runs expected and alerted", "both", problems, f"{failed} failed runs, {len(self.soak.expected)} expected failures")

    def alerts(self) -> list[dict]:
        return self.soak.alerting.read_log()

    def alerts_explained(self) -> None:
        """Pages come only from what the soak injected: failed contracts and error budgets of the
        expected failures, ledger breaks, and freshness misses of days whose gold an expected
        failure held back (or of the month before the soak started)."""
        problems = []
        failing = {(f.domain, f.partition) for f in self.soak.expected}
        for alert in self.alerts():
            if alert["severity"] != "page":
                continue
            partition = (alert.get("partition") or "")[:10]
            domain = alert["domain"]
            if alert["kind"] == "check_failed" and alert.get("check") == "ledger_reconciles":
                continue
            if alert["kind"] in ("check_failed", "run_failed") and (domain, partition) in failing:
                continue
            if alert["kind"] == "freshness_missed" and ((domain, partition) in failing or partition < self.soak.start.isoformat()):
                continue
            problems.append(f"unexplained page: {alert['kind']} {alert['asset']}[{partition}] {alert.get('check') or ''} {alert['title'][:80]}")
        self.add("every page explained", "both", problems, "pages only for injected trouble")

    def run_all(self, idempotency: dict | None) -> bool:
        for domain in ("retail", "banking"):
            self.processed(domain)
            self.conservation(domain)
            self.reconciliation(domain)
            self.unique_keys(domain)
            self.warehouse_matches_lake(domain)
        if idempotency is not None:
            self.idempotency(idempotency)
        self.failures()
        self.alerts_explained()
        return all(c.passed for c in self.checks)


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def report(soak: Soak, invariants: Invariants, wall_seconds: float) -> str:
    runs = soak.runs
    executed = [r for r in runs if r["success"] is not None]
    kinds = Counter(r["kind"] for r in executed)
    failed = [r for r in executed if not r["success"]]
    end = soak.start + timedelta(days=soak.days - 1)
    lines = [
        f"SOAK  {soak.days} days {soak.start}..{end}  scale={soak.scale} seed={soak.seed}  wall {wall_seconds / 60:.1f} min",
        f"runs  {len(executed)} executed ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); {len(failed)} failed",
        "",
        f"{'invariant':32} {'domain':8} result",
    ]
    for check in invariants.checks:
        lines.append(f"{check.name:32} {check.domain:8} {'OK  ' if check.passed else 'FAIL'} {check.summary}")
        lines += [f"{'':42}- {p}" for p in check.problems[:6]]
        if len(check.problems) > 6:
            lines.append(f"{'':42}… and {len(check.problems) - 6} more")
    alerts = invariants.alerts()
    by = Counter((a["severity"], a["kind"], a.get("check") or "") for a in alerts)
    lines += ["", "alerts  " + "; ".join(f"{s} {k}{'/' + c if c else ''}: {n}" for (s, k, c), n in sorted(by.items()))]
    lines += ["", "expected failures (injected defects)"]
    for f in soak.expected:
        healed = f"healed by re-delivery on {f.healed_on}" if f.healed_on else "not healed"
        lines.append(f"  {f.domain + '/' + f.source:<22} {f.partition}  {f.reason:<44} failed runs {f.observed}  {healed}")
    if not soak.expected:
        lines.append("  none in this window")
    slowest = ", ".join(f"{k} {v:.0f} s" for k, v in soak.timings.most_common())
    lines += ["", f"time  {slowest}"]
    ok = all(c.passed for c in invariants.checks)
    lines.append(f"RESULT  {'all invariants hold' if ok else 'INVARIANTS FAILED: ' + ', '.join(sorted({c.name for c in invariants.checks if not c.passed}))}")
    return "\n".join(lines)


def run_soak(workdir: Path, days: int, **options) -> tuple[Soak, Invariants, str, bool]:
    """Runs the days, re-runs the idempotency sample and checks every invariant. The caller
    closes the returned Soak (its instance stays open so the checks can be run again)."""
    started = time.perf_counter()
    soak = Soak(workdir=workdir, days=days, **options)
    soak.run()
    soak.idempotency = soak.rerun_sample() if soak.idempotency_days > 0 else None
    invariants = Invariants(soak)
    ok = invariants.run_all(soak.idempotency)
    return soak, invariants, report(soak, invariants, time.perf_counter() - started), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=60, help="simulated days (default 60)")
    parser.add_argument("--start", type=date.fromisoformat, default=START, help=f"first day (default {START})")
    parser.add_argument("--scale", default="test", choices=["test", "local"], help="simulator scale (default test, the smallest)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backstop-every", type=int, default=14, help="execute the daily schedules' backstop runs every N days (0: never)")
    parser.add_argument("--marts-every", type=int, default=10, help="tick the marts' automation every N days and on the last, and run its requests (0: no marts)")
    parser.add_argument("--idempotency-days", type=int, default=2, help="clean days per domain re-run and compared (default 2)")
    parser.add_argument("--keep", type=Path, help="work directory to keep (default: a temporary one, kept only if an invariant fails)")
    parser.add_argument("--quiet", action="store_true", help="no per-day progress lines")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be >= 1")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"{args.keep} is not empty")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    console, restore = _output_to_file(workdir / "soak.log")
    try:
        log = (lambda *_: None) if args.quiet else (lambda line: print(line, file=console, flush=True))
        soak, _, text, ok = run_soak(
            workdir, args.days, start=args.start, scale=args.scale, seed=args.seed, backstop_every=args.backstop_every,
            marts_every=args.marts_every, idempotency_days=args.idempotency_days, log=log,
        )
        soak.close()
    finally:
        restore()
    print(text)
    if args.keep or not ok:
        print(f"work directory (lake, warehouse, DAGSTER_HOME, soak.log): {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


def _output_to_file(path: Path):
    """Sends everything written to stdout and stderr (dbt, Spark, Dagster's console) to a log file,
    at the file-descriptor level so child processes follow; returns the real console and an undo."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(target, 1)
    os.dup2(target, 2)
    os.close(target)
    console = os.fdopen(os.dup(saved[0]), "w", buffering=1)

    def restore() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        console.close()

    return console, restore


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore")  # dagster's beta and deprecation notices, pyspark's pandas notice
    sys.exit(main())



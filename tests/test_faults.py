"""Fault injection: each fault below is injected for real and shown to lose nothing.

| fault | injected how | proven how |
|---|---|---|
| warehouse connection lost mid-load | during the COPY of the 4th of 8 tables in one run of the real `retail_warehouse_load` asset on PostgreSQL: the server terminates the backend, or the socket is shut down under libpq | what the database held when the retry connected equals the previous load, row for row and audit row for audit row; then the retry lands every table once |
| process killed mid-write of a lake partition | a child process writing a large partition through `write_parquet` is stopped at a chosen point (half the bytes on disk; all bytes written, not renamed; anywhere) or mid-PUT on moto's S3, then SIGKILLed | every reader (the lake's list/read, `latest_snapshot_key`, a DuckDB glob) sees the old partition or none, both while the writer hangs and after it died; a re-run writes the exact bytes |
| transient S3 errors | a botocore `before-send` hook answers the first attempts with HTTP 500 InternalError / 503 SlowDown, or cuts a download off mid-body; everything else reaches moto | every attempt is counted and every backoff sleep recorded (not slept); the operation's result is checked |
| a sensor raising mid-tick | the landing listing raises on its 2nd call, or the run-request building raises after a request was yielded | the cursor stays where it was; the recovery tick requests exactly what a clean tick would, so nothing is skipped or run twice |
| two runs of one partition at once | two processes load the embedded warehouse while it is held; two threads load PostgreSQL, interleaved with row locks; a daily-job run is in flight when a late file lands | the second waits (seen in /proc/locks and pg_stat_activity), the partition holds one copy of its rows, and the sensor does not launch a second run of a busy day |
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import types
import uuid
from collections import Counter
from contextlib import closing, contextmanager
from pathlib import Path

import boto3
import botocore.endpoint
import dagster as dg
import duckdb
import polars as pl
import psycopg2
import psycopg2.extensions
import pytest
from boto3.exceptions import S3UploadFailedError
from botocore.awsrequest import AWSResponse
from dagster_aws.s3 import S3Resource
from urllib3.exceptions import ProtocolError

from assets.common.partitions import latest_snapshot_key
from assets.retail import schemas
from assets.retail.graph import RETAIL_ASSETS
from assets.retail.segments import RETAIL_SEGMENTS
from assets.retail.warehouse import RETAIL_TABLES, retail_warehouse_load
from resources.lake import PARQUET_OPTIONS, LocalLake, S3Lake
from resources.pii import PiiKey
from resources.spark import LocalSpark
from resources.warehouse import EmbeddedWarehouse
from sensors import landing
from sensors.retail import retail_landing_sensor
from simulator import deliver
from simulator.retail import SCALES, generate_retail_day_with_manifest
from tests.conftest import embedded_resources
from tests.fault_children import PARTITION_DAY, big_frame, small_load

REPO = Path(__file__).resolve().parents[1]
DAY = PARTITION_DAY.isoformat()
REAL_CONNECT = psycopg2.connect  # before any test wraps it
LAKE_ONLY = dg.AssetSelection.groups("retail_bronze", "retail_silver", "retail_gold") - dg.AssetSelection.assets(*RETAIL_SEGMENTS)


# ---------------------------------------------------------------------------------------------
# Child processes


class Child:
    """A `python -m tests.fault_children ...` process whose stdout lines arrive on a queue."""

    started: list[Child] = []  # killed after each test, whatever its outcome, by `no_child_outlives_its_test`

    def __init__(self, *args: str, stderr: Path):
        self.stderr_path = stderr
        with stderr.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.fault_children", *args], cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
        Child.started.append(self)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("<exited>")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def line(self, deadline: float = 120) -> str:
        try:
            line = self.lines.get(timeout=deadline)
        except queue.Empty:
            self.kill()
            raise AssertionError(f"child said nothing within {deadline} s; stderr:\n{self.stderr_path.read_text()}") from None
        assert line != "<exited>", f"child exited early; stderr:\n{self.stderr_path.read_text()}"
        return line

    def kill(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self.proc.wait()

    def finish(self) -> int:
        return self.proc.wait(timeout=120)


@pytest.fixture(autouse=True)
def no_child_outlives_its_test():
    yield
    while Child.started:
        Child.started.pop().kill()


def wait_until(condition, what: str, deadline: float = 60) -> None:
    """Polls for a state another process reaches; a synchronisation point, not a timing assertion."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.005)


# ---------------------------------------------------------------------------------------------
# 1. A warehouse connection dropped mid-COPY of a multi-table load, through the real asset


@pytest.fixture(scope="module")
def retail_day_versions(tmp_path_factory) -> dict[str, LocalLake]:
    """One retail day built twice through the lake assets, from two different deliveries:
    v1 is loaded first, v2 replaces it while the connection is dropped."""
    lakes = {}
    for version, seed in (("v1", 11), ("v2", 12)):
        resources = embedded_resources(tmp_path_factory.mktemp(f"retail_{version}"))
        deliver(resources["lake"], generate_retail_day_with_manifest(PARTITION_DAY, SCALES["test"], seed=seed)[0])
        result = dg.materialize(RETAIL_ASSETS, selection=LAKE_ONLY, partition_key=DAY, resources=resources, raise_on_error=False)
        assert result.success
        lakes[version] = resources["lake"]
    return lakes


def load_retail_tables(lake: LocalLake, warehouse) -> dg.ExecuteInProcessResult:
    """One run of the retail warehouse-load asset: all eight silver and gold tables of the day in one transaction."""
    resources = {"lake": lake, "warehouse": warehouse, "pii": PiiKey(key=os.environ["PLATFORM_PII_KEY"]), "spark": LocalSpark()}
    return dg.materialize(
        RETAIL_ASSETS, selection=dg.AssetSelection.assets(retail_warehouse_load), partition_key=DAY, resources=resources, raise_on_error=False
    )


def admin_connection(server, database: str):
    con = REAL_CONNECT(host="127.0.0.1", port=server.port, user="postgres", dbname=database)
    con.autocommit = True
    return con


def database_rows(server, database: str) -> dict[str, list[tuple]]:
    """Every row of every retail table (the audit table included), in a canonical order."""
    with closing(admin_connection(server, database)) as con, con.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'retail' ORDER BY 1")
        tables = [name for (name,) in cursor.fetchall()]
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM retail."{table}"')
            rows[table] = sorted(cursor.fetchall(), key=repr)
        return rows


class _DroppingReader:
    """The COPY data source: after `chunks_before` reads have gone to libpq, the connection is dropped."""

    def __init__(self, file, drop, chunks_before: int = 3):
        self.file, self.drop, self.chunks_before, self.chunks = file, drop, chunks_before, 0

    def read(self, size=-1):
        if self.chunks == self.chunks_before:
            self.drop()
        self.chunks += 1
        return self.file.read(size)


class DropDuringCopy:
    """Stands in for `psycopg2.connect`: the first COPY into the staging table of `table` loses its
    connection part-way through its data, either because the server terminates the backend
    (`pg_terminate_backend`) or because the network drops (the socket is shut down under libpq).
    Records what the server was doing at that moment and what the database held when the
    warehouse's retry connected."""

    def __init__(self, server, database: str, table: str, how: str):
        self.server, self.database, self.table, self.how = server, database, table, how
        self.at_drop: dict | None = None
        self.rows_at_retry: dict | None = None

    def connect(self, *args, **kwargs):
        if self.at_drop is not None and self.rows_at_retry is None:
            self.rows_at_retry = database_rows(self.server, self.database)
        fault = self

        class Cursor(psycopg2.extensions.cursor):
            def copy_expert(self, sql, file, size=8192):
                if fault.at_drop is None and f'"staging_{fault.table}"' in sql:
                    file = _DroppingReader(file, lambda: fault.drop(self.connection))
                return super().copy_expert(sql, file, size)

        return REAL_CONNECT(*args, cursor_factory=Cursor, **kwargs)

    def drop(self, connection) -> None:
        pid = connection.get_backend_pid()
        with closing(admin_connection(self.server, self.database)) as admin, admin.cursor() as cursor:
            cursor.execute("SELECT state, query FROM pg_stat_activity WHERE pid = %s", (pid,))
            state, query = cursor.fetchone()
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE l.pid = %s AND l.mode = 'RowExclusiveLock' AND n.nspname = 'retail'",
                (pid,),
            )
            written = {name for (name,) in cursor.fetchall()}
            self.at_drop = {"pid": pid, "state": state, "query": query, "tables_written": written}
            if self.how == "server_terminates_backend":
                cursor.execute("SELECT pg_terminate_backend(%s, 30000)", (pid,))  # waits until the backend is gone
                assert cursor.fetchone()[0]
            else:
                with socket.socket(fileno=os.dup(connection.fileno())) as sock:
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.mark.parametrize("how", ["server_terminates_backend", "network_drops"], ids=["server-kill", "network-drop"])
def test_dropped_connection_mid_copy(retail_day_versions, postgres_server, postgres_warehouse, monkeypatch, how):
    """A multi-table load whose connection is lost mid-COPY rolls back whole, and the retry lands every table once."""
    v1, v2 = retail_day_versions["v1"], retail_day_versions["v2"]
    database = postgres_warehouse.database
    baseline = load_retail_tables(v1, postgres_warehouse)
    assert baseline.success
    before = database_rows(postgres_server, database)
    assert len(before["load_audit"]) == len(RETAIL_TABLES) and len(before["silver_pos_lines"]) > 100

    fault = DropDuringCopy(postgres_server, database, table="silver_pos_lines", how=how)
    monkeypatch.setattr(psycopg2, "connect", fault.connect)
    result = load_retail_tables(v2, postgres_warehouse)
    monkeypatch.undo()

    # The drop hit the 4th table's COPY, inside the transaction that had already replaced the first three.
    assert fault.at_drop is not None, "the load never copied silver_pos_lines"
    assert fault.at_drop["state"] == "active" and fault.at_drop["query"].startswith('COPY "staging_silver_pos_lines" FROM STDIN')
    assert {"silver_stores", "silver_products", "silver_customers", "load_audit"} <= fault.at_drop["tables_written"]
    # When the retry connected, the database held exactly the previous load: no table half-replaced, no audit row of the dead attempt.
    assert fault.rows_at_retry == before

    # The warehouse's own retry landed the run: the step neither failed nor was restarted by Dagster.
    assert result.success
    assert [e for e in result.all_events if e.event_type_value in ("STEP_RESTARTED", "STEP_UP_FOR_RETRY", "STEP_FAILURE")] == []
    after = database_rows(postgres_server, database)
    for dataset in RETAIL_TABLES:
        lake_rows = v2.read_parquet(dataset.lake_key(DAY)).height
        rows = after[dataset.warehouse_table]
        assert len(rows) == lake_rows and len(set(rows)) == lake_rows, dataset.warehouse_table  # v2 only, once
    new_audit = [row for row in after["load_audit"] if row not in before["load_audit"]]
    run_id_column = 6
    assert {row[run_id_column] for row in new_audit} == {result.run_id}
    expected = {
        (d.asset_name, f"retail.{d.warehouse_table}", DAY, v2.read_parquet(d.lake_key(DAY)).height, v1.read_parquet(d.lake_key(DAY)).height,
         hashlib.sha256(v2.read(d.lake_key(DAY))).hexdigest())
        for d in RETAIL_TABLES
    }
    assert {row[:6] for row in new_audit} == expected and len(new_audit) == len(RETAIL_TABLES)  # one audit row per table, none for the dead attempt


# ---------------------------------------------------------------------------------------------
# 2. A process killed mid-write of a lake partition

ROWS = 2_000_000  # ~15 MB of Parquet
DATASET = schemas.SILVER_POS_LINES  # only its lake layout is used: the frame is a stand-in for a large partition


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, **PARQUET_OPTIONS)
    return buffer.getvalue()


def partition_as_readers_see_it(lake: LocalLake) -> str | None:
    """The partition through every reader the platform has; each must agree. Returns the SHA-256 of
    the partition's bytes, or None when there is no partition. Raises if any reader sees a torn file."""
    key = DATASET.lake_key(DAY)
    listed = lake.list_keys(DATASET.prefix)
    assert listed in ([], [key]), f"readers can see {listed}"
    snapshot = latest_snapshot_key(lake, DATASET, DAY)
    glob = f"SELECT count(*) FROM read_parquet('{lake.root}/{DATASET.prefix}*/*.parquet')"  # as an engine reading the zone would
    with closing(duckdb.connect()) as con:
        if not lake.exists(key):
            assert listed == [] and snapshot is None
            with pytest.raises(duckdb.IOException, match="No files found"):
                con.execute(glob)
            return None
        assert snapshot == key
        frame = lake.read_parquet(key)  # a torn Parquet file fails here: no footer
        assert con.execute(glob).fetchone()[0] == frame.height
    return sha256(lake.read(key))


@pytest.mark.parametrize(
    "stop, previous",
    [("mid_bytes", True), ("mid_bytes", False), ("before_rename", True), ("none", True)],
    ids=["half-written-over-old", "half-written-first", "written-not-renamed", "killed-anywhere"],
)
def test_a_process_killed_mid_write_of_a_local_partition_leaves_old_or_nothing(tmp_path, stop, previous):
    lake = LocalLake(root=str(tmp_path / "lake"))
    key = DATASET.lake_key(DAY)
    old = sha256(parquet_bytes(big_frame(1_000, seed=1))) if previous else None
    if previous:
        lake.write_parquet(key, big_frame(1_000, seed=1))
    new = sha256(parquet_bytes(big_frame(ROWS)))
    assert partition_as_readers_see_it(lake) == old

    child = Child("local-parquet", lake.root, key, str(ROWS), stop, stderr=tmp_path / "child.err")
    assert child.line() == "writing"
    if stop == "none":
        directory = Path(lake.root) / key.rsplit("/", 1)[0]
        wait_until(lambda: any(p.name.startswith(".tmp-") and p.stat().st_size for p in directory.iterdir()) or not child.lines.empty(),
                   "the child starts writing its temporary file")
    else:
        assert child.line().startswith(f"stopped {stop}")
        assert partition_as_readers_see_it(lake) == old  # while the writer hangs mid-write
    returncode = child.kill()

    seen = partition_as_readers_see_it(lake)
    if stop == "none":
        assert seen in (old, new), "readers see a partition that is neither the old one nor the new one"
        assert returncode in (-signal.SIGKILL, 0)
    else:
        assert returncode == -signal.SIGKILL and seen == old

    # A re-run completes and publishes exactly the new bytes; the dead writer's temporary file stays invisible.
    written = lake.write_parquet(key, big_frame(ROWS))
    assert written.sha256 == new and partition_as_readers_see_it(lake) == new


@contextmanager
def werkzeug_log():
    """What moto's HTTP server logs about each request it has finished handling."""
    messages: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    handler, logger = Capture(), logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.INFO)  # werkzeug logs each request at INFO
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def s3_lake(moto_endpoint) -> S3Lake:
    bucket = f"faults-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return S3Lake(bucket=bucket, s3=S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1"), page_size=2)


def test_a_process_killed_mid_upload_leaves_the_previous_s3_partition(s3_lake, moto_endpoint, tmp_path):
    rows = 500_000  # ~3.7 MB: S3Lake sends a partition as one PUT whatever its size
    key = DATASET.lake_key(DAY)
    old = parquet_bytes(big_frame(1_000, seed=1))
    s3_lake.write_parquet(key, big_frame(1_000, seed=1))

    def seen() -> tuple:
        info = s3_lake.info(key)
        return s3_lake.list_keys(DATASET.prefix), sha256(s3_lake.read(key)), info.size, info.etag

    old_view = ([key], sha256(old), len(old), hashlib.md5(old).hexdigest())
    assert seen() == old_view
    with werkzeug_log() as requests:
        child = Child("s3-parquet", moto_endpoint, s3_lake.bucket, key, str(rows), stderr=tmp_path / "child.err")
        assert child.line().startswith("stopped mid_upload")
        assert seen() == old_view  # half the body is on the wire: readers still see the old object
        assert child.kill() == -signal.SIGKILL
        put = f"PUT /{s3_lake.bucket}/{key} HTTP"
        wait_until(lambda: any(put in m for m in list(requests)), "the server finishes with the aborted PUT")
    [aborted] = [m for m in requests if put in m]
    assert not aborted.endswith(" 200 -"), aborted
    assert seen() == old_view  # the cut-off upload created nothing

    s3_lake.write_parquet(key, big_frame(rows))
    new = parquet_bytes(big_frame(rows))
    assert seen() == ([key], sha256(new), len(new), hashlib.md5(new).hexdigest())


# ---------------------------------------------------------------------------------------------
# 3. Transient S3 errors


class _Body(io.BytesIO):
    def stream(self, **_):
        yield self.read()


def s3_error(code: str, message: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault</RequestId></Error>'.encode()


class InjectedS3Errors:
    """A botocore `before-send` hook: the first `failures` attempts of each operation (for which
    `when(request)` holds) get an S3 error response, as S3 answers under load; every other attempt
    goes to moto. Counts every attempt."""

    def __init__(self, status: int, code: str, message: str, failures: int, when=lambda request: True):
        self.status, self.body, self.failures, self.when = status, s3_error(code, message), failures, when
        self.attempts: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    def __call__(self, request, event_name: str, **_):
        operation = event_name.rsplit(".", 1)[-1]
        self.attempts[operation] += 1
        if self.injected[operation] < self.failures and self.when(request):
            self.injected[operation] += 1
            body = b"" if request.method == "HEAD" else self.body
            return AWSResponse(request.url, self.status, {"Content-Type": "application/xml", "Content-Length": str(len(body))}, _Body(body))
        return None


@pytest.fixture
def backoff_sleeps(monkeypatch) -> list[float]:
    """botocore's retry sleeps, recorded instead of slept: the backoff is asserted, never timed."""
    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=sleeps.append))
    return sleeps


def test_the_s3_lake_client_retries_transient_errors_in_standard_mode(s3_lake):
    retries = s3_lake.client.meta.config.retries
    assert retries["mode"] in ("standard", "adaptive") and retries["total_max_attempts"] >= 3


@pytest.mark.parametrize(
    "status, code, message",
    [(500, "InternalError", "We encountered an internal error. Please try again."), (503, "SlowDown", "Please reduce your request rate.")],
    ids=["500-InternalError", "503-SlowDown"],
)
def test_transient_s3_errors_are_retried_with_backoff_and_every_operation_succeeds(s3_lake, backoff_sleeps, status, code, message):
    frame = big_frame(5_000)
    for i in range(5):
        s3_lake.write(f"landing/retail/pos/dt={DAY}/store_00{i}.csv", f"file {i}".encode())
    errors = InjectedS3Errors(status, code, message, failures=2, when=lambda r: r.method != "GET" or "list-type=2" not in r.url or "continuation-token" in r.url)
    s3_lake.client.meta.events.register("before-send.s3.*", errors)

    key = DATASET.lake_key(DAY)
    written = s3_lake.write_parquet(key, frame)  # PutObject
    assert s3_lake.read_parquet(key).equals(frame)  # GetObject
    assert s3_lake.info(key).size == written.size  # HeadObject
    # ListObjectsV2 in pages of 2: the 2nd page fails twice; the listing still has every key once, in order.
    assert s3_lake.list_keys(f"landing/retail/pos/dt={DAY}/") == [f"landing/retail/pos/dt={DAY}/store_00{i}.csv" for i in range(5)]

    assert errors.injected == {"PutObject": 2, "GetObject": 2, "HeadObject": 2, "ListObjectsV2": 2}
    assert errors.attempts == {"PutObject": 3, "GetObject": 3, "HeadObject": 3, "ListObjectsV2": 3 + 2}  # 3 pages, the 2nd tried 3 times
    assert len(backoff_sleeps) == 8 and all(s > 0 for s in backoff_sleeps)  # each retry waited first


def test_s3_errors_that_outlast_the_retries_fail_the_write_and_publish_nothing(s3_lake, backoff_sleeps):
    errors = InjectedS3Errors(500, "InternalError", "We encountered an internal error. Please try again.", failures=100)
    s3_lake.client.meta.events.register("before-send.s3.PutObject", errors)
    with pytest.raises(S3UploadFailedError, match="InternalError"):  # a Parquet file is uploaded from its staged file
        s3_lake.write_parquet(DATASET.lake_key(DAY), big_frame(100))
    total = s3_lake.client.meta.config.retries["total_max_attempts"]
    assert errors.attempts["PutObject"] == total and len(backoff_sleeps) == total - 1
    assert not s3_lake.exists(DATASET.lake_key(DAY))


class _CutOff(io.BytesIO):
    """A response body whose connection is reset after half of it arrived."""

    def read(self, size=-1):
        half = super().read(len(self.getbuffer()) // 2)
        if half:
            raise ProtocolError("Connection broken: ConnectionResetError(104, 'Connection reset by peer')", ConnectionResetError(104, "reset"))
        return half

    def stream(self, **_):
        yield self.read()


def test_a_download_cut_off_mid_body_is_retried(s3_lake):
    key = DATASET.lake_key(DAY)
    data = parquet_bytes(big_frame(50_000))
    s3_lake.write(key, data)
    attempts = []

    def reset_first_download(request, **_):
        attempts.append(request.url)
        if len(attempts) == 1:
            headers = {"Content-Length": str(len(data)), "ETag": f'"{hashlib.md5(data).hexdigest()}"', "Content-Type": "binary/octet-stream"}
            return AWSResponse(request.url, 200, headers, _CutOff(data))
        return None

    s3_lake.client.meta.events.register("before-send.s3.GetObject", reset_first_download)
    assert sha256(s3_lake.read(key)) == sha256(data)
    assert len(attempts) == 2


# ---------------------------------------------------------------------------------------------
# 4. A sensor raising mid-tick


def sensor_tick(lake: LocalLake, cursor: str | None, instance: dg.DagsterInstance):
    """One tick as the daemon runs it. Returns (requests, cursor, error); on an error the daemon
    launches nothing and keeps the cursor the tick started with, so that is what is returned."""
    resources = {"lake": lake, "warehouse": EmbeddedWarehouse(path=lake.root + ".duckdb"), "pii": PiiKey(key="k" * 32), "spark": LocalSpark()}
    defs = dg.Definitions(assets=RETAIL_ASSETS, sensors=[retail_landing_sensor], resources=resources)
    with dg.build_sensor_context(cursor=cursor, resources=resources, instance=instance, definitions=defs) as context:
        try:
            result = retail_landing_sensor.evaluate_tick(context)
        except Exception as error:
            assert context.cursor == cursor, "the failed tick moved the cursor"
            return [], cursor, error
    return result.run_requests, result.cursor, None


def land(lake: LocalLake, source: str, day: str, name: str, content: bytes = b"v1") -> None:
    lake.write(f"landing/retail/{source}/dt={day}/{name}", content)


def landed_days(lake: LocalLake) -> None:
    for day in ("2024-10-01", "2024-10-02"):
        land(lake, "stores", day, "stores.csv")
        land(lake, "products", day, "products.jsonl")
        land(lake, "customers", day, "customers.csv")
        land(lake, "pos", day, "store_001.csv")
        land(lake, "pos", day, "store_002.csv")


def fail_on_call(n: int, original):
    calls = Counter()

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError("injected fault")
        return original(*args, **kwargs)

    return flaky


@pytest.mark.parametrize("where", ["lake_listing", "run_request_building"])
def test_a_sensor_tick_that_raises_keeps_its_cursor_and_the_next_tick_skips_and_repeats_nothing(tmp_path, monkeypatch, where):
    lake, instance = LocalLake(root=str(tmp_path / "lake")), dg.DagsterInstance.ephemeral()
    landed_days(lake)
    first, cursor, error = sensor_tick(lake, None, instance)
    assert error is None and len(first) == 8

    # New day, a changed re-delivery, a late file and a byte-identical re-delivery.
    for source, name in (("stores", "stores.csv"), ("products", "products.jsonl"), ("customers", "customers.csv"), ("pos", "store_001.csv")):
        land(lake, source, "2024-10-03", name)
    land(lake, "pos", "2024-10-01", "store_001.csv", b"v2")
    land(lake, "pos", "2024-10-02", "store_003.csv")
    land(lake, "stores", "2024-10-02", "stores.csv")
    clean, _, _ = sensor_tick(lake, cursor, dg.DagsterInstance.ephemeral())  # what a tick without the fault requests

    with monkeypatch.context() as patch:
        if where == "lake_listing":
            patch.setattr(LocalLake, "list_objects", fail_on_call(2, LocalLake.list_objects))
        else:  # the 2nd RunRequest cannot be built, after the 1st was already yielded
            patch.setattr(landing.dg, "RunRequest", fail_on_call(2, dg.RunRequest))
        failed, cursor_after_failure, error = sensor_tick(lake, cursor, instance)
    assert isinstance(error, OSError) and failed == [] and cursor_after_failure == cursor

    recovered, cursor, error = sensor_tick(lake, cursor_after_failure, instance)
    assert error is None
    assert [(r.run_key, r.partition_key, r.tags["source"]) for r in recovered] == [(r.run_key, r.partition_key, r.tags["source"]) for r in clean]
    assert sorted((r.tags["source"], r.partition_key) for r in recovered) == sorted(
        [*((f"retail/{s}", "2024-10-03") for s in ("stores", "products", "customers", "pos")), ("retail/pos", "2024-10-01"), ("retail/pos", "2024-10-02")]
    )
    assert not {r.run_key for r in recovered} & {r.run_key for r in first}  # nothing that already ran runs again
    assert sensor_tick(lake, cursor, instance)[0] == []  # and nothing is left over


# ---------------------------------------------------------------------------------------------
# 5. Two runs of the same partition at once


def flock_waiters(path: Path) -> set[int]:
    """Pids blocked on an flock of `path`, from /proc/locks ('N: -> FLOCK ADVISORY WRITE <pid> <maj:min:inode> ...')."""
    inode = os.stat(path).st_ino
    waiters = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and fields[fields.index("->") + 1] == "FLOCK":
            i = fields.index("->")
            pid, device_inode = int(fields[i + 4]), fields[i + 5]
            if int(device_inode.rsplit(":", 1)[1]) == inode:
                waiters.add(pid)
    return waiters


def test_two_processes_loading_one_partition_into_the_embedded_warehouse_queue_and_leave_one_copy(tmp_path):
    warehouse = EmbeddedWarehouse(path=str(tmp_path / "warehouse.duckdb"))
    warehouse.replace_partitions([small_load(0, rows=3)], run_id="r0")
    with warehouse.exclusive():  # held, as by a load in flight
        a = Child("embedded-load", warehouse.path, "a", "100", stderr=tmp_path / "a.err")
        b = Child("embedded-load", warehouse.path, "b", "200", stderr=tmp_path / "b.err")
        assert a.line() == "loading" and b.line() == "loading"
        wait_until(lambda: {a.pid, b.pid} <= flock_waiters(Path(warehouse.path + ".lock")), "both loads queue on the warehouse lock")
    assert a.line().startswith("done 5") and b.line().startswith("done 5")
    assert a.finish() == 0 and b.finish() == 0

    values = sorted(warehouse.query("SELECT v FROM retail.fault_t WHERE d = ?", (PARTITION_DAY,)).get_column("v").to_list())
    audit = warehouse.query("SELECT run_id, row_count, replaced_rows FROM retail.load_audit ORDER BY loaded_at").rows()
    last = audit[-1][0]
    assert values == list(range(100 if last == "a" else 200, (100 if last == "a" else 200) + 5))  # the later load's rows, once
    assert [r[0] for r in audit[:1]] == ["r0"] and sorted(r[0] for r in audit[1:]) == ["a", "b"]
    assert [(r[1], r[2]) for r in audit] == [(3, 0), (5, 3), (5, 5)]  # each load replaced what was there


@contextmanager
def table_locked(server, database: str, table: str):
    con = REAL_CONNECT(host="127.0.0.1", port=server.port, user="postgres", dbname=database)
    with con.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        con.rollback()
        con.close()


def sessions_waiting_on_locks(server, database: str) -> int:
    with closing(admin_connection(server, database)) as con, con.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'data-platform' AND wait_event_type = 'Lock'", (database,)
        )
        return cursor.fetchone()[0]


def in_thread(work) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            outcome.append(work())
        except Exception as error:  # reported by the assertions below
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_two_loads_of_one_partition_at_once_on_postgres_leave_one_copy(postgres_server, postgres_warehouse):
    """Load a has replaced the partition and waits (on the audit table) to commit; load b of the
    same partition starts meanwhile. b must wait for a and then replace a's rows, or be refused:
    never add its rows beside a's."""
    database = postgres_warehouse.database
    postgres_warehouse.replace_partitions([small_load(0, rows=3)], run_id="r0")
    with table_locked(postgres_server, database, "retail.load_audit"):
        a, a_outcome = in_thread(lambda: postgres_warehouse.replace_partitions([small_load(100)], run_id="a"))
        wait_until(lambda: sessions_waiting_on_locks(postgres_server, database) == 1, "load a is waiting to write its audit row")
        b, b_outcome = in_thread(lambda: postgres_warehouse.replace_partitions([small_load(200)], run_id="b"))
        wait_until(lambda: sessions_waiting_on_locks(postgres_server, database) == 2, "load b is waiting behind load a")
    a.join(timeout=60)
    b.join(timeout=60)
    assert not isinstance(a_outcome[0], Exception), a_outcome
    values = sorted(postgres_warehouse.query("SELECT v FROM retail.fault_t WHERE d = ?", (PARTITION_DAY,)).get_column("v").to_list())
    if isinstance(b_outcome[0], Exception):  # refused: a's rows stand
        assert values == list(range(100, 105))
    else:  # waited: b replaced a's rows
        assert values == list(range(200, 205)), f"both loads' rows are in the partition: {values}"
        assert b_outcome[0][0].replaced_rows == 5


def test_the_landing_sensor_does_not_launch_a_day_that_a_daily_job_run_is_processing(tmp_path):
    """The 02:00 schedule's run of `retail_daily` covers every retail asset of its day. A late POS
    file arriving while it runs must wait for it, as it would for a sensor run of the same day:
    two runs of one partition at once race on its lake files and warehouse rows, and the one that
    read fewer landing files can finish last."""
    lake, instance = LocalLake(root=str(tmp_path / "lake")), dg.DagsterInstance.ephemeral()
    landed_days(lake)
    _, cursor, _ = sensor_tick(lake, None, instance)
    run = dg.DagsterRun(
        job_name="retail_daily", run_id="scheduled", status=dg.DagsterRunStatus.STARTED,
        tags={"dagster/partition": "2024-10-01", "dagster/schedule_name": "retail_daily_schedule"},
    )
    instance.add_run(run)
    land(lake, "pos", "2024-10-01", "store_003.csv")  # late, while the scheduled run of the day is in flight
    requests, cursor_while_running, _ = sensor_tick(lake, cursor, instance)
    assert requests == [], f"launched {[(r.tags['source'], r.partition_key) for r in requests]} beside the running retail_daily run"
    instance.report_run_failed(run)
    [request], _, _ = sensor_tick(lake, cursor_while_running, instance)
    assert (request.tags["source"], request.partition_key) == ("retail/pos", "2024-10-01")


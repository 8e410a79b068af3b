"""The Redshift load path: a connection killed mid-load leaves nothing partial, connection
errors are retried, and the Redshift-only SQL (COPY from S3, DISTKEY/SORTKEY DDL) is right.

PostgreSQL speaks Redshift's protocol, so the transaction runs against a real server; only
the COPY source differs, and its text is tested on its own.
"""

import threading
import time
from contextlib import closing, contextmanager
from datetime import date

import polars as pl
import psycopg2
import pytest

from assets.banking import schemas as banking
from assets.retail import schemas as retail
from resources.lake import S3Lake
from resources.sql_warehouse import RedshiftWarehouse, copy_from_s3_sql
from resources.warehouse import Column, PartitionLoad, TableDef, create_table_sql

DAY = date(2024, 10, 1)
TABLE = TableDef("retail", "t", (Column("d", pl.Date, False), Column("v", pl.Int64, False)), sort_key="d")
ROLE = "arn:aws:iam::123456789012:role/redshift-copy"


def load(n: int) -> PartitionLoad:
    return PartitionLoad(TABLE, DAY, pl.DataFrame({"d": [DAY] * n, "v": range(n)}), asset="a", checksum=f"sha-{n}")


@contextmanager
def audit_table_locked(server, database: str):
    """Holds the audit table, so a load blocks after it has deleted and inserted its rows."""
    con = psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres", dbname=database)
    with con.cursor() as cursor:
        cursor.execute("LOCK TABLE retail.load_audit IN ACCESS EXCLUSIVE MODE")
    try:
        yield con
    finally:
        con.rollback()
        con.close()


def kill_blocked_load(server) -> None:
    # Its own autocommit connection: pg_stat_activity is a snapshot taken once per transaction.
    con = psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres", dbname="postgres")
    con.autocommit = True
    with closing(con), con.cursor() as cursor:
        for _ in range(200):
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'data-platform' AND wait_event_type = 'Lock'")
            pids = [row[0] for row in cursor.fetchall()]
            if pids:
                cursor.execute("SELECT pg_terminate_backend(%s)", (pids[0],))
                return
            time.sleep(0.05)
    raise AssertionError("the load never reached the audit insert")


def load_in_thread(warehouse) -> tuple[threading.Thread, list]:
    outcome = []

    def run():
        try:
            outcome.append(warehouse.replace_partitions([load(5)], run_id="r2"))
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def partition_state(warehouse) -> tuple:
    rows = warehouse.query("select count(*) from retail.t where d = ?", (DAY,)).item()
    return rows, warehouse.query("select run_id from retail.load_audit order by loaded_at").get_column("run_id").to_list()


def test_a_connection_killed_mid_load_leaves_the_previous_partition_intact(postgres_server, postgres_warehouse):
    postgres_warehouse.replace_partitions([load(3)], run_id="r1")
    no_retry = postgres_warehouse.model_copy(update={"max_attempts": 1})
    with audit_table_locked(postgres_server, postgres_warehouse.database):
        thread, outcome = load_in_thread(no_retry)
        kill_blocked_load(postgres_server)
        thread.join(timeout=30)
    assert isinstance(outcome[0], psycopg2.OperationalError)
    assert partition_state(postgres_warehouse) == (3, ["r1"])  # neither the 5 new rows nor a half-replaced partition


def test_a_killed_load_is_retried_and_lands_exactly_once(postgres_server, postgres_warehouse):
    postgres_warehouse.replace_partitions([load(3)], run_id="r1")
    with audit_table_locked(postgres_server, postgres_warehouse.database):
        thread, outcome = load_in_thread(postgres_warehouse)
        kill_blocked_load(postgres_server)
    thread.join(timeout=30)
    [receipt] = outcome[0]
    assert receipt.rows == 5 and receipt.replaced_rows == 3
    assert partition_state(postgres_warehouse) == (5, ["r1", "r2"])


def test_an_unreachable_warehouse_fails_after_its_retries_with_a_clear_error(postgres_warehouse):
    unreachable = postgres_warehouse.model_copy(update={"port": 1, "max_attempts": 2, "connect_timeout_seconds": 1})
    with pytest.raises(psycopg2.OperationalError, match="(?i)connect"):
        unreachable.replace_partitions([load(1)], run_id="r")


def test_redshift_ddl_carries_distribution_and_sort_keys_from_the_dataset():
    sql = create_table_sql(retail.SILVER_POS_LINES.table_def(), "redshift")
    assert sql.startswith('CREATE TABLE IF NOT EXISTS "retail"."silver_pos_lines" (')
    assert sql.endswith('DISTSTYLE KEY DISTKEY("store_id") COMPOUND SORTKEY("transaction_date")')
    assert '"receipt_id" VARCHAR(65535) NOT NULL' in sql and '"customer_id" VARCHAR(65535),' in sql  # nullable where pandera says so
    assert '"amount" DECIMAL(12,2) NOT NULL' in sql and '"timestamp" TIMESTAMPTZ NOT NULL' in sql and '"_source_line" BIGINT NOT NULL' in sql
    small_reference_table = create_table_sql(retail.SILVER_STORES.table_def(), "redshift")
    assert small_reference_table.endswith('DISTSTYLE AUTO COMPOUND SORTKEY("snapshot_date")')
    assert 'DISTKEY("account_id")' in create_table_sql(banking.SILVER_TRANSACTIONS.table_def(), "redshift")
    assert "DISTKEY" not in create_table_sql(retail.SILVER_POS_LINES.table_def(), "postgres")


def test_redshift_copy_reads_parquet_with_the_configured_role():
    sql = copy_from_s3_sql('"staging_t"', "s3://lake-bucket/_staging/warehouse/ab12.parquet", ROLE)
    assert sql == f"""COPY "staging_t" FROM 's3://lake-bucket/_staging/warehouse/ab12.parquet' IAM_ROLE '{ROLE}' FORMAT AS PARQUET"""


@pytest.mark.parametrize("role", ["arn:aws:iam::123456789012:role/x' --", "role/x", ""])
def test_a_malformed_iam_role_is_refused_before_it_reaches_sql(role):
    with pytest.raises(ValueError, match="PLATFORM_REDSHIFT_IAM_ROLE"):
        copy_from_s3_sql('"staging_t"', "s3://lake-bucket/k.parquet", role)


class RecordingConnection:
    """Stands in for Redshift's connection: records the SQL; the S3 side is real (moto)."""

    closed = False

    def __init__(self):
        self.statements, self.committed = [], False

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params=None):
        self.statements.append(sql)
        self.rowcount = 0

    def commit(self):
        self.committed = True

    def rollback(self):
        pass


def test_redshift_load_stages_parquet_on_s3_copies_it_and_drops_it(moto_endpoint, monkeypatch):
    from dagster_aws.s3 import S3Resource

    staging = S3Lake(bucket="lake-bucket", s3=S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1"))
    staging.s3.get_client().create_bucket(Bucket="lake-bucket")
    warehouse = RedshiftWarehouse(host="redshift.example", database="dw", user="loader", staging=staging, iam_role=ROLE)
    connection, staged_frames = RecordingConnection(), []
    original_copy = RedshiftWarehouse._copy_into

    def copy_and_capture(self, cursor, staging_table, frame):
        keys = original_copy(self, cursor, staging_table, frame)
        staged_frames.append(staging.read_parquet(keys[0]))
        return keys

    monkeypatch.setattr(RedshiftWarehouse, "_connect", contextmanager(lambda self: (yield connection)))
    monkeypatch.setattr(RedshiftWarehouse, "_copy_into", copy_and_capture)
    warehouse.replace_partitions([load(4)], run_id="r1")

    copy = next(s for s in connection.statements if s.startswith("COPY"))
    assert copy.startswith("""COPY "staging_t" FROM 's3://lake-bucket/_staging/warehouse/""") and copy.endswith(f"IAM_ROLE '{ROLE}' FORMAT AS PARQUET")
    order = [s.split()[0] for s in connection.statements]
    assert order.index("COPY") < order.index("DELETE") < order.index("INSERT") and connection.committed
    assert staged_frames[0].equals(load(4).frame)
    assert staging.list_keys("_staging/") == []  # staged data is dropped once loaded


def test_weekly_maintenance_vacuums_and_analyzes_the_loaded_tables(postgres_warehouse):
    from sensors.warehouse_maintenance import warehouse_maintenance

    store = {"store_id": "001", "store_name": "Store 1", "city": "Austin", "state": "TX", "region": "Southwest", "store_type": "market",
             "open_date": date(2020, 1, 1), "snapshot_date": DAY}
    stores = retail.SILVER_STORES.table_def()
    postgres_warehouse.replace_partitions([PartitionLoad(stores, DAY, pl.DataFrame([store]), "retail_silver_stores", "c")], run_id="r")
    result = warehouse_maintenance.execute_in_process(resources={"warehouse": postgres_warehouse})
    assert result.success
    [output] = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    # Only tables that exist yet: one dataset table and its domain's audit table.
    assert output.event_specific_data.metadata["statements"].value == '- `VACUUM ANALYZE "retail"."silver_stores"`\n- `VACUUM ANALYZE "retail"."load_audit"`'


def test_redshift_maintenance_reclaims_deleted_rows_and_refreshes_statistics():
    sql = RedshiftWarehouse.maintenance_sql(None, retail.SILVER_POS_LINES.table_def())
    assert sql == ['VACUUM FULL "retail"."silver_pos_lines" TO 99 PERCENT', 'ANALYZE "retail"."silver_pos_lines"']

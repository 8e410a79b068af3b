"""Warehouses behind a PostgreSQL-protocol connection: Redshift in production, PostgreSQL in tests.

Both load a partition the same way, in one transaction:

    CREATE TEMP TABLE staging (LIKE target)  ->  COPY rows into staging
    DELETE the partition from target  ->  INSERT from staging  ->  audit row  ->  COMMIT

Only the COPY source differs: Redshift copies Parquet staged on S3 (`FORMAT AS PARQUET`,
with an IAM role), PostgreSQL copies from the client (`COPY FROM STDIN`). A dropped
connection aborts the transaction on the server, so the target is never left half-loaded,
and the whole transaction is retried with backoff.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from abc import abstractmethod
from contextlib import contextmanager
from typing import ClassVar

import dagster as dg
import polars as pl
from pydantic import Field

from resources.lake import LakeStorage
from resources.warehouse import (
    LoadReceipt,
    PartitionLoad,
    TableDef,
    Warehouse,
    audit_row,
    audit_table,
    quote_identifier,
    schema_sql,
    warehouse_frame,
)

_IAM_ROLE = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")  # fullmatch: no trailing newline
log = dg.get_dagster_logger()


class SqlWarehouse(Warehouse):
    host: str
    port: int = 5432
    database: str
    user: str
    password: str | None = Field(default=None, description="From the environment only, e.g. EnvVar('PLATFORM_REDSHIFT_PASSWORD').")
    sslmode: str = "prefer"
    connect_timeout_seconds: int = 10
    max_attempts: int = Field(default=4, description="Tries of a transaction that failed on a connection error.")
    backoff_seconds: float = 1.0

    dialect: ClassVar[str] = "postgres"

    @contextmanager
    def _connect(self):
        import psycopg2

        con = psycopg2.connect(
            host=self.host, port=self.port, dbname=self.database, user=self.user, password=self.password,
            sslmode=self.sslmode, connect_timeout=self.connect_timeout_seconds, application_name="data-platform",
        )
        try:
            yield con
        finally:
            con.close()

    def _with_retries(self, work):
        """Retries the whole transaction on connection errors only: a data error would fail the
        same way again. A connection lost during COMMIT may have committed; re-running is still
        safe because a load replaces its partition (the audit trail then shows both attempts)."""
        import psycopg2

        for attempt in range(1, self.max_attempts + 1):
            try:
                with self._connect() as con:
                    return work(con)
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
                if attempt == self.max_attempts:
                    raise
                delay = self.backoff_seconds * 2 ** (attempt - 1)
                log.warning(f"warehouse connection failed (attempt {attempt} of {self.max_attempts}): {type(error).__name__}; retrying in {delay:.1f} s")
                time.sleep(delay)

    def replace_partitions(self, loads: list[PartitionLoad], run_id: str) -> list[LoadReceipt]:
        def transaction(con) -> list[LoadReceipt]:
            staged: list[str] = []
            try:
                with con.cursor() as cursor:
                    receipts = [self._replace(cursor, load, run_id, staged) for load in loads]
                con.commit()
                return receipts
            except BaseException:
                if not con.closed:
                    con.rollback()
                raise
            finally:
                self._drop_staged(staged)

        return self._with_retries(transaction)

    def _replace(self, cursor, load: PartitionLoad, run_id: str, staged: list[str]) -> LoadReceipt:
        for statement in schema_sql([load.table], self.dialect):
            cursor.execute(statement)
        # Held to COMMIT, so a concurrent load of the same table waits, then sees this load's rows
        # and replaces them. Without it, READ COMMITTED lets the second DELETE miss the first
        # load's new rows and both copies stay; on Redshift it avoids serializable-isolation aborts.
        cursor.execute(f"LOCK TABLE {load.table.qualified}" + (" IN SHARE ROW EXCLUSIVE MODE" if self.dialect == "postgres" else ""))
        staging = quote_identifier(f"staging_{load.table.name}")
        cursor.execute(f"CREATE TEMP TABLE {staging} (LIKE {load.table.qualified})")
        staged += self._copy_into(cursor, staging, warehouse_frame(load))
        cursor.execute(f"DELETE FROM {load.table.qualified} WHERE {quote_identifier(load.partition_column)} = %s", (load.partition_value,))
        replaced = cursor.rowcount
        cursor.execute(f"INSERT INTO {load.table.qualified} SELECT * FROM {staging}")
        cursor.execute(f"DROP TABLE {staging}")
        audit = audit_table(load.table.schema).qualified
        cursor.execute(f"INSERT INTO {audit} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", audit_row(load, replaced, run_id))
        return LoadReceipt(f"{load.table.schema}.{load.table.name}", str(load.partition_value), load.frame.height, replaced)

    @abstractmethod
    def _copy_into(self, cursor, staging: str, frame: pl.DataFrame) -> list[str]:
        """Fills the staging table; returns what it staged outside the database, to drop afterwards."""

    def _drop_staged(self, staged: list[str]) -> None:
        pass

    def query(self, sql: str, params: tuple = ()) -> pl.DataFrame:
        if params:  # the interface's `?` placeholders, in psycopg's style
            sql = sql.replace("%", "%%").replace("?", "%s")

        def read(con) -> pl.DataFrame:
            with con.cursor() as cursor:
                cursor.execute(sql, params or None)
                names = [d.name for d in cursor.description]
                return pl.DataFrame(cursor.fetchall(), schema=names, orient="row", infer_schema_length=None)

        return self._with_retries(read)

    def create_tables(self, tables: list[TableDef]) -> None:
        def create(con) -> None:
            with con.cursor() as cursor:
                for statement in schema_sql(tables, self.dialect):
                    cursor.execute(statement)
            con.commit()

        self._with_retries(create)

    def maintain(self, tables: list[TableDef]) -> list[str]:
        statements = [s for t in tables for s in self.maintenance_sql(t)]

        def run(con) -> None:
            con.autocommit = True  # VACUUM refuses to run inside a transaction block
            with con.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

        self._with_retries(run)
        return statements

    def maintenance_sql(self, table: TableDef) -> list[str]:
        return [f"VACUUM ANALYZE {table.qualified}"]

    def dbt_target(self) -> tuple[str, dict[str, str]]:
        # dbt scrubs DBT_ENV_SECRET_* values from its logs.
        return self.dialect, {
            "PLATFORM_REDSHIFT_HOST": self.host, "PLATFORM_REDSHIFT_PORT": str(self.port), "PLATFORM_REDSHIFT_DATABASE": self.database,
            "PLATFORM_REDSHIFT_USER": self.user, "PLATFORM_REDSHIFT_SSLMODE": self.sslmode, "DBT_ENV_SECRET_WAREHOUSE_PASSWORD": self.password or "",
        }


class PostgresWarehouse(SqlWarehouse):
    """PostgreSQL: the Redshift load path with the client as the COPY source. Used by the tests
    to prove the Redshift transaction, DDL and retry logic against a real server."""

    def _copy_into(self, cursor, staging: str, frame: pl.DataFrame) -> list[str]:
        buffer = io.BytesIO()
        # Text is always quoted and NULL never is: in CSV, PostgreSQL reads a quoted "\N" as the text it is.
        frame.write_csv(
            buffer, include_header=False, null_value=r"\N", quote_style="non_numeric", datetime_format="%Y-%m-%dT%H:%M:%S%.6f%z"
        )
        buffer.seek(0)
        cursor.copy_expert(f"COPY {staging} FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)
        return []


class RedshiftWarehouse(SqlWarehouse):
    """Amazon Redshift: rows are staged as Parquet under `staging_prefix` in the lake bucket and
    copied with the cluster's IAM role, the way Redshift ingests fastest (parallel, per slice)."""

    staging: LakeStorage  # the S3 lake: COPY reads its s3:// URIs
    iam_role: str = Field(description="ARN of the role Redshift assumes to read the staging prefix.")
    staging_prefix: str = "_staging/warehouse/"
    sslmode: str = "require"
    dialect: ClassVar[str] = "redshift"

    def _copy_into(self, cursor, staging: str, frame: pl.DataFrame) -> list[str]:
        key = f"{self.staging_prefix}{uuid.uuid4().hex}.parquet"
        self.staging.write_parquet(key, frame)
        cursor.execute(copy_from_s3_sql(staging, self.staging.uri(key), self.iam_role))
        return [key]

    def _drop_staged(self, staged: list[str]) -> None:
        for key in staged:
            self.staging.delete(key)

    def maintenance_sql(self, table: TableDef) -> list[str]:
        # SORT ONLY would skip reclaiming deleted rows; every load deletes a partition's rows.
        return [f"VACUUM FULL {table.qualified} TO 99 PERCENT", f"ANALYZE {table.qualified}"]


def copy_from_s3_sql(staging: str, uri: str, iam_role: str) -> str:
    """The COPY text. The role and URI are configuration and code, not data, but they are still
    validated: a quote in either would otherwise end the SQL string literal."""
    if not _IAM_ROLE.fullmatch(iam_role):
        raise ValueError("PLATFORM_REDSHIFT_IAM_ROLE must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
    if not re.fullmatch(r"s3://[a-z0-9.-]{3,63}/[\w./=-]+", uri):
        raise ValueError(f"not a staging URI this warehouse writes: {uri!r}")
    return f"COPY {staging} FROM '{uri}' IAM_ROLE '{iam_role}' FORMAT AS PARQUET"

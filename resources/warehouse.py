"""The warehouse: load a partition with replace semantics and an audit row, in one transaction.

`Warehouse` is the interface; `EmbeddedWarehouse` (DuckDB, one file) is the embedded
default; resources/sql_warehouse.py holds PostgreSQL and Redshift. All of them create tables
from the same `TableDef`s, which the datasets derive from their pandera models.
"""

from __future__ import annotations

import fcntl
import re
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import polars as pl

AUDIT_TABLE = "load_audit"
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")  # matched whole (fullmatch): `$` would let "t\n" through


def quote_identifier(name: str) -> str:
    """Identifiers come from code, never from data; anything else is refused, not escaped."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a valid warehouse identifier: {name!r}")
    return f'"{name}"'


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    nullable: bool


@dataclass(frozen=True)
class TableDef:
    """A warehouse table as code declares it (from a pandera model): names never come from data."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    sort_key: str
    dist_key: str | None = None

    @property
    def qualified(self) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.name)}"


@dataclass(frozen=True)
class PartitionLoad:
    """One partition of one table: its rows replace whatever the table held for that partition."""

    table: TableDef
    partition_value: object
    frame: pl.DataFrame
    asset: str
    checksum: str  # of the lake file the rows came from, recorded in the audit trail

    @property
    def partition_column(self) -> str:
        return self.table.sort_key


@dataclass(frozen=True)
class LoadReceipt:
    table: str
    partition: str
    rows: int
    replaced_rows: int


class Warehouse(dg.ConfigurableResource, ABC):
    @abstractmethod
    def replace_partitions(self, loads: list[PartitionLoad], run_id: str) -> list[LoadReceipt]:
        """In one transaction: for each load, delete the partition's rows and insert the new
        ones, and append an audit row. Either every load lands or none does."""

    @abstractmethod
    def query(self, sql: str, params: tuple = ()) -> pl.DataFrame:
        """Runs read-only SQL from code; values go in `params`, with `?` placeholders."""

    @abstractmethod
    def create_tables(self, tables: list[TableDef]) -> None:
        """Creates whatever of these tables (and their schemas' audit tables) does not exist yet."""

    @abstractmethod
    def maintain(self, tables: list[TableDef]) -> list[str]:
        """Reclaim space and refresh planner statistics; returns the statements it ran."""

    @abstractmethod
    def dbt_target(self) -> tuple[str, dict[str, str]]:
        """The dbt target (platform/dbt/profiles.yml) that reaches this warehouse, and the
        environment variables its profile reads."""

    @contextmanager
    def exclusive(self):
        """Held while another process (dbt) writes the warehouse; a server needs nothing."""
        yield


_SQL_TYPES = {
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Int32: "INTEGER",
    pl.Int16: "SMALLINT",
    pl.Int8: "SMALLINT",
    pl.Float64: "DOUBLE PRECISION",
    pl.Boolean: "BOOLEAN",
    pl.Date: "DATE",
}


def sql_type(dtype: pl.DataType, dialect: str = "duckdb") -> str:
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ" if dtype.time_zone else "TIMESTAMP"
    if isinstance(dtype, pl.List) or dtype == pl.String:
        # Lists arrive comma-joined (see warehouse_frame). Redshift's bare VARCHAR means 256 bytes.
        return "VARCHAR(65535)" if dialect == "redshift" else "VARCHAR"
    try:
        return _SQL_TYPES[dtype.base_type()]
    except KeyError:
        raise TypeError(f"no warehouse type for {dtype}") from None


def create_table_sql(table: TableDef, dialect: str) -> str:
    columns = ", ".join(
        f"{quote_identifier(c.name)} {sql_type(c.dtype, dialect)}{'' if c.nullable else ' NOT NULL'}" for c in table.columns
    )
    layout = ""
    if dialect == "redshift":
        distribution = f"DISTSTYLE KEY DISTKEY({quote_identifier(table.dist_key)})" if table.dist_key else "DISTSTYLE AUTO"
        layout = f" {distribution} COMPOUND SORTKEY({quote_identifier(table.sort_key)})"
    return f"CREATE TABLE IF NOT EXISTS {table.qualified} ({columns}){layout}"


def schema_sql(tables: list[TableDef], dialect: str) -> list[str]:
    """DDL for the tables, their schemas and each schema's audit table; all of it idempotent."""
    schemas = sorted({t.schema for t in tables})
    return [
        *(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(s)}" for s in schemas),
        *(create_table_sql(t, dialect) for t in [*tables, *map(audit_table, schemas)]),
    ]


def audit_table(schema: str) -> TableDef:
    columns = [("asset", pl.String), ("target_table", pl.String), ("partition_key", pl.String), ("row_count", pl.Int64),
               ("replaced_rows", pl.Int64), ("checksum", pl.String), ("run_id", pl.String), ("loaded_at", pl.Datetime("us", "UTC"))]
    return TableDef(schema, AUDIT_TABLE, tuple(Column(n, t, False) for n, t in columns), sort_key="loaded_at")


def warehouse_frame(load: PartitionLoad) -> pl.DataFrame:
    """The rows as the table stores them: in declared column order (Redshift's Parquet COPY
    maps by position), with lists comma-joined because Redshift has no array type and the
    dbt marts must read the same shape on every backend."""
    frame = load.frame.select([c.name for c in load.table.columns])
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(pl.col(c).list.join(",") for c in lists) if lists else frame


def audit_row(load: PartitionLoad, replaced: int, run_id: str) -> tuple:
    table = f"{load.table.schema}.{load.table.name}"
    return (load.asset, table, str(load.partition_value), load.frame.height, replaced, load.checksum, run_id, datetime.now(UTC))


class EmbeddedWarehouse(Warehouse):
    """DuckDB in one file. DuckDB admits one writing process at a time, so every connection
    takes an exclusive file lock first: concurrent runs queue for the warehouse instead of
    failing with a lock error."""

    path: str

    @contextmanager
    def exclusive(self):
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with open(self.path + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    @contextmanager
    def _connect(self):
        import duckdb

        with self.exclusive():
            con = duckdb.connect(self.path)
            try:
                yield con
            finally:
                con.close()

    def dbt_target(self) -> tuple[str, dict[str, str]]:
        return "local", {"PLATFORM_DBT_DUCKDB_PATH": str(Path(self.path).resolve())}

    def replace_partitions(self, loads: list[PartitionLoad], run_id: str) -> list[LoadReceipt]:
        with self._connect() as con:
            con.execute("BEGIN")
            try:
                receipts = [self._replace(con, load, run_id) for load in loads]
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return receipts

    @staticmethod
    def _replace(con, load: PartitionLoad, run_id: str) -> LoadReceipt:
        for statement in schema_sql([load.table], "duckdb"):
            con.execute(statement)
        target = load.table.qualified
        replaced = con.execute(f"DELETE FROM {target} WHERE {quote_identifier(load.partition_column)} = ?", [load.partition_value]).fetchone()[0]
        con.register("incoming", warehouse_frame(load).to_arrow())
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM incoming")
        con.unregister("incoming")
        con.execute(f"INSERT INTO {audit_table(load.table.schema).qualified} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(audit_row(load, replaced, run_id)))
        return LoadReceipt(f"{load.table.schema}.{load.table.name}", str(load.partition_value), load.frame.height, replaced)

    def query(self, sql: str, params: tuple = ()) -> pl.DataFrame:
        with self._connect() as con:
            return con.execute(sql, list(params)).pl()

    def create_tables(self, tables: list[TableDef]) -> None:
        with self._connect() as con:
            for statement in schema_sql(tables, "duckdb"):
                con.execute(statement)

    def maintain(self, tables: list[TableDef]) -> list[str]:
        # DuckDB reclaims space on CHECKPOINT; ANALYZE refreshes its statistics.
        statements = ["CHECKPOINT", "ANALYZE"]
        with self._connect() as con:
            for statement in statements:
                con.execute(statement)
        return statements

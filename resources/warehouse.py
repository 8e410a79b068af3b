"""The warehouse: load a partition with replace semantics and an audit row, in one transaction.

`Warehouse` is the interface; `EmbeddedWarehouse` (DuckDB, one file) is the embedded
default. A Redshift implementation satisfies the same two methods.
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
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def quote_identifier(name: str) -> str:
    """Identifiers come from code, never from data; anything else is refused, not escaped."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a valid warehouse identifier: {name!r}")
    return f'"{name}"'


@dataclass(frozen=True)
class PartitionLoad:
    """One partition of one table: its rows replace whatever the table held for that partition."""

    schema: str
    table: str
    partition_column: str
    partition_value: object
    frame: pl.DataFrame
    asset: str
    checksum: str  # of the lake file the rows came from, recorded in the audit trail


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
    def query(self, sql: str, params: tuple = ()) -> pl.DataFrame: ...


_SQL_TYPES = {
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Int32: "INTEGER",
    pl.Int16: "SMALLINT",
    pl.Int8: "SMALLINT",
    pl.Float64: "DOUBLE",
    pl.Boolean: "BOOLEAN",
    pl.Date: "DATE",
}


def sql_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ" if dtype.time_zone else "TIMESTAMP"
    if isinstance(dtype, pl.List):
        return sql_type(dtype.inner) + "[]"
    try:
        return _SQL_TYPES[dtype.base_type()]
    except KeyError:
        raise TypeError(f"no warehouse type for {dtype}") from None


class EmbeddedWarehouse(Warehouse):
    """DuckDB in one file. DuckDB admits one writing process at a time, so every connection
    takes an exclusive file lock first: concurrent runs queue for the warehouse instead of
    failing with a lock error."""

    path: str

    @contextmanager
    def _connect(self):
        import duckdb

        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with open(self.path + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            con = duckdb.connect(self.path)
            try:
                yield con
            finally:
                con.close()

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
        schema = quote_identifier(load.schema)
        target = f"{schema}.{quote_identifier(load.table)}"
        columns = ", ".join(f"{quote_identifier(c)} {sql_type(t)}" for c, t in load.frame.schema.items())
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {target} ({columns})")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {schema}.{quote_identifier(AUDIT_TABLE)} (asset VARCHAR, target_table VARCHAR,"
            " partition_key VARCHAR, row_count BIGINT, replaced_rows BIGINT, checksum VARCHAR, run_id VARCHAR, loaded_at TIMESTAMPTZ)"
        )
        replaced = con.execute(f"DELETE FROM {target} WHERE {quote_identifier(load.partition_column)} = ?", [load.partition_value]).fetchone()[0]
        con.register("incoming", load.frame.to_arrow())
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM incoming")
        con.unregister("incoming")
        table = f"{load.schema}.{load.table}"
        con.execute(
            f"INSERT INTO {schema}.{quote_identifier(AUDIT_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [load.asset, table, str(load.partition_value), load.frame.height, replaced, load.checksum, run_id, datetime.now(UTC)],
        )
        return LoadReceipt(table, str(load.partition_value), load.frame.height, replaced)

    def query(self, sql: str, params: tuple = ()) -> pl.DataFrame:
        with self._connect() as con:
            return con.execute(sql, list(params)).pl()

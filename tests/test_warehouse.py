"""Both warehouse load paths, embedded (DuckDB) and Redshift-compatible (a real PostgreSQL):
replace-partition loads in one transaction, the audit trail, typed DDL and identifier safety."""

import threading
from datetime import date

import polars as pl
import pytest

from resources.warehouse import Column, PartitionLoad, TableDef, quote_identifier

TABLE_COLUMNS = (Column("d", pl.Date, False), Column("v", pl.Int64, True), Column("tags", pl.List(pl.String), True))


@pytest.fixture(params=["embedded", "postgres"])
def any_warehouse(request):
    return request.getfixturevalue("warehouse" if request.param == "embedded" else "postgres_warehouse")


def load(table: str, day: date, n: int, values=None) -> PartitionLoad:
    frame = pl.DataFrame({"v": values if values is not None else list(range(n)), "d": [day] * n, "tags": [["a", "b"]] * n})
    return PartitionLoad(TableDef("retail", table, TABLE_COLUMNS, sort_key="d"), day, frame, asset=f"asset_{table}", checksum=f"sha-{n}")


def test_replace_partition_replaces_only_that_partition_and_audits(any_warehouse):
    warehouse = any_warehouse
    warehouse.replace_partitions([load("t", date(2024, 10, 1), 3)], run_id="r1")
    warehouse.replace_partitions([load("t", date(2024, 10, 2), 2)], run_id="r2")
    [receipt] = warehouse.replace_partitions([load("t", date(2024, 10, 1), 4)], run_id="r3")
    assert receipt.replaced_rows == 3 and receipt.rows == 4
    counts = warehouse.query("select d, count(*) n from retail.t group by d order by d").rows()
    assert counts == [(date(2024, 10, 1), 4), (date(2024, 10, 2), 2)]
    audit = warehouse.query("select partition_key, row_count, replaced_rows, run_id, checksum from retail.load_audit order by loaded_at").rows()
    assert audit == [("2024-10-01", 3, 0, "r1", "sha-3"), ("2024-10-02", 2, 0, "r2", "sha-2"), ("2024-10-01", 4, 3, "r3", "sha-4")]
    # Lists are stored comma-joined, the one shape Redshift, PostgreSQL and DuckDB all read alike.
    assert warehouse.query("select distinct tags from retail.t where d = ?", (date(2024, 10, 1),)).item() == "a,b"


def test_a_failed_load_leaves_every_table_of_the_batch_unchanged(any_warehouse):
    warehouse, day = any_warehouse, date(2024, 10, 1)
    warehouse.replace_partitions([load("a", day, 3), load("b", day, 3)], run_id="r1")
    broken = load("b", day, 1, values=["not a number"])
    with pytest.raises(Exception, match="(?i)conver|invalid input"):
        warehouse.replace_partitions([load("a", day, 5), broken], run_id="r2")
    assert warehouse.query("select count(*) from retail.a").item() == 3  # table a's new rows were rolled back too
    assert warehouse.query("select count(*) from retail.b").item() == 3
    assert warehouse.query("select count(*) from retail.load_audit").item() == 2


def test_declared_not_null_columns_refuse_nulls(any_warehouse):
    day = date(2024, 10, 1)
    frame = pl.DataFrame({"d": [None], "v": [1], "tags": [None]}, schema={"d": pl.Date, "v": pl.Int64, "tags": pl.List(pl.String)})
    with pytest.raises(Exception, match="(?i)null"):
        any_warehouse.replace_partitions([PartitionLoad(TableDef("retail", "t", TABLE_COLUMNS, "d"), day, frame, "a", "c")], run_id="r")


def test_concurrent_loads_queue_instead_of_failing(any_warehouse):
    warehouse, errors = any_warehouse, []
    warehouse.replace_partitions([load("t", date(2024, 9, 30), 1)], run_id="create")  # DDL races are not what this tests

    def run(i: int):
        try:
            warehouse.replace_partitions([load("t", date(2024, 10, 1 + i), 100)], run_id=f"r{i}")
        except Exception as err:  # a DuckDB lock error would land here
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert warehouse.query("select count(*) from retail.t where d > ?", (date(2024, 9, 30),)).item() == 600


def test_maintenance_runs_on_every_backend(any_warehouse):
    table = load("t", date(2024, 10, 1), 3)
    any_warehouse.replace_partitions([table], run_id="r1")
    assert any_warehouse.maintain([table.table])


@pytest.mark.parametrize("name", ['t"; drop table x; --', "Upper", "1abc", "a b", ""])
def test_identifiers_from_anywhere_but_code_are_refused(name):
    with pytest.raises(ValueError):
        quote_identifier(name)

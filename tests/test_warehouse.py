"""The embedded warehouse: replace-partition loads in one transaction, the audit trail, identifier safety."""

import threading
from datetime import date

import duckdb
import polars as pl
import pytest

from resources.warehouse import PartitionLoad, quote_identifier


def load(table: str, day: date, n: int, values=None) -> PartitionLoad:
    frame = pl.DataFrame({"d": [day] * n, "v": values if values is not None else list(range(n))})
    return PartitionLoad("retail", table, "d", day, frame, asset=f"asset_{table}", checksum=f"sha-{n}")


def test_replace_partition_replaces_only_that_partition_and_audits(warehouse):
    warehouse.replace_partitions([load("t", date(2024, 10, 1), 3)], run_id="r1")
    warehouse.replace_partitions([load("t", date(2024, 10, 2), 2)], run_id="r2")
    [receipt] = warehouse.replace_partitions([load("t", date(2024, 10, 1), 4)], run_id="r3")
    assert receipt.replaced_rows == 3 and receipt.rows == 4
    counts = warehouse.query("select d, count(*) n from retail.t group by d order by d").rows()
    assert counts == [(date(2024, 10, 1), 4), (date(2024, 10, 2), 2)]
    audit = warehouse.query("select partition_key, row_count, replaced_rows, run_id, checksum from retail.load_audit order by loaded_at").rows()
    assert audit == [("2024-10-01", 3, 0, "r1", "sha-3"), ("2024-10-02", 2, 0, "r2", "sha-2"), ("2024-10-01", 4, 3, "r3", "sha-4")]


def test_a_failed_load_leaves_every_table_of_the_batch_unchanged(warehouse):
    day = date(2024, 10, 1)
    warehouse.replace_partitions([load("a", day, 3), load("b", day, 3)], run_id="r1")
    broken = load("b", day, 1, values=["not a number"])
    with pytest.raises(duckdb.ConversionException):
        warehouse.replace_partitions([load("a", day, 5), broken], run_id="r2")
    assert warehouse.query("select count(*) from retail.a").item() == 3  # table a's new rows were rolled back too
    assert warehouse.query("select count(*) from retail.b").item() == 3
    assert warehouse.query("select count(*) from retail.load_audit").item() == 2


def test_concurrent_loads_queue_instead_of_failing(warehouse):
    errors = []

    def run(i: int):
        try:
            warehouse.replace_partitions([load("t", date(2024, 10, 1 + i), 100)], run_id=f"r{i}")
        except Exception as err:  # a DuckDB lock error would land here
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert warehouse.query("select count(*) from retail.t").item() == 600


@pytest.mark.parametrize("name", ['t"; drop table x; --', "Upper", "1abc", "a b", ""])
def test_identifiers_from_anywhere_but_code_are_refused(name):
    with pytest.raises(ValueError):
        quote_identifier(name)

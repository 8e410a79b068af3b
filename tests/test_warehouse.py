"""The embedded warehouse: replace-partition loads, the audit trail, and identifier safety."""

import threading
from datetime import date

import polars as pl
import pytest

from resources.warehouse import quote_identifier


def frame(day: date, n: int) -> pl.DataFrame:
    return pl.DataFrame({"d": [day] * n, "v": list(range(n))})


def test_replace_partition_replaces_only_that_partition_and_audits(warehouse):
    warehouse.replace_partition("retail", "t", "d", date(2024, 10, 1), frame(date(2024, 10, 1), 3), asset="a", run_id="r1", checksum="c1")
    warehouse.replace_partition("retail", "t", "d", date(2024, 10, 2), frame(date(2024, 10, 2), 2), asset="a", run_id="r2", checksum="c2")
    receipt = warehouse.replace_partition(
        "retail", "t", "d", date(2024, 10, 1), frame(date(2024, 10, 1), 4), asset="a", run_id="r3", checksum="c3"
    )
    assert receipt.replaced_rows == 3
    counts = warehouse.query('select d, count(*) n from retail.t group by d order by d').rows()
    assert counts == [(date(2024, 10, 1), 4), (date(2024, 10, 2), 2)]
    audit = warehouse.query("select partition_key, row_count, replaced_rows, run_id from retail.load_audit order by loaded_at").rows()
    assert audit == [("2024-10-01", 3, 0, "r1"), ("2024-10-02", 2, 0, "r2"), ("2024-10-01", 4, 3, "r3")]


def test_failed_load_leaves_the_target_unchanged(warehouse):
    warehouse.replace_partition("retail", "t", "d", date(2024, 10, 1), frame(date(2024, 10, 1), 3), asset="a", run_id="r1", checksum="c")
    wrong = pl.DataFrame({"d": [date(2024, 10, 1)], "v": ["not a number"]})
    with pytest.raises(Exception):
        warehouse.replace_partition("retail", "t", "d", date(2024, 10, 1), wrong, asset="a", run_id="r2", checksum="c")
    assert warehouse.query("select count(*) from retail.t").item() == 3
    assert warehouse.query("select count(*) from retail.load_audit").item() == 1


def test_concurrent_loads_queue_instead_of_failing(warehouse):
    errors = []

    def load(i: int):
        try:
            day = date(2024, 10, 1 + i)
            warehouse.replace_partition("retail", "t", "d", day, frame(day, 100), asset="a", run_id=f"r{i}", checksum="c")
        except Exception as err:  # a DuckDB lock error would land here
            errors.append(err)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert warehouse.query("select count(*) from retail.t").item() == 600


@pytest.mark.parametrize("name", ['t"; drop table x; --', "Upper", "1abc", "a b", ""])
def test_identifiers_from_anywhere_but_code_are_refused(name):
    with pytest.raises(ValueError):
        quote_identifier(name)

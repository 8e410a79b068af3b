"""The soak's own code (bench/soak.py) on three simulated days, so the driver and the invariant
checker are exercised in CI: the days run through the real sensors and schedules, an injected
bad file fails exactly the run it should and its re-delivery heals it, every invariant holds,
and each invariant fails when the lake, the warehouse or the run record is tampered with.

The third day's POS files are odd but valid (reordered columns, an empty file, a header-only
file: DOMAIN.md §4 accepts them), so two stores sell nothing that day and the dbt marts must
still build."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from bench import soak as soak_module
from bench.soak import DayDefects, Invariants, run_soak

START = date(2024, 9, 1)
CALENDAR = {  # offsets: a cut-off POS gzip on the 2nd day, re-sent intact on the 3rd; yesterday's banking files again on the 3rd
    1: DayDefects(retail_bad_files=("corrupt_gzip",), note="bad POS file"),
    2: DayDefects(retail_bad_files=("reordered_columns", "empty_file", "header_only"), repair=(("retail", 1),), identical=(("banking", 1),),
                  note="fixed POS file, identical banking files, stores 002 and 003 sell nothing"),
}


@pytest.fixture(scope="module")
def soaked(tmp_path_factory):
    root = tmp_path_factory.mktemp("soak")
    with pytest.MonkeyPatch.context() as env:
        for name in ("PLATFORM_ENV", "PLATFORM_LOCAL_DIR", "DAGSTER_HOME"):  # the soak sets them; restore them afterwards
            env.setenv(name, "")
        soak, invariants, text, ok = run_soak(
            # The daily schedules tick but their backstop runs (the whole graph again, dbt included) are not executed here.
            root, 3, start=START, backstop_every=0, marts_every=3, idempotency_days=1, calendar=CALENDAR, log=lambda *_: None
        )
        baseline = problems(invariants)
        yield {"soak": soak, "invariants": invariants, "report": text, "ok": ok, "root": root, "baseline": baseline}
        soak.close()


def problems(invariants: Invariants) -> dict[str, set[str]]:
    return {f"{c.name}/{c.domain}": set(c.problems) for c in invariants.checks if not c.passed}


def recheck(soaked) -> dict[str, set[str]]:
    """Runs the invariant checker again over the (tampered) end state: the problems it finds that
    the untampered state did not have, by check."""
    invariants = Invariants(soaked["soak"])
    invariants.run_all(soaked["soak"].idempotency)
    new = {name: found - soaked["baseline"].get(name, set()) for name, found in problems(invariants).items()}
    return {name: found for name, found in new.items() if found}


def test_three_days_hold_every_invariant_and_the_report_says_so(soaked):
    assert soaked["ok"], soaked["report"]
    text = soaked["report"]
    assert "RESULT  all invariants hold" in text
    names = {c.name for c in soaked["invariants"].checks}
    assert names == {"partitions processed", "conservation", "reconciliation (to the cent)", "no duplicate keys", "warehouse = lake",
                     "idempotency", "failed runs expected and alerted", "every page explained"}
    assert len(text.splitlines()) < 45  # one screen


def test_the_days_ran_through_sensors_schedules_and_the_marts_automation(soaked):
    runs = soaked["soak"].runs
    kinds = {r["kind"] for r in runs}
    assert {"landing", "backstop (not executed)", "marts", "idempotency re-run"} <= kinds
    backstops = sorted((r["label"], r["partition"]) for r in runs if r["kind"] == "backstop (not executed)")
    assert backstops == sorted((job, (START + timedelta(days=n)).isoformat()) for job in ("retail_daily", "banking_daily") for n in range(3))
    landing = {(r["label"], r["partition"]) for r in runs if r["kind"] == "landing"}
    days = [(START + timedelta(days=n)).isoformat() for n in range(3)]
    assert {(f"retail/{s}", d) for s in ("stores", "products", "customers", "pos") for d in days} <= landing
    assert {(f"banking/{s}", d) for s in ("accounts", "customers", "loans", "loan_payments", "economic_indicators", "transactions")
            for d in days} <= landing
    assert ("banking/bureau_scores", "2024-09-01") in landing
    assert {r["domain"] for r in runs if r["kind"] == "marts"} == {"retail", "banking"}


def test_the_marts_build_although_two_stores_sold_nothing_on_the_last_day(soaked):
    """An empty and a header-only POS file are accepted input (DOMAIN.md §4); a store without a sale
    that day is still a store with a trailing 7- and 28-day record, and its day's revenue is 0."""
    marts = [(r["label"], r["partition"], r["error"]) for r in soaked["soak"].runs if r["kind"] == "marts"]
    assert marts and all(not error for _, _, error in marts), marts
    lake = Path(soaked["soak"].lake.root)
    assert pl.read_parquet(lake / "gold/retail/store_daily/dt=2024-09-03/data.parquet").height == 1  # only store 001 sold


def test_the_bad_file_failed_its_run_was_named_and_healed_and_the_identical_files_ran_nothing(soaked):
    soak = soaked["soak"]
    [failure] = soak.expected
    assert (failure.domain, failure.source, failure.partition, failure.healed_on) == ("retail", "pos", "2024-09-02", "2024-09-03")
    assert failure.reason.startswith("corrupt_gzip: store_001") and failure.observed >= 1
    failed = [(r["label"], r["partition"]) for r in soak.runs if r["success"] is False and r["kind"] == "landing"]
    assert failed == [("retail/pos", "2024-09-02")]
    assert "retail/pos" in soaked["report"] and "healed by re-delivery on 2024-09-03" in soaked["report"]
    assert soak.identical_redeliveries == [("banking", "2024-09-02", 0)]
    lake = Path(soak.lake.root)
    assert (lake / "silver/retail/pos_lines/dt=2024-09-02/data.parquet").exists()  # healed


def test_a_silver_row_lost_breaks_conservation_and_the_warehouse_match(soaked):
    path = Path(soaked["soak"].lake.root) / "silver/retail/pos_lines/dt=2024-09-03/data.parquet"
    original = path.read_bytes()
    try:
        pl.read_parquet(path).slice(1).write_parquet(path)
        failing = recheck(soaked)
        assert {"conservation/retail", "reconciliation (to the cent)/retail", "warehouse = lake/retail"} <= failing.keys()
        assert any("pos_lines[2024-09-03]" in p for p in failing["conservation/retail"])
    finally:
        path.write_bytes(original)
    assert recheck(soaked) == {}


def test_a_cent_off_in_gold_breaks_reconciliation(soaked):
    path = Path(soaked["soak"].lake.root) / "gold/banking/daily_summary/dt=2024-09-02/data.parquet"
    original = path.read_bytes()
    try:
        frame = pl.read_parquet(path)
        frame.with_columns(pl.col("credits") + pl.when(pl.int_range(pl.len()) == 0).then(Decimal("0.01")).otherwise(Decimal(0))).write_parquet(path)
        failing = recheck(soaked)
        assert list(failing) == ["reconciliation (to the cent)/banking"]
        assert any("daily_summary[2024-09-02]" in p for p in failing["reconciliation (to the cent)/banking"])
    finally:
        path.write_bytes(original)
    assert recheck(soaked) == {}


def test_a_row_loaded_twice_breaks_unique_keys_and_the_warehouse_match(soaked):
    warehouse = soaked["soak"].warehouse
    day = date(2024, 9, 3)
    saved = warehouse.query("select * from retail.gold_store_daily where date = ?", (day,))
    with warehouse._connect() as con:  # a stray second insert, as a broken load would leave behind
        con.execute("insert into retail.gold_store_daily select * from retail.gold_store_daily where date = ? limit 1", [day])
    try:
        failing = recheck(soaked)
        assert {"no duplicate keys/retail", "warehouse = lake/retail"} == set(failing)
    finally:
        with warehouse._connect() as con:
            con.execute("delete from retail.gold_store_daily where date = ?", [day])
            con.register("saved", saved.to_arrow())
            con.execute("insert into retail.gold_store_daily by name select * from saved")
    assert recheck(soaked) == {}


def test_an_unexpected_failed_run_and_a_changed_rerun_are_reported(soaked):
    soak = soaked["soak"]
    stray = {"kind": "landing", "label": "banking/loans", "domain": "banking", "partition": "2024-09-03", "run_id": "no-such-run",
             "success": False, "error": "boom", "job": None}
    soak.runs.append(stray)
    changed = dict(soak.idempotency, changed_files=["silver/retail/stores/dt=2024-09-02/data.parquet"])
    original = soak.idempotency
    soak.idempotency = changed
    try:
        failing = recheck(soaked)
        assert set(failing) == {"failed runs expected and alerted/both", "idempotency/both"}
        found = failing["failed runs expected and alerted/both"]
        assert any("unexpected failure: landing banking/loans [2024-09-03]" in p for p in found)
        assert any("no alert for failed run banking/loans" in p for p in found)
    finally:
        soak.runs.remove(stray)
        soak.idempotency = original
    assert recheck(soaked) == {}


def test_the_command_line_exits_non_zero_when_an_invariant_fails(monkeypatch, tmp_path, capsys):
    class Closed:
        def close(self):
            pass

    monkeypatch.setattr(soak_module, "run_soak", lambda *a, **k: (Closed(), None, "RESULT  INVARIANTS FAILED: conservation", False))
    assert soak_module.main(["--days", "1", "--keep", str(tmp_path / "w"), "--quiet"]) == 1
    assert "INVARIANTS FAILED" in capsys.readouterr().out
    monkeypatch.setattr(soak_module, "run_soak", lambda *a, **k: (Closed(), None, "RESULT  all invariants hold", True))
    assert soak_module.main(["--days", "1", "--keep", str(tmp_path / "w2"), "--quiet"]) == 0

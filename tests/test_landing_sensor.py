"""The retail landing sensor: one run per (source, day), deduped on keys + ETags, cursor-bounded."""

import json

import dagster as dg

from assets.retail.graph import RETAIL_ASSETS
from resources.pii import PiiKey
from resources.spark import LocalSpark
from resources.warehouse import EmbeddedWarehouse
from sensors import landing
from sensors.retail import retail_landing_sensor


def tick(lake, cursor=None, instance=None):
    resources = {"lake": lake, "warehouse": EmbeddedWarehouse(path=lake.root + ".duckdb"), "pii": PiiKey(key="k" * 32), "spark": LocalSpark()}
    defs = dg.Definitions(assets=RETAIL_ASSETS, sensors=[retail_landing_sensor], resources=resources)
    with dg.build_sensor_context(cursor=cursor, resources=resources, instance=instance or dg.DagsterInstance.ephemeral(), definitions=defs) as context:
        result = retail_landing_sensor.evaluate_tick(context)
    return result.run_requests, result.cursor


def deliver(lake, source, day, name, content=b"x"):
    lake.write(f"landing/retail/{source}/dt={day}/{name}", content)


def test_one_request_per_source_and_day_reference_data_first(lake):
    for day in ("2024-10-01", "2024-10-02"):
        deliver(lake, "pos", day, "store_001.csv")
        deliver(lake, "pos", day, "store_002.csv")
        deliver(lake, "stores", day, "stores.csv")
    requests, cursor = tick(lake)
    assert [(r.tags["source"], r.partition_key) for r in requests] == [
        ("retail/stores", "2024-10-01"),
        ("retail/stores", "2024-10-02"),
        ("retail/pos", "2024-10-01"),
        ("retail/pos", "2024-10-02"),
    ]
    pos = requests[2]
    assert pos.tags["landing_files"] == "2"
    names = {k.to_user_string() for k in pos.asset_selection}
    assert {"retail_bronze_pos", "retail_silver_pos_lines", "retail_gold_store_daily", "retail_gold_customer_rfm", "warehouse/retail/silver_pos_lines"} <= names
    assert {k.to_user_string() for k in requests[0].asset_selection} == {"retail_bronze_stores", "retail_silver_stores", "warehouse/retail/silver_stores"}
    assert len({r.run_key for r in requests}) == 4

    again, cursor_again = tick(lake, cursor)
    assert again == []


def test_identical_redelivery_runs_nothing_changed_content_and_late_files_rerun(lake):
    deliver(lake, "pos", "2024-10-01", "store_001.csv", b"v1")
    deliver(lake, "pos", "2024-10-03", "store_001.csv", b"v1")
    _, cursor = tick(lake)

    deliver(lake, "pos", "2024-10-01", "store_001.csv", b"v1")  # same key, same bytes
    assert tick(lake, cursor)[0] == []

    deliver(lake, "pos", "2024-10-01", "store_001.csv", b"v2")  # changed content
    requests, cursor = tick(lake, cursor)
    assert [r.partition_key for r in requests] == ["2024-10-01"]

    deliver(lake, "pos", "2024-10-03", "store_002.csv")  # a late store for a processed day
    requests, cursor = tick(lake, cursor)
    assert [(r.partition_key, r.tags["landing_files"]) for r in requests] == [("2024-10-03", "2")]


def test_days_outside_the_partitions_are_skipped_not_requested(lake):
    deliver(lake, "pos", "2019-01-01", "store_001.csv")
    deliver(lake, "pos", "2024-10-01", "store_001.csv")
    requests, cursor = tick(lake)
    assert [r.partition_key for r in requests] == ["2024-10-01"]
    assert "2019-01-01" not in json.loads(cursor)["pos"]["days"]  # older than the look-back: forgotten


def test_requests_are_capped_per_tick_and_the_rest_come_next(lake, monkeypatch):
    monkeypatch.setattr(landing, "MAX_REQUESTS_PER_TICK", 3)
    for d in range(1, 6):
        deliver(lake, "pos", f"2024-10-0{d}", "store_001.csv")
    first, cursor = tick(lake)
    second, cursor = tick(lake, cursor)
    assert [r.partition_key for r in first] == ["2024-10-01", "2024-10-02", "2024-10-03"]
    assert [r.partition_key for r in second] == ["2024-10-04", "2024-10-05"]
    assert tick(lake, cursor)[0] == []


def test_listing_is_bounded_by_the_lookback(lake):
    calls = []
    original = type(lake).list_dirs

    def spy(self, prefix, start_after=""):
        calls.append((prefix, start_after))
        return original(self, prefix, start_after)

    deliver(lake, "pos", "2024-10-20", "store_001.csv")
    _, cursor = tick(lake)
    type(lake).list_dirs = spy
    try:
        tick(lake, cursor)
    finally:
        type(lake).list_dirs = original
    assert ("landing/retail/pos/", "dt=2024-10-12") in calls


def test_a_day_whose_run_is_in_flight_is_not_launched_twice(lake):
    instance = dg.DagsterInstance.ephemeral()
    deliver(lake, "pos", "2024-10-01", "store_001.csv", b"v1")
    [request], cursor = tick(lake, instance=instance)
    run = dg.DagsterRun(job_name="__ASSET_JOB", run_id="in-flight", status=dg.DagsterRunStatus.STARTED, tags={**request.tags, "dagster/partition": "2024-10-01"})
    instance.add_run(run)
    deliver(lake, "pos", "2024-10-01", "store_001.csv", b"v2")  # re-delivered while the first run is still going
    assert tick(lake, cursor, instance)[0] == []
    instance.report_run_failed(run)
    [again], _ = tick(lake, cursor, instance)  # once it ended, the change runs
    assert again.partition_key == "2024-10-01" and again.run_key != request.run_key

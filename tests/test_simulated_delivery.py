"""The local demo's delivery job: a catch-up is one low-priority run that never re-delivers a day,
and a feed that starts mid-month still scores its first days."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg

from sensors.simulation import BankingDelivery, initial_bureau_pull, simulate_source_delivery, simulated_delivery_schedule

BUREAU_OCT = "landing/banking/bureau_scores/dt=2024-10-01/"
POS_MARKER = "landing/retail/pos/"


def _deliver(lake, **choose):
    config = {"ops": {"choose_days": {"config": choose}, "deliver_banking_days": {"config": {"scale": "test"}},
                      "deliver_retail_days": {"config": {"scale": "test"}}}}
    result = simulate_source_delivery.execute_in_process(run_config=config, resources={"lake": lake})
    assert result.success
    return result


def _delivered_days(lake) -> list[str]:
    return sorted(d.removeprefix("dt=") for d in lake.list_dirs(POS_MARKER))


def test_a_feed_that_starts_mid_month_gets_the_months_bureau_pull_once(lake):
    _deliver(lake, day="2024-10-15")
    [key] = lake.list_keys(BUREAU_OCT)
    assert key.endswith("bureau_scores.jsonl") and lake.read(key).count(b"\n") > 0
    assert initial_bureau_pull(lake, date(2024, 10, 16), BankingDelivery(scale="test"), {}) == {}  # the month has its pull
    _deliver(lake, day="2024-10-16")
    assert lake.list_keys(BUREAU_OCT) == [key]


def test_the_first_of_the_month_delivers_its_own_pull_and_no_second_one(lake):
    delivering = {"landing/banking/bureau_scores/dt=2024-11-01/bureau_scores.jsonl": b"{}\n"}
    assert initial_bureau_pull(lake, date(2024, 11, 1), BankingDelivery(scale="test"), delivering) == {}


def test_a_catch_up_is_one_run_and_never_delivers_a_day_twice(lake):
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    _deliver(lake, day=(yesterday - timedelta(days=3)).isoformat())  # landing already holds a day, three days ago
    before = {k: lake.read(k) for k in lake.list_keys("landing/")}
    _deliver(lake, through=yesterday.isoformat())
    assert _delivered_days(lake) == [(yesterday - timedelta(days=n)).isoformat() for n in (3, 2, 1, 0)]
    assert all(lake.read(k) == data for k, data in before.items())  # the day already there was not delivered again
    keys = set(lake.list_keys("landing/"))
    _deliver(lake, through=yesterday.isoformat())  # nothing left to catch up on: nothing delivered
    assert set(lake.list_keys("landing/")) == keys


def test_the_schedule_asks_for_one_catch_up_at_a_priority_below_the_platforms_runs(lake):
    now = datetime.now(UTC)
    with dg.build_schedule_context(scheduled_execution_time=now, resources={"lake": lake}) as context:
        [request] = simulated_delivery_schedule.evaluate_tick(context).run_requests
    yesterday = now.date() - timedelta(days=1)
    assert request.run_key == f"deliver-{now.date() - timedelta(days=7)}-through-{yesterday}"
    assert request.run_config["ops"]["choose_days"]["config"] == {"day": "", "through": yesterday.isoformat()}
    assert simulate_source_delivery.tags["dagster/priority"] == "-1"

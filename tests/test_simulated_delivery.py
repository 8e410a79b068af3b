"""The local demo's delivery job: a feed that starts mid-month still scores its first days."""

from datetime import date

from sensors.simulation import BankingDelivery, initial_bureau_pull, simulate_source_delivery

BUREAU_OCT = "landing/banking/bureau_scores/dt=2024-10-01/"


def _deliver(lake, day: str):
    config = {"ops": {"choose_day": {"config": {"day": day}}, "deliver_banking_day": {"config": {"scale": "test"}},
                      "deliver_retail_day": {"config": {"scale": "test"}}}}
    assert simulate_source_delivery.execute_in_process(run_config=config, resources={"lake": lake}).success


def test_a_feed_that_starts_mid_month_gets_the_months_bureau_pull_once(lake):
    _deliver(lake, "2024-10-15")
    [key] = lake.list_keys(BUREAU_OCT)
    assert key.endswith("bureau_scores.jsonl") and lake.read(key).count(b"\n") > 0
    assert initial_bureau_pull(lake, date(2024, 10, 16), BankingDelivery(scale="test"), {}) == {}  # the month has its pull
    _deliver(lake, "2024-10-16")
    assert lake.list_keys(BUREAU_OCT) == [key]


def test_the_first_of_the_month_delivers_its_own_pull_and_no_second_one(lake):
    delivering = {"landing/banking/bureau_scores/dt=2024-11-01/bureau_scores.jsonl": b"{}\n"}
    assert initial_bureau_pull(lake, date(2024, 11, 1), BankingDelivery(scale="test"), delivering) == {}

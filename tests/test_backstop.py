"""The 02:00 UTC backstops skip a day that has not fully arrived, saying what is missing, and
rebuild it once it has: a backstop never fails (and pages) for data that is simply not there yet."""

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from assets.banking.graph import BANKING_ASSETS
from assets.retail.graph import RETAIL_ASSETS
from sensors.banking import banking_daily_schedule
from sensors.retail import retail_daily_schedule
from simulator import deliver
from simulator.banking import BANKING_SCALES, generate_banking_day
from simulator.retail import SCALES, generate_retail_day

DAY = date(2024, 10, 2)
AT_0200 = datetime(2024, 10, 3, 2, tzinfo=UTC)


def evaluate(schedule, assets, resources):
    defs = dg.Definitions(assets=assets, schedules=[schedule], resources=resources)
    with dg.build_schedule_context(scheduled_execution_time=AT_0200, resources=resources, repository_def=defs.get_repository_def()) as context:
        return schedule.evaluate_tick(context)


@pytest.mark.parametrize(
    "schedule, assets, generate",
    [
        (retail_daily_schedule, RETAIL_ASSETS, lambda: generate_retail_day(DAY, SCALES["test"])),
        (banking_daily_schedule, BANKING_ASSETS, lambda: generate_banking_day(DAY, BANKING_SCALES["test"])),
    ],
    ids=["retail", "banking"],
)
def test_a_backstop_skips_a_day_not_fully_delivered_and_runs_it_once_it_is(schedule, assets, generate, resources, lake):
    def evaluate_now():
        return evaluate(schedule, assets, resources)

    nothing = evaluate_now()
    assert not nothing.run_requests and f"{DAY} is not fully delivered yet" in nothing.skip_message

    files = generate()
    deliver(lake, {k: v for k, v in files.items() if "/customers/" not in k})
    partial = evaluate_now()
    assert not partial.run_requests and "nothing from customers" in partial.skip_message

    deliver(lake, files)
    [request] = evaluate_now().run_requests
    assert request.partition_key == DAY.isoformat()

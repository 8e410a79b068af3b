"""The embedded default's source systems: a job that delivers a simulated day of retail and
banking files into landing/, and a schedule that runs it every minute until the lake holds
yesterday.

It exists only in the local environment, so the UI shows files arriving and the landing
sensors reacting without any AWS or any click.
"""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
from pydantic import Field

from assets.banking.sources import BUREAU_SCORES
from resources.lake import LakeStorage
from simulator.banking import BankingDefects
from simulator.defects import DefectConfig

RETAIL_DEMO = DefectConfig.demo()  # enough row defects a day to show every rejection rule, far below the 5% budget
BANKING_DEMO = BankingDefects.demo()
DEMO_DAYS = 7  # an empty lake is filled from a week ago
DELIVERED_MARKER = "landing/retail/pos/"


class DaysToDeliver(dg.Config):
    day: str = Field("", description="YYYY-MM-DD: deliver this one day (again). Empty: catch up on every day landing lacks.")
    through: str = Field("", description="YYYY-MM-DD: the last day of a catch-up; empty is yesterday.")


class RetailDelivery(dg.Config):
    scale: str = Field("local", description="local | test | prod (500 stores, 600,000 lines/day).")
    seed: int = 42
    defect_rate: float = Field(RETAIL_DEMO.row_defect_rate, description="Share of POS lines given a defect, cycling through every rejection rule.")
    bad_files: list[str] = Field([], description="File-level defects, e.g. schema_drift_extra_column, corrupt_gzip, empty_file.")


class BankingDelivery(dg.Config):
    scale: str = Field("local", description="test | local | bench (5,000,000 transactions a day).")
    seed: int = 42
    defect_rate: float = Field(BANKING_DEMO.row_defect_rate, description="Share of transactions given a defect, cycling through every rule.")
    ledger_breaks: int = Field(BANKING_DEMO.ledger_breaks, description="Accounts whose snapshot balance is deliberately off.")
    bad_files: list[str] = Field([], description="File-level defects of the transactions parts, e.g. corrupt_gzip, schema_drift_extra_column.")


def next_day_to_deliver(lake: LakeStorage, today: date) -> date | None:
    days = [d.removeprefix("dt=") for d in lake.list_dirs(DELIVERED_MARKER) if d.startswith("dt=")]
    candidate = date.fromisoformat(max(days)) + timedelta(days=1) if days else today - timedelta(days=DEMO_DAYS)
    return candidate if candidate < today else None


def days_to_deliver(lake: LakeStorage, through: date, today: date) -> list[date]:
    """The days landing lacks, from the day after its newest (or a week ago) through `through`,
    never one already delivered."""
    first = next_day_to_deliver(lake, today)
    return [first + timedelta(days=n) for n in range((through - first).days + 1)] if first else []


@dg.op(description="Picks the days to deliver: the configured one, or every day landing lacks up to `through` (yesterday).")
def choose_days(config: DaysToDeliver, lake: LakeStorage) -> list[str]:
    if config.day:
        return [config.day]
    today = datetime.now(UTC).date()
    through = date.fromisoformat(config.through) if config.through else today - timedelta(days=1)
    return [day.isoformat() for day in days_to_deliver(lake, min(through, today - timedelta(days=1)), today)]


@dg.op(description="Generates the bank's files for each day (accounts, transactions in parts, KYC, loans, …) into landing/.")
def deliver_banking_days(context: dg.OpExecutionContext, config: BankingDelivery, lake: LakeStorage, days: list[str]) -> list[str]:
    from simulator import deliver
    from simulator.banking import BANKING_SCALES, generate_banking_day

    defects = BankingDefects(row_defect_rate=config.defect_rate, ledger_breaks=config.ledger_breaks, bad_files=tuple(config.bad_files))
    for day in days:
        files = generate_banking_day(date.fromisoformat(day), BANKING_SCALES[config.scale], seed=config.seed, defects=defects)
        keys = deliver(lake, files | initial_bureau_pull(lake, date.fromisoformat(day), config, files))
        context.log.info(f"delivered {len(keys)} banking files for {day}")
    return days


def initial_bureau_pull(lake: LakeStorage, day: date, config: BankingDelivery, delivering: dict[str, bytes]) -> dict[str, bytes]:
    """The bureaus deliver a month's scores on its 1st. A bank whose feed starts mid-month pulls the
    current month at once instead of scoring its first days blind: the demo's first day gets its
    month's scores, under the month's first day as the bureaus would deliver them."""
    from simulator.banking import BANKING_SCALES, bureau_scores_jsonl, reference_data

    month = day.replace(day=1).isoformat()
    if lake.list_keys(BUREAU_SCORES.landing_dir(month)) or any(k.startswith(BUREAU_SCORES.landing_dir(month)) for k in delivering):
        return {}
    pull = bureau_scores_jsonl(reference_data(config.seed, BANKING_SCALES[config.scale]), day.replace(day=1))
    return {f"{BUREAU_SCORES.landing_dir(month)}bureau_scores.jsonl": pull}


@dg.op(description="Generates the retail chain's files for each day (stores, catalog, customers, a POS file per store) into landing/.")
def deliver_retail_days(context: dg.OpExecutionContext, config: RetailDelivery, lake: LakeStorage, days: list[str]) -> None:
    from simulator import deliver
    from simulator.retail import SCALES, generate_retail_day

    if not days:
        context.log.info("landing is up to date with yesterday; nothing to deliver")
    defects = DefectConfig(row_defect_rate=config.defect_rate, bad_files=tuple(config.bad_files))
    for day in days:
        keys = deliver(lake, generate_retail_day(date.fromisoformat(day), SCALES[config.scale], seed=config.seed, defects=defects))
        context.log.info(f"delivered {len(keys)} retail files for {day}")


@dg.job(
    description="Simulated source systems (local only): delivers days of retail and banking files into landing/ so the "
    "landing sensors pick them up. Launch it from the Launchpad with a `day`, defect rates or `bad_files` to try bad input.",
    # Below every real run in the queue: the platform's own runs are never kept waiting by the demo's source.
    tags={"kind": "simulator", "dagster/priority": "-1"},
)
def simulate_source_delivery():
    # Retail is delivered after banking: the retail POS folder marks a day as delivered for the schedule.
    deliver_retail_days(deliver_banking_days(choose_days()))


@dg.schedule(
    job=simulate_source_delivery,
    cron_schedule="* * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Local demo only: every minute, delivers every simulated day landing lacks (starting a week ago) through "
    "yesterday, in one run.",
)
def simulated_delivery_schedule(context: dg.ScheduleEvaluationContext, lake: LakeStorage):
    today = context.scheduled_execution_time.date()
    first = next_day_to_deliver(lake, today)
    if first is None:
        return dg.SkipReason("landing already holds every simulated day up to yesterday")
    through = today - timedelta(days=1)
    # One run per catch-up: ticks while it waits or runs share its key and request nothing new.
    return dg.RunRequest(
        run_key=f"deliver-{first}-through-{through}",
        run_config=dg.RunConfig(ops={"choose_days": DaysToDeliver(through=through.isoformat())}),
        tags={"simulated_days": f"{first}...{through}"},
    )

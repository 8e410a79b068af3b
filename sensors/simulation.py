"""The embedded default's source systems: a job that delivers a simulated day of files into
landing/, and a schedule that runs it every minute until the lake is caught up to yesterday.

It exists only in the local environment, so the UI shows files arriving and the landing
sensors reacting without any AWS or any click.
"""


from datetime import UTC, date, datetime, timedelta

import dagster as dg
from pydantic import Field

from resources.lake import LakeStorage
from simulator.defects import DefectConfig

DEMO_DEFECTS = DefectConfig.demo()  # enough row defects a day to show every rejection rule, far below the 5% budget
DEMO_DAYS = 7  # an empty lake is filled from a week ago
DELIVERED_MARKER = "landing/retail/pos/"


class DeliveryConfig(dg.Config):
    day: str = Field("", description="YYYY-MM-DD; empty delivers the day after the newest one in landing.")
    scale: str = Field("local", description="local | test | prod (500 stores, 600,000 lines/day).")
    seed: int = 42
    defect_rate: float = Field(DEMO_DEFECTS.row_defect_rate, description="Share of POS lines given a defect, cycling through every rejection rule.")
    bad_files: list[str] = Field([], description="File-level defects, e.g. schema_drift_extra_column, corrupt_gzip, empty_file.")


def next_day_to_deliver(lake: LakeStorage, today: date) -> date | None:
    days = [d.removeprefix("dt=") for d in lake.list_dirs(DELIVERED_MARKER) if d.startswith("dt=")]
    candidate = date.fromisoformat(max(days)) + timedelta(days=1) if days else today - timedelta(days=DEMO_DAYS)
    return candidate if candidate < today else None


@dg.op(description="Generates one day of the retail source systems' files and writes them into landing/.")
def deliver_retail_day(context: dg.OpExecutionContext, config: DeliveryConfig, lake: LakeStorage) -> None:
    from simulator import deliver
    from simulator.retail import SCALES, generate_retail_day

    day = date.fromisoformat(config.day) if config.day else next_day_to_deliver(lake, datetime.now(UTC).date())
    if day is None:
        context.log.info("landing is up to date with yesterday; nothing to deliver")
        return
    defects = DefectConfig(row_defect_rate=config.defect_rate, bad_files=tuple(config.bad_files))
    files = generate_retail_day(day, SCALES[config.scale], seed=config.seed, defects=defects)
    keys = deliver(lake, files)
    context.log.info(f"delivered {len(keys)} files for {day}: {', '.join(keys[:5])}{' ...' if len(keys) > 5 else ''}")


@dg.job(
    description="Simulated source systems (local only): delivers a day of retail files into landing/ so the landing "
    "sensor picks them up. Launch it from the Launchpad with a `day`, `defect_rate` or `bad_files` to try bad input.",
    tags={"kind": "simulator"},
)
def simulate_source_delivery():
    deliver_retail_day()


@dg.schedule(
    job=simulate_source_delivery,
    cron_schedule="* * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Local demo only: every minute, delivers the next simulated day (starting a week ago) until landing holds yesterday.",
)
def simulated_delivery_schedule(context: dg.ScheduleEvaluationContext, lake: LakeStorage):
    day = next_day_to_deliver(lake, context.scheduled_execution_time.date())
    if day is None:
        return dg.SkipReason("landing already holds every simulated day up to yesterday")
    return dg.RunRequest(
        run_key=f"deliver-{day}",
        run_config=dg.RunConfig(ops={"deliver_retail_day": DeliveryConfig(day=day.isoformat())}),
        tags={"simulated_day": day.isoformat()},
    )

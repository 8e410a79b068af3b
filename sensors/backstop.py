"""The 02:00 UTC backstops: each daily graph rebuilt for yesterday, once yesterday has arrived.

A backstop catches what the landing sensor missed. It is not the way data arrives, so a day
whose files have not all been delivered is skipped, with the missing sources named, rather than
run to fail: the landing sensor runs each source when it lands, and a day that stays missing
past its deadline pages through the freshness SLAs (sensors/freshness.py).
"""

from datetime import UTC, datetime, timedelta

import dagster as dg

from assets.common.landing import Source
from resources.lake import LakeStorage


def missing_sources(lake: LakeStorage, sources: tuple[Source, ...], day: str) -> list[str]:
    return [source.name for source in sources if not lake.list_keys(source.landing_dir(day))]


def build_backstop_schedule(job, sources: tuple[Source, ...], hour: int, description: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"{job.name}_schedule", job=job, cron_schedule=f"0 {hour} * * *", execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING, description=description,
    )
    def _backstop(context: dg.ScheduleEvaluationContext, lake: LakeStorage):
        now = context.scheduled_execution_time or datetime.now(UTC)
        day = (now - timedelta(days=1)).date().isoformat()
        missing = missing_sources(lake, sources, day)
        if missing:
            return dg.SkipReason(
                f"{day} is not fully delivered yet (nothing from {', '.join(missing)}): the landing sensor runs each source as it "
                "lands, and a day still missing at its deadline pages through the freshness SLAs."
            )
        return dg.RunRequest(partition_key=day, run_key=f"{job.name}-{day}")

    return _backstop

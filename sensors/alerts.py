"""The alert sensor: failed asset checks, failed runs and missed freshness SLAs become alerts.

It reads new events from the instance's event log after its cursor (one per event type),
so each failure is seen once; the alert log (resources/alerts.py) also refuses a key it has
delivered before, so a lost cursor cannot send an alert twice. The cursor only advances
when a tick completes: a tick that raises is re-read in full by the next one.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import dagster as dg
from dagster._core.events import DagsterEventType

from assets.banking.sources import BANKING_SOURCES
from assets.retail.sources import RETAIL_SOURCES
from resources.alerts import NOTIFY, PAGE, Alert, Alerting
from resources.lake import LakeStorage
from sensors.freshness import FirstDelivery, missed_slas

EVENTS_PER_TICK = 500


def ui_url() -> str:
    """PLATFORM_UI_URL, or where `bin/dev` serves the UI (DAGSTER_HOST and DAGSTER_PORT)."""
    served = f"http://{os.environ.get('DAGSTER_HOST', '127.0.0.1')}:{os.environ.get('DAGSTER_PORT', '3000')}"
    return (os.environ.get("PLATFORM_UI_URL") or served).rstrip("/")


def run_url(run_id: str) -> str:
    return f"{ui_url()}/runs/{run_id}"


def domain_of(asset: dg.AssetKey) -> str:
    parts = [part for piece in asset.path for part in piece.split("_")]
    return next((d for d in ("retail", "banking") if d in parts), "platform")


def _counts(metadata: dict) -> dict:
    """The check's metadata values that a reader of an alert wants: counts, totals, reasons."""
    return {name: value.value for name, value in metadata.items() if isinstance(value.value, (int, float, str, list, dict)) and name != "sample"}


def run_partition(run: dg.DagsterRun | None) -> str | None:
    """The run's partition, or its range ("first...last") for a backfill run of many partitions."""
    tags = run.tags if run else {}
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    return tags.get("dagster/partition") or (f"{start}...{end}" if start and end else None)


def _new_check_evaluations(instance: dg.DagsterInstance, after: int):
    # Needs an event log that is not sharded by run (platform/dagster.yaml sets one up locally).
    return instance.get_event_records(
        dg.EventRecordsFilter(DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=after), limit=EVENTS_PER_TICK, ascending=True
    )


def check_alerts(instance: dg.DagsterInstance, records, page_on_data_findings: bool = True) -> list[Alert]:
    """A failed ERROR check pages when it blocks (the asset itself is wrong) and, if
    `page_on_data_findings`, when it judges the data the asset reports on (a ledger break); a
    failed WARN check notifies."""
    alerts = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.passed:
            continue
        run = instance.get_run_by_id(record.run_id)
        partition = evaluation.partition or run_partition(run)
        pages = evaluation.severity == dg.AssetCheckSeverity.ERROR and (evaluation.blocking or page_on_data_findings)
        alerts.append(Alert(
            key=f"check:{record.run_id}:{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
            severity=PAGE if pages else NOTIFY,
            kind="check_failed",
            domain=domain_of(evaluation.asset_key),
            asset=evaluation.asset_key.to_user_string(),
            partition=partition,
            check=evaluation.check_name,
            title=f"check {evaluation.check_name} failed" + (" (blocking: downstream assets were not built)" if evaluation.blocking else ""),
            details=_counts(evaluation.metadata) | ({"what_happened": evaluation.description} if evaluation.description else {}),
            run_url=run_url(record.run_id),
        ))
    return alerts


def _failed_error_checks(instance: dg.DagsterInstance, run_id: str) -> bool:
    evaluations = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    return any(
        not e.dagster_event.event_specific_data.passed and e.dagster_event.event_specific_data.severity == dg.AssetCheckSeverity.ERROR
        for e in evaluations
    )


def _first_step_failure(instance: dg.DagsterInstance, run_id: str) -> tuple[str | None, str | None]:
    """The first failed step (for an asset run, the asset's op) and the first line of its error."""
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE):
        error = entry.dagster_event.event_specific_data.error
        return entry.step_key, (error.message.strip().splitlines() or [""])[-1] if error else None
    return None, None


def run_alerts(instance: dg.DagsterInstance, records) -> list[Alert]:
    """A run that failed because a blocking check failed is already reported by that check's
    alert: one failure, one alert."""
    alerts = []
    for record in records:
        if _failed_error_checks(instance, record.run_id):
            continue
        run = instance.get_run_by_id(record.run_id)
        step, error = _first_step_failure(instance, record.run_id)
        asset = step or (run.job_name if run else "unknown")
        reason = error or (record.event_log_entry.message or "").splitlines()[0]
        alerts.append(Alert(
            key=f"run:{record.run_id}",
            severity=PAGE,
            kind="run_failed",
            domain=domain_of(dg.AssetKey(asset)),
            asset=asset,
            partition=run_partition(run),
            title=f"run failed: {reason[:300]}",
            details={"job": run.job_name if run else None, "failed_step": step},
            run_url=run_url(record.run_id),
        ))
    return alerts


def first_deliveries(lake: LakeStorage, known: dict[str, FirstDelivery], now: datetime) -> dict[str, FirstDelivery]:
    """Each domain's first delivery: its earliest `dt=` in landing, seen `now` for the domains that
    delivered since `known` was taken. Once found it never changes, so the cursor keeps it."""
    found = dict(known)
    for domain, sources in (("retail", RETAIL_SOURCES), ("banking", BANKING_SOURCES)):
        if domain not in found:
            days = [d.removeprefix("dt=") for source in sources for d in lake.list_dirs(source.landing_prefix) if d.startswith("dt=")]
            if days:
                found[domain] = FirstDelivery(min(days), now)
    return found


def freshness_alerts(instance: dg.DagsterInstance, now: datetime, first_delivery: dict[str, FirstDelivery]) -> list[Alert]:
    return [
        Alert(
            key=f"freshness:{asset.to_user_string()}:{partition}",
            severity=PAGE,
            kind="freshness_missed",
            domain=sla.domain,
            asset=asset.to_user_string(),
            partition=partition,
            title=f"missed freshness SLA: {sla.name}",
            details={"deadline": deadline.isoformat(), "sla": sla.name},
        )
        for sla, asset, partition, deadline in missed_slas(instance, now, first_delivery)
    ]


@dg.sensor(
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Raises alerts for failed asset checks (ERROR pages, WARN notifies), failed runs and missed freshness SLAs, "
    "to the alert log in the lake and to Slack or a webhook when configured. Each tick's log lists the alerts it raised.",
)
def alert_sensor(context: dg.SensorEvaluationContext, alerting: Alerting):
    cursor = json.loads(context.cursor) if context.cursor else {"checks": 0, "runs": None}
    checks = _new_check_evaluations(context.instance, cursor["checks"])
    runs = context.instance.fetch_run_status_changes(DagsterEventType.RUN_FAILURE, limit=EVENTS_PER_TICK, cursor=cursor["runs"], ascending=True)
    now = datetime.now(UTC)
    known = {domain: FirstDelivery(f["day"], datetime.fromisoformat(f["seen_at"])) for domain, f in cursor.get("first_delivery", {}).items()}
    first_delivery = first_deliveries(alerting.lake, known, now)
    alerts = [*check_alerts(context.instance, checks, alerting.page_on_data_findings), *run_alerts(context.instance, runs.records), *freshness_alerts(context.instance, now, first_delivery)]
    raised = alerting.deliver(alerts)
    for alert in raised:
        context.log.warning(alert.summary())
    still_undelivered = alerting.retry_undelivered()
    pages = sum(a.severity == PAGE for a in raised)
    return dg.SensorResult(
        skip_reason=f"{len(raised)} alerts ({pages} pages, {len(raised) - pages} notifies); {still_undelivered} waiting for a sink to recover",
        cursor=json.dumps({
            "checks": checks[-1].storage_id if checks else cursor["checks"], "runs": runs.cursor if runs.records else cursor["runs"],
            "first_delivery": {domain: {"day": f.day, "seen_at": f.seen_at.isoformat()} for domain, f in first_delivery.items()},
        }),
        asset_events=[observation for alert in raised if (observation := alert_observation(alert))],
    )


def alert_observation(alert: Alert) -> dg.AssetObservation | None:
    """An alert about an asset, recorded on that asset (and partition), so it shows on the asset's
    page and timeline, where people look, and not only in the sensor's tick log."""
    if alert.kind == "run_failed":  # its `asset` is a step, not always an asset
        return None
    partition = alert.partition if alert.partition and "..." not in alert.partition else None
    return dg.AssetObservation(
        asset_key=dg.AssetKey.from_user_string(alert.asset),
        partition=partition,
        description=alert.summary(),
        metadata={
            "alert": alert.severity, "kind": alert.kind, "title": alert.title, "check": alert.check or "",
            **({"run": dg.MetadataValue.url(alert.run_url)} if alert.run_url else {}),
        },
        tags={"alert": alert.severity},
    )

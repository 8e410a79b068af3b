"""Landing sensors: turn arriving files into one run per (source, partition).

The cursor keeps, per source, the newest day seen and a digest of every recent day's
(key, ETag) list. Each tick lists only the days from `LOOKBACK_DAYS` before that newest
day onwards (never the whole zone), so its cost does not grow with history. A new day, a
late file or a changed re-delivery changes the day's digest and re-requests the partition;
a byte-identical re-delivery keeps the digest (and the run_key), so it runs nothing. Files
delivered for a day that is not a partition yet wait, unseen, until it is.
"""


import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg

from assets.common.landing import Source
from resources.lake import LakeStorage

LOOKBACK_DAYS = 7  # late files older than this need a manual re-run (or S3 event notifications)
MAX_REQUESTS_PER_TICK = 40
_DAY_DIR = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Arrival:
    source: Source
    partition: str
    digest: str
    files: int


def day_digest(objects) -> str:
    listing = "\n".join(f"{o.key}\t{o.etag}" for o in sorted(objects, key=lambda o: o.key))
    return hashlib.sha256(listing.encode()).hexdigest()


def find_arrivals(lake: LakeStorage, sources: tuple[Source, ...], cursor: dict) -> list[Arrival]:
    """Days whose landing listing differs from the cursor's record, in source order then day order."""
    arrivals = []
    for source in sources:
        state = cursor.get(source.name, {})
        start_after = ""
        if state.get("newest"):
            start_after = f"dt={date.fromisoformat(state['newest']) - timedelta(days=LOOKBACK_DAYS + 1)}"
        for name in lake.list_dirs(source.landing_prefix, start_after):
            match = _DAY_DIR.match(name)
            if not match:
                continue
            objects = list(lake.list_objects(source.landing_dir(match[1])))
            if not objects:
                continue
            digest = day_digest(objects)
            if state.get("days", {}).get(match[1]) != digest:
                arrivals.append(Arrival(source, match[1], digest, len(objects)))
    return arrivals


def advance_cursor(cursor: dict, requested: list[Arrival], waiting: list[Arrival] = ()) -> dict:
    """`requested` arrivals are seen. `waiting` ones are files delivered for a day that is not a
    partition yet: they are remembered only so the wait is logged once, and they are requested
    as soon as their partition exists, since their day's digest was never recorded as seen."""
    updated = {
        name: {"newest": s.get("newest"), "days": dict(s.get("days", {})), "waiting": dict(s.get("waiting", {}))}
        for name, s in cursor.items()
    }
    for arrival in requested:
        state = updated.setdefault(arrival.source.name, {"newest": None, "days": {}, "waiting": {}})
        state["days"][arrival.partition] = arrival.digest
        state["waiting"].pop(arrival.partition, None)
        state["newest"] = max(filter(None, [state["newest"], arrival.partition]))
    for arrival in waiting:
        updated.setdefault(arrival.source.name, {"newest": None, "days": {}, "waiting": {}})["waiting"][arrival.partition] = arrival.digest
    for state in updated.values():
        if state["newest"]:
            oldest_kept = (date.fromisoformat(state["newest"]) - timedelta(days=LOOKBACK_DAYS + 1)).isoformat()
            state["days"] = {day: d for day, d in state["days"].items() if day > oldest_kept}
            state["waiting"] = {day: d for day, d in state["waiting"].items() if day > oldest_kept}
    return updated


IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def _in_flight(instance: dg.DagsterInstance, arrival: Arrival, targets: list[dg.AssetKey]) -> bool:
    """A queued or running run of this day builds any of the same assets (this sensor's run of the
    source, the daily schedule's job, a backfill): a second one would race it on the same files
    and rows. A run with no explicit selection (a whole job) counts as overlapping."""
    runs = instance.get_runs(dg.RunsFilter(statuses=IN_FLIGHT, tags={"dagster/partition": arrival.partition}))
    return any(run.asset_selection is None or run.asset_selection & set(targets) for run in runs)


def build_landing_sensor(
    name: str,
    sources: tuple[Source, ...],
    targets: dict[str, list[dg.AssetKey]],
    partitions_def: dg.PartitionsDefinition,
    description: str,
    partitions_by_source: dict[str, dg.PartitionsDefinition] | None = None,
) -> dg.SensorDefinition:
    """`targets` maps a source name to the assets one arrival of it runs (its bronze, silver and
    whatever gold depends on it). Sources are listed reference data first, so in one tick the
    catalog and stores are requested before the sales that are validated against them.
    `partitions_by_source` overrides `partitions_def` for sources partitioned otherwise (monthly)."""
    partitions_of = {source.name: (partitions_by_source or {}).get(source.name, partitions_def) for source in sources}

    @dg.sensor(
        name=name,
        description=description,
        minimum_interval_seconds=15,
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=sorted({k for keys in targets.values() for k in keys}, key=lambda k: k.to_user_string()),
    )
    def _sensor(context: dg.SensorEvaluationContext, lake: LakeStorage):
        cursor = json.loads(context.cursor) if context.cursor else {}
        arrivals = find_arrivals(lake, sources, cursor)
        known = {name: set(p.get_partition_keys()) for name, p in partitions_of.items()}
        outside = [a for a in arrivals if a.partition not in known[a.source.name]]
        for a in outside:
            if cursor.get(a.source.name, {}).get("waiting", {}).get(a.partition) != a.digest:
                context.log.info(f"{a.source.landing_dir(a.partition)} waits: {a.partition} is not a partition yet; it runs once it is")
        runnable = [a for a in arrivals if a.partition in known[a.source.name]]
        busy = [a for a in runnable if _in_flight(context.instance, a, targets[a.source.name])]
        for a in busy:
            context.log.info(f"{a.source.domain}/{a.source.name} {a.partition} changed while a run of it is in flight; requesting it once that ends")
        batch = [a for a in runnable if a not in busy][:MAX_REQUESTS_PER_TICK]  # the rest stay un-cursored and come next tick
        for a in batch:
            yield dg.RunRequest(
                run_key=f"{a.source.domain}/{a.source.name}/{a.partition}/{a.digest[:16]}",
                partition_key=a.partition,
                asset_selection=targets[a.source.name],
                tags={"trigger": "landing", "source": f"{a.source.domain}/{a.source.name}", "landing_files": str(a.files)},
            )
        if arrivals:
            context.update_cursor(json.dumps(advance_cursor(cursor, batch, outside), sort_keys=True))
    return _sensor

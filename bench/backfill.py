"""A 30-partition retail backfill at local scale, launched the way a user launches one: through
the webserver's GraphQL API (the UI's "Materialize" on 30 days), run by the daemon with the
platform's dagster.yaml (one run at a time, each in its own process).

    uv run python bench/backfill.py [--days 30]

Reports seconds per partition and splits each run's wall time into its steps by layer and
what is outside any step (process start, loading the code location, run bookkeeping).
Writes bench/results/backfill.md.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.harness import publish_report  # noqa: E402

FIRST_DAY = date(2024, 10, 1)


def deliver_days(root: Path, days: list[str]) -> None:
    from resources.lake import LocalLake
    from simulator import deliver
    from simulator.retail import SCALES, generate_retail_day

    lake = LocalLake(root=str(root / "lake"))
    for day in days:
        deliver(lake, generate_retail_day(date.fromisoformat(day), SCALES["local"], seed=11))


def _layer(step_key: str) -> str:
    """retail_silver_pos_lines -> silver; retail_warehouse_load -> warehouse; dbt steps -> marts."""
    parts = step_key.split("_")
    return parts[1] if parts[0] == "retail" and len(parts) > 1 else "marts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    from tests.live_platform import Platform

    days = [(FIRST_DAY + timedelta(days=n)).isoformat() for n in range(args.days)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        deliver_days(root, days)
        platform = Platform(root)
        platform.start("dagster-webserver", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(platform.port))
        try:
            platform.wait_until_loaded()
            platform.stop_automation()
            platform.start("dagster-daemon", "run", "-w", "workspace.yaml")
            start = time.time()
            backfill_id = platform.launch_backfill("retail_daily_partition_set", days)
            status = platform.wait_for_backfill(backfill_id, timeout=3600)
            wall = time.time() - start
            runs = platform.backfill_runs(backfill_id)
        finally:
            platform.stop()
    failed = [run["partition"] for run in runs if run["status"] != "SUCCESS"]
    if failed or len(runs) != len(days):
        sys.exit(f"backfill {status}: {len(runs)} runs, failed partitions {failed}")

    run_seconds = [run["endTime"] - run["startTime"] for run in runs]
    queued = [run["startTime"] - run["creationTime"] for run in runs]
    layers: dict[str, float] = {}
    for run in runs:
        for step in run["stepStats"]:
            layers[_layer(step["stepKey"])] = layers.get(_layer(step["stepKey"]), 0.0) + step["endTime"] - step["startTime"]
    in_steps = sum(layers.values())
    rows = [
        ("whole backfill, launch to last run ended", wall, wall / len(days)),
        ("runs (start to end), summed", sum(run_seconds), statistics.mean(run_seconds)),
        *((f"  steps: {layer}", seconds, seconds / len(days)) for layer, seconds in sorted(layers.items(), key=lambda item: -item[1])),
        ("  outside steps: run process start, code location load, bookkeeping", sum(run_seconds) - in_steps, (sum(run_seconds) - in_steps) / len(days)),
        ("between runs: queued and launched by the daemon", wall - sum(run_seconds), (wall - sum(run_seconds)) / len(days)),
    ]
    lines = [
        f"Backfill {status}; runs created {min(queued):.1f} to {max(queued):.1f} s before they started (one run at a time).",
        "",
        "| part | total | per partition |",
        "|---|---|---|",
        *(f"| {name} | {total:.1f} s | {each:.2f} s |" for name, total, each in rows),
    ]
    publish_report("backfill", f"Retail backfill of {len(days)} days at scale `local`", lines)


if __name__ == "__main__":
    main()

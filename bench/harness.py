"""What the benchmarks share: running a measured step in a fresh child process (so its peak
RSS is its own), calling an asset's function without Dagster, and reading step wall times
back from a Dagster run's event log."""

import inspect
import json
import logging
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def _tree_rss_bytes(root: int) -> int:
    """RSS of `root` and all its descendants, from /proc (a Spark job's JVM is a grandchild)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    tree, frontier = {root}, [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        tree.update(children)
        frontier = children
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * resource.getpagesize()
        except (OSError, IndexError, ValueError):
            continue
    return total


def run_child(script: str, mode: str, *args: str) -> dict:
    """Runs `script --child mode args…`, which must print one JSON object on its last line.
    Adds `tree_rss_gb`: the peak RSS of the child's whole process tree, sampled every 0.2 s."""
    child = subprocess.Popen([sys.executable, script, "--child", mode, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = 0
    while True:
        try:
            stdout, stderr = child.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            peak = max(peak, _tree_rss_bytes(child.pid))
    if child.returncode:
        sys.exit(f"{mode} failed:\n{stderr[-4000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["tree_rss_gb"] = max(peak / 1024**3, result.get("peak_rss_gb", 0))
    return result


def report_child(result: dict) -> None:
    """The child side: add this process's peak RSS and print the result for `run_child`."""
    result["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(json.dumps(result))


def call_directly(asset, day: date, resources: dict) -> None:
    """An asset's own function, as written, for one daily partition, with just the context
    attributes it reads: no run, no event log, no output handling."""
    import dagster as dg

    start = datetime.combine(day, datetime.min.time(), UTC)
    context = SimpleNamespace(
        partition_key=day.isoformat(),
        partition_keys=[day.isoformat()],
        partition_time_window=dg.TimeWindow(start, start + timedelta(days=1)),
        log=logging.getLogger("direct"),
        assets_def=asset,
        selected_asset_keys=asset.keys,
        run=SimpleNamespace(run_id="direct"),
    )
    function = asset.op.compute_fn.decorated_fn
    wanted = [name for name in inspect.signature(function).parameters if name in resources]
    result = function(context, **{name: resources[name] for name in wanted})
    if isinstance(result, Iterator):
        list(result)  # a multi-asset yields its results


def step_seconds(instance, run_ids: list[str]) -> dict[str, float]:
    """Wall time of each successful step (STEP_START to STEP_SUCCESS), summed over the runs."""
    steps: dict[str, float] = {}
    started: dict[str, float] = {}
    for run_id in run_ids:
        for record in instance.all_logs(run_id):
            if record.dagster_event is None:
                continue
            kind, step = record.dagster_event.event_type_value, record.step_key
            if kind == "STEP_START":
                started[step] = record.timestamp
            elif kind == "STEP_SUCCESS":
                steps[step] = steps.get(step, 0.0) + record.timestamp - started[step]
    return steps


def publish_report(name: str, title: str, body: list[str]) -> str:
    """Prints a Markdown report, titled with the date and the machine's cores, and writes it
    to bench/results/<name>.md for the README to quote."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join([f"# {title} ({stamp}, {os.cpu_count()} cores)", "", *body]) + "\n"
    print(text)
    Path(ROOT, "bench/results").mkdir(exist_ok=True)
    Path(ROOT, f"bench/results/{name}.md").write_text(text)
    return text

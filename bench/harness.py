"""What the benchmarks share: running a measured step in a fresh child process (so its peak
RSS is its own), and reading step wall times back from a Dagster run's event log."""

import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_child(script: str, mode: str, *args: str) -> dict:
    """Runs `script --child mode args…`, which must print one JSON object on its last line."""
    out = subprocess.run([sys.executable, script, "--child", mode, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"{mode} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report_child(result: dict) -> None:
    """The child side: add this process's peak RSS and print the result for `run_child`."""
    result["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(json.dumps(result))


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

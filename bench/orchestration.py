"""What Dagster adds on top of the computation: the retail daily graph for one partition at local
scale, run three ways side by side, plus the cold import of the code location.

    uv run python bench/orchestration.py

- direct: every asset's own function called in graph order with a bare context (no run, no event log);
- in-process: `dg.materialize` on an ephemeral instance (the run machinery, no process start);
- CLI: `dagster asset materialize` in a fresh process on a real DAGSTER_HOME, as a user runs it.

The dbt marts are left out: dbt is a subprocess whose cost is the same however it is started.
Prints a table and writes bench/results/orchestration.md.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.harness import call_directly, publish_report, report_child, run_child  # noqa: E402

DAY = date(2024, 10, 1)
REPEATS = 3
TARGETS = {"overhead_s": 10.0, "per_step_s": 0.5, "cold_import_s": 5.0}
GROUPS = ("retail_bronze", "retail_silver", "retail_gold", "retail_warehouse")  # the daily graph without the dbt marts


def prepare(local_dir: str) -> dict:
    """Two days of landing files (the first is history for the rolling metrics), the first materialized."""
    os.environ["PLATFORM_LOCAL_DIR"] = local_dir
    import dagster as dg

    from resources.lake import LocalLake
    from simulator import deliver
    from simulator.retail import SCALES, generate_retail_day

    lake = LocalLake(root=str(Path(local_dir, "lake")))
    for day in (date.fromordinal(DAY.toordinal() - 1), DAY):
        deliver(lake, generate_retail_day(day, SCALES["local"], seed=7))
    assets, resources = _graph()
    dg.materialize(assets, selection=_daily_keys(assets), partition_key=date.fromordinal(DAY.toordinal() - 1).isoformat(), resources=resources)
    return {}


def _graph():
    """The retail assets with the local profile's resources, as the code location builds them."""
    from assets.retail.graph import RETAIL_ASSETS
    from resources.profiles import local_resources

    resources = local_resources()
    resources.pop("alerting")  # used only by the alert sensor
    return RETAIL_ASSETS, resources


def _daily_keys(assets) -> list:
    """The daily-partitioned assets of the retail groups (the monthly Spark ones run on another partition)."""
    from assets.common.partitions import DAILY

    return [key for asset in assets for key in asset.keys if asset.partitions_def == DAILY and asset.group_names_by_key[key] in GROUPS]


def _ordered_steps(assets, resources) -> list:
    """The selected assets in dependency order: the order the in-process executor runs them in."""
    import dagster as dg

    graph = dg.Definitions(assets=assets, resources=resources).get_repository_def().asset_graph
    keys = set(_daily_keys(assets))
    level_of = {key: n for n, level in enumerate(graph.toposorted_asset_keys_by_level) for key in level}
    selected = {id(asset): asset for asset in assets if set(asset.keys) & keys}.values()
    # A multi-asset (the warehouse load) runs after the last of its upstreams, so it sorts by its deepest key.
    return sorted(selected, key=lambda asset: max(level_of[key] for key in asset.keys))


def direct(local_dir: str) -> dict:
    """Each asset's own function called with a bare context: the same code, no orchestration."""
    os.environ["PLATFORM_LOCAL_DIR"] = local_dir
    assets, resources = _graph()
    steps = _ordered_steps(assets, resources)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for asset in steps:
            call_directly(asset, DAY, resources)
        times.append(time.perf_counter() - start)
    return {"seconds": statistics.median(times), "steps": len(steps)}


def in_process(local_dir: str) -> dict:
    os.environ["PLATFORM_LOCAL_DIR"] = local_dir
    import dagster as dg

    assets, resources = _graph()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        dg.materialize(assets, selection=_daily_keys(assets), partition_key=DAY.isoformat(), resources=resources)
        times.append(time.perf_counter() - start)
    return {"seconds": statistics.median(times)}


def _timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command[:4])} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def cli(local_dir: str) -> dict:
    """`dagster asset materialize` as a user types it, on a DAGSTER_HOME with the platform's dagster.yaml."""
    assets, _ = _graph()
    selection = ",".join(key.to_user_string() for key in _daily_keys(assets))
    home = Path(local_dir, "dagster")
    home.mkdir(exist_ok=True)
    shutil.copy(ROOT / "platform/dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "PLATFORM_ENV": "local", "PLATFORM_LOCAL_DIR": local_dir, "DAGSTER_HOME": str(home)}
    dagster = str(Path(sys.executable).parent / "dagster")
    command = [dagster, "asset", "materialize", "-f", "platform/definitions.py", "--select", selection, "--partition", DAY.isoformat()]
    runs = statistics.median(_timed(command, env) for _ in range(REPEATS))
    load = [sys.executable, "-c", "import runpy; runpy.run_path('platform/definitions.py')"]
    imports = statistics.median(_timed(load, env) for _ in range(REPEATS))
    bare = statistics.median(_timed([sys.executable, "-c", "import dagster"], env) for _ in range(REPEATS))
    return {"seconds": runs, "cold_import": imports, "import_dagster": bare}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        mode, local_dir = args.child
        report_child({"prepare": prepare, "direct": direct, "in_process": in_process, "cli": cli}[mode](local_dir))
        return

    with tempfile.TemporaryDirectory() as tmp:
        run_child(__file__, "prepare", tmp)
        plain = run_child(__file__, "direct", tmp)
        managed = run_child(__file__, "in_process", tmp)
        typed = run_child(__file__, "cli", tmp)
    steps = plain["steps"]
    overhead = typed["seconds"] - plain["seconds"]
    per_step = (managed["seconds"] - plain["seconds"]) / steps
    rows = [
        (f"direct: {steps} asset functions in graph order", plain["seconds"], "1.0x"),
        ("in process: dg.materialize", managed["seconds"], f"{managed['seconds'] / plain['seconds']:.1f}x"),
        ("CLI: dagster asset materialize (fresh process)", typed["seconds"], f"{typed['seconds'] / plain['seconds']:.1f}x"),
        ("cold import of the Definitions (fresh process)", typed["cold_import"], ""),
        ("  of which `import dagster` alone", typed["import_dagster"], ""),
    ]
    verdict = {"overhead_s": overhead, "per_step_s": per_step, "cold_import_s": typed["cold_import"]}
    lines = [
        "| run | wall (median of 3) | ratio |",
        "|---|---|---|",
        *(f"| {name} | {seconds:.2f} s | {ratio} |" for name, seconds, ratio in rows),
        "",
        f"- overhead = CLI - direct = {overhead:.2f} s; per step = (in process - direct) / {steps} steps = {per_step:.3f} s",
        *(f"- target {name} <= {TARGETS[name]}: {value:.2f}, {'met' if value <= TARGETS[name] else 'NOT met'}" for name, value in verdict.items()),
    ]
    publish_report("orchestration", "Orchestration overhead, retail day at scale `local`", lines)


if __name__ == "__main__":
    main()

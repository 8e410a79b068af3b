"""One banking day at bench scale (5,000,000 transactions and their ~1,000,000 accounts) from
landing to gold: bronze, silver, then the ledger, fraud alerts and daily summary.

    uv run python bench/banking_day.py [--scale bench|local|test]

The platform runs in a fresh child process, so its peak RSS is its own. Prints wall time per
layer and writes the table to bench/results/banking_day_<scale>.md.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.harness import report_child, run_child, step_seconds  # noqa: E402

DAY = date(2024, 10, 2)
TARGETS = {"wall_s": 30.0, "peak_rss_gb": 3.0}


def prepare(lake_dir: str, scale: str) -> dict:
    from resources.lake import LocalLake
    from simulator import deliver
    from simulator.banking import BANKING_SCALES, BankingDefects, generate_banking_day

    lake = LocalLake(root=lake_dir)
    previous = date.fromordinal(DAY.toordinal() - 1)
    files = generate_banking_day(previous, BANKING_SCALES[scale], seed=3)
    deliver(lake, {k: v for k, v in files.items() if "/accounts/" in k})  # yesterday's balances open today's ledger
    files = generate_banking_day(DAY, BANKING_SCALES[scale], seed=3, defects=BankingDefects(row_defect_rate=0.001))
    deliver(lake, files)
    lines = sum(v.count(b"\n") - 1 for k, v in files.items() if "/transactions/" in k)
    return {"transactions": lines, "bytes": sum(len(v) for k, v in files.items() if "/transactions/" in k)}


def platform(lake_dir: str, warehouse: str) -> dict:
    os.environ.setdefault("PLATFORM_PII_KEY", "bench-only-key-0123456789abcdef")
    import dagster as dg

    from assets.banking import bronze, gold, silver
    from assets.banking.graph import BANKING_ASSETS
    from resources.lake import LocalLake
    from resources.pii import PiiKey
    from resources.spark import LocalSpark
    from resources.warehouse import EmbeddedWarehouse

    resources = {"lake": LocalLake(root=lake_dir), "warehouse": EmbeddedWarehouse(path=warehouse), "pii": PiiKey(key=os.environ["PLATFORM_PII_KEY"]), "spark": LocalSpark()}
    instance = dg.DagsterInstance.ephemeral()
    accounts = [bronze.banking_bronze_accounts, silver.banking_silver_accounts]
    previous = date.fromordinal(DAY.toordinal() - 1).isoformat()
    dg.materialize(BANKING_ASSETS, selection=accounts, partition_key=previous, resources=resources, instance=instance)  # not timed
    selection = [
        *accounts, bronze.banking_bronze_transactions, silver.banking_silver_transactions,
        gold.banking_gold_account_daily, gold.banking_gold_fraud_alerts, gold.banking_gold_daily_summary,
    ]
    start = time.perf_counter()
    result = dg.materialize(BANKING_ASSETS, selection=selection, partition_key=DAY.isoformat(), resources=resources, instance=instance)
    total = time.perf_counter() - start
    return {"seconds": total, "steps": step_seconds(instance, [result.run_id])}


def child(mode: str, *args: str) -> dict:
    return run_child(__file__, mode, *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="bench")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        mode, *rest = args.child
        result = {"prepare": lambda: prepare(rest[0], rest[1]), "platform": lambda: platform(*rest)}[mode]()
        report_child(result)
        return

    with tempfile.TemporaryDirectory() as tmp:
        lake_dir = str(Path(tmp, "lake"))
        t = time.perf_counter()
        prepared = child("prepare", lake_dir, args.scale)
        print(f"generated {prepared['transactions']:,} transactions ({prepared['bytes'] / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
        run = child("platform", lake_dir, str(Path(tmp, "warehouse.duckdb")))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Banking day, scale `{args.scale}`: {prepared['transactions']:,} transactions ({stamp}, {os.cpu_count()} cores)",
        "",
        "| step | wall |",
        "|---|---|",
        *(f"| {step} | {secs:.2f} s |" for step, secs in run["steps"].items()),
        f"| **landing -> gold, total** | **{run['seconds']:.2f} s** |",
        "",
        f"Peak RSS: {run['peak_rss_gb']:.2f} GB.",
        "",
        f"- target wall <= {TARGETS['wall_s']} s: {run['seconds']:.1f}, {'met' if run['seconds'] <= TARGETS['wall_s'] else 'NOT met'}",
        f"- target peak RSS <= {TARGETS['peak_rss_gb']} GB: {run['peak_rss_gb']:.2f}, {'met' if run['peak_rss_gb'] <= TARGETS['peak_rss_gb'] else 'NOT met'}",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(ROOT, "bench/results").mkdir(exist_ok=True)
    Path(ROOT, f"bench/results/banking_day_{args.scale}.md").write_text(text)


if __name__ == "__main__":
    main()

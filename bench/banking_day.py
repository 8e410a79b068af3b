"""The banking scale curve: one day of 1M, 5M and 20M transactions (with the bench scale's
~1,000,000 accounts, grown in proportion above 5M) from landing to gold: bronze, silver, then the ledger, fraud alerts and
daily summary.

    uv run python bench/banking_day.py [--transactions 1000000,5000000,20000000] [--scale bench]

Each size is generated, then run in a fresh child process, so its peak RSS is its own. Prints
wall time per step, peak RSS and seconds per million transactions, and writes the table to
bench/results/banking_day_<scale>.md.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.harness import publish_report, report_child, run_child, step_seconds  # noqa: E402

DAY = date(2024, 10, 2)
TARGETS = {"wall_5m_s": 30.0, "peak_rss_20m_gb": 4.0, "growth": 1.25}  # growth: s per million at the largest size over the smallest


def prepare(lake_dir: str, scale: str, transactions: str) -> dict:
    from dataclasses import replace

    from resources.lake import LocalLake
    from simulator import deliver
    from simulator.banking import BANKING_SCALES, BankingDefects, generate_banking_day

    lake = LocalLake(root=lake_dir)
    base, wanted = BANKING_SCALES[scale], int(transactions)
    # Each account transacts a bounded number of times a day, so a bigger day needs a bigger bank.
    grow = max(1.0, wanted / base.transactions_per_day)
    size = replace(
        base, transactions_per_day=wanted, n_accounts=int(base.n_accounts * grow), n_customers=int(base.n_customers * grow),
        n_merchants=int(base.n_merchants * grow),
    )
    previous = date.fromordinal(DAY.toordinal() - 1)
    files = generate_banking_day(previous, size, seed=3)
    deliver(lake, {k: v for k, v in files.items() if "/accounts/" in k})  # yesterday's balances open today's ledger
    files = generate_banking_day(DAY, size, seed=3, defects=BankingDefects(row_defect_rate=0.001))
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


def measure(scale: str, transactions: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        lake_dir = str(Path(tmp, "lake"))
        t = time.perf_counter()
        prepared = child("prepare", lake_dir, scale, str(transactions))
        print(f"generated {prepared['transactions']:,} transactions ({prepared['bytes'] / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
        run = child("platform", lake_dir, str(Path(tmp, "warehouse.duckdb")))
    print(f"  landing -> gold {run['seconds']:.1f} s, peak RSS {run['tree_rss_gb']:.2f} GB", flush=True)
    return {**prepared, **run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="bench")
    parser.add_argument("--transactions", default="1000000,5000000,20000000", help="comma-separated sizes")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        mode, *rest = args.child
        result = {"prepare": lambda: prepare(*rest), "platform": lambda: platform(*rest)}[mode]()
        report_child(result)
        return

    runs = [measure(args.scale, int(n)) for n in args.transactions.split(",")]
    steps = list(runs[0]["steps"])
    per_million = [run["seconds"] / (run["transactions"] / 1e6) for run in runs]
    by_size = {run["transactions"]: run for run in runs}
    five = min(by_size, key=lambda n: abs(n - 5_000_000))
    largest = max(by_size)
    verdict = {
        "wall_5m_s": (by_size[five]["seconds"], f"landing -> gold at {five:,}"),
        "peak_rss_20m_gb": (by_size[largest]["tree_rss_gb"], f"peak RSS at {largest:,}"),
        "growth": (per_million[-1] / per_million[0], "s per million, largest over smallest size"),
    }
    lines = [
        "| step | " + " | ".join(f"{run['transactions']:,}" for run in runs) + " |",
        "|---|" + "---|" * len(runs),
        *(f"| {step} | " + " | ".join(f"{run['steps'].get(step, 0):.2f} s" for run in runs) + " |" for step in steps),
        "| **landing -> gold** | " + " | ".join(f"**{run['seconds']:.2f} s**" for run in runs) + " |",
        "| s per million transactions | " + " | ".join(f"{value:.2f}" for value in per_million) + " |",
        "| peak RSS (process tree) | " + " | ".join(f"{run['tree_rss_gb']:.2f} GB" for run in runs) + " |",
        "| landing files | " + " | ".join(f"{run['bytes'] / 1e6:.0f} MB" for run in runs) + " |",
        "",
        *(f"- target {name} <= {TARGETS[name]} ({what}): {value:.2f}, {'met' if value <= TARGETS[name] else 'NOT met'}" for name, (value, what) in verdict.items()),
    ]
    publish_report(f"banking_day_{args.scale}", f"Banking day scale curve, scale `{args.scale}`", lines)


if __name__ == "__main__":
    main()

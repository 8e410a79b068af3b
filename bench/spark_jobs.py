"""The Spark jobs on local Spark and the Redshift load path into PostgreSQL, each beside the same
logic in polars (or the embedded warehouse), measured side by side in one run.

    uv run python bench/spark_jobs.py                 # 200,000 accounts x 30 days; 250,000 customers x 30 days
    uv run python bench/spark_jobs.py --accounts 50000 --lines-per-day 100000

Each measurement runs in a fresh child process (peak RSS is its own); medians of --repeats.
The Spark rows go through the platform's real path (dg.materialize: Pipes, Spark job, reading
back, checks, publish). Spark session start-up is measured on its own because it is a
fixed cost that dominates at this scale. Writes bench/results/spark_jobs.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("PLATFORM_PII_KEY", "bench-only-key-0123456789abcdef")

from bench.harness import ROOT, report_child, run_child  # noqa: E402

MONTH = date(2024, 10, 1)
DAYS = [MONTH + timedelta(days=n) for n in range(31)]


# --- synthetic silver data, written where the platform reads it -------------------------------

def write_accounts(lake_dir: str, accounts: int) -> None:
    import numpy as np
    import polars as pl

    from assets.banking import schemas

    rng = np.random.default_rng(0)
    ids = [f"{i:012d}" for i in range(100_000_000_000, 100_000_000_000 + accounts)]
    kind = rng.choice(["savings", "checking", "credit_card"], size=accounts, p=[0.4, 0.5, 0.1])
    rate_units = rng.integers(50, 500, size=accounts) * 100  # 0.005000-0.049900
    cents = rng.integers(0, 5_000_000, size=accounts)
    for day in DAYS:
        cents = cents + rng.integers(-20_000, 20_000, size=accounts)
        frame = pl.DataFrame({"account_id": ids, "account_type": kind, "currency": "USD", "rate": rate_units, "cents": cents}).select(
            "account_id", "account_type", "currency",
            (pl.col("rate").cast(pl.Decimal(16, 6)) / 1_000_000).cast(pl.Decimal(9, 6)).alias("interest_rate"),
            (pl.col("cents").cast(pl.Decimal(16, 2)) / 100).cast(pl.Decimal(14, 2)).alias("balance"),
            pl.lit(day).alias("snapshot_date"),
        )
        path = Path(lake_dir) / schemas.SILVER_ACCOUNTS.lake_key(day.isoformat())
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)


def write_pos_lines(lake_dir: str, customers: int, lines_per_day: int) -> None:
    import numpy as np
    import polars as pl

    from assets.retail import schemas

    rng = np.random.default_rng(1)
    for n, day in enumerate(DAYS):
        who = rng.zipf(1.3, size=lines_per_day) % customers
        receipt = rng.integers(0, lines_per_day // 3, size=lines_per_day)
        frame = pl.DataFrame({"who": who, "receipt": receipt, "cents": rng.integers(50, 5_000, size=lines_per_day)}).select(
            pl.format("C{}", (pl.col("who") + 1_000_000).cast(pl.String)).alias("customer_id"),
            pl.format("{}-{}", pl.lit(n), pl.col("receipt")).alias("receipt_id"),
            pl.lit(day).alias("transaction_date"),
            (pl.col("cents").cast(pl.Decimal(16, 2)) / 100).cast(pl.Decimal(12, 2)).alias("amount"),
        )
        path = Path(lake_dir) / schemas.SILVER_POS_LINES.lake_key(day.isoformat())
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)


def pos_lines_day(rows: int):
    """A production-scale silver pos_lines partition, typed as the warehouse table."""
    import numpy as np
    import polars as pl

    from assets.retail import schemas

    rng = np.random.default_rng(2)
    columns = {c.name: c.dtype for c in schemas.SILVER_POS_LINES.table_def().columns}
    frame = pl.DataFrame({
        "receipt_id": [f"{i % 500:03d}-01-20241001-{i // 500:05d}" for i in range(rows)],
        "line_no": rng.integers(1, 10, size=rows), "store_id": [f"{i % 500:03d}" for i in range(rows)], "register_id": "POS01",
        "product_barcode": [f"{i % 20_000:012d}" for i in range(rows)], "quantity": rng.integers(1, 5, size=rows),
        "price": rng.integers(50, 5_000, size=rows) / 100, "amount": rng.integers(50, 20_000, size=rows) / 100,
        "transaction_date": date(2024, 10, 1), "cashier_id": "emp001",
        "customer_id": [f"C{1_000_000 + i % 250_000}" if i % 5 else None for i in range(rows)],
        "_source_key": "landing/retail/pos/dt=2024-10-01/store_001.csv", "_source_line": np.arange(rows) + 2,
    })
    return frame.with_columns(pl.datetime(2024, 10, 1, 12, time_zone="UTC").alias("timestamp")).select(
        [pl.col(name).cast(dtype) for name, dtype in columns.items()]
    )


# --- the measured steps (child processes) --------------------------------------------------------

def spark_startup() -> dict:
    """A local Spark session started and stopped, writing nothing: the fixed cost of any Spark job."""
    import subprocess

    code = "from pyspark.sql import SparkSession; SparkSession.builder.master('local[2]').getOrCreate().stop()"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return {"seconds": time.perf_counter() - started}


def materialize(lake_dir: str, asset_name: str) -> dict:
    import dagster as dg

    from assets.banking.graph import BANKING_ASSETS
    from assets.retail.graph import RETAIL_ASSETS
    from resources.lake import LocalLake
    from resources.spark import LocalSpark

    assets = {a.key.to_user_string(): a for a in [*RETAIL_ASSETS, *BANKING_ASSETS] if len(a.keys) == 1}
    started = time.perf_counter()
    result = dg.materialize([assets[asset_name]], partition_key=MONTH.isoformat(), resources={"lake": LocalLake(root=lake_dir), "spark": LocalSpark()})
    seconds = time.perf_counter() - started
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    return {"seconds": seconds}


def interest_polars(lake_dir: str) -> dict:
    """The same formula in polars, and a cross-check against what Spark published."""
    import polars as pl

    from assets.banking import schemas
    from resources.lake import LocalLake

    lake = LocalLake(root=lake_dir)
    started = time.perf_counter()
    keys = [lake.uri(schemas.SILVER_ACCOUNTS.lake_key(d.isoformat())) for d in DAYS]
    savings = pl.scan_parquet(keys).filter(pl.col("account_type") == "savings")
    totals = savings.group_by("account_id").agg(pl.col("balance").sum().alias("balance_days"), pl.len().alias("days_held"))
    closing = savings.filter(pl.col("snapshot_date") == DAYS[-1]).select("account_id", "interest_rate", pl.col("balance").alias("closing_balance"))
    # Widened before dividing: polars keeps the dividend's scale, and 8 places can turn a near-tie into a tie.
    weighted = (pl.max_horizontal(pl.col("balance_days"), 0).cast(pl.Decimal(38, 2)) * pl.col("interest_rate")).cast(pl.Decimal(38, 16))
    accrued = weighted / (12 * len(DAYS))
    gold = closing.join(totals, on="account_id").select(
        "account_id", accrued.round(2, mode="half_away_from_zero").cast(pl.Decimal(14, 2)).alias("interest")
    ).collect(engine="streaming")
    seconds = time.perf_counter() - started
    spark = lake.read_parquet(schemas.GOLD_MONTHLY_INTEREST.lake_key(MONTH.isoformat()), columns=["account_id", "interest"])
    same = spark.sort("account_id").equals(gold.sort("account_id"))
    return {"seconds": seconds, "rows": gold.height, "identical_to_spark": same}


def segments_polars(lake_dir: str) -> dict:
    """RFM features in polars, standardized, and K-means (k-means++ start, Lloyd iterations) in numpy."""
    import numpy as np
    import polars as pl

    from assets.retail import schemas
    from resources.lake import LocalLake

    lake = LocalLake(root=lake_dir)
    started = time.perf_counter()
    lines = pl.scan_parquet([lake.uri(schemas.SILVER_POS_LINES.lake_key(d.isoformat())) for d in DAYS])
    rfm = lines.group_by("customer_id").agg(
        (pl.lit(DAYS[-1]) - pl.col("transaction_date").max()).dt.total_days().alias("recency_days"),
        pl.col("receipt_id").n_unique().alias("frequency"),
        pl.col("amount").sum().cast(pl.Float64).alias("monetary"),
    ).collect(engine="streaming")
    x = rfm.select("recency_days", "frequency", "monetary").to_numpy().astype(float)
    x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    rng = np.random.default_rng(1)
    centers = [x[rng.integers(len(x))]]
    for _ in range(4):
        d2 = np.min([((x - c) ** 2).sum(axis=1) for c in centers], axis=0)
        centers.append(x[rng.choice(len(x), p=d2 / d2.sum())])
    centers = np.array(centers)
    for _ in range(20):
        labels = np.argmin(((x[:, None, :] - centers[None]) ** 2).sum(axis=2), axis=1)
        centers = np.array([x[labels == k].mean(axis=0) for k in range(5)])
    seconds = time.perf_counter() - started
    spark = lake.read_parquet(schemas.GOLD_CUSTOMER_SEGMENTS.lake_key(MONTH.isoformat()), columns=["customer_id", "recency_days", "frequency"])
    same = spark.sort("customer_id").equals(rfm.select("customer_id", "recency_days", pl.col("frequency").cast(pl.Int64)).sort("customer_id"))
    return {"seconds": seconds, "customers": rfm.height, "features_identical_to_spark": same}


def load(backend: str, rows: int, target: str) -> dict:
    from assets.retail import schemas
    from resources.sql_warehouse import PostgresWarehouse
    from resources.warehouse import EmbeddedWarehouse, PartitionLoad

    frame = pos_lines_day(rows)
    if backend == "postgres":
        host, port, database = target.split(":")
        warehouse = PostgresWarehouse(host=host, port=int(port), database=database, user="postgres")
    else:
        warehouse = EmbeddedWarehouse(path=target)
    partition = PartitionLoad(schemas.SILVER_POS_LINES.table_def(), date(2024, 10, 1), frame, "retail_silver_pos_lines", "bench")
    warehouse.replace_partitions([partition], run_id="warm-up")  # creates the table; the timed load replaces a full partition
    started = time.perf_counter()
    [receipt] = warehouse.replace_partitions([partition], run_id="bench")
    seconds = time.perf_counter() - started
    assert receipt.rows == receipt.replaced_rows == rows
    return {"seconds": seconds}


CHILDREN = {
    "spark_startup": lambda a: spark_startup(),
    "interest_spark": lambda a: materialize(a[0], "banking_gold_monthly_interest"),
    "interest_polars": lambda a: interest_polars(a[0]),
    "segments_spark": lambda a: materialize(a[0], "retail_gold_customer_segments"),
    "segments_polars": lambda a: segments_polars(a[0]),
    "load_postgres": lambda a: load("postgres", int(a[0]), a[1]),
    "load_embedded": lambda a: load("embedded", int(a[0]), a[1]),
}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        report_child(CHILDREN[sys.argv[2]](sys.argv[3:]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=250_000)
    parser.add_argument("--lines-per-day", type=int, default=330_000, help="loyalty lines per day (about 60%% of a 540,000-line day)")
    parser.add_argument("--load-rows", type=int, default=600_000, help="rows of the retail silver pos_lines partition loaded")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    script = str(Path(__file__).resolve())
    from tests.postgres_server import PostgresServer, free_port

    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        lake_dir = f"{tmp}/lake"
        print(f"writing {args.accounts:,} accounts x {len(DAYS)} days and {args.lines_per_day:,} loyalty lines x {len(DAYS)} days ...", flush=True)
        write_accounts(lake_dir, args.accounts)
        write_pos_lines(lake_dir, args.customers, args.lines_per_day)
        server = PostgresServer(free_port()).start()
        try:
            target = "127.0.0.1:{}:{}".format(server.port, server.create_database("bench")["database"])
            plan = [
                ("spark_startup", ()), ("interest_spark", (lake_dir,)), ("interest_polars", (lake_dir,)),
                ("segments_spark", (lake_dir,)), ("segments_polars", (lake_dir,)),
                ("load_postgres", (str(args.load_rows), target)), ("load_embedded", (str(args.load_rows), f"{tmp}/w.duckdb")),
            ]
            runs: dict[str, list[dict]] = {name: [] for name, _ in plan}
            for repeat in range(args.repeats):  # interleaved, so drift on a shared machine hits every step alike
                for name, child_args in plan:
                    runs[name].append(run_child(script, name, *child_args))
                print(f"repeat {repeat + 1}/{args.repeats} done", flush=True)
        finally:
            server.stop()
    median = {name: statistics.median(r["seconds"] for r in results) for name, results in runs.items()}
    rss = {name: max(r["tree_rss_gb"] for r in results) for name, results in runs.items()}
    rows = [
        ("Spark session start + stop (nothing written)", "spark_startup", ""),
        (f"monthly_interest on local Spark, platform path ({args.accounts:,} accounts x 31 days)", "interest_spark", ""),
        ("the same interest in polars", "interest_polars", f"identical to the cent: {runs['interest_polars'][0]['identical_to_spark']}"),
        (f"customer_segments on local Spark, platform path ({args.lines_per_day * len(DAYS):,} lines)", "segments_spark", ""),
        ("RFM in polars + K-means in numpy", "segments_polars", f"features identical: {runs['segments_polars'][0]['features_identical_to_spark']}"),
        (f"Redshift load path into PostgreSQL ({args.load_rows:,} pos_lines rows)", "load_postgres", ""),
        ("the same load into the embedded warehouse (DuckDB)", "load_embedded", ""),
    ]
    lines = [
        f"# Spark jobs and the Redshift load path ({date.today().isoformat()}, {os.cpu_count()} cores, medians of {args.repeats})",
        "",
        "| step | seconds | peak RSS, whole process tree (GB) | note |",
        "|---|---|---|---|",
        *(f"| {label} | {median[key]:.2f} | {rss[key]:.2f} | {note} |" for label, key, note in rows),
        "",
        f"- monthly_interest: Spark / polars = {median['interest_spark'] / median['interest_polars']:.1f}x; "
        f"without session start-up {(median['interest_spark'] - median['spark_startup']) / median['interest_polars']:.1f}x",
        f"- customer_segments: Spark / polars+numpy = {median['segments_spark'] / median['segments_polars']:.1f}x; "
        f"without session start-up {(median['segments_spark'] - median['spark_startup']) / median['segments_polars']:.1f}x",
        f"- warehouse load: PostgreSQL (COPY FROM STDIN) / embedded = {median['load_postgres'] / median['load_embedded']:.1f}x, "
        f"{args.load_rows / median['load_postgres']:,.0f} rows/s into PostgreSQL",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    out = ROOT / "bench" / "results" / "spark_jobs.md"
    out.write_text(report)
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

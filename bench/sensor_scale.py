"""One landing-sensor tick against moto's S3 server, with 10,000 and with 100,000 keys already
in the landing zone, after 100 new keys arrive. Measured side by side in one run.

    uv run python bench/sensor_scale.py                 # 10,000 and 100,000 existing keys
    uv run python bench/sensor_scale.py --small 2000 --large 20000

The existing keys are POS files (500 stores a day over as many days as it takes) that the
sensor has already seen: its cursor is primed by ticking until nothing is new. The new keys
are 100 stores of the next day. The sensor lists only the days from its look-back window
onwards, so the tick should not grow with history. Writes bench/results/sensor_scale.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PLATFORM_PII_KEY", "bench-only-key-0123456789abcdef")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

from bench.harness import ROOT  # noqa: E402

STORES_PER_DAY, FIRST_DAY, NEW_KEYS = 500, date(2024, 1, 1), 100


def pos_key(day: date, store: int) -> str:
    return f"landing/retail/pos/dt={day.isoformat()}/store_{store:03d}.csv"


def fill(lake, keys: list[str]) -> None:
    client = lake.s3.get_client()
    with ThreadPoolExecutor(16) as pool:  # moto answers one request at a time per thread; parallel PUTs fill faster
        list(pool.map(lambda k: client.put_object(Bucket=lake.bucket, Key=k, Body=b"x"), keys))


def tick(lake, cursor, instance):
    """One sensor evaluation, timed; the definitions are built outside the timing."""
    import dagster as dg

    from assets.retail.graph import RETAIL_ASSETS
    from sensors.retail import retail_landing_sensor

    resources = {"lake": lake, **{name: dg.ResourceDefinition.none_resource() for name in ("warehouse", "pii", "spark")}}
    definitions = dg.Definitions(assets=RETAIL_ASSETS, sensors=[retail_landing_sensor], resources=resources)
    with dg.build_sensor_context(cursor=cursor, resources={"lake": lake}, instance=instance, definitions=definitions) as context, count_s3_requests() as requests:
        started = time.perf_counter()
        result = retail_landing_sensor.evaluate_tick(context)
        return result, time.perf_counter() - started, len(requests)


@contextmanager
def count_s3_requests():
    """Every S3 API call made inside, whatever client makes it: the measure that does not depend
    on the server (moto scans the whole bucket for each listing; S3 does not)."""
    from botocore.client import BaseClient

    calls, original = [], BaseClient._make_api_call

    def counted(self, operation, params):
        calls.append(operation)
        return original(self, operation, params)

    BaseClient._make_api_call = counted
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original


def measure(endpoint: str, existing: int, repeats: int) -> dict:
    import dagster as dg
    from dagster_aws.s3 import S3Resource

    from resources.lake import S3Lake

    bucket = f"landing-{existing}"
    lake = S3Lake(bucket=bucket, s3=S3Resource(endpoint_url=endpoint, region_name="us-east-1"))
    lake.s3.get_client().create_bucket(Bucket=bucket)
    days = -(-existing // STORES_PER_DAY)
    keys = [pos_key(FIRST_DAY + timedelta(days=d), s) for d in range(days) for s in range(STORES_PER_DAY)][:existing]
    started = time.perf_counter()
    fill(lake, keys)
    print(f"  {existing:,} existing keys over {days} days written in {time.perf_counter() - started:.0f} s", flush=True)

    instance = dg.DagsterInstance.ephemeral()
    cursor, priming_ticks = None, 0
    while True:  # the sensor catches up with history, 40 partitions a tick
        result, _, _ = tick(lake, cursor, instance)
        priming_ticks += 1
        if not result.run_requests:
            break
        cursor = result.cursor
    timings, requests = [], []
    for repeat in range(repeats):
        new_day = FIRST_DAY + timedelta(days=days + repeat)
        fill(lake, [pos_key(new_day, s) for s in range(NEW_KEYS)])
        result, seconds, calls = tick(lake, cursor, instance)
        assert [r.partition_key for r in result.run_requests] == [new_day.isoformat()], result.run_requests
        cursor = result.cursor
        timings.append(seconds)
        requests.append(calls)
    return {"existing": existing, "seconds": statistics.median(timings), "requests": max(requests), "priming_ticks": priming_ticks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per S3 request otherwise

    from tests.postgres_server import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        results = [measure(f"http://127.0.0.1:{port}", n, args.repeats) for n in (args.small, args.large)]
    finally:
        server.stop()
    small, large = results
    lines = [
        f"# Landing sensor tick against moto S3 ({date.today().isoformat()}, {os.cpu_count()} cores, medians of {args.repeats})",
        "",
        "| existing keys | tick with 100 new keys (s) | S3 requests in the tick |",
        "|---|---|---|",
        *(f"| {r['existing']:,} | {r['seconds']:.3f} | {r['requests']} |" for r in results),
        "",
        f"- time from {small['existing']:,} to {large['existing']:,} existing keys: {large['seconds'] / small['seconds']:.2f}x; "
        f"S3 requests: {small['requests']} and {large['requests']} (the tick lists only the look-back window of days).",
        "- moto answers each listing by scanning the whole bucket, so its time grows with the bucket even when the",
        "  requests do not; S3 serves a prefix listing without reading the rest of the bucket.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "bench" / "results" / "sensor_scale.md").write_text(report)


if __name__ == "__main__":
    main()

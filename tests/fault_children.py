"""Child processes for tests/test_faults.py: each makes one real platform write and, when told
to, stops at a chosen point of it, says so on stdout and waits there to be SIGKILLed.

    python -m tests.fault_children local-parquet <lake root> <key> <rows> <stop>
    python -m tests.fault_children s3-parquet <endpoint> <bucket> <key> <rows>
    python -m tests.fault_children embedded-load <warehouse path> <run id> <first value>

Stops for local-parquet: `mid_bytes` (half of the Parquet bytes are on disk in the temporary
file), `before_rename` (the whole temporary file is written and synced, the rename has not
happened) and `none` (no stop: the test kills it wherever it is). s3-parquet always stops with
half of the PUT body sent to the server.
"""

from __future__ import annotations

import io
import os
import sys
import time
from datetime import date

import polars as pl

PARTITION_DAY = date(2024, 10, 1)


def big_frame(rows: int, seed: int = 0) -> pl.DataFrame:
    """Deterministic and poorly compressible, so the Parquet file is large and takes a while to write."""
    ids = pl.int_range(rows, eager=True, dtype=pl.Int64)
    return pl.DataFrame({
        "id": ids,
        "value": (ids * 2654435761 + seed) % 1_000_003,
        "text": ids.cast(pl.String).str.reverse() + "-" + ((ids * 40503 + seed) % 65521).cast(pl.String),
    })


def small_load(run_value: int, rows: int = 5):
    """A PartitionLoad of one day into a two-column table: its values start at `run_value`."""
    from resources.warehouse import Column, PartitionLoad, TableDef

    table = TableDef("retail", "fault_t", (Column("d", pl.Date, False), Column("v", pl.Int64, False)), sort_key="d")
    frame = pl.DataFrame({"d": [PARTITION_DAY] * rows, "v": range(run_value, run_value + rows)})
    return PartitionLoad(table, PARTITION_DAY, frame, asset="fault_asset", checksum=f"sum-{run_value}")


def announce_and_wait(message: str) -> None:
    print(message, flush=True)
    while True:  # until the test kills this process
        time.sleep(60)


def local_parquet(root: str, key: str, rows: int, stop: str) -> None:
    from resources.lake import LocalLake

    frame = big_frame(rows)
    if stop == "mid_bytes":
        encode = pl.DataFrame.write_parquet

        def torn(self, file, **options):
            buffer = io.BytesIO()
            encode(self, buffer, **options)
            data = buffer.getvalue()
            with open(file, "wb") as out:
                out.write(data[: len(data) // 2])
                out.flush()
                os.fsync(out.fileno())
            announce_and_wait(f"stopped mid_bytes {len(data) // 2} of {len(data)}")

        pl.DataFrame.write_parquet = torn
    elif stop == "before_rename":
        rename = os.replace

        def blocked(source, target):
            if os.path.basename(str(source)).startswith(".tmp-"):
                announce_and_wait(f"stopped before_rename {os.path.getsize(source)}")
            rename(source, target)

        os.replace = blocked
    print("writing", flush=True)
    LocalLake(root=root).write_parquet(key, frame)
    print("done", flush=True)


def s3_parquet(endpoint: str, bucket: str, key: str, rows: int) -> None:
    from dagster_aws.s3 import S3Resource

    from resources.s3_lake import S3Lake

    lake = S3Lake(bucket=bucket, s3=S3Resource(endpoint_url=endpoint, region_name="us-east-1"))

    class StallsHalfway(io.BytesIO):
        """The PUT body: hands out its first half to the HTTP connection, then stops."""

        def read(self, size=-1):
            if self.tell() >= len(self.getbuffer()) // 2:
                announce_and_wait(f"stopped mid_upload {self.tell()} of {len(self.getbuffer())}")
            return super().read(1 << 16 if size is None or size < 0 else min(size, 1 << 16))

    def stall_upload(request, **_):
        body = request.body
        body.seek(0)
        request.body = StallsHalfway(body.read())

    lake.client.meta.events.register("before-send.s3.PutObject", stall_upload)
    lake.write_parquet(key, big_frame(rows))
    print("done", flush=True)


def embedded_load(path: str, run_id: str, first_value: int) -> None:
    from resources.warehouse import EmbeddedWarehouse

    print("loading", flush=True)
    [receipt] = EmbeddedWarehouse(path=path).replace_partitions([small_load(first_value)], run_id=run_id)
    print(f"done {receipt.rows} {receipt.replaced_rows}", flush=True)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "local-parquet":
        local_parquet(args[0], args[1], int(args[2]), args[3])
    elif command == "s3-parquet":
        s3_parquet(args[0], args[1], args[2], int(args[3]))
    elif command == "embedded-load":
        embedded_load(args[0], args[1], int(args[2]))
    else:
        raise SystemExit(f"unknown command {command!r}")

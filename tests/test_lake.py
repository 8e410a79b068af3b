"""The lake interface, on the local directory and on a real S3 endpoint (moto's server)."""

import uuid

import boto3
import polars as pl
import pytest
from dagster_aws.s3 import S3Resource

from resources.lake import LocalLake, S3Lake


@pytest.fixture
def s3_lake(moto_endpoint) -> S3Lake:
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return S3Lake(bucket=bucket, s3=S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1"), page_size=3)


@pytest.fixture(params=["local", "s3"])
def any_lake(request, tmp_path):
    return LocalLake(root=str(tmp_path / "lake")) if request.param == "local" else request.getfixturevalue("s3_lake")


def test_write_read_info_exists_delete(any_lake):
    any_lake.write("zone/a/dt=2024-10-01/x.csv", b"hello")
    assert any_lake.read("zone/a/dt=2024-10-01/x.csv") == b"hello"
    info = any_lake.info("zone/a/dt=2024-10-01/x.csv")
    assert info.size == 5 and info.etag == "5d41402abc4b2a76b9719d911017c592"  # MD5, as S3 computes it
    assert any_lake.exists("zone/a/dt=2024-10-01/x.csv") and not any_lake.exists("zone/a/nope")
    any_lake.delete("zone/a/dt=2024-10-01/x.csv")
    assert any_lake.info("zone/a/dt=2024-10-01/x.csv") is None


def test_listing_is_ordered_paginated_and_resumes_after_a_cursor(any_lake):
    keys = [f"landing/s/dt=2024-10-0{d}/f{i}.csv" for d in (1, 2, 3) for i in range(4)]
    for key in reversed(keys):
        any_lake.write(key, key.encode())
    any_lake.write("landing/other/dt=2024-10-01/f.csv", b"x")
    assert any_lake.list_keys("landing/s/") == keys  # 12 keys over pages of 3 on S3
    assert any_lake.list_keys("landing/s/", start_after=keys[5]) == keys[6:]
    assert any_lake.list_dirs("landing/s/") == ["dt=2024-10-01", "dt=2024-10-02", "dt=2024-10-03"]
    assert any_lake.list_dirs("landing/s/", start_after="dt=2024-10-01") == ["dt=2024-10-02", "dt=2024-10-03"]


def test_parquet_round_trip_is_deterministic(any_lake):
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    first = any_lake.write_parquet("silver/t/dt=2024-10-01/data.parquet", frame)
    second = any_lake.write_parquet("silver/t/dt=2024-10-01/data.parquet", frame)
    assert first == second
    assert any_lake.read_parquet("silver/t/dt=2024-10-01/data.parquet").equals(frame)


def test_a_scan_reads_the_object_and_staged_output_is_published_only_when_asked(any_lake):
    key = "silver/t/dt=2024-10-01/data.parquet"
    frame = pl.DataFrame({"a": list(range(250_000)), "b": ["x"] * 250_000})
    any_lake.write_parquet(key, frame)
    assert any_lake.scan_parquet(key).filter(pl.col("a") >= 100).select(pl.len()).collect().item() == 249_900
    with any_lake.staging(key) as path:
        frame.head(3).write_parquet(path)  # written, checked, then dropped: the old object stands
    assert any_lake.read_parquet(key).equals(frame)
    with any_lake.staging(key) as path:
        frame.head(3).lazy().sink_parquet(path)
        written = any_lake.publish_file(key, path)
    assert any_lake.read_parquet(key).equals(frame.head(3)) and written.size == any_lake.info(key).size
    assert [k for k in any_lake.list_keys("silver/t/") if "tmp" in k] == []


def test_local_write_is_atomic_and_leaves_no_temporaries(tmp_path):
    lake = LocalLake(root=str(tmp_path))
    lake.write("a/b.bin", b"1" * 1000)
    lake.write("a/b.bin", b"2" * 10)
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.bin"]
    assert lake.read("a/b.bin") == b"2" * 10


def test_parquet_parts_are_one_object_published_atomically(any_lake):
    parts = [pl.DataFrame({"id": [i, i + 1], "name": [f"n{i}", None]}) for i in (0, 2, 4)]
    written = any_lake.write_parquet_parts("silver/x/dt=2024-10-01/data.parquet", iter(parts))
    assert any_lake.read_parquet("silver/x/dt=2024-10-01/data.parquet").equals(pl.concat(parts))
    assert written.size == any_lake.info("silver/x/dt=2024-10-01/data.parquet").size

    def breaks_midway():
        yield parts[0]
        raise RuntimeError("the second batch could not be parsed")

    with pytest.raises(RuntimeError):
        any_lake.write_parquet_parts("silver/x/dt=2024-10-01/data.parquet", breaks_midway())
    assert any_lake.read_parquet("silver/x/dt=2024-10-01/data.parquet").equals(pl.concat(parts))  # the old object stands
    assert [k for k in any_lake.list_keys("silver/x/") if "tmp" in k] == []


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    import os
    import time

    lake = LocalLake(root=str(tmp_path / "lake"))
    lake.write_parquet("silver/x/dt=2024-10-01/data.parquet", pl.DataFrame({"id": [1]}))
    folder = tmp_path / "lake/silver/x/dt=2024-10-01"
    abandoned, recent = folder / ".tmp-abandoned", folder / ".tmp-in-progress"
    abandoned.write_bytes(b"half a file")
    recent.write_bytes(b"another writer, still going")
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    lake.write_parquet("silver/x/dt=2024-10-01/data.parquet", pl.DataFrame({"id": [2]}))
    assert not abandoned.exists() and recent.exists()

"""The production lake backend: an S3 bucket. Imported only by the prod profile and by tests
(`resources.lake.S3Lake` resolves here lazily), because dagster_aws costs ~1.2 s to import."""

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from functools import cache

import polars as pl
from botocore.exceptions import ConnectionClosedError, IncompleteReadError, ReadTimeoutError, ResponseStreamingError
from dagster_aws.s3 import S3Resource
from pydantic import PrivateAttr

from resources.lake import LakeStorage, ObjectInfo, Written, file_sha256


class S3Lake(LakeStorage):
    """Production: an S3 bucket (any S3-compatible endpoint through `s3.endpoint_url`)."""

    bucket: str
    s3: S3Resource
    page_size: int = 1000
    read_attempts: int = 4

    _client: object = PrivateAttr(default=None)

    @property
    def client(self):
        if self._client is None:
            self._client = self.s3.get_client()
        return self._client

    def list_objects(self, prefix: str, start_after: str = "") -> Iterator[ObjectInfo]:
        kwargs = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": self.page_size}
        if start_after:
            kwargs["StartAfter"] = start_after
        for page in self.client.get_paginator("list_objects_v2").paginate(**kwargs):
            for obj in page.get("Contents", []):
                yield ObjectInfo(obj["Key"], obj["Size"], obj["LastModified"], obj["ETag"].strip('"'))

    def list_dirs(self, prefix: str, start_after: str = "") -> list[str]:
        prefix = prefix if prefix.endswith("/") else prefix + "/"
        kwargs = {"Bucket": self.bucket, "Prefix": prefix, "Delimiter": "/", "MaxKeys": self.page_size}
        if start_after:
            kwargs["StartAfter"] = prefix + start_after + "/~"  # '~' sorts after every key inside that dir
        names = []
        for page in self.client.get_paginator("list_objects_v2").paginate(**kwargs):
            names += [p["Prefix"][len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", [])]
        return sorted(names)

    def read(self, key: str) -> bytes:
        # botocore retries a request that fails, not a response body that breaks off mid-download.
        for attempt in range(1, self.read_attempts + 1):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except (ResponseStreamingError, IncompleteReadError, ReadTimeoutError, ConnectionClosedError):
                if attempt == self.read_attempts:
                    raise
                time.sleep(0.1 * 2 ** (attempt - 1))

    def scan_parquet(self, key: str) -> pl.LazyFrame:
        """Downloaded to a local file (streamed to disk, not through memory), so a scan of a large
        partition streams as it does on the local lake. The copy is removed when the process ends."""
        fd, path = tempfile.mkstemp(dir=_scan_copies(), suffix=".parquet")
        os.close(fd)
        self.client.download_file(self.bucket, key, path)
        return pl.scan_parquet(path)

    def publish_file(self, key: str, path: str) -> Written:
        # Streamed from disk (multipart above 8 MB); the object appears only when the upload completes.
        self.client.upload_file(path, self.bucket, key)
        return Written(os.path.getsize(path), file_sha256(path))

    def write(self, key: str, data: bytes) -> None:
        # A single PUT is atomic in S3: readers see the previous object until it completes.
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def info(self, key: str) -> ObjectInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as err:
            if err.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return ObjectInfo(key, head["ContentLength"], head["LastModified"], head["ETag"].strip('"'))

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


@cache
def _scan_copies() -> str:
    folder = tempfile.mkdtemp(prefix="lake-scans-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder

"""What the Spark-built datasets share: a range of monthly partitions per run, a staging area
for the job's output, and reading that output back to check and publish it like any dataset.

Spark does the heavy part (scanning a month or the whole history); its output is small
enough to validate with the same pandera models and publish with the same single-file
atomic write as every other dataset, so readers see no difference.
"""

from __future__ import annotations

import calendar
from datetime import date

import dagster as dg
import polars as pl

from assets.common.checks import gold_check_specs
from assets.common.datasets import Dataset, dataset_asset
from assets.common.partitions import MONTHLY
from assets.common.retries import EXTERNAL_SYSTEM_RETRY
from resources.lake import LakeStorage
from resources.spark import SparkRunner


def spark_asset(dataset: Dataset, description: str, deps, extra_checks: dict[str, str]):
    """A monthly Spark dataset. A backfill of any range is one run, hence one Spark job."""
    return dataset_asset(
        dataset, description, deps, gold_check_specs(dataset.asset_name, extra_checks), MONTHLY,
        kinds=("spark", "parquet"), backfill_policy=dg.BackfillPolicy.single_run(), retry_policy=EXTERNAL_SYSTEM_RETRY,
    )


def months_of(context: dg.AssetExecutionContext) -> list[date]:
    return [date.fromisoformat(key) for key in context.partition_keys]


def month_days(month: date) -> list[date]:
    return [month.replace(day=d) for d in range(1, calendar.monthrange(month.year, month.month)[1] + 1)]


def staging_prefix(dataset: Dataset, run_id: str, month: date) -> str:
    return f"_staging/spark/{dataset.asset_name}/{run_id}/{month.isoformat()}/"


def run_spark_job(context: dg.AssetExecutionContext, spark: SparkRunner, job: str, extras: dict) -> dict:
    context.log.info(f"Spark job {job}: {len(context.partition_keys)} partition(s), {', '.join(context.partition_keys[:3])}...")
    return spark.run(context, job, extras)


def read_staged(lake: LakeStorage, dataset: Dataset, prefix: str) -> pl.DataFrame:
    """The job's output parts as one frame, in the model's column order and types, sorted by
    the grain so that the published file is byte-identical on a re-run; then the parts are
    removed, whatever happens next."""
    try:
        parts = [key for key in lake.list_keys(prefix) if key.endswith(".parquet")]
        if not parts:
            raise dg.Failure(f"The Spark job wrote nothing under {lake.uri(prefix)}")
        frame = pl.concat([lake.read_parquet(key) for key in parts])
        dtypes = {column.name: column.dtype for column in dataset.table_def().columns}
        return frame.select([pl.col(name).cast(dtype, strict=True) for name, dtype in dtypes.items()]).sort(list(dataset.grain))
    finally:
        for key in lake.list_keys(prefix):
            lake.delete(key)

"""Writing a dataset's partition: lake file, quarantine, metadata and checks.

Every silver and gold asset ends in one of these calls, so all of them report the same
metadata and publish the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dagster as dg
import polars as pl

from assets.common.checks import schema_check, screening_checks
from assets.common.datasets import Dataset
from assets.common.screening import Screened, held_if_small
from resources.lake import LakeStorage, write_parquet_file
from resources.warehouse import sql_type


def _column_type(dtype: pl.DataType) -> str:
    return f"{_column_type(dtype.inner)}[]" if isinstance(dtype, pl.List) else sql_type(dtype).lower()


def table_schema(schema: pl.Schema) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, _column_type(dtype)) for name, dtype in schema.items()])


@contextmanager
def _staged(lake: LakeStorage, key: str, rows: pl.DataFrame | pl.LazyFrame) -> Iterator[tuple[str, pl.LazyFrame]]:
    """The output written to a staged file first, and read back from there by every check: a
    large day never has to fit in memory (a plan streams in), nor twice (pandera copies a frame
    it validates). Only a file whose blocking checks pass is then published."""
    with lake.staging(key) as path:
        write_parquet_file(path, rows)
        yield path, held_if_small(pl.scan_parquet(path))


def publish_silver(
    context: dg.AssetExecutionContext,
    lake: LakeStorage,
    dataset: Dataset,
    screened: Screened,
    metadata: dict | None = None,
    totals: dict[str, pl.Expr] | None = None,
    extra_checks: tuple[dg.AssetCheckResult, ...] = (),
    output_checks: Callable[[pl.LazyFrame], list[dg.AssetCheckResult]] | None = None,
) -> dg.MaterializeResult:
    """`totals` are headline sums over the valid rows, for the metadata. `output_checks` are the
    dataset's own checks of its output, run on the staged file like the shared ones."""
    partition = context.partition_key
    key = dataset.lake_key(partition)
    lake.write_parquet(dataset.quarantine_key(partition), screened.quarantined)
    with _staged(lake, key, screened.valid) as (path, output):
        rows_valid = output.select(pl.len()).collect().item()
        headline = {name: str(value) for name, value in output.select(**totals).collect().row(0, named=True).items()} if totals else {}
        checks = [schema_check(dataset.model, output), *screening_checks(screened, rows_valid), *extra_checks]
        checks += output_checks(output) if output_checks else []
        counts = {
            "rows_in": screened.rows_in,
            "rows_valid": rows_valid,
            "rows_quarantined": screened.quarantined.height,
            "rows_duplicate": screened.duplicates,
            "conflicting_duplicates": screened.conflicting_duplicates,
            "quarantine_path": dg.MetadataValue.path(lake.uri(dataset.quarantine_key(partition))),
        }
        shape = {"dagster/row_count": rows_valid, "dagster/column_schema": table_schema(output.collect_schema())}
        return _publish(context, lake, dataset, path, checks, shape | counts | (metadata or {}) | headline)


def publish_gold(
    context: dg.AssetExecutionContext,
    lake: LakeStorage,
    dataset: Dataset,
    frame: pl.DataFrame,
    checks: list[dg.AssetCheckResult],
    headline: dict | None = None,
    partition: str | None = None,
) -> dg.MaterializeResult:
    key = dataset.lake_key(partition or context.partition_key)
    with _staged(lake, key, frame) as (path, output):
        shape = {"dagster/row_count": frame.height, "dagster/column_schema": table_schema(frame.schema)}
        checks = [schema_check(dataset.model, output), *checks]
        return _publish(context, lake, dataset, path, checks, shape | (headline or {}), partition)


@dataclass(frozen=True)
class GoldPartition:
    frame: pl.DataFrame
    checks: list[dg.AssetCheckResult]
    headline: dict


def publish_gold_partitions(
    context: dg.AssetExecutionContext, lake: LakeStorage, dataset: Dataset, partitions: dict[str, GoldPartition]
) -> dg.MaterializeResult:
    """For assets that build a range of partitions in one run (a Spark backfill): each
    partition is checked and published on its own, as `publish_gold` would. A run reports
    one result per check, so a check passes only if it passed for every partition, and its
    metadata names the partitions where it failed."""
    if len(partitions) == 1:
        [(partition, gold)] = partitions.items()
        return publish_gold(context, lake, dataset, gold.frame, gold.checks, gold.headline, partition)
    results = {p: publish_gold(context, lake, dataset, g.frame, g.checks, g.headline, p) for p, g in partitions.items()}
    by_check: dict[str, list[tuple[str, dg.AssetCheckResult]]] = {}
    for partition, result in results.items():
        for check in result.check_results:
            by_check.setdefault(check.check_name, []).append((partition, check))
    checks = [
        dg.AssetCheckResult(
            check_name=name,
            passed=all(c.passed for _, c in outcomes),
            severity=outcomes[0][1].severity,
            metadata={"failed_partitions": dg.MetadataValue.json([p for p, c in outcomes if not c.passed]), "partitions": len(outcomes)},
        )
        for name, outcomes in by_check.items()
    ]
    rows = {p: r.metadata["dagster/row_count"] for p, r in results.items()}
    published = {p: str(r.metadata.get("published", "yes")) for p, r in results.items()}
    # Dagster attaches this metadata to every partition of the range, so no single row count.
    return dg.MaterializeResult(
        metadata={"rows_by_partition": dg.MetadataValue.json(rows), "published": dg.MetadataValue.json(published)},
        check_results=checks,
    )


def _publish(context, lake, dataset, staged: str, checks, metadata, partition: str | None = None) -> dg.MaterializeResult:
    """Only a partition whose blocking checks pass reaches the lake (and so the warehouse load
    downstream), so readers and "the latest snapshot" never see data that failed its contract.
    A failed partition's previous lake file is removed; its rejects stay in quarantine."""
    partition = partition or context.partition_key
    key = dataset.lake_key(partition)
    blocking = {spec.name for spec in context.assets_def.check_specs if spec.blocking}
    failed = sorted(c.check_name for c in checks if not c.passed and c.check_name in blocking)
    if failed:
        lake.delete(key)
        context.log.error(f"{dataset.asset_name}[{partition}]: blocking checks failed ({', '.join(failed)}); not published")
        outcome = {"published": f"no: failed {', '.join(failed)}"}
    else:
        written = lake.publish_file(key, staged)
        outcome = {"lake_path": dg.MetadataValue.path(lake.uri(key)), "bytes": written.size, "sha256": written.sha256}
    return dg.MaterializeResult(metadata=metadata | outcome, check_results=checks)

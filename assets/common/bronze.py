"""The bronze asset of a source: its landing files for one day, as delivered, plus lineage.

Every source's bronze is the same code, so one factory builds them all.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

import dagster as dg
import polars as pl

from assets.common.checks import CONTRACT, contract_check_spec
from assets.common.ingest import parse_partition
from assets.common.landing import RAW_LINE, BadFileError, Source
from resources.lake import LakeStorage, ObjectInfo
from resources.profiles import storage_kinds

# Landing bytes parsed at once (about two bank part files). A POS day (~55 MB) is one batch, so its plain lines are parsed by one
# polars call; the bank's multi-GB days are parsed and written batch by batch, so bronze memory
# stays flat however large the day is.
BATCH_BYTES = 64 << 20


@dataclass
class BronzeParts:
    """What reading a landing partition batch by batch found, filled in as the batches are consumed."""

    rows: int = 0
    malformed: int = 0
    empty: list[str] = field(default_factory=list)


def landing_objects(lake: LakeStorage, source: Source, partition: str) -> list[ObjectInfo]:
    objects = sorted(lake.list_objects(source.landing_dir(partition)), key=lambda o: o.key)
    if not objects:
        raise dg.Failure(
            description=f"No landing files under {source.landing_dir(partition)}: nothing has been delivered for {partition}.",
            allow_retries=True,
        )
    return objects


def read_landing_batches(lake: LakeStorage, source: Source, objects: list[ObjectInfo], found: BronzeParts) -> Iterator[pl.DataFrame]:
    """The partition's bronze rows, one frame per batch of files in key order. Raises BadFileError
    for the first file that breaks the contract or cannot be read."""
    for batch in _batches(objects):
        # Lineage time is the delivery time, not the run's clock, so re-runs write identical bytes.
        rows, empty = parse_partition(source, ((o.key, lake.read(o.key), o.last_modified) for o in batch))
        found.rows += rows.height
        found.malformed += int(rows.get_column(RAW_LINE).is_not_null().sum())
        found.empty += empty
        yield rows


def _batches(objects: list[ObjectInfo]) -> Iterator[list[ObjectInfo]]:
    batch, size = [], 0
    for o in objects:
        if batch and size + o.size > BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(o)
        size += o.size
    yield batch


def build_bronze_asset(source: Source, partitions_def: dg.PartitionsDefinition, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=source.bronze_asset_name,
        partitions_def=partitions_def,
        group_name=f"{source.domain}_bronze",
        kinds={"polars", "parquet", *storage_kinds()},
        description=description,
        check_specs=[contract_check_spec(source.bronze_asset_name)],
        tags={"layer": "bronze", "domain": source.domain},
        owners=[f"team:{source.domain}-data"],
    )
    def _bronze(context: dg.AssetExecutionContext, lake: LakeStorage):
        partition = context.partition_key
        objects = landing_objects(lake, source, partition)
        context.log.info(f"reading {len(objects)} landing files under {source.landing_dir(partition)}")
        found = BronzeParts()
        key = source.bronze_key(partition)
        try:
            written = lake.write_parquet_parts(key, read_landing_batches(lake, source, objects, found))
        except BadFileError as err:
            # Nothing of the partition is written; a corrected re-delivery re-runs it.
            yield dg.AssetCheckResult(
                check_name=CONTRACT, passed=False, metadata={"key": err.key, "problem": err.problem, **_listed(err.details)}
            )
            raise dg.Failure(description=f"Bronze contract failed: {err}", metadata={"key": err.key}) from None
        if found.empty:
            context.log.warning(f"empty or header-only landing files accepted: {found.empty}")
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": found.rows,
                "files": len(objects),
                "empty_files": dg.MetadataValue.json(found.empty),
                "malformed_lines": found.malformed,
                "lake_path": dg.MetadataValue.path(lake.uri(key)),
                "bytes": written.size,
            },
            check_results=[dg.AssetCheckResult(check_name=CONTRACT, passed=True, metadata={"files": len(objects)})],
        )

    return _bronze


def _listed(details: dict) -> dict:
    return {k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in details.items() if v}

"""The bronze asset of a source: its landing files for one day, as delivered, plus lineage.

Every source's bronze is the same code, so one factory builds them all.
"""


import dagster as dg
import polars as pl

from assets.common.checks import CONTRACT, contract_check_spec
from assets.common.ingest import parse_partition
from assets.common.landing import RAW_LINE, BadFileError, Source
from resources.lake import LakeStorage
from resources.profiles import storage_kinds


def read_landing_partition(lake: LakeStorage, source: Source, partition: str, log=None) -> tuple[pl.DataFrame, list[str], list[str]]:
    """All files of the partition, parsed. Returns (rows, keys, keys of empty files).
    Raises BadFileError for the first file that breaks the contract or cannot be read."""
    objects = list(lake.list_objects(source.landing_dir(partition)))
    if not objects:
        raise dg.Failure(
            description=f"No landing files under {source.landing_dir(partition)}: nothing has been delivered for {partition}.",
            allow_retries=True,
        )
    if log:
        log.info(f"reading {len(objects)} landing files under {source.landing_dir(partition)}")
    # Lineage time is the delivery time, not the run's clock, so re-runs write identical bytes.
    rows, empty = parse_partition(source, ((o.key, lake.read(o.key), o.last_modified) for o in objects))
    return rows, [o.key for o in objects], empty


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
        try:
            rows, keys, empty = read_landing_partition(lake, source, partition, context.log)
        except BadFileError as err:
            # Nothing of the partition is written; a corrected re-delivery re-runs it.
            yield dg.AssetCheckResult(
                check_name=CONTRACT, passed=False, metadata={"key": err.key, "problem": err.problem, **_listed(err.details)}
            )
            raise dg.Failure(description=f"Bronze contract failed: {err}", metadata={"key": err.key}) from None
        key = source.bronze_key(partition)
        written = lake.write_parquet(key, rows)
        malformed = rows.get_column(RAW_LINE).is_not_null().sum()
        if empty:
            context.log.warning(f"empty or header-only landing files accepted: {empty}")
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows.height,
                "files": len(keys),
                "empty_files": dg.MetadataValue.json(empty),
                "malformed_lines": int(malformed),
                "lake_path": dg.MetadataValue.path(lake.uri(key)),
                "bytes": written.size,
            },
            check_results=[dg.AssetCheckResult(check_name=CONTRACT, passed=True, metadata={"files": len(keys)})],
        )

    return _bronze


def _listed(details: dict) -> dict:
    return {k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in details.items() if v}

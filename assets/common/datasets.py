"""Where each silver and gold dataset lives: asset name, lake keys and warehouse table."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

import dagster as dg

from assets.common.beta import known_beta
from resources.profiles import storage_kinds
from resources.warehouse import Column, TableDef


@dataclass(frozen=True)
class Dataset:
    domain: str  # "retail" | "banking"
    layer: str  # "silver" | "gold"
    name: str  # "pos_lines"
    partition_column: str  # the column whose value is the partition, for replace-on-load
    grain: tuple[str, ...]  # columns that identify a row
    model_name: str  # the pandera model in assets/<domain>/models.py: the blocking schema check and the warehouse DDL
    # Redshift distributes rows by this column; None lets Redshift choose (DISTSTYLE AUTO), right
    # for small reference tables, which it then copies to every node.
    dist_key: str | None = None

    @property
    def model(self) -> type:
        # Imported on first use, not at definition time: pandera (and the pandas it pulls in) costs seconds.
        return getattr(importlib.import_module(f"assets.{self.domain}.models"), self.model_name)

    @property
    def asset_name(self) -> str:
        return f"{self.domain}_{self.layer}_{self.name}"

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(self.asset_name)

    @property
    def warehouse_table(self) -> str:
        return f"{self.layer}_{self.name}"

    def table_def(self) -> TableDef:
        """The warehouse table, typed from the pandera model and sorted by the partition column
        that every load deletes by and nearly every query filters on."""
        schema = self.model.to_schema()
        columns = tuple(Column(name, column.dtype.type, column.nullable) for name, column in schema.columns.items())
        return TableDef(self.domain, self.warehouse_table, columns, sort_key=self.partition_column, dist_key=self.dist_key)

    @property
    def prefix(self) -> str:
        return f"{self.layer}/{self.domain}/{self.name}/"

    def lake_key(self, partition: str) -> str:
        # One file per partition: a single object write is atomic on every backend.
        return f"{self.prefix}dt={partition}/data.parquet"

    def quarantine_key(self, partition: str) -> str:
        return f"quarantine/{self.domain}/{self.name}/dt={partition}/data.parquet"


def dataset_asset(
    dataset: Dataset, description: str, deps, check_specs, partitions_def: dg.PartitionsDefinition, kinds=("polars", "parquet"),
    backfill_policy=None, retry_policy=None,
):
    """The decorator every silver and gold asset shares: its name, partitions, checks, group
    (domain_layer), kinds, tags and owners all follow from the dataset. The decorated function
    returns its MaterializeResult; a blocking check that failed then fails the step with what the
    check found, so the run page says why (Dagster's own message names only the check)."""
    blocking = {spec.name for spec in check_specs if spec.blocking}

    def decorate(compute):
        @functools.wraps(compute)
        def materialize(context: dg.AssetExecutionContext, *args, **kwargs):
            result = compute(context, *args, **kwargs)
            yield result
            failed = [c for c in result.check_results or [] if not c.passed and c.check_name in blocking]
            if failed:
                where = f"{dataset.asset_name}[{_partitions(context)}]"
                raise dg.Failure(
                    description=f"{where} was not published: "
                    + " ".join(f"{c.check_name} failed: {c.description or 'see its metadata.'}" for c in failed),
                    metadata={"failed_checks": dg.MetadataValue.json([c.check_name for c in failed])},
                    allow_retries=False,  # the same input fails the same way: a re-run needs a fix or a re-delivery
                )

        with known_beta():  # backfill_policy
            return dg.asset(
                name=dataset.asset_name,
                partitions_def=partitions_def,
                deps=deps,
                check_specs=check_specs,
                group_name=f"{dataset.domain}_{dataset.layer}",
                kinds={*kinds, *storage_kinds()},
                backfill_policy=backfill_policy,
                retry_policy=retry_policy,
                description=description,
                tags={"layer": dataset.layer, "domain": dataset.domain},
                owners=[f"team:{dataset.domain}-data"],
            )(materialize)

    return decorate


def _partitions(context: dg.AssetExecutionContext) -> str:
    keys = context.partition_keys
    return keys[0] if len(keys) == 1 else f"{keys[0]}...{keys[-1]}"

"""Loading a domain's silver and gold partitions into the warehouse, as assets of their own.

Loading is separate from building the lake datasets so that a warehouse outage is retried
without redoing the transforms, the warehouse pool serializes only this step, and every
table of a run lands in one transaction (all of the partition's tables or none).
"""

import hashlib
import io
from datetime import date

import dagster as dg
import polars as pl

from assets.common.datasets import Dataset
from assets.common.retries import EXTERNAL_SYSTEM_RETRY
from resources.lake import LakeStorage
from resources.profiles import warehouse_kind
from resources.warehouse import PartitionLoad, Warehouse, sql_type

WAREHOUSE_POOL = "warehouse"


def warehouse_key(dataset: Dataset) -> dg.AssetKey:
    return dg.AssetKey(["warehouse", dataset.domain, dataset.warehouse_table])


def build_warehouse_load(
    domain: str, datasets: list[Dataset], partitions_def: dg.PartitionsDefinition, domain_tables: list[Dataset], name: str = ""
) -> dg.AssetsDefinition:
    """`domain_tables` are created (empty) on the first load, so the domain's whole schema
    exists for analysts and the dbt marts before every table has had its first partition."""
    by_key = {warehouse_key(d): d for d in datasets}
    specs = [
        dg.AssetSpec(
            key,
            deps=[d.asset_key],
            description=f"Table {d.domain}.{d.warehouse_table}: the lake's {d.asset_name}, loaded per partition "
            f"(rows of the partition's {d.partition_column} replaced in one transaction, with an audit row in {d.domain}.load_audit).",
            group_name=f"{domain}_warehouse",
            kinds={warehouse_kind(), "sql"},
            tags={"layer": "warehouse", "domain": domain},
            owners=[f"team:{domain}-data"],
        )
        for key, d in by_key.items()
    ]

    @dg.multi_asset(
        name=name or f"{domain}_warehouse_load", specs=specs, partitions_def=partitions_def, can_subset=True, pool=WAREHOUSE_POOL,
        retry_policy=EXTERNAL_SYSTEM_RETRY,
    )
    def _load(context: dg.AssetExecutionContext, lake: LakeStorage, warehouse: Warehouse):
        partition = context.partition_key
        selected = [d for key, d in by_key.items() if key in context.selected_asset_keys]
        loads = []
        for dataset in selected:
            key = dataset.lake_key(partition)
            if not lake.exists(key):
                raise dg.Failure(
                    f"{lake.uri(key)} does not exist: {dataset.asset_name} has not been published for {partition}.", allow_retries=False
                )
            data = lake.read(key)
            frame = pl.read_parquet(io.BytesIO(data))
            checksum = hashlib.sha256(data).hexdigest()
            loads.append(PartitionLoad(dataset.table_def(), date.fromisoformat(partition), frame, dataset.asset_name, checksum))
        warehouse.create_tables([d.table_def() for d in domain_tables])
        receipts = warehouse.replace_partitions(loads, context.run.run_id)
        for dataset, load, receipt in zip(selected, loads, receipts, strict=True):
            yield dg.MaterializeResult(
                asset_key=warehouse_key(dataset),
                metadata={
                    "dagster/row_count": receipt.rows, "table": receipt.table, "rows_replaced": receipt.replaced_rows,
                    "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(c.name, sql_type(c.dtype).lower()) for c in load.table.columns]),
                },
            )

    return _load

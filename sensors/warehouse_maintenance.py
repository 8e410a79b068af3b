"""Weekly warehouse maintenance: every partition load deletes rows, so Redshift needs VACUUM to
reclaim them and keep the sort order, and ANALYZE to keep the planner's statistics true."""

import dagster as dg

from assets.banking import warehouse as banking_tables
from assets.retail import warehouse as retail_tables
from resources.warehouse import Warehouse, audit_table

WAREHOUSE_DATASETS = [*retail_tables.RETAIL_TABLES, *retail_tables.MONTHLY_TABLES, *banking_tables.ALL_TABLES]


@dg.op(description="VACUUM and ANALYZE every table the platform loads, and the audit tables.", pool="warehouse")
def vacuum_and_analyze(context: dg.OpExecutionContext, warehouse: Warehouse) -> dg.Output:
    tables = [d.table_def() for d in WAREHOUSE_DATASETS] + [audit_table(domain) for domain in ("retail", "banking")]
    existing = {tuple(row) for row in warehouse.query("select table_schema, table_name from information_schema.tables").rows()}
    present = [t for t in tables if (t.schema, t.name) in existing]  # a table appears with its first load
    statements = warehouse.maintain(present)
    context.log.info(f"ran {len(statements)} maintenance statements on {len(present)} tables")
    return dg.Output(None, metadata={"tables": len(present), "statements": dg.MetadataValue.md("\n".join(f"- `{s}`" for s in statements) or "_none_")})


@dg.job(description="VACUUM and ANALYZE the warehouse tables (weekly).", tags={"domain": "platform"})
def warehouse_maintenance():
    vacuum_and_analyze()


warehouse_maintenance_schedule = dg.ScheduleDefinition(
    job=warehouse_maintenance, cron_schedule="0 3 * * 0", execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Sundays at 03:00 UTC, outside the nightly loads: VACUUM and ANALYZE the warehouse.",
)

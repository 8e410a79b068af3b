"""The warehouse marts: the dbt project in platform/dbt/, as Dagster assets.

Every dbt model and snapshot is an asset in its domain's `<domain>_marts` group, every dbt
test an asset check, and the dbt sources are the Python warehouse-load assets, so the UI
shows one graph from landing to mart. A daily partition passes its dates to dbt as vars, so
the incremental models rebuild exactly those dates; a backfill of a range is one dbt run.
"""

import json
import os
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from assets.common.partitions import DAILY
from resources.warehouse import Warehouse

DBT_PROJECT = DbtProject(project_dir=Path(__file__).resolve().parents[2] / "platform" / "dbt")
DBT_PROJECT.prepare_if_dev()  # `dagster dev` re-parses on start; bin/bootstrap.sh parses for everything else
if not DBT_PROJECT.manifest_path.exists():
    DBT_PROJECT.preparer.prepare(DBT_PROJECT)  # a checkout that skipped set-up still loads


MONTHLY_SOURCES = {dg.AssetKey(["warehouse", "banking", "gold_capital_adequacy"])}

# A mart partition is rebuilt after a table it reads was reloaded for its date, for any
# date (late and re-delivered days must reach the marts too, not only the latest), once all
# its upstream partitions exist and nothing is already building it or them.
MARTS_FOLLOW_THEIR_TABLES = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    # Last month's capital report is absent until the 1st; the marts still follow the days.
    & ~dg.AutomationCondition.any_deps_missing().ignore(dg.AssetSelection.assets(*MONTHLY_SOURCES))
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("rebuild after its warehouse tables reload")


class MartsTranslator(DagsterDbtTranslator):
    """Marts are keyed `marts/<domain>/<model>` and grouped by domain; sources keep the
    warehouse-load asset keys given in their `meta`."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey(["marts", _domain(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return f"{_domain(dbt_resource_props)}_marts"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [f"team:{_domain(dbt_resource_props)}-data"]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {"layer": "marts", "domain": _domain(dbt_resource_props)}

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> dg.AutomationCondition:
        return MARTS_FOLLOW_THEIR_TABLES

    def get_partition_mapping(self, dbt_resource_props: Mapping[str, Any], dbt_parent_resource_props: Mapping[str, Any]):
        # A day's marts report the capital of the last complete month: the current month's
        # capital does not exist until the month ends.
        if self.get_asset_key(dbt_parent_resource_props) in MONTHLY_SOURCES:
            return dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
        return super().get_partition_mapping(dbt_resource_props, dbt_parent_resource_props)


def _domain(dbt_resource_props: Mapping[str, Any]) -> str:
    """Models and snapshots are tagged with their domain (dbt_project.yml); sources are named after it."""
    tags = [tag for tag in dbt_resource_props.get("tags", []) if tag in ("retail", "banking")]
    return tags[0] if tags else dbt_resource_props["source_name"]


@contextmanager
def _environment(overrides: dict[str, str]):
    """dagster-dbt hands this process's environment to dbt, and the profile reads the
    connection from it; the warehouse's settings go in for one invocation only."""
    saved = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_vars(context: dg.AssetExecutionContext) -> dict[str, str]:
    window = context.partition_time_window
    return {"min_date": window.start.date().isoformat(), "max_date": (window.end - timedelta(days=1)).date().isoformat()}


def build_marts(domain: str) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=DBT_PROJECT.manifest_path,
        project=DBT_PROJECT,
        select=f"tag:{domain}",
        name=f"{domain}_marts",
        partitions_def=DAILY,
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=MartsTranslator(),
        pool="warehouse",  # the same pool as the loads: the marts never read a table mid-load
    )
    def _marts(context: dg.AssetExecutionContext, warehouse: Warehouse):
        target, connection = warehouse.dbt_target()
        dbt = DbtCliResource(project_dir=DBT_PROJECT, target=target)
        # Cautious: a test runs only when all of its models are in the run, so a run of the
        # dimensions alone does not test fact_sales' keys against a fact table not built yet.
        with warehouse.exclusive(), _environment({**connection, "DBT_INDIRECT_SELECTION": "cautious"}):
            yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars(context))], context=context).stream()

    return _marts

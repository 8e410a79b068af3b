"""The marts follow their warehouse tables: this sensor evaluates the marts' automation
condition (assets/common/marts.py) and launches dbt for the dates whose tables reloaded."""

import dagster as dg

marts_automation_sensor = dg.AutomationConditionSensorDefinition(
    "marts_automation_sensor",
    target=dg.AssetSelection.groups("retail_marts", "banking_marts"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Every minute: rebuilds the dbt marts of each date whose warehouse tables were reloaded, once they all exist.",
)

"""The code location: every asset, check, sensor and schedule, with the environment's resources.

Loaded by file path (workspace.yaml), never imported as `platform.*`: `platform` is a
standard-library module that dagster, pandas and boto3 import.
"""

import dagster as dg

from assets.banking.graph import BANKING_ASSETS
from assets.retail.graph import RETAIL_ASSETS
from resources.profiles import platform_env, resources_for
from sensors.alerts import alert_sensor
from sensors.banking import (
    banking_bureau_month_job,
    banking_daily_job,
    banking_daily_schedule,
    banking_landing_sensor,
    banking_monthly_job,
    banking_monthly_schedule,
)
from sensors.freshness import with_freshness_policies
from sensors.marts import marts_automation_sensor
from sensors.retail import retail_daily_job, retail_daily_schedule, retail_landing_sensor, retail_monthly_job, retail_monthly_schedule
from sensors.simulation import simulate_source_delivery, simulated_delivery_schedule
from sensors.warehouse_maintenance import warehouse_maintenance, warehouse_maintenance_schedule

ENV = platform_env()
LOCAL_ONLY = ENV == "local"

defs = dg.Definitions(
    assets=with_freshness_policies([*RETAIL_ASSETS, *BANKING_ASSETS]),
    jobs=[
        retail_daily_job, retail_monthly_job, banking_daily_job, banking_bureau_month_job, warehouse_maintenance, banking_monthly_job,
        *([simulate_source_delivery] if LOCAL_ONLY else []),
    ],
    schedules=[retail_daily_schedule, retail_monthly_schedule, banking_daily_schedule, warehouse_maintenance_schedule, banking_monthly_schedule, *([simulated_delivery_schedule] if LOCAL_ONLY else [])],
    sensors=[retail_landing_sensor, banking_landing_sensor, marts_automation_sensor, alert_sensor],
    resources=resources_for(ENV),
    # One partition's graph runs in ~2 s in-process; the multiprocess executor costs ~6 s per step on two cores.
    executor=dg.in_process_executor,
)

"""PLATFORM_ENV picks the resource set, here and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from resources.alerts import Alerting
from resources.lake import LakeStorage, LocalLake
from resources.pii import PiiKey, ensure_local_pii_key
from resources.spark import EmrServerlessSpark, LocalSpark
from resources.sql_warehouse import PostgresWarehouse, RedshiftWarehouse
from resources.warehouse import EmbeddedWarehouse

REPO_ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ("local", "prod")


def platform_env() -> str:
    env = os.environ.get("PLATFORM_ENV", "local")
    if env not in ENVIRONMENTS:
        raise ValueError(f"PLATFORM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    return env


def local_dir() -> Path:
    return Path(os.environ.get("PLATFORM_LOCAL_DIR", REPO_ROOT / ".local")).resolve()


def local_resources() -> dict:
    """The embedded default: a lake directory, a DuckDB warehouse file under PLATFORM_LOCAL_DIR, and local Spark."""
    root = local_dir()
    ensure_local_pii_key(root)
    lake = LocalLake(root=str(root / "lake"))
    return {
        "lake": lake,
        # The embedded default's only source is the simulator: the ledger breaks it finds are the simulator's deliberate ones.
        "alerting": _alerting(lake, page_on_data_findings=False),
        "warehouse": EmbeddedWarehouse(path=str(root / "warehouse.duckdb")),
        "pii": PiiKey(key=dg.EnvVar("PLATFORM_PII_KEY")),
        "spark": LocalSpark(),
    }


def _optional_secret(name: str):
    return dg.EnvVar(name) if os.environ.get(name) else None


def _alerting(lake, page_on_data_findings: bool = True) -> Alerting:
    """The alert log in the lake always; Slack and the webhook when their variables are set."""
    return Alerting(
        lake=lake,
        page_on_data_findings=page_on_data_findings,
        webhook_url=_optional_secret("PLATFORM_ALERT_WEBHOOK_URL"),  # webhook URLs often embed a token
        slack_token=_optional_secret("PLATFORM_SLACK_TOKEN"),
        slack_channel=os.environ.get("PLATFORM_SLACK_CHANNEL"),
    )


def _prod_warehouse(lake: LakeStorage):
    engine = os.environ.get("PLATFORM_WAREHOUSE_ENGINE", "redshift")
    connection = {
        "host": dg.EnvVar("PLATFORM_REDSHIFT_HOST"),
        "port": int(os.environ.get("PLATFORM_REDSHIFT_PORT", "5439")),
        "database": dg.EnvVar("PLATFORM_REDSHIFT_DATABASE"),
        "user": dg.EnvVar("PLATFORM_REDSHIFT_USER"),
        "password": dg.EnvVar("PLATFORM_REDSHIFT_PASSWORD"),
        "sslmode": os.environ.get("PLATFORM_REDSHIFT_SSLMODE", "require"),
    }
    if engine == "redshift":
        return RedshiftWarehouse(**connection, staging=lake, iam_role=dg.EnvVar("PLATFORM_REDSHIFT_IAM_ROLE"))
    if engine == "postgres":  # the same load path with COPY FROM STDIN: for PostgreSQL warehouses and the prod-profile test
        return PostgresWarehouse(**connection)
    raise ValueError(f"PLATFORM_WAREHOUSE_ENGINE must be redshift or postgres, not {engine!r}")


def prod_resources() -> dict:
    """Production reads every setting from the environment; the UI shows variable names, never values."""
    from dagster_aws.s3 import S3Resource  # here, not at the top: the local profile never needs dagster_aws

    from resources.s3_lake import S3Lake

    s3 = S3Resource(region_name=os.environ.get("AWS_REGION"), endpoint_url=os.environ.get("PLATFORM_S3_ENDPOINT_URL"))
    lake = S3Lake(bucket=dg.EnvVar("PLATFORM_LAKE_BUCKET"), s3=s3)
    return {
        "lake": lake,
        "alerting": _alerting(lake),
        "warehouse": _prod_warehouse(lake),
        "pii": PiiKey(key=dg.EnvVar("PLATFORM_PII_KEY")),
        "spark": EmrServerlessSpark(
            application_id=dg.EnvVar("PLATFORM_EMR_APPLICATION_ID"),
            execution_role_arn=dg.EnvVar("PLATFORM_EMR_EXECUTION_ROLE_ARN"),
            region_name=os.environ.get("AWS_REGION"),
            scripts=lake,
            log_group=dg.EnvVar("PLATFORM_EMR_LOG_GROUP"),
            python_environment=os.environ.get("PLATFORM_EMR_PYTHON_ENVIRONMENT"),
            spark_conf=os.environ.get("PLATFORM_EMR_SPARK_CONF", ""),
        ),
    }


def storage_kinds() -> set[str]:
    """What the UI shows as where an asset's data lives, in this environment."""
    return {"s3"} if platform_env() == "prod" else set()


def warehouse_kind() -> str:
    if platform_env() == "local":
        return "duckdb"
    return os.environ.get("PLATFORM_WAREHOUSE_ENGINE", "redshift")


def resources_for(env: str | None = None) -> dict:
    return {"local": local_resources, "prod": prod_resources}[env or platform_env()]()

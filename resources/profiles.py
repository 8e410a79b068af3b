"""PLATFORM_ENV picks the resource set, here and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_aws.s3 import S3Resource

from resources.lake import LocalLake, S3Lake
from resources.pii import PiiKey, ensure_local_pii_key
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
    """The embedded default: a lake directory and a DuckDB warehouse file under PLATFORM_LOCAL_DIR."""
    root = local_dir()
    ensure_local_pii_key(root)
    return {
        "lake": LocalLake(root=str(root / "lake")),
        "warehouse": EmbeddedWarehouse(path=str(root / "warehouse.duckdb")),
        "pii": PiiKey(key=dg.EnvVar("PLATFORM_PII_KEY")),
    }


def prod_resources() -> dict:
    """Production reads every setting from the environment; the UI shows variable names, never values."""
    s3 = S3Resource(region_name=os.environ.get("AWS_REGION"), endpoint_url=os.environ.get("PLATFORM_S3_ENDPOINT_URL"))
    return {
        "lake": S3Lake(bucket=dg.EnvVar("PLATFORM_LAKE_BUCKET"), s3=s3),
        # Until the Redshift resource lands (issue 4), production loads an embedded warehouse file.
        "warehouse": EmbeddedWarehouse(path=dg.EnvVar("PLATFORM_WAREHOUSE_PATH")),
        "pii": PiiKey(key=dg.EnvVar("PLATFORM_PII_KEY")),
    }


def resources_for(env: str | None = None) -> dict:
    return {"local": local_resources, "prod": prod_resources}[env or platform_env()]()

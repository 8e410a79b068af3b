"""The same dbt models on both warehouse backends: the embedded DuckDB file and a real
PostgreSQL, the Redshift-compatible path (profile target `postgres`, loads through COPY).
Retail and banking days go landing -> warehouse -> marts through Dagster, and the marts are
checked against independent polars computations over the lake."""

from datetime import date

import dagster as dg
import polars as pl
import pytest

from assets.banking import schemas as banking
from assets.banking.gold import banking_gold_capital_adequacy
from assets.banking.graph import BANKING_ASSETS
from assets.banking.marts import banking_marts
from assets.common.warehouse_load import warehouse_key
from assets.retail import schemas as retail
from assets.retail.graph import RETAIL_ASSETS
from sensors.banking import BUREAU_MONTH, banking_daily_job
from sensors.retail import retail_daily_job
from simulator import deliver
from simulator.banking import BANKING_SCALES, generate_banking_day_with_manifest
from simulator.retail import SCALES, generate_retail_day_with_manifest
from tests.conftest import embedded_resources

DAYS = [date(2024, 10, 1), date(2024, 10, 2)]
LAST = DAYS[-1].isoformat()


@pytest.fixture(scope="module", params=["embedded", "postgres"])
def built(request, tmp_path_factory):
    import os

    from resources.sql_warehouse import PostgresWarehouse
    from resources.warehouse import EmbeddedWarehouse

    root = tmp_path_factory.mktemp(f"marts-{request.param}")
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        warehouse = PostgresWarehouse(**server.create_database(f"marts_{os.getpid()}"))
    else:
        warehouse = EmbeddedWarehouse(path=str(root / "warehouse.duckdb"))
    resources = embedded_resources(root, warehouse)
    instance = dg.DagsterInstance.ephemeral()

    def run(assets, selection, partition):
        result = dg.materialize(assets, selection=selection, partition_key=partition, resources=resources, instance=instance, raise_on_error=False)
        assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]

    for day in DAYS:
        deliver(resources["lake"], generate_retail_day_with_manifest(day, SCALES["test"], seed=4)[0])
        deliver(resources["lake"], generate_banking_day_with_manifest(day, BANKING_SCALES["test"], seed=4)[0])
        run(RETAIL_ASSETS, retail_daily_job.selection, day.isoformat())
        if day.day == 1:  # the month's bureau scores, delivered on its first day, before the days that read them
            run(BANKING_ASSETS, BUREAU_MONTH, day.isoformat())
        run(BANKING_ASSETS, banking_daily_job.selection, day.isoformat())
    run(BANKING_ASSETS, [banking_gold_capital_adequacy.key, warehouse_key(banking.GOLD_CAPITAL_ADEQUACY)], "2024-10-01")
    run(BANKING_ASSETS, list(banking_marts.keys), LAST)  # the capital mart picks up the month just computed
    return resources


def lake_frame(resources, dataset, day: str = LAST) -> pl.DataFrame:
    return resources["lake"].read_parquet(dataset.lake_key(day))


def test_fact_sales_ties_out_to_silver(built):
    for day in DAYS:
        lines = lake_frame(built, retail.SILVER_POS_LINES, day.isoformat())
        fact = built["warehouse"].query("select count(*), sum(amount) from retail_marts.fact_sales where transaction_date = ?", (day,)).row(0)
        assert fact == (lines.height, lines.get_column("amount").sum())


def test_daily_risk_report_matches_polars(built):
    book = lake_frame(built, banking.GOLD_LOAN_RISK)
    expected = book.group_by("product", pl.col("stage").cast(pl.Int64)).agg(
        pl.len().alias("loans"), pl.col("ead").sum().alias("exposure"), pl.col("expected_loss").sum().alias("expected_loss")
    ).sort("product", "stage")
    mart = built["warehouse"].query(
        "select product, stage, loans, exposure, expected_loss from banking_marts.mart_daily_risk_report where date = ? order by product, stage",
        (DAYS[-1],),
    )
    assert mart.cast(expected.schema).equals(expected)


def test_fraud_summary_matches_polars(built):
    alerts = lake_frame(built, banking.GOLD_FRAUD_ALERTS)
    expected = alerts.group_by("severity").agg(
        pl.len().alias("alerts"), pl.col("account_id").n_unique().alias("accounts"),
        pl.col("rules").list.contains("night").sum().alias("night_alerts"),
    ).sort("severity")
    mart = built["warehouse"].query(
        "select severity, alerts, accounts, night_alerts from banking_marts.mart_fraud_summary where date = ? order by severity", (DAYS[-1],)
    )
    assert not expected.is_empty() and mart.cast(expected.schema).equals(expected)


def test_regulatory_capital_carries_the_ratios_and_flags(built):
    capital = lake_frame(built, banking.GOLD_CAPITAL_ADEQUACY, "2024-10-01").row(0, named=True)
    mart = built["warehouse"].query("select * from banking_marts.mart_regulatory_capital").row(0, named=True)
    assert mart["month"] == capital["month"] and mart["rwa_total"] == capital["rwa_total"]
    assert mart["cet1_ratio"] == pytest.approx(capital["cet1_ratio"])
    assert mart["below_any_minimum"] == any(capital[f] for f in ("cet1_below_minimum", "tier1_below_minimum", "total_below_minimum"))


def test_marts_hold_no_identifiers_or_clear_pii(built):
    columns = built["warehouse"].query(
        "select table_name, column_name from information_schema.columns where table_schema = 'banking_marts'"
    ).get_column("column_name").to_list()
    assert not {"account_id", "customer_id", "loan_id", "transaction_id", "merchant_id"} & set(columns)

"""dbt marts built through Dagster on simulated days in the embedded warehouse: the star
schema ties out to silver, dim_customer keeps SCD2 history of customers who moved, the marts
match an independent polars computation, and re-running a date changes nothing."""

from datetime import date, timedelta
from decimal import Decimal

import dagster as dg
import polars as pl
import pytest

from assets.retail import schemas
from assets.retail.graph import RETAIL_ASSETS
from assets.retail.marts import retail_marts
from sensors.retail import retail_daily_job
from simulator import deliver
from simulator.retail import SCALES, generate_retail_day_with_manifest
from tests.conftest import embedded_resources

DAYS = [date(2024, 10, 1), date(2024, 10, 2), date(2024, 10, 3)]
LAST = DAYS[-1]


def run_day(day: date, resources, instance, selection=retail_daily_job.selection) -> dg.ExecuteInProcessResult:
    return dg.materialize(RETAIL_ASSETS, selection=selection, partition_key=day.isoformat(), resources=resources, instance=instance)


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    root = tmp_path_factory.mktemp("marts")
    resources = embedded_resources(root)
    instance = dg.DagsterInstance.ephemeral()
    results = []
    for day in DAYS:
        deliver(resources["lake"], generate_retail_day_with_manifest(day, SCALES["test"], seed=21)[0])
        results.append(run_day(day, resources, instance))
    return resources, instance, results


def silver(lake, dataset, day: date) -> pl.DataFrame:
    return lake.read_parquet(dataset.lake_key(day.isoformat()))


def query(resources, sql: str, *params) -> pl.DataFrame:
    return resources["warehouse"].query(sql, params)


def test_dbt_runs_every_model_and_test_through_dagster(marts):
    _, _, results = marts
    assert all(r.success for r in results)
    materialized = {e.asset_key.to_user_string() for e in results[-1].get_asset_materialization_events()}
    assert {k.to_user_string() for k in retail_marts.keys} <= materialized
    checks = [e for e in results[-1].get_asset_check_evaluations() if e.asset_key.path[0] == "marts"]
    assert len(checks) >= 10 and all(c.passed for c in checks)


def test_fact_sales_ties_out_to_silver_line_for_line(marts):
    resources, _, _ = marts
    for day in DAYS:
        lines = silver(resources["lake"], schemas.SILVER_POS_LINES, day)
        fact = query(resources, "select count(*) n, sum(amount) amount, count(store_key) stores, count(product_key) products "
                                "from retail_marts.fact_sales where transaction_date = ?", day).row(0, named=True)
        assert fact == {"n": lines.height, "amount": lines.get_column("amount").sum(), "stores": lines.height, "products": lines.height}
        with_customer = lines.get_column("customer_id").is_not_null().sum()
        assert query(resources, "select count(customer_key) from retail_marts.fact_sales where transaction_date = ?", day).item() == with_customer


def test_a_customer_who_moved_keeps_history(marts):
    resources, _, _ = marts
    first, last = (silver(resources["lake"], schemas.SILVER_CUSTOMERS, d).select("customer_id", "city") for d in (DAYS[0], LAST))
    moved = first.join(last, on="customer_id", suffix="_now").filter(pl.col("city") != pl.col("city_now"))
    assert moved.height > 0, "the simulator should move some customers between days"
    customer, old_city, new_city = moved.row(0)
    history = query(resources, "select city, valid_from, valid_to, is_current from retail_marts.dim_customer where customer_id = ? order by valid_from", customer)
    assert history.get_column("city").to_list()[0] == old_city and history.get_column("city").to_list()[-1] == new_city
    assert history.get_column("valid_from").to_list()[0] == DAYS[0] and history.get_column("is_current").to_list() == [False] * (history.height - 1) + [True]
    assert history.get_column("valid_to").to_list()[:-1] == history.get_column("valid_from").to_list()[1:]  # no gap, no overlap
    current = query(resources, "select count(*) from retail_marts.dim_customer where is_current").item()
    assert current == last.height


def expected_store_summary(lake, day: date) -> pl.DataFrame:
    lines = pl.concat([silver(lake, schemas.SILVER_POS_LINES, d) for d in DAYS if day - timedelta(days=6) <= d <= day])
    today = lines.filter(pl.col("transaction_date") == day)

    def summary(frame, suffix):
        return frame.group_by("store_id").agg(
            pl.col("amount").sum().alias(f"revenue{suffix}"),
            pl.col("receipt_id").n_unique().alias(f"receipts{suffix}"),
            pl.col("customer_id").drop_nulls().n_unique().alias(f"unique_customers{suffix}"),
        )

    return summary(today, "").join(summary(lines, "_7d"), on="store_id").sort("store_id")


def test_daily_store_summary_matches_polars(marts):
    resources, _, _ = marts
    expected = expected_store_summary(resources["lake"], LAST)
    columns = ", ".join(expected.columns)
    mart = query(resources, f"select {columns}, average_transaction from retail_marts.mart_daily_store_summary where date = ? order by store_id", LAST)
    assert mart.select(expected.columns).cast(expected.schema).equals(expected)
    average = [(r / n).quantize(Decimal("0.01")) for r, n in zip(expected["revenue"], expected["receipts"], strict=True)]
    assert mart.get_column("average_transaction").to_list() == average


def test_category_revenue_matches_polars(marts):
    resources, _, _ = marts
    lake = resources["lake"]
    products = silver(lake, schemas.SILVER_PRODUCTS, LAST).select(pl.col("product_id").alias("product_barcode"), "category")
    expected = (
        silver(lake, schemas.SILVER_POS_LINES, LAST).join(products, on="product_barcode")
        .group_by("category").agg(pl.col("amount").sum().alias("revenue"), pl.col("quantity").sum().alias("units")).sort("category")
    )
    mart = query(resources, "select category, revenue, units from retail_marts.mart_category_revenue where date = ? order by category", LAST)
    assert mart.cast(expected.schema).equals(expected)


def test_re_running_a_date_is_idempotent(marts):
    resources, instance, _ = marts
    before = query(resources, "select * from retail_marts.mart_daily_store_summary order by date, store_id")
    facts = query(resources, "select count(*) from retail_marts.fact_sales").item()
    assert run_day(DAYS[1], resources, instance, selection=list(retail_marts.keys)).success
    assert query(resources, "select count(*) from retail_marts.fact_sales").item() == facts
    assert query(resources, "select count(distinct sales_key) from retail_marts.fact_sales").item() == facts
    assert query(resources, "select * from retail_marts.mart_daily_store_summary order by date, store_id").equals(before)


def test_a_range_of_dates_is_built_by_one_run(marts):
    """What a backfill of the marts over a range launches (their BackfillPolicy.single_run()):
    one run whose dbt build rebuilds every date of the range, not only one of them."""
    resources, instance, _ = marts
    before = query(resources, "select * from retail_marts.mart_daily_store_summary order by date, store_id")
    facts = query(resources, "select count(*) from retail_marts.fact_sales").item()
    query(resources, "delete from retail_marts.fact_sales where transaction_date < ?", LAST)  # lost: the range run must rebuild them
    span = {"dagster/asset_partition_range_start": DAYS[0].isoformat(), "dagster/asset_partition_range_end": LAST.isoformat()}
    result = dg.materialize(RETAIL_ASSETS, selection=list(retail_marts.keys), resources=resources, instance=instance, tags=span)
    assert result.success
    fact_sales = dg.AssetKey(["marts", "retail", "fact_sales"])
    assert {e.partition for e in result.get_asset_materialization_events() if e.asset_key == fact_sales} == {d.isoformat() for d in DAYS}
    assert query(resources, "select count(*) from retail_marts.fact_sales").item() == facts
    assert query(resources, "select * from retail_marts.mart_daily_store_summary order by date, store_id").equals(before)


def test_marts_are_requested_for_exactly_the_dates_whose_tables_reloaded():
    instance = dg.DagsterInstance.ephemeral()
    placeholders = {name: dg.ResourceDefinition.none_resource() for name in ("lake", "warehouse", "pii", "spark")}
    defs = dg.Definitions(assets=RETAIL_ASSETS, resources=placeholders)
    marts = dg.AssetSelection.groups("retail_marts")
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=marts)
    assert first.total_requested == 0  # no table loaded: nothing to build
    sources = [k for k in retail_marts.dependency_keys if k not in retail_marts.keys]
    for key in sources:
        instance.report_runless_asset_event(dg.AssetMaterialization(key, partition="2024-10-02"))
    instance.report_runless_asset_event(dg.AssetMaterialization(sources[0], partition="2024-10-05"))  # one table only: wait
    second = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=marts, cursor=first.cursor)
    fact_sales = dg.AssetKey(["marts", "retail", "fact_sales"])
    assert second.get_requested_partitions(fact_sales) == {"2024-10-02"}
    third = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=marts, cursor=second.cursor)
    assert third.total_requested == 0  # handled once, not again every tick


def test_a_run_of_the_dimensions_alone_succeeds_before_any_sales_exist(resources, lake):
    """What the automation launches when a day's reference data is loaded before its sales."""
    deliver(lake, generate_retail_day_with_manifest(DAYS[0], SCALES["test"], seed=21)[0])
    instance = dg.DagsterInstance.ephemeral()
    reference = [
        key for name in ("stores", "products", "customers")
        for key in (dg.AssetKey(f"retail_bronze_{name}"), dg.AssetKey(f"retail_silver_{name}"), dg.AssetKey(["warehouse", "retail", f"silver_{name}"]))
    ]
    assert run_day(DAYS[0], resources, instance, selection=reference).success
    dims = [dg.AssetKey(["marts", "retail", name]) for name in ("dim_store", "dim_product", "stg_customers_as_of", "customers_snapshot", "dim_customer")]
    result = run_day(DAYS[0], resources, instance, selection=dims)
    assert result.success
    assert {e.asset_key for e in result.get_asset_materialization_events()} == set(dims)


def test_every_dbt_test_says_what_its_failure_means_under_a_readable_name():
    """Each dbt test is an asset check in the UI: its name says what it asserts, and its description
    (meta.description) what a failure means and what to do."""
    from assets.banking.marts import banking_marts

    checks = [spec for marts in (retail_marts, banking_marts) for spec in marts.check_specs]
    assert len(checks) >= 20
    undescribed = [spec.name for spec in checks if len(spec.description or "") < 40]
    assert not undescribed, undescribed
    generated = [spec.name for spec in checks if spec.name.startswith(("unique_", "not_null_", "accepted_values_", "relationships_"))]
    assert not generated, generated

"""A simulated month of banking files -> sensor -> runs -> silver, gold and the warehouse.

The simulator's manifest names the injected ledger breaks and fraud bursts; the platform must
report exactly those breaks, flag the burst accounts and no clean account, and the capital
report must tie out to the loan book.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import dagster as dg
import polars as pl
import pytest

from assets.banking import fraud, ledger, schemas
from assets.banking.graph import BANKING_ASSETS
from sensors.banking import banking_landing_sensor, banking_monthly_job
from simulator import deliver
from simulator.banking import BANKING_SCALES, BankingDefects, generate_banking_day_with_manifest
from tests.conftest import embedded_resources

FIRST, DAYS = date(2024, 10, 1), 31
MONTH = FIRST.isoformat()


def run_sensor_until_idle(resources, instance) -> list[dg.RunRequest]:
    defs = dg.Definitions(assets=BANKING_ASSETS, sensors=[banking_landing_sensor], resources=resources)
    cursor, requests = None, []
    while True:
        with dg.build_sensor_context(cursor=cursor, resources=resources, instance=instance, definitions=defs) as context:
            result = banking_landing_sensor.evaluate_tick(context)
        if not result.run_requests:
            return requests
        requests += result.run_requests
        cursor = result.cursor


def execute(request, resources, instance) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        BANKING_ASSETS, selection=request.asset_selection, partition_key=request.partition_key, resources=resources,
        instance=instance, tags=request.tags, raise_on_error=False,
    )


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """Delivers and processes the whole month once; the tests below read what it produced."""
    root = tmp_path_factory.mktemp("banking")
    resources = embedded_resources(root)
    manifests = {}
    for n in range(DAYS):
        day = FIRST + timedelta(days=n)
        defects = BankingDefects(row_defect_rate=0.01, ledger_breaks=1 if day.day in (10, 20) else 0)
        files, manifests[day.isoformat()] = generate_banking_day_with_manifest(day, BANKING_SCALES["test"], seed=5, defects=defects)
        deliver(resources["lake"], files)
    instance = dg.DagsterInstance.ephemeral()
    requests = run_sensor_until_idle(resources, instance)
    # Runs start in request order, as the local run queue does: snapshots before the transactions validated against them.
    results = [execute(r, resources, instance) for r in requests]
    capital = dg.materialize(
        BANKING_ASSETS, selection=banking_monthly_job.selection, partition_key=MONTH, resources=resources, instance=instance, raise_on_error=False
    )
    return {"resources": resources, "manifests": manifests, "requests": requests, "results": results, "capital": capital, "instance": instance}


def test_every_source_and_day_ran_once_and_succeeded(month):
    requests = month["requests"]
    assert len({r.run_key for r in requests}) == len(requests)
    daily_sources = {"accounts", "transactions", "customers", "loans", "loan_payments", "economic_indicators"}
    ran = {(r.tags["source"].split("/")[1], r.partition_key) for r in requests}
    assert {(s, (FIRST + timedelta(days=n)).isoformat()) for s in daily_sources for n in range(DAYS)} <= ran
    assert ("bureau_scores", MONTH) in ran
    failed = [(r.tags["source"], r.partition_key) for r, res in zip(requests, month["results"], strict=True) if not res.success]
    assert failed == []
    assert month["capital"].success


def test_the_ledger_reconciles_except_the_injected_breaks(month):
    lake = month["resources"]["lake"]
    for day, manifest in month["manifests"].items():
        daily = lake.read_parquet(schemas.GOLD_ACCOUNT_DAILY.lake_key(day))
        breaks = set(daily.filter(pl.col("status") == ledger.BREAK).get_column("account_id").to_list())
        injected = {b["account_id"] for b in manifest["ledger_breaks"]}
        assert breaks == injected, day
        if day != MONTH:  # yesterday's snapshot exists from the second day on
            assert daily.filter(pl.col("status") == ledger.RECONCILED).height > 0.9 * daily.height


def test_breaks_fail_the_ledger_check_and_are_listed(month):
    requests, results = month["requests"], month["results"]
    for request, result in zip(requests, results, strict=True):
        if request.tags["source"] != "banking/transactions":
            continue
        checks = {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key.to_user_string() == "banking_gold_account_daily"}
        injected = month["manifests"][request.partition_key]["ledger_breaks"]
        assert checks["ledger_reconciles"].passed is (not injected)
        assert checks["ledger_reconciles"].metadata["breaks"].value == len(injected)


def test_fraud_bursts_are_flagged_and_clean_accounts_are_not(month):
    lake = month["resources"]["lake"]
    for day, manifest in month["manifests"].items():
        alerts = lake.read_parquet(schemas.GOLD_FRAUD_ALERTS.lake_key(day))
        by_rule = {
            rule: set(alerts.filter(pl.col("rules").list.contains(rule)).get_column("account_id").to_list())
            for rule in (fraud.HIGH_FREQUENCY, fraud.HIGH_SPEND)
        }
        assert by_rule[fraud.HIGH_FREQUENCY] == set(manifest["fraud"]["high_frequency_accounts"]), day
        assert by_rule[fraud.HIGH_SPEND] == set(manifest["fraud"]["high_spend_accounts"]), day


def test_capital_report_ties_out_to_the_loan_book(month):
    lake = month["resources"]["lake"]
    capital = lake.read_parquet(schemas.GOLD_CAPITAL_ADEQUACY.lake_key(MONTH)).row(0, named=True)
    last_day = (FIRST + timedelta(days=DAYS - 1)).isoformat()
    book = lake.read_parquet(schemas.GOLD_LOAN_RISK.lake_key(last_day))
    assert capital["rwa_total"] == book.get_column("rwa").sum() > 0
    assert capital["ead_total"] == lake.read_parquet(schemas.SILVER_LOANS.lake_key(last_day)).get_column("outstanding_balance").sum()
    assert capital["cet1_ratio"] == pytest.approx(capital["cet1_capital"] / float(capital["rwa_total"]))
    checks = {e.check_name: e.passed for e in month["capital"].get_asset_check_evaluations() if e.asset_key.path == ["banking_gold_capital_adequacy"]}
    assert checks == {"schema": True, "reconciles_to_silver": True, "rwa_adds_up": True}


def expected_interest(lake) -> dict[str, tuple[Decimal, Decimal]]:
    """Interest computed independently of the Spark job: plain Decimal arithmetic over the
    silver snapshots, rounded half-up once."""
    days = [(FIRST + timedelta(days=n)).isoformat() for n in range(DAYS)]
    snapshots = pl.concat([lake.read_parquet(schemas.SILVER_ACCOUNTS.lake_key(d)) for d in days]).filter(pl.col("account_type") == "savings")
    month_end = snapshots.filter(pl.col("snapshot_date") == date.fromisoformat(days[-1]))
    balance_days = dict(snapshots.group_by("account_id").agg(pl.col("balance").sum()).iter_rows())
    expected = {}
    for account, rate, closing in month_end.select("account_id", "interest_rate", "balance").iter_rows():
        interest = (max(balance_days[account], Decimal(0)) * rate / (12 * DAYS)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        expected[account] = (interest, closing + interest)
    return expected


def test_monthly_interest_on_spark_matches_an_independent_computation_to_the_cent(month):
    lake = month["resources"]["lake"]
    gold = lake.read_parquet(schemas.GOLD_MONTHLY_INTEREST.lake_key(MONTH))
    expected = expected_interest(lake)
    assert len(expected) > 50 and sum(i for i, _ in expected.values()) > 0
    assert {a: (i, n) for a, i, n in gold.select("account_id", "interest", "new_balance").iter_rows()} == expected
    checks = {e.check_name: e.passed for e in month["capital"].get_asset_check_evaluations() if e.asset_key.path == ["banking_gold_monthly_interest"]}
    assert checks == {"schema": True, "reconciles_to_silver": True, "new_balance_adds_up": True}
    warehouse = month["resources"]["warehouse"]
    assert warehouse.query("select sum(interest) from banking.gold_monthly_interest").item() == gold.get_column("interest").sum()


def test_warehouse_holds_the_banking_schema_apart_from_retail(month):
    warehouse = month["resources"]["warehouse"]
    tables = warehouse.query("select table_schema, table_name from information_schema.tables").rows()
    assert {("banking", "silver_transactions"), ("banking", "gold_fraud_alerts"), ("banking", "gold_capital_adequacy")} <= set(tables)
    assert not [t for t in tables if t[0] == "retail"]
    lake = month["resources"]["lake"]
    day = (FIRST + timedelta(days=5)).isoformat()
    silver = lake.read_parquet(schemas.SILVER_TRANSACTIONS.lake_key(day)).height
    assert warehouse.query("select count(*) from banking.silver_transactions where transaction_date = ?", (date.fromisoformat(day),)).item() == silver


def test_silver_transactions_account_for_every_injected_defect(month):
    instance = month["instance"]
    for day, manifest in list(month["manifests"].items())[:5]:
        expected = manifest["expected_transactions_silver"]
        records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey("banking_silver_transactions"), asset_partitions=[day]), limit=1)
        meta = {k: v.value for k, v in records.records[0].asset_materialization.metadata.items()}
        assert (meta["rows_in"], meta["rows_valid"], meta["rows_quarantined"], meta["rows_duplicate"]) == (
            expected["bronze_rows"], expected["silver_rows"], expected["quarantined_rows"], expected["dropped_duplicates"]
        )
        quarantine = month["resources"]["lake"].read_parquet(schemas.SILVER_TRANSACTIONS.quarantine_key(day))
        assert dict(quarantine.get_column("_reject_reasons").explode().value_counts().iter_rows()) == expected["reject_reasons"]


PII_COLUMNS = ("first_name", "last_name", "ssn", "date_of_birth", "email", "phone", "street")
# A masked e-mail (j******e@example.com) keeps the domain, so an address counts only when its
# local part is unmasked, i.e. starts the text or follows a separator.
PII_SHAPES = r"\b\d{3}-\d{2}-\d{4}\b|(?:^|[\s,;:<(])[^\s@*]+@[^\s@]+\.[A-Za-z]{2,}|\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b"


def test_no_clear_pii_in_silver_gold_quarantine_or_the_warehouse(month):
    """Every clear PII value the KYC system delivered, searched for in every string of every
    published zone, and no string anywhere shaped like an SSN, e-mail or phone number."""
    from pathlib import Path

    lake = month["resources"]["lake"]
    root = Path(lake.root)
    delivered = pl.concat([pl.read_parquet(p) for p in sorted(root.glob("bronze/banking/customers/*/data.parquet"))])
    clear = set(delivered.select(pl.concat_list(pl.col(PII_COLUMNS)).explode().drop_nulls()).to_series().to_list())
    assert len(clear) > 1000

    def strings(frame: pl.DataFrame) -> pl.Series:
        text = [frame.get_column(c) for c, t in frame.schema.items() if t == pl.String]
        return pl.concat(text).drop_nulls() if text else pl.Series([], dtype=pl.String)

    published = [p for zone in ("silver", "gold", "quarantine") for p in sorted(root.glob(f"{zone}/banking/**/*.parquet"))]
    assert len(published) > 100
    frames = [(str(p.relative_to(root)), pl.read_parquet(p)) for p in published]
    warehouse = month["resources"]["warehouse"]
    for schema, table in warehouse.query("select table_schema, table_name from information_schema.tables").rows():
        frames.append((f"warehouse:{schema}.{table}", warehouse.query(f'select * from "{schema}"."{table}"')))
    for name, frame in frames:
        values = strings(frame)
        leaked = set(values.to_list()) & clear
        assert not leaked, f"{name} holds clear PII: {sorted(leaked)[:3]}"
        shaped = values.filter(values.str.contains(PII_SHAPES))
        assert shaped.is_empty(), f"{name} holds PII-shaped text: {shaped.head(3).to_list()}"

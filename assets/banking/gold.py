"""Banking gold (DOMAIN.md §3.3): the ledger, fraud alerts, reporting summary and credit risk."""

import os
from datetime import date, timedelta

import dagster as dg
import polars as pl

from assets.banking import fraud, ledger, risk, schemas
from assets.banking.silver import (
    banking_silver_accounts,
    banking_silver_bureau_scores,
    banking_silver_economic_indicators,
    banking_silver_loans,
    banking_silver_transactions,
)
from assets.common.checks import gold_check_specs, reconciliation_check
from assets.common.datasets import Dataset, dataset_asset
from assets.common.inputs import Input, inputs_check, own_input, require, snapshot_input
from assets.common.partitions import DAILY, MONTHLY, keys_at_or_before, latest_snapshot_key, partition_of, trailing_days
from assets.common.publish import publish_gold
from resources.lake import LakeStorage

LEDGER_RECONCILES = "ledger_reconciles"
SEVERITY_MATCHES_SCORE = "severity_matches_score"
EXPECTED_LOSS_ADDS_UP = "expected_loss_adds_up"
RWA_ADDS_UP = "rwa_adds_up"
FRAUD_MERCHANT_LOOKBACK_DAYS = 30  # a night purchase is at a "new" merchant if the account has not used it for this long
SAMPLE = 50


def _gold(dataset: Dataset, description: str, deps, extra=None, reporting=None, partitions_def=DAILY, inputs=False):
    return dataset_asset(dataset, description, deps, gold_check_specs(dataset.asset_name, extra, reporting, inputs), partitions_def)


def _transactions(lake: LakeStorage, partition: str, columns: list[str]) -> pl.LazyFrame:
    """A scan: a day of transactions is aggregated or bucketed as it streams, never held whole."""
    return lake.scan_parquet(schemas.SILVER_TRANSACTIONS.lake_key(partition)).select(columns)


def _own_transactions(lake: LakeStorage, partition: str) -> Input:
    return own_input(lake, schemas.SILVER_TRANSACTIONS, partition)[1]


def _net_check(credits, debits, silver: pl.LazyFrame) -> dg.AssetCheckResult:
    return reconciliation_check(credits - debits, silver.select(pl.col("amount").sum()).collect().item(), "net_amount")


@_gold(
    schemas.GOLD_ACCOUNT_DAILY,
    "The daily ledger: opening balance (yesterday's snapshot), credits, debits, transaction count and closing balance "
    "(today's snapshot) per account, with the reconciliation status. Grain: date x account.",
    [
        banking_silver_transactions,
        dg.AssetDep(banking_silver_accounts, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1)),
    ],
    reporting={
        LEDGER_RECONCILES: "opening + Σ amount = closing, to the cent, for every account. Fails when any account breaks; the "
        "breaks are listed in the metadata (and in the table with status = 'break'). Ask core banking about each break."
    },
    inputs=True,
)
def banking_gold_account_daily(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    day = date.fromisoformat(partition)
    balances = ["account_id", "account_type", "balance"]  # of a snapshot's columns, the ledger needs these
    current_key, closing = own_input(lake, schemas.SILVER_ACCOUNTS, partition)
    require(context, [closing, _own_transactions(lake, partition)],
            "The ledger reconciles the day's transactions to the day's closing snapshot.")
    current = lake.read_parquet(current_key, columns=balances)
    # Only yesterday's closing opens the day: an older snapshot would make every account that moved in
    # between look like a break. Without it the day is not reconciled (no_previous_snapshot), and unless
    # it is the first day on record, inputs_current says so.
    yesterday = (day - timedelta(days=1)).isoformat()
    previous_key, opening = own_input(lake, schemas.SILVER_ACCOUNTS, yesterday)
    previous = lake.read_parquet(previous_key, columns=balances) if opening.current else None
    first_day_on_record = previous is None and latest_snapshot_key(lake, schemas.SILVER_ACCOUNTS, yesterday) is None
    transactions = _transactions(lake, partition, ["account_id", "amount"])
    gold = ledger.account_daily(day, previous, current, transactions)
    breaks = gold.filter(pl.col("status") == ledger.BREAK)
    counts = dict(gold.get_column("status").value_counts().iter_rows())
    ledger_check = dg.AssetCheckResult(
        check_name=LEDGER_RECONCILES,
        passed=breaks.is_empty(),
        metadata={
            "breaks": breaks.height,
            "accounts_by_status": dg.MetadataValue.json(counts),
            "breaks_sample": dg.MetadataValue.json(
                [{k: str(v) for k, v in r.items()} for r in breaks.select("account_id", "expected_closing", "closing_balance", "difference").head(SAMPLE).iter_rows(named=True)]
            ),
        },
    )
    net = _net_check(gold.get_column("credits").sum(), gold.get_column("debits").sum(), transactions)
    current_inputs = inputs_check([] if first_day_on_record else [opening])
    return publish_gold(
        context, lake, schemas.GOLD_ACCOUNT_DAILY, gold, [net, ledger_check, current_inputs],
        {"ledger_breaks": breaks.height, "accounts": gold.height, "opening_snapshot": opening.used or "none (first day on record)"},
    )


@_gold(
    schemas.GOLD_FRAUD_ALERTS,
    "Transactions flagged by the fraud rules (high_value, high_frequency, high_spend, night at a new merchant) with a 0-100 "
    "score and a severity. Windowed rules cover the whole day per account. Grain: transaction.",
    [
        dg.AssetDep(
            banking_silver_transactions,
            partition_mapping=trailing_days(FRAUD_MERCHANT_LOOKBACK_DAYS + 1),  # the day and the lookback before it
        )
    ],
    extra={SEVERITY_MATCHES_SCORE: "Each score is the capped sum of its rules' weights, and its severity is the band of that score "
           "(HIGH >= 80, MEDIUM >= 60, LOW >= 40)."},
)
def banking_gold_fraud_alerts(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    day = date.fromisoformat(partition)
    require(context, [_own_transactions(lake, partition)], "Fraud alerts are the day's transactions flagged.")
    columns = ["transaction_id", "account_id", "timestamp", "amount", "type", "channel", "merchant_id"]
    transactions = _transactions(lake, partition, columns)
    earlier = [(day - timedelta(days=n)).isoformat() for n in range(1, FRAUD_MERCHANT_LOOKBACK_DAYS + 1)]
    seen = [_transactions(lake, d, ["account_id", "merchant_id"]) for d in earlier if lake.exists(schemas.SILVER_TRANSACTIONS.lake_key(d))]
    pairs = pl.concat(seen).drop_nulls().unique() if seen else pl.LazyFrame(schema={"account_id": pl.String, "merchant_id": pl.String})
    history = pairs.collect(engine="streaming")  # (account, merchant) pairs of the lookback: far fewer than transactions
    gold = fraud.fraud_alerts_by_account_bucket(day, transactions, history)
    expected_score = pl.min_horizontal(
        pl.col("rules").list.eval(pl.element().replace_strict(fraud.WEIGHTS, return_dtype=pl.Int64)).list.sum(), 100
    )
    wrong = gold.filter((pl.col("score") != expected_score) | (pl.col("severity") != fraud.severity(pl.col("score"))))
    consistency = dg.AssetCheckResult(check_name=SEVERITY_MATCHES_SCORE, passed=wrong.is_empty(), metadata={"inconsistent": wrong.height})
    in_silver = transactions.filter(pl.col("transaction_id").is_in(gold.get_column("transaction_id").implode())).select(pl.len()).collect().item()
    flagged = reconciliation_check(gold.height, in_silver, "alerts")
    by_severity = dict(gold.get_column("severity").value_counts().iter_rows())
    return publish_gold(
        context, lake, schemas.GOLD_FRAUD_ALERTS, gold, [flagged, consistency],
        {"alerts": gold.height, "alerts_by_severity": dg.MetadataValue.json(by_severity), "history_days": len(seen)},
    )


@_gold(
    schemas.GOLD_DAILY_SUMMARY,
    "Transaction count, credits, debits, volume and average per account type and channel; no identifiers, safe for wide "
    "reporting. Grain: date x account type x channel.",
    [banking_silver_transactions, banking_silver_accounts],
)
def banking_gold_daily_summary(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    accounts_key, accounts_used = own_input(lake, schemas.SILVER_ACCOUNTS, partition)
    require(context, [_own_transactions(lake, partition), accounts_used],
            "The summary groups the day's transactions by the type of their account in the day's snapshot.")
    transactions = _transactions(lake, partition, ["account_id", "amount", "channel"])
    accounts = lake.read_parquet(accounts_key, columns=["account_id", "account_type"])
    gold = ledger.daily_summary(date.fromisoformat(partition), transactions, accounts)
    net = _net_check(gold.get_column("credits").sum(), gold.get_column("debits").sum(), transactions)
    return publish_gold(context, lake, schemas.GOLD_DAILY_SUMMARY, gold, [net], {"transactions": int(gold.get_column("transactions").sum())})


def _unemployment(lake: LakeStorage, partition: str) -> tuple[float | None, str | None, Input]:
    """The newest UNRATE observation of the latest indicators snapshot at or before the day that has one:
    (rate, observation date, what was used)."""
    dataset = schemas.SILVER_ECONOMIC_INDICATORS
    for key in keys_at_or_before(lake, dataset.prefix, dataset.lake_key, partition):
        rates = lake.read_parquet(key).filter(pl.col("series_id") == "UNRATE").sort("date")
        if rates.height:
            return rates.get_column("value").last(), str(rates.get_column("date").last()), Input(dataset.name, partition, partition_of(key))
    return None, None, Input(dataset.name, partition, None)


@_gold(
    schemas.GOLD_LOAN_RISK,
    "Per loan: PD (credit-score band, days past due, unemployment), LGD (collateral), EAD (outstanding balance), expected "
    "loss = PD x LGD x EAD, IFRS 9 stage and Basel III risk weight and RWA. Built from the day's loan book only; a missing "
    "month of bureau scores or day of indicators is replaced by the latest good one under the inputs_current warning, and "
    "with none at all the day is not built. Grain: date x loan.",
    [banking_silver_loans, banking_silver_bureau_scores, banking_silver_economic_indicators],
    extra={EXPECTED_LOSS_ADDS_UP: "Every expected loss equals PD x LGD x EAD to the cent, and every RWA equals EAD x risk weight."},
    inputs=True,
)
def banking_gold_loan_risk(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    day = date.fromisoformat(partition)
    # Risk is of the day's own loan book: an older book would report loans that have since changed.
    loans_key, book = own_input(lake, schemas.SILVER_LOANS, partition)
    scores_key, scores_used = snapshot_input(lake, schemas.SILVER_BUREAU_SCORES, day.replace(day=1).isoformat())
    unemployment, observed, indicators_used = _unemployment(lake, partition)
    require(context, [book, scores_used, indicators_used],
            "Risk is of the day's own loan book, and PD depends on the credit score and the unemployment rate (DOMAIN.md §3.3).")
    loans = lake.read_parquet(loans_key)
    gold = risk.loan_risk(day, loans, lake.read_parquet(scores_key, columns=["customer_id", "score"]), unemployment)
    recomputed = gold.select(
        (pl.col("expected_loss") != risk.cents(pl.col("pd") * pl.col("lgd") * pl.col("ead").cast(pl.Float64)))
        | (pl.col("rwa") != risk.cents(pl.col("ead").cast(pl.Float64) * pl.col("risk_weight")))
    ).to_series().sum()
    adds_up = dg.AssetCheckResult(check_name=EXPECTED_LOSS_ADDS_UP, passed=recomputed == 0, metadata={"loans_off": int(recomputed)})
    ead = reconciliation_check(gold.get_column("ead").sum(), loans.get_column("outstanding_balance").sum(), "exposure")
    current = inputs_check([scores_used, indicators_used], {"unemployment_observed": observed})
    return publish_gold(
        context, lake, schemas.GOLD_LOAN_RISK, gold, [ead, adds_up, current],
        {"expected_loss": str(gold.get_column("expected_loss").sum()), "exposure": str(gold.get_column("ead").sum()),
         "unemployment_rate": unemployment, "unemployment_observed": observed,
         "bureau_scores_month": scores_used.used, "indicators_snapshot": indicators_used.used,
         "loans_by_stage": dg.MetadataValue.json({str(k): v for k, v in gold.get_column("stage").value_counts().iter_rows()})},
    )


def regulatory_capital() -> risk.Capital:
    """Capital is configured by the finance team, per environment (README: configuration)."""
    return risk.Capital(
        cet1=float(os.environ.get("PLATFORM_CET1_CAPITAL", "12000000")),
        additional_tier1=float(os.environ.get("PLATFORM_AT1_CAPITAL", "1500000")),
        tier2=float(os.environ.get("PLATFORM_TIER2_CAPITAL", "2000000")),
    )


@_gold(
    schemas.GOLD_CAPITAL_ADEQUACY,
    "Basel III standardized approach for the month (the loan book on its last reported day): RWA by bucket, CET1, Tier 1 "
    "and total capital ratios, and flags against the 4.5% / 6% / 8% minimums and the 2.5% conservation buffer. Grain: month.",
    [banking_gold_loan_risk],
    extra={RWA_ADDS_UP: "RWA total equals the sum of its buckets, and each ratio equals its capital over that RWA."},
    partitions_def=MONTHLY,
)
def banking_gold_capital_adequacy(context: dg.AssetExecutionContext, lake: LakeStorage):
    month = date.fromisoformat(context.partition_key)
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    key = latest_snapshot_key(lake, schemas.GOLD_LOAN_RISK, (next_month - timedelta(days=1)).isoformat())
    if key is None or not key.split("dt=")[1].startswith(month.isoformat()[:7]):
        raise dg.Failure(f"No loan_risk partition in {month:%Y-%m}: materialize banking_gold_loan_risk for the month's days first.")
    book = lake.read_parquet(key)
    capital = regulatory_capital()
    gold = risk.capital_adequacy(month, book, capital)
    row = gold.row(0, named=True)
    parts = sum(row[f"rwa_{b}"] for b in (*risk.RISK_WEIGHTS, "past_due"))
    ratios_ok = row["rwa_total"] == 0 or abs(row["cet1_ratio"] - capital.cet1 / float(row["rwa_total"])) < 1e-6
    adds_up = dg.AssetCheckResult(
        check_name=RWA_ADDS_UP, passed=parts == row["rwa_total"] and ratios_ok, metadata={"rwa_total": str(row["rwa_total"]), "sum_of_buckets": str(parts)}
    )
    tie_out = reconciliation_check(row["rwa_total"], book.get_column("rwa").sum(), "rwa")
    flags = [k for k in ("cet1_below_minimum", "tier1_below_minimum", "total_below_minimum", "conservation_buffer_breached") if row[k]]
    return publish_gold(
        context, lake, schemas.GOLD_CAPITAL_ADEQUACY, gold, [tie_out, adds_up],
        {"loan_book_day": key.split("dt=")[1].split("/")[0], "cet1_ratio": row["cet1_ratio"], "flags": dg.MetadataValue.json(flags)},
    )


BANKING_GOLD = [banking_gold_account_daily, banking_gold_fraud_alerts, banking_gold_daily_summary, banking_gold_loan_risk, banking_gold_capital_adequacy]

"""Fraud alerts (DOMAIN.md §3.3, seed 004): rules over one day of transactions, scored 0-100.

Windowed rules run over the whole day per account, never per file. A transaction is in the
10-minute window ending at t when its timestamp is in (t - 10 min, t]: two transactions
exactly 10 minutes apart are not in one window.
"""

from __future__ import annotations

from datetime import date

import polars as pl

HIGH_VALUE = "high_value"
HIGH_FREQUENCY = "high_frequency"
HIGH_SPEND = "high_spend"
NIGHT_NEW_MERCHANT = "night"

HIGH_VALUE_AMOUNT = 1_000
BURST_WINDOW = "10m"
BURST_COUNT = 20  # more than this many transactions in a window
BURST_SPEND = 10_000  # more than this much spent (debits) in a window
NIGHT_HOURS = (0, 5)  # 00:00-05:59 UTC
ROWS_PER_BUCKET = 2_000_000  # transactions windowed at once (~0.6 GB): bounds memory on the largest days

# A rule's weight is its contribution to the score; several rules add up, capped at 100.
WEIGHTS = {HIGH_VALUE: 40, NIGHT_NEW_MERCHANT: 40, HIGH_FREQUENCY: 60, HIGH_SPEND: 80}
SEVERITIES = ((80, "HIGH"), (60, "MEDIUM"), (40, "LOW"))


def severity(score: pl.Expr) -> pl.Expr:
    expr = pl.lit(None, pl.String)
    for floor, name in reversed(SEVERITIES):
        expr = pl.when(score >= floor).then(pl.lit(name)).otherwise(expr)
    return expr


def _in_a_bad_window(bad_window_end: pl.Expr) -> pl.Expr:
    """True for every transaction inside some window whose end trips the rule: the next
    window end at or after t that trips it lies within 10 minutes of t. Needs rows sorted by
    (account, timestamp); tied timestamps share a window, so they share the flag."""
    next_bad_end = pl.when(bad_window_end).then(pl.col("timestamp")).backward_fill().over("account_id")
    return (next_bad_end - pl.col("timestamp") < pl.duration(minutes=10)).fill_null(False)


def fraud_alerts(day: date, transactions: pl.DataFrame, merchants_seen_before: pl.DataFrame) -> pl.DataFrame:
    """`merchants_seen_before`: (account_id, merchant_id) pairs from earlier days; a night card
    purchase at a merchant neither there nor earlier the same night is at a new merchant.

    Only the two window sums touch every row; each rule then looks at the few rows that can
    trip it (accounts with a hot window, night purchases, large amounts)."""
    ordered = transactions.sort("account_id", "timestamp", "transaction_id")
    spent = pl.when(pl.col("amount") < 0).then(-pl.col("amount")).otherwise(0).cast(pl.Float64)
    # One grouped rolling pass gives both window sums; on rows sorted by (account, time) its
    # output rows line up with the input rows.
    windows = ordered.select("account_id", "timestamp", spent.alias("_spend")).rolling(
        index_column="timestamp", period=BURST_WINDOW, closed="right", group_by="account_id"
    ).agg(pl.len().alias("_count"), pl.col("_spend").sum().alias("_spent"))
    base = pl.concat([ordered, windows.select("_count", "_spent")], how="horizontal")

    hot = base.filter((pl.col("_count") > BURST_COUNT) | (pl.col("_spent") > BURST_SPEND)).get_column("account_id").unique()
    bursts = base.filter(pl.col("account_id").is_in(hot.implode())).select(
        "transaction_id",
        _in_a_bad_window(pl.col("_count") > BURST_COUNT).alias(HIGH_FREQUENCY),
        _in_a_bad_window(pl.col("_spent") > BURST_SPEND).alias(HIGH_SPEND),
    )
    known = merchants_seen_before.select("account_id", "merchant_id").unique().with_columns(_known=pl.lit(True))
    night = (
        base.filter(pl.col("timestamp").dt.hour().is_between(*NIGHT_HOURS) & pl.col("merchant_id").is_not_null())
        .join(known, on=["account_id", "merchant_id"], how="left", maintain_order="left")
        .select("transaction_id", (pl.struct("account_id", "merchant_id").is_first_distinct() & pl.col("_known").is_null()).alias(NIGHT_NEW_MERCHANT))
    )
    flags = (
        base.filter(pl.col("amount").abs() > HIGH_VALUE_AMOUNT).select("transaction_id", pl.lit(True).alias(HIGH_VALUE))
        .join(bursts, on="transaction_id", how="full", coalesce=True)
        .join(night, on="transaction_id", how="full", coalesce=True)
        .with_columns(pl.col(*WEIGHTS).fill_null(False))
    )
    rules = pl.concat_list(pl.when(pl.col(r)).then(pl.lit(r)) for r in WEIGHTS).list.drop_nulls()
    score = pl.min_horizontal(pl.sum_horizontal(pl.when(pl.col(r)).then(w).otherwise(0) for r, w in WEIGHTS.items()), 100)
    return (
        base.join(flags.with_columns(rules=rules, score=score.cast(pl.Int64)).filter(pl.col("rules").list.len() > 0), on="transaction_id")
        .select(
            pl.lit(day).alias("date"), "transaction_id", "account_id", "timestamp", "amount", "type", "channel", "merchant_id",
            "rules", "score", severity(pl.col("score")).alias("severity"),
        )
        .sort("account_id", "timestamp", "transaction_id")
    )


def fraud_alerts_by_account_bucket(
    day: date, transactions: pl.LazyFrame, merchants_seen_before: pl.DataFrame, rows_per_bucket: int = ROWS_PER_BUCKET
) -> pl.DataFrame:
    """`fraud_alerts` over a scan of the day, a bucket of accounts at a time. Every rule looks at
    one account's transactions, so splitting by account changes nothing but the memory used:
    it is bounded by the bucket, not by the day."""
    rows = transactions.select(pl.len()).collect().item()
    buckets = max(1, -(-rows // rows_per_bucket))
    in_bucket = pl.col("account_id").hash() % buckets
    alerts = [
        fraud_alerts(
            day,
            transactions.filter(in_bucket == b).collect(engine="streaming"),
            merchants_seen_before.filter(in_bucket == b),
        )
        for b in range(buckets)
    ]
    return pl.concat(alerts).sort("account_id", "timestamp", "transaction_id")

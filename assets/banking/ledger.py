"""Banking gold for accounts and transactions: the daily ledger and the daily summary (DOMAIN.md §3.3)."""

from __future__ import annotations

from datetime import date

import polars as pl

TOTAL = pl.Decimal(38, 2)
RECONCILED, BREAK, OPENED, CLOSED, NO_SNAPSHOT_ROW = "reconciled", "break", "opened", "closed", "no_snapshot_row"
NO_PREVIOUS_SNAPSHOT = "no_previous_snapshot"  # the first day on record: there is nothing to open from
STATUSES = (RECONCILED, BREAK, OPENED, CLOSED, NO_SNAPSHOT_ROW, NO_PREVIOUS_SNAPSHOT)


def account_daily(day: date, previous: pl.DataFrame | None, current: pl.DataFrame, transactions: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Opening balance (yesterday's snapshot), credits, debits, count, and closing balance (today's
    snapshot) per account. `status` says whether opening + Σ amount = closing to the cent:
    an account only in today's snapshot was opened today, one only in yesterday's was closed,
    and one with transactions but no valid row today (quarantined) cannot be reconciled.
    `previous` is None on the first day on record, when no account can be reconciled.
    `transactions` may be a scan: the day is aggregated as it streams, never held whole."""
    first_day = previous is None
    previous = current.clear() if first_day else previous
    flows = (
        transactions.lazy()
        .group_by("account_id")
        .agg(
            pl.col("amount").filter(pl.col("amount") > 0).sum().cast(TOTAL).alias("credits"),
            (-pl.col("amount").filter(pl.col("amount") < 0).sum()).cast(TOTAL).alias("debits"),
            pl.len().cast(pl.Int64).alias("transactions"),
        )
        .collect(engine="streaming")
    )
    opening = previous.select("account_id", pl.col("balance").cast(TOTAL).alias("opening_balance"))
    closing = current.select("account_id", "account_type", pl.col("balance").cast(TOTAL).alias("closing_balance"))
    ledger = (
        opening.join(closing, on="account_id", how="full", coalesce=True)
        .join(flows, on="account_id", how="full", coalesce=True)
        .with_columns(
            pl.col("credits", "debits").fill_null(pl.lit(0).cast(TOTAL)),
            pl.col("transactions").fill_null(0),
        )
        .with_columns(expected_closing=(pl.col("opening_balance").fill_null(pl.lit(0).cast(TOTAL)) + pl.col("credits") - pl.col("debits")).cast(TOTAL))
    )
    status = (
        pl.when(pl.lit(first_day)).then(pl.lit(NO_PREVIOUS_SNAPSHOT))
        .when(pl.col("closing_balance").is_null() & pl.col("opening_balance").is_not_null() & (pl.col("transactions") == 0)).then(pl.lit(CLOSED))
        .when(pl.col("closing_balance").is_null()).then(pl.lit(NO_SNAPSHOT_ROW))
        .when(pl.col("expected_closing") != pl.col("closing_balance")).then(pl.lit(BREAK))
        .when(pl.col("opening_balance").is_null()).then(pl.lit(OPENED))
        .otherwise(pl.lit(RECONCILED))
    )
    return ledger.select(
        pl.lit(day).alias("date"), "account_id", "account_type", "opening_balance", "credits", "debits", "transactions",
        "expected_closing", "closing_balance", (pl.col("closing_balance") - pl.col("expected_closing")).cast(TOTAL).alias("difference"),
        status.alias("status"),
    ).sort("account_id")


def daily_summary(day: date, transactions: pl.LazyFrame | pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Count, credits, debits, volume (Σ |amount|) and average per account type and channel.
    Amounts only; no account or customer identifiers, so it is safe for wide reporting.
    `transactions` may be a scan, aggregated as it streams."""
    typed = transactions.lazy().join(accounts.lazy().select("account_id", "account_type"), on="account_id", how="left")
    return (
        typed.with_columns(pl.col("account_type").fill_null("unknown"))
        .group_by("account_type", "channel")
        .agg(
            pl.len().cast(pl.Int64).alias("transactions"),
            pl.col("amount").filter(pl.col("amount") > 0).sum().cast(TOTAL).alias("credits"),
            (-pl.col("amount").filter(pl.col("amount") < 0).sum()).cast(TOTAL).alias("debits"),
            pl.col("amount").abs().sum().cast(TOTAL).alias("volume"),
        )
        .with_columns(average=(pl.col("volume") / pl.col("transactions")).round(2).cast(TOTAL))
        .select(pl.lit(day).alias("date"), pl.all())
        .sort("account_type", "channel")
        .collect(engine="streaming")
    )

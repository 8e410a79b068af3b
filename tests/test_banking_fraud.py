"""Fraud rules, with the window edges DOMAIN.md §3.3 leaves to us: > 20 transactions or
> 10,000 spent in (t - 10 min, t]."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest

from assets.banking import fraud

DAY = date(2024, 10, 1)
NOON = datetime(2024, 10, 1, 12, tzinfo=UTC)
NO_HISTORY = pl.DataFrame(schema={"account_id": pl.String, "merchant_id": pl.String})


def txns(*rows) -> pl.DataFrame:
    """rows: (account, seconds after noon, amount, merchant or None)."""
    return pl.DataFrame(
        [
            {"transaction_id": f"t{i:04d}", "account_id": a, "timestamp": NOON + timedelta(seconds=s), "amount": Decimal(str(amt)),
             "type": "card_purchase", "channel": "pos", "merchant_id": m}
            for i, (a, s, amt, m) in enumerate(rows)
        ],
        schema_overrides={"amount": pl.Decimal(12, 2), "timestamp": pl.Datetime("us", "UTC"), "merchant_id": pl.String},
    )


def alerts(frame, history=NO_HISTORY):
    return fraud.fraud_alerts(DAY, frame, history)


def burst(n: int, span_seconds: float, amount=-5) -> list:
    step = span_seconds / (n - 1)
    return [("A", i * step, amount, "M1") for i in range(n)]


def test_exactly_20_in_10_minutes_is_not_a_burst_but_21_is():
    assert alerts(txns(*burst(20, 60))).is_empty()
    out = alerts(txns(*burst(21, 60)))
    assert out.height == 21 and out.get_column("rules").to_list() == [[fraud.HIGH_FREQUENCY]] * 21


def test_21_spread_over_exactly_10_minutes_is_not_a_burst():
    assert alerts(txns(*burst(21, 600))).is_empty()  # first and last are exactly 10 minutes apart
    assert alerts(txns(*burst(21, 599))).height == 21


def test_only_the_transactions_inside_a_bad_window_are_flagged():
    calm_before = [("A", -3600, -5, "M1")]
    out = alerts(txns(*calm_before, *burst(21, 60)))
    assert out.height == 21 and "t0000" not in out.get_column("transaction_id").to_list()


def test_high_spend_edges():
    ten_thousand = [("A", i * 30, -1000, "M1") for i in range(10)]
    assert alerts(txns(*ten_thousand)).is_empty()  # exactly 10,000 is not more
    over = alerts(txns(*ten_thousand, ("A", 300, -0.01, "M1")))
    assert over.height == 11 and set(over.get_column("rules").explode().to_list()) == {fraud.HIGH_SPEND}
    apart = alerts(txns(("A", 0, -6000, "M1"), ("A", 600, -6000, "M1")))  # 10 minutes apart: two windows
    assert [set(r) for r in apart.get_column("rules").to_list()] == [{fraud.HIGH_VALUE}] * 2
    assert alerts(txns(("A", 0, 6000, None), ("A", 60, 6000, None))).get_column("rules").to_list() == [[fraud.HIGH_VALUE]] * 2  # credits are not spend


def test_windows_are_per_account():
    mixed = [("A" if i % 2 else "B", i, -5, "M1") for i in range(40)]  # 20 each
    assert alerts(txns(*mixed)).is_empty()


@pytest.mark.parametrize("amount, flagged", [(1000, False), (-1000, False), (1000.01, True), (-1000.01, True)])
def test_high_value_is_strictly_over_1000(amount, flagged):
    assert alerts(txns(("A", 0, amount, "M1"))).height == int(flagged)


def test_night_rule_needs_a_new_merchant_between_midnight_and_six():
    night = -12 * 3600 + 3 * 3600  # 03:00
    assert alerts(txns(("A", night, -5, "M9"))).get_column("rules").to_list() == [[fraud.NIGHT_NEW_MERCHANT]]
    seen = pl.DataFrame({"account_id": ["A"], "merchant_id": ["M9"]})
    assert alerts(txns(("A", night, -5, "M9")), seen).is_empty()
    assert alerts(txns(("A", -6 * 3600, -5, "M9"))).is_empty()  # 06:00 is day
    twice = alerts(txns(("A", night, -5, "M9"), ("A", night + 60, -5, "M9")))
    assert twice.get_column("transaction_id").to_list() == ["t0000"]  # the second visit is not new


def test_scores_add_up_cap_at_100_and_map_to_severity():
    out = alerts(txns(*[("A", i, -600, "M1") for i in range(21)]))  # burst + spend 12,600
    assert set(out.get_column("score").to_list()) == {100} and set(out.get_column("severity").to_list()) == {"HIGH"}
    assert alerts(txns(("A", 0, -1500, "M1"))).select("score", "severity").row(0) == (40, "LOW")
    frequent = alerts(txns(*burst(21, 60)))
    assert frequent.select("score", "severity").unique().rows() == [(60, "MEDIUM")]


def test_bucketing_by_account_changes_nothing_but_memory():
    """Many accounts, each with a burst, a night purchase or a large amount; windowed a few
    rows at a time, the alerts are exactly those of the whole day at once."""
    rows = []
    for n in range(40):
        account = f"{n:012d}"
        rows += [(account, i * 10 + n, -5, "M1") for i in range(21 if n % 3 == 0 else 3)]  # a burst for every third account
        rows += [(account, -11 * 3600 - n, -20, f"M{n % 4}")]  # 01:00: night, at a merchant new to some accounts
        rows += [(account, 3600 + n, 2000 if n % 5 == 0 else 50, None)]
    frame = txns(*rows)
    history = pl.DataFrame({"account_id": [f"{n:012d}" for n in range(0, 40, 2)], "merchant_id": [f"M{n % 4}" for n in range(0, 40, 2)]})
    whole = fraud.fraud_alerts(DAY, frame, history)
    bucketed = fraud.fraud_alerts_by_account_bucket(DAY, frame.lazy(), history, rows_per_bucket=50)
    assert whole.height > 100 and set(whole.get_column("rules").explode()) == {fraud.HIGH_FREQUENCY, fraud.NIGHT_NEW_MERCHANT, fraud.HIGH_VALUE}
    assert bucketed.equals(whole)

"""PD, LGD, expected loss, staging, risk weights, capital ratios and the daily ledger."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from assets.banking import ledger, risk
from assets.common.identifiers import is_valid_luhn, luhn_check_digit

DAY = date(2024, 10, 31)
D = pl.Decimal(14, 2)


def test_luhn():
    assert luhn_check_digit("7992739871") == 3 and is_valid_luhn("79927398713") and not is_valid_luhn("79927398710")
    from assets.banking.cleaning import valid_luhn

    ids = pl.DataFrame({"a": ["000000000018", "000000000017", "12345678901X", "1234"]})
    assert ids.select(valid_luhn("a")).to_series().to_list() == [True, False, False, False]
    assert is_valid_luhn("000000000018")


def loans(*rows) -> pl.DataFrame:
    """rows: (loan_id, customer, product, outstanding, collateral, days_past_due)."""
    frame = pl.DataFrame(rows, schema=["loan_id", "customer_id", "product", "outstanding_balance", "collateral_value", "days_past_due"], orient="row")
    return frame.with_columns(pl.col("outstanding_balance", "collateral_value").cast(D))


SCORES = pl.DataFrame({"customer_id": ["c1", "c1", "c2"], "score": [760, 740, 610]})


def test_pd_lgd_el_and_stage():
    book = loans(
        ("L1", "c1", "mortgage", Decimal("100000.00"), Decimal("200000.00"), 0),  # score 750 -> 0.5%, fully secured
        ("L2", "c2", "personal", Decimal("10000.00"), Decimal("0.00"), 45),  # 610 -> 5% x4 stage 2, unsecured
        ("L3", "c3", "auto", Decimal("20000.00"), Decimal("10000.00"), 120),  # unscored, defaulted
    )
    out = risk.loan_risk(DAY, book, SCORES, unemployment_rate=5.0)  # macro factor 1.25
    rows = {r["loan_id"]: r for r in out.iter_rows(named=True)}
    assert rows["L1"]["score_band"] == "excellent" and rows["L1"]["stage"] == 1
    assert rows["L1"]["pd"] == pytest.approx(0.005 * 1.25) and rows["L1"]["lgd"] == pytest.approx(0.10)
    assert rows["L1"]["expected_loss"] == Decimal("62.50")
    assert rows["L2"]["stage"] == 2 and rows["L2"]["pd"] == pytest.approx(0.05 * 4 * 1.25) and rows["L2"]["lgd"] == pytest.approx(0.75)
    assert rows["L2"]["expected_loss"] == Decimal("1875.00")
    assert rows["L3"]["stage"] == 3 and rows["L3"]["pd"] == 1.0
    assert rows["L3"]["lgd"] == pytest.approx(0.75 * (1 - 8000 / 20000)) and rows["L3"]["expected_loss"] == Decimal("9000.00")
    assert [rows[k]["risk_weight"] for k in ("L1", "L2", "L3")] == [0.35, 0.75, 1.50]
    assert [rows[k]["rwa"] for k in ("L1", "L2", "L3")] == [Decimal("35000.00"), Decimal("7500.00"), Decimal("30000.00")]


def test_pd_is_capped_and_stage_edges():
    edge = loans(*[(f"L{d}", "c2", "sme", Decimal("1.00"), Decimal("0.00"), d) for d in (29, 30, 89, 90, 91)])
    out = risk.loan_risk(DAY, edge, SCORES, unemployment_rate=40.0)
    assert out.get_column("stage").to_list() == [1, 2, 2, 3, 3]
    assert out.get_column("pd").max() == 1.0
    assert out.get_column("risk_weight").to_list() == [1.0, 1.0, 1.0, 1.0, 1.5]  # 150% only for more than 90 days


def test_capital_adequacy_sums_its_parts_and_flags_minimums():
    book = risk.loan_risk(DAY, loans(
        ("L1", "c1", "mortgage", Decimal("100000.00"), Decimal("200000.00"), 0),
        ("L2", "c2", "sme", Decimal("50000.00"), Decimal("0.00"), 0),
        ("L3", "c2", "auto", Decimal("10000.00"), Decimal("0.00"), 95),
    ), SCORES, None)
    row = risk.capital_adequacy(date(2024, 10, 1), book, risk.Capital(cet1=5_000, additional_tier1=1_000, tier2=2_000)).row(0, named=True)
    assert row["rwa_mortgage"] == Decimal("35000.00") and row["rwa_sme"] == Decimal("50000.00") and row["rwa_past_due"] == Decimal("15000.00")
    assert row["rwa_total"] == row["rwa_mortgage"] + row["rwa_auto"] + row["rwa_personal"] + row["rwa_sme"] + row["rwa_past_due"] == Decimal("100000.00")
    assert (row["cet1_ratio"], row["tier1_ratio"], row["total_ratio"]) == (0.05, 0.06, 0.08)
    assert row["cet1_below_minimum"] is False and row["tier1_below_minimum"] is False and row["total_below_minimum"] is False
    assert row["conservation_buffer_breached"] is True  # 5% < 4.5% + 2.5%


def snapshot(*rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["account_id", "account_type", "balance"], orient="row").with_columns(pl.col("balance").cast(D))


def test_ledger_reconciles_and_reports_breaks_openings_and_closures():
    previous = snapshot(("A", "checking", Decimal("100.00")), ("B", "savings", Decimal("50.00")), ("C", "checking", Decimal("10.00")))
    current = snapshot(("A", "checking", Decimal("70.01")), ("B", "savings", Decimal("60.00")), ("N", "savings", Decimal("5.00")))
    flows = pl.DataFrame({"account_id": ["A", "A", "B", "N"], "amount": ["-30.00", "0.01", "10.00", "5.00"]}).with_columns(pl.col("amount").cast(pl.Decimal(12, 2)))
    out = ledger.account_daily(DAY, previous, current, flows)
    rows = {r["account_id"]: r for r in out.iter_rows(named=True)}
    assert rows["A"]["status"] == ledger.RECONCILED and rows["A"]["credits"] == Decimal("0.01") and rows["A"]["debits"] == Decimal("30.00")
    assert rows["B"]["status"] == ledger.RECONCILED and rows["N"]["status"] == ledger.OPENED and rows["C"]["status"] == ledger.CLOSED
    broken = ledger.account_daily(DAY, previous, current.with_columns(pl.when(pl.col("account_id") == "B").then(pl.col("balance") + Decimal("0.01")).otherwise(pl.col("balance")).alias("balance")), flows)
    assert broken.filter(pl.col("status") == ledger.BREAK).select("account_id", "difference").rows() == [("B", Decimal("0.01"))]


def test_the_first_day_on_record_reconciles_nothing_and_breaks_nothing():
    current = snapshot(("A", "checking", Decimal("70.00")))
    flows = pl.DataFrame({"account_id": ["A"], "amount": ["-30.00"]}).with_columns(pl.col("amount").cast(pl.Decimal(12, 2)))
    out = ledger.account_daily(DAY, None, current, flows)
    assert out.get_column("status").to_list() == [ledger.NO_PREVIOUS_SNAPSHOT]

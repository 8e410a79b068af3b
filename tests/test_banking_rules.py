"""Every banking rejection rule (DOMAIN.md §3.2, §5), the balance sign conventions and PII masking."""

from datetime import UTC, date, datetime

import polars as pl
import pytest

from assets.banking import cleaning
from assets.banking.sources import ACCOUNTS, CUSTOMERS, TRANSACTIONS
from assets.common.pii import Tokenizer
from assets.common.screening import REJECT_REASONS

DAY = date(2024, 10, 1)
NOW = datetime(2024, 10, 5, tzinfo=UTC)
ACCOUNT = "000000000018"  # valid Luhn
OTHER = "000000000026"  # valid Luhn, not in the snapshot
TOKENS = Tokenizer(b"unit-test-key-0123456789")


def bronze(source, *rows: dict) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows), schema={c: pl.String for c in source.columns})
    return frame.with_columns(
        _source_key=pl.lit(f"landing/banking/{source.name}/dt=2024-10-01/part-0000.csv"),
        _source_line=pl.int_range(2, len(rows) + 2),
        _ingested_at=pl.lit(NOW),
        _raw_line=pl.lit(None, pl.String),
    )


def txn(n: int = 1, **overrides) -> dict:
    return {
        "transaction_id": f"T{n:08d}", "account_id": ACCOUNT, "timestamp": "2024-10-01T10:00:00Z", "amount": "-12.50",
        "currency": "USD", "type": "card_purchase", "channel": "pos", "merchant_id": "M000001", "merchant_category": "5411",
        "counterparty_account": None, "description": "groceries",
    } | overrides


def reasons(**overrides) -> list[str]:
    out = cleaning.screen_transactions(bronze(TRANSACTIONS, txn(**overrides)), pl.Series([ACCOUNT]), DAY, NOW)
    return out.quarantined.get_column(REJECT_REASONS).to_list()[0] if out.quarantined.height else []


def test_clean_transaction_passes():
    assert reasons() == []


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"account_id": None}, ["missing_required_field", "invalid_account_id"]),
        ({"account_id": "000000000017"}, ["invalid_account_id"]),
        ({"account_id": "12345"}, ["invalid_account_id"]),
        ({"account_id": OTHER}, ["unknown_account"]),
        ({"timestamp": "2099-01-01T00:00:00Z"}, ["future_timestamp", "timestamp_outside_partition"]),
        ({"timestamp": "2024-09-30T23:59:59Z"}, ["timestamp_outside_partition"]),
        ({"timestamp": "2024-10-01T25:00:00Z"}, ["invalid_timestamp"]),
        ({"amount": "0.00"}, ["zero_amount"]),
        ({"amount": "-0"}, ["zero_amount"]),
        ({"amount": "1000000.01"}, ["amount_out_of_range"]),
        ({"amount": "-1000000.01"}, ["amount_out_of_range"]),
        ({"amount": "NaN"}, ["invalid_amount"]),
        ({"amount": "12.345"}, ["invalid_amount"]),
        ({"currency": "usd"}, ["invalid_currency"]),
        ({"currency": "XXX"}, ["invalid_currency"]),
        ({"currency": "XAU"}, ["invalid_currency"]),
        ({"currency": "XTS"}, ["invalid_currency"]),
        ({"type": "bitcoin"}, ["invalid_type"]),
        ({"channel": "pigeon"}, ["invalid_channel"]),
        ({"merchant_id": None}, ["card_purchase_without_merchant"]),
        ({"merchant_category": "54"}, ["invalid_merchant_category"]),
    ],
)
def test_transaction_rules(overrides, expected):
    assert reasons(**overrides) == expected


def test_amount_of_exactly_a_million_and_a_transfer_without_merchant_are_valid():
    assert reasons(amount="1000000.00") == []
    assert reasons(type="transfer_in", merchant_id=None, merchant_category=None, amount="50.00") == []


def test_descriptions_are_scrubbed_of_pii_but_keep_hostile_text_as_data():
    text = 'paid jane@example.com, ssn 123-45-6789, card 4111 1111 1111 1111, call (555) 123-4567; =SUM(A1) "quoted"'
    out = cleaning.screen_transactions(bronze(TRANSACTIONS, txn(description=text)), pl.Series([ACCOUNT]), DAY, NOW)
    scrubbed = out.valid.collect().get_column("description").item()
    assert scrubbed == 'paid [email], ssn [ssn], card [card], call [phone]; =SUM(A1) "quoted"'


@pytest.mark.parametrize("ssn", ["123-45-6789", "123 45 6789", "123.45.6789"])
def test_an_ssn_is_scrubbed_whatever_separates_its_groups(ssn):
    out = cleaning.screen_transactions(bronze(TRANSACTIONS, txn(description=f"my ssn is {ssn} ok")), pl.Series([ACCOUNT]), DAY, NOW)
    assert out.valid.collect().get_column("description").item() == "my ssn is [ssn] ok"


def account(**overrides) -> dict:
    return {"account_id": ACCOUNT, "customer_id": "C1", "account_type": "checking", "status": "open", "open_date": "2020-01-01",
            "currency": "USD", "interest_rate": "0.0425", "credit_limit": "500.00", "balance": "-500.00"} | overrides


@pytest.mark.parametrize(
    "overrides, ok",
    [
        ({}, True),  # an overdraft down to the limit
        ({"balance": "-500.01"}, False),
        ({"account_type": "credit_card", "balance": "-500.00"}, True),
        ({"account_type": "savings", "balance": "-0.01"}, False),
        ({"account_type": "savings", "balance": "0.00"}, True),
        ({"account_type": "loan", "balance": "-90000.00"}, True),
        ({"account_type": "loan", "balance": "0.01"}, False),
    ],
)
def test_balance_sign_conventions(overrides, ok):
    out = cleaning.screen_accounts(bronze(ACCOUNTS, account(**overrides)), DAY)
    assert (out.valid.collect().height == 1) is ok
    if not ok:
        assert out.quarantined.get_column(REJECT_REASONS).to_list() == [["balance_out_of_range"]]


def test_kyc_customers_leave_no_clear_pii():
    row = {"customer_id": "C1", "first_name": "Ana", "last_name": "Silva", "ssn": "123-45-6789", "date_of_birth": "1980-05-17",
           "email": "ana.silva@example.com", "phone": "555-867-5309", "street": "1 Main St", "city": "Austin", "state": "TX",
           "zip": "73301", "annual_income": "85000.00", "employment_status": "employed", "kyc_status": "verified"}
    out = cleaning.screen_customers(bronze(CUSTOMERS, row), DAY, TOKENS)
    silver = out.valid.collect().row(0, named=True)
    assert silver["ssn_masked"] == "***-**-6789" and silver["birth_year"] == 1980 and silver["ssn_token"] == TOKENS.token("123456789")
    text = " ".join(map(str, silver.values()))
    for clear in ("Ana", "Silva", "123-45-6789", "1980-05-17", "ana.silva@", "867-5309", "Main St"):
        assert clear not in text
    rejected = cleaning.screen_customers(bronze(CUSTOMERS, row | {"ssn": "12-3"}), DAY, TOKENS).quarantined.row(0, named=True)
    assert rejected["first_name"] is None and rejected["street"] is None and rejected["date_of_birth"] == "1980"
    assert "ana.silva" not in rejected["email"]


def one(source, screen_fn, row: dict) -> list[str]:
    out = screen_fn(bronze(source, row), DAY)
    return out.quarantined.get_column(REJECT_REASONS).to_list()[0] if out.quarantined.height else []


LOAN = {"loan_id": "L1", "customer_id": "C1", "account_id": ACCOUNT, "product": "mortgage", "principal": "200000.00",
        "outstanding_balance": "150000.00", "interest_rate": "0.0525", "origination_date": "2020-01-01", "maturity_date": "2050-01-01",
        "collateral_value": "300000.00", "status": "current", "days_past_due": "0"}
PAYMENT = {"payment_id": "P1", "loan_id": "L1", "due_date": "2024-10-01", "paid_date": "2024-10-01", "amount_due": "900.00", "amount_paid": "900.00"}
SCORE = {"customer_id": "C1", "bureau": "experian", "score": "720", "report_date": "2024-10-01", "delinquencies_24m": "0",
         "credit_utilization": "0.31", "inquiries_6m": "1"}
INDICATOR = {"date": "2024-09-01", "series_id": "UNRATE", "value": "4.1"}


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, []),
        ({"account_id": "000000000017"}, ["invalid_account_id"]),
        ({"product": "boat"}, ["invalid_product"]),
        ({"status": "lost"}, ["invalid_status"]),
        ({"principal": "0.00"}, ["principal_out_of_range"]),
        ({"outstanding_balance": "-1.00"}, ["outstanding_balance_out_of_range"]),
        ({"collateral_value": "x"}, ["invalid_collateral_value"]),
        ({"interest_rate": "1.5"}, ["interest_rate_out_of_range"]),
        ({"maturity_date": "2019-01-01"}, ["maturity_before_origination"]),
        ({"origination_date": "2020-02-30"}, ["invalid_origination_date"]),
        ({"days_past_due": "-3"}, ["days_past_due_out_of_range"]),
        ({"days_past_due": "ten"}, ["invalid_days_past_due"]),
        ({"loan_id": None}, ["missing_required_field"]),
    ],
)
def test_loan_rules(overrides, expected):
    from assets.banking.sources import LOANS

    assert one(LOANS, cleaning.screen_loans, LOAN | overrides) == expected


@pytest.mark.parametrize(
    "overrides, expected",
    [({}, []), ({"amount_paid": "-1.00"}, ["amount_paid_out_of_range"]), ({"due_date": "soon"}, ["invalid_due_date"]),
     ({"amount_due": "1,000"}, ["invalid_amount_due"]), ({"loan_id": "L2"}, ["unknown_loan"]),
     ({"loan_id": None}, ["missing_required_field"])],
)
def test_payment_rules(overrides, expected):
    from assets.banking.sources import LOAN_PAYMENTS

    def screen(frame, day):
        return cleaning.screen_loan_payments(frame, pl.Series(["L1"]), day)

    assert one(LOAN_PAYMENTS, screen, PAYMENT | overrides) == expected


@pytest.mark.parametrize(
    "overrides, expected",
    [({}, []), ({"score": "299"}, ["score_out_of_range"]), ({"score": "851"}, ["score_out_of_range"]), ({"score": "300"}, []),
     ({"bureau": "acme"}, ["invalid_bureau"]), ({"credit_utilization": "1.2"}, ["credit_utilization_out_of_range"]),
     ({"credit_utilization": "NaN"}, ["invalid_credit_utilization"]), ({"inquiries_6m": "-1"}, ["inquiries_6m_out_of_range"])],
)
def test_bureau_score_rules(overrides, expected):
    from assets.banking.sources import BUREAU_SCORES

    assert one(BUREAU_SCORES, cleaning.screen_bureau_scores, SCORE | overrides) == expected


@pytest.mark.parametrize(
    "overrides, expected",
    [({}, []), ({"series_id": "BITCOIN"}, ["invalid_series_id"]), ({"value": "inf"}, ["invalid_value"]), ({"date": "2024-13-01"}, ["invalid_date"])],
)
def test_indicator_rules(overrides, expected):
    from assets.banking.sources import ECONOMIC_INDICATORS

    assert one(ECONOMIC_INDICATORS, cleaning.screen_economic_indicators, INDICATOR | overrides) == expected

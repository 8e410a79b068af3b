"""A rejected row lists every rule it breaks (DOMAIN.md §5), also where one rule used to hide another.

Two shapes hid a rule behind another:
- a number too long for its type (`1e30`, twenty digits) failed the parse, and the range rule, which
  judged the parsed value, never ran: every range rule now judges the delivered number's magnitude;
- an empty required value was only `missing_required_field`: its value rule (`invalid_currency`,
  `invalid_account_id`, ...) now judges the empty value too.

Each table row names a column of a source, a delivered value, and every reason it must carry.
"""

from __future__ import annotations

import polars as pl
import pytest

from assets.banking import cleaning as banking
from assets.banking.sources import ACCOUNTS, BUREAU_SCORES, CUSTOMERS, LOAN_PAYMENTS, LOANS
from assets.retail import cleaning as retail
from assets.retail.sources import CUSTOMERS as RETAIL_CUSTOMERS
from assets.retail.sources import PRODUCTS, STORES
from tests import test_banking_rules as b
from tests import test_retail_reference_rules as rr
from tests import test_retail_rules as r

HUGE = "9" * 40 + ".00"
KYC = {"customer_id": "C1", "first_name": "Ana", "last_name": "Silva", "ssn": "123-45-6789", "date_of_birth": "1980-05-17",
       "email": "ana@example.com", "phone": "555-867-5309", "street": "1 Main St", "city": "Austin", "state": "TX",
       "zip": "73301", "annual_income": "85000.00", "employment_status": "employed", "kyc_status": "verified"}
ACCOUNT = b.account()


def pos(**overrides) -> list[str]:
    return r.reasons_of(**overrides)


def txn(**overrides) -> list[str]:
    return b.reasons(**overrides)


def banking_row(source, screen, base):
    def reasons(**overrides) -> list[str]:
        return b.one(source, screen, base | overrides)

    return reasons


def retail_row(source, screen, base):
    def reasons(**overrides) -> list[str]:
        out = reasons_of_snapshot(source, screen, base | overrides)
        return out[0] if out else []

    return reasons


def reasons_of_snapshot(source, screen, row):
    if source is RETAIL_CUSTOMERS:
        return rr.reasons(screen(rr.bronze(source, row), rr.DAY, rr.TOKENS))
    return rr.reasons(screen(rr.bronze(source, row), rr.DAY))


accounts = banking_row(ACCOUNTS, banking.screen_accounts, ACCOUNT)
loans = banking_row(LOANS, banking.screen_loans, b.LOAN)
payments = banking_row(LOAN_PAYMENTS, lambda frame, day: banking.screen_loan_payments(frame, pl.Series(["L1"]), day), b.PAYMENT)
scores = banking_row(BUREAU_SCORES, banking.screen_bureau_scores, b.SCORE)
kyc = banking_row(CUSTOMERS, lambda frame, day: banking.screen_customers(frame, day, b.TOKENS), KYC)
products = retail_row(PRODUCTS, retail.screen_products, rr.product())
stores = retail_row(STORES, retail.screen_stores, rr.store())
customers = retail_row(RETAIL_CUSTOMERS, retail.screen_customers, rr.customer())

# (where, column, value, every reason the row must carry)
TOO_LONG_FOR_ITS_TYPE = [
    (pos, "price", "1e30", {"invalid_price", "price_out_of_range"}),
    (pos, "price", "-1e30", {"invalid_price", "non_positive_price"}),
    (pos, "price", "1" + "0" * 30 + ".00", {"invalid_price", "price_out_of_range"}),
    (pos, "quantity", "9" * 20, {"invalid_quantity", "quantity_out_of_range"}),
    (pos, "quantity", "-" + "9" * 20, {"invalid_quantity", "quantity_out_of_range"}),
    (pos, "quantity", "0.0", {"invalid_quantity", "zero_quantity"}),
    (pos, "line_no", "-" + "9" * 20, {"invalid_line_no"}),
    (txn, "amount", "-" + HUGE, {"invalid_amount", "amount_out_of_range"}),
    (txn, "amount", "0.000", {"invalid_amount", "zero_amount"}),
    (accounts, "balance", "-" + HUGE, {"invalid_balance", "balance_out_of_range"}),
    (accounts, "credit_limit", "-" + HUGE, {"invalid_credit_limit", "credit_limit_out_of_range", "balance_out_of_range"}),
    (accounts, "interest_rate", "1e9", {"invalid_interest_rate", "interest_rate_out_of_range"}),
    (loans, "principal", "-" + HUGE, {"invalid_principal", "principal_out_of_range"}),
    (loans, "outstanding_balance", "-" + HUGE, {"invalid_outstanding_balance", "outstanding_balance_out_of_range"}),
    (loans, "collateral_value", "-" + HUGE, {"invalid_collateral_value", "collateral_value_out_of_range"}),
    (loans, "interest_rate", "-1e9", {"invalid_interest_rate", "interest_rate_out_of_range"}),
    (loans, "days_past_due", "-" + "9" * 20, {"invalid_days_past_due", "days_past_due_out_of_range"}),
    (payments, "amount_due", "-" + HUGE, {"invalid_amount_due", "amount_due_out_of_range"}),
    (payments, "amount_paid", "-1e30", {"invalid_amount_paid", "amount_paid_out_of_range"}),
    (scores, "score", "9" * 20, {"invalid_score", "score_out_of_range"}),
    (scores, "score", "712.5e3", {"invalid_score", "score_out_of_range"}),
    (scores, "delinquencies_24m", "-" + "9" * 20, {"invalid_delinquencies_24m", "delinquencies_24m_out_of_range"}),
    (scores, "inquiries_6m", "-" + "9" * 20, {"invalid_inquiries_6m", "inquiries_6m_out_of_range"}),
    (kyc, "annual_income", "-" + HUGE, {"invalid_annual_income", "annual_income_out_of_range"}),
    (products, "cost", "-" + HUGE, {"invalid_cost", "negative_cost"}),
    (products, "list_price", "-1e30", {"invalid_list_price", "non_positive_price"}),
]

# A required value delivered empty breaks its value rule as well as missing_required_field.
EMPTY_REQUIRED_VALUE = [
    (txn, "currency", {"invalid_currency"}),
    (txn, "account_id", {"invalid_account_id"}),
    (txn, "type", {"invalid_type"}),
    (txn, "channel", {"invalid_channel"}),
    (txn, "amount", {"invalid_amount"}),
    (txn, "timestamp", {"invalid_timestamp"}),
    (accounts, "currency", {"invalid_currency"}),
    (accounts, "account_id", {"invalid_account_id"}),
    (accounts, "account_type", {"invalid_account_type"}),
    (accounts, "status", {"invalid_status"}),
    (accounts, "open_date", {"invalid_open_date"}),
    (accounts, "balance", {"invalid_balance"}),
    (loans, "product", {"invalid_product"}),
    (loans, "maturity_date", {"invalid_maturity_date"}),
    (payments, "due_date", {"invalid_due_date"}),
    (scores, "bureau", {"invalid_bureau"}),
    (scores, "score", {"invalid_score"}),
    (kyc, "ssn", {"invalid_ssn"}),
    (kyc, "email", {"invalid_email"}),
    (kyc, "phone", {"invalid_phone"}),
    (kyc, "date_of_birth", {"invalid_date_of_birth"}),
    (pos, "store_id", {"invalid_store_id"}),
    (pos, "product_barcode", {"invalid_barcode"}),
    (pos, "quantity", {"invalid_quantity"}),
    (pos, "price", {"invalid_price"}),
    (pos, "register_id", {"invalid_register_id"}),
    (pos, "cashier_id", {"invalid_cashier_id"}),
    (pos, "timestamp", {"invalid_timestamp"}),
    (products, "product_id", {"invalid_barcode"}),
    (products, "active", {"invalid_active"}),
    (stores, "region", {"invalid_region"}),
    (stores, "store_type", {"invalid_store_type"}),
    (customers, "customer_id", {"invalid_customer_id"}),
    (customers, "signup_date", {"invalid_signup_date"}),
]


def _id(where, column, value=None) -> str:
    return f"{where.__name__}-{column}" + ("" if value is None else f"-{value[:12]}")


@pytest.mark.parametrize("where, column, value, expected", TOO_LONG_FOR_ITS_TYPE, ids=[_id(w, c, v) for w, c, v, _ in TOO_LONG_FOR_ITS_TYPE])
def test_a_number_too_long_for_its_type_still_breaks_its_range(where, column, value, expected):
    assert set(where(**{column: value})) == expected


@pytest.mark.parametrize("where, column, expected", EMPTY_REQUIRED_VALUE, ids=[_id(w, c) for w, c, _ in EMPTY_REQUIRED_VALUE])
def test_an_empty_required_value_breaks_its_value_rule_too(where, column, expected):
    assert set(where(**{column: None})) == {"missing_required_field", *expected}


@pytest.mark.parametrize(
    "where, column",
    [(txn, "merchant_category"), (customers, "loyalty_card"), (products, "brand")],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_an_empty_optional_value_breaks_nothing(where, column):
    assert where(**{column: None}) == []


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf", "$4.99", "4,99", "text"])
def test_a_value_that_is_not_a_number_has_no_range_to_break(value):
    assert pos(price=value) == ["invalid_price"]

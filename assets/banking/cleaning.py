"""Banking silver: pure functions from bronze rows (text) to typed, validated, masked rows.

Each rejection rule of DOMAIN.md §3.2 / §5 is defined here, next to its expression.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import polars as pl

from assets.banking.sources import ACCOUNTS, BUREAU_SCORES, CUSTOMERS, ECONOMIC_INDICATORS, LOAN_PAYMENTS, LOANS, TRANSACTIONS
from assets.common import parsing
from assets.common.currencies import ISO_4217
from assets.common.pii import Tokenizer, digits, email_key, mask_email, mask_phone, mask_ssn
from assets.common.screening import (
    Rule,
    Screened,
    invalid_email,
    invalid_phone,
    json_container,
    magnitude,
    missing,
    missing_required,
    not_matching,
    not_one_of,
    out_of_range,
    raw,
    screen,
    timestamp_rules,
    unparseable,
    value_rule,
)

ACCOUNT_TYPES = ("checking", "savings", "credit_card", "loan")
ACCOUNT_STATUSES = ("open", "frozen", "closed")
TRANSACTION_TYPES = ("deposit", "withdrawal", "card_purchase", "transfer_in", "transfer_out", "fee", "interest", "loan_payment")
CHANNELS = ("atm", "pos", "online", "branch", "mobile")
LOAN_PRODUCTS = ("mortgage", "auto", "personal", "sme")
LOAN_STATUSES = ("current", "delinquent", "default", "paid_off")
BUREAUS = ("equifax", "experian", "transunion")
SERIES = ("FEDFUNDS", "UNRATE", "CPIAUCSL", "GDP")
MAX_AMOUNT = 1_000_000


def valid_luhn(column: str, length: int = 12) -> pl.Expr:
    """`length` digits whose last is the Luhn check digit: from the right, every second digit is
    doubled (minus 9 above 9) and the sum is a multiple of 10. Integer arithmetic on the number,
    not string slicing: at millions of rows it is ten times faster."""
    text = pl.col(column)
    number = text.cast(pl.Int64, strict=False)
    digits = [(number // 10**k) % 10 for k in range(length)]  # k = position from the right
    terms = [pl.when(d * 2 > 9).then(d * 2 - 9).otherwise(d * 2) if k % 2 == 1 else d for k, d in enumerate(digits)]
    return text.str.contains(rf"^\d{{{length}}}$") & (pl.sum_horizontal(terms) % 10 == 0)


def invalid_account_id() -> Rule:
    """Null, or not 12 digits with a valid Luhn check digit (DOMAIN.md §3.2 names null here too)."""
    return Rule("invalid_account_id", "account_id is empty, or not 12 digits with a valid Luhn check digit.", missing("account_id") | ~valid_luhn("account_id__raw"))


def invalid_currency() -> Rule:
    """Empty and lower-case codes are invalid too (DOMAIN.md §5)."""
    return Rule(
        "invalid_currency",
        "currency is not the upper-case ISO 4217 code of a real currency (empty, XXX, XTS and metals are not).",
        missing("currency") | ~raw("currency").is_in(sorted(ISO_4217)),
    )


# Free text may carry PII a customer typed in; silver keeps the text with those shapes replaced
# by a marker naming the kind, which is also how the scrubbed values are counted.
_SCRUBS = {
    "email": r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}",
    "ssn": r"\b\d{3}(?:-\d{2}-| \d{2} |\.\d{2}\.)\d{4}\b",  # 123-45-6789, 123 45 6789, 123.45.6789
    "card": r"\b(?:\d[ -]?){12,18}\d\b",
    "phone": r"(?:\+?1[ .-]?)?\(?\b\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}\b",
}


def scrub_free_text(column: str) -> pl.Expr:
    expr = pl.col(column)
    for kind, pattern in _SCRUBS.items():
        expr = expr.str.replace_all(pattern, f"[{kind}]")
    return expr.alias(column)


def scrubbed_values(column: str) -> dict[str, pl.Expr]:
    """How many values of scrubbed text carry a marker (`values`), and per kind of PII: aggregations
    over rows that went through `scrub_free_text`. They count values; what was scrubbed is gone."""
    any_marker = r"\[(?:" + "|".join(_SCRUBS) + r")\]"
    return {"values": pl.col(column).str.contains(any_marker).sum()} | {
        kind: pl.col(column).str.contains(f"[{kind}]", literal=True).sum() for kind in _SCRUBS
    }


# ---------------------------------------------------------------- transactions


def screen_transactions(bronze: pl.DataFrame, delivered_account_ids: pl.Series, day: date, now: datetime) -> Screened:
    """Validated against the account ids of the same day's snapshot as delivered: quarantining an
    account row does not cascade to its transactions (DOMAIN.md §5)."""
    optional = {"merchant_id", "merchant_category", "counterparty_account", "description"}
    rules = [
        missing_required(tuple(c for c in TRANSACTIONS.columns if c not in optional)),
        invalid_account_id(),
        Rule(
            "unknown_account",
            "A well-formed account id absent from the day's accounts snapshot.",
            valid_luhn("account_id__raw") & ~raw("account_id").is_in(delivered_account_ids.implode()),
        ),
        *timestamp_rules(day, now),
        unparseable("amount", "a decimal with at most 2 places"),
        value_rule("zero_amount", "amount", lambda a: a == 0, "amount is 0 (-0.00 included)."),
        out_of_range("amount", lambda a: a.abs() > MAX_AMOUNT, f"above {MAX_AMOUNT:,} in absolute value"),
        invalid_currency(),
        not_one_of("type", TRANSACTION_TYPES),
        not_one_of("channel", CHANNELS),
        Rule("card_purchase_without_merchant", "A card purchase with no merchant_id.", (raw("type") == "card_purchase") & missing("merchant_id")),
        not_matching("merchant_category", r"^\d{4}$", "a 4-digit MCC", optional=True),
    ]
    screened = screen(
        bronze,
        source_columns=TRANSACTIONS.columns,
        typed=[parsing.decimal("amount", 12, 2), parsing.timestamp_utc("timestamp")],
        key=["transaction_id"],
        rules=rules,
    )
    valid = screened.valid.select(
        "transaction_id", "account_id", "timestamp", pl.col("timestamp").dt.date().alias("transaction_date"), "amount",
        "currency", "type", "channel", "merchant_id", "merchant_category", "counterparty_account",
        scrub_free_text("description"), "_source_key", "_source_line",
    )
    return replace(screened, valid=valid, quarantined=screened.quarantined.with_columns(scrub_free_text("description"), _raw_line=_withheld()))


def _withheld() -> pl.Expr:
    return pl.when(pl.col("_raw_line").is_not_null()).then(pl.lit("<withheld: may contain PII>"))


# ---------------------------------------------------------------- accounts


def screen_accounts(bronze: pl.DataFrame, day: date) -> Screened:
    balance, limit, kind = magnitude("balance"), magnitude("credit_limit"), raw("account_type")
    allowed = (
        pl.when(kind.is_in(["checking", "credit_card"])).then(balance >= -limit)
        .when(kind == "savings").then(balance >= 0)
        .when(kind == "loan").then(balance <= 0)
        .otherwise(True)
    )
    rules = [
        missing_required(ACCOUNTS.columns),
        invalid_account_id(),
        not_one_of("account_type", ACCOUNT_TYPES),
        not_one_of("status", ACCOUNT_STATUSES),
        unparseable("open_date", "YYYY-MM-DD"),
        invalid_currency(),
        unparseable("interest_rate", "a decimal rate such as 0.0425"),
        out_of_range("interest_rate", lambda r: (r < 0) | (r > 1), "outside [0, 1]"),
        unparseable("credit_limit", "a decimal with at most 2 places"),
        out_of_range("credit_limit", lambda c: c < 0, "negative"),
        unparseable("balance", "a decimal with at most 2 places"),
        Rule(
            "balance_out_of_range",
            "Balance breaks its type's sign convention: checking and credit cards >= -credit_limit, savings >= 0, loans <= 0.",
            ~allowed.fill_null(True),
        ),
    ]
    typed = [
        parsing.iso_date("open_date"), parsing.decimal("interest_rate", 9, 6),
        parsing.decimal("credit_limit", 14, 2), parsing.decimal("balance", 14, 2),
    ]
    screened = screen(bronze, source_columns=ACCOUNTS.columns, typed=typed, key=["account_id"], rules=rules)
    return replace(screened, valid=screened.valid.select(*ACCOUNTS.columns, snapshot_date=pl.lit(day)))


# ---------------------------------------------------------------- customers (KYC)


def screen_customers(bronze: pl.DataFrame, day: date, tokenizer: Tokenizer) -> Screened:
    rules = [
        missing_required(CUSTOMERS.columns),
        not_matching("ssn", r"^\d{3}-?\d{2}-?\d{4}$", "NNN-NN-NNNN"),
        unparseable("date_of_birth", "YYYY-MM-DD"),
        Rule(  # a date has no magnitude to judge when it is not a date: its range needs the parsed value
            "date_of_birth_out_of_range", "date_of_birth is in the future or before 1900.",
            (pl.col("date_of_birth") > day) | (pl.col("date_of_birth").dt.year() < 1900),
        ),
        invalid_email(),
        invalid_phone(),
        unparseable("annual_income", "a decimal with at most 2 places"),
        out_of_range("annual_income", lambda i: i < 0, "negative"),
    ]
    screened = screen(
        bronze,
        source_columns=CUSTOMERS.columns,
        typed=[parsing.iso_date("date_of_birth"), parsing.decimal("annual_income", 14, 2)],
        key=["customer_id"],
        rules=rules,
    )
    valid = screened.valid.collect()  # a snapshot, bounded by the customer base: tokens need the values in hand
    masked = valid.lazy().select(
        "customer_id",
        ssn_token=tokenizer.tokens(valid.get_column("ssn"), key=digits),
        ssn_masked=mask_ssn("ssn"),
        birth_year=pl.col("date_of_birth").dt.year().cast(pl.Int32),
        email_token=tokenizer.tokens(valid.get_column("email"), key=email_key),
        email_masked=mask_email("email"),
        phone_token=tokenizer.tokens(valid.get_column("phone"), key=digits),
        phone_last4=mask_phone("phone"),
        city="city", state="state", zip="zip",
        annual_income="annual_income", employment_status="employment_status", kyc_status="kyc_status",
        snapshot_date=pl.lit(day),
    )
    rejected = screened.quarantined.with_columns(
        first_name=pl.lit(None, pl.String), last_name=pl.lit(None, pl.String), street=pl.lit(None, pl.String),
        ssn=mask_ssn("ssn"), date_of_birth=pl.col("date_of_birth").str.slice(0, 4), email=mask_email("email"), phone=mask_phone("phone"),
        _raw_line=_withheld(),
    )
    return replace(screened, valid=masked, quarantined=rejected)


# ---------------------------------------------------------------- loans, payments, scores, indicators


def screen_loans(bronze: pl.DataFrame, day: date) -> Screened:
    rules = [
        missing_required(LOANS.columns),
        invalid_account_id(),
        not_one_of("product", LOAN_PRODUCTS),
        not_one_of("status", LOAN_STATUSES),
        *(unparseable(c, "a decimal with at most 2 places") for c in ("principal", "outstanding_balance", "collateral_value")),
        out_of_range("principal", lambda p: p <= 0, "not positive"),
        out_of_range("outstanding_balance", lambda b: b < 0, "negative"),
        out_of_range("collateral_value", lambda c: c < 0, "negative"),
        unparseable("interest_rate", "a decimal rate such as 0.0425"),
        out_of_range("interest_rate", lambda r: (r < 0) | (r > 1), "outside [0, 1]"),
        unparseable("origination_date", "YYYY-MM-DD"),
        unparseable("maturity_date", "YYYY-MM-DD"),
        Rule("maturity_before_origination", "maturity_date is before origination_date.", pl.col("maturity_date") < pl.col("origination_date")),
        unparseable("days_past_due", "a whole number"),
        out_of_range("days_past_due", lambda d: d < 0, "negative"),
    ]
    typed = [
        parsing.decimal("principal", 14, 2), parsing.decimal("outstanding_balance", 14, 2), parsing.decimal("collateral_value", 14, 2),
        parsing.decimal("interest_rate", 9, 6), parsing.iso_date("origination_date"), parsing.iso_date("maturity_date"),
        parsing.integer("days_past_due"),
    ]
    screened = screen(bronze, source_columns=LOANS.columns, typed=typed, key=["loan_id"], rules=rules)
    return replace(screened, valid=screened.valid.select(*LOANS.columns, snapshot_date=pl.lit(day)))


def screen_loan_payments(bronze: pl.DataFrame, loan_ids: pl.Series, day: date) -> Screened:
    """Validated against the loan ids of the loans snapshot (the day's, or the latest before it) as
    delivered, as transactions are against the accounts snapshot (DOMAIN.md §3.2)."""
    rules = [
        missing_required(LOAN_PAYMENTS.columns),
        Rule("unknown_loan", "loan_id is not in the loans snapshot of the day (or the latest before it).", ~missing("loan_id") & ~raw("loan_id").is_in(loan_ids.implode())),
        unparseable("due_date", "YYYY-MM-DD"),
        unparseable("paid_date", "YYYY-MM-DD"),
        *(unparseable(c, "a decimal with at most 2 places") for c in ("amount_due", "amount_paid")),
        out_of_range("amount_due", lambda a: a < 0, "negative"),
        out_of_range("amount_paid", lambda a: a < 0, "negative"),
    ]
    typed = [parsing.iso_date("due_date"), parsing.iso_date("paid_date"), parsing.decimal("amount_due", 14, 2), parsing.decimal("amount_paid", 14, 2)]
    screened = screen(bronze, source_columns=LOAN_PAYMENTS.columns, typed=typed, key=["payment_id"], rules=rules)
    return replace(screened, valid=screened.valid.select(*LOAN_PAYMENTS.columns, snapshot_date=pl.lit(day)))


def screen_bureau_scores(bronze: pl.DataFrame, month: date) -> Screened:
    rules = [
        missing_required(BUREAU_SCORES.columns),
        json_container("customer_id"),
        not_one_of("bureau", BUREAUS),
        unparseable("score", "a whole number"),
        out_of_range("score", lambda s: (s < 300) | (s > 850), "outside 300-850"),
        unparseable("report_date", "YYYY-MM-DD"),
        unparseable("delinquencies_24m", "a whole number"),
        out_of_range("delinquencies_24m", lambda d: d < 0, "negative"),
        unparseable("credit_utilization", "a number"),
        out_of_range("credit_utilization", lambda u: (u < 0) | (u > 1), "outside [0, 1]"),
        unparseable("inquiries_6m", "a whole number"),
        out_of_range("inquiries_6m", lambda i: i < 0, "negative"),
    ]
    typed = [
        parsing.integer("score"), parsing.iso_date("report_date"), parsing.integer("delinquencies_24m"),
        parsing.number("credit_utilization"), parsing.integer("inquiries_6m"),
    ]
    screened = screen(bronze, source_columns=BUREAU_SCORES.columns, typed=typed, key=["customer_id", "bureau"], rules=rules)
    return replace(screened, valid=screened.valid.select(*BUREAU_SCORES.columns, month=pl.lit(month)))


def screen_economic_indicators(bronze: pl.DataFrame, day: date) -> Screened:
    rules = [
        missing_required(ECONOMIC_INDICATORS.columns),
        unparseable("date", "YYYY-MM-DD"),
        not_one_of("series_id", SERIES),
        unparseable("value", "a number"),
    ]
    typed = [parsing.iso_date("date"), parsing.number("value")]
    screened = screen(bronze, source_columns=ECONOMIC_INDICATORS.columns, typed=typed, key=["date", "series_id"], rules=rules)
    return replace(screened, valid=screened.valid.select(*ECONOMIC_INDICATORS.columns, snapshot_date=pl.lit(day)))

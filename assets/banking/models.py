"""pandera models: the contract each banking silver and gold dataset must satisfy (see assets/retail/models.py)."""

import pandera.polars as pa
import polars as pl

MONEY = pl.Decimal(14, 2)
AMOUNT = pl.Decimal(12, 2)
TOTAL = pl.Decimal(38, 2)
RATE = pl.Decimal(9, 6)
UTC = pl.Datetime("us", "UTC")
TOKEN = {"str_length": {"min_value": 32, "max_value": 32}}


class _Strict(pa.DataFrameModel):
    class Config:
        strict = True


class Account(_Strict):
    account_id: str = pa.Field(str_matches=r"^\d{12}$", unique=True)
    customer_id: str
    account_type: str = pa.Field(isin=["checking", "savings", "credit_card", "loan"])
    status: str = pa.Field(isin=["open", "frozen", "closed"])
    open_date: pl.Date
    currency: str = pa.Field(str_matches=r"^[A-Z]{3}$")
    interest_rate: RATE = pa.Field(ge=0, le=1)
    credit_limit: MONEY = pa.Field(ge=0)
    balance: MONEY
    snapshot_date: pl.Date


class Transaction(_Strict):
    transaction_id: str = pa.Field(unique=True)
    account_id: str = pa.Field(str_matches=r"^\d{12}$")
    timestamp: UTC
    transaction_date: pl.Date
    amount: AMOUNT = pa.Field(ne=0, ge=-1_000_000, le=1_000_000)
    currency: str = pa.Field(str_matches=r"^[A-Z]{3}$")
    type: str = pa.Field(isin=["deposit", "withdrawal", "card_purchase", "transfer_in", "transfer_out", "fee", "interest", "loan_payment"])
    channel: str = pa.Field(isin=["atm", "pos", "online", "branch", "mobile"])
    merchant_id: str = pa.Field(nullable=True)
    merchant_category: str = pa.Field(nullable=True, str_matches=r"^\d{4}$")
    counterparty_account: str = pa.Field(nullable=True)
    description: str = pa.Field(nullable=True)
    source_key: str = pa.Field(alias="_source_key")
    source_line: pl.Int64 = pa.Field(alias="_source_line")


class Customer(_Strict):
    """KYC customers, masked: no name, street, clear SSN, e-mail, phone or full birth date."""

    customer_id: str = pa.Field(unique=True)
    ssn_token: str = pa.Field(**TOKEN)
    ssn_masked: str = pa.Field(str_matches=r"^\*{3}-\*{2}-\d{4}$")
    birth_year: pl.Int32 = pa.Field(ge=1900)
    email_token: str = pa.Field(**TOKEN)
    email_masked: str = pa.Field(str_contains=r"\*{6}")
    phone_token: str = pa.Field(**TOKEN)
    phone_last4: str = pa.Field(str_matches=r"^\*{3}-\*{3}-\d{4}$")
    city: str
    state: str
    zip: str
    annual_income: MONEY = pa.Field(ge=0)
    employment_status: str
    kyc_status: str
    snapshot_date: pl.Date


class Loan(_Strict):
    loan_id: str = pa.Field(unique=True)
    customer_id: str
    account_id: str = pa.Field(str_matches=r"^\d{12}$")
    product: str = pa.Field(isin=["mortgage", "auto", "personal", "sme"])
    principal: MONEY = pa.Field(gt=0)
    outstanding_balance: MONEY = pa.Field(ge=0)
    interest_rate: RATE = pa.Field(ge=0, le=1)
    origination_date: pl.Date
    maturity_date: pl.Date
    collateral_value: MONEY = pa.Field(ge=0)
    status: str = pa.Field(isin=["current", "delinquent", "default", "paid_off"])
    days_past_due: pl.Int64 = pa.Field(ge=0)
    snapshot_date: pl.Date


class LoanPayment(_Strict):
    payment_id: str = pa.Field(unique=True)
    loan_id: str
    due_date: pl.Date
    paid_date: pl.Date
    amount_due: MONEY = pa.Field(ge=0)
    amount_paid: MONEY = pa.Field(ge=0)
    snapshot_date: pl.Date


class BureauScore(_Strict):
    customer_id: str
    bureau: str = pa.Field(isin=["equifax", "experian", "transunion"])
    score: pl.Int64 = pa.Field(ge=300, le=850)
    report_date: pl.Date
    delinquencies_24m: pl.Int64 = pa.Field(ge=0)
    credit_utilization: pl.Float64 = pa.Field(ge=0, le=1)
    inquiries_6m: pl.Int64 = pa.Field(ge=0)
    month: pl.Date

    class Config:
        unique = ["customer_id", "bureau"]


class EconomicIndicator(_Strict):
    date: pl.Date
    series_id: str = pa.Field(isin=["FEDFUNDS", "UNRATE", "CPIAUCSL", "GDP"])
    value: pl.Float64
    snapshot_date: pl.Date

    class Config:
        unique = ["date", "series_id"]


class AccountDaily(_Strict):
    date: pl.Date
    account_id: str = pa.Field(unique=True)
    account_type: str = pa.Field(nullable=True)
    opening_balance: TOTAL = pa.Field(nullable=True)
    credits: TOTAL = pa.Field(ge=0)
    debits: TOTAL = pa.Field(ge=0)
    transactions: pl.Int64 = pa.Field(ge=0)
    expected_closing: TOTAL
    closing_balance: TOTAL = pa.Field(nullable=True)
    difference: TOTAL = pa.Field(nullable=True)
    status: str = pa.Field(isin=["reconciled", "break", "opened", "closed", "no_snapshot_row", "no_previous_snapshot"])


class FraudAlert(_Strict):
    date: pl.Date
    transaction_id: str = pa.Field(unique=True)
    account_id: str
    timestamp: UTC
    amount: AMOUNT
    type: str
    channel: str
    merchant_id: str = pa.Field(nullable=True)
    rules: pl.List(pl.String)
    score: pl.Int64 = pa.Field(ge=40, le=100)
    severity: str = pa.Field(isin=["LOW", "MEDIUM", "HIGH"])


class DailySummary(_Strict):
    date: pl.Date
    account_type: str
    channel: str
    transactions: pl.Int64 = pa.Field(ge=1)
    credits: TOTAL = pa.Field(ge=0)
    debits: TOTAL = pa.Field(ge=0)
    volume: TOTAL = pa.Field(ge=0)
    average: TOTAL = pa.Field(ge=0)

    class Config:
        unique = ["date", "account_type", "channel"]


class LoanRisk(_Strict):
    date: pl.Date
    loan_id: str = pa.Field(unique=True)
    customer_id: str
    product: str
    days_past_due: pl.Int64 = pa.Field(ge=0)
    credit_score: pl.Int64 = pa.Field(nullable=True, ge=300, le=850)
    score_band: str
    stage: pl.Int8 = pa.Field(isin=[1, 2, 3])
    pd: pl.Float64 = pa.Field(ge=0, le=1)
    lgd: pl.Float64 = pa.Field(ge=0, le=1)
    ead: TOTAL = pa.Field(ge=0)
    collateral_value: TOTAL = pa.Field(ge=0)
    risk_weight: pl.Float64 = pa.Field(isin=[0.35, 0.75, 1.0, 1.5])
    expected_loss: TOTAL = pa.Field(ge=0)
    rwa: TOTAL = pa.Field(ge=0)


class CapitalAdequacy(_Strict):
    month: pl.Date = pa.Field(unique=True)
    rwa_mortgage: TOTAL
    rwa_auto: TOTAL
    rwa_personal: TOTAL
    rwa_sme: TOTAL
    rwa_past_due: TOTAL
    rwa_total: TOTAL = pa.Field(ge=0)
    ead_total: TOTAL = pa.Field(ge=0)
    loans: pl.Int64 = pa.Field(ge=0)
    cet1_capital: pl.Float64
    tier1_capital: pl.Float64
    total_capital: pl.Float64
    cet1_ratio: pl.Float64 = pa.Field(nullable=True)
    tier1_ratio: pl.Float64 = pa.Field(nullable=True)
    total_ratio: pl.Float64 = pa.Field(nullable=True)
    cet1_below_minimum: bool = pa.Field(nullable=True)
    tier1_below_minimum: bool = pa.Field(nullable=True)
    total_below_minimum: bool = pa.Field(nullable=True)
    conservation_buffer_breached: bool = pa.Field(nullable=True)


class MonthlyInterest(_Strict):
    """Interest on a savings account for a month, computed on Spark (platform/spark/monthly_interest.py)."""

    month: pl.Date
    account_id: str = pa.Field(str_matches=r"^\d{12}$", unique=True)
    currency: str = pa.Field(str_matches=r"^[A-Z]{3}$")
    days_held: pl.Int64 = pa.Field(ge=1, le=31)
    average_daily_balance: MONEY
    interest_rate: RATE = pa.Field(ge=0, le=1)
    closing_balance: MONEY
    interest: MONEY = pa.Field(ge=0)
    new_balance: MONEY

# Where each dataset lives, its contract and its warehouse distribution key (README: warehouse layout).

"""The bank's source systems' landing files (DOMAIN.md §3.1, §5)."""

from assets.common.landing import Source

ACCOUNTS = Source(
    "banking",
    "accounts",
    ("account_id", "customer_id", "account_type", "status", "open_date", "currency", "interest_rate", "credit_limit", "balance"),
    "csv",
)
TRANSACTIONS = Source(
    "banking",
    "transactions",
    (
        "transaction_id", "account_id", "timestamp", "amount", "currency", "type", "channel",
        "merchant_id", "merchant_category", "counterparty_account", "description",
    ),
    "csv",
)
CUSTOMERS = Source(
    "banking",
    "customers",
    (
        "customer_id", "first_name", "last_name", "ssn", "date_of_birth", "email", "phone", "street", "city", "state", "zip",
        "annual_income", "employment_status", "kyc_status",
    ),
    "csv",
)
LOANS = Source(
    "banking",
    "loans",
    (
        "loan_id", "customer_id", "account_id", "product", "principal", "outstanding_balance", "interest_rate",
        "origination_date", "maturity_date", "collateral_value", "status", "days_past_due",
    ),
    "csv",
)
LOAN_PAYMENTS = Source("banking", "loan_payments", ("payment_id", "loan_id", "due_date", "paid_date", "amount_due", "amount_paid"), "csv")
BUREAU_SCORES = Source(
    "banking",
    "bureau_scores",
    ("customer_id", "bureau", "score", "report_date", "delinquencies_24m", "credit_utilization", "inquiries_6m"),
    "jsonl",
)
ECONOMIC_INDICATORS = Source("banking", "economic_indicators", ("date", "series_id", "value"), "json")

# Every banking source, in the order one landing-sensor tick requests them: loan_risk (run with the
# loans) reads the month's bureau scores and the day's indicators, and payments are checked
# against the loans, so those come first.
BANKING_SOURCES = (ACCOUNTS, CUSTOMERS, BUREAU_SCORES, ECONOMIC_INDICATORS, LOANS, LOAN_PAYMENTS, TRANSACTIONS)

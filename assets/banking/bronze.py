"""Banking bronze: each source's landing files for a day (bureau scores: a month), as delivered."""

from assets.banking.sources import ACCOUNTS, BUREAU_SCORES, CUSTOMERS, ECONOMIC_INDICATORS, LOAN_PAYMENTS, LOANS, TRANSACTIONS
from assets.common.bronze import build_bronze_asset
from assets.common.partitions import DAILY, DELIVERED_MONTHLY

banking_bronze_accounts = build_bronze_asset(ACCOUNTS, DAILY, "Core banking's end-of-day accounts snapshot, as delivered.")
banking_bronze_transactions = build_bronze_asset(
    TRANSACTIONS, DAILY, "The day's transactions from core banking, every part file, as delivered (text), with lineage."
)
banking_bronze_customers = build_bronze_asset(
    CUSTOMERS, DAILY, "The KYC customer snapshot, as delivered. Heavy in clear PII (SSN, birth date, address): access-restricted."
)
banking_bronze_loans = build_bronze_asset(LOANS, DAILY, "The loan book snapshot, as delivered.")
banking_bronze_loan_payments = build_bronze_asset(LOAN_PAYMENTS, DAILY, "Loan payments due and paid, as delivered.")
banking_bronze_bureau_scores = build_bronze_asset(
    BUREAU_SCORES, DELIVERED_MONTHLY,
    "The credit bureaus' monthly scores, delivered on the month's first day (a partition from that day on), as delivered.",
)
banking_bronze_economic_indicators = build_bronze_asset(
    ECONOMIC_INDICATORS, DAILY, "The latest economic indicators (FEDFUNDS, UNRATE, CPIAUCSL, GDP) as of the day, as delivered."
)

BANKING_BRONZE = [
    banking_bronze_accounts, banking_bronze_transactions, banking_bronze_customers, banking_bronze_loans,
    banking_bronze_loan_payments, banking_bronze_bureau_scores, banking_bronze_economic_indicators,
]

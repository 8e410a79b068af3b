"""Every banking silver and gold dataset: where it lives, its grain, its pandera model (named, in
assets/banking/models.py) and its warehouse distribution key. See assets/retail/schemas.py."""

from assets.common.datasets import Dataset

SILVER_ACCOUNTS = Dataset("banking", "silver", "accounts", "snapshot_date", ("account_id",), "Account", dist_key="account_id")
SILVER_TRANSACTIONS = Dataset("banking", "silver", "transactions", "transaction_date", ("transaction_id",), "Transaction", dist_key="account_id")
SILVER_CUSTOMERS = Dataset("banking", "silver", "customers", "snapshot_date", ("customer_id",), "Customer", dist_key="customer_id")
SILVER_LOANS = Dataset("banking", "silver", "loans", "snapshot_date", ("loan_id",), "Loan", dist_key="loan_id")
SILVER_LOAN_PAYMENTS = Dataset("banking", "silver", "loan_payments", "snapshot_date", ("payment_id",), "LoanPayment", dist_key="loan_id")
SILVER_BUREAU_SCORES = Dataset("banking", "silver", "bureau_scores", "month", ("customer_id", "bureau"), "BureauScore", dist_key="customer_id")
SILVER_ECONOMIC_INDICATORS = Dataset("banking", "silver", "economic_indicators", "snapshot_date", ("date", "series_id"), "EconomicIndicator")
GOLD_ACCOUNT_DAILY = Dataset("banking", "gold", "account_daily", "date", ("date", "account_id"), "AccountDaily", dist_key="account_id")
GOLD_FRAUD_ALERTS = Dataset("banking", "gold", "fraud_alerts", "date", ("transaction_id",), "FraudAlert", dist_key="account_id")
GOLD_DAILY_SUMMARY = Dataset("banking", "gold", "daily_summary", "date", ("date", "account_type", "channel"), "DailySummary")
GOLD_LOAN_RISK = Dataset("banking", "gold", "loan_risk", "date", ("date", "loan_id"), "LoanRisk", dist_key="loan_id")
GOLD_CAPITAL_ADEQUACY = Dataset("banking", "gold", "capital_adequacy", "month", ("month",), "CapitalAdequacy")
GOLD_MONTHLY_INTEREST = Dataset("banking", "gold", "monthly_interest", "month", ("month", "account_id"), "MonthlyInterest", dist_key="account_id")

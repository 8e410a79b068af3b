"""Banking silver: typed, validated, deduplicated, PII-masked rows; rejects go to quarantine."""

from datetime import UTC, date, datetime

import dagster as dg
import polars as pl

from assets.banking import cleaning, schemas
from assets.banking.bronze import (
    banking_bronze_accounts,
    banking_bronze_bureau_scores,
    banking_bronze_customers,
    banking_bronze_economic_indicators,
    banking_bronze_loan_payments,
    banking_bronze_loans,
    banking_bronze_transactions,
)
from assets.banking.sources import ACCOUNTS, BUREAU_SCORES, CUSTOMERS, ECONOMIC_INDICATORS, LOAN_PAYMENTS, LOANS, TRANSACTIONS
from assets.common.checks import silver_check_specs
from assets.common.datasets import Dataset, dataset_asset
from assets.common.partitions import DAILY, DELIVERED_MONTHLY, partition_of, reference_snapshot_key
from assets.common.publish import publish_silver
from resources.lake import LakeStorage
from resources.pii import PiiKey

FREE_TEXT_PII = "free_text_pii"


def _silver(dataset: Dataset, description: str, deps, partitions_def=DAILY, extra_checks=()):
    return dataset_asset(dataset, description, deps, [*silver_check_specs(dataset.asset_name), *extra_checks], partitions_def)


def _bronze(lake: LakeStorage, source, partition: str) -> pl.LazyFrame:
    return lake.scan_parquet(source.bronze_key(partition))


@_silver(schemas.SILVER_ACCOUNTS, "Accounts as of the day's end, one row per account_id (12 digits, Luhn-checked). Grain: account_id.", [banking_bronze_accounts])
def banking_silver_accounts(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    screened = cleaning.screen_accounts(_bronze(lake, ACCOUNTS, partition), date.fromisoformat(partition))
    return publish_silver(context, lake, schemas.SILVER_ACCOUNTS, screened)


@_silver(
    schemas.SILVER_TRANSACTIONS,
    "The day's transactions, typed (amount decimal, + credit / - debit), deduplicated on transaction_id, validated against "
    "the day's accounts snapshot as delivered; free-text descriptions scrubbed of PII. Grain: transaction_id.",
    [banking_bronze_transactions, banking_bronze_accounts],
    extra_checks=[
        dg.AssetCheckSpec(
            FREE_TEXT_PII, asset=schemas.SILVER_TRANSACTIONS.asset_key, blocking=False,
            description="Warns when descriptions carried PII (e-mail, SSN, card or phone number): silver holds them scrubbed, but "
            "the source system should not send them. The metadata counts the values by kind, never the values. Raise it "
            "with core banking's owner.",
        )
    ],
)
def banking_silver_transactions(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    accounts_key = ACCOUNTS.bronze_key(partition)
    if not lake.exists(accounts_key):
        raise dg.Failure(
            allow_retries=True,  # the accounts snapshot's own run has usually not finished yet
            description=f"The accounts snapshot for {partition} is not in bronze: transactions are validated against it. "
            f"Materialize {banking_bronze_accounts.key.to_user_string()} for {partition} first.",
        )
    delivered = lake.read_parquet(accounts_key, columns=["account_id"]).get_column("account_id").drop_nulls()
    screened = cleaning.screen_transactions(_bronze(lake, TRANSACTIONS, partition), delivered, date.fromisoformat(partition), datetime.now(UTC))
    return publish_silver(
        context, lake, schemas.SILVER_TRANSACTIONS, screened, totals={"net_amount": pl.col("amount").sum()},
        output_checks=lambda output: [_free_text_pii(output, screened.quarantined)],
    )


def _free_text_pii(output: pl.LazyFrame, quarantined: pl.DataFrame) -> dg.AssetCheckResult:
    """How many descriptions (published or quarantined) were scrubbed, by kind of PII."""
    counted = [rows.select(**cleaning.scrubbed_values("description")) for rows in (output, quarantined.lazy())]
    by_kind = {kind: int(n) for kind, n in pl.concat(counted).sum().collect().row(0, named=True).items()}
    scrubbed = by_kind.pop("values")
    found = ", ".join(f"{n} {kind}" for kind, n in by_kind.items() if n)
    return dg.AssetCheckResult(
        check_name=FREE_TEXT_PII,
        passed=scrubbed == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{scrubbed:,} description(s) carried PII, scrubbed in silver ({found})." if scrubbed else "No description carried PII.",
        metadata={"scrubbed_values": scrubbed, "by_kind": dg.MetadataValue.json(by_kind)},
    )


@_silver(
    schemas.SILVER_CUSTOMERS,
    "KYC customers, masked: HMAC tokens (SSN, e-mail, phone) for joins, ***-**-1234 and birth year for display. "
    "Names and streets never leave bronze. Grain: customer_id.",
    [banking_bronze_customers],
)
def banking_silver_customers(context: dg.AssetExecutionContext, lake: LakeStorage, pii: PiiKey):
    partition = context.partition_key
    screened = cleaning.screen_customers(_bronze(lake, CUSTOMERS, partition), date.fromisoformat(partition), pii.tokenizer())
    return publish_silver(context, lake, schemas.SILVER_CUSTOMERS, screened)


@_silver(schemas.SILVER_LOANS, "The loan book as of the day, one row per loan_id. Grain: loan_id.", [banking_bronze_loans])
def banking_silver_loans(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    screened = cleaning.screen_loans(_bronze(lake, LOANS, partition), date.fromisoformat(partition))
    return publish_silver(context, lake, schemas.SILVER_LOANS, screened)


@_silver(
    schemas.SILVER_LOAN_PAYMENTS,
    "Loan payments due and paid, one row per payment_id, validated against the loans snapshot as delivered (the day's, "
    "or the latest before it). Grain: payment_id.",
    [banking_bronze_loan_payments, banking_bronze_loans],
)
def banking_silver_loan_payments(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    loans_key = reference_snapshot_key(lake, LOANS, partition, LOANS.bronze_prefix, LOANS.bronze_key, banking_bronze_loans.key.to_user_string())
    loan_ids = lake.read_parquet(loans_key, columns=["loan_id"]).get_column("loan_id").drop_nulls()
    screened = cleaning.screen_loan_payments(_bronze(lake, LOAN_PAYMENTS, partition), loan_ids, date.fromisoformat(partition))
    return publish_silver(context, lake, schemas.SILVER_LOAN_PAYMENTS, screened, {"loans_snapshot": partition_of(loans_key)})


@_silver(
    schemas.SILVER_BUREAU_SCORES,
    "Monthly credit bureau scores (300-850), one row per customer and bureau. Grain: month x customer x bureau.",
    [banking_bronze_bureau_scores],
    DELIVERED_MONTHLY,
)
def banking_silver_bureau_scores(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    screened = cleaning.screen_bureau_scores(_bronze(lake, BUREAU_SCORES, partition), date.fromisoformat(partition))
    return publish_silver(context, lake, schemas.SILVER_BUREAU_SCORES, screened)


@_silver(
    schemas.SILVER_ECONOMIC_INDICATORS,
    "The latest observation of each economic series as of the day. Grain: date x series_id.",
    [banking_bronze_economic_indicators],
)
def banking_silver_economic_indicators(context: dg.AssetExecutionContext, lake: LakeStorage):
    partition = context.partition_key
    screened = cleaning.screen_economic_indicators(_bronze(lake, ECONOMIC_INDICATORS, partition), date.fromisoformat(partition))
    return publish_silver(context, lake, schemas.SILVER_ECONOMIC_INDICATORS, screened)


BANKING_SILVER = [
    banking_silver_accounts, banking_silver_transactions, banking_silver_customers, banking_silver_loans,
    banking_silver_loan_payments, banking_silver_bureau_scores, banking_silver_economic_indicators,
]

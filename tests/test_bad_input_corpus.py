"""A corpus of bad landing input, each case run through the real path of both domains.

Files land in a LocalLake's landing zone; the real landing sensor's tick turns them into run
requests; each request's asset selection is materialized for its partition (bronze -> silver and
on, as the run queue would). Each case then asserts its outcome, by DOMAIN.md §4/§5:

- Screened: the partition reaches silver; every bad row is in quarantine with the named rule
  in `_reject_reasons`, at its (landing key, line); clean rows are in silver; or
- FailsBronze: a clear failure of the bronze contract that names the landing key and the
  problem (and the columns, for schema drift); nothing of the partition is written.

And for every case, conservation: records delivered = bronze rows = silver rows + quarantined
rows + dropped duplicates, from the lake files and from the silver metadata (for a rejected
partition: nothing of it in bronze, silver or quarantine).

Each case is a small clean base (40 rows built from the simulator's reference ids) plus the
defect. The reference data is landed and materialized once per module (tests/corpus_helpers.py)
and each case runs on a copy of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
import polars as pl
import pytest

from assets.banking import schemas
from assets.banking.silver import FREE_TEXT_PII
from assets.banking.sources import ACCOUNTS, LOAN_PAYMENTS, LOANS, TRANSACTIONS
from assets.banking.sources import CUSTOMERS as BANK_CUSTOMERS
from assets.common.checks import CONSERVATION, CONTRACT, ERROR_BUDGET, INPUTS_CURRENT, QUARANTINE
from assets.common.landing import BOM
from assets.common.screening import MALFORMED_LINE, REJECT_REASONS
from assets.retail.sources import POS
from tests import corpus_helpers as h
from tests.corpus_helpers import BASE_ROWS, D0, D1, NEXT_MONTH, CaseEnv, Template, landing

# ------------------------------------------------------------------ expectations


@dataclass(frozen=True)
class Screened:
    """The partition is screened into silver. `rejects` maps (landing key, line) to the exact rule
    names of that quarantined row; every other non-duplicate row must be in silver."""

    rows_in: int | Callable[[Template], int]  # records delivered; for a whole reference snapshot, counted from the template
    rejects: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)
    duplicates: int = 0
    conflicting: int = 0
    over_budget: bool = False
    empty_files: tuple[str, ...] = ()
    extra: Callable[[CaseEnv, pl.DataFrame, pl.DataFrame, pl.DataFrame], None] | None = None  # (env, bronze, silver, quarantine)
    pii_scrubbed: dict[str, int] = field(default_factory=dict)  # free-text values scrubbed, by kind (datasets with free text)


@dataclass(frozen=True)
class FailsBronze:
    """The bronze contract fails the whole partition, naming `key`, the problem and `names`."""

    key: str
    problem: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    domain: str
    source: str
    partition: str
    steps: Callable[[Template], list[dict[str, bytes]]]  # deliveries; each is followed by a sensor tick and its runs
    expect: Screened | FailsBronze
    requests: tuple[int, ...] | None = None  # requests expected from each step's tick (default: one each)
    first_run_fails: FailsBronze | None = None  # for a corrected re-delivery: how the first delivery's run failed


CASES: list[Case] = []


def case(id, category, domain, source, partition, steps, expect, requests=None, first_run_fails=None):
    CASES.append(Case(id, category, domain, source, partition, steps, expect, requests, first_run_fails))


# ------------------------------------------------------------------ bases and keys

DAY0, DAY1 = D0.isoformat(), D1.isoformat()
P1 = landing("retail", "pos", "store_001.csv")
P2 = landing("retail", "pos", "store_002.csv")
P2GZ = landing("retail", "pos", "store_002.csv.gz")
T0 = landing("banking", "transactions", "part-0000.csv")
T1 = landing("banking", "transactions", "part-0001.csv")
T1GZ = landing("banking", "transactions", "part-0001.csv.gz")
PRODUCTS_D1 = landing("retail", "products", "products.jsonl", D1)
BUREAU = landing("banking", "bureau_scores", "bureau_scores.jsonl", NEXT_MONTH)
INDICATORS_D1 = landing("banking", "economic_indicators", "indicators.json", D1)
AT = 10  # defects go in at this index of the base rows: line AT + 2 of a CSV (header is line 1), AT + 1 of JSONL
TEN_MB = 10 * 1024 * 1024
REORDERED_POS = ("timestamp", "store_id", "register_id", "receipt_id", "line_no", "product_barcode", "price", "quantity", "loyalty_card", "cashier_id")


def pos_base(t: Template, *extra_rows, at: int = AT, columns=POS.columns, terminator="\n") -> bytes:
    """store 001's clean base with `extra_rows` (dicts or raw text lines) inserted at `at`."""
    rows = h.pos_rows(t)
    return h.csv_bytes(columns, rows[:at] + list(extra_rows) + rows[at:], terminator)


def pos_store2(t: Template, *extra_rows, columns=POS.columns, count=10) -> bytes:
    return h.csv_bytes(columns, h.pos_rows(t, count, start=100, store="002") + list(extra_rows))


def pos_bad(t: Template, **overrides) -> dict:
    return h.pos_row(t, 900, **overrides)


def row_text(row: dict, columns=POS.columns) -> str:
    """A row as one CSV line, written as it stands (no quoting): how a defective export writes it."""
    return ",".join("" if row[c] is None else row[c] for c in columns)


def txn_base(t: Template, *extra_rows, at: int = AT, columns=TRANSACTIONS.columns, terminator="\n") -> bytes:
    rows = h.txn_rows(t)
    return h.csv_bytes(columns, rows[:at] + list(extra_rows) + rows[at:], terminator)


def txn_part1(t: Template, columns=TRANSACTIONS.columns, count=10, start=200) -> bytes:
    return h.csv_bytes(columns, h.txn_rows(t, count, start=start))


def txn_bad(t: Template, **overrides) -> dict:
    return h.txn_row(t, 900, **overrides)


def one_bad_pos(id, category, **overrides_and_reasons):
    reasons = overrides_and_reasons.pop("reasons")
    case(id, category, "retail", "pos", DAY0, lambda t: [{P1: pos_base(t, pos_bad(t, **overrides_and_reasons))}],
         Screened(BASE_ROWS + 1, {(P1, AT + 2): reasons}))


def one_bad_txn(id, category, reasons, **overrides):
    case(id, category, "banking", "transactions", DAY0, lambda t: [{T0: txn_base(t, txn_bad(t, **overrides))}],
         Screened(BASE_ROWS + 1, {(T0, AT + 2): reasons}))


MALFORMED = (MALFORMED_LINE,)

# ------------------------------------------------------------------ malformed CSV

case("pos-unbalanced-quote", "malformed_csv", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t, row_text(pos_bad(t, cashier_id='"emp900')))}],
     Screened(BASE_ROWS + 1, {(P1, AT + 2): MALFORMED}))
case("pos-short-line", "malformed_csv", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t, row_text(pos_bad(t), POS.columns[:-1]))}],
     Screened(BASE_ROWS + 1, {(P1, AT + 2): MALFORMED}))
case("pos-stray-delimiter", "malformed_csv", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t, row_text(pos_bad(t, price="3,99")))}],
     Screened(BASE_ROWS + 1, {(P1, AT + 2): MALFORMED}))


def _receipts_as_delivered(env, bronze, silver, quarantine):
    """The first column (after a BOM) and the last (before a CR) come through as delivered: every
    receipt, and every loyalty card resolved to its customer."""
    base = h.pos_rows(env.template)
    assert sorted(silver.get_column("receipt_id").to_list()) == sorted(r["receipt_id"] for r in base)
    assert silver.get_column("customer_id").is_not_null().sum() == sum(r["loyalty_card"] is not None for r in base) > 0


case("pos-bom", "malformed_csv", "retail", "pos", DAY0, lambda t: [{P1: BOM + pos_base(t)}],
     Screened(BASE_ROWS, extra=_receipts_as_delivered))
case("pos-crlf", "malformed_csv", "retail", "pos", DAY0, lambda t: [{P1: pos_base(t, terminator="\r\n")}],
     Screened(BASE_ROWS, extra=_receipts_as_delivered))
case("pos-invalid-utf8", "malformed_csv", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t, row_text(pos_bad(t, cashier_id="emp9XX"))).replace(b"emp9XX", b"emp\xff\xfe")}],
     Screened(BASE_ROWS + 1, {(P1, AT + 2): MALFORMED}))
case("pos-binary-file", "malformed_csv", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8\xff\xe0" * 8}],
     FailsBronze(P2, "unreadable"))
case("pos-utf16-file", "malformed_csv", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: pos_store2(t).decode().encode("utf-16")}],
     FailsBronze(P2, "unreadable"))
case("txn-unbalanced-quote", "malformed_csv", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t, row_text(txn_bad(t, description='"GROCER #0900 AUSTIN TX'), TRANSACTIONS.columns))}],
     Screened(BASE_ROWS + 1, {(T0, AT + 2): MALFORMED}))
case("txn-bom-crlf", "malformed_csv", "banking", "transactions", DAY0, lambda t: [{T0: BOM + txn_base(t, terminator="\r\n")}],
     Screened(BASE_ROWS))


def _kyc_with_bad_utf8(t: Template) -> list[dict[str, bytes]]:
    header, lines = h.reference_csv(t, BANK_CUSTOMERS, "customers.csv")
    data = h.csv_bytes(header, lines[:AT] + ["CUBADLINE9"] + lines[AT:]).replace(b"CUBADLINE9", b"CU\xff\xfe," + b"x," * 13)
    return [{landing("banking", "customers", "customers.csv", D1): data}]


def _kyc_rows(t: Template) -> int:
    return len(h.reference_csv(t, BANK_CUSTOMERS, "customers.csv")[1]) + 1


def _raw_line_withheld(env, bronze, silver, quarantine):
    assert quarantine.get_column("_raw_line").to_list() == ["<withheld: may contain PII>"]
    assert bronze.get_column("_raw_line").drop_nulls().str.contains("x,x,").all()  # bronze keeps it as delivered


# the KYC snapshot is 250 rows: 1 malformed line stays inside the budget; its raw text may hold PII and is withheld
case("kyc-invalid-utf8-withheld", "malformed_csv", "banking", "customers", DAY1, _kyc_with_bad_utf8,
     Screened(_kyc_rows, {(landing("banking", "customers", "customers.csv", D1), AT + 2): MALFORMED}, extra=_raw_line_withheld))

# ------------------------------------------------------------------ empty and header-only files

case("pos-empty-file", "empty", "retail", "pos", DAY0, lambda t: [{P1: pos_base(t), P2: b""}],
     Screened(BASE_ROWS, empty_files=(P2,)))
case("pos-header-only-file", "empty", "retail", "pos", DAY0, lambda t: [{P1: pos_base(t), P2: h.csv_bytes(POS.columns, [])}],
     Screened(BASE_ROWS, empty_files=(P2,)))
case("pos-only-an-empty-file", "empty", "retail", "pos", DAY0, lambda t: [{P1: b""}], Screened(0, empty_files=(P1,)))
case("pos-empty-gzip-file", "empty", "retail", "pos", DAY0, lambda t: [{P1: pos_base(t), P2GZ: b""}],
     Screened(BASE_ROWS, empty_files=(P2GZ,)))
case("txn-header-only-part", "empty", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t), T1: h.csv_bytes(TRANSACTIONS.columns, [], "\r\n")}],
     Screened(BASE_ROWS, empty_files=(T1,)))

# ------------------------------------------------------------------ gzip

case("pos-truncated-gzip", "gzip", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2GZ: h.gz(pos_store2(t))[: len(h.gz(pos_store2(t))) // 2]}],
     FailsBronze(P2GZ, "corrupt or truncated gzip"))
case("pos-not-gzip-at-all", "gzip", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2GZ: pos_store2(t)}],
     FailsBronze(P2GZ, "corrupt or truncated gzip"))
case("pos-gzip-with-malformed-line", "gzip", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2GZ: h.gz(BOM + pos_store2(t, "002-01-20241001-00999,1,002"))}],
     Screened(BASE_ROWS + 11, {(P2GZ, 12): MALFORMED}))
case("pos-corrupt-gzip-then-corrected", "gzip", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2GZ: h.gz(pos_store2(t))[:-9]}, {P2GZ: h.gz(pos_store2(t))}],
     Screened(BASE_ROWS + 10), requests=(1, 1), first_run_fails=FailsBronze(P2GZ, "corrupt or truncated gzip"))
case("txn-truncated-gzip", "gzip", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t), T1GZ: h.gz(txn_part1(t))[:40]}],
     FailsBronze(T1GZ, "corrupt or truncated gzip"))

# ------------------------------------------------------------------ schema drift

case("pos-extra-column", "schema_drift", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: h.csv_bytes((*POS.columns, "discount"), [r | {"discount": "0.10"} for r in h.pos_rows(t, 5, 100, "002")])}],
     FailsBronze(P2, "columns do not match the contract", ("discount",)))
case("pos-missing-column", "schema_drift", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: pos_store2(t, columns=POS.columns[:-1])}],
     FailsBronze(P2, "columns do not match the contract", ("loyalty_card",)))
case("pos-renamed-column", "schema_drift", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: pos_store2(t).replace(b"product_barcode", b"barcode", 1)}],
     FailsBronze(P2, "columns do not match the contract", ("barcode", "product_barcode")))
case("pos-header-trailing-delimiter", "schema_drift", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: pos_store2(t).replace(b"loyalty_card\n", b"loyalty_card,\n", 1)}],
     FailsBronze(P2, "columns do not match the contract"))
case("pos-look-alike-header", "schema_drift", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: pos_store2(t).replace(b",price,", b",Price,", 1)}],
     FailsBronze(P2, "columns do not match the contract", ("Price", "price")))
case("pos-repeated-column", "schema_drift", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: h.csv_bytes((*POS.columns, "loyalty_card"), h.pos_rows(t, 5, 100, "002"))}],
     FailsBronze(P2, "columns do not match the contract", ("repeated", "loyalty_card")))


def _store2_as_delivered(env, bronze, silver, quarantine):
    delivered = {r["receipt_id"]: r for r in h.pos_rows(env.template, 10, 100, "002")}
    rows = silver.filter(pl.col("_source_key") == P2)
    assert rows.height == 10
    for row in rows.iter_rows(named=True):
        src = delivered[row["receipt_id"]]
        assert (row["store_id"], row["product_barcode"], str(row["quantity"]), str(row["price"]), row["cashier_id"]) == (
            src["store_id"], src["product_barcode"], src["quantity"], src["price"], src["cashier_id"])


case("pos-reordered-columns", "schema_drift", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: pos_store2(t, columns=REORDERED_POS)}],
     Screened(BASE_ROWS + 10, extra=_store2_as_delivered))
case("txn-extra-column", "schema_drift", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t), T1: h.csv_bytes((*TRANSACTIONS.columns, "authorization_code"),
                                                    [r | {"authorization_code": "A1"} for r in h.txn_rows(t, 5, 200)])}],
     FailsBronze(T1, "columns do not match the contract", ("authorization_code",)))
case("txn-missing-column", "schema_drift", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t), T1: txn_part1(t, columns=tuple(c for c in TRANSACTIONS.columns if c != "channel"))}],
     FailsBronze(T1, "columns do not match the contract", ("channel",)))


def _part1_as_delivered(env, bronze, silver, quarantine):
    rows = silver.filter(pl.col("_source_key") == T1).select("transaction_id", pl.col("amount").cast(pl.String), "channel", "merchant_id")
    assert sorted(rows.rows()) == [(r["transaction_id"], r["amount"], r["channel"], r["merchant_id"]) for r in h.txn_rows(env.template, 10, 200)]


case("txn-reordered-columns", "schema_drift", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t), T1: txn_part1(t, columns=tuple(reversed(TRANSACTIONS.columns)))}],
     Screened(BASE_ROWS + 10, extra=_part1_as_delivered))


def _stores_renamed(t: Template) -> list[dict[str, bytes]]:
    data = t.reference_files[landing("retail", "stores", "stores.csv")].replace(b"region", b"area", 1)
    return [{landing("retail", "stores", "stores.csv", D1): data}]


case("stores-renamed-column", "schema_drift", "retail", "stores", DAY1, _stores_renamed,
     FailsBronze(landing("retail", "stores", "stores.csv", D1), "columns do not match the contract", ("area", "region")))

# ------------------------------------------------------------------ wrong types

one_bad_pos("pos-text-in-quantity", "wrong_type", quantity="two", reasons=("invalid_quantity",))
one_bad_pos("pos-currency-sign-in-price", "wrong_type", price="$4.99", reasons=("invalid_price",))
one_bad_pos("pos-impossible-date", "wrong_type", timestamp="2024-02-30T10:00:00Z", reasons=("invalid_timestamp",))
one_bad_pos("pos-nan-price", "wrong_type", price="NaN", reasons=("invalid_price",))
one_bad_pos("pos-inf-price", "wrong_type", price="inf", reasons=("invalid_price",))
one_bad_pos("pos-nul-byte-in-text", "wrong_type", cashier_id="emp\x00001", reasons=("invalid_cashier_id",))
one_bad_txn("txn-nan-amount", "wrong_type", ("invalid_amount",), amount="NaN")
one_bad_txn("txn-impossible-date", "wrong_type", ("invalid_timestamp",), timestamp="2024-02-30T10:00:00Z")


def _payments_with(t: Template, **overrides) -> list[dict[str, bytes]]:
    rows = h.payment_rows(t)
    rows[AT] = rows[AT] | overrides
    return [{landing("banking", "loan_payments", "loan_payments.csv", D1): h.csv_bytes(LOAN_PAYMENTS.columns, rows)}]


case("loan-payments-impossible-date", "wrong_type", "banking", "loan_payments", DAY1, lambda t: _payments_with(t, due_date="2024-02-30"),
     Screened(BASE_ROWS, {(landing("banking", "loan_payments", "loan_payments.csv", D1), AT + 2): ("invalid_due_date",)}))

# ------------------------------------------------------------------ extreme values and overflowing decimals

# A number too long for its type breaks its range as well (DOMAIN.md §5: every rule a row breaks).
one_bad_pos("pos-price-in-exponent-form-is-invalid-and-out-of-range", "extreme", price="1e30", reasons=("invalid_price", "price_out_of_range"))
one_bad_pos("pos-price-too-long-for-its-type-is-invalid-and-out-of-range", "extreme", price="1" + "0" * 30 + ".00",
            reasons=("invalid_price", "price_out_of_range"))
one_bad_pos("pos-price-above-limit", "extreme", price="99999999.99", reasons=("price_out_of_range",))
one_bad_pos("pos-quantity-too-long-for-its-type-is-invalid-and-out-of-range", "extreme", quantity="9" * 20,
            reasons=("invalid_quantity", "quantity_out_of_range"))
one_bad_txn("txn-amount-too-long-for-its-type-is-invalid-and-out-of-range", "extreme", ("invalid_amount", "amount_out_of_range"),
            amount="-" + "9" * 40 + ".00")
one_bad_txn("txn-empty-currency-is-missing-and-invalid", "extreme", ("missing_required_field", "invalid_currency"), currency=None)
one_bad_txn("txn-amount-above-limit", "extreme", ("amount_out_of_range",), amount="-9999999999.99")


def _snapshot_with(t: Template, source, name: str, column: str, value: str) -> list[dict[str, bytes]]:
    header, lines = h.reference_csv(t, source, name)
    fields = lines[AT].split(",")
    fields[header.index(column)] = value
    lines[AT] = ",".join(fields)
    return [{landing(source.domain, source.name, name, D1): h.csv_bytes(header, lines)}]


def _snapshot_rows(source, name):
    return lambda t: len(h.reference_csv(t, source, name)[1])


# The row is a loan account, whose balance must be <= 0: its huge positive balance is out of range too.
case("accounts-balance-too-long-for-its-type-is-invalid-and-out-of-range", "extreme", "banking", "accounts", DAY1,
     lambda t: _snapshot_with(t, ACCOUNTS, "accounts.csv", "balance", "9" * 40 + ".00"),
     Screened(_snapshot_rows(ACCOUNTS, "accounts.csv"),
              {(landing("banking", "accounts", "accounts.csv", D1), AT + 2): ("invalid_balance", "balance_out_of_range")}))
case("loans-principal-40-digits", "extreme", "banking", "loans", DAY1,
     lambda t: _snapshot_with(t, LOANS, "loans.csv", "principal", "1" * 40 + ".00"),
     Screened(_snapshot_rows(LOANS, "loans.csv"), {(landing("banking", "loans", "loans.csv", D1), AT + 2): ("invalid_principal",)}))

# ------------------------------------------------------------------ unknown foreign keys

one_bad_pos("pos-unknown-store", "unknown_fk", store_id="999", reasons=("unknown_store",))
case("pos-unknown-product", "unknown_fk", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t, pos_bad(t, product_barcode=h.unknown_upc(t)))}],
     Screened(BASE_ROWS + 1, {(P1, AT + 2): ("unknown_product",)}))
case("txn-unknown-account", "unknown_fk", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t, txn_bad(t, account_id=h.luhn_unknown_account(t)))}],
     Screened(BASE_ROWS + 1, {(T0, AT + 2): ("unknown_account",)}))

case("loan-payment-for-a-loan-not-in-the-book-is-quarantined", "unknown_fk", "banking", "loan_payments", DAY1,
     lambda t: _payments_with(t, loan_id="L999999999"),
     Screened(BASE_ROWS, {(landing("banking", "loan_payments", "loan_payments.csv", D1), AT + 2): ("unknown_loan",)}))

# ------------------------------------------------------------------ PII in free text


case("txn-pii-in-free-text-is-scrubbed-and-counted-by-kind", "pii", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t, txn_bad(t, description="refund to jane@example.com or call 555-867-5309"),
                             h.txn_row(t, 901, description="ssn 123-45-6789 on file"))}],
     Screened(BASE_ROWS + 2, pii_scrubbed={"email": 1, "phone": 1, "ssn": 1},
              extra=lambda env, bronze, silver, quarantine: _no_clear_pii(silver, ("jane@example.com", "867-5309", "123-45-6789"))))


def _no_clear_pii(silver: pl.DataFrame, values: tuple[str, ...]) -> None:
    text = " ".join(silver.get_column("description").to_list())
    assert not any(v in text for v in values), text

# ------------------------------------------------------------------ over the error budget: the run says why


case("pos-day-over-the-error-budget-fails-saying-rate-budget-and-reasons", "over_budget", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t, pos_bad(t, store_id="999"), h.pos_row(t, 901, store_id="998"), h.pos_row(t, 902, price="0.00"))}],
     Screened(BASE_ROWS + 3, {(P1, AT + 2): ("unknown_store",), (P1, AT + 3): ("unknown_store",), (P1, AT + 4): ("non_positive_price",)},
              over_budget=True))

# ------------------------------------------------------------------ duplicates: rows, files, identical re-delivery


def _only_first_copies(key):
    def check(env, bronze, silver, quarantine):
        assert silver.get_column("_source_key").unique().to_list() == [key]

    return check


def _only_first_copies_of_part0(key, n):
    def check(env, bronze, silver, quarantine):
        assert silver.filter(pl.col("_source_key") == key).height == n  # its copy of a part-0000 row was dropped

    return check


case("pos-duplicate-rows", "duplicates", "retail", "pos", DAY0,
     lambda t: [{P1: h.csv_bytes(POS.columns, h.pos_rows(t) + h.pos_rows(t)[4:6])}],
     Screened(BASE_ROWS + 2, duplicates=2))


def _first_copy_wins(env, bronze, silver, quarantine):
    receipt = h.pos_rows(env.template)[4]["receipt_id"]
    assert silver.filter(pl.col("receipt_id") == receipt).select("_source_line", pl.col("quantity").cast(pl.String)).rows() == [(6, "3")]


case("pos-conflicting-duplicate", "duplicates", "retail", "pos", DAY0,
     lambda t: [{P1: h.csv_bytes(POS.columns, h.pos_rows(t) + [h.pos_rows(t)[4] | {"quantity": "7"}])}],
     Screened(BASE_ROWS + 1, duplicates=1, conflicting=1, extra=_first_copy_wins))
case("pos-same-file-under-two-keys", "duplicates", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), landing("retail", "pos", "store_001_resend.csv"): pos_base(t)}],
     Screened(2 * BASE_ROWS, duplicates=BASE_ROWS, extra=_only_first_copies(P1)))
case("pos-identical-redelivery", "duplicates", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t)}, {P1: pos_base(t)}],
     Screened(BASE_ROWS), requests=(1, 0))
case("txn-duplicate-across-parts", "duplicates", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t), T1: h.csv_bytes(TRANSACTIONS.columns, h.txn_rows(t, 10, 200) + [h.txn_rows(t)[2]])}],
     Screened(BASE_ROWS + 11, duplicates=1, extra=_only_first_copies_of_part0(T1, 10)))
case("txn-identical-redelivery", "duplicates", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t)}, {T0: txn_base(t)}],
     Screened(BASE_ROWS), requests=(1, 0))

# ------------------------------------------------------------------ re-delivery with changed content, and late files


def _reflects_only(key, rows_of, id_column):
    def check(env, bronze, silver, quarantine):
        expected = sorted(r[id_column] for r in rows_of(env.template))
        assert sorted(bronze.get_column(id_column).to_list()) == expected
        assert sorted(silver.get_column(id_column).to_list()) == expected
        assert quarantine.height == 0  # the first version's reject is gone with it

    return check


case("pos-redelivered-changed", "redelivery", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t, pos_bad(t, store_id="999"))}, {P1: h.csv_bytes(POS.columns, h.pos_rows(t, 25, start=500))}],
     Screened(25, extra=_reflects_only(P1, lambda t: h.pos_rows(t, 25, start=500), "receipt_id")), requests=(1, 1))
case("txn-redelivered-changed", "redelivery", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t, txn_bad(t, amount="0.00"))}, {T0: h.csv_bytes(TRANSACTIONS.columns, h.txn_rows(t, 20, start=300))}],
     Screened(20, extra=_reflects_only(T0, lambda t: h.txn_rows(t, 20, start=300), "transaction_id")), requests=(1, 1))


def _both_files(*keys):
    def check(env, bronze, silver, quarantine):
        assert sorted(silver.get_column("_source_key").unique().to_list()) == sorted(keys)

    return check


case("pos-late-store-file", "late", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t)}, {P2: pos_store2(t)}],
     Screened(BASE_ROWS + 10, extra=_both_files(P1, P2)), requests=(1, 1))
case("txn-late-part", "late", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t)}, {T1: txn_part1(t)}],
     Screened(BASE_ROWS + 10, extra=_both_files(T0, T1)), requests=(1, 1))

# ------------------------------------------------------------------ JSON: nested, missing and extra fields


def _products(t: Template, edit=None, line: int = AT, raw: str | None = None) -> list[dict[str, bytes]]:
    records: list = h.products_lines(t)
    if edit:
        records[line] = edit(dict(records[line]))
    if raw is not None:
        records[line] = raw
    return [{PRODUCTS_D1: h.jsonl(records)}]


def _n_products(t: Template) -> int:
    return len(h.products_lines(t))


def _without(record: dict, key: str) -> dict:
    return {k: v for k, v in record.items() if k != key}


case("products-nested-cost", "json", "retail", "products", DAY1,
     lambda t: _products(t, lambda r: r | {"cost": {"amount": r["cost"], "currency": "USD"}}),
     Screened(_n_products, {(PRODUCTS_D1, AT + 1): ("invalid_cost",)}))
case("products-key-missing-in-one-record", "json", "retail", "products", DAY1,
     lambda t: _products(t, lambda r: _without(r, "category")),
     Screened(_n_products, {(PRODUCTS_D1, AT + 1): ("missing_required_field",)}))
case("products-null-required-field", "json", "retail", "products", DAY1,
     lambda t: _products(t, lambda r: r | {"list_price": None}),
     Screened(_n_products, {(PRODUCTS_D1, AT + 1): ("missing_required_field", "invalid_list_price")}))
case("products-malformed-json-line", "json", "retail", "products", DAY1,
     lambda t: _products(t, raw=json.dumps(h.products_lines(t)[AT])[:30]),
     Screened(_n_products, {(PRODUCTS_D1, AT + 1): MALFORMED}))
case("products-key-missing-everywhere", "json", "retail", "products", DAY1,
     lambda t: [{PRODUCTS_D1: h.jsonl([_without(r, "brand") for r in h.products_lines(t)])}],
     FailsBronze(PRODUCTS_D1, "columns do not match the contract", ("brand",)))
case("products-extra-key", "json", "retail", "products", DAY1,
     lambda t: [{PRODUCTS_D1: h.jsonl([r | {"shelf_life_days": 14} for r in h.products_lines(t)])}],
     FailsBronze(PRODUCTS_D1, "columns do not match the contract", ("shelf_life_days",)))


def _rejected_naming(column):
    """DOMAIN.md §5: a JSON value of the wrong type is a rejection. The spec names no rule for a text
    field, so the reason only has to name the column."""

    def check(env, bronze, silver, quarantine):
        [reasons] = quarantine.get_column(REJECT_REASONS).to_list()
        assert any(column in r for r in reasons), reasons

    return check


case("products-object-in-text-field", "json", "retail", "products", DAY1,
     lambda t: _products(t, lambda r: r | {"product_name": {"en": r["product_name"], "fr": "Produit"}}),
     Screened(_n_products, {(PRODUCTS_D1, AT + 1): None}, extra=_rejected_naming("product_name")))


def _catalog_as_delivered(env, bronze, silver, quarantine):
    assert silver.get_column("product_id").to_list() == [r["product_id"] for r in h.products_lines(env.template)]


def _numeric_id(record: dict) -> dict:
    assert record["product_id"].startswith("0"), "the case needs a barcode whose leading zero a number would lose"
    return record | {"product_id": int(record["product_id"])}


case("products-bom-crlf", "json", "retail", "products", DAY1,
     lambda t: [{PRODUCTS_D1: BOM + h.jsonl(h.products_lines(t)).replace(b"\n", b"\r\n")}],
     Screened(_n_products, extra=_catalog_as_delivered))
case("products-numeric-product-id", "wrong_type", "retail", "products", DAY1, lambda t: _products(t, _numeric_id),
     Screened(_n_products, {(PRODUCTS_D1, AT + 1): ("invalid_barcode",)}))


def _bureau(t: Template, edit=None, raw: str | None = None, records=None) -> list[dict[str, bytes]]:
    records = records or h.bureau_records(t)
    if edit:
        records[AT] = edit(dict(records[AT]))
    if raw is not None:
        records[AT] = raw
    return [{BUREAU: h.jsonl(records)}]


case("bureau-nested-score", "json", "banking", "bureau_scores", NEXT_MONTH,
     lambda t: _bureau(t, lambda r: r | {"score": {"value": r["score"], "model": "FICO8"}}),
     Screened(BASE_ROWS, {(BUREAU, AT + 1): ("invalid_score",)}))
case("bureau-key-missing-in-one-record", "json", "banking", "bureau_scores", NEXT_MONTH,
     lambda t: _bureau(t, lambda r: _without(r, "score")),
     Screened(BASE_ROWS, {(BUREAU, AT + 1): ("missing_required_field", "invalid_score")}))
case("bureau-object-in-id-field", "json", "banking", "bureau_scores", NEXT_MONTH,
     lambda t: _bureau(t, lambda r: r | {"customer_id": {"id": r["customer_id"], "source": "crm"}}),
     Screened(BASE_ROWS, {(BUREAU, AT + 1): None}, extra=_rejected_naming("customer_id")))
case("bureau-fractional-score", "json", "banking", "bureau_scores", NEXT_MONTH,
     lambda t: _bureau(t, lambda r: r | {"score": 712.5}),
     Screened(BASE_ROWS, {(BUREAU, AT + 1): ("invalid_score",)}))
case("bureau-score-1e400", "extreme", "banking", "bureau_scores", NEXT_MONTH,
     lambda t: _bureau(t, raw=json.dumps(h.bureau_records(t)[AT]).replace(f'"score": {600 + AT}', '"score": 1e400')),
     Screened(BASE_ROWS, {(BUREAU, AT + 1): ("invalid_score",)}))
case("bureau-infinity-utilization", "wrong_type", "banking", "bureau_scores", NEXT_MONTH,
     lambda t: _bureau(t, lambda r: r | {"credit_utilization": float("inf")}),
     Screened(BASE_ROWS, {(BUREAU, AT + 1): ("invalid_credit_utilization",)}))
case("bureau-extra-key", "json", "banking", "bureau_scores", NEXT_MONTH,
     lambda t: [{BUREAU: h.jsonl([r | {"fico_version": "9"} for r in h.bureau_records(t)])}],
     FailsBronze(BUREAU, "columns do not match the contract", ("fico_version",)))


def _indicators(edit=None, records=None) -> list[dict[str, bytes]]:
    records = records or h.indicator_records()
    if edit:
        records[AT] = edit(dict(records[AT]))
    return [{INDICATORS_D1: h.json_array(records)}]


case("indicators-nested-value", "json", "banking", "economic_indicators", DAY1,
     lambda t: _indicators(lambda r: r | {"value": {"v": r["value"], "unit": "percent"}}),
     Screened(BASE_ROWS, {(INDICATORS_D1, AT + 1): ("invalid_value",)}))
case("indicators-key-missing-in-one-record", "json", "banking", "economic_indicators", DAY1,
     lambda t: _indicators(lambda r: _without(r, "series_id")),
     Screened(BASE_ROWS, {(INDICATORS_D1, AT + 1): ("missing_required_field", "invalid_series_id")}))
case("indicators-nan-value", "wrong_type", "banking", "economic_indicators", DAY1,
     lambda t: _indicators(lambda r: r | {"value": float("nan")}),
     Screened(BASE_ROWS, {(INDICATORS_D1, AT + 1): ("invalid_value",)}))


def _fed_api_with_nested_value(t: Template) -> list[dict[str, bytes]]:
    records = json.loads(t.reference_files[landing("banking", "economic_indicators", "indicators.json")])
    records[1] = records[1] | {"value": {"v": records[1]["value"]}}
    return [{INDICATORS_D1: h.json_array(records)}]


# The Fed API answer has only four series: one bad value is 25% of the partition, over the 5% budget.
case("indicators-nested-value-over-budget", "over_budget", "banking", "economic_indicators", DAY1, _fed_api_with_nested_value,
     Screened(4, {(INDICATORS_D1, 2): ("invalid_value",)}, over_budget=True))
case("indicators-not-an-array", "json", "banking", "economic_indicators", DAY1,
     lambda t: [{INDICATORS_D1: json.dumps({"observations": h.indicator_records()}).encode()}],
     FailsBronze(INDICATORS_D1, "expected a JSON array"))
case("indicators-truncated-json", "json", "banking", "economic_indicators", DAY1,
     lambda t: [{INDICATORS_D1: h.json_array(h.indicator_records())[:-40]}],
     FailsBronze(INDICATORS_D1, "not a JSON document"))

# ------------------------------------------------------------------ huge lines

case("pos-10mb-line", "huge_line", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t, pos_bad(t, cashier_id="x" * TEN_MB))}],
     Screened(BASE_ROWS + 1, {(P1, AT + 2): MALFORMED}))
case("txn-10mb-line", "huge_line", "banking", "transactions", DAY0,
     lambda t: [{T0: txn_base(t, txn_bad(t, description='"' + "y" * TEN_MB + '"'))}],
     Screened(BASE_ROWS + 1, {(T0, AT + 2): MALFORMED}))
case("pos-10mb-header-line", "huge_line", "retail", "pos", DAY0,
     lambda t: [{P1: pos_base(t), P2: b"receipt_id," + b"h" * TEN_MB + b"\n" + pos_store2(t).split(b"\n", 1)[1]}],
     FailsBronze(P2, "header"))
case("products-10mb-line", "huge_line", "retail", "products", DAY1,
     lambda t: _products(t, lambda r: r | {"product_name": "z" * TEN_MB}),
     Screened(_n_products, {(PRODUCTS_D1, AT + 1): MALFORMED}))


# ------------------------------------------------------------------ the test


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Template:
    return h.build_template(tmp_path_factory.mktemp("corpus_template"))


def _rows_in(case_: Case, template: Template) -> int:
    rows = case_.expect.rows_in
    return rows if isinstance(rows, int) else rows(template)


@pytest.mark.parametrize("case_", CASES, ids=[c.id for c in CASES])
def test_bad_input_case(case_: Case, template: Template, tmp_path):
    env = CaseEnv(template, tmp_path)
    source, domain = case_.source, case_.domain
    bronze_asset, silver = f"{domain}_bronze_{source}", h.SILVER[(domain, source)]
    steps = case_.steps(template)
    expected_requests = case_.requests or (1,) * len(steps)
    runs = []
    for files, n_requests in zip(steps, expected_requests, strict=True):
        env.deliver(files)
        requests = env.tick(domain)
        assert [(r.tags["source"], r.partition_key) for r in requests] == [(f"{domain}/{source}", case_.partition)] * n_requests
        for request in requests:
            names = {k.to_user_string() for k in request.asset_selection}
            assert {bronze_asset, silver.asset_name} <= names
            runs.append(env.run(domain, request))
    assert runs, "no run happened: the case proves nothing"
    last = runs[-1]
    if case_.first_run_fails:
        assert len(runs) > 1 and not runs[0].success
        _assert_failure_named(runs[0], case_.first_run_fails, bronze_asset)

    bronze_key = f"bronze/{domain}/{source}/dt={case_.partition}/data.parquet"
    expect = case_.expect
    if isinstance(expect, FailsBronze):
        _assert_fails_bronze(env, last, expect, bronze_asset, silver, bronze_key, case_.partition)
    else:
        _assert_screened(env, last, expect, _rows_in(case_, template), bronze_asset, silver, bronze_key, case_.partition)


def _assert_fails_bronze(env, result, expect: FailsBronze, bronze_asset, silver, bronze_key, partition):
    _assert_failure_named(result, expect, bronze_asset)
    # No partial load: nothing of the partition in bronze, silver or quarantine (0 rows in = 0 out + 0 quarantined + 0 dropped).
    assert h.materialization_metadata(result, bronze_asset) is None
    assert h.materialization_metadata(result, silver.asset_name) is None
    for key in (bronze_key, silver.lake_key(partition), silver.quarantine_key(partition)):
        assert not env.lake.exists(key), f"{key} was written for a partition that failed its contract"


def _assert_failure_named(result, expect: FailsBronze, bronze_asset):
    assert not result.success
    contract = h.check_outcomes(result, bronze_asset)[CONTRACT]
    assert contract.passed is False
    assert contract.metadata["key"].value == expect.key
    messages = h.failure_messages(result)
    clear = [m for m in messages if expect.key in m and expect.problem in m and all(n in m for n in expect.names)]
    assert clear, f"no failure names {expect.key!r}, {expect.problem!r} and {expect.names}: {messages}"


def _assert_screened(env, result, expect: Screened, rows_in: int, bronze_asset, silver, bronze_key, partition):
    lake = env.lake
    n_rejects = len(expect.rejects)
    rows_valid = rows_in - n_rejects - expect.duplicates
    assert result.success is (not expect.over_budget), h.failure_messages(result)

    # Bronze: every delivered record, as delivered, malformed ones included.
    bronze_meta = h.materialization_metadata(result, bronze_asset)
    bronze = lake.read_parquet(bronze_key)
    assert bronze.height == bronze_meta["dagster/row_count"] == rows_in
    malformed = sum(1 for reasons in expect.rejects.values() if reasons == (MALFORMED_LINE,))
    assert bronze_meta["malformed_lines"] == malformed
    assert sorted(bronze_meta["empty_files"]) == sorted(expect.empty_files)

    # Silver metadata and checks.
    meta = h.materialization_metadata(result, silver.asset_name)
    assert (meta["rows_in"], meta["rows_valid"], meta["rows_quarantined"], meta["rows_duplicate"], meta["conflicting_duplicates"]) == (
        rows_in, rows_valid, n_rejects, expect.duplicates, expect.conflicting)
    checks = h.check_outcomes(result, silver.asset_name)
    assert checks[CONSERVATION].passed is True
    assert checks[ERROR_BUDGET].passed is (not expect.over_budget)
    assert checks[QUARANTINE].passed is (n_rejects == 0)
    if n_rejects:  # the sample leads with why and where, not with a wide source's first columns
        assert checks[QUARANTINE].metadata["sample"].value.startswith(f"| {REJECT_REASONS} | _source_key | _source_line |")
    if expect.over_budget:
        _assert_budget_failure_explained(result, checks[ERROR_BUDGET], silver.asset_name, expect)
    if FREE_TEXT_PII in checks:
        pii = checks[FREE_TEXT_PII]
        assert pii.passed is (not expect.pii_scrubbed) and pii.severity == dg.AssetCheckSeverity.WARN
        assert {k: v for k, v in pii.metadata["by_kind"].value.items() if v} == expect.pii_scrubbed

    # Quarantine: exactly the bad rows, at their landing key and line, with the named rules.
    quarantine = lake.read_parquet(silver.quarantine_key(partition))
    found = {(k, n): tuple(sorted(r)) for k, n, r in quarantine.select("_source_key", "_source_line", REJECT_REASONS).iter_rows()}
    assert set(found) == set(expect.rejects), found
    for where, reasons in expect.rejects.items():
        if reasons is not None:
            assert found[where] == tuple(sorted(reasons)), (where, found[where])

    # Silver in the lake (only when published) and conservation from the lake files.
    if expect.over_budget:
        assert not lake.exists(silver.lake_key(partition))
        silver_rows = pl.DataFrame()
        assert bronze.height == meta["rows_valid"] + quarantine.height + meta["rows_duplicate"]
    else:
        silver_rows = lake.read_parquet(silver.lake_key(partition))
        assert silver_rows.height == rows_valid
        assert bronze.height == silver_rows.height + quarantine.height + meta["rows_duplicate"]
        if "_source_line" in silver_rows.columns:  # no silver row comes from a rejected line
            kept = set(silver_rows.select("_source_key", "_source_line").iter_rows())
            assert not kept & set(expect.rejects)
    if expect.extra:
        expect.extra(env, bronze, silver_rows, quarantine)


def _assert_budget_failure_explained(result, budget, asset: str, expect: Screened):
    """The check's own description and the run's failure message both say the rate, the budget and
    the top reasons, and what to do: the run page alone tells the on-call engineer what happened."""
    reasons = [r for rs in expect.rejects.values() if rs for r in rs]
    top = max(set(reasons), key=reasons.count)
    assert "over the 5% error budget" in budget.description and top in budget.description, budget.description
    messages = h.failure_messages(result)
    explained = [m for m in messages if asset in m and "error_budget failed" in m and "over the 5% error budget" in m and top in m and "re-deliver" in m]
    assert explained, messages
    assert not any("blocking asset check" in m for m in messages), messages  # not Dagster's generic message


def test_the_corpus_covers_every_category_and_both_domains():
    categories = {c.category for c in CASES}
    assert {"malformed_csv", "empty", "gzip", "schema_drift", "wrong_type", "extreme", "unknown_fk", "duplicates", "redelivery",
            "late", "json", "huge_line", "pii", "over_budget"} <= categories
    assert {c.domain for c in CASES} == {"retail", "banking"}
    assert len(CASES) >= 30 and len({c.id for c in CASES}) == len(CASES)


def test_a_catalog_that_fails_its_contract_blocks_the_pos_day_instead_of_quarantining_it(template, tmp_path):
    """DOMAIN.md §5: POS lines are validated against the day's catalog; a catalog delivered for the day
    that failed its contract blocks POS silver, with a clear error, rather than quarantining every line as
    `unknown_product` against a stale catalog."""
    env = CaseEnv(template, tmp_path)
    products, pos = landing("retail", "products", "products.jsonl", D1), landing("retail", "pos", "store_001.csv", D1)
    env.deliver({
        products: h.jsonl([r | {"shelf_life_days": 14} for r in h.products_lines(template)]),
        pos: h.csv_bytes(POS.columns, h.pos_rows(template, day=D1)),
    })
    requests = env.tick("retail")
    assert [(r.tags["source"], r.partition_key) for r in requests] == [("retail/products", DAY1), ("retail/pos", DAY1)]
    products_run, pos_run = (env.run("retail", r) for r in requests)
    _assert_failure_named(products_run, FailsBronze(products, "columns do not match the contract", ("shelf_life_days",)), "retail_bronze_products")

    assert not pos_run.success
    assert any("products" in m and DAY1 in m and "materialize" in m for m in h.failure_messages(pos_run)), h.failure_messages(pos_run)
    silver = h.SILVER[("retail", "pos")]
    assert h.materialization_metadata(pos_run, silver.asset_name) is None
    assert not env.lake.exists(silver.lake_key(DAY1)) and not env.lake.exists(silver.quarantine_key(DAY1))
    # Conservation: the day's lines wait in bronze, all of them, for a corrected catalog to re-run the day.
    assert env.lake.read_parquet(f"bronze/retail/pos/dt={DAY1}/data.parquet").height == BASE_ROWS


# ------------------------------------------------------------------ missing inputs to gold (DOMAIN.md §3.2)
#
# A gold dataset never silently assumes a value for an input that failed or is absent for its day: it
# is either not built, with the reason, or built from the latest good value, named with its date,
# under the inputs_current warning. Each case delivers files, ticks the real banking sensor (at a
# chosen clock where the case is about which partitions exist) and runs every request through gold.

LOANS_KEY = "loans.csv"
RISK = "banking_gold_loan_risk"


@dataclass(frozen=True)
class Step:
    files: Callable[[Template], dict[str, bytes]]
    requests: tuple[tuple[str, str], ...]  # (source, partition) the tick must request, in order
    at: datetime | None = None  # the sensor's clock; None: now


@dataclass(frozen=True)
class InputCase:
    id: str
    steps: tuple[Step, ...]
    expect: Callable[[CaseEnv, dict[tuple[str, str], dg.ExecuteInProcessResult]], None]


def _loans(day: str) -> Callable[[Template], dict[str, bytes]]:
    return lambda t: {landing("banking", "loans", LOANS_KEY, day): t.reference_files[landing("banking", "loans", LOANS_KEY)]}


def _indicators_on(day: str, data: Callable[[], bytes] = lambda: h.json_array(h.indicator_records())) -> Callable[[Template], dict[str, bytes]]:
    return lambda t: {landing("banking", "economic_indicators", "indicators.json", day): data()}


def _both(*files: Callable[[Template], dict[str, bytes]]) -> Callable[[Template], dict[str, bytes]]:
    return lambda t: {k: v for f in files for k, v in f(t).items()}


def _risk_outcome(runs, day: str) -> tuple[dict, dg.AssetCheckEvaluation]:
    run = runs[("banking/loans", day)]
    assert run.success, h.failure_messages(run)
    return h.materialization_metadata(run, RISK), h.check_outcomes(run, RISK)[INPUTS_CURRENT]


def _unrate(records: list[dict]) -> float:
    return max((r for r in records if r["series_id"] == "UNRATE"), key=lambda r: r["date"])["value"]


def _stood_in_for_failed_indicators(env, runs):
    assert not runs[("banking/economic_indicators", DAY1)].success  # the truncated file failed its contract
    meta, current = _risk_outcome(runs, DAY1)
    assert meta["indicators_snapshot"] == DAY0 and meta["bureau_scores_month"] == DAY0
    template_rates = json.loads(env.template.reference_files[landing("banking", "economic_indicators", "indicators.json")])
    assert meta["unemployment_rate"] == _unrate(template_rates)  # D0's good value, not an assumed baseline
    assert current.passed is False and current.severity == dg.AssetCheckSeverity.WARN
    assert f"economic_indicators for {DAY1}: the latest good one, of {DAY0}, stood in" in current.description


def _stood_in_for_missing_scores(env, runs):
    meta, current = _risk_outcome(runs, "2024-11-04")
    assert meta["bureau_scores_month"] == DAY0 and meta["indicators_snapshot"] == "2024-11-04"
    assert meta["unemployment_rate"] == _unrate(h.indicator_records())
    assert current.passed is False and "bureau_scores for 2024-11-01: the latest good one, of 2024-10-01, stood in" in current.description


def _not_built_without_any_good_input(env, runs):
    run = runs[("banking/loans", "2024-09-30")]
    assert not run.success and h.materialization_metadata(run, "banking_silver_loans") is not None
    assert h.materialization_metadata(run, RISK) is None
    assert not env.lake.exists(schemas.GOLD_LOAN_RISK.lake_key("2024-09-30"))
    messages = h.failure_messages(run)
    assert any("not built for 2024-09-30" in m and "bureau_scores for 2024-09-01" in m and "economic_indicators for 2024-09-30" in m for m in messages), messages


def _current_inputs_pass(env, runs):
    meta, current = _risk_outcome(runs, DAY1)
    assert current.passed is True and meta["indicators_snapshot"] == DAY1


def _month_scored_from_its_first_day(env, runs):
    scores = runs[("banking/bureau_scores", "2024-12-01")]
    assert scores.success and env.lake.exists(schemas.SILVER_BUREAU_SCORES.lake_key("2024-12-01"))
    meta, current = _risk_outcome(runs, "2024-12-02")
    assert meta["bureau_scores_month"] == "2024-12-01" and current.passed is True
    risk = env.lake.read_parquet(schemas.GOLD_LOAN_RISK.lake_key("2024-12-02"))
    assert risk.get_column("score_band").ne("unscored").any()  # the month's delivery scores its days


BUREAU_DEC = landing("banking", "bureau_scores", "bureau_scores.jsonl", "2024-12-01")
INPUT_CASES = [
    InputCase("risk-stands-in-the-latest-good-indicators-when-the-days-fail-and-warns", (
        Step(_both(_indicators_on(DAY1, lambda: h.json_array(h.indicator_records())[:-40]), _loans(DAY1)),
             (("banking/economic_indicators", DAY1), ("banking/loans", DAY1))),
    ), _stood_in_for_failed_indicators),
    InputCase("risk-stands-in-last-months-scores-when-the-months-are-missing-and-warns", (
        Step(_both(_indicators_on("2024-11-04"), _loans("2024-11-04")),
             (("banking/economic_indicators", "2024-11-04"), ("banking/loans", "2024-11-04"))),
    ), _stood_in_for_missing_scores),
    InputCase("risk-is-not-built-without-any-good-indicators-or-scores", (
        Step(_loans("2024-09-30"), (("banking/loans", "2024-09-30"),)),
    ), _not_built_without_any_good_input),
    InputCase("risk-from-the-days-own-inputs-passes-inputs-current", (
        Step(_both(_indicators_on(DAY1), _loans(DAY1)), (("banking/economic_indicators", DAY1), ("banking/loans", DAY1))),
    ), _current_inputs_pass),
    # The bureaus deliver a month's scores on its first day. Delivered early, they wait (not marked
    # seen); from the month's first day they are a partition and run, and they score that month's days.
    InputCase("bureau-scores-wait-for-their-month-then-score-its-days", (
        Step(lambda t: {BUREAU_DEC: h.jsonl(h.bureau_records(t))}, (), at=datetime(2024, 11, 20, 12, tzinfo=UTC)),
        Step(lambda t: {}, (("banking/bureau_scores", "2024-12-01"),), at=datetime(2024, 12, 1, 6, tzinfo=UTC)),
        Step(_both(_indicators_on("2024-12-02"), _loans("2024-12-02")),
             (("banking/economic_indicators", "2024-12-02"), ("banking/loans", "2024-12-02"))),
    ), _month_scored_from_its_first_day),
]


@pytest.mark.parametrize("case_", INPUT_CASES, ids=[c.id for c in INPUT_CASES])
def test_missing_input_case(case_: InputCase, template: Template, tmp_path):
    env = CaseEnv(template, tmp_path)
    runs = {}
    for step in case_.steps:
        env.deliver(step.files(template))
        requests = env.tick("banking", step.at)
        assert tuple((r.tags["source"], r.partition_key) for r in requests) == step.requests
        for request in requests:
            runs[(request.tags["source"], request.partition_key)] = env.run("banking", request, h.WITH_GOLD)
    assert runs, "no run happened: the case proves nothing"
    case_.expect(env, runs)

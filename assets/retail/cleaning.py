"""Retail silver: pure functions from bronze rows (text) to typed, validated, masked rows.

Each rejection rule of DOMAIN.md §2.2 / §5 is defined here, next to its expression.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import polars as pl

from assets.common import parsing
from assets.common.pii import Tokenizer, digits, email_key, mask_email, mask_phone
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
from assets.retail.sources import CUSTOMERS, POS, PRODUCTS, STORES

REGIONS = ("Northeast", "Southeast", "Midwest", "Southwest", "West")
STORE_TYPES = ("supercenter", "market", "express")
MAX_QUANTITY = 100
MAX_PRICE = 10_000


def valid_upc(column: str) -> pl.Expr:
    """12 digits whose last is the UPC-A check digit: 3 x odd positions + even positions ≡ 0 (mod 10)."""
    text = pl.col(column)
    digits = [text.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(12)]
    weighted = pl.sum_horizontal(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return text.str.contains(r"^\d{12}$") & (weighted % 10 == 0)


@dataclass(frozen=True)
class RetailReferences:
    """The snapshots a POS day is validated against (the latest at or before the day)."""

    store_ids: pl.Series
    product_ids: pl.Series
    customers: pl.DataFrame  # customer_id, loyalty_token


def screen_pos_lines(bronze: pl.DataFrame, refs: RetailReferences, day: date, tokenizer: Tokenizer, now: datetime) -> Screened:
    required = tuple(c for c in POS.columns if c != "loyalty_card")
    # The check digit is computed once per distinct barcode (~20,000 a day), not once per line.
    barcodes = bronze.lazy().select(pl.col("product_barcode").drop_nulls().unique()).collect()
    well_formed = barcodes.filter(valid_upc("product_barcode")).to_series().implode()
    rules = [
        missing_required(required),
        Rule("unknown_store", "store_id is not in the stores snapshot.", raw("store_id").is_not_null() & ~raw("store_id").is_in(refs.store_ids.implode())),
        Rule("invalid_barcode", "Not 12 digits, or the UPC-A check digit is wrong.", missing("product_barcode") | ~raw("product_barcode").is_in(well_formed)),
        Rule(
            "unknown_product",
            "A well-formed barcode that is not in the product catalog snapshot.",
            raw("product_barcode").is_in(well_formed) & ~raw("product_barcode").is_in(refs.product_ids.implode()),
        ),
        unparseable("quantity", "an integer"),
        value_rule("zero_quantity", "quantity", lambda q: q == 0, "quantity is 0 (returns are negative, sales positive)."),
        out_of_range("quantity", lambda q: q.abs() > MAX_QUANTITY, f"above {MAX_QUANTITY} in absolute value"),
        unparseable("price", "a decimal with at most 2 places (NaN, inf, '$4.99' and text are not)"),
        value_rule("non_positive_price", "price", lambda p: p <= 0, "price <= 0."),
        out_of_range("price", lambda p: p > MAX_PRICE, f"above {MAX_PRICE:,}"),
        *timestamp_rules(day, now),
        not_matching("receipt_id", r"^\d{3}-\d{2}-\d{8}-\d{5}$", "SSS-RR-YYYYMMDD-NNNNN"),
        Rule("invalid_line_no", "line_no is not an integer >= 1.", pl.col("line_no").is_null() | (magnitude("line_no") < 1)),
        not_matching("store_id", r"^\d{3}$", "3 digits"),
        not_matching("register_id", r"^POS\d{2}$", "POS + 2 digits"),
        not_matching("cashier_id", r"^emp\d{3}$", "emp + 3 digits"),
    ]
    screened = screen(
        bronze,
        source_columns=POS.columns,
        typed=[parsing.integer("line_no"), parsing.integer("quantity"), parsing.decimal("price", 10, 2), parsing.timestamp_utc("timestamp")],
        key=["receipt_id", "line_no"],
        rules=rules,
    )
    # An absent or unknown loyalty card is not an error: the line simply has no customer. A card
    # shared by two customers goes to the lowest customer_id, so re-runs resolve it the same way.
    cards = screened.valid.select(pl.col("loyalty_card").drop_nulls().unique()).collect(engine="streaming").get_column("loyalty_card")
    card_tokens = pl.DataFrame({"card": cards, "loyalty_token": tokenizer.tokens(cards)})
    card_owner = card_tokens.join(refs.customers, on="loyalty_token").group_by("card").agg(pl.col("customer_id").min())
    valid = screened.valid.select(
        "receipt_id",
        "line_no",
        "store_id",
        "register_id",
        "product_barcode",
        "quantity",
        "price",
        (pl.col("quantity") * pl.col("price")).cast(pl.Decimal(12, 2)).alias("amount"),
        "timestamp",
        pl.col("timestamp").dt.date().alias("transaction_date"),
        "cashier_id",
        pl.col("loyalty_card").replace_strict(card_owner.get_column("card"), card_owner.get_column("customer_id"), default=None, return_dtype=pl.String).alias("customer_id"),
        "_source_key",
        "_source_line",
    )
    rejected = screened.quarantined
    rejected = rejected.with_columns(
        loyalty_card=tokenizer.tokens(rejected.get_column("loyalty_card")),
        _raw_line=pl.col("_raw_line").str.replace_all(r"\b\d{10}\b", "<card>"),
    )
    return replace(screened, valid=valid, quarantined=rejected)


def screen_products(bronze: pl.DataFrame, day: date) -> Screened:
    required = ("product_id", "product_name", "category", "cost", "list_price", "active")
    rules = [
        missing_required(required),
        Rule("invalid_barcode", "product_id is not a 12-digit UPC-A with a valid check digit.", missing("product_id") | ~valid_upc("product_id__raw")),
        unparseable("cost", "a decimal with at most 2 places"),
        value_rule("negative_cost", "cost", lambda c: c < 0, "cost < 0."),
        unparseable("list_price", "a decimal with at most 2 places"),
        value_rule("non_positive_price", "list_price", lambda p: p <= 0, "list_price <= 0."),
        unparseable("active", "a boolean"),
        *(json_container(c) for c in ("product_name", "category", "subcategory", "brand", "supplier")),
    ]
    screened = screen(
        bronze,
        source_columns=PRODUCTS.columns,
        typed=[parsing.decimal("cost", 10, 2), parsing.decimal("list_price", 10, 2), parsing.boolean("active")],
        key=["product_id"],
        rules=rules,
    )
    return replace(screened, valid=screened.valid.select(*PRODUCTS.columns, snapshot_date=pl.lit(day)))


def known_customer_tokens(previous_bronze: pl.DataFrame, previous_silver: pl.DataFrame) -> pl.DataFrame:
    """Each customer's PII values as delivered in an earlier snapshot, with their tokens, so
    that the ~99.9% of values unchanged since are neither normalized nor hashed again. A
    silver row was made from its customer's first bronze row, so only those rows are paired."""
    first = previous_bronze.lazy().filter(pl.col("_raw_line").is_null()).filter(pl.col("customer_id").is_first_distinct())
    return (
        first.join(previous_silver.lazy(), on="customer_id")
        .select(
            "customer_id",
            loyalty=pl.struct(value=pl.col("loyalty_card"), token=pl.col("loyalty_token")),
            email=pl.struct(value=pl.col("email"), token=pl.col("email_token")),
            phone=pl.struct(value=pl.col("phone"), token=pl.col("phone_token")),
        )
        .collect()
    )


def screen_customers(bronze: pl.DataFrame, day: date, tokenizer: Tokenizer, known: pl.DataFrame | None = None) -> Screened:
    required = tuple(c for c in CUSTOMERS.columns if c != "loyalty_card")
    rules = [
        missing_required(required),
        not_matching("customer_id", r"^C\d{7}$", "C + 7 digits"),
        not_matching("loyalty_card", r"^\d{10}$", "10 digits", optional=True),
        invalid_email(),
        invalid_phone(),
        unparseable("signup_date", "YYYY-MM-DD"),
    ]
    screened = screen(
        bronze, source_columns=CUSTOMERS.columns, typed=[parsing.iso_date("signup_date")], key=["customer_id"], rules=rules
    )
    valid = screened.valid.collect()  # a snapshot, bounded by the customer base: tokens need the values in hand
    previous = None if known is None else valid.select("customer_id").join(known, on="customer_id", how="left", maintain_order="left")

    def tokens(field: str, column: str, key=None) -> pl.Series:
        return tokenizer.tokens(valid.get_column(column), None if previous is None else previous.get_column(field).struct.unnest(), key)

    masked = valid.lazy().select(
        "customer_id",
        loyalty_token=tokens("loyalty", "loyalty_card"),
        email_token=tokens("email", "email", email_key),
        email_masked=mask_email("email"),
        phone_token=tokens("phone", "phone", digits),
        phone_last4=mask_phone("phone"),
        signup_date=pl.col("signup_date"),
        city=pl.col("city"),
        state=pl.col("state"),
        zip=pl.col("zip"),
        snapshot_date=pl.lit(day),
    )
    return replace(screened, valid=masked, quarantined=mask_customer_pii(screened.quarantined, tokenizer))


def mask_customer_pii(rows: pl.DataFrame, tokenizer: Tokenizer) -> pl.DataFrame:
    """Quarantine is read by analysts too, so rejected rows are masked like silver ones."""
    return rows.with_columns(
        loyalty_card=tokenizer.tokens(rows.get_column("loyalty_card")),
        first_name=pl.lit(None, pl.String),
        last_name=pl.lit(None, pl.String),
        email=mask_email("email"),
        phone=mask_phone("phone"),
        _raw_line=pl.when(pl.col("_raw_line").is_not_null()).then(pl.lit("<withheld: may contain PII>")),
    )


def screen_stores(bronze: pl.DataFrame, day: date) -> Screened:
    rules = [
        missing_required(STORES.columns),
        not_matching("store_id", r"^\d{3}$", "3 digits"),
        not_one_of("region", REGIONS),
        not_one_of("store_type", STORE_TYPES),
        unparseable("open_date", "YYYY-MM-DD"),
    ]
    screened = screen(bronze, source_columns=STORES.columns, typed=[parsing.iso_date("open_date")], key=["store_id"], rules=rules)
    return replace(screened, valid=screened.valid.select(*STORES.columns, snapshot_date=pl.lit(day)))

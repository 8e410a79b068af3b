"""Retail silver: pure functions from bronze rows (text) to typed, validated, masked rows.

Each rejection rule of DOMAIN.md §2.2 / §5 is defined here, next to its expression.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import polars as pl

from assets.common import parsing
from assets.common.pii import Tokenizer, digits, email_key, mask_email, mask_phone
from assets.common.screening import Rule, Screened, invalid_value, json_container, missing, missing_required, raw, screen
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
    day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    required = tuple(c for c in POS.columns if c != "loyalty_card")
    timestamp = pl.col("timestamp")
    # The check digit is computed once per distinct barcode (~20,000 a day), not once per line.
    barcodes = bronze.lazy().select(pl.col("product_barcode").drop_nulls().unique()).collect()
    well_formed = barcodes.filter(valid_upc("product_barcode")).to_series().implode()
    rules = [
        missing_required(required),
        Rule("unknown_store", "store_id is not in the stores snapshot.", raw("store_id").is_not_null() & ~raw("store_id").is_in(refs.store_ids.implode())),
        Rule("invalid_barcode", "Not 12 digits, or the UPC-A check digit is wrong.", raw("product_barcode").is_not_null() & ~raw("product_barcode").is_in(well_formed)),
        Rule(
            "unknown_product",
            "A well-formed barcode that is not in the product catalog snapshot.",
            raw("product_barcode").is_in(well_formed) & ~raw("product_barcode").is_in(refs.product_ids.implode()),
        ),
        Rule("invalid_quantity", "quantity is not an integer.", invalid_value("quantity")),
        Rule("zero_quantity", "quantity is 0 (returns are negative, sales positive).", pl.col("quantity") == 0),
        Rule("quantity_out_of_range", f"|quantity| > {MAX_QUANTITY}.", pl.col("quantity").abs() > MAX_QUANTITY),
        Rule("invalid_price", "price is not a decimal with at most 2 places (NaN, inf, '$4.99', text).", invalid_value("price")),
        Rule("non_positive_price", "price <= 0.", pl.col("price") <= 0),
        Rule("price_out_of_range", f"price > {MAX_PRICE:,}.", pl.col("price") > MAX_PRICE),
        Rule("invalid_timestamp", "Not ISO-8601 with an offset, or an impossible date or time.", invalid_value("timestamp")),
        Rule("future_timestamp", "After the moment of validation.", timestamp > now),
        Rule(
            "timestamp_outside_partition",
            "The UTC instant is outside [00:00, 24:00) of the partition day.",
            (timestamp < day_start) | (timestamp >= day_start + timedelta(days=1)),
        ),
        Rule("invalid_receipt_id", "Not SSS-RR-YYYYMMDD-NNNNN.", ~missing("receipt_id") & ~raw("receipt_id").str.contains(r"^\d{3}-\d{2}-\d{8}-\d{5}$")),
        Rule("invalid_line_no", "line_no is not an integer >= 1.", invalid_value("line_no") | (pl.col("line_no") < 1)),
        Rule("invalid_store_id", "store_id is not 3 digits.", ~missing("store_id") & ~raw("store_id").str.contains(r"^\d{3}$")),
        Rule("invalid_register_id", "register_id is not POS + 2 digits.", ~missing("register_id") & ~raw("register_id").str.contains(r"^POS\d{2}$")),
        Rule("invalid_cashier_id", "cashier_id is not emp + 3 digits.", ~missing("cashier_id") & ~raw("cashier_id").str.contains(r"^emp\d{3}$")),
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
        Rule("invalid_barcode", "product_id is not a 12-digit UPC-A with a valid check digit.", ~missing("product_id") & ~valid_upc("product_id__raw")),
        Rule("invalid_cost", "cost is not a decimal with at most 2 places.", invalid_value("cost")),
        Rule("negative_cost", "cost < 0.", pl.col("cost") < 0),
        Rule("invalid_list_price", "list_price is not a decimal with at most 2 places.", invalid_value("list_price")),
        Rule("non_positive_price", "list_price <= 0.", pl.col("list_price") <= 0),
        Rule("invalid_active", "active is not a boolean.", invalid_value("active")),
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
        Rule("invalid_customer_id", "customer_id is not C + 7 digits.", ~missing("customer_id") & ~raw("customer_id").str.contains(r"^C\d{7}$")),
        Rule("invalid_loyalty_card", "loyalty_card is present but not 10 digits.", ~missing("loyalty_card") & ~raw("loyalty_card").str.contains(r"^\d{10}$")),
        Rule("invalid_email", "email is not of the form local@domain.", ~missing("email") & ~raw("email").str.contains(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")),
        Rule("invalid_phone", "phone has fewer than 7 digits.", ~missing("phone") & (digits(raw("phone")).str.len_chars() < 7)),
        Rule("invalid_signup_date", "signup_date is not YYYY-MM-DD.", invalid_value("signup_date")),
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
        Rule("invalid_store_id", "store_id is not 3 digits.", ~missing("store_id") & ~raw("store_id").str.contains(r"^\d{3}$")),
        Rule("invalid_region", f"region is not one of {', '.join(REGIONS)}.", ~missing("region") & ~raw("region").is_in(REGIONS)),
        Rule("invalid_store_type", f"store_type is not one of {', '.join(STORE_TYPES)}.", ~missing("store_type") & ~raw("store_type").is_in(STORE_TYPES)),
        Rule("invalid_open_date", "open_date is not YYYY-MM-DD.", invalid_value("open_date")),
    ]
    screened = screen(bronze, source_columns=STORES.columns, typed=[parsing.iso_date("open_date")], key=["store_id"], rules=rules)
    return replace(screened, valid=screened.valid.select(*STORES.columns, snapshot_date=pl.lit(day)))

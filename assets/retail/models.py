"""pandera models: the contract each retail silver and gold dataset must satisfy.

They are the blocking `schema` check of every asset (assets/common/checks.py). The row
rules in cleaning.py route bad input to quarantine first, so a failure here means the
platform, not the source, is wrong.
"""

import pandera.polars as pa
import polars as pl

MONEY = pl.Decimal(12, 2)
TOTAL = pl.Decimal(38, 2)
UTC = pl.Datetime("us", "UTC")


class _Strict(pa.DataFrameModel):
    class Config:
        strict = True  # no column may appear or vanish without a code change


class PosLine(_Strict):
    receipt_id: str = pa.Field(str_matches=r"^\d{3}-\d{2}-\d{8}-\d{5}$")
    line_no: pl.Int64 = pa.Field(ge=1)
    store_id: str = pa.Field(str_matches=r"^\d{3}$")
    register_id: str = pa.Field(str_matches=r"^POS\d{2}$")
    product_barcode: str = pa.Field(str_matches=r"^\d{12}$")
    quantity: pl.Int64 = pa.Field(ne=0, ge=-100, le=100)
    price: pl.Decimal(10, 2) = pa.Field(gt=0, le=10_000)
    amount: MONEY
    timestamp: UTC
    transaction_date: pl.Date
    cashier_id: str = pa.Field(str_matches=r"^emp\d{3}$")
    customer_id: str = pa.Field(nullable=True, str_matches=r"^C\d{7}$")
    source_key: str = pa.Field(alias="_source_key")
    source_line: pl.Int64 = pa.Field(alias="_source_line")

    class Config:
        unique = ["receipt_id", "line_no"]


class Product(_Strict):
    product_id: str = pa.Field(str_matches=r"^\d{12}$", unique=True)
    product_name: str
    category: str
    subcategory: str = pa.Field(nullable=True)
    brand: str = pa.Field(nullable=True)
    supplier: str = pa.Field(nullable=True)
    cost: pl.Decimal(10, 2) = pa.Field(ge=0)
    list_price: pl.Decimal(10, 2) = pa.Field(gt=0)
    active: bool
    snapshot_date: pl.Date


class Customer(_Strict):
    """Masked: tokens join, masks display; names, clear e-mail, phone and card never leave bronze."""

    customer_id: str = pa.Field(str_matches=r"^C\d{7}$", unique=True)
    loyalty_token: str = pa.Field(nullable=True, str_length={"min_value": 32, "max_value": 32})
    email_token: str = pa.Field(str_length={"min_value": 32, "max_value": 32})
    email_masked: str = pa.Field(str_contains=r"\*{6}")
    phone_token: str = pa.Field(str_length={"min_value": 32, "max_value": 32})
    phone_last4: str = pa.Field(str_matches=r"^\*{3}-\*{3}-\d{4}$")
    signup_date: pl.Date
    city: str
    state: str
    zip: str
    snapshot_date: pl.Date


class Store(_Strict):
    store_id: str = pa.Field(str_matches=r"^\d{3}$", unique=True)
    store_name: str
    city: str
    state: str
    region: str = pa.Field(isin=["Northeast", "Southeast", "Midwest", "Southwest", "West"])
    store_type: str = pa.Field(isin=["supercenter", "market", "express"])
    open_date: pl.Date
    snapshot_date: pl.Date


class StoreProductDaily(_Strict):
    date: pl.Date
    store_id: str
    product_id: str
    category: str
    units: pl.Int64
    revenue: TOTAL
    cost: TOTAL
    margin: TOTAL
    revenue_rank: pl.Int64 = pa.Field(ge=1)

    class Config:
        unique = ["date", "store_id", "product_id"]


class StoreDaily(_Strict):
    date: pl.Date
    store_id: str
    revenue: TOTAL
    receipts: pl.Int64 = pa.Field(ge=1)
    units: pl.Int64
    return_lines: pl.Int64 = pa.Field(ge=0)
    unique_customers: pl.Int64 = pa.Field(ge=0)
    average_basket: TOTAL

    class Config:
        unique = ["date", "store_id"]


class CategoryRegionDaily(_Strict):
    date: pl.Date
    region: str
    category: str
    revenue: TOTAL
    margin: TOTAL
    units: pl.Int64

    class Config:
        unique = ["date", "region", "category"]


class CustomerRfm(_Strict):
    as_of_date: pl.Date
    customer_id: str
    total_spent: TOTAL
    visits: pl.Int64 = pa.Field(ge=1)
    average_transaction: TOTAL
    category_diversity: pl.Int64 = pa.Field(ge=1)
    first_purchase: pl.Date
    last_purchase: pl.Date
    lifetime_days: pl.Int64 = pa.Field(ge=0)
    recency_days: pl.Int64 = pa.Field(ge=0, le=89)

    class Config:
        unique = ["as_of_date", "customer_id"]



class CustomerSegment(_Strict):
    """A customer's K-means segment as of a month's end, computed on Spark (platform/spark/customer_segments.py)."""

    month: pl.Date
    as_of_date: pl.Date
    customer_id: str = pa.Field(str_matches=r"^C\d{7}$", unique=True)
    segment: pl.Int64 = pa.Field(ge=1, le=5)
    recency_days: pl.Int64 = pa.Field(ge=0)
    frequency: pl.Int64 = pa.Field(ge=1)
    monetary: pl.Decimal(14, 2)


class CustomerSegmentSummary(_Strict):
    month: pl.Date
    segment: pl.Int64 = pa.Field(ge=1, le=5, unique=True)
    customers: pl.Int64 = pa.Field(ge=1)
    average_spend: pl.Decimal(14, 2)
    average_visits: pl.Float64 = pa.Field(ge=1)
    average_recency_days: pl.Float64 = pa.Field(ge=0)

"""Retail gold aggregations on hand-made silver rows, checked by hand."""

from datetime import date
from decimal import Decimal

import polars as pl

from assets.retail import metrics

D1, D2 = date(2024, 10, 1), date(2024, 10, 2)
MONEY = pl.Decimal(12, 2)


def lines(*rows) -> pl.DataFrame:
    """rows: (date, store, receipt, product, quantity, price, customer)."""
    frame = pl.DataFrame(
        rows, schema=["transaction_date", "store_id", "receipt_id", "product_barcode", "quantity", "price", "customer_id"], orient="row"
    )
    return frame.with_columns(pl.col("price").cast(MONEY)).with_columns(amount=(pl.col("quantity") * pl.col("price")).cast(MONEY))


PRODUCTS = pl.DataFrame(
    {"product_id": ["A", "B", "C"], "category": ["Dairy", "Dairy", "Snacks"], "cost": [Decimal("1.00"), Decimal("2.00"), Decimal("0.50")]},
    schema_overrides={"cost": pl.Decimal(10, 2)},
)
STORES = pl.DataFrame({"store_id": ["001", "002"], "region": ["West", "Midwest"]})
DAY = lines(
    (D1, "001", "r1", "A", 2, Decimal("3.00"), "C1"),
    (D1, "001", "r1", "B", 1, Decimal("6.00"), "C1"),
    (D1, "001", "r2", "C", 4, Decimal("1.00"), None),
    (D1, "001", "r3", "A", -1, Decimal("3.00"), "C2"),
    (D1, "002", "r4", "C", 3, Decimal("1.10"), "C1"),
)


def test_store_product_daily_ranks_best_sellers_densely_with_ties():
    out = metrics.store_product_daily(DAY, PRODUCTS)
    store1 = out.filter(pl.col("store_id") == "001").select("product_id", "units", "revenue", "cost", "margin", "revenue_rank").rows()
    # A: 2x3.00 - 1x3.00 = 3.00, B: 6.00, C: 4.00 -> ranks B=1, C=2, A=3
    assert store1 == [
        ("B", 1, Decimal("6.00"), Decimal("2.00"), Decimal("4.00"), 1),
        ("C", 4, Decimal("4.00"), Decimal("2.00"), Decimal("2.00"), 2),
        ("A", 1, Decimal("3.00"), Decimal("1.00"), Decimal("2.00"), 3),
    ]
    tied = metrics.store_product_daily(lines((D1, "001", "r1", "A", 1, Decimal("2.00"), None), (D1, "001", "r1", "B", 1, Decimal("2.00"), None)), PRODUCTS)
    assert tied.get_column("revenue_rank").to_list() == [1, 1]
    assert metrics.stores_with_rank_gaps(out) == []
    assert metrics.stores_with_rank_gaps(out.with_columns(revenue_rank=pl.col("revenue_rank") * 2)) == ["001", "002"]


def test_store_daily():
    out = metrics.store_daily(DAY).filter(pl.col("store_id") == "001").row(0, named=True)
    assert out["revenue"] == Decimal("13.00") and out["receipts"] == 3 and out["units"] == 6
    assert out["return_lines"] == 1 and out["unique_customers"] == 2 and out["average_basket"] == Decimal("4.33")


def test_category_region_daily_sums_to_silver():
    out = metrics.category_region_daily(DAY, PRODUCTS, STORES)
    assert out.select("region", "category", "revenue", "margin", "units").rows() == [
        ("Midwest", "Snacks", Decimal("3.30"), Decimal("1.80"), 3),
        ("West", "Dairy", Decimal("9.00"), Decimal("6.00"), 2),
        ("West", "Snacks", Decimal("4.00"), Decimal("2.00"), 4),
    ]
    assert out.get_column("revenue").sum() == DAY.get_column("amount").sum()


def test_customer_rfm_over_the_window():
    history = pl.concat([DAY, lines((D2, "002", "r9", "B", 1, Decimal("6.00"), "C1"))])
    out = metrics.customer_rfm(history, PRODUCTS, D2)
    c1 = out.filter(pl.col("customer_id") == "C1").row(0, named=True)
    assert c1["total_spent"] == Decimal("21.30") and c1["visits"] == 3 and c1["average_transaction"] == Decimal("7.10")
    assert c1["category_diversity"] == 2 and c1["first_purchase"] == D1 and c1["last_purchase"] == D2
    assert c1["lifetime_days"] == 1 and c1["recency_days"] == 0
    c2 = out.filter(pl.col("customer_id") == "C2").row(0, named=True)
    assert c2["total_spent"] == Decimal("-3.00") and c2["recency_days"] == 1  # a return-only customer
    assert out.height == 2  # anonymous lines have no customer row

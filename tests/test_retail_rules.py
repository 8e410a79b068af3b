"""Each retail rejection rule, the amount arithmetic and duplicates, on hand-made bronze rows."""

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest

from assets.common.identifiers import is_valid_upc, upc_check_digit
from assets.common.landing import RAW_LINE
from assets.common.pii import Tokenizer
from assets.common.screening import REJECT_REASONS, reason_counts
from assets.retail import cleaning
from assets.retail.sources import POS

DAY = date(2024, 10, 1)
NOW = datetime(2024, 10, 5, tzinfo=UTC)
TOKENS = Tokenizer(b"unit-test-key-0123456789")
GOOD_UPC = "036000291452"
OTHER_UPC = "012345678905"
CARD = "4000123456"
REFS = cleaning.RetailReferences(
    store_ids=pl.Series(["001", "002"]),
    product_ids=pl.Series([GOOD_UPC]),
    customers=pl.DataFrame({"customer_id": ["C0000001"], "loyalty_token": [TOKENS.token(CARD)]}),
)


def line(n: int, **overrides) -> dict:
    row = {
        "receipt_id": f"001-01-20241001-{n:05d}",
        "line_no": "1",
        "store_id": "001",
        "register_id": "POS01",
        "product_barcode": GOOD_UPC,
        "quantity": "2",
        "price": "3.99",
        "timestamp": "2024-10-01T10:30:15Z",
        "cashier_id": "emp001",
        "loyalty_card": CARD,
    }
    return row | overrides


def bronze(*rows: dict, malformed: int = 0) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows), schema={c: pl.String for c in POS.columns})
    frame = frame.with_columns(
        _source_key=pl.lit("landing/retail/pos/dt=2024-10-01/store_001.csv"),
        _source_line=pl.int_range(2, len(rows) + 2),
        _ingested_at=pl.lit(NOW),
        _raw_line=pl.lit(None, pl.String),
    )
    if malformed:
        broken = pl.DataFrame(
            {"_source_line": [1000 + i for i in range(malformed)], RAW_LINE: ["1,2,3"] * malformed}, schema_overrides={"_source_line": pl.Int64}
        ).with_columns(_source_key=pl.lit("landing/retail/pos/dt=2024-10-01/store_001.csv"), _ingested_at=pl.lit(NOW))
        frame = pl.concat([frame, broken], how="diagonal_relaxed")
    return frame


def screen(*rows, **kw):
    return cleaning.screen_pos_lines(bronze(*rows, **kw), REFS, DAY, TOKENS, NOW)


def reasons_of(**overrides) -> list[str]:
    result = screen(line(1, **overrides))
    assert result.valid.collect().height + result.quarantined.height == 1
    return result.quarantined.get_column(REJECT_REASONS).to_list()[0] if result.quarantined.height else []


def test_upc_check_digit():
    assert upc_check_digit("03600029145") == 2
    assert is_valid_upc(GOOD_UPC) and not is_valid_upc("036000291453") and not is_valid_upc("12345ABC")


def test_clean_line_passes_with_decimal_amount_and_customer():
    result = screen(line(1), line(2, quantity="-1", loyalty_card=""))
    assert result.quarantined.height == 0
    assert result.valid.collect().get_column("amount").to_list() == [Decimal("7.98"), Decimal("-3.99")]
    assert result.valid.collect().get_column("customer_id").to_list() == ["C0000001", None]
    assert "loyalty_card" not in result.valid.collect().columns


def test_amount_arithmetic_is_exact_to_the_cent():
    rows = [line(i, quantity="3", price="0.10") for i in range(1, 1001)]
    result = screen(*rows)
    assert result.valid.collect().get_column("amount").sum() == Decimal("300.00")  # 0.1 * 3 * 1000 in floats is 300.0000000000XX


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"store_id": "999"}, ["unknown_store"]),
        ({"product_barcode": "12345ABC"}, ["invalid_barcode"]),
        ({"product_barcode": "036000291453"}, ["invalid_barcode"]),
        ({"product_barcode": OTHER_UPC}, ["unknown_product"]),
        ({"quantity": "0"}, ["zero_quantity"]),
        ({"quantity": "-0"}, ["zero_quantity"]),
        ({"quantity": "101"}, ["quantity_out_of_range"]),
        ({"quantity": "-101"}, ["quantity_out_of_range"]),
        ({"quantity": "two"}, ["invalid_quantity"]),
        ({"price": "0.00"}, ["non_positive_price"]),
        ({"price": "-0.00"}, ["non_positive_price"]),
        ({"price": "-1.50"}, ["non_positive_price"]),
        ({"price": "10000.01"}, ["price_out_of_range"]),
        ({"price": "NaN"}, ["invalid_price"]),
        ({"price": "inf"}, ["invalid_price"]),
        ({"price": "$4.99"}, ["invalid_price"]),
        ({"price": "3.999"}, ["invalid_price"]),
        ({"price": "123456789.00"}, ["invalid_price", "price_out_of_range"]),  # too long for decimal(10,2), and out of range
        ({"timestamp": "not-a-time"}, ["invalid_timestamp"]),
        ({"timestamp": "2024-02-30T10:00:00Z"}, ["invalid_timestamp"]),
        ({"timestamp": "2024-09-30T23:59:59Z"}, ["timestamp_outside_partition"]),
        ({"timestamp": "2024-10-02T00:00:00Z"}, ["timestamp_outside_partition"]),
        ({"timestamp": "2099-10-01T10:00:00Z"}, ["future_timestamp", "timestamp_outside_partition"]),
        ({"cashier_id": ""}, ["missing_required_field", "invalid_cashier_id"]),
        ({"price": None}, ["missing_required_field", "invalid_price"]),
        ({"receipt_id": "R1"}, ["invalid_receipt_id"]),
        ({"register_id": "TILL1"}, ["invalid_register_id"]),
        ({"quantity": "0", "price": "-1.00", "store_id": "999"}, ["unknown_store", "zero_quantity", "non_positive_price"]),
    ],
)
def test_rejection_rules(overrides, expected):
    assert reasons_of(**overrides) == expected


def test_partition_edges_and_offsets_are_inside():
    assert reasons_of(timestamp="2024-10-01T00:00:00Z") == []
    assert reasons_of(timestamp="2024-10-01T23:59:59.999Z") == []
    assert reasons_of(timestamp="2024-10-02T01:00:00+02:00") == []  # 23:00 UTC on the 1st


def test_unknown_loyalty_card_is_not_an_error():
    assert reasons_of(loyalty_card="9999999999") == []


def test_a_card_shared_by_two_customers_goes_to_the_lowest_customer_id():
    other = "4000999999"
    customers = pl.DataFrame(
        {"customer_id": ["C0000009", "C0000003", "C0000005"], "loyalty_token": [TOKENS.token(CARD), TOKENS.token(CARD), TOKENS.token(other)]}
    )
    refs = cleaning.RetailReferences(store_ids=REFS.store_ids, product_ids=REFS.product_ids, customers=customers)
    result = cleaning.screen_pos_lines(bronze(line(1), line(2, loyalty_card=other), line(3, loyalty_card=None)), refs, DAY, TOKENS, NOW)
    assert result.valid.collect().get_column("customer_id").to_list() == ["C0000003", "C0000005", None]


def test_malformed_lines_and_duplicates_are_conserved():
    result = screen(
        line(1), line(1), line(1, quantity="5"), line(2, price="0"), malformed=2
    )
    assert result.rows_in == 6
    assert result.duplicates == 2 and result.conflicting_duplicates == 1
    assert result.valid.collect().height == 1 and result.valid.collect().get_column("quantity").to_list() == [2]  # first occurrence wins
    assert reason_counts(result.quarantined) == {"malformed_line": 2, "non_positive_price": 1}
    assert result.valid.collect().height + result.quarantined.height + result.duplicates == result.rows_in
    assert result.error_rate == pytest.approx(3 / 4)


def test_quarantine_keeps_source_columns_lineage_and_masks_the_card():
    result = screen(line(1, price="0"))
    row = result.quarantined.row(0, named=True)
    assert set(POS.columns) | {"_source_key", "_source_line", "_ingested_at", REJECT_REASONS} <= set(row)
    assert row["price"] == "0" and row["loyalty_card"] == TOKENS.token(CARD)


def test_first_occurrence_wins_even_when_bronze_arrives_out_of_order():
    rows = bronze(line(1, quantity="1"), line(1, quantity="2"))
    result = cleaning.screen_pos_lines(rows.reverse(), REFS, DAY, TOKENS, NOW)
    assert result.valid.collect().get_column("quantity").to_list() == [1]


def test_the_whole_seconds_utc_shortcut_parses_exactly_like_the_general_iso_format():
    from assets.common.parsing import ISO_TIMESTAMP, timestamp_utc

    texts = [
        "2024-10-01T10:30:15Z", "2024-10-01T10:30:15.250Z", "2024-10-01T10:30:15+02:00", "2024-10-01T10:30:15-0530",
        "2024-10-01T10:30:15z", "2024-10-01 10:30:15Z", "2024-10-01T10:30:15", "2024-10-01T10:30:15Zjunk", " 2024-10-01T10:30:15Z",
        "2024-1-1T1:2:3Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-45T25:61:00Z", "2024-10-01T23:59:60Z",
        "+2024-10-01T10:30:15Z", "20241001T103015Z", "", None,
    ]
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    general = frame.select(pl.col("t").str.strptime(pl.Datetime("us", "UTC"), ISO_TIMESTAMP, strict=False)).to_series()
    assert general.is_not_null().sum() >= 5  # the comparison covers real instants, not only nulls
    assert frame.select(timestamp_utc("t")).to_series().to_list() == general.to_list()

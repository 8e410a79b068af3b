"""Rules and masking of the reference snapshots: products, customers, stores."""

from datetime import UTC, date, datetime

import polars as pl
import pytest

from assets.common.pii import Tokenizer
from assets.common.screening import REJECT_REASONS
from assets.retail import cleaning
from assets.retail.sources import CUSTOMERS, PRODUCTS, STORES

DAY = date(2024, 10, 1)
TOKENS = Tokenizer(b"unit-test-key-0123456789")


def bronze(source, *rows: dict) -> pl.DataFrame:
    frame = pl.DataFrame(list(rows), schema={c: pl.String for c in source.columns})
    return frame.with_columns(
        _source_key=pl.lit(f"landing/retail/{source.name}/dt=2024-10-01/x"),
        _source_line=pl.int_range(2, len(rows) + 2),
        _ingested_at=pl.lit(datetime(2024, 10, 1, tzinfo=UTC)),
        _raw_line=pl.lit(None, pl.String),
    )


def customer(**overrides) -> dict:
    return {
        "customer_id": "C0000001", "loyalty_card": "4000123456", "first_name": "Jane", "last_name": "O'Hara",
        "email": "Jane.Doe@Example.com", "phone": "(555) 123-4567", "signup_date": "2020-02-29",
        "city": "Springfield", "state": "IL", "zip": "62701",
    } | overrides


def product(**overrides) -> dict:
    return {
        "product_id": "036000291452", "product_name": "Milk", "category": "Dairy", "subcategory": None, "brand": None,
        "supplier": None, "cost": "2.50", "list_price": "3.99", "active": "true",
    } | overrides


def store(**overrides) -> dict:
    return {"store_id": "001", "store_name": "Main St, Springfield", "city": "Springfield", "state": "IL", "region": "Midwest",
            "store_type": "market", "open_date": "2001-05-01"} | overrides


def reasons(screened) -> list[list[str]]:
    return screened.quarantined.get_column(REJECT_REASONS).to_list()


def test_customers_are_masked_and_tokenised_and_names_never_leave_bronze():
    out = cleaning.screen_customers(bronze(CUSTOMERS, customer()), DAY, TOKENS)
    row = out.valid.collect().row(0, named=True)
    assert row["email_masked"] == "J******e@Example.com" and row["phone_last4"] == "***-***-4567"
    assert row["loyalty_token"] == TOKENS.token("4000123456")
    assert row["email_token"] == TOKENS.token("jane.doe@example.com")  # case-insensitive join key
    assert row["phone_token"] == TOKENS.token("5551234567")
    text = " ".join(str(v) for v in row.values())
    for clear in ("Jane", "O'Hara", "Doe@", "4000123456", "123-4567"):
        assert clear not in text


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"customer_id": "X1"}, ["invalid_customer_id"]),
        ({"loyalty_card": "12"}, ["invalid_loyalty_card"]),
        ({"email": "not-an-email"}, ["invalid_email"]),
        ({"phone": "12"}, ["invalid_phone"]),
        ({"signup_date": "2023-02-29"}, ["invalid_signup_date"]),
        ({"city": None}, ["missing_required_field"]),
    ],
)
def test_customer_rules_and_masked_quarantine(overrides, expected):
    out = cleaning.screen_customers(bronze(CUSTOMERS, customer(**overrides)), DAY, TOKENS)
    assert reasons(out) == [expected]
    rejected = out.quarantined.row(0, named=True)
    assert rejected["first_name"] is None and rejected["last_name"] is None
    assert "Jane.Doe" not in str(rejected["email"]) and "4000123456" not in str(rejected["loyalty_card"])


def test_a_customer_without_a_loyalty_card_is_valid():
    out = cleaning.screen_customers(bronze(CUSTOMERS, customer(loyalty_card=None)), DAY, TOKENS)
    assert out.valid.collect().get_column("loyalty_token").to_list() == [None]


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"product_id": "036000291453"}, ["invalid_barcode"]),
        ({"cost": "-1.00"}, ["negative_cost"]),
        ({"cost": "abc"}, ["invalid_cost"]),
        ({"list_price": "0"}, ["non_positive_price"]),
        ({"list_price": '{"amount": 3}'}, ["invalid_list_price"]),
        ({"active": "maybe"}, ["invalid_active"]),
        ({"product_name": None}, ["missing_required_field"]),
    ],
)
def test_product_rules(overrides, expected):
    assert reasons(cleaning.screen_products(bronze(PRODUCTS, product(**overrides)), DAY)) == [expected]


def test_products_below_cost_and_optional_fields_are_kept():
    out = cleaning.screen_products(bronze(PRODUCTS, product(cost="5.00", list_price="3.99")), DAY)
    assert out.quarantined.height == 0 and out.valid.collect().get_column("snapshot_date").to_list() == [DAY]


@pytest.mark.parametrize(
    "overrides, expected",
    [({"region": "Atlantis"}, ["invalid_region"]), ({"store_type": "kiosk"}, ["invalid_store_type"]), ({"store_id": "1"}, ["invalid_store_id"]),
     ({"open_date": "yesterday"}, ["invalid_open_date"])],
)
def test_store_rules(overrides, expected):
    assert reasons(cleaning.screen_stores(bronze(STORES, store(**overrides)), DAY)) == [expected]


def test_duplicate_keys_keep_the_first_snapshot_row():
    out = cleaning.screen_stores(bronze(STORES, store(store_name="first"), store(store_name="second")), DAY)
    assert out.valid.collect().get_column("store_name").to_list() == ["first"] and out.duplicates == 1 and out.conflicting_duplicates == 1


def test_tokens_are_reused_from_the_previous_snapshot_only_when_made_with_this_key():
    yesterday = bronze(CUSTOMERS, customer(), customer(customer_id="C0000002", loyalty_card="4000999999", email="b@x.org"))
    previous = cleaning.screen_customers(yesterday, DAY, TOKENS).valid.collect()
    today = bronze(CUSTOMERS, customer(email="new@x.org"), customer(customer_id="C0000002", loyalty_card="4000999999", email="b@x.org"))
    fresh = cleaning.screen_customers(today, DAY, TOKENS).valid.collect()

    known = cleaning.known_customer_tokens(yesterday, previous)
    assert cleaning.screen_customers(today, DAY, TOKENS, known).valid.collect().equals(fresh)

    rotated = Tokenizer(b"another-key-0123456789")
    assert cleaning.screen_customers(today, DAY, rotated, known).valid.collect().equals(cleaning.screen_customers(today, DAY, rotated).valid.collect())


def test_only_unchanged_values_reuse_their_token_and_skip_the_hashing(monkeypatch):
    values = pl.Series(["a", "b", "c", "d", None])
    # Row for row, the same entities' earlier values: "b" changed (its old token must not be
    # reused), "c" and the last are new entities.
    known = pl.DataFrame({"value": ["a", "old", None, "d", None], "token": [TOKENS.token("a"), TOKENS.token("old"), None, TOKENS.token("d"), None]})
    hashed = []
    original = Tokenizer._hash_all
    monkeypatch.setattr(Tokenizer, "_hash_all", lambda self, v: hashed.extend(v.to_list()) or original(self, v))
    assert TOKENS.tokens(values, known).to_list() == [TOKENS.token(v) for v in "abcd"] + [None]
    assert sorted(hashed) == ["b", "c"]


def test_a_token_is_of_the_key_and_an_unchanged_value_reuses_it_without_computing_the_key(monkeypatch):
    lower = lambda e: e.str.to_lowercase()  # noqa: E731
    values = pl.Series(["A@X.org", "b@Y.org", "C@z.org"])
    known = pl.DataFrame({"value": ["A@X.org", "b@y.org", None], "token": [TOKENS.token("a@x.org"), TOKENS.token("b@y.org"), None]})
    keyed = []
    monkeypatch.setattr(Tokenizer, "_hash_all", lambda self, v: keyed.extend(v.to_list()) or [TOKENS.token(x) for x in v.to_list()])
    assert TOKENS.tokens(values, known, lower).to_list() == [TOKENS.token(v) for v in ("a@x.org", "b@y.org", "c@z.org")]
    assert sorted(keyed) == ["b@y.org", "c@z.org"]  # "b@Y.org" changed as delivered, so it is hashed again (to the same token)

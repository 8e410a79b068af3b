"""Masking and keyed tokens (DOMAIN.md §1)."""

import hashlib

import polars as pl
import pytest

from assets.common.pii import Tokenizer, mask_email, mask_phone, mask_ssn


def test_tokens_are_keyed_stable_and_not_a_plain_hash():
    a, b = Tokenizer(b"key-one-0123456789"), Tokenizer(b"key-two-0123456789")
    assert a.token("123-45-6789") == a.token("123-45-6789")
    assert a.token("123-45-6789") != b.token("123-45-6789")
    assert a.token("123-45-6789") not in hashlib.sha256(b"123-45-6789").hexdigest()
    series = a.tokens(pl.Series(["x", None, "x", "y"]))
    assert series.to_list() == [a.token("x"), None, a.token("x"), a.token("y")]


def test_short_keys_are_refused():
    with pytest.raises(ValueError):
        Tokenizer(b"short")


def test_masks():
    frame = pl.DataFrame({"e": ["jane.doe@example.com", "a@b.org"], "p": ["(555) 123-4567", "555-0100"], "s": ["123-45-6789", "12"]})
    out = frame.select(mask_email("e"), mask_phone("p"), mask_ssn("s"))
    assert out.get_column("e").to_list() == ["j******e@example.com", "a******a@b.org"]
    assert out.get_column("p").to_list() == ["***-***-4567", "***-***-0100"]
    assert out.get_column("s").to_list() == ["***-**-6789", None]


def test_tokens_are_standard_hmac_sha256():
    import hmac

    key = b"k" * 20
    assert Tokenizer(key).token("4000123456") == hmac.new(key, b"4000123456", hashlib.sha256).hexdigest()[:32]
    long_key = b"L" * 100
    assert Tokenizer(long_key).token("x") == hmac.new(long_key, b"x", hashlib.sha256).hexdigest()[:32]

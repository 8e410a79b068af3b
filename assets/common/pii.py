"""PII protection for everything that leaves bronze (DOMAIN.md §1).

Tokens are keyed HMAC-SHA256, so equal inputs join across datasets but a guessed SSN
cannot be confirmed by hashing it without the key. Masked display forms keep only what an
analyst may see.
"""

from __future__ import annotations

import hashlib

import polars as pl

TOKEN_HEX_CHARS = 32  # 128 bits: collision-free at any realistic customer count


class Tokenizer:
    """HMAC-SHA256 (RFC 2104), truncated. The padded-key states are hashed once and copied per
    value: the same digest as `hmac.new(key, value, sha256)` at about half the cost."""

    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the PII token key must be at least 16 bytes")
        block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def token(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:TOKEN_HEX_CHARS]

    def tokens(self, values: pl.Series) -> pl.Series:
        """Hashes each distinct value once (loyalty cards repeat across a day's receipts)."""
        distinct = values.drop_nulls().unique()
        table = pl.DataFrame({"value": distinct, "token": [self.token(v) for v in distinct.to_list()]}, schema={"value": values.dtype, "token": pl.String})
        return pl.DataFrame({"value": values}).join(table, on="value", how="left", maintain_order="left").get_column("token").alias(values.name)


def mask_email(column: str) -> pl.Expr:
    """'jane.doe@example.com' -> 'j******e@example.com' (a fixed run of stars hides the length)."""
    parts = pl.col(column).str.extract_groups(r"^(.)(?:.*(.))?@(.+)$")
    first, last, domain = parts.struct.field("1"), parts.struct.field("2"), parts.struct.field("3")
    return pl.concat_str(first, pl.lit("******"), last.fill_null(first), pl.lit("@"), domain).alias(column)


def mask_phone(column: str) -> pl.Expr:
    digits = pl.col(column).str.replace_all(r"\D", "")
    return pl.when(digits.str.len_chars() >= 4).then(pl.lit("***-***-") + digits.str.slice(-4)).alias(column)


def mask_ssn(column: str) -> pl.Expr:
    digits = pl.col(column).str.replace_all(r"\D", "")
    return pl.when(digits.str.len_chars() == 9).then(pl.lit("***-**-") + digits.str.slice(-4)).alias(column)


def mask_card(column: str) -> pl.Expr:
    digits = pl.col(column).str.replace_all(r"\D", "")
    return pl.when(digits.str.len_chars() >= 4).then(pl.lit("******") + digits.str.slice(-4)).alias(column)

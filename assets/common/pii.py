"""PII protection for everything that leaves bronze (DOMAIN.md §1).

Tokens are keyed HMAC-SHA256, so equal inputs join across datasets but a guessed SSN
cannot be confirmed by hashing it without the key. Masked display forms keep only what an
analyst may see.
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl

TOKEN_HEX_CHARS = 32  # 128 bits: collision-free at any realistic customer count


class Tokenizer:
    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the PII token key must be at least 16 bytes")
        self._base = hmac.new(key, digestmod=hashlib.sha256)

    def token(self, value: str) -> str:
        mac = self._base.copy()
        mac.update(value.encode("utf-8"))
        return mac.hexdigest()[:TOKEN_HEX_CHARS]

    def tokens(self, values: pl.Series) -> pl.Series:
        """Vectorised over distinct values: HMAC costs ~1 µs a call, and cards and e-mails repeat."""
        distinct = values.drop_nulls().unique()
        mapping = dict(zip(distinct.to_list(), map(self.token, distinct.to_list())))
        return values.replace_strict(mapping, default=None, return_dtype=pl.String)


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

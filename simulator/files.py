"""Byte-level encoding of landing files: CSV, JSON Lines, gzip, and lake keys.

Everything here is deterministic, so the same frame always gives the same bytes: a
re-delivery of an unchanged day must carry the same ETag, or the platform's sensor
would see "changed content" where there is none.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from collections.abc import Iterable, Sequence

import polars as pl

UTF8_BOM = b"\xef\xbb\xbf"


def landing_key(source: str, day: dt.date, filename: str, domain: str = "retail") -> str:
    """DOMAIN.md §5: landing/<domain>/<source>/dt=YYYY-MM-DD/<file>; date.isoformat() is zero-padded."""
    return f"landing/{domain}/{source}/dt={day.isoformat()}/{filename}"


def pos_filename(store_id: str, gzipped: bool = False) -> str:
    return f"store_{store_id}.csv" + (".gz" if gzipped else "")


def csv_bytes(df: pl.DataFrame) -> bytes:
    """RFC 4180, UTF-8, LF, header first, fields quoted only when needed.

    Columns must already be text (money formatted to 2 decimals); an empty value is
    written as null so it becomes an empty field rather than a quoted `""`.
    """
    buffer = io.BytesIO()  # straight to bytes: no intermediate str of a large file
    df.write_csv(buffer, line_terminator="\n", quote_style="necessary")
    return buffer.getvalue()


def csv_data_lines(df: pl.DataFrame) -> list[str]:
    """The frame's data records as text lines, no header, no terminators.

    Only for frames whose fields never hold a newline (POS lines), so one record is one line.
    """
    if df.height == 0:
        return []
    text = df.write_csv(include_header=False, line_terminator="\n", quote_style="necessary")
    return text[:-1].split("\n")


def join_lines(header: Sequence[str], lines: Iterable[str]) -> bytes:
    body = "\n".join([",".join(header), *lines])
    return (body + "\n").encode("utf-8")


def gzip_bytes(data: bytes) -> bytes:
    # mtime=0 keeps the gzip header, and so the whole file, identical between runs.
    return gzip.compress(data, compresslevel=6, mtime=0)


def with_bom_and_crlf(data: bytes) -> bytes:
    """What a Windows export tool delivers: a UTF-8 byte-order mark and CRLF line endings."""
    return UTF8_BOM + data.replace(b"\n", b"\r\n")


def as_delivered(data: bytes, case: str | None) -> bytes:
    """The file's bytes after a transport-level defect: a BOM and CRLF, gzip, or a gzip upload
    cut off halfway. Any other case leaves the bytes alone."""
    match case:
        case "bom_crlf":
            return with_bom_and_crlf(data)
        case "gzip":
            return gzip_bytes(data)
        case "corrupt_gzip":
            compressed = gzip_bytes(data)
            return compressed[: len(compressed) // 2]
    return data


def money(cents: int) -> str:
    """Integer cents to the 2-decimal text the sources use: 399 -> '3.99', -150 -> '-1.50'."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def money_expr(cents: pl.Expr) -> pl.Expr:
    """Vectorised `money` for non-negative cents."""
    return pl.concat_str([(cents // 100).cast(pl.String), pl.lit("."), (cents % 100).cast(pl.String).str.zfill(2)])


def signed_money_expr(cents: pl.Expr) -> pl.Expr:
    """Vectorised `money` for signed cents: -150 -> '-1.50'."""
    return pl.concat_str([pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit("")), money_expr(cents.abs())])


def jsonl_bytes(records: Iterable[dict]) -> bytes:
    """One JSON object per line, keys in the given order, non-ASCII kept as UTF-8.

    Money values arrive as `RawNumber` so they are written as `2.50`, not `2.5`: still a
    JSON number, but with the two decimals the source system exports.
    """
    lines = []
    for rec in records:
        parts = [f"{json.dumps(k)}: {v.text if isinstance(v, RawNumber) else json.dumps(v, ensure_ascii=False)}" for k, v in rec.items()]
        lines.append("{" + ", ".join(parts) + "}")
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


class RawNumber:
    """A JSON number written verbatim (already validated numeric text such as '2.50')."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

"""A partition's landing files -> one bronze frame: decompress, check the contract, parse,
add lineage, trim, order. Raises BadFileError naming the first file that cannot be read."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from assets.common.csv_reader import CsvFiles, read_csv_file
from assets.common.json_reader import read_json_file
from assets.common.landing import BOM, BadFileError, Source, records_frame, with_lineage


@dataclass
class ParsedFile:
    key: str
    rows: pl.DataFrame
    empty: bool  # zero bytes, or a header and nothing else: accepted but flagged


def parse_landing_file(source: Source, key: str, data: bytes, ingested_at: datetime) -> ParsedFile:
    """One file's records as finished bronze rows."""
    rows, empty = parse_partition(source, [(key, data, ingested_at)])
    return ParsedFile(key, rows, empty=bool(empty))


def parse_partition(source: Source, files: list[tuple[str, bytes, datetime]]) -> tuple[pl.DataFrame, list[str]]:
    """All of a partition's (key, bytes, delivered at) files as bronze rows, and the keys of
    empty ones. Raises BadFileError naming the first file that breaks the contract.

    CSV files are parsed together per header order: their well-formed lines (nearly all of a
    POS day) by one polars call, only irregular lines (quotes, wrong field counts, bad bytes)
    one by one."""
    pieces, empty = [], []  # (key, rows of that file in line order)
    csv_files: dict[tuple[str, ...], CsvFiles] = {}
    for key, data, ingested_at in files:
        data = _unwrap(key, data)
        if source.format == "csv":
            if not read_csv_file(source, key, data, ingested_at, csv_files):
                empty.append(key)
            continue
        records, raw_lines = read_json_file(source, key, data)
        del data  # a day of transactions is ~600 MB of text: hold one file at a time
        if len(records["_source_line"]) or raw_lines:
            rows = with_lineage(records_frame(source.columns, records, raw_lines), key, ingested_at)
            pieces.append((key, rows if rows.get_column("_source_line").is_sorted() else rows.sort("_source_line")))
        else:
            empty.append(key)
    for batch in csv_files.values():
        pieces += batch.frames_by_key()
    in_key_order = [rows for _, rows in sorted(pieces, key=lambda piece: piece[0])]
    pieces.clear()
    return bronze_rows(source, in_key_order), sorted(empty)


def bronze_rows(source: Source, files: list[pl.DataFrame]) -> pl.DataFrame:
    """Files' records, each in line order and given in key order, as one bronze frame: values
    trimmed (CSV cannot tell an empty field from a missing one, so both are null) and columns
    in contract order. Done once per batch of files, in one pass over all columns; no row is
    moved, since sorting millions of rows of text would cost more than everything else here."""
    schema = source.bronze_schema
    # One chunk per column: the per-file pieces are zero-copy slices, and a column of 500 chunks
    # takes twice as long to trim as one (rechunking string views copies no text).
    rows = pl.concat(files, how="diagonal", rechunk=True) if files else pl.DataFrame(schema=schema)
    files.clear()
    # replace(), not when(trimmed != "").then(trimmed): that would trim every value twice
    rows = rows.with_columns(pl.col(name).str.strip_chars().replace("", None) for name in source.columns if name in rows.columns)
    return rows.select(pl.col(c).cast(t) if c in rows.columns else pl.lit(None, t).alias(c) for c, t in schema.items())


def _unwrap(key: str, data: bytes) -> bytes:
    if key.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise BadFileError(key, "corrupt or truncated gzip", error=str(err)) from None
    return data[len(BOM) :] if data.startswith(BOM) else data

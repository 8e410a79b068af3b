"""Reading landing files into bronze rows: every value kept as delivered text, plus lineage.

The contract of DOMAIN.md §5: the header (or the JSON key set) must be exactly the
source's columns, in any order; an unreadable file or a contract breach fails the
whole partition naming the key; a record that cannot be parsed becomes a
`malformed_line` row rather than stopping the parse.
"""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from dataclasses import dataclass
from datetime import datetime

import polars as pl

MAX_RECORD_BYTES = 1 << 20
BOM = b"\xef\xbb\xbf"
LINEAGE_COLUMNS = ("_source_key", "_source_line", "_ingested_at")
RAW_LINE = "_raw_line"  # the undecodable text of a malformed record; null for parsed rows


@dataclass(frozen=True)
class Source:
    """One landing source: where its files arrive and the columns its contract promises."""

    domain: str
    name: str
    columns: tuple[str, ...]
    format: str  # "csv" | "jsonl" | "json"

    @property
    def landing_prefix(self) -> str:
        return f"landing/{self.domain}/{self.name}/"

    def landing_dir(self, partition: str) -> str:
        return f"{self.landing_prefix}dt={partition}/"

    @property
    def bronze_asset_name(self) -> str:
        return f"{self.domain}_bronze_{self.name}"

    def bronze_key(self, partition: str) -> str:
        return f"bronze/{self.domain}/{self.name}/dt={partition}/data.parquet"

    @property
    def bronze_schema(self) -> dict[str, pl.DataType]:
        schema: dict[str, pl.DataType] = {c: pl.String for c in self.columns}
        schema |= {"_source_key": pl.String, "_source_line": pl.Int64, "_ingested_at": pl.Datetime("us", "UTC")}
        schema[RAW_LINE] = pl.String
        return schema


class BadFileError(Exception):
    """A landing file that fails its contract or cannot be read at all. Names the key."""

    def __init__(self, key: str, problem: str, **details):
        self.key, self.problem, self.details = key, problem, details
        extra = "; ".join(f"{k}: {v}" for k, v in details.items() if v)
        super().__init__(f"{key}: {problem}" + (f" ({extra})" if extra else ""))


@dataclass
class ParsedFile:
    key: str
    rows: pl.DataFrame
    empty: bool  # zero bytes, or a header and nothing else: accepted but flagged


def parse_landing_file(source: Source, key: str, data: bytes, ingested_at: datetime) -> ParsedFile:
    if key.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise BadFileError(key, "corrupt or truncated gzip", error=str(err)) from None
    if data.startswith(BOM):
        data = data[len(BOM) :]
    parse = {"csv": _parse_csv, "jsonl": _parse_jsonl, "json": _parse_json_array}[source.format]
    records, raw_lines = parse(source, key, data)
    rows = _frame(source, key, records, raw_lines, ingested_at)
    return ParsedFile(key, rows, empty=rows.height == 0)


def _check_contract(source: Source, key: str, found: list[str]) -> None:
    expected = set(source.columns)
    missing = sorted(expected - set(found))
    extra = sorted(set(found) - expected)
    repeated = sorted({c for c in found if found.count(c) > 1})
    if missing or extra or repeated:
        raise BadFileError(key, "columns do not match the contract", missing=missing, unexpected=extra, repeated=repeated)


def _frame(source, key, records: dict[str, list], raw_lines: list[tuple[int, str]], ingested_at) -> pl.DataFrame:
    """records: column -> values plus '_source_line'; raw_lines: (line, text) of malformed records."""
    schema = source.bronze_schema
    parsed = pl.DataFrame(records, schema={c: schema[c] for c in (*source.columns, "_source_line")})
    malformed = pl.DataFrame(
        {"_source_line": [n for n, _ in raw_lines], RAW_LINE: [t for _, t in raw_lines]},
        schema={"_source_line": pl.Int64, RAW_LINE: pl.String},
    )
    rows = pl.concat([parsed, malformed], how="diagonal_relaxed") if raw_lines else parsed
    rows = rows.with_columns(
        pl.col(source.columns).str.strip_chars(),
        _source_key=pl.lit(key),
        _ingested_at=pl.lit(ingested_at, dtype=schema["_ingested_at"]),
    )
    return rows.select(pl.col(c).cast(t) if c in rows.columns else pl.lit(None, t).alias(c) for c, t in schema.items()).sort("_source_line")


# ---------------------------------------------------------------- CSV


def _parse_csv(source: Source, key: str, data: bytes):
    header_end = data.find(b"\n")
    header_bytes = data if header_end < 0 else data[:header_end]
    body = b"" if header_end < 0 else data[header_end + 1 :]
    if not header_bytes.strip():
        return {c: [] for c in (*source.columns, "_source_line")}, []
    try:
        header = [h.strip() for h in next(csv.reader([header_bytes.decode("utf-8").rstrip("\r")]))]
    except (UnicodeDecodeError, csv.Error, StopIteration):
        raise BadFileError(key, "unreadable header (not UTF-8 CSV)") from None
    _check_contract(source, key, header)
    fast = _parse_csv_fast(header, body)
    return fast if fast is not None else _parse_csv_robust(header, body)


def _parse_csv_fast(header: list[str], body: bytes):
    """polars' reader for the common clean file. It pads short rows with nulls and lets a stray
    quote swallow lines, so it is used only when the bytes prove neither can happen."""
    if not body.strip() or b'"' in body or len(body) > MAX_RECORD_BYTES and max(map(len, body.split(b"\n"))) > MAX_RECORD_BYTES:
        return None
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if b"\n\n" in body or b"\n\r\n" in body or body.count(b",") != lines * (len(header) - 1):
        return None
    try:
        frame = pl.read_csv(body, has_header=False, new_columns=header, infer_schema=False, eol_char="\n")
    except pl.exceptions.ComputeError:  # invalid UTF-8, most often
        return None
    if frame.height != lines:
        return None
    records = {c: frame.get_column(c) for c in header}  # a CRLF '\r' goes with the whitespace trim
    records["_source_line"] = pl.int_range(2, lines + 2, eager=True)
    return records, []


def _parse_csv_robust(header: list[str], body: bytes):
    """Line by line. A quoted field may span lines, but a record that still fails to parse
    condemns only its first line, and parsing resumes on the next one."""
    records: dict[str, list] = {c: [] for c in (*header, "_source_line")}
    malformed: list[tuple[int, str]] = []
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    i = 0
    while i < len(lines):
        line_no = i + 2
        raw = lines[i]
        if not raw.strip():
            i += 1
            continue
        text, end = _gather_record(lines, i)
        fields = _split_record(text, len(header)) if text is not None else None
        if fields is None:
            malformed.append((line_no, raw[:MAX_RECORD_BYTES].decode("utf-8", errors="replace")))
            i += 1
            continue
        for column, value in zip(header, fields):
            records[column].append(value)
        records["_source_line"].append(line_no)
        i = end + 1
    return records, malformed


def _gather_record(lines: list[bytes], start: int) -> tuple[str | None, int]:
    """The record starting at `start`, joined with following lines while a quote is open."""
    try:
        text = lines[start].decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        return None, start
    end = start
    while text.count('"') % 2 and end + 1 < len(lines) and len(text) <= MAX_RECORD_BYTES:
        end += 1
        try:
            text += "\n" + lines[end].decode("utf-8").removesuffix("\r")
        except UnicodeDecodeError:
            return None, start
    if len(text.encode("utf-8")) > MAX_RECORD_BYTES:
        return None, start
    return text, end


def _split_record(text: str, width: int) -> list[str] | None:
    try:
        rows = list(csv.reader([text], strict=True)) if "\n" not in text else list(csv.reader(text.splitlines(keepends=True), strict=True))
    except csv.Error:
        return None
    if len(rows) != 1 or len(rows[0]) != width:
        return None
    return rows[0]


# ---------------------------------------------------------------- JSON


def _json_text(value) -> str | None:
    """Bronze keeps text; a value of the wrong JSON type stays visible (and is rejected in silver)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _collect_json(source: Source, key: str, objects: list[tuple[int, object]]):
    records: dict[str, list] = {c: [] for c in (*source.columns, "_source_line")}
    malformed: list[tuple[int, str]] = []
    seen_keys: set[str] = set()
    for line_no, obj in objects:
        if not isinstance(obj, dict):
            malformed.append((line_no, _json_text(obj) or ""))
            continue
        seen_keys.update(obj)
        for column in source.columns:
            records[column].append(_json_text(obj.get(column)))
        records["_source_line"].append(line_no)
    if records["_source_line"]:
        _check_contract(source, key, sorted(seen_keys))
    return records, malformed


def _parse_jsonl(source: Source, key: str, data: bytes):
    objects: list[tuple[int, object]] = []
    malformed: list[tuple[int, str]] = []
    for line_no, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            objects.append((line_no, json.loads(raw)))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            malformed.append((line_no, raw[:MAX_RECORD_BYTES].decode("utf-8", errors="replace")))
    records, bad = _collect_json(source, key, objects)
    return records, malformed + bad


def _parse_json_array(source: Source, key: str, data: bytes):
    if not data.strip():
        return {c: [] for c in (*source.columns, "_source_line")}, []
    try:
        items = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BadFileError(key, "not a JSON document", error=str(err)) from None
    if not isinstance(items, list):
        raise BadFileError(key, "expected a JSON array of records")
    # A JSON array has no lines of its own; the element's position stands in for it.
    return _collect_json(source, key, list(enumerate(items, start=1)))

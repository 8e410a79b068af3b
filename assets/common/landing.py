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
        extra = "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in details.items() if v)
        super().__init__(f"{key}: {problem}" + (f" ({extra})" if extra else ""))


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

    Well-formed CSV lines of every file are gathered and parsed by one polars call per header
    order (nearly all of a POS day); only irregular lines (quotes, wrong field counts, bad
    bytes) take the line-by-line path."""
    frames, empty = [], []
    plain: dict[tuple[str, ...], _PlainLines] = {}
    for key, data, ingested_at in files:
        data = _unwrap(key, data)
        if source.format == "csv":
            records, raw_lines, handed_over = _parse_csv(source, key, data, ingested_at, plain)
        else:
            (records, raw_lines), handed_over = _JSON_PARSERS[source.format](source, key, data), 0
        if len(records["_source_line"]) or raw_lines:
            frames.append(_with_lineage(_records_frame(source.columns, records, raw_lines), key, ingested_at))
        elif not handed_over:
            empty.append(key)
    frames += [lines.frame() for lines in plain.values()]
    return bronze_rows(source, frames), sorted(empty)


def bronze_rows(source: Source, files: list[pl.DataFrame]) -> pl.DataFrame:
    """Many files' records as one bronze frame: values trimmed (CSV cannot tell an empty field
    from a missing one, so both are null), columns in contract order, rows in (source key,
    line) order. Done once per partition, not once per file."""
    schema = source.bronze_schema
    rows = pl.concat(files, how="diagonal") if files else pl.DataFrame(schema=schema)

    def column(name: str, dtype: pl.DataType) -> pl.Expr:
        if name not in rows.columns:
            return pl.lit(None, dtype).alias(name)
        if name in source.columns:
            trimmed = pl.col(name).str.strip_chars()
            return pl.when(trimmed != "").then(trimmed).alias(name)
        return pl.col(name).cast(dtype)

    return rows.select(column(c, t) for c, t in schema.items()).sort("_source_key", "_source_line")


def _unwrap(key: str, data: bytes) -> bytes:
    if key.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise BadFileError(key, "corrupt or truncated gzip", error=str(err)) from None
    return data[len(BOM) :] if data.startswith(BOM) else data


def _records_frame(columns, records: dict, raw_lines: list[tuple[int, str]]) -> pl.DataFrame:
    parsed = pl.DataFrame(records, schema={c: pl.String for c in columns} | {"_source_line": pl.Int64})
    if not raw_lines:
        return parsed
    malformed = pl.DataFrame(
        {"_source_line": [n for n, _ in raw_lines], RAW_LINE: [t for _, t in raw_lines]},
        schema={"_source_line": pl.Int64, RAW_LINE: pl.String},
    )
    return pl.concat([parsed, malformed], how="diagonal")


def _with_lineage(frame: pl.DataFrame, key: str, ingested_at: datetime) -> pl.DataFrame:
    return frame.with_columns(_source_key=pl.lit(key), _ingested_at=pl.lit(ingested_at, dtype=pl.Datetime("us", "UTC")))


def _check_contract(source: Source, key: str, found: list[str]) -> None:
    expected = set(source.columns)
    missing = sorted(expected - set(found))
    extra = sorted(set(found) - expected)
    repeated = sorted({c for c in found if found.count(c) > 1})
    if missing or extra or repeated:
        raise BadFileError(key, "columns do not match the contract", missing=missing, unexpected=extra, repeated=repeated)


# ---------------------------------------------------------------- CSV


def _csv_header(source: Source, key: str, data: bytes) -> tuple[list[str] | None, bytes]:
    """The checked header and the body after it; (None, b"") for a file with no header at all."""
    header_end = data.find(b"\n")
    header_bytes = data if header_end < 0 else data[:header_end]
    if not header_bytes.strip():
        return None, b""
    try:
        header = [h.strip() for h in next(csv.reader([header_bytes.decode("utf-8").rstrip("\r")]))]
    except (UnicodeDecodeError, csv.Error, StopIteration):
        raise BadFileError(key, "unreadable header (not UTF-8 CSV)") from None
    _check_contract(source, key, header)
    return header, b"" if header_end < 0 else data[header_end + 1 :]


def _parse_csv(source: Source, key: str, data: bytes, ingested_at: datetime, plain: dict) -> tuple[dict, list, int]:
    """The file's irregular records; its plain lines go to the shared batch for their header.
    Returns (records, malformed lines, plain lines handed over)."""
    header, body = _csv_header(source, key, data)
    nothing = {c: [] for c in (*source.columns, "_source_line")}
    if header is None or not body.strip():
        return nothing, [], 0
    if _is_plain(header, body):
        return nothing, [], plain.setdefault(tuple(header), _PlainLines(header)).add_file(key, ingested_at, body)
    quoted = _parse_quoted_file(header, body) if b'"' in body else None
    if quoted is not None:
        return quoted, [], 0
    records, raw_lines, plain_lines = _parse_csv_lines(header, body)
    handed_over = plain.setdefault(tuple(header), _PlainLines(header)).add_lines(key, ingested_at, *plain_lines) if plain_lines[0] else 0
    return nothing | records, raw_lines, handed_over


class _PlainLines:
    """Well-formed CSV lines (no quotes, exactly one field per column) from many files, parsed
    together by one polars call; lineage is recorded per chunk and expanded afterwards."""

    def __init__(self, header: list[str]):
        self.header = header
        self.chunks: list[bytes] = []
        self.keys: list[str] = []
        self.times: list[datetime] = []
        self.line_numbers: list[pl.Series] = []
        self.whole_files: list[tuple[str, datetime, bytes]] = []  # admitted on their delimiter total

    def add_lines(self, key: str, ingested_at: datetime, lines: list[bytes], numbers: list[int]) -> int:
        if lines:
            self._add(key, ingested_at, b"\n".join(lines) + b"\n", pl.Series("_source_line", numbers, dtype=pl.Int64))
        return len(lines)

    def add_file(self, key: str, ingested_at: datetime, body: bytes) -> int:
        count = _line_count(body)
        self._add(key, ingested_at, body if body.endswith(b"\n") else body + b"\n", pl.int_range(2, count + 2, eager=True).alias("_source_line"))
        self.whole_files.append((key, ingested_at, body))
        return count

    def _add(self, key: str, ingested_at: datetime, chunk: bytes, numbers: pl.Series) -> None:
        self.chunks.append(chunk)
        self.keys.append(key)
        self.times.append(ingested_at)
        self.line_numbers.append(numbers)

    def _lineage(self) -> pl.DataFrame:
        per_chunk = pl.DataFrame(
            {"_source_key": self.keys, "_ingested_at": self.times, "_n": [len(n) for n in self.line_numbers]},
            schema={"_source_key": pl.String, "_ingested_at": pl.Datetime("us", "UTC"), "_n": pl.Int64},
        )
        expanded = per_chunk.select(pl.col("_source_key", "_ingested_at").repeat_by("_n").explode())
        return expanded.with_columns(pl.concat(self.line_numbers).alias("_source_line"))

    def frame(self) -> pl.DataFrame:
        if not self.chunks:
            return pl.DataFrame(schema={c: pl.String for c in self.header})
        lineage = self._lineage()
        try:
            parsed = pl.read_csv(
                b"".join(self.chunks), has_header=False, new_columns=self.header, infer_schema=False, quote_char=None, empty_string_is_null=False
            )
        except pl.exceptions.PolarsError:
            parsed = None
        if parsed is not None and parsed.height == lineage.height:
            return pl.concat([parsed, lineage], how="horizontal")
        return self._line_by_line()

    def _line_by_line(self) -> pl.DataFrame:
        """A whole file hid a short line behind a long one: check every line of those files."""
        whole = {key for key, _, _ in self.whole_files}
        retry = _PlainLines(self.header)
        for i, key in enumerate(self.keys):
            if key not in whole:
                retry._add(key, self.times[i], self.chunks[i], self.line_numbers[i])
        frames = []
        for key, ingested_at, body in self.whole_files:
            records, raw_lines, plain_lines = _parse_csv_lines(self.header, body)
            retry.add_lines(key, ingested_at, *plain_lines)
            frames.append(_with_lineage(_records_frame(self.header, records, raw_lines), key, ingested_at))
        return pl.concat([*frames, retry.frame()], how="diagonal")


def _parse_quoted_file(header: list[str], body: bytes) -> dict | None:
    """polars' quote-aware reader for a well-formed file with quoted fields. It pads short rows
    and a stray quote can swallow lines, so the result stands only if the row count equals the
    line count and every delimiter is accounted for: (width - 1) per row plus those in values."""
    if b"\n\n" in body or b"\n\r\n" in body or len(body) > MAX_RECORD_BYTES and max(map(len, body.split(b"\n"))) > MAX_RECORD_BYTES:
        return None
    lines = _line_count(body)
    try:
        frame = pl.read_csv(body, has_header=False, new_columns=header, infer_schema=False, eol_char="\n", empty_string_is_null=False)
    except pl.exceptions.PolarsError:  # invalid UTF-8, a stray quote, too many fields
        return None
    inside = frame.select(pl.sum_horizontal(pl.col(header).str.count_matches(",", literal=True).sum())).item()
    if frame.height != lines or body.count(b",") != lines * (len(header) - 1) + inside:
        return None
    return {c: frame.get_column(c) for c in header} | {"_source_line": pl.int_range(2, lines + 2, eager=True)}


def _line_count(body: bytes) -> int:
    return body.count(b"\n") + (0 if body.endswith(b"\n") else 1)


def _is_plain(header: list[str], body: bytes) -> bool:
    """Whole-file shortcut: no quotes or blank lines, valid UTF-8, and a delimiter total that
    matches the line count (lines that cancel each other out are caught by the batch parse)."""
    if b'"' in body or b"\n\n" in body or b"\n\r\n" in body or body.startswith((b"\n", b"\r\n")):
        return False
    if body.count(b",") != _line_count(body) * (len(header) - 1):
        return False
    if len(body) > MAX_RECORD_BYTES and max(map(len, body.split(b"\n"))) > MAX_RECORD_BYTES:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse_csv_lines(header: list[str], body: bytes) -> tuple[dict, list, tuple[list[bytes], list[int]]]:
    """Line by line. Plain ASCII lines with the right delimiter count are returned as bytes for
    the batched parse; the rest go through the csv module. A quoted field may span lines, but a
    record that still fails to parse condemns only its first line, and parsing resumes on the
    next one. Returns (records, malformed lines, (plain lines, their line numbers))."""
    width = len(header)
    plain: list[bytes] = []
    plain_numbers: list[int] = []
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
        if raw.isascii() and b'"' not in raw and raw.count(b",") == width - 1 and len(raw) <= MAX_RECORD_BYTES:
            plain.append(raw)
            plain_numbers.append(line_no)
            i += 1
            continue
        text, end = _gather_record(lines, i)
        fields = _split_record(text, width) if text is not None else None
        if fields is None:
            malformed.append((line_no, raw[:MAX_RECORD_BYTES].decode("utf-8", errors="replace")))
            i += 1
            continue
        for column, value in zip(header, fields):
            records[column].append(value)
        records["_source_line"].append(line_no)
        i = end + 1
    return records, malformed, (plain, plain_numbers)


def _gather_record(lines: list[bytes], start: int) -> tuple[str | None, int]:
    """The record starting at `start`, joined with following lines while a quote is open
    (quote parity is tracked per added line, so a stray quote costs one pass, not a square)."""
    parts = []
    size = 0
    open_quote = False
    end = start
    while True:
        try:
            part = lines[end].decode("utf-8").removesuffix("\r")
        except UnicodeDecodeError:
            return None, start
        parts.append(part)
        size += len(part) + 1
        open_quote ^= part.count('"') % 2 == 1
        if not open_quote or end + 1 >= len(lines) or size > MAX_RECORD_BYTES:
            break
        end += 1
    text = "\n".join(parts)
    if open_quote or len(text.encode("utf-8")) > MAX_RECORD_BYTES:
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
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)  # the shortest round-trip form, as JSON wrote it (json.dumps is 5x slower)
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


_JSON_PARSERS = {"jsonl": _parse_jsonl, "json": _parse_json_array}

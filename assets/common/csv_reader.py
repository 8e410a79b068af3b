"""CSV landing files (RFC 4180, UTF-8, optional BOM, LF or CRLF) into records.

The files of a batch that share a header order are parsed together. numpy measures every
line of them over the bytes; a line with no quote and one field per column is a record as it
stands, and all such lines are parsed by one polars call. Only the other lines (quotes,
wrong field counts, bad bytes, over-long records) are parsed one by one with the csv module.
"""

from __future__ import annotations

import csv
from datetime import datetime

import numpy as np
import polars as pl

from assets.common.landing import MAX_RECORD_BYTES, RAW_LINE, BadFileError, Source, check_contract

NEWLINE, QUOTE, COMMA = ord("\n"), ord('"'), ord(",")


def _csv_header(source: Source, key: str, data: bytes) -> tuple[list[str] | None, bytes]:
    """The checked header and the body after it; (None, b"") for a file with no header at all."""
    header_end = data.find(b"\n")
    header_bytes = data if header_end < 0 else data[:header_end]
    if not header_bytes.strip():
        return None, b""
    if header_end < 0 and b"\r" in header_bytes.rstrip(b"\r"):
        raise BadFileError(key, "unreadable header: lines end in a bare CR (classic Mac); the contract requires LF or CRLF line endings")
    if len(header_bytes) > MAX_RECORD_BYTES:
        raise BadFileError(key, f"unreadable header: the first line is {len(header_bytes):,} bytes (at most {MAX_RECORD_BYTES:,})")
    try:
        header = [h.strip() for h in next(csv.reader([header_bytes.decode("utf-8").rstrip("\r")]))]
    except UnicodeDecodeError:
        raise BadFileError(key, "unreadable header: not UTF-8") from None
    except csv.Error as error:
        raise BadFileError(key, f"unreadable header: not valid CSV ({error})") from None
    check_contract(source, key, header)
    return header, b"" if header_end < 0 else data[header_end + 1 :]


def read_csv_file(source: Source, key: str, data: bytes, ingested_at: datetime, batches: dict[tuple[str, ...], CsvFiles]) -> bool:
    """Checks the file's header and hands its body to the batch of its header order. False
    for a file with nothing to parse (no header, or only blank lines after it)."""
    header, body = _csv_header(source, key, data)
    if header is None or not body.strip():
        return False
    batches.setdefault(tuple(header), CsvFiles(header)).add_file(key, ingested_at, body)
    return True


class CsvFiles:
    """The bodies of the CSV files of one header order, parsed together: per file, the fixed
    cost of each polars call (~1.3 ms) would exceed the work."""

    def __init__(self, header: list[str]):
        self.header = header
        self.keys: list[str] = []
        self.times: list[datetime] = []
        self.bodies: list[bytes] = []

    def add_file(self, key: str, ingested_at: datetime, body: bytes) -> None:
        self.keys.append(key)
        self.times.append(ingested_at)
        self.bodies.append(body)

    def frames_by_key(self) -> list[tuple[str, pl.DataFrame]]:
        """Each file's rows (records and malformed lines) in line order, with lineage."""
        rows = parse_lines(self.header, self.bodies)
        files = rows.get_column("_file").to_numpy()
        lineage = pl.DataFrame(
            {"_source_key": self.keys, "_ingested_at": self.times}, schema={"_source_key": pl.String, "_ingested_at": pl.Datetime("us", "UTC")}
        )
        rows = pl.concat([rows.drop("_file"), lineage[files]], how="horizontal")
        bounds = np.searchsorted(files, np.arange(len(self.keys) + 1))  # rows are in file order
        return [(key, rows.slice(a, b - a)) for key, a, b in zip(self.keys, bounds[:-1], bounds[1:], strict=True) if b > a]


def parse_lines(header: list[str], bodies: list[bytes]) -> pl.DataFrame:
    """The records and malformed lines of files' bodies: columns of the header, plus `_file`
    (the body's position), `_source_line` and `_raw_line`, in (file, line) order.

    A line with no quote and width - 1 delimiters is a record as it stands (in a file that is
    not UTF-8, only if it is ASCII); all of them are parsed by one polars call. Every other
    line is parsed on its own: a quoted field may continue on the following lines of its file
    until the quotes balance. A record that still fails to parse, or has bytes that are not
    UTF-8, condemns only its first line, and parsing resumes on the next one."""
    utf8 = [_is_utf8(body) for body in bodies]
    bodies = [body if body.endswith(b"\n") else body + b"\n" for body in bodies]  # a newline ends every line
    lines = _Lines(b"".join(bodies), [len(body) for body in bodies], utf8, len(header))
    irregular, consumed, starts_at = _parse_irregular(header, lines)
    keep = lines.plain & ~consumed
    records = _plain_records(header, lines, keep).with_columns(
        _file=pl.Series(lines.files[keep], dtype=pl.UInt32),
        _source_line=pl.Series(lines.numbers[keep], dtype=pl.Int64),
        **{RAW_LINE: pl.lit(None, pl.String)},
    )
    return _interleave(records, irregular, np.searchsorted(np.flatnonzero(keep), starts_at))


class _Lines:
    """Every line of the joined bodies, measured by numpy over the bytes (no line is copied)."""

    def __init__(self, data: bytes, sizes: list[int], utf8: list[bool], width: int):
        self.data = data
        buf = np.frombuffer(data, np.uint8)
        self.ends = np.flatnonzero(buf == NEWLINE)
        self.starts = np.concatenate([[0], self.ends[:-1] + 1])
        self.files = np.searchsorted(np.cumsum(sizes), self.ends, side="right").astype(np.uint32)
        self.quotes = np.bincount(np.searchsorted(self.ends, np.flatnonzero(buf == QUOTE)), minlength=len(self.ends))  # quotes are rare
        commas = np.add.reduceat((buf == COMMA).view(np.uint8), self.starts, dtype=np.int32)  # a line is at most ~1 MB
        self.plain = (self.quotes == 0) & (commas == width - 1) & (self.ends - self.starts <= MAX_RECORD_BYTES)
        if not all(utf8):
            non_ascii = np.add.reduceat((buf >= 0x80).view(np.uint8), self.starts, dtype=np.int32) > 0
            self.plain &= ~(non_ascii & ~np.array(utf8)[self.files])
        if width == 1:  # a blank line has no delimiter either, and is skipped, not a record
            self.plain &= np.array([bool(self.text(i).strip()) for i in range(len(self.ends))], dtype=bool)
        file_starts = np.flatnonzero(np.concatenate([[True], self.files[1:] != self.files[:-1]]))  # every body has a line
        self.first = file_starts[self.files]  # the first line of each line's file
        self.limit = np.append(file_starts[1:], len(self.ends))[self.files]  # one past its file's last line
        self.numbers = np.arange(len(self.ends)) - self.first + 2  # line 1 is the header

    def text(self, i: int) -> str:
        """Line i as a malformed line keeps it in bronze, cut at MAX_RECORD_BYTES (bytes that are
        not UTF-8 are replaced)."""
        line = self.data[self.starts[i] : self.ends[i]]
        try:
            return line.decode("utf-8")[:MAX_RECORD_BYTES]
        except UnicodeDecodeError:
            return line[:MAX_RECORD_BYTES].decode("utf-8", errors="replace")

    def record_ends(self) -> np.ndarray:
        """For each line, the last line of the quoted record it would start, found from running
        quote counts rather than by re-scanning; past the file's end if its quotes never balance."""
        count = len(self.ends)
        index = np.arange(count)
        running = np.cumsum(self.quotes)
        parity = (running - (running - self.quotes)[self.first]) % 2  # quote parity after each line, within its file
        before = np.where(index == self.first, 0, np.concatenate([[0], parity[:-1]]))
        # next_close[b][k]: the first line at or after k after which the running parity is b
        next_close = {b: np.minimum.accumulate(np.where(parity == b, index, count)[::-1])[::-1] for b in (0, 1)}
        return np.where(before == 0, next_close[0], next_close[1])


def _parse_irregular(header: list[str], lines: _Lines) -> tuple[pl.DataFrame, np.ndarray, list[int]]:
    """The lines that are not plain, one by one with the csv module. Returns their rows (in
    line order, with `_file` and `_source_line`), the lines their records took up, and the
    line each row starts on."""
    width, count = len(header), len(lines.ends)
    record_ends = lines.record_ends()
    rows: dict[str, list] = {c: [] for c in (*header, "_file", "_source_line", RAW_LINE)}
    starts_at: list[int] = []
    consumed = np.zeros(count, dtype=bool)
    for i in np.flatnonzero(~lines.plain):
        if consumed[i]:
            continue
        text = lines.text(i)
        if not text.strip():
            continue
        end = record_ends[i]
        fields = None
        if end < lines.limit[i] and lines.ends[end] - lines.starts[i] <= MAX_RECORD_BYTES:
            fields = _split_record(lines.data[lines.starts[i] : lines.ends[end]], width)
        if fields is None:
            fields, raw = [None] * width, text
        else:
            consumed[i : end + 1] = True
            raw = None
        for column, value in zip(header, fields, strict=True):
            rows[column].append(value)
        rows["_file"].append(int(lines.files[i]))
        rows["_source_line"].append(int(lines.numbers[i]))
        rows[RAW_LINE].append(raw)
        starts_at.append(int(i))
    schema = {c: pl.String for c in header} | {"_file": pl.UInt32, "_source_line": pl.Int64, RAW_LINE: pl.String}
    return pl.DataFrame(rows, schema=schema), consumed, starts_at


def _is_utf8(body: bytes) -> bool:
    if body.isascii():
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _interleave(records: pl.DataFrame, extra: pl.DataFrame, at: np.ndarray) -> pl.DataFrame:
    """`extra`'s rows placed before the `records` row at each position `at` (ascending).
    Zero-copy slices: the few irregular rows never make the many plain ones move."""
    if not extra.height:
        return records
    pieces, done = [], 0
    blocks = np.flatnonzero(np.diff(np.concatenate([[-1], at])))  # runs of extra rows at one position
    for start, stop in zip(blocks, np.append(blocks[1:], len(at)), strict=True):
        position = int(at[start])
        pieces += [records.slice(done, position - done), extra.slice(int(start), int(stop - start))]
        done = position
    return pl.concat([*pieces, records.slice(done)], rechunk=False)


def _plain_records(header: list[str], lines: _Lines, keep: np.ndarray) -> pl.DataFrame:
    """The `keep` lines (no quotes, one field per column) as records, by one polars CSV read of
    their runs. Should polars ever see a different number of lines, each is split on its own."""
    edges = np.flatnonzero(np.diff(np.concatenate([[False], keep, [False]]).astype(np.int8)))
    if len(edges) == 2 and edges[1] - edges[0] == len(keep):
        runs = lines.data  # a clean batch is one run: read in place, not copied (a 4M-account snapshot is 400 MB)
    else:
        view = memoryview(lines.data)
        runs = b"".join(view[lines.starts[a] : lines.ends[b - 1] + 1] for a, b in zip(edges[::2], edges[1::2], strict=True))
    expected = int(keep.sum())
    if expected:
        try:
            parsed = pl.read_csv(runs, has_header=False, new_columns=header, infer_schema=False, quote_char=None, empty_string_is_null=False)
            if parsed.height == expected:
                return parsed
        except pl.exceptions.PolarsError:
            pass
    split = pl.Series("line", runs.decode("utf-8").split("\n")[:expected], dtype=pl.String).to_frame()
    fields = pl.col("line").str.strip_suffix("\r").str.split_exact(",", len(header) - 1)  # a CRLF ends a line, as for polars
    return split.select(fields.struct.rename_fields(header).struct.unnest())


def _split_record(record: bytes, width: int) -> list[str] | None:
    """One record's fields (its lines joined, without their CRs), or None if it is not UTF-8,
    not valid CSV or has the wrong number of fields."""
    try:
        text = "\n".join(part.removesuffix("\r") for part in record.decode("utf-8").split("\n"))
        rows = list(csv.reader([text], strict=True)) if "\n" not in text else list(csv.reader(text.splitlines(keepends=True), strict=True))
    except (UnicodeDecodeError, csv.Error):
        return None
    if len(rows) != 1 or len(rows[0]) != width:
        return None
    return rows[0]

"""CSV landing files (RFC 4180, UTF-8, optional BOM, LF or CRLF) into records.

Well-formed lines of every file of a partition are gathered and parsed by one polars call;
only irregular lines (quotes, wrong field counts, bad bytes, over-long records) take the
line-by-line path through the csv module.
"""

from __future__ import annotations

import csv
from datetime import datetime

import numpy as np
import polars as pl

from assets.common.landing import MAX_RECORD_BYTES, RAW_LINE, BadFileError, Source, check_contract


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
    check_contract(source, key, header)
    return header, b"" if header_end < 0 else data[header_end + 1 :]


def read_csv_file(source: Source, key: str, data: bytes, ingested_at: datetime, plain: dict, irregular: dict) -> tuple[dict, list, int]:
    """A clean file goes whole to the shared batch for its header (`plain`), a file with some
    irregular line to the shared classification for its header (`irregular`). Only a file that
    is not UTF-8 is parsed here. Returns (records, malformed lines, lines handed over)."""
    header, body = _csv_header(source, key, data)
    nothing = {c: [] for c in (*source.columns, "_source_line")}
    if header is None or not body.strip():
        return nothing, [], 0
    if _is_plain(header, body):
        return nothing, [], plain.setdefault(tuple(header), PlainLines(header)).add_file(key, ingested_at, body)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        records, raw_lines, plain_lines = _parse_csv_lines_in_python(header, body)
        handed_over = plain.setdefault(tuple(header), PlainLines(header)).add_lines(key, ingested_at, *plain_lines) if plain_lines[0] else 0
        return nothing | records, raw_lines, handed_over
    return nothing, [], irregular.setdefault(tuple(header), IrregularFiles(header)).add_file(key, ingested_at, body)


class PlainLines:
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

    def frames_by_key(self) -> list[tuple[str, pl.DataFrame]]:
        """The parsed lines cut back into one slice per chunk (zero-copy), keyed by file."""
        frame = self.frame()
        if "_source_key" not in frame.columns or frame.height != sum(len(n) for n in self.line_numbers):
            return [(key, frame.filter(pl.col("_source_key") == key).sort("_source_line")) for key in dict.fromkeys(self.keys)] if frame.height else []
        pieces, offset = [], 0
        for key, numbers in zip(self.keys, self.line_numbers, strict=True):
            pieces.append((key, frame.slice(offset, len(numbers))))
            offset += len(numbers)
        return pieces

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
        retry = PlainLines(self.header)
        for i, key in enumerate(self.keys):
            if key not in whole:
                retry._add(key, self.times[i], self.chunks[i], self.line_numbers[i])
        whole_files = IrregularFiles(self.header)
        for key, ingested_at, body in self.whole_files:
            whole_files.add_file(key, ingested_at, body)  # a whole file was checked to be UTF-8
        return pl.concat([*(frame for _, frame in whole_files.frames_by_key()), retry.frame()], how="diagonal")


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


class IrregularFiles:
    """UTF-8 files with some irregular line (a quote, a wrong field count, a blank line),
    classified together: one pass measures every line of every such file of a header, and one
    polars call parses their plain lines, since per file the fixed cost of a polars call
    (~1.3 ms) exceeds the work."""

    def __init__(self, header: list[str]):
        self.header = header
        self.keys: list[str] = []
        self.times: list[datetime] = []
        self.bodies: list[bytes] = []

    def add_file(self, key: str, ingested_at: datetime, body: bytes) -> int:
        """`body` must be UTF-8."""
        self.keys.append(key)
        self.times.append(ingested_at)
        self.bodies.append(body)
        return 1

    def frames_by_key(self) -> list[tuple[str, pl.DataFrame]]:
        """Each file's rows (records and malformed lines) in line order, with lineage."""
        rows = _classify_lines(self.header, self.bodies).join(
            pl.DataFrame(
                {"_file": range(len(self.keys)), "_source_key": self.keys, "_ingested_at": self.times},
                schema={"_file": pl.UInt32, "_source_key": pl.String, "_ingested_at": pl.Datetime("us", "UTC")},
            ),
            on="_file",
            how="left",
            maintain_order="left",
        )
        by_file = rows.partition_by("_file", maintain_order=True, include_key=False, as_dict=True)
        return [(self.keys[file], frame) for (file,), frame in by_file.items()]


NEWLINE, QUOTE, COMMA = ord("\n"), ord('"'), ord(",")


def _classify_lines(header: list[str], bodies: list[bytes]) -> pl.DataFrame:
    """The records and malformed lines of several files' UTF-8 bodies: columns of the header,
    plus `_file` (the body's position), `_source_line` and `_raw_line`, in (file, line) order.

    The same outcome as the Python walk below, with the per-line work done by numpy over the
    bytes: a line with no quote and width - 1 delimiters is a record as it stands, and all
    such lines are parsed by one polars call. Lines with quotes or a wrong delimiter count are
    parsed one by one; a quoted field may continue on the following lines of its file until
    the quotes balance (found from running quote counts, not by re-scanning)."""
    width = len(header)
    bodies = [body if body.endswith(b"\n") else body + b"\n" for body in bodies]  # a newline ends every line
    data = b"".join(bodies)
    buf = np.frombuffer(data, np.uint8)
    line_ends = np.flatnonzero(buf == NEWLINE)
    line_starts = np.concatenate([[0], line_ends[:-1] + 1])
    quotes = np.bincount(np.searchsorted(line_ends, np.flatnonzero(buf == QUOTE)), minlength=len(line_ends))  # quotes are rare
    commas = np.add.reduceat((buf == COMMA).view(np.uint8), line_starts, dtype=np.int64)
    sizes = line_ends - line_starts + 1
    plain = (quotes == 0) & (commas == width - 1) & (sizes <= MAX_RECORD_BYTES + 1)
    if width == 1:  # a blank line has no delimiter either, and is skipped, not a record
        plain &= np.array([bool(data[a:b].strip()) for a, b in zip(line_starts, line_ends, strict=True)], dtype=bool)

    files = np.repeat(np.arange(len(bodies), dtype=np.uint32), [body.count(b"\n") for body in bodies])
    count = len(files)
    index = np.arange(count)
    starts = np.flatnonzero(np.concatenate([[True], files[1:] != files[:-1]]))  # each file's first line
    first = starts[files]
    limit = np.concatenate([starts[1:], [count]])[files]  # one past each file's last line
    running = np.cumsum(quotes)
    parity = (running - (running - quotes)[first]) % 2  # quote parity after each line, within its file
    before = np.concatenate([[0], parity[:-1]])
    before[starts] = 0
    ends = np.cumsum(sizes)
    numbers = index - first + 2  # line 1 is the header
    # next_close[b][k]: the first line at or after k after which the running parity is b
    # (possibly in a later file: such a quote never closes in its own file)
    next_close = {b: np.minimum.accumulate(np.where(parity == b, index, count)[::-1])[::-1] for b in (0, 1)}

    extra: dict[str, list] = {c: [] for c in (*header, "_file", "_source_line", RAW_LINE)}
    consumed = np.zeros(count, dtype=bool)
    for i in np.flatnonzero(~plain):
        if consumed[i]:
            continue
        line = data[line_starts[i] : line_ends[i]].decode("utf-8")
        if not line.strip():
            continue
        end = next_close[before[i]][i]
        size = ends[min(end, limit[i] - 1)] - (ends[i - 1] if i else 0)
        fields = None
        if end < limit[i] and size <= MAX_RECORD_BYTES + 1:
            record = "\n".join(part.removesuffix("\r") for part in data[line_starts[i] : line_ends[end]].decode("utf-8").split("\n"))
            fields = _split_record(record, width)
        if fields is None:
            fields, raw = [None] * width, line[:MAX_RECORD_BYTES]
        else:
            consumed[i : end + 1] = True
            raw = None
        for column, value in zip(header, fields, strict=True):
            extra[column].append(value)
        extra["_file"].append(int(files[i]))
        extra["_source_line"].append(int(numbers[i]))
        extra[RAW_LINE].append(raw)

    keep = plain & ~consumed
    schema = {c: pl.String for c in header} | {"_file": pl.UInt32, "_source_line": pl.Int64, RAW_LINE: pl.String}
    records = _plain_records(header, data, line_starts, line_ends, keep).with_columns(
        _file=pl.Series(files[keep], dtype=pl.UInt32),
        _source_line=pl.Series(numbers[keep], dtype=pl.Int64),
        **{RAW_LINE: pl.lit(None, pl.String)},
    )
    irregular = pl.DataFrame(extra, schema=schema).sort("_file", "_source_line")
    # Both are in (file, line) order: merged, not sorted, so the many plain rows never move.
    order = (pl.col("_file").cast(pl.Int64) * (1 << 32) + pl.col("_source_line")).alias("_order")
    return records.with_columns(order).merge_sorted(irregular.with_columns(order), key="_order").drop("_order")


def _plain_records(header: list[str], data: bytes, line_starts: np.ndarray, line_ends: np.ndarray, keep: np.ndarray) -> pl.DataFrame:
    """The `keep` lines (no quotes, one field per column) as records, by one polars CSV read of
    their runs. Should polars ever see a different number of lines, each is split on its own."""
    edges = np.flatnonzero(np.diff(np.concatenate([[False], keep, [False]]).astype(np.int8)))
    view = memoryview(data)
    lines = b"".join(view[line_starts[a] : line_ends[b - 1] + 1] for a, b in zip(edges[::2], edges[1::2], strict=True))
    expected = int(keep.sum())
    if expected:
        try:
            parsed = pl.read_csv(lines, has_header=False, new_columns=header, infer_schema=False, quote_char=None, empty_string_is_null=False)
            if parsed.height == expected:
                return parsed
        except pl.exceptions.PolarsError:
            pass
    split = pl.Series("line", lines.decode("utf-8").split("\n")[:expected], dtype=pl.String).to_frame()
    fields = pl.col("line").str.strip_suffix("\r").str.split_exact(",", len(header) - 1)  # a CRLF ends a line, as for polars
    return split.select(fields.struct.rename_fields(header).struct.unnest())


def _parse_csv_lines_in_python(header: list[str], body: bytes) -> tuple[dict, list, tuple[list[bytes], list[int]]]:
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
        for column, value in zip(header, fields, strict=True):
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

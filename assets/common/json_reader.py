"""JSON landing files (JSON Lines, or one JSON array) into records of text values."""

from __future__ import annotations

import io
import json

import polars as pl

from assets.common.landing import MAX_RECORD_BYTES, BadFileError, Source, check_contract


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
        check_contract(source, key, sorted(seen_keys))
    return records, malformed


_SCALAR_TYPES = (pl.String, pl.Float64, pl.Int64, pl.Boolean, pl.Null)


def _parse_jsonl_fast(source: Source, key: str, data: bytes) -> dict | None:
    """polars' reader for a file of flat objects with scalar values, one per line. Anything else
    (a blank, broken or over-long line, a nested or non-object value) returns None for the
    line-by-line path, which can point at the offending line."""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if not data.strip() or b"\n\n" in data or data.startswith(b"\n") or len(data) > MAX_RECORD_BYTES and max(map(len, data.split(b"\n"))) > MAX_RECORD_BYTES:
        return None
    try:
        frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
    except pl.exceptions.PolarsError:
        return None
    if frame.height != lines or not all(dtype in _SCALAR_TYPES for dtype in frame.dtypes):
        return None
    # polars gives a column one type, so an integer among floats would come out as "600.0", not as
    # delivered (and fail an integer field). Read as text instead, polars keeps each number as written.
    floats = [c for c, dtype in frame.schema.items() if dtype == pl.Float64]
    if floats and frame.select(pl.any_horizontal([(pl.col(c) == pl.col(c).round(0)).any() for c in floats])).item():
        frame = pl.read_ndjson(io.BytesIO(data), schema=dict.fromkeys(frame.columns, pl.String))
    check_contract(source, key, frame.columns)
    text = frame.select(pl.col(c).cast(pl.String) for c in source.columns)
    return {c: text.get_column(c) for c in source.columns} | {"_source_line": pl.int_range(1, lines + 1, eager=True)}


def _parse_jsonl(source: Source, key: str, data: bytes):
    fast = _parse_jsonl_fast(source, key, data)
    if fast is not None:
        return fast, []
    objects: list[tuple[int, object]] = []
    malformed: list[tuple[int, str]] = []
    for line_no, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_RECORD_BYTES:
            malformed.append((line_no, raw[:MAX_RECORD_BYTES].decode("utf-8", errors="replace")))
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


def read_json_file(source: Source, key: str, data: bytes) -> tuple[dict, list]:
    """(records, malformed lines) of a `jsonl` or `json` source's file."""
    return (_parse_jsonl if source.format == "jsonl" else _parse_json_array)(source, key, data)

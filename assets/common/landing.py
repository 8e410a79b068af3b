"""The landing contract of DOMAIN.md §5: what a source's files must look like, and the shape
of the bronze rows they become (every value kept as delivered text, plus lineage).

The header (or the JSON key set) must be exactly the source's columns, in any order. An
unreadable file or a contract breach fails the whole partition, naming the key. A record
that cannot be parsed becomes a `malformed_line` row rather than stopping the parse.
"""

from __future__ import annotations

import re
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

    @property
    def bronze_prefix(self) -> str:
        return f"bronze/{self.domain}/{self.name}/"

    def bronze_key(self, partition: str) -> str:
        return f"{self.bronze_prefix}dt={partition}/data.parquet"

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


def records_frame(columns, records: dict, raw_lines: list[tuple[int, str]]) -> pl.DataFrame:
    parsed = pl.DataFrame(records, schema={c: pl.String for c in columns} | {"_source_line": pl.Int64})
    if not raw_lines:
        return parsed
    malformed = pl.DataFrame(
        {"_source_line": [n for n, _ in raw_lines], RAW_LINE: [t for _, t in raw_lines]},
        schema={"_source_line": pl.Int64, RAW_LINE: pl.String},
    )
    return pl.concat([parsed, malformed], how="diagonal")


def with_lineage(frame: pl.DataFrame, key: str, ingested_at: datetime) -> pl.DataFrame:
    return frame.with_columns(_source_key=pl.lit(key), _ingested_at=pl.lit(ingested_at, dtype=pl.Datetime("us", "UTC")))


# A header cell that looks like data rather than a column name: an e-mail, or a run of digits.
LOOKS_LIKE_DATA = re.compile(r"@|\d{4}")


def check_contract(source: Source, key: str, found: list[str]) -> None:
    expected = set(source.columns)
    missing = sorted(expected - set(found))
    extra = sorted(set(found) - expected)
    repeated = sorted({c for c in found if found.count(c) > 1})
    if not (missing or extra or repeated):
        return
    if len(missing) > len(expected) / 2 or any(LOOKS_LIKE_DATA.search(c) for c in extra):
        # A file without its header makes the first record look like one: its values (names,
        # e-mails, card numbers) must not reach the run log, the UI or an alert.
        raise BadFileError(
            key, "the first line is not the header (its values are withheld: the file may have lost its header row)",
            missing=missing, unexpected=[f"{len(extra)} values"],
        )
    raise BadFileError(key, "columns do not match the contract", missing=missing, unexpected=extra, repeated=repeated)

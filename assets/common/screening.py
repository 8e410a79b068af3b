"""Screening bronze rows into silver: dedupe, apply the rejection rules, split valid from quarantined.

A rule is a named polars expression that is true where a row breaks it. All rules are
evaluated in one vectorised pass, so a quarantined row lists every rule it breaks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import polars as pl

from assets.common.landing import LINEAGE_COLUMNS, RAW_LINE
from assets.common.pii import digits

REJECT_REASONS = "_reject_reasons"
MALFORMED_LINE = "malformed_line"
RAW_SUFFIX = "__raw"


@dataclass(frozen=True)
class Rule:
    name: str
    doc: str
    violated: pl.Expr


def raw(column: str) -> pl.Expr:
    """The delivered text of a column, beside its typed value of the same name."""
    return pl.col(column + RAW_SUFFIX)


def missing(*columns: str) -> pl.Expr:
    return pl.any_horizontal([raw(c).is_null() | (raw(c) == "") for c in columns])


def magnitude(column: str) -> pl.Expr:
    """The delivered text read as a finite number, however many digits or places it has. Range
    rules judge this, not the typed value: a value too long for its type (`1e30`, twenty digits)
    breaks its range as well as its type, because a row lists every rule it breaks (DOMAIN.md §5).
    NaN, inf and text have no magnitude."""
    number = raw(column).cast(pl.Float64, strict=False)
    return pl.when(number.is_finite()).then(number)


def missing_required(columns: tuple[str, ...]) -> Rule:
    return Rule("missing_required_field", "A required column is empty.", missing(*columns))


# Rule builders for the common shapes. Each names the rule after the column it guards. A value
# rule judges an empty value too, unless the column is optional: an empty required value is
# missing *and* not a valid value (DOMAIN.md §3.2 rejects a null account_id as invalid, §5 an
# empty currency), so it carries both reasons.


def _judged(column: str, bad: pl.Expr, optional: bool) -> pl.Expr:
    return ~missing(column) & bad if optional else missing(column) | bad


def unparseable(column: str, what: str) -> Rule:
    """`invalid_<column>`: not a valid value of its type (the typed value is null: empty, or not parseable)."""
    return Rule(f"invalid_{column}", f"{column} is not {what}.", pl.col(column).is_null())


def not_matching(column: str, pattern: str, what: str, optional: bool = False) -> Rule:
    """`invalid_<column>`: text that does not have the required shape."""
    return Rule(f"invalid_{column}", f"{column} is not {what}.", _judged(column, ~raw(column).str.contains(pattern), optional))


def not_one_of(column: str, allowed: tuple[str, ...]) -> Rule:
    """`invalid_<column>`: text outside the column's set of values (case-sensitive)."""
    return Rule(f"invalid_{column}", f"{column} is not one of {', '.join(allowed)}.", _judged(column, ~raw(column).is_in(allowed), False))


def invalid_email() -> Rule:
    return not_matching("email", r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "of the form local@domain")


def invalid_phone() -> Rule:
    """`invalid_phone`: fewer than 7 digits, however the number is punctuated."""
    return Rule("invalid_phone", "phone has fewer than 7 digits.", _judged("phone", digits(raw("phone")).str.len_chars() < 7, False))


def json_container(column: str) -> Rule:
    """`invalid_<column>`: a JSON object or array delivered where text belongs. The JSON reader keeps
    it in bronze as its JSON text; a wrong JSON type is a rejection (DOMAIN.md §5)."""
    return Rule(f"invalid_{column}", f"{column} is a JSON object or array, not text.", raw(column).str.contains(r"^(\{.*\}|\[.*\])$"))


def value_rule(name: str, column: str, test: Callable[[pl.Expr], pl.Expr], doc: str) -> Rule:
    """A rule on a number's value, judged on its `magnitude`, so it holds for values its type cannot hold."""
    return Rule(name, doc, test(magnitude(column)))


def out_of_range(column: str, test: Callable[[pl.Expr], pl.Expr], what: str) -> Rule:
    """`<column>_out_of_range`: a number outside its allowed range."""
    return value_rule(f"{column}_out_of_range", column, test, f"{column} is {what}.")


def timestamp_rules(day: date, now: datetime) -> list[Rule]:
    """A `timestamp` column: parseable, not in the future, inside the partition day [00:00, 24:00) UTC."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    ts = pl.col("timestamp")
    return [
        unparseable("timestamp", "ISO-8601 with an offset, or is an impossible date or time"),
        Rule("future_timestamp", "After the moment of validation.", ts > now),
        Rule("timestamp_outside_partition", "The UTC instant is outside [00:00, 24:00) of the partition day.", (ts < start) | (ts >= start + timedelta(days=1))),
    ]


# Up to this many rows (a few hundred MB), a partition is held in memory while it is screened
# and checked, so each pass reuses it instead of reading and parsing the file again. A larger
# one (a bank's day of transactions) is streamed from disk by every pass: memory stays flat.
IN_MEMORY_ROWS = 1_000_000
ROW = "_row"  # a row's position in (source key, line) order, for picking rows across passes


@dataclass
class Screened:
    # Typed rows that passed every rule, in (source key, line) order: a plan over bronze, not yet
    # run, so publishing can stream it to a file (a day of transactions can outgrow memory).
    valid: pl.LazyFrame
    quarantined: pl.DataFrame  # raw source columns + lineage + _raw_line + _reject_reasons
    rows_in: int
    duplicates: int
    conflicting_duplicates: int  # keys whose copies differ in content

    @property
    def error_rate(self) -> float:
        """Quarantined / (rows in - duplicates), per DOMAIN.md §5: duplicates are not errors."""
        considered = self.rows_in - self.duplicates
        return self.quarantined.height / considered if considered else 0.0


def screen(
    bronze: pl.DataFrame | pl.LazyFrame,
    *,
    source_columns: tuple[str, ...],
    typed: list[pl.Expr],
    key: list[str],
    rules: list[Rule],
) -> Screened:
    """`typed` converts raw text columns into typed ones of the same name; rules see both
    (`raw(c)` for the text). The first occurrence of a key in (source key, line) order wins.

    `bronze` may be a lazy scan: a large day is then never held in memory whole. The first passes
    find the few rows that are duplicates or break a rule (their row numbers and rule bits);
    every later pass streams the scan and picks rows by row number against that short list
    (joining a scan side by side with an in-memory column would make polars load the whole
    scan). The valid rows are returned as a plan, run when they are written."""
    malformed = pl.col(RAW_LINE).is_not_null()
    keyed = ~malformed & pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    # One integer bit per rule: cheap to compute for every row; the list of reason names is
    # only built for the few rows that break something.
    broken = pl.sum_horizontal(pl.when(r.violated.fill_null(False)).then(1 << i).otherwise(0) for i, r in enumerate(rules))
    prepared = (
        _in_source_order(bronze.lazy())
        .with_row_index(ROW)
        .with_columns(pl.col(c).alias(c + RAW_SUFFIX) for c in source_columns)
        .with_columns(typed)
    )
    prepared = held_if_small(prepared)
    duplicates = _duplicates(prepared, key, keyed)
    rejects = (
        prepared.select(ROW, _broken=broken, _malformed=malformed)
        .filter((pl.col("_broken") != 0) | pl.col("_malformed"))
        .filter(~pl.col(ROW).is_in(duplicates.get_column(ROW).implode()))  # a duplicate is dropped, not rejected
        .collect(engine="streaming")
    )
    rows_in = prepared.select(pl.len()).collect(engine="streaming").item()
    conflicting = (
        # Only keys seen twice can conflict; a filter on the short list streams, a join would not.
        prepared.filter(keyed & pl.struct(key).is_in(duplicates.select(pl.struct(key).unique()).to_series().implode()))
        .group_by(key)
        .agg(pl.struct(raw(c) for c in source_columns if c not in key).n_unique().alias("_versions"))
        .filter(pl.col("_versions") > 1)
        .collect(engine="streaming")
        .height
    )
    # Project before filtering: a filter copies every column it keeps.
    outputs = [c for c in prepared.collect_schema().names() if c not in {RAW_LINE, ROW} and not c.endswith(RAW_SUFFIX)]
    dropped = pl.concat([duplicates.get_column(ROW), rejects.get_column(ROW)])
    valid = prepared.filter(~pl.col(ROW).is_in(dropped.implode())).select(outputs)
    named = pl.concat_list(pl.when((pl.col("_broken") & (1 << i)) != 0).then(pl.lit(r.name)) for i, r in enumerate(rules))
    quarantined = (
        prepared.filter(pl.col(ROW).is_in(rejects.get_column(ROW).implode()))
        .join(rejects.lazy().select(ROW, "_broken"), on=ROW, how="left", maintain_order="left")
        .select(
            *(raw(c).alias(c) for c in source_columns),
            *LINEAGE_COLUMNS,
            RAW_LINE,
            pl.when(malformed).then(pl.lit([MALFORMED_LINE])).otherwise(named.list.drop_nulls()).alias(REJECT_REASONS),
        )
        .collect(engine="streaming")
    )
    return Screened(valid, quarantined, rows_in, duplicates.height, conflicting)


def held_if_small(rows: pl.LazyFrame) -> pl.LazyFrame:
    """The plan run once and kept, if its result is at most IN_MEMORY_ROWS rows."""
    return rows.collect().lazy() if rows.select(pl.len()).collect().item() <= IN_MEMORY_ROWS else rows


def _duplicates(prepared: pl.LazyFrame, key: list[str], keyed: pl.Expr) -> pl.DataFrame:
    """Rows (ROW and key) whose key occurred earlier in the day. Finding them needs every key
    at once, so this pass holds one 64-bit hash per row rather than the keys themselves (20M
    transaction ids: 0.7 GB instead of 2.1 GB). Rows whose hash repeats are then compared on
    their real keys, so a hash collision never drops a row."""
    hashes = prepared.select(_hash=pl.when(keyed).then(pl.struct(key).hash())).collect(engine="streaming").with_row_index(ROW)
    repeated = hashes.filter(pl.col("_hash").is_not_null() & ~pl.col("_hash").is_first_distinct()).get_column("_hash").unique()
    suspects = hashes.filter(pl.col("_hash").is_in(repeated.implode())).get_column(ROW)
    return (
        prepared.filter(pl.col(ROW).is_in(suspects.implode()))
        .select(ROW, *key)
        .collect(engine="streaming")
        .filter(~pl.struct(key).is_first_distinct())  # rows are in source order: the first copy wins
    )


def _in_source_order(bronze: pl.LazyFrame) -> pl.LazyFrame:
    """"First occurrence wins" needs (source key, line) order. Bronze is written in that order,
    and checking it (two columns) is far cheaper than a sort that moves every column."""
    key, line = pl.col("_source_key"), pl.col("_source_line")
    ordered = bronze.select(((key > key.shift()) | ((key == key.shift()) & (line > line.shift()))).fill_null(True).all()).collect().item()
    return bronze if ordered else bronze.sort("_source_key", "_source_line")


def reason_counts(quarantined: pl.DataFrame) -> dict[str, int]:
    if quarantined.is_empty():
        return {}
    counts = quarantined.get_column(REJECT_REASONS).explode().value_counts(sort=True)
    return {row[0]: int(row[1]) for row in counts.iter_rows()}

"""Bad data on purpose: row defects in POS lines and file-level delivery accidents.

The platform's quarantine, contract checks and error budget (DOMAIN.md §4, §5) can only
be trusted if they are exercised, and only be tested if we know exactly what went in.
So injection is deterministic for (seed, date) and every injected line is recorded in a
manifest with its file key, physical line number and the reject reasons it should earn.

POS files are rendered here (clean ones too) because some defects cannot be expressed as
values in a frame: a line with a broken quote or a wrong field count has to be written
raw, and duplicates are extra physical lines.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import polars as pl

from assets.common.identifiers import upc_check_digit
from simulator.files import as_delivered, csv_bytes, csv_data_lines, join_lines, landing_key, pos_filename
from simulator.seeding import rng_for

# Injected in this order, cycling, so that 14 defects already cover every kind.
ROW_DEFECTS = (
    "unknown_store",
    "invalid_barcode",
    "unknown_product",
    "zero_quantity",
    "quantity_out_of_range",
    "non_positive_price",
    "price_out_of_range",
    "invalid_timestamp",
    "timestamp_outside_partition",
    "future_timestamp",
    "missing_required_field",
    "malformed_line",
    "duplicate",
    "conflicting_duplicate",
)

# The reject reasons (DOMAIN.md §5) a line with each defect breaks. A 2099 timestamp is
# also outside the partition day, and silver lists every rule a row breaks. Duplicates are
# dropped, not rejected. A bad barcode is by construction also absent from the catalog;
# it is listed as `invalid_barcode` only, since looking it up is meaningless.
def expected_reasons(row_defects: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each row defect earns the rule of its name, except that a 2099 timestamp is also outside
    the partition and duplicates are dropped, not rejected. Shared by both domains."""
    return {
        **{name: (name,) for name in row_defects},
        "future_timestamp": ("future_timestamp", "timestamp_outside_partition"),
        "duplicate": (),
        "conflicting_duplicate": (),
    }


EXPECTED_REASONS = expected_reasons(ROW_DEFECTS)
# A required value delivered empty also breaks that column's value rule (DOMAIN.md §5: every rule
# a row breaks): the variants that empty a column, and the rule they break besides.
EMPTIED_COLUMN_REASONS = {
    "empty_cashier_id": "invalid_cashier_id", "empty_price": "invalid_price",
    "empty_account_id": "invalid_account_id", "empty_timestamp": "invalid_timestamp",
}


def reasons_of(defect: str, variant: str, expected: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The reject reasons one injected line earns in silver."""
    return expected[defect] + ((EMPTIED_COLUMN_REASONS[variant],) if variant in EMPTIED_COLUMN_REASONS else ())

# File-level cases and what the platform should make of each (DOMAIN.md §4).
BAD_FILE_OUTCOMES: dict[str, str] = {
    "schema_drift_extra_column": "contract_failure",
    "schema_drift_missing_column": "contract_failure",
    "schema_drift_renamed_column": "contract_failure",
    "reordered_columns": "valid",  # the contract allows any column order
    "bom_crlf": "valid",  # BOM and CRLF are allowed
    "gzip": "valid",  # any CSV may arrive as .csv.gz
    "corrupt_gzip": "unreadable",
    "empty_file": "empty",  # accepted, flagged
    "header_only": "empty",  # accepted, flagged
    "invalid_utf8": "malformed_lines",  # a few lines quarantined as malformed_line
    "products_schema_drift": "contract_failure",
}
BAD_FILES = tuple(BAD_FILE_OUTCOMES)
POS_BAD_FILES = tuple(c for c in BAD_FILES if c != "products_schema_drift")
# After these a file yields no rows, so no row defects are placed in it: they would be
# invisible and the manifest's expected counts would lie.
_ROWLESS_OUTCOMES = ("contract_failure", "unreadable", "empty")

REORDERED_COLUMNS = ("timestamp", "store_id", "register_id", "receipt_id", "line_no", "product_barcode", "price", "quantity", "loyalty_card", "cashier_id")
INVALID_UTF8_LINES = 3


@dataclass(frozen=True)
class DefectConfig:
    """What to break. `DefectConfig()` breaks nothing.

    row_defect_rate: fraction of POS lines corrupted, cycling through ROW_DEFECTS.
    bad_files: file-level cases (BAD_FILES). POS cases go to distinct stores in the order
        given: the first to store 001, the next to store 002, ...
    """

    row_defect_rate: float = 0.0
    bad_files: tuple[str, ...] = ()

    def __post_init__(self):
        if not 0.0 <= self.row_defect_rate <= 0.5:
            raise ValueError(f"row_defect_rate must be in [0, 0.5], got {self.row_defect_rate}")
        unknown = [c for c in self.bad_files if c not in BAD_FILE_OUTCOMES]
        if unknown:
            raise ValueError(f"unknown bad file case(s) {unknown}; known: {list(BAD_FILES)}")
        object.__setattr__(self, "bad_files", tuple(dict.fromkeys(self.bad_files)))  # dedupe, keep order

    @classmethod
    def demo(cls) -> DefectConfig:
        """The local demo: ~0.5% bad lines, no broken files.

        0.6% rather than 0.5% so that even a quiet weekday at local scale (~2,600 lines)
        gets the 14 defects it takes to show every kind once.
        """
        return cls(row_defect_rate=0.006)


@dataclass(frozen=True)
class _Injected:
    uid: int  # position in injection order
    row: int  # index into the POS frame
    defect: str
    variant: str


def render_pos_files(
    pos: pl.DataFrame,
    day: dt.date,
    seed: int,
    store_ids: tuple[str, ...],
    catalog_ids: pl.Series,
    config: DefectConfig,
) -> tuple[dict[str, bytes], dict]:
    """One CSV per store from the (sorted by `_store`) POS frame, with `config` applied.

    Returns the files and the POS part of the manifest:
      row_defect_rate, row_defects {name: lines injected}, expected_reject_reasons,
      defect_lines [{key, line, defect, variant, receipt_id, line_no}], bad_files
      [{case, key, outcome, (lines)}], pos_data_lines {key: data lines},
      expected_pos_silver {...} or None when a POS file fails the partition.
    """
    rng = rng_for(seed, "defects", day)
    n_stores = len(store_ids)
    store_col = pos["_store"].to_numpy()
    bounds = np.searchsorted(store_col, np.arange(n_stores + 1))

    pos_cases = [c for c in config.bad_files if c in POS_BAD_FILES]
    if len(pos_cases) > n_stores:
        raise ValueError(f"{len(pos_cases)} POS bad-file cases need as many stores; this scale has {n_stores}")
    case_of_store = dict(enumerate(pos_cases))
    rowless = [s for s, c in case_of_store.items() if BAD_FILE_OUTCOMES[c] in _ROWLESS_OUTCOMES]

    # Pick the lines to corrupt among files that will be read, and cycle the kinds.
    candidates = np.flatnonzero(~np.isin(store_col, rowless))
    n_defects = int(config.row_defect_rate * candidates.size + 0.5)
    chosen = rng.choice(candidates, size=n_defects, replace=False) if n_defects else np.array([], dtype=np.int64)
    seen: Counter = Counter()
    injected: list[_Injected] = []
    for i, row in enumerate(chosen.tolist()):
        kind = ROW_DEFECTS[i % len(ROW_DEFECTS)]
        injected.append(_Injected(i, row, kind, _VARIANTS[kind][seen[kind] % len(_VARIANTS[kind])]))
        seen[kind] += 1

    pos = _apply_value_defects(pos, injected, day, rng, catalog_ids)
    by_store: dict[int, list[_Injected]] = {}
    for inj in injected:
        by_store.setdefault(int(store_col[inj.row]), []).append(inj)

    files: dict[str, bytes] = {}
    line_of: dict[int, tuple[str, int]] = {}  # uid -> (key, physical line; the header is line 1)
    bad_files: list[dict] = []
    data_lines: dict[str, int] = {}
    for s in range(n_stores):
        a, b = int(bounds[s]), int(bounds[s + 1])
        case = case_of_store.get(s)
        key = landing_key("pos", day, pos_filename(store_ids[s], gzipped=case in ("gzip", "corrupt_gzip")))
        here = by_store.get(s, [])
        data, n_data, lines_here, utf8_lines = _render_store_file(pos.slice(a, b - a).drop("_store"), a, here, case, rng)
        files[key] = data
        line_of.update({uid: (key, line) for uid, line in lines_here.items()})
        if case is not None:
            entry = {"case": case, "key": key, "outcome": BAD_FILE_OUTCOMES[case]}
            bad_files.append(entry | {"lines": utf8_lines} if case == "invalid_utf8" else entry)
        if case is None or BAD_FILE_OUTCOMES[case] in ("valid", "malformed_lines", "empty"):
            data_lines[key] = n_data

    records = pos.select("receipt_id", "line_no")
    defect_lines = [
        {
            "key": line_of[inj.uid][0],
            "line": line_of[inj.uid][1],
            "defect": inj.defect,
            "variant": inj.variant,
            "receipt_id": records["receipt_id"][inj.row],
            "line_no": int(records["line_no"][inj.row]),
        }
        for inj in injected
    ]
    for bf in bad_files:
        for ln in bf.get("lines", []):
            defect_lines.append({"key": bf["key"], "line": ln, "defect": "malformed_line", "variant": "invalid_utf8", "receipt_id": None, "line_no": None})
    defect_lines.sort(key=lambda d: (d["key"], d["line"]))

    counts = {name: seen[name] for name in ROW_DEFECTS}
    manifest = {
        "row_defect_rate": config.row_defect_rate,
        "row_defects": counts,
        "expected_reject_reasons": {k: list(v) for k, v in EXPECTED_REASONS.items()},
        "defect_lines": defect_lines,
        "bad_files": bad_files,
        "pos_data_lines": data_lines,
        "expected_pos_silver": expected_silver(injected, bad_files, data_lines, EXPECTED_REASONS, lambda bf: "/pos/" in bf["key"]),
    }
    return files, manifest


def _render_store_file(frame: pl.DataFrame, offset: int, injected: list[_Injected], case: str | None, rng: np.random.Generator):
    """One store's file: (bytes, data lines, {uid: physical line}, invalid-UTF-8 line numbers).

    `frame` holds the store's rows (already value-patched); `offset` is its first row's
    index in the day's frame, which is what `_Injected.row` refers to.
    """
    frame = _shape_for_case(frame, case)
    header = frame.columns
    raw = [inj for inj in injected if inj.defect in ("malformed_line", "duplicate", "conflicting_duplicate")]
    utf8_rows: list[int] = []
    if case == "invalid_utf8":  # a few otherwise clean lines, so each counts once as malformed
        touched = {inj.row - offset for inj in injected}
        clean_rows = [r for r in range(frame.height) if r not in touched]
        picked = rng.choice(len(clean_rows), size=min(INVALID_UTF8_LINES, len(clean_rows)), replace=False)
        utf8_rows = sorted(clean_rows[i] for i in picked.tolist())

    if not raw and not utf8_rows:  # the common case: straight from the frame
        data, n_data = csv_bytes(frame), frame.height
        lines_of = {inj.uid: inj.row - offset + 2 for inj in injected}
        utf8_lines: list[int] = []
    else:
        lines, original_at, inserted_at = _splice(csv_data_lines(frame), raw, offset, header, rng)
        n_data = len(lines)
        lines_of = {inj.uid: (inserted_at[inj.uid] if inj.uid in inserted_at else original_at(inj.row - offset)) + 2 for inj in injected}
        utf8_lines = [original_at(r) + 2 for r in utf8_rows]
        data = _join_with_invalid_utf8(header, lines, [ln - 2 for ln in utf8_lines])

    if case is not None and BAD_FILE_OUTCOMES[case] == "empty":
        n_data = 0
    return _apply_file_case(data, header, case), n_data, lines_of, utf8_lines


# Sub-variants, alternated per kind so both show up once a kind occurs twice.
_VARIANTS: dict[str, tuple[str, ...]] = {
    **{name: ("default",) for name in ROW_DEFECTS},
    "invalid_barcode": ("malformed", "bad_check_digit"),
    "quantity_out_of_range": ("too_large", "too_negative"),
    "non_positive_price": ("zero", "negative"),
    "price_out_of_range": ("just_over", "far_over"),
    "invalid_timestamp": ("impossible_date", "not_a_time"),
    "missing_required_field": ("empty_cashier_id", "empty_price"),
    "malformed_line": ("wrong_field_count", "broken_quote"),
}


def _apply_value_defects(pos: pl.DataFrame, injected: list[_Injected], day: dt.date, rng: np.random.Generator, catalog_ids: pl.Series) -> pl.DataFrame:
    """Defects expressible as a changed field value, patched into the frame by row index."""
    patches: dict[str, tuple[list[int], list[str | None]]] = {}

    def patch(row: int, column: str, value: str | None) -> None:
        rows, values = patches.setdefault(column, ([], []))
        rows.append(row)
        values.append(value)

    catalog = set(catalog_ids.to_list())  # membership only; never iterated (set order is not stable)
    for inj in injected:
        r, v = inj.row, inj.variant
        barcode, ts = pos["product_barcode"][r], pos["timestamp"][r]
        match inj.defect:
            case "unknown_store":
                patch(r, "store_id", "999")  # RetailScale caps stores at 998
            case "invalid_barcode" if v == "malformed":
                patch(r, "product_barcode", barcode[:5] + "ABC")
            case "invalid_barcode":
                patch(r, "product_barcode", barcode[:11] + str((int(barcode[11]) + 1) % 10))
            case "unknown_product":
                while True:  # a well-formed UPC-A the catalog does not carry
                    body = f"{int(rng.integers(10**11)):011d}"
                    code = body + str(upc_check_digit(body))
                    if code not in catalog:
                        break
                patch(r, "product_barcode", code)
            case "zero_quantity":
                patch(r, "quantity", "0")
            case "quantity_out_of_range":
                patch(r, "quantity", "150" if v == "too_large" else "-101")
            case "non_positive_price":
                patch(r, "price", "0.00" if v == "zero" else "-1.50")
            case "price_out_of_range":
                patch(r, "price", "10000.01" if v == "just_over" else "25000.00")
            case "invalid_timestamp":
                patch(r, "timestamp", f"{day.year}-13-45T25:61:00Z" if v == "impossible_date" else "not-a-time")
            case "timestamp_outside_partition":
                patch(r, "timestamp", (day - dt.timedelta(days=1)).isoformat() + ts[10:])
            case "future_timestamp":
                month_day = "02-28" if ts[5:10] == "02-29" else ts[5:10]  # 2099 is no leap year
                patch(r, "timestamp", f"2099-{month_day}{ts[10:]}")
            case "missing_required_field":
                patch(r, "cashier_id" if v == "empty_cashier_id" else "price", None)
    columns = []
    for column, (rows, values) in patches.items():
        columns.append(pos[column].clone().scatter(rows, pl.Series(values, dtype=pl.String)))
    return pos.with_columns(columns) if columns else pos


def _shape_for_case(frame: pl.DataFrame, case: str | None) -> pl.DataFrame:
    """Column layout a file is delivered with: drifted, reordered or as contracted."""
    match case:
        case "schema_drift_extra_column":
            return frame.with_columns(discount=pl.lit("0.00"))
        case "schema_drift_missing_column":
            return frame.drop("cashier_id")
        case "schema_drift_renamed_column":
            return frame.rename({"product_barcode": "barcode"})
        case "reordered_columns":
            return frame.select(REORDERED_COLUMNS)
    return frame


def _splice(lines: list[str], raw: list[_Injected], offset: int, header: list[str], rng: np.random.Generator):
    """Write malformed lines raw and insert duplicate copies later in the file.

    Returns the new lines, a function from an original local row to its 0-based data-line
    index in the output, and {uid: output index} of the inserted copies.
    """
    col = {name: i for i, name in enumerate(header)}
    inserts: list[tuple[int, int, str]] = []  # (after local row, uid, text)
    for inj in raw:
        local = inj.row - offset
        fields = lines[local].split(",")  # POS values never contain commas or quotes
        if inj.defect == "malformed_line":
            if inj.variant == "wrong_field_count":
                lines[local] = ",".join(fields[:-2])
            else:  # an opening quote that never closes: a naive CSV reader swallows the rest of the file
                fields[col["product_barcode"]] = '"' + fields[col["product_barcode"]]
                lines[local] = ",".join(fields)
            continue
        if inj.defect == "conflicting_duplicate":
            q = int(fields[col["quantity"]])
            fields[col["quantity"]] = str(q + 1 if q > 0 else q - 1)
        after = int(rng.integers(local, len(lines)))
        inserts.append((after, inj.uid, ",".join(fields)))
    inserts.sort()
    afters = [ins[0] for ins in inserts]

    out: list[str] = []
    prev = 0
    for after, _, text in inserts:
        out.extend(lines[prev : after + 1])
        out.append(text)
        prev = after + 1
    out.extend(lines[prev:])

    # An insert placed after row j lands behind the j+1 original rows and the inserts before it.
    inserted_at = {uid: after + 1 + p for p, (after, uid, _) in enumerate(inserts)}

    def original_at(local: int) -> int:
        return local + bisect.bisect_left(afters, local)

    return out, original_at, inserted_at


def _join_with_invalid_utf8(header: list[str], lines: list[str], bad: list[int]) -> bytes:
    """Encode, then put bytes that are not UTF-8 (a Latin-1 system's leftovers) into some lines."""
    if not bad:
        return join_lines(header, lines)
    cashier = header.index("cashier_id")
    encoded = [ln.encode("utf-8") for ln in lines]
    for i in bad:
        fields = encoded[i].split(b",")
        fields[cashier] = fields[cashier][:3] + b"\xff\xfe" + fields[cashier][3:]
        encoded[i] = b",".join(fields)
    return b"\n".join([",".join(header).encode("utf-8"), *encoded]) + b"\n"


def _apply_file_case(data: bytes, header: list[str], case: str | None) -> bytes:
    match case:
        case "empty_file":
            return b""
        case "header_only":
            return (",".join(header) + "\n").encode("utf-8")
    return as_delivered(data, case)


def expected_silver(
    injected: list, bad_files: list[dict], data_lines: dict[str, int], expected_reasons: dict[str, tuple[str, ...]], fails_partition
) -> dict | None:
    """What silver should report for the day's injected row defects (each with a `defect` and a
    `variant`), or None when a bad file for which `fails_partition(bad_file)` is true fails the
    partition (a contract breach, unreadable gzip)."""
    if any(bf["outcome"] in ("contract_failure", "unreadable") and fails_partition(bf) for bf in bad_files):
        return None
    reasons: Counter = Counter()
    quarantined = 0
    counts = Counter(inj.defect for inj in injected)
    for inj in injected:
        earned = reasons_of(inj.defect, inj.variant, expected_reasons)
        quarantined += bool(earned)
        reasons.update(earned)
    utf8 = sum(len(bf.get("lines", [])) for bf in bad_files)
    quarantined += utf8
    reasons["malformed_line"] += utf8
    bronze = sum(data_lines.values())
    dropped = counts["duplicate"] + counts["conflicting_duplicate"]
    return {
        "bronze_rows": bronze,
        "silver_rows": bronze - quarantined - dropped,
        "quarantined_rows": quarantined,
        "dropped_duplicates": dropped,
        "conflicting_duplicates": counts["conflicting_duplicate"],
        "reject_reasons": {k: v for k, v in sorted(reasons.items()) if v},
    }

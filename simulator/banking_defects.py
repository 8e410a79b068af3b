"""Bad data on purpose for the bank: defective transaction lines, defective account rows,
ledger breaks and file-level delivery accidents, each recorded in the manifest.

The rule that keeps the ledger testable: clean rows are never touched. Every defective
transaction is an EXTRA line (a patched copy of a clean one under a fresh transaction_id, or
an exact / conflicting copy of a clean line placed in a later part), so the balances in the
snapshot, which count only the clean transactions, still reconcile once silver has dropped
the defects. Defective account rows are extra rows too (see `render_accounts_file`), and a
ledger break is an extra valid posting the snapshot does not contain, so the day after a
break reconciles again.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from simulator import banking_vocab as bv
from simulator.defects import expected_reasons, expected_silver
from simulator.files import as_delivered, csv_bytes, csv_data_lines
from simulator.seeding import rng_for

if TYPE_CHECKING:
    from simulator.banking import Day, Reference

# Injected in this order, cycling, so that 14 defects already cover every kind.
TRANSACTION_ROW_DEFECTS = (
    "invalid_account_id",
    "unknown_account",
    "missing_required_field",
    "future_timestamp",
    "timestamp_outside_partition",
    "zero_amount",
    "amount_out_of_range",
    "invalid_currency",
    "invalid_type",
    "invalid_channel",
    "card_purchase_without_merchant",
    "malformed_line",
    "duplicate",
    "conflicting_duplicate",
)
# The reject reasons (DOMAIN.md §5) each defect earns in silver.
EXPECTED_REASONS = expected_reasons(TRANSACTION_ROW_DEFECTS)
_VARIANTS: dict[str, tuple[str, ...]] = {
    **{name: ("default",) for name in TRANSACTION_ROW_DEFECTS},
    "invalid_account_id": ("bad_check_digit", "not_digits"),
    "missing_required_field": ("empty_account_id", "empty_timestamp"),
    "timestamp_outside_partition": ("previous_day", "next_midnight", "offset_crosses_midnight"),
    "zero_amount": ("zero", "negative_zero"),
    "amount_out_of_range": ("too_large", "too_negative"),
    "invalid_currency": ("lower_case", "no_currency_XXX", "gold_XAU"),
    "invalid_type": ("unknown", "upper_case"),
    "invalid_channel": ("upper_case", "unknown"),
    "malformed_line": ("wrong_field_count", "broken_quote"),
}
ACCOUNT_ROW_DEFECTS = ("balance_out_of_range", "invalid_account_id")
_ACCOUNT_VARIANTS = {"balance_out_of_range": ("savings_negative", "checking_below_limit"), "invalid_account_id": ("bad_check_digit", "eleven_digits")}

# File-level cases for the transactions parts and what the platform should make of each (DOMAIN.md §4, §5).
BAD_FILE_OUTCOMES: dict[str, str] = {
    "schema_drift_extra_column": "contract_failure",
    "schema_drift_missing_column": "contract_failure",
    "corrupt_gzip": "unreadable",
    "gzip": "valid",  # any CSV may arrive as .csv.gz
    "bom_crlf": "valid",  # BOM and CRLF are allowed
    "invalid_utf8": "malformed_lines",  # a few extra lines quarantined as malformed_line
    "empty_part": "empty",  # an extra part file of zero bytes: accepted, flagged
    "header_only": "empty",  # an extra part file with the header and no rows: accepted, flagged
}
BAD_FILES = tuple(BAD_FILE_OUTCOMES)
_EXTRA_PART_CASES = ("empty_part", "header_only")  # these add a part; the others change one
_ROWLESS = ("contract_failure", "unreadable", "empty")
INVALID_UTF8_LINES = 3
_BAD_UTF8_MARKER = "ZQXBADUTF8XQZ"  # replaced by non-UTF-8 bytes after encoding
EXTRA_COLUMN = "authorization_code"
DROPPED_COLUMN = "channel"


@dataclass(frozen=True)
class BankingDefects:
    """What to break. `BankingDefects()` breaks nothing.

    row_defect_rate: extra defective transaction lines, as a fraction of the clean ones, cycling
        through TRANSACTION_ROW_DEFECTS; when > 0, also a few defective account rows.
    ledger_breaks: accounts whose snapshot balance disagrees with their transactions that day.
    bad_files: file-level cases (BAD_FILES) for the transaction parts; in-place cases hit
        part-0000, part-0001, ... in the order given; empty_part and header_only add a part.
    """

    row_defect_rate: float = 0.0
    ledger_breaks: int = 0
    bad_files: tuple[str, ...] = ()

    def __post_init__(self):
        if not 0.0 <= self.row_defect_rate <= 0.5:
            raise ValueError(f"row_defect_rate must be in [0, 0.5], got {self.row_defect_rate}")
        if self.ledger_breaks < 0:
            raise ValueError(f"ledger_breaks must be >= 0, got {self.ledger_breaks}")
        unknown = [c for c in self.bad_files if c not in BAD_FILE_OUTCOMES]
        if unknown:
            raise ValueError(f"unknown bad file case(s) {unknown}; known: {list(BAD_FILES)}")
        object.__setattr__(self, "bad_files", tuple(dict.fromkeys(self.bad_files)))

    @classmethod
    def demo(cls) -> BankingDefects:
        """The local demo: 0.5% defective lines (every kind shows up daily even at test scale,
        far below the 5% error budget) and two ledger breaks a day."""
        return cls(row_defect_rate=0.005, ledger_breaks=2)


# --------------------------------------------------------------------------------------
# Accounts: defective rows, ledger breaks, and the transactions they bring along
# --------------------------------------------------------------------------------------


def render_accounts_file(accounts: pl.DataFrame, transactions: pl.DataFrame, d: Day, ref: Reference, config: BankingDefects, key: str):
    """The accounts snapshot with `config` applied.

    Returns (bytes, manifest part, extra transactions). Extra transactions are valid rows that
    are not in the clean ledger: the postings behind the ledger breaks (which the snapshot
    leaves out, so that day's reconciliation breaks and the next day's holds) and the
    activity of the accounts whose rows are defective.
    """
    from simulator.banking import BANK_PREFIX, CARD, CHECKING, GHOST_PREFIX, OPEN, SAVINGS, TRANSACTION_COLUMNS, _prefixed

    rng = rng_for(ref.seed, "banking.account_defects", d.date)
    a = d.accounts
    tag = d.date.strftime("%Y%m%d")
    next_seq = [int(d.items["seq"].size) + 1]

    def new_ids(k: int) -> list[str]:
        first = next_seq[0]
        next_seq[0] += k
        return [f"T{tag}{s:09d}" for s in range(first, first + k)]

    day_iso = d.date.isoformat()
    extra_rows: list[dict] = []
    breaks: list[dict] = []
    if config.ledger_breaks:
        fraud = np.union1d(d.fraud.high_frequency, d.fraud.high_spend)
        pool = np.flatnonzero(
            d.present & (a["open"] < d.date.toordinal()) & (a["status"] == OPEN) & np.isin(a["kind"], (CHECKING, SAVINGS, CARD)) & ~np.isin(np.arange(a["kind"].size), fraud)
        )
        if pool.size < config.ledger_breaks:
            raise ValueError(f"{config.ledger_breaks} ledger breaks need as many open accounts; this day has {pool.size}")
        chosen = np.sort(rng.choice(pool, size=config.ledger_breaks, replace=False))
        deltas = rng.integers(1, 2_500, size=chosen.size)
        secs = rng.integers(a["window"][chosen], 86_400)
        for pos, delta, sec, tid in zip(chosen.tolist(), deltas.tolist(), secs.tolist(), new_ids(chosen.size), strict=True):
            closing = int(d.balance[pos])
            extra_rows.append(_row(tid, str(a["payload"][pos]), day_iso, sec, -delta, a["currency"][pos], "fee", "branch", "SERVICE CHARGE"))
            breaks.append({
                "account_id": str(a["payload"][pos]),
                "expected_closing": _money(closing - delta),  # yesterday's closing + today's transactions
                "reported_closing": _money(closing),  # what the snapshot says
                "difference": _money(delta),
            })

    account_defects: list[dict] = []
    extra_accounts: list[dict] = []
    if config.row_defect_rate > 0:
        n = max(len(ACCOUNT_ROW_DEFECTS), round(config.row_defect_rate * accounts.height / 2))
        customers = rng.integers(ref.customers.ids.size, size=n)
        ghost = _prefixed(GHOST_PREFIX, rng.integers(0, 10**10, size=n) + d.date.toordinal())
        for i in range(n):
            defect = ACCOUNT_ROW_DEFECTS[i % len(ACCOUNT_ROW_DEFECTS)]
            variant = _ACCOUNT_VARIANTS[defect][(i // len(ACCOUNT_ROW_DEFECTS)) % 2]
            customer = ref.customers.ids[customers[i]]
            if defect == "balance_out_of_range":
                # An account only core banking's export knows today, with transactions that are
                # fine: its row is quarantined, its transactions are not (DOMAIN.md §5).
                account_id = str(ghost[i])
                flows = [int(x) for x in rng.integers(500, 40_000, size=3)]
                flows = [flows[0], -flows[1], -flows[2]]
                if variant == "savings_negative":
                    kind, limit, balance = "savings", 0, -int(rng.integers(100, 50_000))
                else:
                    kind, limit = "checking", 50_000
                    balance = -limit - int(rng.integers(100, 20_000))
                for sec, amount, tid in zip((9 * 3600 + 17, 13 * 3600 + 42, 19 * 3600 + 5), flows, new_ids(3), strict=True):
                    row = _row(tid, account_id, day_iso, sec, amount, 0, "deposit" if amount > 0 else "transfer_out", "branch" if amount > 0 else "online",
                               "CASH DEPOSIT" if amount > 0 else "TRANSFER TO ****" + account_id[-4:])
                    extra_rows.append(row)
            else:
                good = str(_prefixed(BANK_PREFIX, rng.integers(0, 10**10, size=1))[0])
                account_id = good[:-1] + str((int(good[-1]) + 1) % 10) if variant == "bad_check_digit" else good[:-1]
                kind, limit, balance = "checking", 0, int(rng.integers(0, 500_000))
            extra_accounts.append({
                "account_id": account_id, "customer_id": customer, "account_type": kind, "status": "open", "open_date": day_iso,
                "currency": "USD", "interest_rate": "0.0000" if kind == "checking" else "0.0150", "credit_limit": _money(limit), "balance": _money(balance),
                "_defect": defect, "_variant": variant,
            })

    columns = [c for c in accounts.columns if c != "_pos"]
    frame = accounts.select(columns).with_columns(_defect=pl.lit(None, pl.String), _variant=pl.lit(None, pl.String))
    if extra_accounts:
        frame = pl.concat([frame, pl.DataFrame(extra_accounts, schema=frame.schema)]).sort("account_id", maintain_order=True)
        rows = frame.with_row_index("_row").filter(pl.col("_defect").is_not_null())
        for r in rows.iter_rows(named=True):
            account_defects.append({"key": key, "line": r["_row"] + 2, "account_id": r["account_id"], "defect": r["_defect"], "variant": r["_variant"]})
    data = csv_bytes(frame.select(columns))
    extra = pl.DataFrame(extra_rows, schema={c: pl.String for c in TRANSACTION_COLUMNS}) if extra_rows else None
    manifest = {
        "ledger_breaks": breaks,
        "accounts_rejected": dict(Counter(x["defect"] for x in account_defects)),
        "account_defects": account_defects,
        "extra_rows": len(extra_accounts),
    }
    return data, manifest, extra


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _row(tid: str, account_id: str, day_iso: str, sec: int, cents: int, currency: int, ttype: str, channel: str, description: str) -> dict:
    hh, rem = divmod(int(sec), 3600)
    return {
        "transaction_id": tid, "account_id": account_id, "timestamp": f"{day_iso}T{hh:02d}:{rem // 60:02d}:{rem % 60:02d}Z",
        "amount": _money(int(cents)), "currency": bv.CURRENCIES[int(currency)], "type": ttype, "channel": channel,
        "merchant_id": None, "merchant_category": None, "counterparty_account": None, "description": description,
    }


# --------------------------------------------------------------------------------------
# Transactions: parts, defective lines, bad files
# --------------------------------------------------------------------------------------


@dataclass
class _Injected:
    uid: int
    defect: str
    variant: str
    part: int  # target part
    after: int  # inserted after this data line of the part (-1: first)
    text: str = ""
    transaction_id: str = ""
    account_id: str = ""


def render_transaction_parts(transactions: pl.DataFrame, extra: pl.DataFrame | None, d: Day, ref: Reference, config: BankingDefects, key_of):
    """Split the day's transactions into part files of `rows_per_part` rows and apply `config`.

    Returns the files and the transactions part of the manifest (see
    `generate_banking_day_with_manifest`)."""
    from simulator.banking import TRANSACTION_COLUMNS

    rng = rng_for(ref.seed, "banking.defects", d.date)
    columns = list(TRANSACTION_COLUMNS)
    clean = transactions.select(columns)
    if extra is None:
        feed, is_extra = clean, np.zeros(clean.height, dtype=bool)
    else:
        # Extra postings slot in by time; the clean rows keep their order (no re-sort of millions).
        extra = extra.sort("timestamp", "transaction_id")
        at = clean["timestamp"].search_sorted(extra["timestamp"], side="right").to_numpy()
        pieces, prev = [], 0
        for j, cut in enumerate(at.tolist()):
            pieces += [clean.slice(prev, cut - prev), extra.slice(j, 1)]
            prev = cut
        feed = pl.concat([*pieces, clean.slice(prev)], rechunk=False)
        is_extra = np.zeros(feed.height, dtype=bool)
        is_extra[at + np.arange(at.size)] = True
    n = feed.height
    per = ref.scale.rows_per_part
    n_parts = max(1, -(-n // per))
    in_place = [c for c in config.bad_files if c not in _EXTRA_PART_CASES]
    if len(in_place) > n_parts:
        raise ValueError(f"{len(in_place)} in-place bad-file cases need as many parts; this day has {n_parts}")
    case_of = dict(enumerate(in_place))
    extra_parts = [c for c in config.bad_files if c in _EXTRA_PART_CASES]
    case_of.update({n_parts + i: c for i, c in enumerate(extra_parts)})
    readable = [p for p in range(n_parts) if BAD_FILE_OUTCOMES.get(case_of.get(p, ""), "valid") not in _ROWLESS]
    bounds = [(p * per, min(n, (p + 1) * per)) for p in range(n_parts)]

    # Choose the defects: kinds cycle, target parts by size among the parts that will be read.
    tag = d.date.strftime("%Y%m%d")
    next_seq = int(n) + 1
    n_defects = int(config.row_defect_rate * clean.height + 0.5) if readable else 0
    seen: Counter = Counter()
    injected: list[_Injected] = []
    sizes = np.array([bounds[p][1] - bounds[p][0] for p in readable], dtype=float)
    parts = rng.choice(np.array(readable), size=n_defects, p=sizes / sizes.sum()) if n_defects else []
    for i, part in enumerate(parts):
        kind = TRANSACTION_ROW_DEFECTS[i % len(TRANSACTION_ROW_DEFECTS)]
        variant = _VARIANTS[kind][seen[kind] % len(_VARIANTS[kind])]
        seen[kind] += 1
        injected.append(_Injected(i, kind, variant, int(part), -1))

    # Changed values: patched copies of random clean rows (a card purchase for the missing merchant).
    patched_kinds = [inj for inj in injected if inj.defect not in ("duplicate", "conflicting_duplicate")]
    card_rows = np.flatnonzero((clean["type"] == "card_purchase").to_numpy())
    templates = rng.integers(0, max(clean.height, 1), size=len(patched_kinds))
    for j, inj in enumerate(patched_kinds):
        if inj.defect == "card_purchase_without_merchant" and card_rows.size:
            templates[j] = card_rows[rng.integers(card_rows.size)]
    patched = _patched_rows(clean, patched_kinds, templates, d, rng, [f"T{tag}{s:09d}" for s in range(next_seq, next_seq + len(patched_kinds))])
    next_seq += len(patched_kinds)

    texts: dict[int, _PartText] = {}

    def text_of(p: int) -> _PartText:
        if p not in texts:
            a, b = bounds[p]
            texts[p] = _PartText(csv_bytes(feed.slice(a, b - a)))
        return texts[p]

    sources = [p for p in readable if any(q > p for q in readable)] or readable
    inserts: dict[int, list[tuple[int, int, str]]] = {}
    for inj in injected:
        floor = -1  # insert after this data line at the earliest
        if inj.defect in ("duplicate", "conflicting_duplicate"):
            # A copy of a clean line, placed in a later part when there is one: the first
            # occurrence in (key, line) order is the original, so silver keeps the clean row.
            src = sources[int(rng.integers(len(sources)))]
            later = [q for q in readable if q > src] or [src]
            inj.part = later[int(rng.integers(len(later)))]
            a, b = bounds[src]
            candidates = np.flatnonzero(~is_extra[a:b])
            r = int(candidates[rng.integers(candidates.size)])
            text = text_of(src).line(r)
            inj.text = _with_other_amount(text) if inj.defect == "conflicting_duplicate" else text
            fields = next(csv.reader([text]))
            inj.transaction_id, inj.account_id = fields[0], fields[1]
            if inj.part == src:
                floor = r
        else:
            inj.text, inj.transaction_id, inj.account_id = patched[inj.uid]
        size = bounds[inj.part][1] - bounds[inj.part][0]
        inj.after = int(rng.integers(floor, size)) if size > floor + 1 else floor
        inserts.setdefault(inj.part, []).append((inj.after, inj.uid, inj.text))

    utf8_lines: dict[int, list[int]] = {}
    utf8_uids: dict[int, list[int]] = {}
    for p, case in case_of.items():
        if case == "invalid_utf8" and p < n_parts:
            rows = rng.integers(0, clean.height, size=INVALID_UTF8_LINES)
            lines = csv_data_lines(
                clean.select(pl.all().gather(rows)).with_columns(
                    transaction_id=pl.Series([f"T{tag}{s:09d}" for s in range(next_seq, next_seq + INVALID_UTF8_LINES)]),
                    description=pl.lit(f"CAF{_BAD_UTF8_MARKER} PAYMENT"),
                )
            )
            next_seq += INVALID_UTF8_LINES
            size = bounds[p][1] - bounds[p][0]
            uids = []
            for j, text in enumerate(lines):
                uid = 10**9 + p * 100 + j
                inserts.setdefault(p, []).append((int(rng.integers(-1, size)) if size else -1, uid, text))
                uids.append(uid)
            utf8_uids[p] = uids

    files: dict[str, bytes] = {}
    line_of: dict[int, tuple[str, int]] = {}
    bad_files: list[dict] = []
    data_lines: dict[str, int] = {}
    total_parts = n_parts + len([c for c in config.bad_files if c in _EXTRA_PART_CASES])
    for p in range(total_parts):
        case = case_of.get(p)
        name = f"part-{p:04d}.csv" + (".gz" if case in ("gzip", "corrupt_gzip") else "")
        key = key_of(name)
        if p >= n_parts:  # an extra part: empty, or a header and nothing else
            files[key] = b"" if case == "empty_part" else (",".join(columns) + "\n").encode()
            bad_files.append({"case": case, "key": key, "outcome": BAD_FILE_OUTCOMES[case]})
            data_lines[key] = 0
            continue
        a, b = bounds[p]
        frame = feed.slice(a, b - a)
        if case == "schema_drift_extra_column":
            frame = frame.with_columns(pl.concat_str([pl.lit("A"), pl.int_range(pl.len()).cast(pl.String).str.zfill(6)]).alias(EXTRA_COLUMN))
        elif case == "schema_drift_missing_column":
            frame = frame.drop(DROPPED_COLUMN)
        here = inserts.get(p, [])
        if here:
            data, inserted_at = text_of(p).splice(here)
            if case == "invalid_utf8":
                data = data.replace(_BAD_UTF8_MARKER.encode(), b"\xff\xfe")
            line_of.update({uid: (key, idx + 2) for uid, idx in inserted_at.items()})
            n_data = frame.height + len(here)
            del texts[p]
        else:
            data, n_data = texts.pop(p).data if p in texts else csv_bytes(frame), frame.height
        if case == "invalid_utf8":
            utf8_lines[p] = sorted(line_of[uid][1] for uid in utf8_uids.get(p, []))
        data = as_delivered(data, case)
        files[key] = data
        if case is not None:
            entry = {"case": case, "key": key, "outcome": BAD_FILE_OUTCOMES[case]}
            bad_files.append(entry | {"lines": utf8_lines.get(p, [])} if case == "invalid_utf8" else entry)
        if case is None or BAD_FILE_OUTCOMES[case] not in _ROWLESS:
            data_lines[key] = n_data

    defect_lines = [
        {"key": line_of[inj.uid][0], "line": line_of[inj.uid][1], "defect": inj.defect, "variant": inj.variant,
         "transaction_id": inj.transaction_id, "account_id": inj.account_id}
        for inj in injected
    ]
    for bf in bad_files:
        for ln in bf.get("lines", []):
            defect_lines.append({"key": bf["key"], "line": ln, "defect": "malformed_line", "variant": "invalid_utf8", "transaction_id": None, "account_id": None})
    defect_lines.sort(key=lambda x: (x["key"], x["line"]))
    counts = {name: seen[name] for name in TRANSACTION_ROW_DEFECTS}
    return files, {
        "row_defect_rate": config.row_defect_rate,
        "row_defects": counts,
        "expected_reject_reasons": {k: list(v) for k, v in EXPECTED_REASONS.items()},
        "defect_lines": defect_lines,
        "bad_files": bad_files,
        "transactions_data_lines": data_lines,
        "expected_transactions_silver": expected_silver(injected, bad_files, data_lines, EXPECTED_REASONS, lambda bf: True),
    }


def _patched_rows(clean: pl.DataFrame, injected: list[_Injected], templates: np.ndarray, d: Day, rng, ids: list[str]) -> dict:
    """{uid: (line text, transaction_id, account_id)} for the defects that are changed values."""
    from simulator.banking import UNKNOWN_PREFIX, _prefixed

    if not injected:
        return {}
    records = clean.select(pl.all().gather(templates)).with_columns(transaction_id=pl.Series(ids, dtype=pl.String)).to_dicts()
    day = d.date
    unknown = _prefixed(UNKNOWN_PREFIX, rng.integers(0, 10**10, size=len(injected)))
    for j, (inj, rec) in enumerate(zip(injected, records, strict=True)):
        v, ts = inj.variant, rec["timestamp"]
        match inj.defect:
            case "invalid_account_id":
                acct = rec["account_id"]
                rec["account_id"] = acct[:-1] + str((int(acct[-1]) + 1) % 10) if v == "bad_check_digit" else acct[:6] + "ABC" + acct[9:]
            case "unknown_account":
                rec["account_id"] = str(unknown[j])  # well formed, valid check digit, a range the bank never issues
            case "missing_required_field":
                rec["account_id" if v == "empty_account_id" else "timestamp"] = None
            case "future_timestamp":
                month_day = "02-28" if ts[5:10] == "02-29" else ts[5:10]  # 2099 is no leap year
                rec["timestamp"] = f"2099-{month_day}{ts[10:]}"
            case "timestamp_outside_partition":
                if v == "previous_day":
                    rec["timestamp"] = day.fromordinal(day.toordinal() - 1).isoformat() + ts[10:]
                elif v == "next_midnight":  # [00:00, 24:00): midnight belongs to the next day
                    rec["timestamp"] = day.fromordinal(day.toordinal() + 1).isoformat() + "T00:00:00Z"
                else:  # 23:30 in New York is 04:30 UTC the next day
                    rec["timestamp"] = f"{day.isoformat()}T23:30:00-05:00"
            case "zero_amount":
                rec["amount"] = "0.00" if v == "zero" else "-0.00"
            case "amount_out_of_range":
                rec["amount"] = "1500000.00" if v == "too_large" else "-2000000.00"
            case "invalid_currency":
                rec["currency"] = {"lower_case": rec["currency"].lower(), "no_currency_XXX": "XXX", "gold_XAU": "XAU"}[v]
            case "invalid_type":
                rec["type"] = "purchase" if v == "unknown" else rec["type"].upper()
            case "invalid_channel":
                rec["channel"] = rec["channel"].upper() if v == "upper_case" else "telegraph"
            case "card_purchase_without_merchant":
                rec["type"], rec["merchant_id"], rec["merchant_category"] = "card_purchase", None, None
    frame = pl.DataFrame(records, schema={c: pl.String for c in clean.columns})
    texts = csv_data_lines(frame)
    short = csv_data_lines(frame.select(clean.columns[:-2]))  # two fields short
    open_quote = csv_data_lines(frame.select(clean.columns[:-1]))  # description replaced below
    result = {}
    for j, (inj, rec) in enumerate(zip(injected, records, strict=True)):
        text = texts[j]
        if inj.defect == "malformed_line":
            # A wrong field count, or a quote that never closes (a naive reader swallows the lines after it).
            text = short[j] if inj.variant == "wrong_field_count" else open_quote[j] + ',"Unterminated memo'
        result[inj.uid] = (text, rec["transaction_id"], rec["account_id"] or "")
    return result


def _with_other_amount(text: str) -> str:
    fields = next(csv.reader([text]))
    amount = Decimal(fields[3])
    changed = amount + Decimal("1.00") if amount + Decimal("1.00") != 0 else amount + Decimal("2.00")
    fields[3] = f"{changed:.2f}"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


class _PartText:
    """A part's CSV bytes and the offsets of its line ends: line access and splicing without
    a Python list of 250,000 lines. Records never span lines (no field holds a newline)."""

    def __init__(self, data: bytes):
        self.data = data
        self.ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)  # ends[0] ends the header

    def line(self, i: int) -> str:
        """Data line i (0-based), without its terminator."""
        return self.data[self.ends[i] + 1 : self.ends[i + 1]].decode("utf-8")

    def splice(self, inserts: list[tuple[int, int, str]]) -> tuple[bytes, dict[int, int]]:
        """Insert lines after given data lines (-1: before the first). Returns the new bytes and
        {uid: 0-based data-line index} of the inserted lines."""
        inserts = sorted(inserts)
        pieces, prev = [], 0
        for after, _, text in inserts:
            cut = int(self.ends[after + 1]) + 1
            pieces += [self.data[prev:cut], text.encode("utf-8") + b"\n"]
            prev = cut
        pieces.append(self.data[prev:])
        return b"".join(pieces), {uid: after + 1 + p for p, (after, uid, _) in enumerate(inserts)}

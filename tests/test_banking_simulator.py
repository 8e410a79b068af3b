"""The banking source simulator: contract-exact files, a ledger that reconciles to the cent
across independently generated days, fraud bursts exactly where the manifest says, and
defects that are all present, findable and harmless to the clean ledger."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import zlib
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from assets.common.currencies import ISO_4217
from assets.common.identifiers import is_valid_luhn
from simulator import deliver
from simulator.__main__ import main as cli_main
from simulator.banking import (
    ACCOUNT_COLUMNS,
    BANKING_SCALES,
    BUREAU_FIELDS,
    CUSTOMER_COLUMNS,
    LOAN_COLUMNS,
    LOAN_PAYMENT_COLUMNS,
    TRANSACTION_COLUMNS,
    BankingDefects,
    generate_banking_day,
    generate_banking_day_with_manifest,
)
from simulator.banking_defects import BAD_FILE_OUTCOMES, BAD_FILES, EXPECTED_REASONS, TRANSACTION_ROW_DEFECTS
from simulator.banking_vocab import CHANNELS, TRANSACTION_TYPES
from simulator.defects import reasons_of

TEST = BANKING_SCALES["test"]
DAY = dt.date(2024, 10, 2)  # a Wednesday, not the 1st
FIRST = dt.date(2024, 10, 1)
ALL_DEFECTS = BankingDefects(row_defect_rate=0.01, ledger_breaks=3)


def key(source: str, name: str, day: dt.date = DAY) -> str:
    return f"landing/banking/{source}/dt={day.isoformat()}/{name}"


def read_csv(data: bytes) -> pl.DataFrame:
    return pl.read_csv(io.BytesIO(data), infer_schema=False)


def cents(text: str) -> int:
    return int(Decimal(text) * 100)


def transactions(files: dict[str, bytes]) -> pl.DataFrame:
    """All transactions of a clean day, with the part each came from."""
    frames = [read_csv(v).with_columns(_key=pl.lit(k)) for k, v in sorted(files.items()) if "/transactions/" in k]
    return pl.concat(frames).with_columns(_cents=(pl.col("amount").cast(pl.Decimal(14, 2)) * 100).cast(pl.Int64))


def accounts(files: dict[str, bytes], day: dt.date) -> pl.DataFrame:
    frame = read_csv(files[key("accounts", "accounts.csv", day)])
    return frame.with_columns(_cents=(pl.col("balance").cast(pl.Decimal(14, 2)) * 100).cast(pl.Int64))


@pytest.fixture(scope="module")
def clean_days() -> dict[dt.date, tuple[dict, dict]]:
    """A few consecutive clean days, each generated on its own (month end, the 1st, a payday)."""
    days = [dt.date(2024, 9, 29) + dt.timedelta(days=i) for i in range(6)]
    return {d: generate_banking_day_with_manifest(d, TEST, seed=7) for d in days}


@pytest.fixture(scope="module")
def defective_day() -> tuple[dict, dict]:
    return generate_banking_day_with_manifest(DAY, TEST, seed=7, defects=ALL_DEFECTS)


# --------------------------------------------------------------------------------------
# Keys, headers, determinism
# --------------------------------------------------------------------------------------


def test_keys_and_headers_follow_the_domain_contract(clean_days):
    files, _ = clean_days[DAY]
    parts = sorted(k for k in files if "/transactions/" in k)
    assert set(files) == {
        key("accounts", "accounts.csv"), key("customers", "customers.csv"), key("loans", "loans.csv"),
        key("loan_payments", "loan_payments.csv"), key("economic_indicators", "indicators.json"), *parts,
    }
    assert parts == [key("transactions", f"part-{i:04d}.csv") for i in range(len(parts))]
    headers = {
        "accounts": ACCOUNT_COLUMNS, "customers": CUSTOMER_COLUMNS, "loans": LOAN_COLUMNS,
        "loan_payments": LOAN_PAYMENT_COLUMNS,
    }
    for source, columns in headers.items():
        name = "accounts.csv" if source == "accounts" else f"{source}.csv"
        assert files[key(source, name)].split(b"\n", 1)[0].decode() == ",".join(columns)
    for part in parts:
        assert files[part].split(b"\n", 1)[0].decode() == ",".join(TRANSACTION_COLUMNS)
    indicators = json.loads(files[key("economic_indicators", "indicators.json")])
    assert isinstance(indicators, list) and {r["series_id"] for r in indicators} == {"FEDFUNDS", "UNRATE", "CPIAUCSL", "GDP"}
    assert all(set(r) == {"date", "series_id", "value"} for r in indicators)


def test_same_seed_and_date_give_identical_bytes_and_another_seed_does_not():
    a = generate_banking_day(DAY, TEST, seed=11, defects=BankingDefects.demo())
    b = generate_banking_day(DAY, TEST, seed=11, defects=BankingDefects.demo())
    assert a == b
    c = generate_banking_day(DAY, TEST, seed=12)
    assert c[key("accounts", "accounts.csv")] != a[key("accounts", "accounts.csv")]


def test_a_day_does_not_depend_on_what_the_process_generated_before(tmp_path):
    """Reference data is cached per process; a fresh interpreter must still produce the same bytes."""
    import hashlib
    import subprocess
    import sys

    script = (
        "import datetime as dt, hashlib; from simulator.banking import BANKING_SCALES, generate_banking_day as g; "
        "f = g(dt.date(2024, 10, 2), BANKING_SCALES['test'], seed=7); "
        "print(hashlib.sha256(b''.join(k.encode() + f[k] for k in sorted(f))).hexdigest())"
    )
    fresh = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=str(Path(__file__).parents[1])).stdout.strip()
    generate_banking_day(dt.date(2024, 11, 5), TEST, seed=7)  # warm this process up with another day first
    here = generate_banking_day(DAY, TEST, seed=7)
    assert fresh == hashlib.sha256(b"".join(k.encode() + here[k] for k in sorted(here))).hexdigest()


def test_volumes_match_the_scale(clean_days):
    files, manifest = clean_days[DAY]
    txns = transactions(files)
    assert 0.85 * TEST.transactions_per_day <= txns.height <= 1.15 * TEST.transactions_per_day
    assert manifest["clean_transactions"] == txns.height
    accts = accounts(files, DAY)
    # 300 accounts on 2024-01-01, plus one opening a day since.
    assert accts.height == TEST.n_accounts + TEST.opens_per_day * ((DAY - dt.date(2024, 1, 1)).days + 1)
    assert read_csv(files[key("loans", "loans.csv")]).height == TEST.n_loans
    assert read_csv(files[key("customers", "customers.csv")]).height == TEST.n_customers


def test_dates_before_the_state_starts_are_refused():
    with pytest.raises(ValueError, match="banking days start"):
        generate_banking_day(dt.date(2023, 12, 31), TEST)


# --------------------------------------------------------------------------------------
# Accounts and the ledger
# --------------------------------------------------------------------------------------


def test_account_ids_are_12_digits_with_a_valid_luhn_check_digit_and_unique(clean_days):
    for files, _ in clean_days.values():
        day = next(dt.date.fromisoformat(k.split("dt=")[1][:10]) for k in files if "/accounts/" in k)
        ids = accounts(files, day).get_column("account_id").to_list()
        assert len(ids) == len(set(ids))
        assert all(len(x) == 12 and is_valid_luhn(x) for x in ids)
        counterparties = transactions(files).get_column("counterparty_account").drop_nulls().to_list()
        assert counterparties and all(len(x) == 12 and is_valid_luhn(x) for x in counterparties)
        assert not set(counterparties) & set(ids)  # external accounts: never one of the bank's own


def test_the_ledger_reconciles_to_the_cent_across_independently_generated_days(clean_days):
    days = sorted(clean_days)
    for prev, day in zip(days, days[1:], strict=False):
        before = dict(accounts(clean_days[prev][0], prev).select("account_id", "_cents").iter_rows())
        after = accounts(clean_days[day][0], day)
        flows = dict(transactions(clean_days[day][0]).group_by("account_id").agg(pl.col("_cents").sum()).iter_rows())
        assert set(flows) <= set(after.get_column("account_id"))
        opened = []
        for account_id, closing in after.select("account_id", "_cents").iter_rows():
            if account_id not in before:
                opened.append(account_id)
            assert before.get(account_id, 0) + flows.get(account_id, 0) == closing, (day, account_id)
        assert sorted(opened) == clean_days[day][1]["opened_accounts"] and len(opened) == TEST.opens_per_day
        assert set(before) <= set(after.get_column("account_id"))  # nothing closes
        moved = sum(1 for a in flows if flows[a] != 0)
        assert moved > 0.4 * after.height  # a real day: most live accounts move


def test_every_clean_balance_keeps_its_sign_convention(clean_days):
    for day, (files, _) in clean_days.items():
        accts = accounts(files, day).with_columns(_limit=(pl.col("credit_limit").cast(pl.Decimal(14, 2)) * 100).cast(pl.Int64))
        kinds = set(accts.get_column("account_type"))
        assert kinds == {"checking", "savings", "credit_card", "loan"}
        bad = accts.filter(
            pl.when(pl.col("account_type").is_in(["checking", "credit_card"])).then(pl.col("_cents") < -pl.col("_limit"))
            .when(pl.col("account_type") == "savings").then(pl.col("_cents") < 0)
            .otherwise(pl.col("_cents") > 0)
        )
        assert bad.is_empty(), bad
        assert accts.filter((pl.col("account_type") == "checking") & (pl.col("_cents") < 0)).height > 0  # overdrafts happen
        assert set(accts.get_column("status")) <= {"open", "frozen", "closed"}
        assert accts.filter(pl.col("status") == "open").height > 0.9 * accts.height
        currencies = Counter(accts.get_column("currency"))
        assert currencies["USD"] > 0.9 * accts.height and set(currencies) <= ISO_4217
        assert accts.get_column("interest_rate").str.contains(r"^0\.\d{4}$").all()


def test_transactions_of_a_day_stay_in_that_day_and_use_the_accounts_currency(clean_days):
    types, channels = set(), set()
    for day, (files, _) in clean_days.items():
        txns = transactions(files)
        ts = txns.get_column("timestamp")
        assert ts.str.contains(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$").all()
        assert (ts.str.slice(0, 10) == day.isoformat()).all()
        assert txns.get_column("transaction_id").n_unique() == txns.height
        assert txns.get_column("amount").str.contains(r"^-?\d+\.\d{2}$").all()
        assert (txns.get_column("_cents") != 0).all()
        types |= set(txns.get_column("type"))
        channels |= set(txns.get_column("channel"))
        currency = dict(accounts(files, day).select("account_id", "currency").iter_rows())
        assert all(currency[a] == c for a, c in txns.select("account_id", "currency").iter_rows())
    assert types == set(TRANSACTION_TYPES) and channels == set(CHANNELS)


def test_card_purchases_have_merchants_and_transfers_counterparties(clean_days):
    txns = transactions(clean_days[DAY][0])
    card = txns.filter(pl.col("type") == "card_purchase")
    assert card.get_column("merchant_id").str.contains(r"^M\d{6}$").all()
    assert card.get_column("merchant_category").str.contains(r"^\d{4}$").all()
    assert txns.filter(pl.col("type") != "card_purchase").get_column("merchant_id").null_count() == txns.height - card.height
    mccs = Counter(card.get_column("merchant_category"))
    assert {"5411", "5812", "5541"} <= set(mccs)  # groceries, restaurants, fuel
    assert txns.filter(pl.col("type").is_in(["transfer_out", "transfer_in"]) & ~pl.col("description").str.contains("FRAUD CLAIM")) \
        .get_column("counterparty_account").null_count() < 10  # ghost and break postings aside
    everything = pl.concat([transactions(files) for files, _ in clean_days.values()])  # Friday the 4th is a payday
    payroll = everything.filter(pl.col("description").str.starts_with("PAYROLL DEP"))
    assert payroll.height > 0 and (payroll.get_column("_cents") > 0).all() and set(payroll.get_column("type")) == {"deposit"}


def test_clean_days_have_large_amounts_and_night_purchases_at_new_merchants(clean_days):
    days = sorted(clean_days)
    seen: set[tuple[str, str]] = set()
    night_new = 0
    for day in days:
        txns = transactions(clean_days[day][0])
        card = txns.filter(pl.col("merchant_id").is_not_null())
        if day != days[0]:
            night = card.filter(pl.col("timestamp").str.slice(11, 2).cast(pl.Int32) < 6)
            night_new += sum((a, m) not in seen for a, m in night.select("account_id", "merchant_id").iter_rows())
        seen |= set(card.select("account_id", "merchant_id").iter_rows())
        assert txns.filter(pl.col("_cents").abs() > 100_000).height > 0  # high value (> 1,000) happens
    assert night_new >= 2 * (len(days) - 1)


def test_fraud_bursts_trip_their_rule_and_no_other_account_trips_any(clean_days):
    for day, (files, manifest) in clean_days.items():
        stats = burst_stats(transactions(files))
        hf, hs = set(manifest["fraud"]["high_frequency_accounts"]), set(manifest["fraud"]["high_spend_accounts"])
        assert len(hf) >= 2 and len(hs) >= 2 and not hf & hs
        assert {a for a, (n, _) in stats.items() if n > 20} == hf, day
        assert {a for a, (_, spent) in stats.items() if spent > 1_000_000} == hs, day


def burst_stats(txns: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """Per account: most transactions, and most cents debited, in any window (t - 10 min, t]."""
    out = {}
    frame = txns.with_columns(_t=pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%SZ")).sort("account_id", "_t")
    for (account_id,), group in frame.group_by("account_id", maintain_order=True):
        times = [t.timestamp() for t in group.get_column("_t").to_list()]
        amounts = group.get_column("_cents").to_list()
        most, spent_most, lo = 0, 0, 0
        for hi, t in enumerate(times):
            while times[lo] <= t - 600:
                lo += 1
            most = max(most, hi - lo + 1)
            spent_most = max(spent_most, -sum(x for x in amounts[lo : hi + 1] if x < 0))
        out[account_id] = (most, spent_most)
    return out


def test_descriptions_carry_hostile_and_pii_shaped_text_verbatim(clean_days):
    files, manifest = clean_days[DAY]
    txns = transactions(files)
    text = dict(txns.select("transaction_id", "description").iter_rows())
    hostile = [text[t] for t in manifest["text"]["hostile_transactions"]]
    pii = [text[t] for t in manifest["text"]["pii_transactions"]]
    assert "=SUM(A1)" in hostile and any('"' in x and "," in x for x in hostile)
    assert any(re.search(r"[^\s@]+@[^\s@]+\.[a-z]{2,}", x) for x in pii) and any(re.search(r"\d{3}-\d{4}", x) for x in pii)
    others = txns.filter(~pl.col("transaction_id").is_in(manifest["text"]["pii_transactions"])).get_column("description")
    assert not others.str.contains(r"@|\b\d{3}-\d{2}-\d{4}\b|\d{3}[ .-]\d{3}[ .-]\d{4}").any()  # no accidental PII shapes


# --------------------------------------------------------------------------------------
# Reference data: customers, loans, payments, bureau scores, indicators
# --------------------------------------------------------------------------------------


def test_customers_are_stable_across_days_and_every_account_has_one(clean_days):
    snapshots = {files[key("customers", "customers.csv", day)] for day, (files, _) in clean_days.items()}
    assert len(snapshots) == 1
    customers = read_csv(snapshots.pop())
    assert customers.get_column("customer_id").n_unique() == customers.height
    assert customers.get_column("ssn").str.contains(r"^\d{3}-\d{2}-\d{4}$").all()
    assert customers.get_column("email").str.contains(r"^[^@\s]+@[^@\s]+\.[a-z]+$").all()
    assert customers.get_column("zip").str.contains(r"^\d{5}$").all()
    assert set(customers.get_column("kyc_status")) <= {"verified", "pending", "failed", "expired"}
    files, _ = clean_days[DAY]
    owners = set(accounts(files, DAY).get_column("customer_id")) | set(read_csv(files[key("loans", "loans.csv")]).get_column("customer_id"))
    assert owners <= set(customers.get_column("customer_id"))


def test_loans_agree_with_their_accounts_and_their_status_with_days_past_due(clean_days):
    files, _ = clean_days[DAY]
    loans = read_csv(files[key("loans", "loans.csv")]).with_columns(
        pl.col("days_past_due").cast(pl.Int64),
        _owed=(pl.col("outstanding_balance").cast(pl.Decimal(14, 2)) * 100).cast(pl.Int64),
    )
    accts = accounts(files, DAY)
    joined = loans.join(accts, on="account_id", how="left", suffix="_acct")
    assert joined.get_column("account_type").to_list() == ["loan"] * loans.height
    assert (joined.get_column("customer_id") == joined.get_column("customer_id_acct")).all()
    assert (joined.get_column("_owed") == -joined.get_column("_cents")).all()
    status = joined.select("status", "days_past_due", "_owed").rows()
    for s, dpd, owed in status:
        expected = "paid_off" if owed == 0 else "default" if dpd >= 90 else "delinquent" if dpd >= 1 else "current"
        assert s == expected
    dpd = loans.get_column("days_past_due")
    assert (dpd == 0).sum() > 0.7 * loans.height and ((dpd >= 1) & (dpd < 30)).sum() >= 1 and (dpd >= 90).sum() >= 1
    assert set(loans.get_column("product")) == {"mortgage", "auto", "personal", "sme"}
    mortgages = loans.filter((pl.col("product") == "mortgage") & (pl.col("_owed") > 0))
    collateral = (mortgages.get_column("collateral_value").cast(pl.Float64) * 100 > mortgages.get_column("_owed")).mean()
    assert collateral > 0.9
    assert (loans.get_column("maturity_date") > loans.get_column("origination_date")).all()


def test_loan_payments_match_the_loan_accounts_transactions():
    # Over a week every instalment paid shows up on the loan account as a loan_payment credit.
    paid_total, credited_total = 0, 0
    for i in range(7):
        day = DAY + dt.timedelta(days=i)
        files = generate_banking_day(day, TEST, seed=7)
        payments = read_csv(files[key("loan_payments", "loan_payments.csv", day)])
        assert payments.get_column("payment_id").n_unique() == payments.height
        assert (payments.get_column("paid_date") >= payments.get_column("due_date")).all()
        assert (payments.get_column("paid_date") == day.isoformat()).all()
        due = payments.get_column("amount_due").cast(pl.Decimal(14, 2))
        paid = payments.get_column("amount_paid").cast(pl.Decimal(14, 2))
        assert ((paid == due) | (paid == 0)).all()
        paid_total += int((paid.sum() or 0) * 100)
        txns = transactions(files)
        credited_total += txns.filter((pl.col("type") == "loan_payment") & (pl.col("_cents") > 0) & pl.col("description").str.starts_with("LOAN PAYMENT")) \
            .get_column("_cents").sum()
    assert paid_total == credited_total > 0


def test_bureau_scores_arrive_monthly_on_the_first(clean_days):
    for day, (files, _) in clean_days.items():
        bureau = [k for k in files if "/bureau_scores/" in k]
        assert bureau == ([key("bureau_scores", "bureau_scores.jsonl", day)] if day.day == 1 else [])
    records = [json.loads(line) for line in clean_days[FIRST][0][key("bureau_scores", "bureau_scores.jsonl", FIRST)].splitlines()]
    assert all(tuple(r) == BUREAU_FIELDS for r in records)
    assert all(300 <= r["score"] <= 850 and isinstance(r["score"], int) and 0 <= r["credit_utilization"] <= 1 for r in records)
    assert {r["bureau"] for r in records} == {"equifax", "experian", "transunion"}
    assert {r["report_date"] for r in records} == {"2024-10-01"}
    assert len({(r["customer_id"], r["bureau"]) for r in records}) == len(records)
    assert len({r["customer_id"] for r in records}) == TEST.n_customers


def test_economic_indicators_are_the_latest_monthly_observations():
    files = generate_banking_day(dt.date(2024, 10, 15), TEST)
    values = {r["series_id"]: r for r in json.loads(files[key("economic_indicators", "indicators.json", dt.date(2024, 10, 15))])}
    assert values["UNRATE"] == {"date": "2024-09-01", "series_id": "UNRATE", "value": 4.1}
    assert values["FEDFUNDS"]["date"] == "2024-09-01" and 4 < values["FEDFUNDS"]["value"] < 6
    assert 300 < values["CPIAUCSL"]["value"] < 330
    assert values["GDP"]["date"] == "2024-04-01" and 28_000 < values["GDP"]["value"] < 31_000


# --------------------------------------------------------------------------------------
# Defects
# --------------------------------------------------------------------------------------


def physical_lines(data: bytes) -> list[bytes]:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").split(b"\n")[:-1]


def what_silver_should_do(files: dict[str, bytes], day: dt.date) -> tuple[dict, dict, list]:
    """An independent reading of DOMAIN.md §3.2/§5 over the delivered lines: for each
    (key, line) the reasons it is rejected for, the lines dropped as duplicates, and the valid rows."""
    delivered = set(read_csv(files[key("accounts", "accounts.csv", day)]).get_column("account_id"))
    rejected, dropped, valid, seen = {}, {}, [], {}
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    for k in sorted(k for k in files if "/transactions/" in k):
        lines = physical_lines(files[k])
        if not lines:
            continue
        header = lines[0].decode().split(",")
        for n, raw in enumerate(lines[1:], start=2):
            try:
                text = raw.decode("utf-8")
                fields = next(csv.reader([text], strict=True))
                if text.count('"') % 2 or len(fields) != len(header):
                    raise ValueError
            except (UnicodeDecodeError, csv.Error, ValueError):
                rejected[(k, n)] = {"malformed_line"}
                continue
            row = dict(zip(header, fields, strict=True))
            if row["transaction_id"] in seen:
                dropped[(k, n)] = row
                continue
            seen[row["transaction_id"]] = row
            reasons = set()
            required = [c for c in TRANSACTION_COLUMNS if c not in ("merchant_id", "merchant_category", "counterparty_account", "description")]
            if any(row[c] == "" for c in required):
                reasons.add("missing_required_field")
            acct = row["account_id"]
            if not (len(acct) == 12 and is_valid_luhn(acct)):  # null included (DOMAIN.md §3.2)
                reasons.add("invalid_account_id")
            elif acct not in delivered:
                reasons.add("unknown_account")
            if not row["timestamp"]:
                reasons.add("invalid_timestamp")  # an empty required value is not a valid one either
            else:
                ts = dt.datetime.fromisoformat(row["timestamp"]).astimezone(dt.UTC)
                if ts > dt.datetime.now(dt.UTC):
                    reasons.add("future_timestamp")
                if not start <= ts < start + dt.timedelta(days=1):
                    reasons.add("timestamp_outside_partition")
            amount = Decimal(row["amount"])
            if amount == 0:
                reasons.add("zero_amount")
            if abs(amount) > 1_000_000:
                reasons.add("amount_out_of_range")
            if row["currency"] not in ISO_4217:  # empty included (DOMAIN.md §5)
                reasons.add("invalid_currency")
            if row["type"] not in TRANSACTION_TYPES:
                reasons.add("invalid_type")
            if row["channel"] not in CHANNELS:
                reasons.add("invalid_channel")
            if row["type"] == "card_purchase" and not row["merchant_id"]:
                reasons.add("card_purchase_without_merchant")
            if reasons:
                rejected[(k, n)] = reasons
            else:
                valid.append(row)
    return rejected, dropped, valid


def test_every_row_defect_is_injected_findable_and_accounted_for(defective_day):
    files, manifest = defective_day
    assert json.loads(json.dumps(manifest)) == manifest  # plain JSON data
    assert all(manifest["row_defects"][name] >= 2 for name in TRANSACTION_ROW_DEFECTS)
    rejected, dropped, valid = what_silver_should_do(files, DAY)
    lines = {(d["key"], d["line"]): d for d in manifest["defect_lines"] if "/transactions/" in d["key"]}
    for (k, n), d in lines.items():
        expected = set(reasons_of(d["defect"], d["variant"], EXPECTED_REASONS))
        if expected:
            assert rejected.get((k, n)) == expected, d
        else:
            assert (k, n) in dropped, d
    assert set(rejected) == {x for x, d in lines.items() if EXPECTED_REASONS[d["defect"]]}
    assert set(dropped) == {x for x, d in lines.items() if not EXPECTED_REASONS[d["defect"]]}
    expected = manifest["expected_transactions_silver"]
    bronze = sum(len(physical_lines(v)) - 1 for k, v in files.items() if "/transactions/" in k)
    reasons = Counter(r for rs in rejected.values() for r in rs)
    assert expected == {
        "bronze_rows": bronze, "silver_rows": len(valid), "quarantined_rows": len(rejected), "dropped_duplicates": len(dropped),
        "conflicting_duplicates": manifest["row_defects"]["conflicting_duplicate"], "reject_reasons": dict(sorted(reasons.items())),
    }
    assert expected["quarantined_rows"] / (bronze - len(dropped)) < 0.05  # well inside the error budget


def test_duplicates_copy_a_clean_line_into_a_later_part(defective_day):
    files, manifest = defective_day
    by_key = {k: physical_lines(v) for k, v in files.items() if "/transactions/" in k}
    for d in manifest["defect_lines"]:
        if d["defect"] not in ("duplicate", "conflicting_duplicate"):
            continue
        copy = by_key[d["key"]][d["line"] - 1]
        originals = [(k, i) for k, ls in by_key.items() for i, ln in enumerate(ls) if ln.startswith(d["transaction_id"].encode() + b",") and (k, i + 1) != (d["key"], d["line"])]
        assert len(originals) == 1
        (ok, oi) = originals[0]
        assert ok < d["key"]  # another, earlier part
        if d["defect"] == "duplicate":
            assert by_key[ok][oi] == copy
        else:
            a, b = next(csv.reader([by_key[ok][oi].decode()])), next(csv.reader([copy.decode()]))
            assert a[3] != b[3] and a[:3] == b[:3] and a[4:] == b[4:]


def test_defects_leave_the_clean_ledger_intact_and_break_it_exactly_where_the_manifest_says(clean_days, defective_day):
    files, manifest = defective_day
    prev = DAY - dt.timedelta(days=1)
    before = dict(accounts(clean_days[prev][0], prev).select("account_id", "_cents").iter_rows())
    _, _, valid = what_silver_should_do(files, DAY)
    flows: dict[str, int] = defaultdict(int)
    for row in valid:
        flows[row["account_id"]] += cents(row["amount"])
    bad_rows = {x["account_id"] for x in manifest["account_defects"]}
    breaks = {}
    for account_id, closing in accounts(files, DAY).select("account_id", "_cents").iter_rows():
        if account_id in bad_rows:
            continue
        expected = before.get(account_id, 0) + flows.get(account_id, 0)
        if expected != closing:
            breaks[account_id] = (expected, closing)
    listed = {b["account_id"]: (cents(b["expected_closing"]), cents(b["reported_closing"])) for b in manifest["ledger_breaks"]}
    assert len(listed) == ALL_DEFECTS.ledger_breaks
    assert breaks == listed
    assert all(0 < r - e <= 2_500 for e, r in listed.values())  # a few cents to a few dollars
    # The clean snapshot of the same day is the defective one's, breaks and bad rows aside.
    clean = dict(accounts(clean_days[DAY][0], DAY).select("account_id", "_cents").iter_rows())
    defective = dict(accounts(files, DAY).select("account_id", "_cents").iter_rows())
    assert {a: v for a, v in defective.items() if a not in bad_rows} == clean
    # The day after a break reconciles again: a break is a posting the snapshot missed, not a wrong balance carried on.
    nxt = DAY + dt.timedelta(days=1)
    later = accounts(clean_days[nxt][0], nxt)
    flows_next = dict(transactions(clean_days[nxt][0]).group_by("account_id").agg(pl.col("_cents").sum()).iter_rows())
    for account_id in listed:
        closing = later.filter(pl.col("account_id") == account_id).get_column("_cents").item()
        assert defective[account_id] + flows_next.get(account_id, 0) == closing


def test_defective_account_rows_are_extra_rows_whose_transactions_are_valid(defective_day):
    files, manifest = defective_day
    accts = read_csv(files[key("accounts", "accounts.csv")])
    lines = physical_lines(files[key("accounts", "accounts.csv")])
    assert manifest["accounts_rejected"].keys() == {"balance_out_of_range", "invalid_account_id"}
    assert sum(manifest["accounts_rejected"].values()) == len(manifest["account_defects"])
    _, _, valid = what_silver_should_do(files, DAY)
    valid_accounts = Counter(r["account_id"] for r in valid)
    for d in manifest["account_defects"]:
        fields = next(csv.reader([lines[d["line"] - 1].decode()]))
        row = dict(zip(ACCOUNT_COLUMNS, fields, strict=True))
        assert row["account_id"] == d["account_id"]
        if d["defect"] == "invalid_account_id":
            assert not is_valid_luhn(row["account_id"]) or len(row["account_id"]) != 12
        else:
            balance, limit = cents(row["balance"]), cents(row["credit_limit"])
            assert (row["account_type"] == "savings" and balance < 0) or (row["account_type"] == "checking" and balance < -limit)
            assert valid_accounts[row["account_id"]] == 3  # its transactions pass: no cascade
    assert accts.height == manifest["accounts"]


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_do_what_they_say(case):
    files, manifest = generate_banking_day_with_manifest(DAY, TEST, seed=7, defects=BankingDefects(bad_files=(case,)))
    clean = generate_banking_day(DAY, TEST, seed=7)
    (entry,) = manifest["bad_files"]
    assert entry["case"] == case and entry["outcome"] == BAD_FILE_OUTCOMES[case]
    data = files[entry["key"]]
    header = ",".join(TRANSACTION_COLUMNS).encode()
    part0 = clean[key("transactions", "part-0000.csv")]
    match case:
        case "schema_drift_extra_column":
            assert data.split(b"\n", 1)[0] == header + b",authorization_code"
        case "schema_drift_missing_column":
            assert data.split(b"\n", 1)[0] == header.replace(b",channel", b"")
        case "gzip":
            assert entry["key"].endswith("part-0000.csv.gz") and gzip.decompress(data) == part0
        case "corrupt_gzip":
            assert entry["key"].endswith(".csv.gz") and data[:2] == b"\x1f\x8b"
            with pytest.raises((EOFError, OSError, zlib.error)):
                gzip.decompress(data)
        case "bom_crlf":
            assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n") and physical_lines(data) == physical_lines(part0)
        case "invalid_utf8":
            lines = data.split(b"\n")
            for n in entry["lines"]:
                with pytest.raises(UnicodeDecodeError):
                    lines[n - 1].decode("utf-8")
            assert len(entry["lines"]) == 3 and len(lines) - 1 == len(part0.split(b"\n")) - 1 + 3
        case "empty_part":
            assert data == b"" and entry["key"] not in clean
        case "header_only":
            assert data == header + b"\n" and entry["key"] not in clean
    expected = manifest["expected_transactions_silver"]
    if BAD_FILE_OUTCOMES[case] in ("contract_failure", "unreadable"):
        assert expected is None
    else:
        clean_rows = sum(len(physical_lines(v)) - 1 for k, v in clean.items() if "/transactions/" in k)
        extra = 3 if case == "invalid_utf8" else 0
        assert expected["bronze_rows"] == clean_rows + extra and expected["quarantined_rows"] == extra


def test_unknown_bad_file_cases_and_rates_are_refused():
    with pytest.raises(ValueError, match="unknown bad file"):
        BankingDefects(bad_files=("nope",))
    with pytest.raises(ValueError):
        BankingDefects(row_defect_rate=0.9)
    assert BankingDefects.demo().row_defect_rate > 0 and BankingDefects.demo().ledger_breaks > 0


def test_parts_split_at_rows_per_part(clean_days):
    files, manifest = clean_days[DAY]
    parts = sorted(k for k in files if "/transactions/" in k)
    rows = [len(physical_lines(files[k])) - 1 for k in parts]
    assert len(parts) >= 3
    assert all(n == TEST.rows_per_part for n in rows[:-1]) and 0 < rows[-1] <= TEST.rows_per_part
    assert manifest["transactions_data_lines"] == dict(zip(parts, rows, strict=True))


# --------------------------------------------------------------------------------------
# Delivery and the command line
# --------------------------------------------------------------------------------------


def test_deliver_writes_reference_snapshots_before_the_transactions(lake):
    files = generate_banking_day(FIRST, TEST, seed=7)
    keys = deliver(lake, files)
    sources = [k.split("/")[2] for k in keys]
    order = ["accounts", "customers", "loans", "loan_payments", "bureau_scores", "economic_indicators", "transactions"]
    assert sorted(set(sources), key=sources.index) == order
    assert sources[-1] == "transactions" and sources.index("transactions") == 6
    assert lake.read(keys[0]) == files[keys[0]]


def test_cli_delivers_consecutive_days(tmp_path, capsys):
    lake_dir = tmp_path / "lake"
    code = cli_main(["banking", "--start", "2024-10-01", "--days", "2", "--scale", "test", "--defect-rate", "0.005",
                     "--ledger-breaks", "1", "--bad-file", "gzip", "--lake-dir", str(lake_dir)])
    assert code == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[0].startswith("2024-10-01") and "breaks=1" in out[0]
    assert (lake_dir / "landing/banking/transactions/dt=2024-10-02/part-0000.csv.gz").exists()
    assert (lake_dir / "landing/banking/bureau_scores/dt=2024-10-01/bureau_scores.jsonl").exists()
    assert not (lake_dir / "landing/banking/bureau_scores/dt=2024-10-02").exists()

"""The bank's source systems: core banking (accounts, transactions), KYC, the loan book,
loan servicing, the credit bureaus and the "Fed API".

`generate_banking_day(D)` returns one day of landing files keyed by lake key (DOMAIN.md §5).
Any day can be generated on its own and still agrees with its neighbours to the cent:

* Every account's END-OF-DAY balance is a closed-form function of (seed, account, date),
  `_closing_balances`: a pay-cycle saw tooth (salary in, spending out), a bounded daily
  wobble, compound interest on savings, an amortisation schedule on loans. Computing it
  costs the same for 2024-01-02 as for 2030-06-30, and it never breaks a sign convention.
* The day's transactions are then built to add up to exactly that day's change: fixed
  postings (salary, card payment, interest, loan instalment, fraud reversal) plus the day's
  spending, split into card purchases, withdrawals and transfers that sum to the cent.
  So closing(D-1) + Σ amount(D) = closing(D) for every account, with no history replayed.

Reference data (customers, merchants, the account and loan books) depends on the seed
alone. The bank grows: `opens_per_day` accounts open every day from 2024-01-01, each
absent from the day before and opened with the day's transactions as its balance.
Defects (`BankingDefects`) are added on top by `simulator.banking_defects`: defective rows
are extra lines, so silver dropping them leaves the clean ledger intact.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import zlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from assets.common.identifiers import luhn_check_digit
from simulator import banking_vocab as bv
from simulator import vocab
from simulator.banking_defects import BankingDefects, render_accounts_file, render_transaction_parts
from simulator.files import csv_bytes, landing_key, money_expr, signed_money_expr
from simulator.seeding import mix64, rng_for

__all__ = [
    "ACCOUNT_COLUMNS", "BANKING_SCALES", "BUREAU_FIELDS", "BankingDefects", "BankingScale", "CUSTOMER_COLUMNS", "EPOCH",
    "INDICATOR_FIELDS", "LOAN_COLUMNS", "LOAN_PAYMENT_COLUMNS", "TRANSACTION_COLUMNS", "generate_banking_day",
    "generate_banking_day_with_manifest",
]

ACCOUNT_COLUMNS = ("account_id", "customer_id", "account_type", "status", "open_date", "currency", "interest_rate", "credit_limit", "balance")
TRANSACTION_COLUMNS = (
    "transaction_id", "account_id", "timestamp", "amount", "currency", "type", "channel",
    "merchant_id", "merchant_category", "counterparty_account", "description",
)
CUSTOMER_COLUMNS = (
    "customer_id", "first_name", "last_name", "ssn", "date_of_birth", "email", "phone", "street", "city", "state", "zip",
    "annual_income", "employment_status", "kyc_status",
)
LOAN_COLUMNS = (
    "loan_id", "customer_id", "account_id", "product", "principal", "outstanding_balance", "interest_rate",
    "origination_date", "maturity_date", "collateral_value", "status", "days_past_due",
)
LOAN_PAYMENT_COLUMNS = ("payment_id", "loan_id", "due_date", "paid_date", "amount_due", "amount_paid")
BUREAU_FIELDS = ("customer_id", "bureau", "score", "report_date", "delinquencies_24m", "credit_utilization", "inquiries_6m")
INDICATOR_FIELDS = ("date", "series_id", "value")

DOMAIN = "banking"
EPOCH = dt.date(2024, 1, 1)  # the state's start: every base account and loan exists by then; openings start here
_EPOCH_ORD = EPOCH.toordinal()
_UNIX_ORD = dt.date(1970, 1, 1).toordinal()
DAY_SECONDS = 86_400
DAY_START = 6 * 3600  # most accounts are active 06:00-24:00 UTC; night owls all day

# Kinds, index into banking_vocab.ACCOUNT_TYPES.
CHECKING, SAVINGS, CARD, LOAN = 0, 1, 2, 3
OPEN, FROZEN, CLOSED = 0, 1, 2
# Transaction types and channels, index into banking_vocab.TRANSACTION_TYPES / CHANNELS.
DEPOSIT, WITHDRAWAL, CARD_PURCHASE, TRANSFER_IN, TRANSFER_OUT, FEE, INTEREST, LOAN_PAYMENT = range(8)
ATM, POS, ONLINE, BRANCH, MOBILE = range(5)

# Spending is split so that no clean debit exceeds SPLIT_CAP (+ small rounding absorbed by the
# first item), and clean timestamps sit on a per-account grid with slots > 10 minutes wide:
# at most two clean transactions of an account fall in any 10-minute window, so a clean
# account can never have > 20 transactions or > 10,000 of debits in one (the burst rules).
SPLIT_CAP = 350_000  # cents
MAX_ITEMS = 60  # grid slots per account-day: 18 h / 60 = 18 min > 10 min
MAX_SPEND_ITEMS = 54
MIN_TICKET = 600  # cents: spending is not split into items averaging under $6
HIGH_SPEND_MIN, HIGH_SPEND_MAX = 1_050_000, 1_800_000  # cents of a high-spend burst (> 10,000)
HIGH_FREQ_MIN, HIGH_FREQ_MAX = 22, 30  # card-testing burst size (> 20 in 10 minutes)
FRAUD_SHARE = 0.0005  # of accounts per day and burst kind (at least 2 each)
NIGHT_SHARE = 0.001  # accounts per day with a night purchase at a never-seen merchant (at least 2)
TEXT_SHARE = 0.0004  # transactions per day with hostile or PII-shaped free text (at least 4 each)
NIGHT_MERCHANT_BASE = 800_000  # merchant numbers from here on are only ever used by night purchases
NIGHT_MERCHANT_SPAN = 200_000
NIGHT_MERCHANT_STEP = 7_919  # prime, coprime to the span: an account never meets the same one twice
EXTRA_CREDIT_P = 0.06  # chance a checking account receives an unscheduled transfer or deposit

# Account number prefixes (first digit of the 12): the bank's own, and ranges it never issues.
BANK_PREFIX, GHOST_PREFIX, EXTERNAL_PREFIX, UNKNOWN_PREFIX = 1, 2, 7, 8
_PAYLOAD_SPAN = 10**10


@dataclass(frozen=True)
class BankingScale:
    """Volumes. `n_accounts` (loan accounts included) exist on 2024-01-01; `opens_per_day`
    more open each day after that, so a date in late 2024 has ~275 x opens_per_day more."""

    name: str
    n_accounts: int
    n_customers: int
    n_loans: int
    transactions_per_day: int
    rows_per_part: int
    opens_per_day: int
    n_merchants: int

    def __post_init__(self):
        if not (10 <= self.n_loans < self.n_accounts and self.n_customers >= 10 and self.n_merchants >= 100):
            raise ValueError(f"scale {self.name!r} is too small to be realistic: {self}")
        if self.rows_per_part < 100 or self.opens_per_day < 1 or self.transactions_per_day < 5 * (self.n_accounts - self.n_loans) // 10:
            raise ValueError(f"scale {self.name!r} is inconsistent: {self}")


BANKING_SCALES: dict[str, BankingScale] = {
    "test": BankingScale("test", n_accounts=300, n_customers=250, n_loans=80, transactions_per_day=3_000, rows_per_part=1_000, opens_per_day=1, n_merchants=400),
    "local": BankingScale("local", n_accounts=3_000, n_customers=2_500, n_loans=800, transactions_per_day=30_000, rows_per_part=10_000, opens_per_day=2, n_merchants=2_000),
    "bench": BankingScale(
        "bench", n_accounts=1_000_000, n_customers=700_000, n_loans=150_000, transactions_per_day=5_000_000,
        rows_per_part=250_000, opens_per_day=200, n_merchants=200_000,
    ),
}


# --------------------------------------------------------------------------------------
# Stateless randomness: attributes and daily wobble as pure functions of their keys
# --------------------------------------------------------------------------------------


class _Hash:
    """Hash-derived numbers: u(salt, keys...) is the same wherever and whenever it is asked for,
    which is what lets any day be computed without replaying the days before it."""

    def __init__(self, seed: int):
        self.seed = np.uint64(seed)

    def bits(self, salt: str, *keys) -> np.ndarray:
        arrays = np.broadcast_arrays(*(np.asarray(k, dtype=np.int64) for k in keys))
        h = mix64(np.full(arrays[0].shape, zlib.crc32(salt.encode()), dtype=np.uint64) ^ (self.seed << np.uint64(32)))
        for k in arrays:
            h = mix64(h ^ k.astype(np.uint64))
        return h

    def unit(self, salt: str, *keys) -> np.ndarray:
        return (self.bits(salt, *keys) >> np.uint64(11)).astype(np.float64) * 2.0**-53

    def below(self, salt: str, n, *keys) -> np.ndarray:
        return (self.unit(salt, *keys) * n).astype(np.int64)

    def normal(self, salt: str, *keys) -> np.ndarray:
        u1 = np.maximum(self.unit(salt + ".a", *keys), 1e-300)
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2 * np.pi * self.unit(salt + ".b", *keys))

    def choice(self, salt: str, p, *keys) -> np.ndarray:
        cum = np.cumsum(np.asarray(p, dtype=float))
        return np.minimum(np.searchsorted(cum / cum[-1], self.unit(salt, *keys), side="right"), len(cum) - 1)


@functools.cache
def _luhn_sums() -> np.ndarray:
    """Luhn digit sum (mod 10) of every 4-digit chunk, taken from the shared `luhn_check_digit`
    ((10 - check digit) mod 10). Chunks of even width keep their doubling parity inside a longer
    number, so an 11-digit payload's sum is the sum over its three chunks: a vectorised lookup."""
    return np.array([(10 - luhn_check_digit(f"{x:04d}")) % 10 for x in range(10_000)], dtype=np.int64)


def with_check_digit(payload: np.ndarray) -> np.ndarray:
    """11-digit payloads -> 12-digit numbers ending in their Luhn check digit."""
    t = _luhn_sums()
    s = t[payload // 10**8] + t[(payload // 10**4) % 10**4] + t[payload % 10**4]
    return payload * 10 + (10 - s % 10) % 10


def _prefixed(prefix: int, x: np.ndarray) -> np.ndarray:
    return with_check_digit(prefix * _PAYLOAD_SPAN + x % _PAYLOAD_SPAN)


# --------------------------------------------------------------------------------------
# Calendar helpers (vectorised)
# --------------------------------------------------------------------------------------


def _days(ordinals) -> np.ndarray:
    return (np.asarray(ordinals, dtype=np.int64) - _UNIX_ORD).astype("datetime64[D]")


def _month_day(ordinals) -> tuple[np.ndarray, np.ndarray]:
    """(months since 1970-01, day of month) of each ordinal."""
    d = _days(ordinals)
    m = d.astype("datetime64[M]")
    return m.astype(np.int64), (d - m.astype("datetime64[D]")).astype(np.int64) + 1


def _month_day_ordinal(month_index: np.ndarray, dom: np.ndarray) -> np.ndarray:
    first = np.asarray(month_index, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first + dom - 1 + _UNIX_ORD


def _monthly_position(ordinal: int, dom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days since the last `dom`-th of a month (0 on the day) and that cycle's length."""
    m, d = _month_day(np.full(dom.shape, ordinal))
    last_m = np.where(d >= dom, m, m - 1)
    last = _month_day_ordinal(last_m, dom)
    return ordinal - last, _month_day_ordinal(last_m + 1, dom) - last


# --------------------------------------------------------------------------------------
# Reference data (seed only, cached)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Customers:
    ids: np.ndarray  # "CU00012345" strings (object)
    income: np.ndarray  # dollars
    employment: np.ndarray  # index into EMPLOYMENT
    employer: np.ndarray  # index into EMPLOYERS
    score: np.ndarray  # latent credit score
    csv: bytes


@dataclass(frozen=True)
class Merchants:
    mcc: np.ndarray  # per merchant
    names: pl.Series  # statement text, "KROGER #0412 AUSTIN TX"
    by_mcc: dict[int, tuple[int, int]]  # mcc -> (first merchant, count); merchants are grouped by mcc


@dataclass(frozen=True)
class Loans:
    n: int
    product: np.ndarray
    customer: np.ndarray
    principal: np.ndarray  # cents
    rate_bp: np.ndarray  # annual rate in 1/10,000 (425 = 4.25%)
    term: np.ndarray  # months
    orig: np.ndarray  # ordinal
    dom: np.ndarray  # due day of month
    lag: np.ndarray  # days a late payer pays after the due date (0 = on time)
    default_from: np.ndarray  # first instalment never paid (a huge number when none)
    pmt: np.ndarray  # cents, the regular instalment
    collateral: np.ndarray  # cents


@dataclass(frozen=True)
class Reference:
    seed: int
    scale: BankingScale
    customers: Customers
    merchants: Merchants
    loans: Loans
    base: dict  # static attributes of the accounts that exist on EPOCH (see _account_attributes)


def _build_customers(seed: int, n: int) -> Customers:
    rng = rng_for(seed, "banking.customers")
    numbers = np.sort(rng.choice(90_000_000, size=n, replace=False) + 10_000_000)
    ids = np.array([f"CU{x:08d}" for x in numbers.tolist()], dtype=object)
    first = np.array(vocab.FIRST_NAMES, dtype=object)[rng.integers(len(vocab.FIRST_NAMES), size=n)]
    last_idx = rng.integers(len(vocab.LAST_NAMES), size=n)
    last = np.array([x[0] for x in vocab.LAST_NAMES], dtype=object)[last_idx]
    last_slug = np.array([x[1] for x in vocab.LAST_NAMES], dtype=object)[last_idx]
    first_slug = np.array(["".join(c for c in f.lower() if c.isascii() and c.isalpha()) or "x" for f in first], dtype=object)
    if n >= 50:  # a few KYC records with hostile text, as any CRM has
        for j, (fn, ln, slug) in enumerate(vocab.HOSTILE_NAMES):
            i = (j + 1) * n // (len(vocab.HOSTILE_NAMES) + 1)
            first[i], last[i], first_slug[i], last_slug[i] = fn, ln, "x", slug
    # SSN: area 001-899 but not 666, group 01-99, serial 0001-9999.
    area = rng.integers(1, 899, size=n)
    area = np.where(area == 666, 667, area)
    group, serial = rng.integers(1, 100, size=n), rng.integers(1, 10_000, size=n)
    dob = rng.integers(dt.date(1935, 1, 1).toordinal(), dt.date(2005, 12, 31).toordinal(), size=n)
    city = rng.integers(len(vocab.CITIES), size=n)
    employment = rng.choice(len(bv.EMPLOYMENT), size=n, p=bv.EMPLOYMENT_P)
    median = np.array([68_000, 85_000, 42_000, 9_000, 12_000])[employment]
    income = np.round(median * rng.lognormal(0.0, 0.55, size=n), 2)
    employer = rng.integers(len(bv.EMPLOYERS), size=n)
    kyc = rng.choice(len(bv.KYC), size=n, p=bv.KYC_P)
    score = np.clip(rng.normal(705, 70, size=n), 420, 840)

    area_code = np.array([c[4] for c in vocab.CITIES], dtype=object)[city]
    street_no = rng.integers(1, 9_999, size=n)
    street = np.array(bv.STREET_NAMES, dtype=object)[rng.integers(len(bv.STREET_NAMES), size=n)]
    suffix = np.array(bv.STREET_SUFFIXES, dtype=object)[rng.integers(len(bv.STREET_SUFFIXES), size=n)]
    apt = rng.integers(1, 40, size=n)
    has_apt = rng.random(n) < 0.25  # "12 Oak St, Apt 4": a comma the CSV must quote
    frame = pl.DataFrame(
        {
            "customer_id": pl.Series(ids, dtype=pl.String),
            "first_name": pl.Series(first, dtype=pl.String),
            "last_name": pl.Series(last, dtype=pl.String),
            "_area": area, "_group": group, "_serial": serial,
            "_dob": dob - _UNIX_ORD,
            "_first_slug": pl.Series(first_slug, dtype=pl.String),
            "_last_slug": pl.Series(last_slug, dtype=pl.String),
            "_num": rng.integers(1, 100, size=n),
            "_domain": pl.Series(np.array(vocab.EMAIL_DOMAINS, dtype=object)[rng.integers(len(vocab.EMAIL_DOMAINS), size=n)], dtype=pl.String),
            "_area_code": pl.Series(area_code, dtype=pl.String),
            "_line": rng.integers(0, 10_000, size=n),
            "_street_no": street_no,
            "_street": pl.Series(street, dtype=pl.String),
            "_suffix": pl.Series(suffix, dtype=pl.String),
            "_apt": apt, "_has_apt": has_apt,
            "city": pl.Series([vocab.CITIES[c][0] for c in city.tolist()], dtype=pl.String),
            "state": pl.Series([vocab.CITIES[c][1] for c in city.tolist()], dtype=pl.String),
            "_zip3": pl.Series([vocab.CITIES[c][3] for c in city.tolist()], dtype=pl.String),
            "_zip2": rng.integers(0, 100, size=n),
            "_income": np.round(income * 100).astype(np.int64),
            "employment_status": pl.Series(np.array(bv.EMPLOYMENT, dtype=object)[employment], dtype=pl.String),
            "kyc_status": pl.Series(np.array(bv.KYC, dtype=object)[kyc], dtype=pl.String),
        }
    )
    z = lambda c, w: pl.col(c).cast(pl.String).str.zfill(w)  # noqa: E731
    frame = frame.select(
        "customer_id", "first_name", "last_name",
        pl.concat_str([z("_area", 3), pl.lit("-"), z("_group", 2), pl.lit("-"), z("_serial", 4)]).alias("ssn"),
        pl.col("_dob").cast(pl.Date).dt.strftime("%Y-%m-%d").alias("date_of_birth"),
        pl.concat_str(["_first_slug", pl.lit("."), "_last_slug", pl.col("_num").cast(pl.String), pl.lit("@"), "_domain"]).alias("email"),
        pl.concat_str(["_area_code", pl.lit("-555-"), z("_line", 4)]).alias("phone"),
        pl.concat_str(
            [pl.col("_street_no").cast(pl.String), pl.lit(" "), "_street", pl.lit(" "), "_suffix",
             pl.when("_has_apt").then(pl.concat_str([pl.lit(", Apt "), pl.col("_apt").cast(pl.String)])).otherwise(pl.lit(""))]
        ).alias("street"),
        "city", "state",
        pl.concat_str(["_zip3", z("_zip2", 2)]).alias("zip"),
        money_expr(pl.col("_income")).alias("annual_income"),
        "employment_status", "kyc_status",
    )
    return Customers(ids, income, employment, employer, score, csv_bytes(frame))


def _build_merchants(seed: int, n: int) -> Merchants:
    """A merchant pool grouped by MCC, sized by how much each category is used."""
    rng = rng_for(seed, "banking.merchants")
    weights: dict[int, float] = {}
    for _, band in bv.MCC_BANDS:
        for mcc, w in band:
            weights[mcc] = weights.get(mcc, 0.0) + w
    mccs = sorted(weights)
    total = sum(weights.values())
    counts = [max(3, int(n * weights[m] / total)) for m in mccs]
    by_mcc, mcc_of, names, start = {}, [], [], 0
    for mcc, count in zip(mccs, counts, strict=True):
        by_mcc[mcc] = (start, count)
        brands = bv.MERCHANT_BRANDS[mcc]
        brand = rng.integers(len(brands), size=count)
        store = rng.integers(1, 10_000, size=count)
        city = rng.integers(len(vocab.CITIES), size=count)
        for b, s, c in zip(brand.tolist(), store.tolist(), city.tolist(), strict=True):
            if mcc in bv.ONLINE_MCCS or mcc == 5815:
                names.append(brands[b])
            else:
                names.append(f"{brands[b]} #{s:04d} {vocab.CITIES[c][0].upper()} {vocab.CITIES[c][1]}")
        mcc_of.extend([mcc] * count)
        start += count
    if start >= NIGHT_MERCHANT_BASE:
        raise ValueError(f"at most {NIGHT_MERCHANT_BASE - 1} merchants, got {start}")
    return Merchants(np.array(mcc_of, dtype=np.int64), pl.Series(names, dtype=pl.String), by_mcc)


_PRODUCT_P = (0.30, 0.30, 0.30, 0.10)  # mortgage, auto, personal, sme
_LOAN_CLASS_P = (0.82, 0.07, 0.04, 0.025, 0.045)  # on time, late < 30 d, late 30-89 d, defaulted, matured (paid off)


def _build_loans(seed: int, n: int, n_customers: int) -> Loans:
    rng = rng_for(seed, "banking.loans")
    product = rng.choice(4, size=n, p=_PRODUCT_P)
    cls = rng.choice(5, size=n, p=_LOAN_CLASS_P)
    lo = np.array([120_000, 12_000, 3_000, 40_000])[product]
    hi = np.array([850_000, 65_000, 40_000, 1_000_000])[product]
    principal = (np.exp(rng.uniform(np.log(lo), np.log(hi))) * 100).astype(np.int64) // 10_000 * 10_000
    rate_lo = np.array([300, 400, 800, 600])[product]
    rate_hi = np.array([700, 900, 1800, 1200])[product]
    rate_bp = rng.integers(rate_lo, rate_hi + 1) // 5 * 5
    rate_bp = np.where(cls >= 2, rate_bp + 150, rate_bp)  # riskier borrowers pay more
    term = np.select(
        [product == 0, product == 1, product == 2],
        [rng.choice([180, 360], size=n, p=[0.25, 0.75]), rng.choice([60, 72, 84], size=n), rng.choice([36, 48, 60], size=n)],
        rng.choice([60, 120], size=n),
    )
    # Origination: late enough that the loan runs past mid-2025 unless it matured on purpose
    # (shorter loans then pay off during the simulated years, as a loan book does).
    latest = dt.date(2023, 12, 15).toordinal()
    earliest = np.minimum(np.maximum(dt.date(2005, 1, 1).toordinal(), dt.date(2025, 6, 1).toordinal() - term * 30), latest - 30)
    orig = rng.integers(earliest, latest)
    matured = cls == 4
    term = np.where(matured, rng.choice([36, 48, 60], size=n), term)
    orig = np.where(matured, rng.integers(dt.date(2012, 1, 1).toordinal(), dt.date(2018, 6, 1).toordinal(), size=n), orig)
    defaulted = cls == 3
    orig = np.where(defaulted, rng.integers(dt.date(2015, 1, 1).toordinal(), dt.date(2023, 1, 1).toordinal(), size=n), orig)
    dom = np.minimum(_month_day(orig)[1], 28)
    lag = np.select([cls == 1, cls == 2], [rng.integers(3, 26, size=n), rng.integers(50, 89, size=n)], 0)
    # A defaulted loan stopped paying before 2023-09: > 90 days past due on every date from 2024 on.
    stop = np.maximum(orig + 1, rng.integers(dt.date(2021, 6, 1).toordinal(), dt.date(2023, 8, 20).toordinal(), size=n))
    default_from = np.where(defaulted, _dues_by(stop, orig, dom, term) + 1, 10**6)
    g = 1 + rate_bp / 120_000
    pmt = np.ceil(principal * (g - 1) / (1 - g ** (-term.astype(float)))).astype(np.int64)
    ltv = rng.uniform(0.55, 0.95, size=n)
    collateral = np.select(
        [product == 0, product == 1, product == 3],
        [principal / ltv * rng.uniform(1.0, 1.35, size=n), principal * rng.uniform(0.7, 1.1, size=n), principal * rng.uniform(0.5, 1.5, size=n)],
        np.where(rng.random(n) < 0.1, principal * rng.uniform(0.2, 0.8, size=n), 0.0),
    )
    collateral = np.where((product == 3) & (rng.random(n) < 0.3), 0.0, collateral)
    return Loans(
        n, product, rng.integers(n_customers, size=n), principal, rate_bp, term.astype(np.int64), orig.astype(np.int64),
        dom.astype(np.int64), lag.astype(np.int64), default_from.astype(np.int64), pmt, (collateral // 100 * 100).astype(np.int64),
    )


def _dues_by(ordinals: np.ndarray, orig: np.ndarray, dom: np.ndarray, term: np.ndarray) -> np.ndarray:
    """Instalments falling due in (origination, ordinal]: the first is due the month after origination."""
    m, d = _month_day(ordinals)
    m0, _ = _month_day(orig)
    return np.clip(m - m0 - 1 + (d >= dom), 0, term)


def _account_attributes(h: _Hash, scale: BankingScale, customers: Customers, loans: Loans, idx: np.ndarray) -> dict:
    """Static attributes of accounts by global index: 0..n_loans-1 are the loan accounts, up to
    n_accounts-1 the other accounts of 2024-01-01, and from n_accounts on the accounts opened
    since, opens_per_day a day. Pure functions of (seed, index), so a day's openings cost nothing."""
    n = idx.size
    is_loan = idx < scale.n_loans
    opener = idx >= scale.n_accounts
    kind = np.where(opener, h.choice("kind.new", (0.55, 0.25, 0.20), idx), h.choice("kind", (0.62, 0.20, 0.18), idx))
    kind = np.where(is_loan, LOAN, kind)
    loan_i = np.where(is_loan, idx, 0)
    customer = np.where(is_loan, loans.customer[loan_i], h.below("customer", customers.ids.size, idx))
    open_ord = np.where(
        opener,
        _EPOCH_ORD + (idx - scale.n_accounts) // scale.opens_per_day,
        dt.date(1998, 1, 1).toordinal() + h.below("open", _EPOCH_ORD - dt.date(1998, 1, 1).toordinal(), idx),
    )
    open_ord = np.where(is_loan, loans.orig[loan_i], open_ord)
    u_status = h.unit("status", idx)
    status = np.where(opener | is_loan, OPEN, np.where(u_status < 0.01, FROZEN, np.where(u_status < 0.025, CLOSED, OPEN)))
    currency = np.where(kind == CHECKING, h.choice("currency", bv.CURRENCY_P, idx), 0)
    currency = np.where((kind == SAVINGS) & (h.unit("currency.s", idx) < 0.03), 1 + h.below("currency.t", 3, idx), currency)

    income = customers.income[customer]
    employment = customers.employment[customer]
    # Checking: pay arrives on a cycle (biweekly Fridays, or monthly), spending drains it.
    biweekly = np.isin(employment, (0, 1)) & (h.unit("cycle", idx) < 0.7)
    dom = np.select([employment == 2, biweekly], [3, 1], np.where(h.unit("dom", idx) < 0.5, 1, 15))
    net = np.where(np.isin(employment, (0, 1)), 0.72, np.where(employment == 2, 0.85, 0.9)) * income
    salary = (net * 100 / np.where(biweekly, 26, 12)).astype(np.int64)
    period = np.where(biweekly, 14, 31)
    tier = h.unit("tier", idx)
    limit_chk = np.where(tier < 0.10, np.where(h.unit("od", idx) < 0.5, 50_000, 100_000), h.choice("od.lim", (0.6, 0.25, 0.15), idx) * 25_000)
    amp_chk = ((0.3 + 0.6 * h.unit("amp", idx)) * salary / period).astype(np.int64)
    cushion = (np.exp(np.log(90_000) + 0.9 * h.normal("cushion", idx))).astype(np.int64)
    base_chk = np.select(
        [tier < 0.10, tier > 0.95],
        [-(limit_chk * 6) // 10 + amp_chk, (2_000_000 + h.unit("rich", idx) * 10_000_000).astype(np.int64)],
        np.maximum(cushion, amp_chk + 10_000),
    )
    # Credit cards: spending accrues over the statement cycle; autopay clears it on the due day.
    limit_card = np.array([100_000, 250_000, 500_000, 1_000_000, 1_500_000, 2_500_000, 3_500_000])[
        h.choice("limit", (0.12, 0.22, 0.26, 0.20, 0.10, 0.06, 0.04), idx)]
    dormant = h.unit("dormant", idx) < 0.08
    monthly = np.where(dormant, 0, (0.04 + 0.26 * h.unit("spend", idx)) * limit_card).astype(np.int64)
    amp_card = ((0.3 + 0.6 * h.unit("amp.c", idx)) * monthly / 31).astype(np.int64)
    carry = np.minimum((0.4 * h.unit("carry", idx) * limit_card).astype(np.int64), np.maximum(0, limit_card * 95 // 100 - monthly - amp_card))
    # Savings: compound interest monthly, plus a standing monthly transfer for most.
    rate_sav = 50 + 5 * h.below("rate.s", 81, idx)
    b0 = (np.exp(np.log(500_000) + 1.1 * h.normal("b0", idx))).astype(np.int64)
    dep = np.where(h.unit("dep?", idx) < 0.6, (5_000 + h.below("dep", 95_000, idx)) // 100 * 100, 0)
    rate_card = 1_999 + 25 * h.below("rate.c", 41, idx)  # APR 19.99%-29.99%

    is_chk, is_card, is_sav = kind == CHECKING, kind == CARD, kind == SAVINGS
    a = {
        "idx": idx,
        "payload": _prefixed(BANK_PREFIX, _affine(h, idx)),
        "kind": kind,
        "customer": customer,
        "status": status,
        "open": open_ord,
        "currency": currency,
        "rate_bp": np.select([is_chk, is_sav, is_card], [np.where(tier > 0.95, 10, 0), rate_sav, rate_card], loans.rate_bp[loan_i]),
        "limit": np.select([is_chk, is_card], [limit_chk, limit_card], 0),
        "base": np.select([is_chk, is_card, is_sav], [base_chk, -(carry + monthly), b0], 0),
        "amp": np.select([is_chk, is_card], [amp_chk, amp_card], 0),
        "cycle": np.select([is_chk, is_card], [salary, monthly], 0),  # the credit per cycle (pay or card payment)
        "biweekly": is_chk & biweekly,
        "anchor": dt.date(2024, 1, 5).toordinal() + 7 * h.below("anchor", 2, idx),  # a Friday
        "dom": np.where(is_card, 1 + h.below("dom.c", 28, idx), dom),
        "dep": np.where(is_sav, dep, 0),
        "window": np.where(h.unit("night owl", idx) < 0.1, 0, DAY_START),
        "employment": employment,
        "loan": np.where(is_loan, idx, -1),
    }
    a["status"] = np.where(is_card & dormant & (h.unit("frozen.c", idx) < 0.1), FROZEN, a["status"])
    assert n == a["kind"].size
    return a


def _affine(h: _Hash, idx: np.ndarray) -> np.ndarray:
    """A bijection of account indexes onto 10-digit numbers: unique, and not in index order."""
    mult = int(h.bits("affine", np.zeros(1))[0] % np.uint64(_PAYLOAD_SPAN // 10)) * 10 + 3  # odd, not a multiple of 5
    shift = int(h.bits("shift", np.zeros(1))[0] % np.uint64(_PAYLOAD_SPAN))
    if idx.size and int(idx.max()) * mult >= 2**63 - _PAYLOAD_SPAN:
        raise ValueError("too many accounts for 10-digit account numbers")
    return (idx * mult + shift) % _PAYLOAD_SPAN


@functools.lru_cache(maxsize=4)
def reference_data(seed: int, scale: BankingScale) -> Reference:
    h = _Hash(seed)
    customers = _build_customers(seed, scale.n_customers)
    merchants = _build_merchants(seed, scale.n_merchants)
    loans = _build_loans(seed, scale.n_loans, scale.n_customers)
    base = _account_attributes(h, scale, customers, loans, np.arange(scale.n_accounts, dtype=np.int64))
    return Reference(seed, scale, customers, merchants, loans, base)


# --------------------------------------------------------------------------------------
# State: balances as a function of the date
# --------------------------------------------------------------------------------------


def _accounts_on(ref: Reference, ordinal: int) -> dict:
    """Static attributes of every account that exists on `ordinal` (base accounts first, then
    openings in opening order). The arrays of an earlier day are a prefix of a later day's."""
    openers = ref.scale.opens_per_day * max(0, ordinal - _EPOCH_ORD + 1)
    if not openers:
        return ref.base
    idx = np.arange(ref.scale.n_accounts, ref.scale.n_accounts + openers, dtype=np.int64)
    new = _account_attributes(_Hash(ref.seed), ref.scale, ref.customers, ref.loans, idx)
    return {k: np.concatenate([ref.base[k], new[k]]) for k in ref.base}


@dataclass
class _LoanDay:
    dues: np.ndarray  # instalments due so far
    accrued: np.ndarray  # instalments whose interest has been posted
    paid: np.ndarray  # instalments paid
    balance: np.ndarray  # cents, <= 0
    days_past_due: np.ndarray


def _loan_day(loans: Loans, ordinal: int) -> _LoanDay:
    """Where each loan's schedule stands at the end of `ordinal`. Instalment j accrues interest
    on its due date and is paid `lag` days later; a defaulted loan stops both (non-accrual)."""
    ords = np.full(loans.n, ordinal, dtype=np.int64)
    dues = _dues_by(ords, loans.orig, loans.dom, loans.term)
    paid = np.minimum(_dues_by(ords - loans.lag, loans.orig, loans.dom, loans.term), loans.default_from - 1)
    accrued = np.minimum(dues, loans.default_from - 1)
    owed = _outstanding(loans, accrued) + loans.pmt * (accrued - paid) + (_final_payment(loans) - loans.pmt) * ((paid < loans.term) & (accrued >= loans.term))
    first_unpaid = _month_day_ordinal(_month_day(loans.orig)[0] + paid + 1, loans.dom)
    dpd = np.where(paid < dues, ordinal - first_unpaid, 0)
    return _LoanDay(dues, accrued, paid, -owed, dpd)


def _outstanding(loans: Loans, j: np.ndarray) -> np.ndarray:
    """Principal left after instalment j: the annuity formula, rounded to the cent."""
    g = 1 + loans.rate_bp / 120_000
    gj = g ** j.astype(float)
    o = np.rint(loans.principal * gj - loans.pmt * (gj - 1) / (g - 1)).astype(np.int64)
    return np.where(j >= loans.term, 0, np.where(j <= 0, loans.principal, np.maximum(o, 0)))


def _final_payment(loans: Loans) -> np.ndarray:
    last = _outstanding(loans, loans.term - 1)
    return last + np.rint(last * loans.rate_bp / 120_000).astype(np.int64)


def _instalment(loans: Loans, j: np.ndarray) -> np.ndarray:
    return np.where(j >= loans.term, _final_payment(loans), loans.pmt)


def _interest_of(loans: Loans, j: np.ndarray) -> np.ndarray:
    """Interest posted for instalment j: whatever makes outstanding(j) = outstanding(j-1) + I - payment."""
    return _outstanding(loans, j) - _outstanding(loans, j - 1) + _instalment(loans, j)


def _savings_months(a: dict, ordinal: int) -> np.ndarray:
    """Month ends passed since opening: interest and the standing transfer land on each 1st."""
    return np.maximum(_month_day(np.full(a["open"].shape, ordinal))[0] - _month_day(a["open"])[0], 0)


def _closing_balances(ref: Reference, a: dict, ordinal: int, h: _Hash) -> tuple[np.ndarray, dict]:
    """Every account's end-of-day balance on `ordinal` in cents, before fraud (0 before opening)."""
    kind, status = a["kind"], a["status"]
    exists = a["open"] <= ordinal
    live = exists & (status == OPEN)
    # Checking and cards: base + cycle credit x (L - phase) / L - wobble.
    phase_m, length_m = _monthly_position(ordinal, a["dom"])
    phase = np.where(a["biweekly"], (ordinal - a["anchor"]) % 14, phase_m)
    length = np.where(a["biweekly"], 14, length_m)
    saw = a["cycle"] * (length - phase) // length
    wobble = (a["amp"] * h.unit("wobble", a["idx"], ordinal)).astype(np.int64)
    flow = a["base"] + np.where(live, saw - wobble, 0)
    # Savings: compound interest and the standing transfer, both monthly.
    g = 1 + a["rate_bp"] / 120_000
    m = _savings_months(a, ordinal).astype(float)
    gm = g**m
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = np.where(g > 1, (gm - 1) / (g - 1), m)
    savings = np.rint(a["base"] * gm + a["dep"] * annuity).astype(np.int64)
    savings = np.where(status == OPEN, savings, a["base"])
    balance = np.select([(kind == CHECKING) | (kind == CARD), kind == SAVINGS], [flow, savings], 0)
    loan_day = _loan_day(ref.loans, ordinal)
    is_loan = kind == LOAN
    balance = np.where(is_loan, loan_day.balance[np.where(is_loan, a["loan"], 0)], balance)
    balance = np.where(status == CLOSED, 0, balance)
    return np.where(exists, balance, 0), {"phase": phase, "loan": loan_day}


# --------------------------------------------------------------------------------------
# Fraud plan (per day, needs only that day's balances)
# --------------------------------------------------------------------------------------


@dataclass
class _Fraud:
    high_frequency: np.ndarray  # account positions
    high_spend: np.ndarray
    total: np.ndarray  # cents debited by bursts, per account position
    items: dict | None  # the burst transactions


def _fraud_plan(ref: Reference, a: dict, ordinal: int, balance: np.ndarray) -> _Fraud:
    rng = rng_for(ref.seed, "banking.fraud", dt.date.fromordinal(ordinal))
    eligible = (a["open"] < ordinal) & (a["status"] == OPEN) & np.isin(a["kind"], (CHECKING, CARD))
    headroom = balance + a["limit"]
    n_each = max(2, round(FRAUD_SHARE * int((a["open"] <= ordinal).sum())))
    spend_pool = np.flatnonzero(eligible & (headroom >= HIGH_SPEND_MAX + 100_000))
    hs = np.sort(rng.choice(spend_pool, size=min(n_each, spend_pool.size), replace=False))
    freq_ok = eligible & (headroom >= 50_000)
    freq_ok[hs] = False
    freq_pool = np.flatnonzero(freq_ok)
    hf = np.sort(rng.choice(freq_pool, size=min(n_each, freq_pool.size), replace=False))

    hs_total = rng.integers(HIGH_SPEND_MIN, HIGH_SPEND_MAX + 1, size=hs.size)
    hs_parts = rng.integers(3, 6, size=hs.size)
    hf_parts = rng.integers(HIGH_FREQ_MIN, HIGH_FREQ_MAX + 1, size=hf.size)
    owner_s = np.repeat(np.arange(hs.size), hs_parts)
    w = rng.uniform(1.0, 2.0, size=owner_s.size)
    amounts_s = _split_exact(hs_total, hs_parts, owner_s, w)
    owner_f = np.repeat(np.arange(hf.size), hf_parts)
    amounts_f = rng.integers(100, 1_000, size=owner_f.size)
    start_s = rng.integers(a["window"][hs] + 60, DAY_SECONDS - 700) if hs.size else np.zeros(0, np.int64)
    start_f = rng.integers(a["window"][hf] + 60, DAY_SECONDS - 700) if hf.size else np.zeros(0, np.int64)
    offsets_s = np.sort(rng.integers(0, 300, size=owner_s.size))
    offsets_f = np.sort(rng.integers(0, 480, size=owner_f.size))
    total = np.zeros(a["kind"].size, dtype=np.int64)
    np.add.at(total, hs, hs_total)
    np.add.at(total, hf, np.bincount(owner_f, weights=amounts_f, minlength=hf.size).astype(np.int64))
    merch_s = _pool_pick(ref.merchants, np.array(bv.FRAUD_SPEND_MCCS)[rng.integers(len(bv.FRAUD_SPEND_MCCS), size=owner_s.size)], rng.random(owner_s.size))
    merch_f = _pool_pick(ref.merchants, np.array(bv.FRAUD_TESTING_MCCS)[rng.integers(len(bv.FRAUD_TESTING_MCCS), size=owner_f.size)], rng.random(owner_f.size))
    items = {
        "acct": np.concatenate([hs[owner_s], hf[owner_f]]),
        "amount": -np.concatenate([amounts_s, amounts_f]),
        "sec": np.concatenate([start_s[owner_s] + np.sort(offsets_s), start_f[owner_f] + offsets_f]),
        "merchant": np.concatenate([merch_s, merch_f]),
        "channel": np.concatenate([np.full(owner_s.size, POS), np.full(owner_f.size, ONLINE)]),
    }
    return _Fraud(hf, hs, total, items)


def _pool_pick(m: Merchants, mcc: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Merchant indexes: the u-quantile of each item's MCC pool."""
    codes = np.array(sorted(m.by_mcc))
    starts = np.array([m.by_mcc[c][0] for c in codes])
    sizes = np.array([m.by_mcc[c][1] for c in codes])
    pos = np.searchsorted(codes, mcc)
    return starts[pos] + np.minimum((u * sizes[pos]).astype(np.int64), sizes[pos] - 1)


def _split_exact(totals: np.ndarray, parts: np.ndarray, owner: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Split each total into its parts in proportion to w, to the cent; rounding goes to the first part."""
    if owner.size == 0:
        return np.zeros(0, dtype=np.int64)
    wsum = np.bincount(owner, weights=w, minlength=totals.size)
    amounts = np.floor(totals[owner] * w / wsum[owner]).astype(np.int64)
    first = np.cumsum(parts) - parts
    residual = totals - np.rint(np.bincount(owner, weights=amounts, minlength=totals.size)).astype(np.int64)
    has = parts > 0
    amounts[first[has]] += residual[has]
    return amounts


# --------------------------------------------------------------------------------------
# One day of transactions
# --------------------------------------------------------------------------------------


_DESCRIPTIONS = (
    "",  # 0: card purchase, merchant's statement name follows
    "ATM WITHDRAWAL ",  # 1: + terminal id
    "COUNTER WITHDRAWAL",  # 2
    "TRANSFER TO ****",  # 3: + last 4 of the counterparty
    "TRANSFER FROM ****",  # 4
    "PAYROLL DEP ",  # 5: + employer
    "SSA TREAS 310 SOC SEC",  # 6
    "ACH CREDIT CLIENT PAYMENT",  # 7
    "MOBILE CHECK DEPOSIT",  # 8
    "CASH DEPOSIT",  # 9
    "OPENING DEPOSIT",  # 10
    "AUTOPAY PAYMENT - THANK YOU",  # 11
    "PAYMENT - THANK YOU",  # 12
    "INTEREST PAYMENT",  # 13
    "INTEREST CHARGE",  # 14
    "LOAN PAYMENT - THANK YOU",  # 15
    "LOAN PMT TO ****",  # 16: + last 4
    "MONTHLY MAINTENANCE FEE",  # 17
    "OVERDRAFT FEE",  # 18
    "ATM FEE",  # 19
    "FOREIGN TRANSACTION FEE",  # 20
    "FRAUD CLAIM PROVISIONAL CREDIT",  # 21
    "AUTOMATIC SAVINGS TRANSFER",  # 22
    "FAMILY SUPPORT ZELLE ****",  # 23: + last 4
    "SERVICE CHARGE",  # 24: the ledger-break postings
)
_SUFFIX_MERCHANT, _SUFFIX_TERMINAL, _SUFFIX_LAST4, _SUFFIX_EMPLOYER = (0,), (1,), (3, 4, 16, 23), (5,)


@dataclass
class Day:
    """Everything about one day that the files and the manifest are rendered from."""

    date: dt.date
    accounts: dict  # static attributes of the accounts existing on the date (positions = rows)
    present: np.ndarray  # bool per position: exists on the date
    balance: np.ndarray  # cents, end of day, per position
    loan_day: _LoanDay
    loan_prev: _LoanDay
    items: dict  # the clean transactions, sorted, with "seq"
    fraud: _Fraud
    opened: np.ndarray  # positions opened today
    text_items: dict  # {"hostile": [...seq], "pii": [...seq]}


def _build_day(ref: Reference, day: dt.date) -> Day:
    h = _Hash(ref.seed)
    ordinal = day.toordinal()
    rng = rng_for(ref.seed, "banking.transactions", day)
    a = _accounts_on(ref, ordinal)
    n = a["kind"].size
    kind, live_static = a["kind"], a["status"] == OPEN
    present, before = a["open"] <= ordinal, a["open"] <= ordinal - 1
    opened = np.flatnonzero(present & ~before)

    normal, today = _closing_balances(ref, a, ordinal, h)
    normal_prev, _ = _closing_balances(ref, a, ordinal - 1, h)
    fraud = _fraud_plan(ref, a, ordinal, normal)
    fraud_prev = _fraud_plan(ref, a, ordinal - 1, normal_prev)
    balance = normal - fraud.total
    change = balance - (normal_prev - fraud_prev.total)
    loan_day, loan_prev = today["loan"], _loan_day(ref.loans, ordinal - 1)

    blocks: list[dict] = []

    def add(acct, amount, ttype, channel, desc, merchant=None, cpty=None, sec=None):
        acct = np.asarray(acct, dtype=np.int64)
        k = acct.size
        if not k:
            return
        full = lambda v, fill: np.full(k, fill, dtype=np.int64) if v is None else np.broadcast_to(np.asarray(v, dtype=np.int64), (k,))  # noqa: E731
        blocks.append({
            "acct": acct, "amount": np.broadcast_to(np.asarray(amount, dtype=np.int64), (k,)),
            "type": full(ttype, 0), "channel": full(channel, 0), "desc": full(desc, 0),
            "merchant": full(merchant, -1), "cpty": full(cpty, -1), "sec": full(sec, -1),
        })

    credits = np.zeros(n, dtype=np.int64)
    fixed_debits = np.zeros(n, dtype=np.int64)
    live = present & live_static
    payee = lambda acct, slot: _prefixed(EXTERNAL_PREFIX, h.bits("payee", a["idx"][acct], slot).astype(np.int64) & 0x7FFFFFFFFFFF)  # noqa: E731

    # Pay day / card autopay day: the cycle's credit lands.
    cyc = np.flatnonzero(live & np.isin(kind, (CHECKING, CARD)) & (today["phase"] == 0) & (a["cycle"] > 0))
    credits[cyc] += a["cycle"][cyc]
    chk = cyc[kind[cyc] == CHECKING]
    emp = a["employment"][chk]
    add(chk, a["cycle"][chk], np.where(emp >= 3, TRANSFER_IN, DEPOSIT), np.where(emp >= 3, MOBILE, ONLINE),
        np.select([emp <= 0, emp == 1, emp == 2], [5, 7, 6], 23), cpty=np.where(np.isin(emp, (3, 4)), payee(chk, 9), -1))
    card = cyc[kind[cyc] == CARD]
    add(card, a["cycle"][card], TRANSFER_IN, ONLINE, 11, cpty=payee(card, 8))

    # Savings: the standing transfer and the month's interest on the 1st.
    sav = np.flatnonzero(live & (kind == SAVINGS) & before & (_savings_months(a, ordinal) > _savings_months(a, ordinal - 1)))
    dep = np.minimum(a["dep"][sav], np.maximum(change[sav], 0))
    interest = np.maximum(change[sav] - dep, 0)
    credits[sav] += dep + interest
    add(sav[dep > 0], dep[dep > 0], TRANSFER_IN, ONLINE, 22, cpty=payee(sav[dep > 0], 7))
    add(sav[interest > 0], interest[interest > 0], INTEREST, ONLINE, 13)

    # Loans: the instalment's interest on its due date, the payment when the borrower pays.
    lpos = np.flatnonzero(present & (kind == LOAN))
    li = a["loan"][lpos]
    accrues = loan_day.accrued[li] > loan_prev.accrued[li]
    pays = loan_day.paid[li] > loan_prev.paid[li]
    charge = _interest_of(ref.loans, loan_day.accrued[li])
    payment = _instalment(ref.loans, loan_day.paid[li])
    accrue_pos = lpos[accrues & (charge > 0)]
    fixed_debits[accrue_pos] += charge[accrues & (charge > 0)]
    add(accrue_pos, -charge[accrues & (charge > 0)], INTEREST, ONLINE, 14)
    credits[lpos[pays]] += payment[pays]
    add(lpos[pays], payment[pays], LOAN_PAYMENT, np.where(h.unit("pay.ch", a["idx"][lpos[pays]]) < 0.7, ONLINE, BRANCH), 15, cpty=payee(lpos[pays], 6))

    # Yesterday's fraud is reversed today (a provisional credit while the claim is investigated).
    rev = np.flatnonzero(fraud_prev.total > 0)
    credits[rev] += fraud_prev.total[rev]
    add(rev, fraud_prev.total[rev], TRANSFER_IN, BRANCH, 21)
    fixed_debits += fraud.total

    # Unscheduled credits: a friend pays back, a check is deposited.
    extra_p = rng.random(n)
    extra = np.flatnonzero(live & before & (kind == CHECKING) & (extra_p < EXTRA_CREDIT_P))
    extra_amt = (rng.integers(20, 600, size=n) * 100 + rng.integers(0, 100, size=n))[extra]
    credits[extra] += extra_amt
    ch = rng.integers(0, 3, size=extra.size)
    add(extra, extra_amt, np.where(ch == 0, TRANSFER_IN, DEPOSIT), np.choose(ch, [MOBILE, MOBILE, ATM]), np.choose(ch, [4, 8, 9]),
        cpty=np.where(ch == 0, payee(extra, rng.integers(0, 4, size=extra.size)), -1))

    # Whatever the balance change leaves is the day's spending; a negative rest is a credit.
    spend = credits - fixed_debits - change
    spend = np.where(present, spend, 0)
    short = np.flatnonzero(spend < 0)
    opening = np.isin(short, opened)
    add(short, -spend[short],
        np.select([opening, kind[short] == CARD], [DEPOSIT, TRANSFER_IN], np.where(kind[short] == LOAN, LOAN_PAYMENT, DEPOSIT)),
        np.where(opening, BRANCH, np.where(kind[short] == CARD, ONLINE, MOBILE)),
        np.select([opening, kind[short] == CARD], [10, 12], 8),
        cpty=np.where(kind[short] == CARD, payee(short, 8), -1))
    spend = np.maximum(spend, 0)
    if np.any(spend[kind == LOAN]):
        raise AssertionError("loan schedule does not reconcile")  # by construction it does

    fixed_items = sum(b["acct"].size for b in blocks) + fraud.items["acct"].size
    _add_spending(ref, a, spend, rng, h, add, ref.scale.transactions_per_day - fixed_items)
    add(fraud.items["acct"], fraud.items["amount"], CARD_PURCHASE, fraud.items["channel"], 0, merchant=fraud.items["merchant"], sec=fraud.items["sec"])

    items = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]} if blocks else {}
    items = _place_in_time(items, a, rng, fraud, ordinal, h)
    return Day(day, a, present, np.where(present, balance, 0), loan_day, loan_prev, items, fraud, opened, _pick_text(items, rng, fraud))


def _add_spending(ref: Reference, a: dict, spend: np.ndarray, rng, h: _Hash, add, target: int) -> None:
    """Split each account's spending into card purchases, withdrawals, transfers, fees and
    payments that add up to it exactly, no item above SPLIT_CAP (+ rounding). The number of
    items is proportional to the amount spent, scaled so the day holds ~`target` of them."""
    kind = a["kind"]
    who = np.flatnonzero(spend > 0)
    total = spend[who]
    lo = np.where(total > SPLIT_CAP, -(-2 * total // SPLIT_CAP), 1)
    hi = np.maximum(lo, np.minimum(MAX_SPEND_ITEMS, total // MIN_TICKET))
    rate_lo, rate_hi = 0.0, 1.0
    for _ in range(50):  # items per cent spent, by bisection on the expected count
        mid = (rate_lo + rate_hi) / 2
        rate_lo, rate_hi = (mid, rate_hi) if np.clip(mid * total, lo, hi).sum() < target else (rate_lo, mid)
    count = np.clip(rng.poisson(rate_lo * total), lo, hi)
    if np.any(lo > MAX_SPEND_ITEMS):
        raise AssertionError("an account spends more in a day than the grid can hold")
    owner = np.repeat(np.arange(who.size), count)
    big = total[owner] > SPLIT_CAP
    w = np.where(big, rng.uniform(1.0, 2.0, size=owner.size), rng.lognormal(0.0, 0.9, size=owner.size))
    amount = _split_exact(total, count, owner, w)
    first = np.zeros(owner.size, dtype=bool)
    first[np.cumsum(count) - count] = True
    acct = who[owner]
    k = kind[acct]

    # Types: checking spends by card mostly; cards only by card (and the odd fee).
    u = rng.random(owner.size)
    ttype = np.where(
        k == CHECKING,
        np.select([u < 0.78, u < 0.88, u < 0.96, u < 0.99], [CARD_PURCHASE, WITHDRAWAL, TRANSFER_OUT, LOAN_PAYMENT], FEE),
        np.where((k == CARD) & (u > 0.985), FEE, np.where(k == SAVINGS, TRANSFER_OUT, CARD_PURCHASE)),
    )
    ttype = np.where(first & (k != SAVINGS), CARD_PURCHASE, ttype)  # the first item absorbs rounding
    ttype = np.where((ttype == WITHDRAWAL) & (amount < 2_000), CARD_PURCHASE, ttype)
    ttype = np.where((ttype == FEE) & (amount > 3_500), CARD_PURCHASE, ttype)
    ttype = np.where((ttype == LOAN_PAYMENT) & (amount < 10_000), TRANSFER_OUT, ttype)
    # Cash comes in multiples of $20; what is left over joins the account's first item.
    cash = ttype == WITHDRAWAL
    rest = np.where(cash, amount % 2_000, 0)
    amount = amount - rest
    amount[first] += np.bincount(owner, weights=rest, minlength=who.size).astype(np.int64)[count > 0]

    # Card purchases: the ticket size picks the category, the account its regular shops.
    mcc = np.zeros(owner.size, dtype=np.int64)
    u_mcc = rng.random(owner.size)
    band_of = np.searchsorted(np.array([b for b, _ in bv.MCC_BANDS[:-1]]), amount, side="right")
    for i, (_, band) in enumerate(bv.MCC_BANDS):
        in_band = band_of == i
        codes = np.array([c for c, _ in band])
        cum = np.cumsum([wt for _, wt in band])
        mcc[in_band] = codes[np.minimum(np.searchsorted(cum / cum[-1], u_mcc[in_band], side="right"), codes.size - 1)]
    regular = rng.random(owner.size) < 0.85
    slot = rng.integers(0, 3, size=owner.size)
    u_merchant = np.where(regular, h.unit("regular", a["idx"][acct], mcc, slot), rng.random(owner.size))
    is_card = ttype == CARD_PURCHASE
    merchant = np.where(is_card, _pool_pick(ref.merchants, mcc, u_merchant), -1)
    online = np.isin(mcc, bv.ONLINE_MCCS) | (rng.random(owner.size) < 0.25)

    uc = rng.random(owner.size)
    channel = np.select(
        [is_card, cash, ttype == FEE, ttype == LOAN_PAYMENT],
        [np.where(online, ONLINE, POS), np.where(uc < 0.8, ATM, BRANCH), np.where(uc < 0.7, ONLINE, BRANCH), np.where(uc < 0.7, ONLINE, MOBILE)],
        np.where(uc < 0.45, ONLINE, MOBILE),
    )
    desc = np.select(
        [is_card, cash, ttype == FEE, ttype == LOAN_PAYMENT],
        [0, np.where(channel == ATM, 1, 2), np.choose(rng.integers(0, 4, size=owner.size), [17, 18, 19, 20]), 16],
        3,
    )
    cpty = np.where(np.isin(ttype, (TRANSFER_OUT, LOAN_PAYMENT)),
                    _prefixed(EXTERNAL_PREFIX, h.bits("payee", a["idx"][acct], slot).astype(np.int64) & 0x7FFFFFFFFFFF), -1)
    add(acct, -amount, ttype, channel, desc, merchant=merchant, cpty=cpty)


def _place_in_time(items: dict, a: dict, rng, fraud: _Fraud, ordinal: int, h: _Hash) -> dict:
    """Clean items get a per-account time grid: slot width > 10 minutes, so no two slots apart
    share a 10-minute window. Bursts keep their own times. A few accounts buy one thing at
    night from a merchant they have never used. Then sort and number."""
    acct, sec = items["acct"], items["sec"].copy()
    grid = sec < 0
    g_acct = acct[grid]
    order = np.argsort((g_acct << 24) | rng.integers(0, 1 << 24, size=g_acct.size), kind="stable")  # by account, randomly within
    sorted_acct = g_acct[order]
    starts = np.r_[0, np.flatnonzero(sorted_acct[1:] != sorted_acct[:-1]) + 1]
    counts = np.diff(np.r_[starts, sorted_acct.size])
    rank = np.arange(sorted_acct.size) - np.repeat(starts, counts)
    count = np.repeat(counts, counts)
    if count.size and count.max() > MAX_ITEMS:
        raise AssertionError(f"{count.max()} items for one account; the grid holds {MAX_ITEMS}")
    window = a["window"][sorted_acct]
    t = window + ((rank + rng.random(sorted_acct.size)) * (DAY_SECONDS - window) / count).astype(np.int64)
    placed = np.empty(g_acct.size, dtype=np.int64)
    placed[order] = t
    sec[grid] = placed

    merchant = items["merchant"].copy()
    channel = items["channel"].copy()
    # Night purchases at a new merchant: one card purchase of a few day-time accounts moves to 00:00-05:59.
    fraudsters = np.union1d(fraud.high_frequency, fraud.high_spend)
    cand = np.flatnonzero(grid & (items["type"] == CARD_PURCHASE) & (a["window"][acct] == DAY_START) & ~np.isin(acct, fraudsters))
    n_night = max(2, round(NIGHT_SHARE * int((a["open"] <= ordinal).sum())))
    if cand.size:
        first_of = cand[np.unique(acct[cand], return_index=True)[1]]  # one candidate purchase per account
        night = np.sort(rng.choice(first_of, size=min(n_night, first_of.size), replace=False))
        sec[night] = rng.integers(0, DAY_START, size=night.size)
        gid = a["idx"][acct[night]]
        merchant[night] = NIGHT_MERCHANT_BASE + (h.bits("night", gid).astype(np.int64) % NIGHT_MERCHANT_SPAN + ordinal * NIGHT_MERCHANT_STEP) % NIGHT_MERCHANT_SPAN
        channel[night] = np.where(rng.random(night.size) < 0.5, ONLINE, POS)

    order = np.argsort(sec * (1 << 26) + a["idx"][acct], kind="stable")  # by time, then account; stable keeps the rest
    out = {k: v[order] for k, v in items.items()}
    out["sec"], out["merchant"], out["channel"] = sec[order], merchant[order], channel[order]
    out["seq"] = np.arange(1, order.size + 1, dtype=np.int64)
    return out


def _pick_text(items: dict, rng, fraud: _Fraud) -> dict:
    """Transfers whose memo a customer typed: some hostile, some PII-shaped."""
    cand = np.flatnonzero(np.isin(items["type"], (TRANSFER_IN, TRANSFER_OUT)) & (items["desc"] != 21))
    k = max(4, round(TEXT_SHARE * items["seq"].size))
    picked = rng.choice(cand, size=min(2 * k, cand.size), replace=False) if cand.size else np.zeros(0, np.int64)
    half = picked.size // 2
    return {"hostile": np.sort(picked[:half]), "pii": np.sort(picked[half:])}


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def _ids(payload: np.ndarray) -> pl.Series:
    return pl.Series(payload).cast(pl.String)


def transactions_frame(ref: Reference, d: Day) -> pl.DataFrame:
    """The clean transactions as text, in file order, plus `_acct` (account position)."""
    it, a = d.items, d.accounts
    m = ref.merchants
    day_epoch = (d.date.toordinal() - _UNIX_ORD) * DAY_SECONDS
    merchant = it["merchant"]
    pool = np.where((merchant >= 0) & (merchant < NIGHT_MERCHANT_BASE), merchant, 0)
    night = merchant >= NIGHT_MERCHANT_BASE
    night_mcc = np.array(bv.NIGHT_MCCS)[np.where(night, merchant % len(bv.NIGHT_MCCS), 0)]
    mcc = np.where(night, night_mcc, m.mcc[pool])
    customer = a["customer"][it["acct"]]
    raw = pl.DataFrame({
        "_seq": it["seq"], "_acct": it["acct"], "_ts": day_epoch + it["sec"], "_amount": it["amount"], "_cur": a["currency"][it["acct"]],
        "_type": it["type"], "_channel": it["channel"], "_merchant": merchant, "_mcc": mcc, "_night": night, "_pool": pool,
        "_cpty": it["cpty"], "_desc": it["desc"], "_employer": ref.customers.employer[customer],
    })
    tag = d.date.strftime("%Y%m%d")
    desc_suffix = (
        pl.when(pl.col("_desc").is_in(_SUFFIX_MERCHANT))
        .then(
            pl.when(pl.col("_night"))
            .then(pl.concat_str([pl.lit(pl.Series(bv.NIGHT_BRANDS)).gather(pl.col("_merchant") % len(bv.NIGHT_BRANDS)),
                                 pl.lit(" #"), (pl.col("_merchant") % 10_000).cast(pl.String).str.zfill(4)]))
            .otherwise(pl.lit(m.names).gather(pl.col("_pool")))
        )
        .when(pl.col("_desc").is_in(_SUFFIX_TERMINAL)).then(pl.concat_str([pl.lit("T"), ((pl.col("_acct") * 7 + pl.col("_seq")) % 9_000 + 1_000).cast(pl.String)]))
        .when(pl.col("_desc").is_in(_SUFFIX_LAST4)).then((pl.col("_cpty") % 10_000).cast(pl.String).str.zfill(4))
        .when(pl.col("_desc").is_in(_SUFFIX_EMPLOYER)).then(pl.lit(pl.Series(bv.EMPLOYERS)).gather(pl.col("_employer")))
        .otherwise(pl.lit(""))
    )
    has_merchant = pl.col("_merchant") >= 0
    frame = raw.select(
        pl.concat_str([pl.lit("T" + tag), pl.col("_seq").cast(pl.String).str.zfill(9)]).alias("transaction_id"),
        pl.lit(_ids(a["payload"])).gather(pl.col("_acct")).alias("account_id"),
        pl.from_epoch("_ts", time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("timestamp"),
        signed_money_expr(pl.col("_amount")).alias("amount"),
        pl.lit(pl.Series(bv.CURRENCIES)).gather(pl.col("_cur")).alias("currency"),
        pl.lit(pl.Series(bv.TRANSACTION_TYPES)).gather(pl.col("_type")).alias("type"),
        pl.lit(pl.Series(bv.CHANNELS)).gather(pl.col("_channel")).alias("channel"),
        pl.when(has_merchant).then(pl.concat_str([pl.lit("M"), pl.col("_merchant").cast(pl.String).str.zfill(6)])).alias("merchant_id"),
        pl.when(has_merchant).then(pl.col("_mcc").cast(pl.String)).alias("merchant_category"),
        pl.when(pl.col("_cpty") >= 0).then(pl.col("_cpty").cast(pl.String)).alias("counterparty_account"),
        pl.concat_str([pl.lit(pl.Series(_DESCRIPTIONS)).gather(pl.col("_desc")), desc_suffix]).alias("description"),
        "_acct",
    )
    overrides = {}
    for name, texts in (("hostile", bv.HOSTILE_DESCRIPTIONS), ("pii", bv.PII_DESCRIPTIONS)):
        for j, row in enumerate(d.text_items[name].tolist()):
            overrides[row] = texts[j % len(texts)]
    if overrides:
        rows = sorted(overrides)
        frame = frame.with_columns(frame["description"].scatter(rows, pl.Series([overrides[r] for r in rows], dtype=pl.String)))
    return frame


def accounts_frame(d: Day, ref: Reference) -> pl.DataFrame:
    """The day's snapshot as text, plus `_pos` (account position), in account_id order."""
    a = d.accounts
    pos = np.flatnonzero(d.present)
    kind = a["kind"][pos]
    status = a["status"][pos].copy()
    loan = kind == LOAN
    li = a["loan"][pos][loan]
    paid_off = d.loan_day.paid[li] >= ref.loans.term[li]
    status[loan] = np.where(paid_off, CLOSED, np.where(d.loan_day.days_past_due[li] >= 90, FROZEN, OPEN))
    frame = pl.DataFrame({
        "_pos": pos, "_payload": a["payload"][pos], "_customer": a["customer"][pos], "_kind": kind, "_status": status,
        "_open": a["open"][pos] - _UNIX_ORD, "_cur": a["currency"][pos], "_rate": a["rate_bp"][pos], "_limit": a["limit"][pos],
        "_balance": d.balance[pos],
    }).sort("_payload")
    return frame.select(
        pl.col("_payload").cast(pl.String).alias("account_id"),
        pl.lit(pl.Series(ref.customers.ids, dtype=pl.String)).gather(pl.col("_customer")).alias("customer_id"),
        pl.lit(pl.Series(bv.ACCOUNT_TYPES)).gather(pl.col("_kind")).alias("account_type"),
        pl.lit(pl.Series(bv.ACCOUNT_STATUSES)).gather(pl.col("_status")).alias("status"),
        pl.col("_open").cast(pl.Date).dt.strftime("%Y-%m-%d").alias("open_date"),
        pl.lit(pl.Series(bv.CURRENCIES)).gather(pl.col("_cur")).alias("currency"),
        pl.concat_str([(pl.col("_rate") // 10_000).cast(pl.String), pl.lit("."), (pl.col("_rate") % 10_000).cast(pl.String).str.zfill(4)]).alias("interest_rate"),
        money_expr(pl.col("_limit")).alias("credit_limit"),
        signed_money_expr(pl.col("_balance")).alias("balance"),
        "_pos",
    )


def _loan_status(ref: Reference, d: _LoanDay) -> np.ndarray:
    paid_off = d.paid >= ref.loans.term
    return np.select([paid_off, d.days_past_due >= 90, d.days_past_due >= 1], [3, 2, 1], 0)


def loans_frame(ref: Reference, d: Day) -> pl.DataFrame:
    L = ref.loans
    live = L.orig <= d.date.toordinal()
    ids = np.arange(L.n)[live]
    ld = d.loan_day
    maturity = _month_day_ordinal(_month_day(L.orig)[0] + L.term, L.dom)
    payload = _prefixed(BANK_PREFIX, _affine(_Hash(ref.seed), np.arange(L.n, dtype=np.int64)))
    frame = pl.DataFrame({
        "_loan": ids, "_customer": L.customer[ids], "_account": payload[ids], "_product": L.product[ids], "_principal": L.principal[ids],
        "_outstanding": -ld.balance[ids], "_rate": L.rate_bp[ids], "_orig": L.orig[ids] - _UNIX_ORD, "_maturity": maturity[ids] - _UNIX_ORD,
        "_collateral": L.collateral[ids], "_status": _loan_status(ref, ld)[ids], "_dpd": ld.days_past_due[ids],
    })
    return frame.select(
        pl.concat_str([pl.lit("LN"), pl.col("_loan").cast(pl.String).str.zfill(8)]).alias("loan_id"),
        pl.lit(pl.Series(ref.customers.ids, dtype=pl.String)).gather(pl.col("_customer")).alias("customer_id"),
        pl.col("_account").cast(pl.String).alias("account_id"),
        pl.lit(pl.Series(bv.LOAN_PRODUCTS)).gather(pl.col("_product")).alias("product"),
        money_expr(pl.col("_principal")).alias("principal"),
        money_expr(pl.col("_outstanding")).alias("outstanding_balance"),
        pl.concat_str([pl.lit("0."), pl.col("_rate").cast(pl.String).str.zfill(4)]).alias("interest_rate"),
        pl.col("_orig").cast(pl.Date).dt.strftime("%Y-%m-%d").alias("origination_date"),
        pl.col("_maturity").cast(pl.Date).dt.strftime("%Y-%m-%d").alias("maturity_date"),
        money_expr(pl.col("_collateral")).alias("collateral_value"),
        pl.lit(pl.Series(bv.LOAN_STATUSES)).gather(pl.col("_status")).alias("status"),
        pl.col("_dpd").cast(pl.String).alias("days_past_due"),
    )


def loan_payments_frame(ref: Reference, d: Day) -> pl.DataFrame:
    """The servicing system's log for the day: every instalment paid today (paid_date = today,
    due_date on or before it) and every instalment that fell due today unpaid (amount_paid 0)."""
    L, now, prev = ref.loans, d.loan_day, d.loan_prev
    ordinal = d.date.toordinal()
    month0 = _month_day(L.orig)[0]
    paid = np.flatnonzero(now.paid > prev.paid)
    due_today = np.flatnonzero(now.dues > prev.dues)
    missed = due_today[~np.isin(due_today, paid) | (L.lag[due_today] > 0)]
    missed = missed[now.paid[missed] < now.dues[missed]]
    loan = np.concatenate([paid, missed])
    j = np.concatenate([now.paid[paid], now.dues[missed]])
    frame = pl.DataFrame({
        "_loan": loan, "_j": j, "_kind": np.r_[np.ones(paid.size, np.int64), np.zeros(missed.size, np.int64)],
        "_due": _month_day_ordinal(month0[loan] + j, L.dom[loan]) - _UNIX_ORD,
        "_paid_date": np.full(loan.size, ordinal - _UNIX_ORD),
        "_amount": np.where(j >= L.term[loan], _final_payment(L)[loan], L.pmt[loan]),
    }).sort("_loan", "_j", "_kind")
    return frame.select(
        pl.concat_str([pl.lit("PM"), pl.col("_loan").cast(pl.String).str.zfill(8), pl.col("_j").cast(pl.String).str.zfill(3), pl.col("_kind").cast(pl.String)]).alias("payment_id"),
        pl.concat_str([pl.lit("LN"), pl.col("_loan").cast(pl.String).str.zfill(8)]).alias("loan_id"),
        pl.col("_due").cast(pl.Date).dt.strftime("%Y-%m-%d").alias("due_date"),
        pl.col("_paid_date").cast(pl.Date).dt.strftime("%Y-%m-%d").alias("paid_date"),
        money_expr(pl.col("_amount")).alias("amount_due"),
        money_expr(pl.col("_amount") * pl.col("_kind")).alias("amount_paid"),
    )


def bureau_scores_jsonl(ref: Reference, month_start: dt.date) -> bytes:
    """The bureaus' monthly pull: every customer from one to three bureaus. Late payers and
    defaulters score lower and show delinquencies."""
    h = _Hash(ref.seed)
    c, L = ref.customers, ref.loans
    n = c.ids.size
    worst = np.zeros(n, dtype=np.int64)  # 0 clean, 1 late < 30, 2 late 30-89, 3 defaulted
    cls = np.select([L.default_from < 10**6, L.lag >= 30, L.lag > 0], [3, 2, 1], 0)
    np.maximum.at(worst, L.customer, cls)
    month = month_start.year * 12 + month_start.month
    idx = np.arange(n)
    n_bureaus = np.where(h.unit("bureaus", idx) < 0.65, 3, 1 + h.below("bureaus.n", 2, idx))
    cust = np.repeat(idx, n_bureaus)
    rank = np.arange(cust.size) - np.repeat(np.cumsum(n_bureaus) - n_bureaus, n_bureaus)
    bureau = (h.below("bureau.first", 3, cust) + rank) % 3
    penalty = np.array([0, 45, 110, 190])[worst[cust]]
    score = np.clip(np.rint(c.score[cust] - penalty + 9 * h.normal("score", cust, bureau, month) + np.array([0, -6, 5])[bureau]), 300, 850).astype(np.int64)
    delinquencies = np.select([worst[cust] == 3, worst[cust] == 2, worst[cust] == 1], [6 + h.below("dq3", 7, cust), 3 + h.below("dq2", 5, cust), 1 + h.below("dq1", 3, cust)],
                              (h.unit("dq0", cust) < 0.05).astype(np.int64))
    utilization = np.clip((850 - score) / 650 + 0.15 * h.normal("util", cust, month), 0, 1).round(4)
    inquiries = np.minimum(h.below("inq", 4, cust, month) + (h.unit("inq+", cust, month) < 0.1) * 3, 9)
    frame = pl.DataFrame({
        "customer_id": pl.Series(c.ids[cust], dtype=pl.String),
        "bureau": pl.Series(np.array(bv.BUREAUS, dtype=object)[bureau], dtype=pl.String),
        "score": score,
        "report_date": pl.Series([month_start.isoformat()] * cust.size, dtype=pl.String),
        "delinquencies_24m": delinquencies.astype(np.int64),
        "credit_utilization": utilization,
        "inquiries_6m": inquiries.astype(np.int64),
    })
    buffer = frame.write_ndjson()
    return buffer.encode("utf-8") if isinstance(buffer, str) else buffer


def _month_value(table: dict, year: int, month: int) -> float:
    years = sorted(table)
    y = min(max(year, years[0]), years[-1])
    if year < years[0]:
        return table[y][0]
    if year > years[-1]:
        return table[y][-1]
    return table[y][month - 1]


def indicators_json(day: dt.date) -> bytes:
    """The latest observation of each series as of `day`. A month's value is published in the
    following month, so on any day of October the latest monthly observation is September's;
    a quarter's GDP is out one month after the quarter ends."""
    now = day.year * 12 + day.month - 1  # months since year 0
    y, mth = divmod(now - 1, 12)  # the previous month
    obs = dt.date(y, mth + 1, 1).isoformat()
    cpi_months = now - 1 - (bv.CPI_BASE[0] * 12 + bv.CPI_BASE[1] - 1)
    cpi = round(bv.CPI_BASE[2] * (1 + bv.CPI_MONTHLY_GROWTH) ** cpi_months + 0.35 * math.sin(cpi_months / 2.0), 3)
    q_start = (now - 4) // 3 * 3  # the latest quarter that ended at least a month ago
    gy, gm = divmod(q_start, 12)
    quarters = (q_start - (bv.GDP_BASE[0] * 12 + bv.GDP_BASE[1] - 1)) // 3
    gdp = round(bv.GDP_BASE[2] * (1 + bv.GDP_QUARTERLY_GROWTH) ** quarters, 1)
    records = [
        {"date": obs, "series_id": "FEDFUNDS", "value": _month_value(bv.FEDFUNDS, y, mth + 1)},
        {"date": obs, "series_id": "UNRATE", "value": _month_value(bv.UNRATE, y, mth + 1)},
        {"date": obs, "series_id": "CPIAUCSL", "value": cpi},
        {"date": dt.date(gy, gm + 1, 1).isoformat(), "series_id": "GDP", "value": gdp},
    ]
    return (json.dumps(records, indent=2) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------
# One day of landing files
# --------------------------------------------------------------------------------------


def build_day(date: dt.date, scale: BankingScale, seed: int = 42) -> tuple[Reference, Day]:
    """The day's state (for tests and tools that want more than the files)."""
    if date < EPOCH + dt.timedelta(days=1):
        raise ValueError(f"banking days start on {EPOCH + dt.timedelta(days=1)} (the state starts {EPOCH}); got {date}")
    ref = reference_data(seed, scale)
    return ref, _build_day(ref, date)


def generate_banking_day_with_manifest(
    date: dt.date, scale: BankingScale, seed: int = 42, defects: BankingDefects | None = None
) -> tuple[dict[str, bytes], dict]:
    """Landing files for `date` keyed by lake key, and a manifest of what is in them.

    Manifest (plain JSON data):
      date, seed, scale,
      accounts (rows delivered), clean_transactions,
      opened_accounts [account_id],
      fraud {high_frequency_accounts, high_spend_accounts}: the only accounts whose transactions
          trip the burst rules (> 20 in 10 minutes; > 10,000 debited in 10 minutes),
      text {hostile_transactions, pii_transactions}: ids of transactions with such descriptions,
      and, from `simulator.banking_defects`: row_defect_rate, row_defects {name: n},
      expected_reject_reasons, defect_lines [{key, line, defect, variant, transaction_id, account_id}],
      bad_files [{case, key, outcome, (lines)}], transactions_data_lines {key: n},
      ledger_breaks [{account_id, expected_closing, reported_closing, difference}],
      accounts_rejected {reason: n}, account_defects [{account_id, defect, variant, line}],
      expected_transactions_silver {bronze_rows, silver_rows, quarantined_rows, dropped_duplicates,
          conflicting_duplicates, reject_reasons} or None when a bad file fails the partition.
    """
    defects = defects or BankingDefects()
    ref, d = build_day(date, scale, seed)
    files: dict[str, bytes] = {}
    key = lambda source, name, day=date: landing_key(source, day, name, DOMAIN)  # noqa: E731

    accounts = accounts_frame(d, ref)
    transactions = transactions_frame(ref, d)
    accounts_bytes, accounts_manifest, extra = render_accounts_file(accounts, transactions, d, ref, defects, key("accounts", "accounts.csv"))
    files[key("accounts", "accounts.csv")] = accounts_bytes
    files[key("customers", "customers.csv")] = ref.customers.csv
    files[key("loans", "loans.csv")] = csv_bytes(loans_frame(ref, d))
    files[key("loan_payments", "loan_payments.csv")] = csv_bytes(loan_payments_frame(ref, d))
    if date.day == 1:
        files[key("bureau_scores", "bureau_scores.jsonl")] = bureau_scores_jsonl(ref, date)
    files[key("economic_indicators", "indicators.json")] = indicators_json(date)

    parts, txn_manifest = render_transaction_parts(transactions, extra, d, ref, defects, lambda name: key("transactions", name))
    files.update(parts)

    seq = d.items["seq"]
    tid = lambda rows: [f"T{date.strftime('%Y%m%d')}{int(seq[r]):09d}" for r in rows]  # noqa: E731
    payload = d.accounts["payload"]
    manifest = {
        "date": date.isoformat(),
        "seed": seed,
        "scale": scale.name,
        "accounts": accounts.height + accounts_manifest["extra_rows"],
        "clean_transactions": int(seq.size),
        "opened_accounts": sorted(str(x) for x in payload[d.opened].tolist()),
        "fraud": {
            "high_frequency_accounts": sorted(str(x) for x in payload[d.fraud.high_frequency].tolist()),
            "high_spend_accounts": sorted(str(x) for x in payload[d.fraud.high_spend].tolist()),
        },
        "text": {"hostile_transactions": tid(d.text_items["hostile"]), "pii_transactions": tid(d.text_items["pii"])},
        **txn_manifest,
        "ledger_breaks": accounts_manifest["ledger_breaks"],
        "accounts_rejected": accounts_manifest["accounts_rejected"],
        "account_defects": accounts_manifest["account_defects"],
    }
    return files, manifest


def generate_banking_day(date: dt.date, scale: BankingScale, seed: int = 42, defects: BankingDefects | None = None) -> dict[str, bytes]:
    """Landing files for `date`, keyed by lake key exactly as DOMAIN.md §5."""
    return generate_banking_day_with_manifest(date, scale, seed, defects)[0]

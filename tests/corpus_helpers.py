"""Support for the bad-input corpus (tests/test_bad_input_corpus.py).

A module-scoped *template* lake holds each domain's reference data for one day, already
landed, sensed and materialized through the real graph (retail stores, products and customers;
the bank's accounts, customers, loans, payments, bureau scores and indicators), plus each
landing sensor's cursor after it. A case copies that lake, delivers its files, ticks the real
sensor with the template's cursor (so only the case's own arrivals are requested) and runs each
run request's asset selection for its partition, exactly as the run queue would.

The case files are built here from small clean bases (a few dozen rows) that use the simulator's
reference ids, so every base row passes and a case's defect is the only thing wrong.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import polars as pl

from assets.banking import schemas as banking_schemas
from assets.banking.graph import BANKING_ASSETS
from assets.banking.sources import ACCOUNTS
from assets.common.datasets import Dataset
from assets.common.identifiers import upc_check_digit
from assets.common.landing import Source
from assets.retail import schemas as retail_schemas
from assets.retail.graph import RETAIL_ASSETS
from sensors.banking import banking_landing_sensor
from sensors.retail import retail_landing_sensor
from simulator import deliver
from simulator.banking import BANKING_SCALES, generate_banking_day
from simulator.retail import SCALES, generate_retail_day, reference_data
from tests.conftest import embedded_resources

D0 = date(2024, 10, 1)  # the template's reference day; POS and transaction cases land on it
D1 = date(2024, 10, 2)  # a later day, for cases that deliver a new reference snapshot
NEXT_MONTH = "2024-11-01"  # a bureau-score month the template has not seen
SEED = 3
BASE_ROWS = 40  # one bad row in 41 is 2.4%, well inside the 5% error budget

DOMAINS = {
    "retail": (RETAIL_ASSETS, retail_landing_sensor),
    "banking": (BANKING_ASSETS, banking_landing_sensor),
}
SILVER: dict[tuple[str, str], Dataset] = {
    ("retail", "pos"): retail_schemas.SILVER_POS_LINES,
    ("retail", "products"): retail_schemas.SILVER_PRODUCTS,
    ("retail", "customers"): retail_schemas.SILVER_CUSTOMERS,
    ("retail", "stores"): retail_schemas.SILVER_STORES,
    ("banking", "transactions"): banking_schemas.SILVER_TRANSACTIONS,
    ("banking", "accounts"): banking_schemas.SILVER_ACCOUNTS,
    ("banking", "customers"): banking_schemas.SILVER_CUSTOMERS,
    ("banking", "loans"): banking_schemas.SILVER_LOANS,
    ("banking", "loan_payments"): banking_schemas.SILVER_LOAN_PAYMENTS,
    ("banking", "bureau_scores"): banking_schemas.SILVER_BUREAU_SCORES,
    ("banking", "economic_indicators"): banking_schemas.SILVER_ECONOMIC_INDICATORS,
}


def landing(domain: str, source: str, name: str, day: date | str = D0) -> str:
    day = day.isoformat() if isinstance(day, date) else day
    return f"landing/{domain}/{source}/dt={day}/{name}"


# ------------------------------------------------------------------ the template


@dataclass
class Template:
    root: Path
    cursors: dict[str, str]
    store_ids: tuple[str, ...]
    product_ids: list[str]
    cards: list[str]
    account_ids: list[str]
    banking_customer_ids: list[str]
    loan_ids: list[str]
    reference_files: dict[str, bytes]  # the simulator's landing files the template was built from
    instance: dg.DagsterInstance  # shared by the cases: their runs end before the next case ticks, so none is ever in flight


def _tick(
    domain: str, resources: dict, instance: dg.DagsterInstance, cursor: str | None, at: datetime | None = None
) -> tuple[list[dg.RunRequest], str | None]:
    """One tick of the domain's landing sensor; `at` sets its clock (which partitions exist yet)."""
    assets, sensor = DOMAINS[domain]
    defs = dg.Definitions(assets=assets, sensors=[sensor], resources=resources)
    with dg.partition_loading_context(effective_dt=at), dg.build_sensor_context(cursor=cursor, resources=resources, instance=instance, definitions=defs) as context:
        result = sensor.evaluate_tick(context)
    return list(result.run_requests or []), result.cursor or cursor


LAYERS = ("bronze", "silver")  # what the corpus is about; the warehouse is the end-to-end tests' business
WITH_GOLD = (*LAYERS, "gold")  # for the missing-input cases, which are about what gold does


def under_test(request: dg.RunRequest, layers: tuple[str, ...] = LAYERS) -> list[dg.AssetKey]:
    """The request's assets of those layers, in the request's own selection."""
    return [k for k in request.asset_selection if re.match(rf"^(retail|banking)_({'|'.join(layers)})_", k.to_user_string())]


def _execute(
    domain: str, request: dg.RunRequest, resources: dict, instance: dg.DagsterInstance, layers: tuple[str, ...] = LAYERS
) -> dg.ExecuteInProcessResult:
    """The run the queue would launch for this request, for its partition and with its tags, over the
    `layers` part of its asset selection (the same steps, checks and lake writes)."""
    return dg.materialize(
        DOMAINS[domain][0], selection=under_test(request, layers), partition_key=request.partition_key, resources=resources,
        instance=instance, tags=request.tags, raise_on_error=False,
    )


def build_template(root: Path) -> Template:
    resources = embedded_resources(root)
    lake = resources["lake"]
    retail = {k: v for k, v in generate_retail_day(D0, SCALES["test"], seed=SEED).items() if "/pos/" not in k}
    banking = {k: v for k, v in generate_banking_day(D0, BANKING_SCALES["test"], seed=SEED).items() if "/transactions/" not in k}
    deliver(lake, retail | banking)
    instance = dg.DagsterInstance.ephemeral()
    cursors = {}
    for domain in DOMAINS:
        requests, cursors[domain] = _tick(domain, resources, instance, None)
        assert requests, f"the {domain} sensor requested nothing for the template's reference data"
        for request in requests:
            result = _execute(domain, request, resources, instance)
            assert result.success, f"template run {request.tags['source']} {request.partition_key} failed"
            for event in result.get_asset_materialization_events():
                meta = event.materialization.metadata
                if "rows_quarantined" in meta:  # the bases must be clean for a case's defect to be the only one
                    assert meta["rows_quarantined"].value == 0, f"{event.asset_key.to_user_string()} quarantined template rows"
    ref = reference_data(SEED, SCALES["test"])
    accounts = lake.read_parquet(ACCOUNTS.bronze_key(D0.isoformat()))
    usable = accounts.filter(pl.col("status") == "open")
    return Template(
        root=root,
        cursors=cursors,
        store_ids=ref.stores.ids,
        product_ids=ref.products.ids.to_list(),
        cards=[f"{int(c):010d}" for c in ref.customers.cards[:BASE_ROWS]],
        account_ids=usable.get_column("account_id").to_list(),
        banking_customer_ids=lake.read_parquet(banking_schemas.SILVER_CUSTOMERS.lake_key(D0.isoformat())).get_column("customer_id").to_list(),
        loan_ids=lake.read_parquet(banking_schemas.SILVER_LOANS.lake_key(D0.isoformat())).get_column("loan_id").to_list(),
        reference_files=retail | banking,
        instance=instance,
    )


# ------------------------------------------------------------------ one case's platform


@dataclass
class CaseEnv:
    """A copy of the template lake with its own warehouse file and sensor cursors."""

    template: Template
    root: Path
    cursors: dict[str, str] = field(init=False)
    resources: dict = field(init=False)
    instance: dg.DagsterInstance = field(init=False)

    def __post_init__(self):
        shutil.copytree(self.template.root / "lake", self.root / "lake")
        self.cursors = dict(self.template.cursors)
        self.resources = embedded_resources(self.root)
        self.instance = self.template.instance

    @property
    def lake(self):
        return self.resources["lake"]

    def deliver(self, files: dict[str, bytes]) -> None:
        for key, data in files.items():
            self.lake.write(key, data)

    def tick(self, domain: str, at: datetime | None = None) -> list[dg.RunRequest]:
        requests, self.cursors[domain] = _tick(domain, self.resources, self.instance, self.cursors[domain], at)
        return requests

    def run(self, domain: str, request: dg.RunRequest, layers: tuple[str, ...] = LAYERS) -> dg.ExecuteInProcessResult:
        return _execute(domain, request, self.resources, self.instance, layers)


def materialization_metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict | None:
    events = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset]
    if not events:
        return None
    return {k: v.value for k, v in events[-1].materialization.metadata.items()}


def check_outcomes(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key.to_user_string() == asset}


def failure_messages(result: dg.ExecuteInProcessResult) -> list[str]:
    messages = []
    for event in result.get_step_failure_events():
        error = event.event_specific_data.error
        while error is not None:
            messages.append(error.message)
            error = error.cause
    return messages


# ------------------------------------------------------------------ file builders


def csv_bytes(columns, rows: list[dict] | list[str], terminator: str = "\n") -> bytes:
    """Header and rows; a row given as text is written as it stands (a defect)."""
    lines = [",".join(columns)]
    lines += [r if isinstance(r, str) else ",".join("" if r[c] is None else r[c] for c in columns) for r in rows]
    return (terminator.join(lines) + terminator).encode("utf-8")


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def pos_row(t: Template, n: int, store: str = "001", day: date = D0, **overrides) -> dict:
    """A clean POS line: a known store and catalog product, inside the day, a loyalty card on every other line."""
    minute = 8 * 60 + (7 * n) % (14 * 60)  # inside opening hours, whatever n
    row = {
        "receipt_id": f"{store}-01-{day:%Y%m%d}-{n:05d}",
        "line_no": "1",
        "store_id": store,
        "register_id": "POS01",
        "product_barcode": t.product_ids[n % len(t.product_ids)],
        "quantity": str(1 + n % 3),
        "price": f"{1 + n % 7}.{n % 100:02d}",
        "timestamp": f"{day}T{minute // 60:02d}:{minute % 60:02d}:{n % 60:02d}Z",
        "cashier_id": f"emp{n % 10:03d}",
        "loyalty_card": t.cards[n % len(t.cards)] if n % 2 == 0 else None,
    }
    return row | overrides


def pos_rows(t: Template, count: int = BASE_ROWS, start: int = 1, store: str = "001", day: date = D0) -> list[dict]:
    return [pos_row(t, n, store, day) for n in range(start, start + count)]


def unknown_upc(t: Template) -> str:
    known = set(t.product_ids)
    for n in range(10**10, 10**10 + 1000):
        code = f"{n:011d}"
        code += str(upc_check_digit(code))
        if code not in known:
            return code
    raise AssertionError("no free barcode")


def luhn_unknown_account(t: Template) -> str:
    from assets.common.identifiers import luhn_check_digit

    known = set(t.account_ids)
    for n in range(10**10, 10**10 + 1000):
        payload = f"{n:011d}"
        code = payload + str(luhn_check_digit(payload))
        if code not in known:
            return code
    raise AssertionError("no free account id")


def txn_row(t: Template, n: int, **overrides) -> dict:
    row = {
        "transaction_id": f"T{D0:%Y%m%d}{n:09d}",
        "account_id": t.account_ids[n % len(t.account_ids)],
        "timestamp": f"{D0}T{9 + n % 12:02d}:{n % 60:02d}:{(7 * n) % 60:02d}Z",
        "amount": f"-{5 + n % 40}.{n % 100:02d}",
        "currency": "USD",
        "type": "card_purchase",
        "channel": "pos",
        "merchant_id": f"M{n % 50:06d}",
        "merchant_category": "5411",
        "counterparty_account": None,
        "description": f"GROCER #{n:04d} AUSTIN TX",
    }
    return row | overrides


def txn_rows(t: Template, count: int = BASE_ROWS, start: int = 1) -> list[dict]:
    return [txn_row(t, n) for n in range(start, start + count)]


def payment_rows(t: Template, count: int = BASE_ROWS) -> list[dict]:
    return [
        {
            "payment_id": f"PM{n:012d}", "loan_id": t.loan_ids[n % len(t.loan_ids)], "due_date": "2024-10-01",
            "paid_date": "2024-10-02", "amount_due": f"{100 + n}.00", "amount_paid": f"{100 + n}.00",
        }
        for n in range(1, count + 1)
    ]


def bureau_records(t: Template, count: int = BASE_ROWS) -> list[dict]:
    return [
        {
            "customer_id": t.banking_customer_ids[n], "bureau": "experian", "score": 600 + n, "report_date": NEXT_MONTH,
            "delinquencies_24m": n % 3, "credit_utilization": round(0.01 * n, 2), "inquiries_6m": n % 4,
        }
        for n in range(count)
    ]


def indicator_records(count: int = BASE_ROWS) -> list[dict]:
    series = ("FEDFUNDS", "UNRATE", "CPIAUCSL", "GDP")
    return [
        {"date": f"{2021 + n // 4 // 12}-{n // 4 % 12 + 1:02d}-01", "series_id": series[n % 4], "value": round(1.5 + n / 10, 2)}
        for n in range(count)
    ]


def jsonl(records: list[dict | str]) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records).encode("utf-8")


def json_array(records: list[dict]) -> bytes:
    return json.dumps(records, indent=2).encode("utf-8")


def products_lines(t: Template) -> list[dict]:
    """The template's catalog, one record per line, for a later day's re-export."""
    key = landing("retail", "products", "products.jsonl")
    return [json.loads(line) for line in t.reference_files[key].decode().splitlines() if line.strip()]


def reference_csv(t: Template, source: Source, name: str) -> tuple[list[str], list[str]]:
    """(header, data lines) of one of the template's delivered reference CSVs."""
    text = t.reference_files[landing(source.domain, source.name, name)].decode()
    header, *lines = text.rstrip("\n").split("\n")
    return header.split(","), lines


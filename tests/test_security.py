"""Security, end to end: no clear PII leaves bronze, tokens are keyed, secrets stay out of logs
and the UI, and the warehouse treats identifiers as code and values as data.

The PII scan runs one simulated day of both domains (test scale, with row defects, plus a few
bad CRM and KYC rows full of clear PII so that quarantine has customers in it) through the
daily jobs of the code location, loaded by path as `workspace.yaml` loads it, on a real Dagster
instance (so stdout and stderr are captured). It then searches every place an analyst or an
operator can read for every clear value the sources delivered: silver, gold and quarantine
Parquet, every warehouse table (retail's dbt marts included, dim_customer among them; banking's
marts only aggregate scanned gold tables and are skipped for time), the run logs with their
metadata, the captured compute logs and the alert log.

DOMAIN.md §1: names, e-mail, phone, SSN, street, date of birth and card or loyalty numbers
"never leave bronze in the clear"; bronze is the one access-restricted raw zone. Quarantine
is a zone of its own that analysts read (README: "Quarantine rows keep every source column as
delivered (PII masked)"), so it is held to the silver standard.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import hmac
import http.server
import io
import json
import os
import re
import runpy
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from resources.lake import LocalLake
from resources.warehouse import Column, EmbeddedWarehouse, PartitionLoad, TableDef, create_table_sql
from simulator import deliver
from simulator.banking import BANKING_SCALES, BankingDefects, generate_banking_day_with_manifest
from simulator.defects import DefectConfig
from simulator.retail import SCALES, generate_retail_day_with_manifest

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2024, 10, 1)

# --------------------------------------------------------------------------------------------
# The clear PII the sources delivered, and where to look for it
# --------------------------------------------------------------------------------------------

PII_COLUMNS = {
    "retail/customers": ("loyalty_card", "first_name", "last_name", "email", "phone"),
    "retail/pos": ("loyalty_card",),
    "banking/customers": ("first_name", "last_name", "ssn", "date_of_birth", "email", "phone", "street"),
}
NAME_COLUMNS = ("first_name", "last_name")
# Free text a customer typed (transaction memos) carries PII of these shapes (DOMAIN.md §5: scrubbed in silver).
FREE_TEXT_PII = (r"[^\s@,]+@[^\s@,]+\.[A-Za-z]{2,}", r"\b\d{3}(?:-\d{2}-| \d{2} |\.\d{2}\.)\d{4}\b", r"\b(?:\d[ -]?){12,18}\d\b", r"\(?\b\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}\b")
DIGIT_RUN = re.compile(r"(?<!\d)\d{9,19}(?!\d)")
WORD = re.compile(r"\w+(?:['’-]\w+)*")

# Extra rows the CRM (retail) and KYC (banking) systems deliver on the day: each breaks a rule,
# so quarantine holds customers, and each carries clear PII found nowhere else.
BAD_RETAIL_CUSTOMERS = (
    "C9900001,4999000001,Zebulon,Quickfeather,zebulon.quickfeather@example.net,617-555-0101,2024-13-45,Boston,MA,02101",
    "C9900002,4999000002,Ximena,Brightwater,ximena.brightwater.example.net,(212) 555-0102,2020-02-02,Austin,TX,73301",
    "C9900003,4999000003,Yusuf,Starling,yusuf.starling@example.net,312-555-0103,2020-01-01,Boston,MA,02101,EXTRA",
    ",4999000004,Wilhelmina,Crowther,wilhelmina.crowther@example.net,415-555-0104,2019-05-05,Austin,TX,73301",
    'C9900005,4999000005,"Ottoline ""Otty""",Marchbanks,ottoline.m@example.net,503-555-0105,2018-08-08,"Portland, OR",OR,97201,"',
)
BAD_BANKING_CUSTOMERS = (
    "CU99000001,Percival,Gwendolyn,900-12-3401,1961-02-30,percival.g@example.net,617-555-0201,77 Quarantine Row,Boston,MA,02101,50000.00,employed,verified",
    "CU99000002,Thaddeus,Ormsby,900-12-340,1972-03-04,thaddeus.ormsby@example.net,617-555-0202,78 Quarantine Row,Boston,MA,02101,61000.00,employed,verified",
    "CU99000003,Philippa,Vandersloot,900-12-3403,1983-04-05,philippa.vandersloot.example.net,617-555-0203,79 Quarantine Row,Boston,MA,02101,72000.00,employed,verified",
    "CU99000004,Barnaby,Featherstonehaugh,900-12-3404,1994-05-06,barnaby.f@example.net,617-555-0204,80 Quarantine Row,Boston,MA,02101,-5.00,employed,verified",
    "CU99000005,Clementine,Ashdown,900-12-3405,2035-06-07,clementine.a@example.net,617-555-0205,81 Quarantine Row,Boston,MA,02101,1.00,employed,verified",
    "CU99000006,Evander,Holloway,900-12-3406,1966-07-08,evander.h@example.net,617-555-0206,82 Quarantine Row,Boston,MA,02101,1.00,employed,verified,EXTRA",
)


def with_bad_customer_rows(files: dict[str, bytes]) -> dict[str, bytes]:
    files = dict(files)
    for key in files:
        rows = BAD_RETAIL_CUSTOMERS if key.startswith("landing/retail/customers/") else BAD_BANKING_CUSTOMERS if key.startswith(
            "landing/banking/customers/") else ()
        if rows:
            files[key] = files[key] + "\n".join(rows).encode() + b"\n"
    return files


def landing_records(lake_root: Path) -> Iterator[tuple[str, dict]]:
    """(domain/source, record) for every record of every landing file; a record with extra
    fields keeps them under None, as csv.DictReader does."""
    for path in sorted((lake_root / "landing").rglob("*")):
        if not path.is_file():
            continue
        domain, source = path.relative_to(lake_root / "landing").parts[:2]
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError):
                continue
        text = data.decode("utf-8", "replace").lstrip("\ufeff")
        if ".csv" in path.name:
            records: Iterable[dict] = csv.DictReader(io.StringIO(text))
        elif path.name.endswith(".jsonl"):
            records = [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]
        else:
            loaded = json.loads(text) if text.strip() else []
            records = loaded if isinstance(loaded, list) else [loaded]
        for record in records:
            yield f"{domain}/{source}", record


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


@dataclass
class ClearPii:
    """Every clear PII value delivered, in the forms a leak could take."""

    exact: set[str] = field(default_factory=set)  # searched as substrings of every text
    digits: set[str] = field(default_factory=set)  # digit-only forms (SSN, phone, cards): whole digit runs
    names: set[str] = field(default_factory=set)  # single names: whole cells of published tables
    full_names: set[tuple[str, str]] = field(default_factory=set)  # first and last name side by side: anywhere

    @classmethod
    def from_landing(cls, lake_root: Path) -> ClearPii:
        pii, legit = cls(), set()
        for source, record in landing_records(lake_root):
            private = PII_COLUMNS.get(source, ())
            record.pop(None, None)  # the extra fields of a malformed line: the injected ones hold no new PII
            for column, value in record.items():
                text = str(value).strip() if value is not None else ""
                if not text:
                    continue
                if column not in private:
                    legit.add(text)
                    if column == "description":
                        pii.exact.update(m.strip() for pattern in FREE_TEXT_PII for m in re.findall(pattern, text))
                elif column in NAME_COLUMNS:
                    pii.names.add(text)
                else:
                    pii.exact.add(text)
            if private and {"first_name", "last_name"} <= record.keys() and record["first_name"] and record["last_name"]:
                pii.full_names.add((record["first_name"].strip(), record["last_name"].strip()))
        # A value the sources also deliver in a field that is not personal (a birth date that is
        # also some account's open_date, a surname that is also a city) proves nothing when found.
        pii.exact -= legit
        pii.names -= legit
        pii.digits = {d for v in pii.exact if len(d := _digits(v)) >= 9}
        return pii

    def leaks_in_text(self, text: str) -> set[str]:
        found = {v for v in self.exact if v in text}
        found |= set(DIGIT_RUN.findall(text)) & self.digits
        # A first name followed by its last name, a few separators apart ("Jane Doe", "Jane,Doe",
        # "Jane | Doe" in a markdown sample), one pass over the words rather than a regex per pair.
        words = list(WORD.finditer(text))
        found |= {
            f"{a.group(0)} {b.group(0)}" for a, b in zip(words, words[1:], strict=False)
            if b.start() - a.end() <= 6 and (a.group(0), b.group(0)) in self.full_names
        }
        return found

    def leaks_in_frame(self, frame: pl.DataFrame) -> dict[str, set[str]]:
        leaks = {}
        for column, values in _texts(frame).items():
            found = self.leaks_in_text("\n".join(values)) | (set(values) & self.names)
            if found:
                leaks[column] = found
        return leaks


def _texts(frame: pl.DataFrame) -> dict[str, list[str]]:
    """Every column that can hold text as its distinct non-null strings: strings, lists of
    strings, dates (a birth date) and integers (a card number cast to a number)."""
    out = {}
    for column, dtype in frame.schema.items():
        series = frame.get_column(column)
        if isinstance(dtype, pl.List):
            series = series.list.eval(pl.element().cast(pl.String)).list.join("\n")
        elif dtype == pl.String or dtype.is_temporal() or dtype.is_integer():
            series = series.cast(pl.String)
        else:
            continue
        values = series.drop_nulls().unique().to_list()
        if values:
            out[column] = values
    return out


def published_frames(root: Path, warehouse) -> Iterator[tuple[str, pl.DataFrame]]:
    lake = root / "lake"
    for zone in ("silver", "gold", "quarantine"):
        for path in sorted(lake.glob(f"{zone}/**/*.parquet")):
            yield str(path.relative_to(lake)), pl.read_parquet(path)
    for schema, table in warehouse.query("select table_schema, table_name from information_schema.tables").rows():
        yield f"warehouse {schema}.{table}", warehouse.query(f'select * from "{schema}"."{table}"')


def event_log_text(instance: dg.DagsterInstance) -> dict[str, str]:
    """Per run: every event (messages, materialization and check metadata, errors), the run's
    config and tags, as the UI reads them from storage, with non-ASCII text unescaped."""
    from dagster._serdes import serialize_value

    texts = {}
    for run in instance.get_runs():
        events = [json.dumps(json.loads(serialize_value(entry)), ensure_ascii=False) for entry in instance.all_logs(run.run_id)]
        texts[f"run {run.job_name} {run.run_id}"] = "\n".join([json.dumps(run.run_config), json.dumps(run.tags), *events])
    return texts


def captured_logs_text(dagster_home: Path) -> dict[str, str]:
    """The stdout and stderr a run captured (dbt's output among them)."""
    return {str(p.relative_to(dagster_home)): p.read_text(errors="replace") for p in sorted(dagster_home.glob("storage/**/*")) if p.is_file()}


def alert_log_text(lake_root: Path) -> dict[str, str]:
    return {str(p.relative_to(lake_root)): p.read_text(errors="replace") for p in sorted((lake_root / "alerts").rglob("*")) if p.is_file()}


def format_leaks(leaks: dict[str, object]) -> str:
    return "\n".join(f"  {where}: {sorted(found)[:4] if isinstance(found, set) else found}" for where, found in sorted(leaks.items())[:20])


# --------------------------------------------------------------------------------------------
# A day of both domains through the code location, as workspace.yaml loads it
# --------------------------------------------------------------------------------------------


def new_dagster_home(root: Path) -> Path:
    home = root / "dagster"
    home.mkdir(parents=True)
    shutil.copy(ROOT / "platform" / "dagster.yaml", home / "dagster.yaml")
    return home


def load_definitions() -> dg.Definitions:
    return runpy.run_path(str(ROOT / "platform" / "definitions.py"))["defs"]


def evaluate_alert_sensor(defs: dg.Definitions, instance: dg.DagsterInstance):
    from sensors.alerts import alert_sensor

    resources = {"alerting": defs.resources["alerting"]}
    with dg.build_sensor_context(instance=instance, resources=resources, definitions=defs) as context:
        return alert_sensor.evaluate_tick(context)


@pytest.fixture(scope="module")
def embedded_day(tmp_path_factory):
    root = tmp_path_factory.mktemp("security")
    with pytest.MonkeyPatch.context() as env:
        home = new_dagster_home(root)
        env.setenv("PLATFORM_ENV", "local")
        env.setenv("PLATFORM_LOCAL_DIR", str(root))
        env.setenv("DAGSTER_HOME", str(home))
        lake = LocalLake(root=str(root / "lake"))
        retail, _ = generate_retail_day_with_manifest(DAY, SCALES["test"], seed=21, defects=DefectConfig(row_defect_rate=0.03))
        banking, _ = generate_banking_day_with_manifest(DAY, BANKING_SCALES["test"], seed=21, defects=BankingDefects(row_defect_rate=0.02, ledger_breaks=1))
        deliver(lake, with_bad_customer_rows({**retail, **banking}))

        defs = load_definitions()
        instance = dg.DagsterInstance.from_config(str(home))
        results = {}
        assert defs.resolve_job_def("banking_bureau_month").execute_in_process(partition_key=DAY.isoformat(), instance=instance).success  # DAY is a 1st
        for name in ("retail_daily", "banking_daily"):
            job = defs.resolve_job_def(name)
            # Banking's marts are aggregates of gold tables scanned below (no customer in them): dbt
            # runs for retail (dim_customer, SCD2) and is left out here to keep the module quick.
            selection = [k for k in job.asset_layer.selected_asset_keys if name == "retail_daily" or k.path[0] != "marts"]
            results[name] = job.execute_in_process(
                partition_key=DAY.isoformat(), instance=instance, raise_on_error=False, asset_selection=selection
            )
        evaluate_alert_sensor(defs, instance)
        yield {"root": root, "home": home, "defs": defs, "instance": instance, "results": results,
               "warehouse": defs.resources["warehouse"], "pii": ClearPii.from_landing(root / "lake")}
        instance.dispose()


def test_the_day_ran_and_quarantined_clear_pii_rows_of_both_domains(embedded_day):
    """The premise of the scan: the graphs ran, and quarantine holds customers full of clear PII."""
    for job, result in embedded_day["results"].items():
        assert result.success, (job, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"])
    lake = embedded_day["root"] / "lake"
    for domain, expected in (("retail", 4), ("banking", 6)):
        quarantined = pl.read_parquet(lake / f"quarantine/{domain}/customers/dt={DAY}/data.parquet")
        assert quarantined.height >= expected, domain
    pii = embedded_day["pii"]
    assert len(pii.exact) > 1500 and len(pii.names) > 100 and len(pii.full_names) > 300
    assert {"zebulon.quickfeather@example.net", "900-12-3401", "77 Quarantine Row", "jane.doe@example.com"} <= pii.exact


def test_the_scan_finds_clear_pii_where_it_is_allowed_to_be(embedded_day):
    """A positive control: bronze is raw by design, so the same search must find PII there,
    or the scans below prove nothing."""
    pii, lake = embedded_day["pii"], embedded_day["root"] / "lake"
    for source in ("retail/customers", "retail/pos", "banking/customers", "banking/transactions"):
        bronze = pl.read_parquet(lake / f"bronze/{source}/dt={DAY}/data.parquet")
        assert pii.leaks_in_frame(bronze), source


def test_no_clear_pii_in_silver_gold_quarantine_or_any_warehouse_table(embedded_day):
    leaks, scanned = {}, []
    for name, frame in published_frames(embedded_day["root"], embedded_day["warehouse"]):
        scanned.append(name)
        for column, found in embedded_day["pii"].leaks_in_frame(frame).items():
            leaks[f"{name}:{column}"] = found
    assert any(n.startswith("quarantine/retail/customers") for n in scanned) and any(n.startswith("warehouse retail_marts.") for n in scanned)
    assert len(scanned) > 60
    assert not leaks, "clear PII outside bronze:\n" + format_leaks(leaks)


def test_no_clear_pii_in_run_logs_metadata_captured_output_or_alerts(embedded_day):
    pii, root = embedded_day["pii"], embedded_day["root"]
    texts = {**event_log_text(embedded_day["instance"]), **captured_logs_text(embedded_day["home"]), **alert_log_text(root / "lake")}
    assert sum(k.startswith("run ") for k in texts) == 3 and any(k.endswith(".err") for k in texts)  # bureau month, retail and banking days
    assert any(k.startswith("alerts/") for k in texts), "the defects should have raised alerts"
    leaks = {where: found for where, text in texts.items() if (found := pii.leaks_in_text(text))}
    assert not leaks, "clear PII in logs, metadata or alerts:\n" + format_leaks(leaks)


# --------------------------------------------------------------------------------------------
# Tokens are keyed
# --------------------------------------------------------------------------------------------


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _hmac(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_tokens_need_the_key_a_guess_hashed_without_it_matches_nothing(embedded_day):
    """An attacker holding silver and a list of candidate SSNs or e-mails cannot confirm one by
    hashing it: not with plain SHA-256, not with HMAC under another key. Only the platform's key
    reproduces a token (which also shows the guesses were normalized as the platform does)."""
    lake, key = embedded_day["root"] / "lake", os.environ["PLATFORM_PII_KEY"]
    bronze = pl.read_parquet(lake / f"bronze/banking/customers/dt={DAY}/data.parquet").filter(pl.col("_raw_line").is_null())
    silver = pl.read_parquet(lake / f"silver/banking/customers/dt={DAY}/data.parquet")
    retail_silver = pl.read_parquet(lake / f"silver/retail/customers/dt={DAY}/data.parquet")
    all_tokens = {t for frame in (silver, retail_silver) for c in frame.columns if c.endswith("_token") for t in frame.get_column(c).drop_nulls()}
    assert len(all_tokens) > 1000

    joined = bronze.unique("customer_id", keep="first").join(silver, on="customer_id").head(50)
    assert joined.height == 50
    for ssn, email, ssn_token, email_token in joined.select("ssn", "email", "ssn_token", "email_token").iter_rows():
        for value, token in ((_digits(ssn), ssn_token), (email.lower(), email_token)):
            assert _hmac(key, value)[: len(token)] == token  # the platform's key, and only it, reproduces the token
            guesses = {_sha256(value), _sha256(ssn), _sha256(email), _hmac("another-key-0123456789abcdef", value)}
            guesses |= {g[: len(token)] for g in guesses}
            assert not guesses & all_tokens, value


# --------------------------------------------------------------------------------------------
# The key comes from the environment only
# --------------------------------------------------------------------------------------------


def test_prod_reads_the_pii_key_from_the_environment_at_run_time_and_fails_clearly_without_it(monkeypatch):
    """Loading the prod Definitions needs no secret (the UI can list the code location); the
    resource holds only the variable's name, and running without it fails naming the variable."""
    monkeypatch.setenv("PLATFORM_ENV", "prod")
    monkeypatch.delenv("PLATFORM_PII_KEY", raising=False)
    defs = load_definitions()
    key = defs.resources["pii"].key
    assert isinstance(key, dg.EnvVar) and key.env_var_name == "PLATFORM_PII_KEY"
    with pytest.raises(dg.DagsterInvalidConfigError, match='environment variable "PLATFORM_PII_KEY" which is not set'):
        with dg.build_resources({"pii": defs.resources["pii"]}):
            pass
    monkeypatch.setenv("PLATFORM_PII_KEY", "too-short")
    with dg.build_resources({"pii": defs.resources["pii"]}) as built, pytest.raises(ValueError, match="at least 16 bytes"):
        built.pii.tokenizer()


def test_local_makes_a_private_random_key_once_and_reads_it_through_the_environment(tmp_path, monkeypatch):
    from resources.profiles import local_resources

    monkeypatch.setenv("PLATFORM_LOCAL_DIR", str(tmp_path))
    monkeypatch.delenv("PLATFORM_PII_KEY", raising=False)
    first = local_resources()
    key_file = tmp_path / "pii.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert os.environ["PLATFORM_PII_KEY"] == key_file.read_text().strip() and len(key_file.read_text().strip()) >= 32
    assert isinstance(first["pii"].key, dg.EnvVar)
    monkeypatch.delenv("PLATFORM_PII_KEY")
    local_resources()  # a restart: the same key, so tokens stay stable
    assert os.environ["PLATFORM_PII_KEY"] == key_file.read_text().strip()


# --------------------------------------------------------------------------------------------
# A malformed delivery must not spill PII into check metadata, errors or alerts
# --------------------------------------------------------------------------------------------


def test_a_customer_file_without_its_header_fails_the_contract_without_echoing_the_first_customer(tmp_path, monkeypatch, resources, lake):
    """A CRM export that lost its header row: the first customer's values are read as column
    names. The contract must fail and name the key (DOMAIN.md §4), but the check metadata, the
    error in the run log and the alert must not repeat that customer's PII."""
    from assets.banking.graph import BANKING_ASSETS
    from assets.retail.graph import RETAIL_ASSETS

    monkeypatch.setenv("DAGSTER_HOME", str(new_dagster_home(tmp_path)))
    first_rows = {}
    for domain, key, header_and_rows in (
        ("retail", f"landing/retail/customers/dt={DAY}/customers.csv",
         generate_retail_day_with_manifest(DAY, SCALES["test"], seed=4)[0][f"landing/retail/customers/dt={DAY}/customers.csv"]),
        ("banking", f"landing/banking/customers/dt={DAY}/customers.csv",
         generate_banking_day_with_manifest(DAY, BANKING_SCALES["test"], seed=4)[0][f"landing/banking/customers/dt={DAY}/customers.csv"]),
    ):
        header, first, rest = header_and_rows.split(b"\n", 2)
        lake.write(key, first + b"\n" + rest)  # the header line is gone
        first_rows[domain] = dict(zip(header.decode().split(","), first.decode().split(","), strict=True))
    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster"))
    for domain, assets in (("retail", RETAIL_ASSETS), ("banking", BANKING_ASSETS)):
        result = dg.materialize(assets, selection=[f"{domain}_bronze_customers"], partition_key=DAY.isoformat(), resources=resources,
                                instance=instance, raise_on_error=False)
        assert not result.success
        [check] = result.get_asset_check_evaluations()
        assert check.check_name == "contract" and not check.passed
        assert f"landing/{domain}/customers/dt={DAY}/customers.csv" in result.get_step_failure_events()[0].event_specific_data.error.message

    from resources.alerts import Alerting
    from sensors.alerts import alert_sensor

    with dg.build_sensor_context(instance=instance, resources={"alerting": Alerting(lake=lake)}) as context:
        alert_sensor.evaluate_tick(context)
    assert alert_log_text(Path(lake.root)), "the failed contracts should have raised alerts"
    texts = {**event_log_text(instance), **alert_log_text(Path(lake.root))}
    private = {d: {c: v for c, v in row.items() if c in PII_COLUMNS[f"{d}/customers"]} for d, row in first_rows.items()}
    leaks = {}
    for where, text in texts.items():
        found = {f"{c}={v}" for row in private.values() for c, v in row.items() if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", text)}
        if found:
            leaks[where] = found
    assert not leaks, "the first customer's PII, echoed as 'unexpected columns':\n" + format_leaks(leaks)


# --------------------------------------------------------------------------------------------
# Secrets stay out of logs, run config and the UI (prod profile: moto S3 and PostgreSQL)
# --------------------------------------------------------------------------------------------

SENTINELS = {
    "PLATFORM_PII_KEY": "SENTINEL-pii-key-5b1e0c77a2d94f61",
    "PLATFORM_REDSHIFT_PASSWORD": "SENTINEL-warehouse-password-9c44e1",
    "PLATFORM_SLACK_TOKEN": "xoxb-SENTINEL-slack-token-3f0a6d",
}
WEBHOOK_SECRET = "SENTINEL-webhook-token-7e21bb"


def _read_if_newer(path: Path, since: float) -> str | None:
    """A file's text if it was written since `since`; other test sessions share platform/dbt/target."""
    try:
        return path.read_text(errors="replace") if path.is_file() and path.stat().st_mtime >= since else None
    except OSError:  # removed meanwhile by another session
        return None


class _Webhook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Webhook.received.append((self.path, body.decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Webhook.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/{WEBHOOK_SECRET}", _Webhook.received
    server.shutdown()


def test_prod_secrets_never_reach_logs_run_config_metadata_alerts_or_the_ui(moto_endpoint, postgres_server, webhook, tmp_path, monkeypatch):
    import slack_sdk
    from dagster._core.remote_representation.external_data import RepositorySnap
    from dagster._serdes import serialize_value
    from dagster_aws.s3 import S3Resource

    from resources.s3_lake import S3Lake

    webhook_url, webhook_calls = webhook
    secrets = {**SENTINELS, "PLATFORM_ALERT_WEBHOOK_URL": webhook_url}
    bucket, database = f"lake-{uuid.uuid4().hex[:8]}", f"secrets_{uuid.uuid4().hex[:8]}"
    connection = postgres_server.create_database(database)
    home = new_dagster_home(tmp_path)
    env = {
        "PLATFORM_ENV": "prod", "DAGSTER_HOME": str(home), "PLATFORM_LAKE_BUCKET": bucket, "PLATFORM_S3_ENDPOINT_URL": moto_endpoint,
        "AWS_REGION": "us-east-1", "PLATFORM_WAREHOUSE_ENGINE": "postgres", "PLATFORM_REDSHIFT_HOST": connection["host"],
        "PLATFORM_REDSHIFT_PORT": str(connection["port"]), "PLATFORM_REDSHIFT_DATABASE": database, "PLATFORM_REDSHIFT_USER": connection["user"],
        "PLATFORM_REDSHIFT_SSLMODE": "disable", "PLATFORM_SLACK_CHANNEL": "#data-alerts",
        "PLATFORM_EMR_APPLICATION_ID": "unused", "PLATFORM_EMR_EXECUTION_ROLE_ARN": "arn:aws:iam::123456789012:role/unused",
        "PLATFORM_EMR_LOG_GROUP": "/aws/emr-serverless/unused", **secrets,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    posted = []
    monkeypatch.setattr(slack_sdk.WebClient, "chat_postMessage", lambda self, **kw: posted.append((self.token, kw)))

    lake = S3Lake(bucket=bucket, s3=S3Resource(endpoint_url=moto_endpoint, region_name="us-east-1"))
    lake.s3.get_client().create_bucket(Bucket=bucket)
    deliver(lake, generate_retail_day_with_manifest(DAY, SCALES["test"], seed=8, defects=DefectConfig(row_defect_rate=0.03))[0])
    started = time.time()
    defs = load_definitions()
    instance = dg.DagsterInstance.from_config(str(home))
    result = defs.resolve_job_def("retail_daily").execute_in_process(partition_key=DAY.isoformat(), instance=instance, raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    evaluate_alert_sensor(defs, instance)

    # The secrets were in use: tokens are keyed with the sentinel key, alerts went to both sinks.
    customers = lake.read_parquet(f"silver/retail/customers/dt={DAY}/data.parquet")
    bronze = lake.read_parquet(f"bronze/retail/customers/dt={DAY}/data.parquet")
    first = bronze.row(0, named=True)
    assert customers.filter(pl.col("customer_id") == first["customer_id"]).get_column("email_token").item() == _hmac(
        SENTINELS["PLATFORM_PII_KEY"], first["email"].lower())[:32]
    assert webhook_calls and all(path == f"/hooks/{WEBHOOK_SECRET}" for path, _ in webhook_calls)
    assert posted and all(token == SENTINELS["PLATFORM_SLACK_TOKEN"] for token, _ in posted)

    texts = event_log_text(instance)
    for run in instance.get_runs():
        texts[f"job snapshot {run.run_id}"] = serialize_value(instance.get_job_snapshot(run.job_snapshot_id))
        texts[f"execution plan {run.run_id}"] = serialize_value(instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id))
    texts["code location as the UI loads it"] = serialize_value(RepositorySnap.from_def(defs.get_repository_def()))
    texts.update(captured_logs_text(home))
    texts.update({key: lake.read(key).decode(errors="replace") for key in lake.list_keys("alerts/")})
    texts.update({f"webhook body {n}": body for n, (_, body) in enumerate(webhook_calls)})
    texts.update({f"slack message {n}": json.dumps(kw) for n, (_, kw) in enumerate(posted)})
    # dbt's own log and artifacts (the marts ran against the warehouse with the password in its environment)
    dbt_files = {str(p.relative_to(ROOT)): text for p in (ROOT / "platform" / "dbt").rglob("*") if (text := _read_if_newer(p, started)) is not None}
    assert any(name.endswith("dbt.log") for name in dbt_files)
    texts.update(dbt_files)
    assert any(k.startswith("alerts/dt=") for k in texts)
    secret_values = {name: value for name, value in secrets.items()} | {"webhook token": WEBHOOK_SECRET}
    leaks = {where: {name for name, value in secret_values.items() if value in text} for where, text in texts.items()}
    leaks = {where: names for where, names in leaks.items() if names}
    assert not leaks, "secrets written where they can be read:\n" + format_leaks(leaks)


# --------------------------------------------------------------------------------------------
# The warehouse: identifiers are code, values are data
# --------------------------------------------------------------------------------------------

HOSTILE_IDENTIFIERS = [
    'x"; drop table y; --', 'canary"; DROP TABLE "retail"."canary', "t; drop table retail.canary", 't"', "t--", "t\n", "t\n; drop table canary",
    "t\x00", "ｔ", "t ", "T", "1t", "", "t" * 64,
]
HOSTILE_VALUES = [
    "'); DROP TABLE canary; --",
    "Robert'); DROP TABLE retail.canary;--",
    'x"; drop table y; --',
    "'; DELETE FROM retail.canary WHERE '1'='1",
    "$$; DROP TABLE canary; $$",
    "\\'; DROP TABLE canary; --",
    "1; TRUNCATE retail.canary",
    "?", "%s", "%(x)s", "{0}", "''", '"', ",", ";",
    'a,"b",c\nd\re',
    "=HYPERLINK(\"http://example.com\",\"x\")",
    "Ünïcødé ✓ — 東京",
    "\t tabs and  spaces \t",
]
CANARY = TableDef("retail", "canary", (Column("d", pl.Date, False), Column("v", pl.Int64, False)), sort_key="d")
HOSTILE = TableDef("retail", "hostile", (Column("d", pl.Date, False), Column("s", pl.String, False), Column("n", pl.Int64, True)), sort_key="d")


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_with_canary(request, tmp_path):
    if request.param == "duckdb":
        warehouse = EmbeddedWarehouse(path=str(tmp_path / "w.duckdb"))
    else:  # a database per test (conftest's postgres_warehouse names it after a 50-character prefix of the test id)
        from resources.sql_warehouse import PostgresWarehouse

        server = request.getfixturevalue("postgres_server")
        warehouse = PostgresWarehouse(**server.create_database(f"security_{uuid.uuid4().hex[:12]}"), backoff_seconds=0.05)
    warehouse.replace_partitions([PartitionLoad(CANARY, DAY, pl.DataFrame({"d": [DAY] * 3, "v": [1, 2, 3]}), "canary", "c")], run_id="r0")
    return warehouse


def tables(warehouse) -> set[tuple[str, str]]:
    return set(warehouse.query("select table_schema, table_name from information_schema.tables where table_schema not in "
                               "('information_schema', 'pg_catalog')").rows())


def _with(table: TableDef, position: str, name: str) -> TableDef:
    if position in ("schema", "name", "sort_key", "dist_key"):
        return TableDef(**{**table.__dict__, position: name})
    columns = tuple(Column(name, c.dtype, c.nullable) if c.name == "n" else c for c in table.columns)
    return TableDef(table.schema, table.name, columns, table.sort_key)


@pytest.mark.parametrize("name", HOSTILE_IDENTIFIERS, ids=repr)
def test_every_warehouse_api_refuses_a_hostile_identifier_and_changes_nothing(warehouse_with_canary, name):
    """Schema, table and column names reach DDL, loads and maintenance; the partition column
    reaches every load's DELETE; Redshift's DDL also takes the sort and distribution keys. Each
    must be refused wherever it would be spliced into SQL, and leave the warehouse as it was."""
    warehouse = warehouse_with_canary
    before = tables(warehouse)
    frame = pl.DataFrame({"d": [DAY], "s": ["v"], "n": [1]})
    for position in ("schema", "name", "column", "sort_key"):
        table = _with(HOSTILE, position, name)
        with pytest.raises(ValueError, match="identifier"):
            warehouse.replace_partitions([PartitionLoad(table, DAY, frame, "a", "c")], run_id="r")
        with pytest.raises(ValueError, match="identifier"):
            create_table_sql(table, "redshift")
        if position == "sort_key":
            continue  # only loads and Redshift's DDL use it
        with pytest.raises(ValueError, match="identifier"):
            warehouse.create_tables([table])
        if position in ("schema", "name") and not isinstance(warehouse, EmbeddedWarehouse):  # maintenance names tables (DuckDB's none)
            with pytest.raises(ValueError, match="identifier"):
                warehouse.maintain([table])
    if name:  # an empty distribution key means none (DISTSTYLE AUTO)
        with pytest.raises(ValueError, match="identifier"):
            create_table_sql(_with(HOSTILE, "dist_key", name), "redshift")
    assert tables(warehouse) == before
    assert warehouse.query("select count(*) from retail.canary").item() == 3


@pytest.mark.parametrize("uri", ["s3://lake/_staging/x.parquet' IAM_ROLE 'arn:aws:iam::1:role/x", "s3://lake/k.parquet;drop table t"])
def test_a_staging_uri_that_could_end_the_copy_literal_is_refused(uri):
    from resources.sql_warehouse import copy_from_s3_sql

    with pytest.raises(ValueError):
        copy_from_s3_sql('"staging_t"', uri, "arn:aws:iam::123456789012:role/redshift-copy")


def test_sql_in_string_values_round_trips_as_data_and_every_table_survives(warehouse_with_canary):
    warehouse = warehouse_with_canary
    frame = pl.DataFrame({"d": [DAY] * len(HOSTILE_VALUES), "s": HOSTILE_VALUES, "n": list(range(len(HOSTILE_VALUES)))})
    for run in ("r1", "r2"):  # the second load replaces the first: DELETE by partition, then INSERT
        [receipt] = warehouse.replace_partitions([PartitionLoad(HOSTILE, DAY, frame, "hostile_asset", "sha-'; drop table x; --")], run_id=run)
        assert receipt.rows == len(HOSTILE_VALUES)
    loaded = warehouse.query("select n, s from retail.hostile order by n").get_column("s").to_list()
    assert loaded == HOSTILE_VALUES
    assert {("retail", "canary"), ("retail", "hostile"), ("retail", "load_audit")} <= tables(warehouse)
    assert warehouse.query("select count(*) from retail.canary").item() == 3
    # Values in queries are bound parameters too: each hostile string finds exactly its own row.
    assert [warehouse.query("select count(*) from retail.hostile where s = ?", (v,)).item() for v in HOSTILE_VALUES] == [1] * len(HOSTILE_VALUES)
    assert warehouse.query("select checksum from retail.load_audit where asset = ?", ("hostile_asset",)).get_column("checksum").to_list() == [
        "sha-'; drop table x; --"] * 2


@pytest.mark.parametrize("value", ["\\N", "NULL", "null", ""])
def test_strings_that_look_like_null_markers_load_as_the_strings_they_are(warehouse_with_canary, value):
    """A customer can type `\\N` in a memo; the warehouse must store `\\N`, not NULL (and a NOT NULL
    column must not reject the row)."""
    warehouse = warehouse_with_canary
    frame = pl.DataFrame({"d": [DAY], "s": [value], "n": [None]}, schema={"d": pl.Date, "s": pl.String, "n": pl.Int64})
    warehouse.replace_partitions([PartitionLoad(HOSTILE, DAY, frame, "a", "c")], run_id="r")
    assert warehouse.query("select s, n from retail.hostile").rows() == [(value, None)]

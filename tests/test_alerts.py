"""Alerts: a failing blocking check, a failed run and a missed freshness SLA each raise one
alert with the fields an on-call engineer needs; nothing is sent twice, even after the
sensor loses its cursor; a webhook that is down gets the alert later, not never."""

import json
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from assets.banking.graph import BANKING_ASSETS
from assets.banking.interest import banking_gold_monthly_interest
from resources.alerts import PAGE, Alert, Alerting
from sensors.alerts import alert_sensor, first_deliveries, freshness_alerts, run_partition, run_url
from sensors.freshness import FirstDelivery
from simulator import deliver
from simulator.defects import DefectConfig
from simulator.retail import SCALES, generate_retail_day_with_manifest
from tests.postgres_server import free_port
from tests.test_retail_end_to_end import execute, sensor_tick

DAY = date(2024, 10, 2)


def tick(instance, alerting: Alerting, cursor=None) -> str | None:
    return tick_result(instance, alerting, cursor)[1]


def tick_result(instance, alerting: Alerting, cursor=None):
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"alerting": alerting}) as context:
        return alert_sensor.evaluate_tick(context), context.cursor


def raised(alerting: Alerting, kind: str) -> list[dict]:
    return [a for a in alerting.read_log() if a["kind"] == kind]


def test_a_failing_blocking_check_raises_exactly_one_alert_and_blocks_downstream(resources, lake):
    instance, alerting = dg.DagsterInstance.ephemeral(), Alerting(lake=lake)
    deliver(lake, generate_retail_day_with_manifest(DAY, SCALES["test"], seed=11, defects=DefectConfig(row_defect_rate=0.12))[0])
    requests, _ = sensor_tick(resources, instance)
    results = execute(requests, resources, instance)
    pos = results[[r.tags["source"] for r in requests].index("retail/pos")]
    assert not any(e.asset_key.to_user_string().startswith("retail_gold") for e in pos.get_asset_materialization_events())

    result, cursor = tick_result(instance, alerting)
    [alert] = [a for a in raised(alerting, "check_failed") if a["check"] == "error_budget"]
    # Where people look: the tick's summary counts the alerts, and each is on its asset's page.
    log = alerting.read_log()
    pages = sum(a["severity"] == PAGE for a in log)
    assert result.skip_message.startswith(f"{len(log)} alerts ({pages} pages, {len(log) - pages} notifies)")
    [observed] = [e for e in result.asset_events if e.metadata["check"].value == "error_budget"]
    assert (observed.asset_key.to_user_string(), observed.partition, observed.metadata["alert"].value) == ("retail_silver_pos_lines", DAY.isoformat(), PAGE)
    assert observed.metadata["run"].value == alert["run_url"]
    assert alert["severity"] == PAGE and alert["domain"] == "retail" and alert["asset"] == "retail_silver_pos_lines"
    assert alert["partition"] == DAY.isoformat() and alert["run_url"].endswith(f"/runs/{pos.run_id}")
    assert alert["details"]["quarantined"] > 0 and alert["details"]["error_rate"] > 0.05 and alert["details"]["reasons"]
    assert "over the 5% error budget" in alert["details"]["what_happened"]  # the check's own account of the failure
    assert "downstream" in alert["title"]
    assert raised(alerting, "run_failed") == []  # the run failed because of the check: one failure, one alert
    pages = [a["check"] for a in raised(alerting, "check_failed") if a["severity"] == PAGE]
    assert pages == ["error_budget"]  # WARN checks (quarantine, price_below_cost) notify; they do not page

    before = len(alerting.read_log())
    tick(instance, alerting, cursor)
    tick(instance, alerting, cursor=None)  # a restarted sensor that lost its cursor
    assert len(alerting.read_log()) == before


@pytest.fixture
def platform_instance(tmp_path, monkeypatch):
    """An instance with the local profile's storage (platform/dagster.yaml), as bin/dev runs it."""
    import shutil
    from pathlib import Path

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "platform" / "dagster.yaml", home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        yield instance


def test_a_failed_run_raises_an_alert(resources, lake, platform_instance):
    instance, alerting = platform_instance, Alerting(lake=lake)
    result = dg.materialize(BANKING_ASSETS, selection=[banking_gold_monthly_interest.key], partition_key="2024-10-01",
                            resources=resources, instance=instance, raise_on_error=False)
    assert not result.success
    tick(instance, alerting)
    [alert] = raised(alerting, "run_failed")
    assert alert["severity"] == PAGE and alert["domain"] == "banking" and alert["asset"] == "banking_gold_monthly_interest"
    assert alert["partition"] == "2024-10-01" and "no published accounts snapshot" in alert["title"]
    assert alert["run_url"].endswith(f"/runs/{result.run_id}")


@pytest.mark.parametrize("page_on_data_findings, severity", [(True, "page"), (False, "notify")], ids=["production", "embedded-default"])
def test_a_data_finding_pages_in_production_and_notifies_on_the_simulators_demo(page_on_data_findings, severity):
    """A ledger break (a non-blocking ERROR check: it judges the source's data, not the asset) pages
    where a person must ask the source about it, and notifies where the source is the simulator,
    whose breaks are deliberate. A blocking check pages everywhere."""
    from sensors.alerts import _new_check_evaluations, check_alerts

    instance = dg.DagsterInstance.ephemeral()
    for check, blocking in (("ledger_reconciles", False), ("reconciles_to_silver", True)):
        instance.report_runless_asset_event(dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey("banking_gold_account_daily"), check_name=check, passed=False,
            severity=dg.AssetCheckSeverity.ERROR, blocking=blocking, metadata={},
        ))
    alerts = {a.check: a.severity for a in check_alerts(instance, _new_check_evaluations(instance, 0), page_on_data_findings)}
    assert alerts == {"ledger_reconciles": severity, "reconciles_to_silver": "page"}


def test_the_embedded_default_notifies_on_data_findings_and_production_pages(monkeypatch, tmp_path):
    from resources.profiles import local_resources

    monkeypatch.setenv("PLATFORM_LOCAL_DIR", str(tmp_path))
    assert local_resources()["alerting"].page_on_data_findings is False
    assert Alerting.model_fields["page_on_data_findings"].default is True


def test_alert_links_follow_the_host_and_port_the_ui_is_served_on(monkeypatch):
    monkeypatch.delenv("PLATFORM_UI_URL", raising=False)
    monkeypatch.setenv("DAGSTER_HOST", "0.0.0.0")
    monkeypatch.setenv("DAGSTER_PORT", "3300")
    assert run_url("r1") == "http://0.0.0.0:3300/runs/r1"
    monkeypatch.setenv("PLATFORM_UI_URL", "https://dagster.example.com/")
    assert run_url("r1") == "https://dagster.example.com/runs/r1"


def test_an_alert_names_the_partition_or_the_range_of_its_run():
    def run(**tags):
        return dg.DagsterRun(job_name="j", run_id="r", tags=tags)

    assert run_partition(run(**{"dagster/partition": "2024-10-01"})) == "2024-10-01"
    ranged = run(**{"dagster/asset_partition_range_start": "2024-10-01", "dagster/asset_partition_range_end": "2024-10-30"})
    assert run_partition(ranged) == "2024-10-01...2024-10-30"
    assert run_partition(run()) is None and run_partition(None) is None


def test_a_missed_freshness_sla_raises_an_alert_once(lake):
    instance, alerting = dg.DagsterInstance.ephemeral(), Alerting(lake=lake)
    at_0530 = datetime(2024, 10, 3, 5, 30, tzinfo=UTC)
    delivered_since = {d: FirstDelivery("2024-09-01", datetime(2024, 9, 1, tzinfo=UTC)) for d in ("retail", "banking")}
    missed = freshness_alerts(instance, at_0530, delivered_since)
    by_asset = {a.asset: a for a in missed}
    # 05:30 on the 3rd: banking's 05:00 deadline for the 2nd has passed, retail's 06:00 has not (its latest due day is the 1st).
    assert by_asset["banking_gold_fraud_alerts"].partition == "2024-10-02"
    assert by_asset["retail_gold_store_daily"].partition == "2024-10-01"
    assert by_asset["banking_gold_capital_adequacy"].partition == "2024-09-01"  # due by 3 October
    assert all(a.severity == PAGE and a.details["deadline"] for a in missed)
    assert len(alerting.deliver(missed)) == len(missed) and alerting.deliver(missed) == []

    instance.report_runless_asset_event(dg.AssetMaterialization("banking_gold_fraud_alerts", partition="2024-10-02"))
    assert "banking_gold_fraud_alerts" not in {a.asset for a in freshness_alerts(instance, at_0530, delivered_since)}


def test_freshness_judges_only_periods_the_platform_could_have_built_by_their_deadline(lake):
    """Started on 2 October, the platform cannot have built September's capital report, nor anything
    of a domain that has delivered nothing; and a deadline that passed before it first saw data (a
    new deployment catching up on history) is no page either."""
    instance, at_0530 = dg.DagsterInstance.ephemeral(), datetime(2024, 10, 3, 5, 30, tzinfo=UTC)
    early = datetime(2024, 10, 2, 1, tzinfo=UTC)

    def missed(first_day: str, seen_at: datetime = early) -> set[tuple[str, str]]:
        return {(a.asset, a.partition) for a in freshness_alerts(instance, at_0530, {"banking": FirstDelivery(first_day, seen_at)})}

    assert ("banking_gold_fraud_alerts", "2024-10-02") in missed("2024-10-02")  # delivered from the 2nd: the 2nd is due
    assert not any(asset == "banking_gold_capital_adequacy" or asset.startswith("retail") for asset, _ in missed("2024-10-02"))
    assert not missed("2024-10-03")  # the 2nd ended before the first delivery
    assert not missed("2024-10-02", seen_at=datetime(2024, 10, 3, 5, 10, tzinfo=UTC))  # first seen after the 05:00 deadline

    lake.write("landing/retail/pos/dt=2024-10-02/store_001.csv", b"x")
    lake.write("landing/banking/accounts/dt=2024-10-01/accounts.csv", b"x")
    lake.write("landing/banking/transactions/dt=2024-09-30/part-0000.csv", b"x")
    assert first_deliveries(lake, {}, at_0530) == {"retail": FirstDelivery("2024-10-02", at_0530), "banking": FirstDelivery("2024-09-30", at_0530)}
    kept = FirstDelivery("2024-09-01", early)
    assert first_deliveries(lake, {"retail": kept}, at_0530)["retail"] == kept  # once found, kept


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []
    failures_to_come = 0  # answer 503 this many times first, as a struggling endpoint would

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Receiver.failures_to_come:
            Receiver.failures_to_come -= 1
            self.send_response(503)
        else:
            Receiver.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_port():
    return free_port()


def serve(port: int) -> HTTPServer:
    server = HTTPServer(("127.0.0.1", port), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def alert(key: str) -> Alert:
    return Alert(key=key, severity=PAGE, kind="check_failed", domain="retail", asset="retail_silver_pos_lines", partition="2024-10-02",
                 check="error_budget", title="check error_budget failed", details={"rows_quarantined": 12})


def test_the_webhook_receives_alerts_and_one_that_is_down_gets_them_later(lake, webhook_port):
    Receiver.received = []
    alerting = Alerting(lake=lake, webhook_url=f"http://127.0.0.1:{webhook_port}/alerts", backoff_seconds=0.01, timeout_seconds=2)
    alerting.deliver([alert("down")])  # nothing listens yet: retried, then recorded
    [record] = [json.loads(lake.read(k)) for k in lake.list_keys("alerts/undelivered/")]
    assert record["failed_sinks"] == ["webhook"] and "Connection refused" in record["errors"]["webhook"]
    assert [a["key"] for a in alerting.read_log()] == ["down"]  # logged even though the webhook missed it

    server = serve(webhook_port)
    try:
        assert alerting.retry_undelivered() == 0
        alerting.deliver([alert("up")])
    finally:
        server.shutdown()
    assert [a["key"] for a in Receiver.received] == ["down", "up"]
    assert Receiver.received[1]["details"] == {"rows_quarantined": 12} and lake.list_keys("alerts/undelivered/") == []


def test_a_struggling_webhook_is_retried_with_backoff_until_it_takes_the_alert(lake, webhook_port):
    Receiver.received, Receiver.failures_to_come = [], 2
    server = serve(webhook_port)
    try:
        alerting = Alerting(lake=lake, webhook_url=f"http://127.0.0.1:{webhook_port}/alerts", attempts=3, backoff_seconds=0.01)
        alerting.deliver([alert("flaky")])
    finally:
        server.shutdown()
    assert [a["key"] for a in Receiver.received] == ["flaky"] and Receiver.failures_to_come == 0
    assert lake.list_keys("alerts/undelivered/") == []


def test_the_slas_are_also_dagster_freshness_policies_the_ui_shows():
    from assets.retail.graph import RETAIL_ASSETS
    from sensors.freshness import with_freshness_policies

    specs = {spec.key.to_user_string(): spec for a in with_freshness_policies([*RETAIL_ASSETS, *BANKING_ASSETS]) for spec in a.specs}
    assert specs["retail_gold_store_daily"].freshness_policy.deadline_cron == "0 6 * * *"
    assert specs["banking_gold_fraud_alerts"].freshness_policy.deadline_cron == "0 5 * * *"
    assert specs["banking_gold_capital_adequacy"].freshness_policy.deadline_cron == "0 0 3 * *"
    assert specs["retail_silver_pos_lines"].freshness_policy is None


def test_a_sink_error_that_quotes_the_webhook_url_is_recorded_without_it(lake):
    secret = "hooks.example.com/services/T000/B000/s3cr3t-t0ken"  # no scheme: urllib's error quotes it whole
    alerting = Alerting(lake=lake, webhook_url=secret, attempts=1, backoff_seconds=0.01)
    alerting.deliver([alert("malformed")])
    [key] = lake.list_keys("alerts/undelivered/")
    text = lake.read(key).decode()
    assert "s3cr3t-t0ken" not in text and "<PLATFORM_ALERT_WEBHOOK_URL>" in text

"""Alerts: what the alert sensor raises, and the sinks that deliver it.

Open-source Dagster has no alerting on failed asset checks, so the platform builds it:
sensors/alerts.py turns failed checks, failed runs and missed freshness SLAs into `Alert`s,
and `Alerting` delivers each one to every configured sink.

- The **alert log** in the lake (`alerts/dt=<day>/alerts.jsonl`) is always on. It is also
  the record of what was delivered: an alert whose key is in the log is never sent twice.
- **Slack** (dagster-slack) and a generic HTTPS **webhook** are on when configured.
- A sink that fails is retried with backoff; what still fails is written to
  `alerts/undelivered/` and retried on the next tick, so no alert is lost.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import dagster as dg
from pydantic import Field

from resources.lake import LakeStorage

DEDUPE_DAYS = 30
PAGE, NOTIFY = "page", "notify"  # an ERROR check, a failed run or a missed SLA pages; a WARN check notifies
log = dg.get_dagster_logger()


@dataclass(frozen=True)
class Alert:
    key: str  # identifies the failure: the same failure always has the same key
    severity: str
    kind: str  # check_failed | run_failed | freshness_missed
    domain: str
    asset: str
    partition: str | None
    title: str
    details: dict = field(default_factory=dict)  # the check's failing counts, the run's error, the deadline
    check: str | None = None
    run_url: str | None = None
    raised_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def summary(self) -> str:
        where = f"{self.asset}[{self.partition}]" if self.partition else self.asset
        return f"[{self.severity.upper()}] {self.domain}: {where}: {self.title}" + (f" ({self.run_url})" if self.run_url else "")


def _with_retries(deliver, attempts: int, backoff_seconds: float) -> None:
    for attempt in range(1, attempts + 1):
        try:
            return deliver()
        except Exception:
            if attempt == attempts:
                raise
            time.sleep(backoff_seconds * 2 ** (attempt - 1))


class Alerting(dg.ConfigurableResource):
    lake: LakeStorage
    page_on_data_findings: bool = Field(
        default=True,
        description="Whether a non-blocking ERROR check (one that judges the data an asset reports on, like a ledger break) "
        "pages. On in production, where a break is the source's and a person must act; off on the embedded default, whose "
        "only source is the simulator and whose breaks are deliberate, so they notify.",
    )
    webhook_url: str | None = Field(default=None, description="HTTPS endpoint that receives each alert as JSON (PLATFORM_ALERT_WEBHOOK_URL).")
    slack_token: str | None = Field(default=None, description="Slack bot token (PLATFORM_SLACK_TOKEN); a secret, read from the environment.")
    slack_channel: str | None = Field(default=None, description="Slack channel for alerts (PLATFORM_SLACK_CHANNEL).")
    attempts: int = 3
    backoff_seconds: float = 1.0
    timeout_seconds: float = 10.0

    def sinks(self) -> dict:
        sinks = {}
        if self.webhook_url:
            sinks["webhook"] = self._post_webhook
        if self.slack_token and self.slack_channel:
            sinks["slack"] = self._post_slack
        return sinks

    def deliver(self, alerts: list[Alert]) -> list[Alert]:
        """Logs and sends the alerts not delivered before; returns those that were new."""
        delivered = self._delivered_keys()
        new = [a for a in {a.key: a for a in alerts}.values() if a.key not in delivered]
        for alert in new:
            self._append_to_log(alert)
            self._send(alert, self.sinks())
        return new

    def retry_undelivered(self) -> int:
        """Sends again what a sink could not take before; returns how many are still undelivered."""
        remaining = 0
        for key in self.lake.list_keys("alerts/undelivered/"):
            record = json.loads(self.lake.read(key))
            sinks = {name: sink for name, sink in self.sinks().items() if name in record["failed_sinks"]}
            self.lake.delete(key)
            remaining += bool(self._send(Alert(**record["alert"]), sinks))
        return remaining

    def _send(self, alert: Alert, sinks: dict) -> list[str]:
        failed = {}
        for name, sink in sinks.items():
            try:
                _with_retries(lambda sink=sink: sink(alert), self.attempts, self.backoff_seconds)
            except Exception as error:  # any sink failure is recorded, never raised: other sinks still get the alert
                failed[name] = self._redacted(f"{type(error).__name__}: {error}")
        if failed:
            log.warning(f"alert {alert.key} not delivered to {', '.join(failed)}; recorded for retry")
            record = {"alert": asdict(alert), "failed_sinks": sorted(failed), "errors": failed, "recorded_at": datetime.now(UTC).isoformat()}
            self.lake.write(f"alerts/undelivered/{_safe(alert.key)}.json", json.dumps(record).encode())
        return sorted(failed)

    def _redacted(self, text: str) -> str:
        """A sink's error can quote its URL or token (urllib names a malformed URL): never record them."""
        for secret, name in ((self.webhook_url, "<PLATFORM_ALERT_WEBHOOK_URL>"), (self.slack_token, "<PLATFORM_SLACK_TOKEN>")):
            if secret:
                text = text.replace(secret, name)
        return text

    def _log_key(self, day: str) -> str:
        return f"alerts/dt={day}/alerts.jsonl"

    def _append_to_log(self, alert: Alert) -> None:
        key = self._log_key(alert.raised_at[:10])
        previous = self.lake.read(key) if self.lake.exists(key) else b""
        self.lake.write(key, previous + json.dumps(asdict(alert), sort_keys=True).encode() + b"\n")

    def _delivered_keys(self) -> set[str]:
        """Keys logged in the last DEDUPE_DAYS: the window in which a repeat is recognised even
        if the sensor's cursor was lost."""
        since = (datetime.now(UTC) - timedelta(days=DEDUPE_DAYS)).date().isoformat()
        return {entry["key"] for entry in self.read_log(since)}

    def read_log(self, since: str = "") -> list[dict]:
        """The logged alerts, oldest day first; with `since` (YYYY-MM-DD), only the days after it."""
        keys = self.lake.list_keys("alerts/dt=", start_after=f"alerts/dt={since}" if since else "")
        return [json.loads(line) for key in keys for line in self.lake.read(key).splitlines() if line.strip()]

    def _post_webhook(self, alert: Alert) -> None:
        request = urllib.request.Request(
            self.webhook_url, data=json.dumps(asdict(alert)).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
            if response.status >= 300:
                raise urllib.error.HTTPError(self.webhook_url, response.status, "webhook refused the alert", response.headers, None)

    def _post_slack(self, alert: Alert) -> None:
        from dagster_slack import SlackResource

        SlackResource(token=self.slack_token).get_client().chat_postMessage(channel=self.slack_channel, text=alert.summary())


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.=" else "_" for c in key)

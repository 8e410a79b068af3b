"""Banking reporting marts (platform/dbt/models/banking): the daily risk report, the fraud
summary and regulatory capital, built by dbt from masked gold tables."""

from assets.common.marts import build_marts

banking_marts = build_marts("banking")

"""Retries for steps that talk to external systems (the warehouse, EMR), never for data quality.

A transient outage (a dropped connection, a throttled API) is worth a retry with backoff;
a failed check is not, because bad data fails the same way again. Failures the platform
raises itself about missing inputs say `allow_retries=False`.
"""

import dagster as dg

EXTERNAL_SYSTEM_RETRY = dg.RetryPolicy(max_retries=3, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)

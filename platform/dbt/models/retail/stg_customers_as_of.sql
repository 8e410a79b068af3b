-- The newest customers snapshot in the warehouse: what customers_snapshot compares against.
-- Never an older one, even when a run re-builds an earlier date: the dbt snapshot compares
-- with its last state, so an older day would be recorded as a new change back in time.
{{ config(materialized='view') }}

select
    customer_id, loyalty_token, email_masked, phone_last4, signup_date, city, state, zip,
    cast(snapshot_date as timestamp) as observed_at
from {{ source('retail', 'silver_customers') }}
where snapshot_date = (select max(snapshot_date) from {{ source('retail', 'silver_customers') }})

-- Customers with history (SCD type 2), from the customers_snapshot: a customer who moves
-- keeps one row per address, each valid over [valid_from, valid_to). Masked columns only.
select
    {{ surrogate_key(['customer_id', 'dbt_valid_from']) }} as customer_key,
    customer_id, loyalty_token, email_masked, phone_last4, signup_date, city, state, zip,
    cast(dbt_valid_from as date) as valid_from,
    cast(coalesce(dbt_valid_to, cast('9999-12-31' as timestamp)) as date) as valid_to,
    dbt_valid_to is null as is_current
from {{ ref('customers_snapshot') }}

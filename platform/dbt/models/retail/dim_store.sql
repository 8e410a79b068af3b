-- Stores as last delivered (type 1): store attributes rarely change and history is not reported on.
with latest as ({{ latest_snapshot_rows(source('retail', 'silver_stores'), 'store_id') }})
select
    {{ surrogate_key(['store_id']) }} as store_key,
    store_id, store_name, city, state, region, store_type, open_date
from latest

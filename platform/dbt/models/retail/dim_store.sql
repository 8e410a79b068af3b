-- Stores as last delivered (type 1): store attributes rarely change and history is not reported on.
with latest as (
    select *, row_number() over (partition by store_id order by snapshot_date desc) as recency
    from {{ source('retail', 'silver_stores') }}
    where snapshot_date <= {{ window_end() }}
)
select
    {{ surrogate_key(['store_id']) }} as store_key,
    store_id, store_name, city, state, region, store_type, open_date
from latest
where recency = 1

-- Products as last delivered (type 1), with the current cost and list price.
with latest as (
    select *, row_number() over (partition by product_id order by snapshot_date desc) as recency
    from {{ source('retail', 'silver_products') }}
    where snapshot_date <= {{ window_end() }}
)
select
    {{ surrogate_key(['product_id']) }} as product_key,
    product_id, product_name, category, subcategory, brand, supplier, cost, list_price, active
from latest
where recency = 1

-- Products as last delivered (type 1), with the current cost and list price.
with latest as ({{ latest_snapshot_rows(source('retail', 'silver_products'), 'product_id') }})
select
    {{ surrogate_key(['product_id']) }} as product_key,
    product_id, product_name, category, subcategory, brand, supplier, cost, list_price, active
from latest

-- Sales at POS-line grain with surrogate keys into every dimension. The customer key is the
-- dim_customer version valid on the sale's date. Incremental by date: a run replaces exactly
-- its window's dates, so re-running a date is idempotent.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='transaction_date') }}

select
    {{ surrogate_key(['lines.receipt_id', 'lines.line_no']) }} as sales_key,
    {{ date_key('lines.transaction_date') }} as date_key,
    stores.store_key,
    products.product_key,
    customers.customer_key,
    lines.receipt_id,
    lines.line_no,
    lines.transaction_date,
    lines."timestamp" as sold_at,
    lines.quantity,
    lines.price,
    lines.amount
from {{ source('retail', 'silver_pos_lines') }} as lines
left join {{ ref('dim_store') }} as stores on stores.store_id = lines.store_id
left join {{ ref('dim_product') }} as products on products.product_id = lines.product_barcode
left join {{ ref('dim_customer') }} as customers
    on customers.customer_id = lines.customer_id
    and lines.transaction_date >= customers.valid_from and lines.transaction_date < customers.valid_to
where {{ in_window('lines.transaction_date') }}

-- Store performance by day, and over the trailing 7 and 28 days ending that day: the rows a
-- store-performance API serves ("revenue, receipts, unique customers, average transaction
-- over the last N days for store S" is one row lookup). Unique customers over a window are
-- counted over the window, not summed over days. A store with sales in the window but none
-- that day has revenue 0 and no average transaction for the day.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='date') }}

with days as (
    select distinct transaction_date as date from {{ ref('fact_sales') }} where {{ in_window('transaction_date') }}
),
windowed as (
    select days.date, sales.*, customers.customer_id
    from days
    join {{ ref('fact_sales') }} as sales
        on sales.transaction_date between {{ add_days('days.date', -27) }} and days.date
    left join {{ ref('dim_customer') }} as customers on customers.customer_key = sales.customer_key
)
{%- set windows = {'': 0, '_7d': -6, '_28d': -27} %}
select
    windowed.date,
    stores.store_id,
    {%- for suffix, offset in windows.items() %}
    coalesce(sum(case when transaction_date >= {{ add_days('windowed.date', offset) }} then amount end), 0) as revenue{{ suffix }},
    count(distinct case when transaction_date >= {{ add_days('windowed.date', offset) }} then receipt_id end) as receipts{{ suffix }},
    count(distinct case when transaction_date >= {{ add_days('windowed.date', offset) }} then customer_id end) as unique_customers{{ suffix }},
    {%- endfor %}
    {%- for suffix, offset in windows.items() %}
    cast(round(sum(case when transaction_date >= {{ add_days('windowed.date', offset) }} then amount end)
        / nullif(count(distinct case when transaction_date >= {{ add_days('windowed.date', offset) }} then receipt_id end), 0), 2) as decimal(18, 2))
        as average_transaction{{ suffix }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from windowed
join {{ ref('dim_store') }} as stores on stores.store_key = windowed.store_key
group by windowed.date, stores.store_id

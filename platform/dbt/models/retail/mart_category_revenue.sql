-- Revenue by day and product category, with its share of the day's revenue.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='date') }}

with by_category as (
    select sales.transaction_date as date, products.category,
        sum(sales.amount) as revenue, sum(sales.quantity) as units, count(distinct sales.receipt_id) as receipts
    from {{ ref('fact_sales') }} as sales
    join {{ ref('dim_product') }} as products on products.product_key = sales.product_key
    where {{ in_window('sales.transaction_date') }}
    group by sales.transaction_date, products.category
)
select
    date, category, revenue, units, receipts,
    cast(revenue / nullif(sum(revenue) over (partition by date), 0) as decimal(9, 6)) as share_of_day
from by_category

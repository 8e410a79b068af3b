-- The loan portfolio by day, product and IFRS 9 stage: exposure, expected loss and average
-- risk parameters. No customer or loan identifiers.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='date') }}

select
    date, product, stage,
    count(*) as loans,
    sum(ead) as exposure,
    sum(expected_loss) as expected_loss,
    sum(rwa) as rwa,
    avg(pd) as average_pd,
    avg(lgd) as average_lgd,
    cast(sum(expected_loss) / nullif(sum(ead), 0) as decimal(12, 8)) as expected_loss_rate,
    sum(case when days_past_due > 90 then ead else 0 end) as exposure_over_90_days_past_due
from {{ source('banking', 'gold_loan_risk') }}
where {{ in_window('date') }}
group by date, product, stage

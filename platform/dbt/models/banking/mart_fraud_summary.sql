-- Fraud alerts by day and severity, with how often each rule fired. No account identifiers.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='date') }}

{%- set rules = ['high_value', 'high_frequency', 'high_spend', 'night'] %}
select
    date, severity,
    count(*) as alerts,
    count(distinct account_id) as accounts,
    sum(abs(amount)) as amount_flagged,
    avg(score) as average_score
    {%- for rule in rules %},
    sum(case when ',' || rules || ',' like '%,{{ rule }},%' then 1 else 0 end) as {{ rule }}_alerts
    {%- endfor %}
from {{ source('banking', 'gold_fraud_alerts') }}
where {{ in_window('date') }}
group by date, severity

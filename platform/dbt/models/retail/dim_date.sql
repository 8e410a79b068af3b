-- One row per calendar day, 2024 through 2030: a spine from digits, portable to every engine.
with digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),
offsets as (
    select thousands.d * 1000 + hundreds.d * 100 + tens.d * 10 + ones.d as n
    from digits thousands cross join digits hundreds cross join digits tens cross join digits ones
),
days as (
    select {{ add_days("cast('2024-01-01' as date)", 'n') }} as calendar_date from offsets where n < 2557
)
select
    {{ date_key('calendar_date') }} as date_key,
    calendar_date,
    cast(extract(year from calendar_date) as integer) as year,
    cast(extract(quarter from calendar_date) as integer) as quarter,
    cast(extract(month from calendar_date) as integer) as month,
    cast(extract(day from calendar_date) as integer) as day_of_month,
    cast(extract(dow from calendar_date) as integer) as day_of_week,
    extract(dow from calendar_date) in (0, 6) as is_weekend
from days

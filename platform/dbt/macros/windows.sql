{#- Date arithmetic differs by engine, so it is dispatched; the partition window comes from Dagster. -#}
{% macro add_days(date_expression, days) -%}
    {{ return(adapter.dispatch('add_days', 'data_platform')(date_expression, days)) }}
{%- endmacro %}

{% macro default__add_days(date_expression, days) -%}
    cast({{ date_expression }} + {{ days }} as date)
{%- endmacro %}

{% macro redshift__add_days(date_expression, days) -%}
    cast(dateadd(day, {{ days }}, {{ date_expression }}) as date)
{%- endmacro %}

{#- The rows of the run's partition window, or every row when no window is set. -#}
{% macro in_window(column) -%}
    {%- if var('min_date') is not none -%}
        {{ column }} between cast('{{ var("min_date") }}' as date) and cast('{{ var("max_date") }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The last day of the window, or today when none is set. -#}
{% macro window_end() -%}
    {%- if var('max_date') is not none -%} cast('{{ var("max_date") }}' as date) {%- else -%} current_date {%- endif -%}
{%- endmacro %}

{#- The newest row per key among the snapshots up to the window's end (a type-1 dimension). -#}
{% macro latest_snapshot_rows(relation, key) -%}
    select * from (
        select *, row_number() over (partition by {{ key }} order by snapshot_date desc) as recency
        from {{ relation }}
        where snapshot_date <= {{ window_end() }}
    ) ranked
    where recency = 1
{%- endmacro %}

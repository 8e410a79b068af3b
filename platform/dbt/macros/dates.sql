{#- Date arithmetic differs by engine, so it is dispatched. -#}
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

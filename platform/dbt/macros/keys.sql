{#- A surrogate key: md5 of the natural key's parts, portable to DuckDB, PostgreSQL and
    Redshift (dbt_utils would need network access to install). -#}
{% macro surrogate_key(columns) -%}
    md5({% for column in columns %}coalesce(cast({{ column }} as varchar), '~'){% if not loop.last %} || '|' || {% endif %}{% endfor %})
{%- endmacro %}

{#- yyyymmdd as an integer: the key of dim_date. -#}
{% macro date_key(column) -%}
    cast(extract(year from {{ column }}) * 10000 + extract(month from {{ column }}) * 100 + extract(day from {{ column }}) as integer)
{%- endmacro %}

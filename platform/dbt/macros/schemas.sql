{#- A model's custom schema is used as it is (retail_marts), not prefixed with the target's
    schema: analysts query the same names on every backend. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}

"""Retail marts (platform/dbt/models/retail): the star schema (dim_date, dim_store, dim_product,
dim_customer as SCD2, fact_sales) and the store and category marts, built by dbt."""

from assets.common.marts import build_marts

retail_marts = build_marts("retail")

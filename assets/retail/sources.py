"""The retail source systems' landing files (DOMAIN.md §2.1, §5)."""

from assets.common.landing import Source

POS = Source(
    "retail",
    "pos",
    ("receipt_id", "line_no", "store_id", "register_id", "product_barcode", "quantity", "price", "timestamp", "cashier_id", "loyalty_card"),
    "csv",
)
PRODUCTS = Source(
    "retail",
    "products",
    ("product_id", "product_name", "category", "subcategory", "brand", "supplier", "cost", "list_price", "active"),
    "jsonl",
)
CUSTOMERS = Source(
    "retail",
    "customers",
    ("customer_id", "loyalty_card", "first_name", "last_name", "email", "phone", "signup_date", "city", "state", "zip"),
    "csv",
)
STORES = Source("retail", "stores", ("store_id", "store_name", "city", "state", "region", "store_type", "open_date"), "csv")

# Every retail source, reference data first: in one landing-sensor tick, the stores and the catalog
# are requested before the sales validated against them.
RETAIL_SOURCES = (STORES, PRODUCTS, CUSTOMERS, POS)

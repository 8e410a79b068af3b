"""Every retail silver and gold dataset: where it lives, its grain, its pandera model (named, in
assets/retail/models.py) and its warehouse distribution key (README: warehouse layout).

Models are named rather than imported so that loading the code location does not import
pandera, which costs seconds; a model is imported the first time a run validates or loads.
"""

from assets.common.datasets import Dataset

SILVER_POS_LINES = Dataset("retail", "silver", "pos_lines", "transaction_date", ("receipt_id", "line_no"), "PosLine", dist_key="store_id")
SILVER_PRODUCTS = Dataset("retail", "silver", "products", "snapshot_date", ("product_id",), "Product")
SILVER_CUSTOMERS = Dataset("retail", "silver", "customers", "snapshot_date", ("customer_id",), "Customer", dist_key="customer_id")
SILVER_STORES = Dataset("retail", "silver", "stores", "snapshot_date", ("store_id",), "Store")
GOLD_STORE_PRODUCT_DAILY = Dataset("retail", "gold", "store_product_daily", "date", ("date", "store_id", "product_id"), "StoreProductDaily", dist_key="store_id")
GOLD_STORE_DAILY = Dataset("retail", "gold", "store_daily", "date", ("date", "store_id"), "StoreDaily", dist_key="store_id")
GOLD_CATEGORY_REGION_DAILY = Dataset("retail", "gold", "category_region_daily", "date", ("date", "region", "category"), "CategoryRegionDaily")
GOLD_CUSTOMER_RFM = Dataset("retail", "gold", "customer_rfm", "as_of_date", ("as_of_date", "customer_id"), "CustomerRfm", dist_key="customer_id")
GOLD_CUSTOMER_SEGMENTS = Dataset("retail", "gold", "customer_segments", "month", ("month", "customer_id"), "CustomerSegment", dist_key="customer_id")
GOLD_CUSTOMER_SEGMENT_SUMMARY = Dataset("retail", "gold", "customer_segment_summary", "month", ("month", "segment"), "CustomerSegmentSummary")

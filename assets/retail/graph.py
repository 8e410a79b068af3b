"""Every asset of the retail graph, in medallion order."""

from assets.retail.bronze import RETAIL_BRONZE
from assets.retail.gold import RETAIL_GOLD
from assets.retail.marts import retail_marts
from assets.retail.segments import RETAIL_SEGMENTS
from assets.retail.silver import RETAIL_SILVER
from assets.retail.warehouse import retail_monthly_warehouse_load, retail_warehouse_load

RETAIL_ASSETS = [*RETAIL_BRONZE, *RETAIL_SILVER, *RETAIL_GOLD, *RETAIL_SEGMENTS, retail_warehouse_load, retail_monthly_warehouse_load, retail_marts]

"""Every asset of the banking graph, in medallion order."""

from assets.banking.bronze import BANKING_BRONZE
from assets.banking.gold import BANKING_GOLD
from assets.banking.interest import banking_gold_monthly_interest
from assets.banking.marts import banking_marts
from assets.banking.silver import BANKING_SILVER
from assets.banking.warehouse import banking_bureau_warehouse_load, banking_monthly_warehouse_load, banking_warehouse_load

BANKING_ASSETS = [
    *BANKING_BRONZE, *BANKING_SILVER, *BANKING_GOLD, banking_gold_monthly_interest, banking_warehouse_load, banking_bureau_warehouse_load,
    banking_monthly_warehouse_load, banking_marts,
]

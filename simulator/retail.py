"""The retail source systems: store master, product catalog, loyalty CRM and POS registers.

`generate_retail_day` returns one day of landing files, keyed by lake key (DOMAIN.md §5).
Reference data (stores, products, the customer base) depends on the seed alone, so a
multi-day run sees one stable chain; only customers' addresses drift from day to day,
which is what a history-keeping (SCD2) customer dimension needs to be tested against.
POS lines depend on (seed, date). Defects are injected afterwards by `simulator.defects`.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass

import numpy as np
import polars as pl

from assets.common.identifiers import upc_check_digit
from simulator import vocab
from simulator.defects import DefectConfig, render_pos_files
from simulator.files import RawNumber, csv_bytes, jsonl_bytes, landing_key, money, money_expr
from simulator.seeding import mix64, rng_for

STORE_COLUMNS = ("store_id", "store_name", "city", "state", "region", "store_type", "open_date")
PRODUCT_FIELDS = ("product_id", "product_name", "category", "subcategory", "brand", "supplier", "cost", "list_price", "active")
CUSTOMER_COLUMNS = ("customer_id", "loyalty_card", "first_name", "last_name", "email", "phone", "signup_date", "city", "state", "zip")
POS_COLUMNS = ("receipt_id", "line_no", "store_id", "register_id", "product_barcode", "quantity", "price", "timestamp", "cashier_id", "loyalty_card")


@dataclass(frozen=True)
class RetailScale:
    name: str
    n_stores: int
    n_products: int
    n_customers: int
    lines_per_day: int

    def __post_init__(self):
        # store_id is 3 digits and 999 is reserved for the `unknown_store` defect.
        if not 1 <= self.n_stores <= 998:
            raise ValueError(f"n_stores must be in 1..998, got {self.n_stores}")
        if self.n_products < 10 or self.n_customers < 10 or self.lines_per_day < 10 * self.n_stores:
            raise ValueError(f"scale {self.name!r} is too small to be realistic: {self}")


SCALES: dict[str, RetailScale] = {
    "test": RetailScale("test", n_stores=3, n_products=60, n_customers=200, lines_per_day=400),
    "local": RetailScale("local", n_stores=10, n_products=500, n_customers=2_000, lines_per_day=3_000),
    "prod": RetailScale("prod", n_stores=500, n_products=20_000, n_customers=250_000, lines_per_day=600_000),
}

# Store formats: relative traffic, registers, opening hours (UTC, within the day so every
# clean timestamp falls in the partition). A supercenter sees ~5x an express store.
STORE_FORMATS = {
    "supercenter": dict(traffic=3.0, registers=12, opens=6, closes=23, share=0.25),
    "market": dict(traffic=1.4, registers=6, opens=7, closes=22, share=0.45),
    "express": dict(traffic=0.6, registers=3, opens=8, closes=21, share=0.30),
}
DAY_OF_WEEK_TRAFFIC = (0.92, 0.90, 0.95, 1.00, 1.08, 1.15, 1.00)  # Monday .. Sunday
MEAN_BASKET_LINES = 4.0
MAX_BASKET_LINES = 40
LOYALTY_SHARE = 0.60  # of receipts
HOME_STORE_SHARE = 0.85  # loyalty receipts scanned at the customer's own store
RETURN_SHARE = 0.015  # of lines
PROMO_SHARE = 0.08  # of lines sold below list price
PROMO_FACTORS = (0.90, 0.80, 0.75, 0.70)
QUANTITIES = (1, 2, 3, 4, 5, 6, 8, 10, 12)
QUANTITY_P = (0.68, 0.18, 0.07, 0.03, 0.015, 0.01, 0.007, 0.005, 0.003)
# Zipf-like popularity: weight 1 / (rank + offset) ** exponent. Offset flattens the very top.
POPULARITY_OFFSET = 2.0
POPULARITY_EXPONENT = 1.0
BELOW_COST_SHARE = 0.005  # products whose list price is under cost: a warning case downstream
INACTIVE_SHARE = 0.03
NO_SUPPLIER_SHARE = 0.01  # supplier is optional in the catalog contract
# Customers move on a fixed cycle: each customer moves once per period, on a day given by
# a per-customer phase, so ~1/period of the base moves on any date: 0.1% at prod scale.
# The period shrinks to n/3 days for small bases so even they see ~3 moves a day.
MOVE_PERIOD_MAX_DAYS = 1000
MOVE_EPOCH = dt.date(2024, 1, 1).toordinal()
SIGNUP_FIRST = dt.date(2012, 1, 1)
SIGNUP_LAST = dt.date(2023, 12, 31)


# --------------------------------------------------------------------------------------
# Reference data (seed only, cached: a multi-day run builds it once)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stores:
    frame: pl.DataFrame  # STORE_COLUMNS as text
    ids: tuple[str, ...]  # "001", ...
    city_idx: np.ndarray
    traffic: np.ndarray  # relative size, drives lines per day
    registers: np.ndarray
    opens_sec: np.ndarray
    closes_sec: np.ndarray


@dataclass(frozen=True)
class Products:
    frame: pl.DataFrame  # product_id, ..., cost_cents, list_cents, active
    ids: pl.Series
    sellable: np.ndarray  # indices of active products, in popularity-rank order
    sellable_p: np.ndarray  # probability of each sellable product per line


@dataclass(frozen=True)
class Customers:
    base: pl.DataFrame  # every CUSTOMER_COLUMNS column except the address
    cards: np.ndarray  # int64 loyalty card numbers
    ids: np.ndarray  # "C1234567" strings
    home_city: np.ndarray
    move_phase: np.ndarray
    move_step: np.ndarray
    move_period: int
    by_store: np.ndarray  # customer indices grouped by home store, random order within a store
    store_offsets: np.ndarray  # by_store[store_offsets[s]:store_offsets[s+1]] live near store s


@dataclass(frozen=True)
class Reference:
    seed: int
    stores: Stores
    products: Products
    customers: Customers
    stores_csv: bytes
    products_jsonl: bytes


def _ascii_slug(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text).lower() if c.isascii() and c.isalnum())


def _build_stores(seed: int, n: int) -> Stores:
    rng = rng_for(seed, "stores")
    formats = list(STORE_FORMATS)
    # Fixed quotas (at least one of each format when there are 3+ stores) so even a tiny
    # chain has the size variation the gold layer is meant to show.
    counts = [max(1, round(STORE_FORMATS[f]["share"] * n)) if n >= 3 else 0 for f in formats]
    counts[1] = n - counts[0] - counts[2] if n >= 3 else n
    type_idx = rng.permutation(np.repeat(np.arange(3), counts))
    # Regions dealt round-robin then shuffled: all five present once there are 5+ stores.
    region_idx = rng.permutation(np.resize(rng.permutation(len(vocab.REGIONS)), n))
    cities_by_region = [[i for i, c in enumerate(vocab.CITIES) if c[2] == r] for r in vocab.REGIONS]
    city_idx = np.array([cities_by_region[r][rng.integers(len(cities_by_region[r]))] for r in region_idx])
    open_days = rng.integers(dt.date(1998, 1, 1).toordinal(), dt.date(2023, 12, 31).toordinal(), n)
    jitter = rng.lognormal(0.0, 0.15, n)
    hood = rng.integers(len(vocab.NEIGHBOURHOODS), size=n)

    ids = tuple(f"{i + 1:03d}" for i in range(n))
    rows = []
    for i in range(n):
        city, state, region, _, _ = vocab.CITIES[city_idx[i]]
        kind = formats[type_idx[i]]
        if kind == "supercenter":
            name = f"FreshMart Supercenter {city} #{ids[i]}"
        elif kind == "market":
            name = f"FreshMart {city} #{ids[i]}"
        else:
            name = f"FreshMart Express {city}, {vocab.NEIGHBOURHOODS[hood[i]]}"
        rows.append((ids[i], name, city, state, region, kind, dt.date.fromordinal(int(open_days[i])).isoformat()))
    frame = pl.DataFrame(rows, schema=list(STORE_COLUMNS), orient="row")
    fmt = [STORE_FORMATS[formats[t]] for t in type_idx]
    return Stores(
        frame=frame,
        ids=ids,
        city_idx=city_idx,
        traffic=np.array([f["traffic"] for f in fmt]) * jitter,
        registers=np.array([f["registers"] for f in fmt]),
        opens_sec=np.array([f["opens"] * 3600 for f in fmt]),
        closes_sec=np.array([f["closes"] * 3600 for f in fmt]),
    )


def _build_products(seed: int, n: int) -> Products:
    rng = rng_for(seed, "products")
    categories = list(vocab.CATALOG)
    weights = np.array([vocab.CATALOG[c][0] for c in categories], dtype=float)
    cat_idx = rng.choice(len(categories), size=n, p=weights / weights.sum())
    u_sub, u_item, u_brand, u_size, u_cost = (rng.random(n) for _ in range(5))
    private_label = rng.random(n) < 0.2
    modifier_idx = rng.integers(len(vocab.NAME_MODIFIERS), size=n)
    markup = rng.uniform(1.15, 1.75, n)

    # UPC-A: number-system digit + 10 random digits, unique, then the check digit.
    number_system = rng.choice(np.array([0, 0, 0, 6, 7, 8]), size=n)
    payload = number_system * 10**10 + rng.choice(10**10, size=n, replace=False)
    ids = [f"{p:011d}{upc_check_digit(f'{p:011d}')}" for p in payload.tolist()]

    names, cats, subcats, brands, suppliers, cost_cents = [], [], [], [], [], []
    for i in range(n):
        category = categories[cat_idx[i]]
        _, (lo, hi), sizes, cat_brands, subs = vocab.CATALOG[category]
        sub = list(subs)[int(u_sub[i] * len(subs))]
        item = subs[sub][int(u_item[i] * len(subs[sub]))]
        if private_label[i]:
            brand, supplier = vocab.PRIVATE_LABEL, vocab.PRIVATE_LABEL_SUPPLIER
        else:
            b = int(u_brand[i] * len(cat_brands))
            brand = cat_brands[b]
            suppliers_here = vocab.CATEGORY_SUPPLIERS[category]
            supplier = suppliers_here[b % len(suppliers_here)]
        size = sizes[int(u_size[i] * len(sizes))]
        names.append(f"{brand} {vocab.NAME_MODIFIERS[modifier_idx[i]]}{item} {size}")
        cats.append(category)
        subcats.append(sub)
        brands.append(brand)
        suppliers.append(supplier)
        cost_cents.append(max(10, round(100 * np.exp(np.log(lo) + u_cost[i] * (np.log(hi) - np.log(lo))))))

    cost = np.array(cost_cents, dtype=np.int64)
    # Shelf prices end in 9 (3.99, 12.49) and sit above cost ...
    list_cents = (np.rint(cost * markup).astype(np.int64) // 10) * 10 + 9
    list_cents = np.where(list_cents <= cost, list_cents + 10, list_cents)
    # ... except a few mispriced items below cost, which silver flags as a warning.
    below = rng.choice(n, size=max(1, round(BELOW_COST_SHARE * n)), replace=False)
    list_cents[below] = np.maximum(1, np.floor(cost[below] * rng.uniform(0.80, 0.97, below.size))).astype(np.int64)
    active = np.ones(n, dtype=bool)
    active[rng.choice(n, size=max(1, round(INACTIVE_SHARE * n)), replace=False)] = False
    for i in rng.choice(n, size=round(NO_SUPPLIER_SHARE * n), replace=False).tolist():
        suppliers[i] = None

    frame = pl.DataFrame(
        {
            "product_id": ids,
            "product_name": names,
            "category": cats,
            "subcategory": subcats,
            "brand": brands,
            "supplier": suppliers,
            "cost_cents": cost,
            "list_cents": list_cents,
            "active": active,
        },
        schema_overrides={"supplier": pl.String},
    )
    # Popularity: a random (seed-stable) ranking of what is on sale, Zipf-weighted, so the
    # same products are best sellers every day, as the "best sellers per store" gold expects.
    sellable = rng.permutation(np.flatnonzero(active))
    weight = 1.0 / (np.arange(sellable.size) + POPULARITY_OFFSET) ** POPULARITY_EXPONENT
    return Products(frame=frame, ids=frame["product_id"], sellable=sellable, sellable_p=weight / weight.sum())


def products_jsonl(products: Products, extra_field: tuple[str, object] | None = None) -> bytes:
    """The catalog export. `extra_field` adds a key to every object (the schema-drift case)."""
    records = []
    for row in products.frame.iter_rows(named=True):
        rec = {k: row[k] for k in PRODUCT_FIELDS[:6]}
        rec["cost"] = RawNumber(money(row["cost_cents"]))
        rec["list_price"] = RawNumber(money(row["list_cents"]))
        rec["active"] = row["active"]
        if extra_field is not None:
            rec[extra_field[0]] = extra_field[1]
        records.append(rec)
    return jsonl_bytes(records)


def _build_customers(seed: int, n: int, stores: Stores) -> Customers:
    rng = rng_for(seed, "customers")
    numbers = np.sort(rng.choice(9_000_000, size=n, replace=False) + 1_000_000)
    cards = rng.choice(1_000_000_000, size=n, replace=False).astype(np.int64) + 4_000_000_000
    first = np.array(vocab.FIRST_NAMES, dtype=object)[rng.integers(len(vocab.FIRST_NAMES), size=n)]
    last_idx = rng.integers(len(vocab.LAST_NAMES), size=n)
    last = np.array([ln[0] for ln in vocab.LAST_NAMES], dtype=object)[last_idx]
    last_slug = np.array([ln[1] for ln in vocab.LAST_NAMES], dtype=object)[last_idx]
    first_slug = np.array([_ascii_slug(f) for f in first], dtype=object)
    email_num = rng.integers(1, 100, size=n)
    domain = np.array(vocab.EMAIL_DOMAINS, dtype=object)[rng.integers(len(vocab.EMAIL_DOMAINS), size=n)]
    home_store = rng.choice(len(stores.ids), size=n, p=stores.traffic / stores.traffic.sum())
    lives_near = rng.random(n) < HOME_STORE_SHARE
    home_city = np.where(lives_near, stores.city_idx[home_store], rng.integers(len(vocab.CITIES), size=n))
    area = np.array([c[4] for c in vocab.CITIES], dtype=object)[home_city]  # numbers stay when people move
    line = rng.integers(0, 10_000, size=n)
    signup = rng.integers(SIGNUP_FIRST.toordinal(), SIGNUP_LAST.toordinal() + 1, size=n)
    period = int(np.clip(n // 3, 30, MOVE_PERIOD_MAX_DAYS))
    move_phase = rng.integers(0, period, size=n)
    move_step = rng.integers(1, len(vocab.CITIES), size=n)  # never 0 mod #cities: a move changes city
    shuffle_key = rng.random(n)

    # A few CRM entries hold hostile text; it has to come through as plain data.
    if n >= 50:
        for j, (fn, ln, slug) in enumerate(vocab.HOSTILE_NAMES):
            i = (j + 1) * n // (len(vocab.HOSTILE_NAMES) + 1)
            first[i], last[i], first_slug[i], last_slug[i] = fn, ln, "x", slug

    ids = np.array([f"C{x:07d}" for x in numbers.tolist()], dtype=object)
    base = pl.DataFrame(
        {
            "customer_id": pl.Series(ids, dtype=pl.String),
            "loyalty_card": pl.Series(cards).cast(pl.String),
            "first_name": pl.Series(first, dtype=pl.String),
            "last_name": pl.Series(last, dtype=pl.String),
            "_first_slug": pl.Series(first_slug, dtype=pl.String),
            "_last_slug": pl.Series(last_slug, dtype=pl.String),
            "_num": email_num,
            "_domain": pl.Series(domain, dtype=pl.String),
            "_area": pl.Series(area, dtype=pl.String),
            "_line": line,
            "_signup": signup - dt.date(1970, 1, 1).toordinal(),
        }
    ).select(
        "customer_id",
        "loyalty_card",
        "first_name",
        "last_name",
        pl.concat_str(["_first_slug", pl.lit("."), "_last_slug", pl.col("_num").cast(pl.String), pl.lit("@"), "_domain"]).alias("email"),
        pl.concat_str(["_area", pl.lit("-555-"), pl.col("_line").cast(pl.String).str.zfill(4)]).alias("phone"),
        pl.col("_signup").cast(pl.Date).dt.strftime("%Y-%m-%d").alias("signup_date"),
    )
    by_store = np.lexsort((shuffle_key, home_store))
    offsets = np.searchsorted(home_store[by_store], np.arange(len(stores.ids) + 1))
    return Customers(base, cards, ids, home_city, move_phase, move_step, period, by_store, offsets)


@functools.lru_cache(maxsize=4)
def reference_data(seed: int, scale: RetailScale) -> Reference:
    stores = _build_stores(seed, scale.n_stores)
    products = _build_products(seed, scale.n_products)
    customers = _build_customers(seed, scale.n_customers, stores)
    return Reference(seed, stores, products, customers, csv_bytes(stores.frame), products_jsonl(products))


def customers_on(ref: Reference, day: dt.date) -> tuple[pl.DataFrame, list[str]]:
    """The CRM export for `day` and the ids of customers whose address changed that day.

    Address version k = floor((day - epoch - phase) / period) is a pure function of the
    date, so any day can be generated on its own and still agree with its neighbours.
    """
    c = ref.customers
    since = day.toordinal() - MOVE_EPOCH - c.move_phase
    version = np.floor_divide(since, c.move_period)
    city = (c.home_city + version * c.move_step) % len(vocab.CITIES)
    idx = np.arange(c.cards.size, dtype=np.int64)
    zip_tail = mix64((np.int64(ref.seed & 0xFFFFFF) << 40) ^ (idx << 16) ^ (version & 0xFFFF)) % np.uint64(100)
    cities = vocab.CITIES
    frame = c.base.with_columns(
        city=pl.Series(np.array([x[0] for x in cities], dtype=object)[city], dtype=pl.String),
        state=pl.Series(np.array([x[1] for x in cities], dtype=object)[city], dtype=pl.String),
        zip=pl.concat_str([pl.Series(np.array([x[3] for x in cities], dtype=object)[city], dtype=pl.String), pl.Series(zip_tail.astype(np.int64)).cast(pl.String).str.zfill(2)]),
    ).select(CUSTOMER_COLUMNS)
    moved = c.ids[np.mod(since, c.move_period) == 0].tolist()
    return frame, moved


# --------------------------------------------------------------------------------------
# POS lines (seed and date)
# --------------------------------------------------------------------------------------


def build_pos_lines(day: dt.date, seed: int, scale: RetailScale, ref: Reference) -> pl.DataFrame:
    """Every line rung up on `day`, all columns as text, plus `_store` (store index).

    Sorted by store, then receipt start time: the order a store's export lists them.
    """
    rng = rng_for(seed, "pos", day)
    st, pr, cu = ref.stores, ref.products, ref.customers
    n_stores = len(st.ids)

    # Lines per store: proportional to store size, scaled by weekday, with daily noise.
    share = st.traffic * rng.lognormal(0.0, 0.08, n_stores)
    targets = np.maximum(np.rint(scale.lines_per_day * DAY_OF_WEEK_TRAFFIC[day.weekday()] * share / share.sum()), 3).astype(np.int64)
    total = int(targets.sum())

    # Baskets: geometric sizes laid end to end; a receipt belongs to the store whose line
    # quota its first line falls into. Stores are contiguous, so the frame comes out grouped.
    sizes = np.minimum(rng.geometric(1 / MEAN_BASKET_LINES, int(total / MEAN_BASKET_LINES * 1.3) + 16), MAX_BASKET_LINES)
    while sizes.sum() < total:
        sizes = np.concatenate([sizes, np.minimum(rng.geometric(1 / MEAN_BASKET_LINES, 64), MAX_BASKET_LINES)])
    starts = np.cumsum(sizes) - sizes
    sizes, starts = sizes[starts < total], starts[starts < total]
    n_rec = sizes.size
    r_store = np.searchsorted(np.cumsum(targets), starts, side="right")

    # Receipt header: register, start time within opening hours (lunch and after-work peaks).
    r_reg = (rng.random(n_rec) * st.registers[r_store]).astype(np.int64) + 1
    opens, closes = st.opens_sec[r_store], st.closes_sec[r_store]
    mode = rng.random(n_rec)
    t = np.where(
        mode < 0.5,
        rng.uniform(opens, closes),
        np.where(mode < 0.75, rng.normal(12.5 * 3600, 1.2 * 3600, n_rec), rng.normal(17.75 * 3600, 1.4 * 3600, n_rec)),
    )
    # Peak tails that fall outside opening hours are redrawn uniformly (clipping would pile
    # receipts up on one second). The last 10 minutes stay free for the longest basket.
    last_start = closes - 600
    outside = (t < opens) | (t >= last_start)
    r_start = np.where(outside, rng.uniform(opens, last_start), t).astype(np.int64)
    shift = (r_start >= 14 * 3600).astype(np.int64)
    r_cashier = 1 + (r_store * 37 + r_reg * 11 + shift * 5) % 999

    # Loyalty: 60% of receipts; mostly a customer of this store, regulars more often (u**2).
    has_card = rng.random(n_rec) < LOYALTY_SHARE
    block = cu.store_offsets[r_store + 1] - cu.store_offsets[r_store]
    local = cu.by_store[np.minimum(cu.store_offsets[r_store] + (rng.random(n_rec) ** 2 * block).astype(np.int64), cu.by_store.size - 1)]
    anyone = rng.integers(cu.cards.size, size=n_rec)
    shopper = np.where((rng.random(n_rec) < HOME_STORE_SHARE) & (block > 0), local, anyone)
    r_card = np.where(has_card, cu.cards[shopper], -1)

    # Receipt sequence: per store and register, in time order.
    order = np.lexsort((np.arange(n_rec), r_start, r_reg, r_store))
    s_o, g_o = r_store[order], r_reg[order]
    first = np.r_[True, (s_o[1:] != s_o[:-1]) | (g_o[1:] != g_o[:-1])]
    pos_in = np.arange(n_rec)
    seq = np.empty(n_rec, dtype=np.int64)
    seq[order] = pos_in - np.maximum.accumulate(np.where(first, pos_in, 0)) + 1

    # Lines.
    n_lines = int(sizes.sum())
    rec = np.repeat(np.arange(n_rec), sizes)
    line_no = np.arange(n_lines) - np.repeat(starts, sizes) + 1
    product = pr.sellable[rng.choice(pr.sellable.size, size=n_lines, p=pr.sellable_p)]
    qty = rng.choice(np.array(QUANTITIES), size=n_lines, p=np.array(QUANTITY_P))
    is_return = rng.random(n_lines) < RETURN_SHARE
    qty = np.where(is_return, -np.where(rng.random(n_lines) < 0.8, 1, qty), qty)
    price = pr.frame["list_cents"].to_numpy()[product]
    promo = rng.random(n_lines) < PROMO_SHARE
    discounted = np.maximum(1, np.rint(price * rng.choice(np.array(PROMO_FACTORS), size=n_lines))).astype(np.int64)
    price = np.where(promo, discounted, price)
    # Items are scanned a few seconds apart.
    gaps = np.where(line_no == 1, 0, rng.integers(2, 13, size=n_lines))
    scanned = np.cumsum(gaps)
    offset = scanned - scanned[np.repeat(starts, sizes)]
    epoch_day = (day.toordinal() - dt.date(1970, 1, 1).toordinal()) * 86_400
    ts = epoch_day + r_start[rec] + offset

    line_order = np.lexsort((line_no, rec, r_start[rec], r_store[rec]))
    raw = pl.DataFrame(
        {
            "_store": r_store[rec],
            "_reg": r_reg[rec],
            "_seq": seq[rec],
            "line_no": line_no,
            "_product": product,
            "quantity": qty,
            "_price": price,
            "_ts": ts,
            "_cashier": r_cashier[rec],
            "_card": r_card[rec],
        }
    )[line_order]
    reg2 = pl.col("_reg").cast(pl.String).str.zfill(2)
    store3 = (pl.col("_store") + 1).cast(pl.String).str.zfill(3)
    return raw.select(
        pl.concat_str([store3, pl.lit("-"), reg2, pl.lit("-" + day.strftime("%Y%m%d") + "-"), pl.col("_seq").cast(pl.String).str.zfill(5)]).alias("receipt_id"),
        pl.col("line_no").cast(pl.String),
        store3.alias("store_id"),
        pl.concat_str([pl.lit("POS"), reg2]).alias("register_id"),
        pr.ids.gather(raw["_product"]).alias("product_barcode"),
        pl.col("quantity").cast(pl.String),
        money_expr(pl.col("_price")).alias("price"),
        pl.from_epoch("_ts", time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("timestamp"),
        pl.concat_str([pl.lit("emp"), pl.col("_cashier").cast(pl.String).str.zfill(3)]).alias("cashier_id"),
        pl.when(pl.col("_card") >= 0).then(pl.col("_card").cast(pl.String)).alias("loyalty_card"),
        pl.col("_store"),
    )


# --------------------------------------------------------------------------------------
# One day of landing files
# --------------------------------------------------------------------------------------


def generate_retail_day_with_manifest(
    date: dt.date, scale: RetailScale, seed: int = 42, defects: DefectConfig | None = None
) -> tuple[dict[str, bytes], dict]:
    """Landing files for `date` keyed by lake key, and a manifest of what was injected.

    Reference files come first, then one POS file per store in store order. The manifest
    is plain JSON-serialisable data; see `simulator.defects.render_pos_files` for its POS part.
    """
    defects = defects or DefectConfig()
    ref = reference_data(seed, scale)
    files: dict[str, bytes] = {landing_key("stores", date, "stores.csv"): ref.stores_csv}

    products_key = landing_key("products", date, "products.jsonl")
    drift_products = "products_schema_drift" in defects.bad_files
    # The drifted export gains a key a new inventory-system release might add.
    files[products_key] = products_jsonl(ref.products, ("shelf_life_days", 14)) if drift_products else ref.products_jsonl

    customers, moved = customers_on(ref, date)
    files[landing_key("customers", date, "customers.csv")] = csv_bytes(customers)

    pos = build_pos_lines(date, seed, scale, ref)
    pos_files, pos_manifest = render_pos_files(pos, date, seed, ref.stores.ids, ref.products.ids, defects)
    files.update(pos_files)

    if drift_products:
        pos_manifest["bad_files"].append({"case": "products_schema_drift", "key": products_key, "outcome": "contract_failure"})
        pos_manifest["expected_pos_silver"] = None  # a catalog that failed its contract blocks POS silver (DOMAIN.md §5)
    manifest = {
        "date": date.isoformat(),
        "seed": seed,
        "scale": scale.name,
        "customers_moved": moved,
        **pos_manifest,
    }
    return files, manifest


def generate_retail_day(date: dt.date, scale: RetailScale, seed: int = 42, defects: DefectConfig | None = None) -> dict[str, bytes]:
    """Landing files for `date`, keyed by lake key exactly as DOMAIN.md §5."""
    return generate_retail_day_with_manifest(date, scale, seed, defects)[0]

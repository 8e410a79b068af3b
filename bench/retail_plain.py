"""One retail day's silver and gold, written plainly in pandas and in PySpark: the yardsticks
bench/retail_day.py measures the platform against.

This is what a competent engineer would write for each engine from DOMAIN.md §2.2-2.3 and §5,
without the platform's code: no polars, no Dagster, no heroic tuning. Each reads the same
landing files as the platform, applies the same rejection rules (same names), deduplicates on
the key with the first occurrence in (file, line) order winning, masks customer PII with the
same HMAC-SHA256 tokens (so loyalty cards resolve to the same customers), and writes silver,
quarantine and gold as Parquet:

    <out>/silver/<dataset>.parquet, <out>/quarantine/<dataset>.parquet, <out>/gold/<dataset>.parquet

(a directory of part files for Spark). Not covered, as in the brief: bronze, customer_rfm,
segments and the warehouse load. Where a plain version takes a simpler road than the platform
(noted where it happens), the difference never changes which rows are valid.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import hmac
from datetime import date, datetime, timedelta
from pathlib import Path

POS_COLUMNS = ("receipt_id", "line_no", "store_id", "register_id", "product_barcode", "quantity", "price", "timestamp", "cashier_id", "loyalty_card")
PRODUCT_COLUMNS = ("product_id", "product_name", "category", "subcategory", "brand", "supplier", "cost", "list_price", "active")
CUSTOMER_COLUMNS = ("customer_id", "loyalty_card", "first_name", "last_name", "email", "phone", "signup_date", "city", "state", "zip")
STORE_COLUMNS = ("store_id", "store_name", "city", "state", "region", "store_type", "open_date")
PRODUCT_REQUIRED = ("product_id", "product_name", "category", "cost", "list_price", "active")
REGIONS = ("Northeast", "Southeast", "Midwest", "Southwest", "West")
STORE_TYPES = ("supercenter", "market", "express")
MAX_QUANTITY = 100
MAX_PRICE_CENTS = 1_000_000  # 10,000.00
TOKEN_HEX_CHARS = 32  # the platform keeps 128 bits of the HMAC

# The shapes of DOMAIN.md §2.1, anchored (pandas `fullmatch` and Spark `rlike` both see these).
RECEIPT_ID = r"^\d{3}-\d{2}-\d{8}-\d{5}$"
STORE_ID = r"^\d{3}$"
REGISTER_ID = r"^POS\d{2}$"
CASHIER_ID = r"^emp\d{3}$"
CUSTOMER_ID = r"^C\d{7}$"
LOYALTY_CARD = r"^\d{10}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
INTEGER = r"^[+-]?\d{1,9}$"
MONEY = r"^[+-]?\d{1,8}(\.\d{1,2})?$"  # decimal(10,2): no exponent, NaN, '$' or third decimal
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
UPC = r"^\d{12}$"
UPC_WEIGHTS = (3, 1) * 6  # UPC-A: 3 x odd positions + even positions ≡ 0 (mod 10)

GOLD = ("store_product_daily", "store_daily", "category_region_daily")
SILVER = ("stores", "products", "customers", "pos_lines")


def landing_folder(landing_root: str, source: str, day: date) -> Path:
    return Path(landing_root, "retail", source, f"dt={day.isoformat()}")


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer padded keys (RFC 2104), for engines that only have SHA-256."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


# ============================================================================================
# pandas
# ============================================================================================


def pandas_day(landing_root: str, day: date, out_dir: str, pii_key: bytes, now: datetime) -> dict:
    """Silver, quarantine and gold of `day` in pandas, written under `out_dir`. Returns the frames
    by "<layer>/<dataset>"."""
    import pandas as pd

    out: dict[str, pd.DataFrame] = {}
    out["silver/stores"], out["quarantine/stores"] = _pd_stores(landing_root, day)
    out["silver/products"], out["quarantine/products"] = _pd_products(landing_root, day)
    out["silver/customers"], out["quarantine/customers"] = _pd_customers(landing_root, day, pii_key)
    out["silver/pos_lines"], out["quarantine/pos_lines"] = _pd_pos_lines(
        landing_root, day, pii_key, now, out["silver/stores"], out["silver/products"], out["silver/customers"]
    )
    out.update(_pd_gold(out["silver/pos_lines"], out["silver/products"], out["silver/stores"]))
    for name, frame in out.items():
        path = Path(out_dir, f"{name}.parquet")
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
    return out


def _read_text(path: Path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8-sig")  # a BOM is allowed


def _pd_read_csv(folder: Path, columns: tuple[str, ...]):
    """Every record of the folder's CSV files as text, with `_source_key`, `_source_line` and
    `_raw_line` (the text of a line that is not a record: wrong field count, broken quote).

    pd.read_csv cannot do this: one unclosed quote swallows the rest of a file, and a short
    line is silently padded with empty fields. So lines are split here: plain lines with one
    vectorised `str.split`, the few lines with quotes through the csv module one by one (a
    quoted field spanning lines is not supported; it comes out malformed)."""
    import pandas as pd

    keys, numbers, lines = [], [], []
    for path in sorted(folder.glob("*.csv*")):
        header, *body = _read_text(path).splitlines()
        found = [h.strip() for h in next(csv.reader([header]))]
        if sorted(found) != sorted(columns):
            raise ValueError(f"{path}: columns do not match the contract: {found}")
        if found != list(columns):
            raise ValueError(f"{path}: reordered columns are not supported by this plain reader")
        keys += [str(path)] * len(body)
        numbers += range(2, len(body) + 2)
        lines += body
    frame = pd.DataFrame({"_source_key": keys, "_source_line": numbers, "_line": pd.Series(lines, dtype="str")})
    frame = frame[frame["_line"].str.strip() != ""]
    plain = ~frame["_line"].str.contains('"', regex=False) & (frame["_line"].str.count(",") == len(columns) - 1)
    fields = frame.loc[plain, "_line"].str.split(",", expand=True).set_axis(list(columns), axis=1) if plain.any() else None
    quoted = {i: _csv_fields(line, len(columns)) for i, line in frame.loc[~plain, "_line"].items()}
    parsed = pd.DataFrame.from_dict({i: f for i, f in quoted.items() if f is not None}, orient="index", columns=list(columns))
    records = pd.concat([f for f in (fields, parsed) if f is not None and len(f)]).reindex(frame.index).astype("str")
    for column in columns:  # values are trimmed; an empty value is missing
        trimmed = records[column].str.strip()
        records[column] = trimmed.mask(trimmed == "")
    malformed = ~plain & ~frame.index.isin(parsed.index)
    records = records.assign(_source_key=frame["_source_key"], _source_line=frame["_source_line"], _raw_line=frame["_line"].where(malformed))
    return records.reset_index(drop=True)


def _csv_fields(line: str, width: int) -> list[str] | None:
    try:
        rows = list(csv.reader([line], strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 and len(rows[0]) == width else None


def _pd_integer(text):
    import pandas as pd

    return pd.to_numeric(text.where(text.str.fullmatch(INTEGER, na=False)), errors="coerce").astype("Int64")


def _pd_cents(text):
    """Money as integer cents: exact sums, exact comparisons, exact ranks."""
    import pandas as pd

    value = pd.to_numeric(text.where(text.str.fullmatch(MONEY, na=False)), errors="coerce")
    return (value * 100).round().astype("Int64")


def _pd_date(text):
    import pandas as pd

    return pd.to_datetime(text.where(text.str.fullmatch(ISO_DATE, na=False)), format="%Y-%m-%d", errors="coerce").dt.date


def _pd_valid_upc(text):
    """12 digits with a valid check digit, computed once per distinct barcode (there are ~20,000)."""

    def ok(code: str) -> bool:
        return sum(int(d) * w for d, w in zip(code, UPC_WEIGHTS, strict=True)) % 10 == 0

    shaped = text.str.fullmatch(UPC, na=False)
    checks = {code: ok(code) for code in text[shaped].unique()}
    return shaped & text.map(checks).eq(True)


def _pd_tokens(values, key: bytes):
    """HMAC-SHA256 tokens, each distinct value hashed once (loyalty cards repeat across receipts)."""
    table = {v: hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:TOKEN_HEX_CHARS] for v in values.dropna().unique()}
    return values.map(table)


def _pd_screen(records, key: list[str], rules: dict):
    """(valid mask, quarantine rows). Duplicates are dropped before the rules (the first
    occurrence in file and line order wins), and a malformed line breaks only `malformed_line`.
    A quarantined row lists every rule it breaks."""
    import pandas as pd

    malformed = records["_raw_line"].notna()
    keyed = ~malformed & records[key].notna().all(axis=1)
    duplicate = keyed & records[key].duplicated(keep="first")
    broken = pd.DataFrame(rules).fillna(False).astype(bool)
    broken[malformed] = False  # a line that is not a record has no fields to judge
    broken.insert(0, "malformed_line", malformed)
    rejected = broken.any(axis=1) & ~duplicate
    names = list(broken.columns)
    reasons = [[n for n, hit in zip(names, row, strict=True) if hit] for row in broken[rejected].itertuples(index=False)]
    quarantine = records[rejected].assign(_reject_reasons=pd.Series(reasons, index=records.index[rejected], dtype=object))
    return ~duplicate & ~rejected, quarantine


def _pd_missing(records, columns):
    return records[list(columns)].isna().any(axis=1)


def _pd_stores(landing_root: str, day: date):
    records = _pd_read_csv(landing_folder(landing_root, "stores", day), STORE_COLUMNS)
    open_date = _pd_date(records["open_date"])
    rules = {
        "missing_required_field": _pd_missing(records, STORE_COLUMNS),
        "invalid_store_id": ~records["store_id"].str.fullmatch(STORE_ID, na=True),
        "invalid_region": records["region"].notna() & ~records["region"].isin(REGIONS),
        "invalid_store_type": records["store_type"].notna() & ~records["store_type"].isin(STORE_TYPES),
        "invalid_open_date": records["open_date"].notna() & open_date.isna(),
    }
    valid, quarantine = _pd_screen(records, ["store_id"], rules)
    stores = records[valid].assign(open_date=open_date[valid], snapshot_date=day)[[*STORE_COLUMNS, "snapshot_date"]]
    return stores.reset_index(drop=True), quarantine


def _pd_products(landing_root: str, day: date):
    """The catalog export is JSON Lines; pandas reads numbers as floats, so cost and list_price
    are valid when they are whole cents."""
    import pandas as pd

    path = landing_folder(landing_root, "products", day) / "products.jsonl"
    records = pd.read_json(path, lines=True, dtype=False)
    if sorted(records.columns) != sorted(PRODUCT_COLUMNS):
        raise ValueError(f"{path}: columns do not match the contract: {list(records.columns)}")
    records = records.assign(_source_key=str(path), _source_line=records.index + 1, _raw_line=None)
    for column in ("product_id", "product_name", "category", "subcategory", "brand", "supplier"):
        text = records[column].astype("str").str.strip()
        records[column] = text.mask(text == "")
    money = {}
    for column in ("cost", "list_price"):
        value = pd.to_numeric(records[column], errors="coerce")
        cents = (value * 100).round()
        money[column] = cents.where((value * 100 - cents).abs() < 1e-6).astype("Int64")
    active = records["active"].map({True: True, False: False, "true": True, "false": False, "1": True, "0": False})
    rules = {
        "missing_required_field": _pd_missing(records, PRODUCT_REQUIRED),
        "invalid_barcode": records["product_id"].notna() & ~_pd_valid_upc(records["product_id"]),
        "invalid_cost": records["cost"].notna() & money["cost"].isna(),
        "negative_cost": money["cost"] < 0,
        "invalid_list_price": records["list_price"].notna() & money["list_price"].isna(),
        "non_positive_price": money["list_price"] <= 0,
        "invalid_active": records["active"].notna() & active.isna(),
    }
    valid, quarantine = _pd_screen(records, ["product_id"], rules)
    products = records[valid].assign(
        cost_cents=money["cost"][valid], list_price_cents=money["list_price"][valid], active=active[valid].astype(bool), snapshot_date=day
    )
    products = products.assign(cost=products["cost_cents"] / 100, list_price=products["list_price_cents"] / 100)
    quarantine = quarantine.astype({"cost": "str", "list_price": "str", "active": "str"})  # as delivered, whatever the JSON type
    return products[[*PRODUCT_COLUMNS, "snapshot_date", "cost_cents"]].reset_index(drop=True), quarantine


def _pd_customers(landing_root: str, day: date, key: bytes):
    records = _pd_read_csv(landing_folder(landing_root, "customers", day), CUSTOMER_COLUMNS)
    signup = _pd_date(records["signup_date"])
    phone_digits = records["phone"].str.replace(r"\D", "", regex=True)
    rules = {
        "missing_required_field": _pd_missing(records, [c for c in CUSTOMER_COLUMNS if c != "loyalty_card"]),
        "invalid_customer_id": ~records["customer_id"].str.fullmatch(CUSTOMER_ID, na=True),
        "invalid_loyalty_card": ~records["loyalty_card"].str.fullmatch(LOYALTY_CARD, na=True),
        "invalid_email": ~records["email"].str.fullmatch(EMAIL, na=True),
        "invalid_phone": records["phone"].notna() & (phone_digits.str.len() < 7),
        "invalid_signup_date": records["signup_date"].notna() & signup.isna(),
    }
    valid, quarantine = _pd_screen(records, ["customer_id"], rules)
    rows = records[valid]
    email = rows["email"].str.split("@", n=1, expand=True)
    local, domain = email[0], email[1]
    digits = phone_digits[valid]
    customers = rows[["customer_id"]].assign(
        loyalty_token=_pd_tokens(rows["loyalty_card"], key),
        email_token=_pd_tokens(rows["email"].str.lower(), key),
        email_masked=local.str[0] + "******" + local.str[-1] + "@" + domain,
        phone_token=_pd_tokens(digits, key),
        phone_last4=("***-***-" + digits.str[-4:]).where(digits.str.len() >= 4),
        signup_date=signup[valid],
        city=rows["city"],
        state=rows["state"],
        zip=rows["zip"],
        snapshot_date=day,
    )
    # Rejected rows are read by analysts too: masked like silver, names dropped.
    quarantine = quarantine.assign(
        loyalty_card=_pd_tokens(quarantine["loyalty_card"], key), first_name=None, last_name=None, email=None, phone=None, _raw_line=None
    )
    return customers.reset_index(drop=True), quarantine


def _pd_pos_lines(landing_root: str, day: date, key: bytes, now: datetime, stores, products, customers):
    import pandas as pd

    raw = _pd_read_csv(landing_folder(landing_root, "pos", day), POS_COLUMNS)
    line_no = _pd_integer(raw["line_no"])
    quantity = _pd_integer(raw["quantity"])
    price = _pd_cents(raw["price"])
    timestamp = pd.to_datetime(raw["timestamp"], format="ISO8601", utc=True, errors="coerce")
    start = pd.Timestamp(day.isoformat(), tz="UTC")
    barcode_ok = _pd_valid_upc(raw["product_barcode"])
    rules = {
        "missing_required_field": _pd_missing(raw, [c for c in POS_COLUMNS if c != "loyalty_card"]),
        "unknown_store": raw["store_id"].notna() & ~raw["store_id"].isin(stores["store_id"]),
        "invalid_barcode": raw["product_barcode"].notna() & ~barcode_ok,
        "unknown_product": barcode_ok & ~raw["product_barcode"].isin(products["product_id"]),
        "invalid_quantity": raw["quantity"].notna() & quantity.isna(),
        "zero_quantity": quantity == 0,
        "quantity_out_of_range": quantity.abs() > MAX_QUANTITY,
        "invalid_price": raw["price"].notna() & price.isna(),
        "non_positive_price": price <= 0,
        "price_out_of_range": price > MAX_PRICE_CENTS,
        "invalid_timestamp": raw["timestamp"].notna() & timestamp.isna(),
        "future_timestamp": timestamp > pd.Timestamp(now),
        "timestamp_outside_partition": (timestamp < start) | (timestamp >= start + pd.Timedelta(days=1)),
        "invalid_receipt_id": ~raw["receipt_id"].str.fullmatch(RECEIPT_ID, na=True),
        "invalid_line_no": (raw["line_no"].notna() & line_no.isna()) | (line_no < 1),
        "invalid_store_id": ~raw["store_id"].str.fullmatch(STORE_ID, na=True),
        "invalid_register_id": ~raw["register_id"].str.fullmatch(REGISTER_ID, na=True),
        "invalid_cashier_id": ~raw["cashier_id"].str.fullmatch(CASHIER_ID, na=True),
    }
    valid, quarantine = _pd_screen(raw.assign(_line_key=line_no), ["receipt_id", "_line_key"], rules)
    quarantine = quarantine.drop(columns="_line_key")
    # An absent or unknown loyalty card is not an error: the line simply has no customer.
    by_token = customers.dropna(subset=["loyalty_token"]).drop_duplicates("loyalty_token").set_index("loyalty_token")["customer_id"]
    lines = raw[valid].assign(line_no=line_no[valid], quantity=quantity[valid], price_cents=price[valid], timestamp=timestamp[valid])
    lines = lines.assign(
        amount_cents=lines["quantity"] * lines["price_cents"],
        transaction_date=lines["timestamp"].dt.date,
        customer_id=_pd_tokens(lines["loyalty_card"], key).map(by_token),
    )
    lines = lines.assign(price=lines["price_cents"] / 100, amount=lines["amount_cents"] / 100)
    silver = lines[
        ["receipt_id", "line_no", "store_id", "register_id", "product_barcode", "quantity", "price", "amount", "timestamp",
         "transaction_date", "cashier_id", "customer_id", "_source_key", "_source_line", "amount_cents"]
    ].reset_index(drop=True)
    quarantine = quarantine.assign(
        loyalty_card=_pd_tokens(quarantine["loyalty_card"], key), _raw_line=quarantine["_raw_line"].str.replace(r"\b\d{10}\b", "<card>", regex=True)
    )
    return silver, quarantine


def _pd_gold(lines, products, stores) -> dict:
    """DOMAIN.md §2.3 on integer cents; money is written as float dollars (exact to the cent)."""
    import numpy as np

    catalog = products[["product_id", "category", "cost_cents"]].rename(columns={"product_id": "product_barcode"})
    priced = lines.merge(catalog, on="product_barcode", how="left")
    priced["line_cost_cents"] = priced["quantity"] * priced["cost_cents"]
    priced = priced.rename(columns={"transaction_date": "date"})

    spd = priced.groupby(["date", "store_id", "product_barcode"], as_index=False).agg(
        category=("category", "first"), units=("quantity", "sum"), revenue=("amount_cents", "sum"), cost=("line_cost_cents", "sum")
    )
    spd["margin"] = spd["revenue"] - spd["cost"]
    spd["revenue_rank"] = spd.groupby(["date", "store_id"])["revenue"].rank(method="dense", ascending=False).astype("int64")
    spd = spd.rename(columns={"product_barcode": "product_id"})

    sd = priced.assign(is_return=priced["quantity"] < 0).groupby(["date", "store_id"], as_index=False).agg(
        revenue=("amount_cents", "sum"),
        receipts=("receipt_id", "nunique"),
        units=("quantity", "sum"),
        return_lines=("is_return", "sum"),
        unique_customers=("customer_id", "nunique"),
    )
    sd["average_basket"] = np.round(sd["revenue"] / sd["receipts"])  # cents, ties to even

    crd = priced.merge(stores[["store_id", "region"]], on="store_id", how="left")
    crd["margin"] = crd["amount_cents"] - crd["line_cost_cents"]
    crd = crd.groupby(["date", "region", "category"], as_index=False).agg(
        revenue=("amount_cents", "sum"), margin=("margin", "sum"), units=("quantity", "sum")
    )

    def dollars(frame, columns):
        return frame.assign(**{c: frame[c] / 100 for c in columns})

    return {
        "gold/store_product_daily": dollars(spd, ["revenue", "cost", "margin"])[
            ["date", "store_id", "product_id", "category", "units", "revenue", "cost", "margin", "revenue_rank"]
        ],
        "gold/store_daily": dollars(sd, ["revenue", "average_basket"])[
            ["date", "store_id", "revenue", "receipts", "units", "return_lines", "unique_customers", "average_basket"]
        ],
        "gold/category_region_daily": dollars(crd, ["revenue", "margin"])[["date", "region", "category", "revenue", "margin", "units"]],
    }


# ============================================================================================
# PySpark
# ============================================================================================


def spark_session():
    """Local Spark as the platform's LocalSpark runs it: two cores, 2 GB driver, a handful of
    shuffle partitions (the default 200 is for clusters), no UI, UTC."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("retail_day_plain")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")  # progress bars on stderr; no effect on the work
        .getOrCreate()
    )


def pyspark_day(spark, landing_root: str, day: date, out_dir: str, pii_key: bytes, now: datetime) -> dict:
    """Silver, quarantine and gold of `day` on Spark, written under `out_dir`. Silver is written,
    then read back for the next step, as separate Spark jobs would. Returns the written frames
    by "<layer>/<dataset>"."""
    out = {}

    def write(name: str, frame):
        path = str(Path(out_dir, f"{name}.parquet"))
        frame.write.mode("overwrite").parquet(path)
        out[name] = spark.read.parquet(path)
        return out[name]

    screens = {
        "stores": lambda: _sp_stores(spark, landing_root, day),
        "products": lambda: _sp_products(spark, landing_root, day),
        "customers": lambda: _sp_customers(spark, landing_root, day, pii_key),
        "pos_lines": lambda: _sp_pos_lines(spark, landing_root, day, pii_key, now, out["silver/stores"], out["silver/products"], out["silver/customers"]),
    }
    for name, screen in screens.items():  # in order: POS lines are validated against the other three
        flagged, valid, quarantine = screen()
        write(f"silver/{name}", valid)
        write(f"quarantine/{name}", quarantine)
        flagged.unpersist()
    for name, frame in _sp_gold(out["silver/pos_lines"], out["silver/products"], out["silver/stores"]).items():
        write(name, frame)
    return out


def _sp_read_csv(spark, folder: Path, columns: tuple[str, ...]):
    """All of the folder's CSV files as text. Spark's PERMISSIVE mode puts a line with the wrong
    field count (or an unclosed quote) into `_raw_line`; values are trimmed, empty is null.
    A row's place in its file is `_row` (monotonically increasing within a file)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(c, StringType()) for c in columns] + [StructField("_raw_line", StringType())])
    frame = spark.read.csv(
        str(folder),
        schema=schema,
        header=True,
        escape='"',  # RFC 4180 doubles a quote inside a quoted field; Spark's default escape is a backslash
        enforceSchema=False,  # the header must name the contract's columns
        columnNameOfCorruptRecord="_raw_line",
        ignoreLeadingWhiteSpace=True,
        ignoreTrailingWhiteSpace=True,
    )
    return frame.select("*", F.col("_metadata.file_path").alias("_source_key"), F.monotonically_increasing_id().alias("_row"))


def _sp_integer(column: str):
    from pyspark.sql import functions as F

    return F.when(F.col(column).rlike(INTEGER), F.col(column).try_cast("long"))


def _sp_decimal(column: str):
    from pyspark.sql import functions as F

    return F.when(F.col(column).rlike(MONEY), F.col(column).try_cast("decimal(10,2)"))


def _sp_date(column: str):
    from pyspark.sql import functions as F

    return F.when(F.col(column).rlike(ISO_DATE), F.try_to_date(F.col(column), "yyyy-MM-dd"))


def _sp_valid_upc(column: str):
    from pyspark.sql import functions as F

    text = F.col(column)
    weighted = sum(F.substring(text, i + 1, 1).try_cast("int") * w for i, w in enumerate(UPC_WEIGHTS))
    return F.coalesce(text.rlike(UPC) & (weighted % 10 == 0), F.lit(False))


def _sp_token(column, key: bytes):
    """HMAC-SHA256 from Spark's built-in sha2 (no Python UDF): H(outer || H(inner || value))."""
    from pyspark.sql import functions as F

    inner, outer = (F.unhex(F.lit(pad.hex())) for pad in hmac_pads(key))
    digest = F.sha2(F.concat(outer, F.unhex(F.sha2(F.concat(inner, column.cast("binary")), 256))), 256)
    return F.substring(digest, 1, TOKEN_HEX_CHARS)


def _sp_missing(columns):
    from pyspark.sql import functions as F

    return F.greatest(*(F.col(c).isNull() for c in columns)) if len(columns) > 1 else F.col(columns[0]).isNull()


def _sp_not_matching(column: str, pattern: str):
    from pyspark.sql import functions as F

    return F.col(column).isNotNull() & ~F.col(column).rlike(pattern)


def _sp_screen(frame, key: list[str], rules: dict):
    """Adds `_duplicate` and `_reject_reasons` (empty when the row is valid). Duplicates are
    dropped before the rules: the first occurrence in (file, row) order wins."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    malformed = F.col("_raw_line").isNotNull()
    keyed = ~malformed
    for k in key:
        keyed = keyed & F.col(k).isNotNull()
    first = Window.partitionBy(*key).orderBy("_source_key", "_row")
    named = F.array_compact(F.array(*(F.when(F.coalesce(hit, F.lit(False)), F.lit(name)) for name, hit in rules.items())))
    flagged = frame.withColumn("_duplicate", keyed & (F.row_number().over(first) > 1)).withColumn(
        "_reject_reasons", F.when(malformed, F.array(F.lit("malformed_line"))).otherwise(named)
    )
    return flagged.cache()  # both the valid and the quarantine write read it


def _sp_split(flagged, valid_columns: list, quarantine_columns: list):
    """(flagged, valid rows, quarantined rows); the caller unpersists `flagged` once both are written."""
    from pyspark.sql import functions as F

    kept = flagged.filter(~F.col("_duplicate"))
    valid = kept.filter(F.size("_reject_reasons") == 0).select(*valid_columns)
    return flagged, valid, kept.filter(F.size("_reject_reasons") > 0).select(*quarantine_columns)


def _sp_stores(spark, landing_root: str, day: date):
    from pyspark.sql import functions as F

    raw = _sp_read_csv(spark, landing_folder(landing_root, "stores", day), STORE_COLUMNS).withColumn("open_date_typed", _sp_date("open_date"))
    rules = {
        "missing_required_field": _sp_missing(STORE_COLUMNS),
        "invalid_store_id": _sp_not_matching("store_id", STORE_ID),
        "invalid_region": F.col("region").isNotNull() & ~F.col("region").isin(*REGIONS),
        "invalid_store_type": F.col("store_type").isNotNull() & ~F.col("store_type").isin(*STORE_TYPES),
        "invalid_open_date": F.col("open_date").isNotNull() & F.col("open_date_typed").isNull(),
    }
    flagged = _sp_screen(raw, ["store_id"], rules)
    valid = [*(c for c in STORE_COLUMNS if c != "open_date"), F.col("open_date_typed").alias("open_date"), F.lit(day).alias("snapshot_date")]
    return _sp_split(flagged, valid, [*STORE_COLUMNS, "_source_key", "_raw_line", "_reject_reasons"])


def _sp_products(spark, landing_root: str, day: date):
    """JSON Lines read with every field as text: Spark then keeps a number's digits as written."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    path = landing_folder(landing_root, "products", day) / "products.jsonl"
    schema = StructType([StructField(c, StringType()) for c in PRODUCT_COLUMNS] + [StructField("_raw_line", StringType())])
    raw = spark.read.json(str(path), schema=schema, columnNameOfCorruptRecord="_raw_line")
    trimmed = [F.nullif(F.trim(F.col(c)), F.lit("")).alias(c) for c in PRODUCT_COLUMNS]
    raw = raw.select(*trimmed, "_raw_line", F.col("_metadata.file_path").alias("_source_key"), F.monotonically_increasing_id().alias("_row"))
    active = F.lower(F.col("active"))
    raw = raw.withColumns({
        "cost_typed": _sp_decimal("cost"),
        "list_price_typed": _sp_decimal("list_price"),
        "active_typed": F.when(active.isin("true", "1"), True).when(active.isin("false", "0"), False),
    })
    rules = {
        "missing_required_field": _sp_missing(PRODUCT_REQUIRED),
        "invalid_barcode": F.col("product_id").isNotNull() & ~_sp_valid_upc("product_id"),
        "invalid_cost": F.col("cost").isNotNull() & F.col("cost_typed").isNull(),
        "negative_cost": F.col("cost_typed") < 0,
        "invalid_list_price": F.col("list_price").isNotNull() & F.col("list_price_typed").isNull(),
        "non_positive_price": F.col("list_price_typed") <= 0,
        "invalid_active": F.col("active").isNotNull() & F.col("active_typed").isNull(),
    }
    flagged = _sp_screen(raw, ["product_id"], rules)
    valid = [
        *PRODUCT_COLUMNS[:6], F.col("cost_typed").alias("cost"), F.col("list_price_typed").alias("list_price"),
        F.col("active_typed").alias("active"), F.lit(day).alias("snapshot_date"),
    ]
    return _sp_split(flagged, valid, [*PRODUCT_COLUMNS, "_source_key", "_raw_line", "_reject_reasons"])


def _sp_customers(spark, landing_root: str, day: date, key: bytes):
    from pyspark.sql import functions as F

    raw = _sp_read_csv(spark, landing_folder(landing_root, "customers", day), CUSTOMER_COLUMNS)
    raw = raw.withColumns({"signup_date_typed": _sp_date("signup_date"), "phone_digits": F.regexp_replace("phone", r"\D", "")})
    rules = {
        "missing_required_field": _sp_missing([c for c in CUSTOMER_COLUMNS if c != "loyalty_card"]),
        "invalid_customer_id": _sp_not_matching("customer_id", CUSTOMER_ID),
        "invalid_loyalty_card": _sp_not_matching("loyalty_card", LOYALTY_CARD),
        "invalid_email": _sp_not_matching("email", EMAIL),
        "invalid_phone": F.col("phone").isNotNull() & (F.length("phone_digits") < 7),
        "invalid_signup_date": F.col("signup_date").isNotNull() & F.col("signup_date_typed").isNull(),
    }
    flagged = _sp_screen(raw, ["customer_id"], rules)
    local = F.substring_index("email", "@", 1)
    valid = [
        "customer_id",
        _sp_token(F.col("loyalty_card"), key).alias("loyalty_token"),
        _sp_token(F.lower("email"), key).alias("email_token"),
        F.concat(F.substring(local, 1, 1), F.lit("******"), F.substring(local, -1, 1), F.lit("@"), F.substring_index("email", "@", -1)).alias("email_masked"),
        _sp_token(F.col("phone_digits"), key).alias("phone_token"),
        F.when(F.length("phone_digits") >= 4, F.concat(F.lit("***-***-"), F.substring("phone_digits", -4, 4))).alias("phone_last4"),
        F.col("signup_date_typed").alias("signup_date"),
        "city", "state", "zip",
        F.lit(day).alias("snapshot_date"),
    ]
    # Rejected rows are read by analysts too: masked like silver, names and raw text dropped.
    masked = [
        "customer_id", _sp_token(F.col("loyalty_card"), key).alias("loyalty_card"), "signup_date", "city", "state", "zip",
        "_source_key", "_reject_reasons",
    ]
    return _sp_split(flagged, valid, masked)


def _sp_pos_lines(spark, landing_root: str, day: date, key: bytes, now: datetime, stores, products, customers):
    from pyspark.sql import functions as F

    start = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
    raw = _sp_read_csv(spark, landing_folder(landing_root, "pos", day), POS_COLUMNS)
    raw = raw.withColumns({
        "line_no_typed": _sp_integer("line_no"),
        "quantity_typed": _sp_integer("quantity"),
        "price_typed": _sp_decimal("price"),
        "timestamp_typed": F.try_to_timestamp("timestamp", F.lit("yyyy-MM-dd'T'HH:mm:ss[.SSSSSS]XXX")),
        "barcode_ok": _sp_valid_upc("product_barcode"),
    })
    # Reference lookups: small tables, so Spark broadcasts the stores and the catalog.
    raw = (
        raw.join(stores.select("store_id", F.lit(True).alias("_known_store")), "store_id", "left")
        .join(products.select(F.col("product_id").alias("product_barcode"), F.lit(True).alias("_known_product")), "product_barcode", "left")
    )
    q, ts = F.col("quantity_typed"), F.col("timestamp_typed")
    rules = {
        "missing_required_field": _sp_missing([c for c in POS_COLUMNS if c != "loyalty_card"]),
        "unknown_store": F.col("store_id").isNotNull() & F.col("_known_store").isNull(),
        "invalid_barcode": F.col("product_barcode").isNotNull() & ~F.col("barcode_ok"),
        "unknown_product": F.col("barcode_ok") & F.col("_known_product").isNull(),
        "invalid_quantity": F.col("quantity").isNotNull() & q.isNull(),
        "zero_quantity": q == 0,
        "quantity_out_of_range": F.abs(q) > MAX_QUANTITY,
        "invalid_price": F.col("price").isNotNull() & F.col("price_typed").isNull(),
        "non_positive_price": F.col("price_typed") <= 0,
        "price_out_of_range": F.col("price_typed") > MAX_PRICE_CENTS // 100,
        "invalid_timestamp": F.col("timestamp").isNotNull() & ts.isNull(),
        "future_timestamp": ts > F.lit(now),
        "timestamp_outside_partition": (ts < F.lit(start)) | (ts >= F.lit(start + timedelta(days=1))),
        "invalid_receipt_id": _sp_not_matching("receipt_id", RECEIPT_ID),
        "invalid_line_no": (F.col("line_no").isNotNull() & F.col("line_no_typed").isNull()) | (F.col("line_no_typed") < 1),
        "invalid_store_id": _sp_not_matching("store_id", STORE_ID),
        "invalid_register_id": _sp_not_matching("register_id", REGISTER_ID),
        "invalid_cashier_id": _sp_not_matching("cashier_id", CASHIER_ID),
    }
    raw = raw.withColumns({"_line_key": F.col("line_no_typed"), "loyalty_token": _sp_token(F.col("loyalty_card"), key)})
    flagged = _sp_screen(raw, ["receipt_id", "_line_key"], rules)
    # An absent or unknown loyalty card is not an error: the line simply has no customer.
    by_token = customers.filter(F.col("loyalty_token").isNotNull()).dropDuplicates(["loyalty_token"]).select("loyalty_token", "customer_id")
    flagged, lines, quarantine = _sp_split(
        flagged,
        ["*"],
        [*POS_COLUMNS[:9], F.col("loyalty_token").alias("loyalty_card"), "_source_key",
         F.regexp_replace("_raw_line", r"\b\d{10}\b", "<card>").alias("_raw_line"), "_reject_reasons"],
    )
    valid = lines.join(by_token, "loyalty_token", "left").select(
        "receipt_id",
        F.col("line_no_typed").alias("line_no"),
        "store_id", "register_id", "product_barcode",
        q.alias("quantity"),
        F.col("price_typed").alias("price"),
        (q * F.col("price_typed")).cast("decimal(12,2)").alias("amount"),
        ts.alias("timestamp"),
        F.to_date(ts).alias("transaction_date"),
        "cashier_id", "customer_id", "_source_key",
    )
    return flagged, valid, quarantine


def _sp_gold(lines, products, stores) -> dict:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    catalog = products.select(F.col("product_id").alias("product_barcode"), "category", F.col("cost").alias("unit_cost"))
    priced = lines.join(catalog, "product_barcode", "left").withColumns(
        {"date": F.col("transaction_date"), "line_cost": F.col("quantity") * F.col("unit_cost")}
    )
    by_store = Window.partitionBy("date", "store_id").orderBy(F.desc("revenue"))
    store_product = (
        priced.groupBy("date", "store_id", F.col("product_barcode").alias("product_id"))
        .agg(F.first("category").alias("category"), F.sum("quantity").alias("units"), F.sum("amount").alias("revenue"), F.sum("line_cost").alias("cost"))
        .withColumn("margin", F.col("revenue") - F.col("cost"))
        .withColumn("revenue_rank", F.dense_rank().over(by_store))
    )
    store = (
        priced.groupBy("date", "store_id")
        .agg(
            F.sum("amount").alias("revenue"),
            F.countDistinct("receipt_id").alias("receipts"),
            F.sum("quantity").alias("units"),
            F.count_if(F.col("quantity") < 0).alias("return_lines"),
            F.countDistinct("customer_id").alias("unique_customers"),
        )
        .withColumn("average_basket", F.bround(F.col("revenue") / F.col("receipts"), 2))  # ties to even, like the platform
    )
    category_region = (
        priced.join(stores.select("store_id", "region"), "store_id", "left")
        .groupBy("date", "region", "category")
        .agg(F.sum("amount").alias("revenue"), F.sum(F.col("amount") - F.col("line_cost")).alias("margin"), F.sum("quantity").alias("units"))
    )
    return {"gold/store_product_daily": store_product, "gold/store_daily": store, "gold/category_region_daily": category_region}


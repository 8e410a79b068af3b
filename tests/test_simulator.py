"""The retail source simulator: contract-exact files, realistic shape, exact defect manifests."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import zlib
from collections import Counter

import polars as pl
import pytest

from assets.common.identifiers import is_valid_upc
from simulator import deliver
from simulator.__main__ import main as cli_main
from simulator.defects import BAD_FILES, POS_BAD_FILES, ROW_DEFECTS, DefectConfig
from simulator.retail import (
    CUSTOMER_COLUMNS,
    POS_COLUMNS,
    PRODUCT_FIELDS,
    SCALES,
    STORE_COLUMNS,
    STORE_FORMATS,
    generate_retail_day,
    generate_retail_day_with_manifest,
)

DAY = dt.date(2024, 10, 1)
TEST = SCALES["test"]
PREFIX = f"landing/retail/{{}}/dt={DAY.isoformat()}/"


def key(source: str, name: str, day: dt.date = DAY) -> str:
    return f"landing/retail/{source}/dt={day.isoformat()}/{name}"


def read_csv(data: bytes) -> pl.DataFrame:
    return pl.read_csv(io.BytesIO(data), infer_schema=False)


def pos_frame(files: dict[str, bytes]) -> pl.DataFrame:
    """All POS lines of a clean day, with the file each came from."""
    frames = [read_csv(v).with_columns(_key=pl.lit(k)) for k, v in files.items() if "/pos/" in k]
    return pl.concat(frames).with_columns(pl.col("quantity").cast(pl.Int64), pl.col("price").cast(pl.Float64))


def pos_frame_text(files: dict[str, bytes]) -> pl.DataFrame:
    """POS lines exactly as text, to check formatting."""
    return pl.concat([read_csv(v) for k, v in files.items() if "/pos/" in k])


def products(files: dict[str, bytes], day: dt.date = DAY) -> list[dict]:
    return [json.loads(line) for line in files[key("products", "products.jsonl", day)].decode().splitlines()]


def several_days(n: int = 5) -> pl.DataFrame:
    """Distribution tests pool a few test-scale days so they are not at the mercy of one small sample."""
    return pl.concat([pos_frame(generate_retail_day(DAY + dt.timedelta(days=i), TEST)) for i in range(n)])


def data_lines(data: bytes) -> list[bytes]:
    """Physical lines of a delivered CSV (decompressed, BOM and CR stripped); index 0 is the header."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    return data.split(b"\n")[:-1]


# --------------------------------------------------------------------------------------
# Keys, headers, determinism
# --------------------------------------------------------------------------------------


def test_keys_and_headers_follow_the_domain_contract():
    files = generate_retail_day(DAY, TEST)
    expected = {key("stores", "stores.csv"), key("products", "products.jsonl"), key("customers", "customers.csv")}
    expected |= {key("pos", f"store_{i:03d}.csv") for i in range(1, TEST.n_stores + 1)}
    assert set(files) == expected
    assert tuple(read_csv(files[key("stores", "stores.csv")]).columns) == STORE_COLUMNS
    assert tuple(read_csv(files[key("customers", "customers.csv")]).columns) == CUSTOMER_COLUMNS
    for k, v in files.items():
        if "/pos/" in k:
            assert v.split(b"\n", 1)[0].decode() == ",".join(POS_COLUMNS)
            assert b"\r" not in v and not v.startswith(b"\xef\xbb\xbf")
    for obj in products(files):
        assert tuple(obj) == PRODUCT_FIELDS
        assert isinstance(obj["cost"], float | int) and isinstance(obj["list_price"], float | int)
        assert isinstance(obj["active"], bool)
    # Money is exported with two decimals, as JSON numbers in the catalog too.
    raw = files[key("products", "products.jsonl")].decode()
    assert re.findall(r'"cost": (\S+),', raw) and all(re.fullmatch(r"\d+\.\d\d", c) for c in re.findall(r'"cost": (\S+),', raw))
    assert all(re.fullmatch(r"\d+\.\d\d", p) for p in pos_frame_text(files)["price"].to_list())


def test_same_inputs_give_identical_bytes_and_other_seeds_differ():
    first = generate_retail_day(DAY, TEST, seed=42)
    again = generate_retail_day(DAY, TEST, seed=42)
    assert first == again
    other = generate_retail_day(DAY, TEST, seed=43)
    assert first.keys() == other.keys()
    assert all(first[k] != other[k] for k in first)
    with_defects = generate_retail_day_with_manifest(DAY, TEST, 42, DefectConfig(0.1, ("gzip", "invalid_utf8", "reordered_columns")))
    assert with_defects == generate_retail_day_with_manifest(DAY, TEST, 42, DefectConfig(0.1, ("gzip", "invalid_utf8", "reordered_columns")))


def test_reference_data_is_stable_and_customers_move_a_little_each_day():
    next_day = DAY + dt.timedelta(days=1)
    today, (tomorrow, manifest) = generate_retail_day(DAY, TEST), generate_retail_day_with_manifest(next_day, TEST)
    assert today[key("stores", "stores.csv")] == tomorrow[key("stores", "stores.csv", next_day)]
    assert today[key("products", "products.jsonl")] == tomorrow[key("products", "products.jsonl", next_day)]
    assert today[key("pos", "store_001.csv")] != tomorrow[key("pos", "store_001.csv", next_day)]

    before = read_csv(today[key("customers", "customers.csv")])
    after = read_csv(tomorrow[key("customers", "customers.csv", next_day)])
    assert before["customer_id"].to_list() == after["customer_id"].to_list()
    assert before.drop("city", "state", "zip").equals(after.drop("city", "state", "zip"))
    changed = before.join(after, on="customer_id", suffix="_new").filter(
        (pl.col("city") != pl.col("city_new")) | (pl.col("state") != pl.col("state_new")) | (pl.col("zip") != pl.col("zip_new"))
    )
    assert 1 <= changed.height <= 0.05 * TEST.n_customers
    assert sorted(changed["customer_id"].to_list()) == sorted(manifest["customers_moved"])
    assert (changed["city"] != changed["city_new"]).all()  # a move is to another city


def test_scales_match_the_brief():
    assert (SCALES["prod"].n_stores, SCALES["prod"].n_products, SCALES["prod"].n_customers, SCALES["prod"].lines_per_day) == (500, 20_000, 250_000, 600_000)
    assert (SCALES["local"].n_stores, SCALES["local"].n_products, SCALES["local"].n_customers, SCALES["local"].lines_per_day) == (10, 500, 2_000, 3_000)
    assert (TEST.n_stores, TEST.n_products, TEST.n_customers) == (3, 60, 200)
    lines = pos_frame(generate_retail_day(DAY, SCALES["local"])).height
    assert 0.8 * 3_000 <= lines <= 1.2 * 3_000


# --------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------


def test_product_catalog_is_realistic():
    catalog = products(generate_retail_day(DAY, SCALES["local"]))
    ids = [p["product_id"] for p in catalog]
    assert len(ids) == len(set(ids)) == 500
    assert all(is_valid_upc(i) for i in ids)
    assert len({p["category"] for p in catalog}) >= 10
    assert {"Dairy", "Produce", "Bakery", "Meat", "Beverages", "Snacks", "Frozen", "Household", "Personal Care", "Electronics"} <= {p["category"] for p in catalog}
    below_cost = [p for p in catalog if p["list_price"] < p["cost"]]
    assert 1 <= len(below_cost) <= 0.02 * len(catalog)  # a warning case, but rare
    inactive = [p for p in catalog if not p["active"]]
    assert 1 <= len(inactive) <= 0.1 * len(catalog)
    assert all(p["cost"] > 0 and p["list_price"] > 0 for p in catalog)
    assert len({p["brand"] for p in catalog}) >= 20 and len({p["subcategory"] for p in catalog}) >= 30


def test_stores_and_customers_are_well_formed():
    files = generate_retail_day(DAY, SCALES["local"])
    stores = read_csv(files[key("stores", "stores.csv")])
    assert stores["store_id"].to_list() == [f"{i:03d}" for i in range(1, 11)]
    assert set(stores["region"]) == {"Northeast", "Southeast", "Midwest", "Southwest", "West"}
    assert set(stores["store_type"]) == set(STORE_FORMATS)

    customers = read_csv(files[key("customers", "customers.csv")])
    assert customers.height == 2_000
    assert customers["customer_id"].str.contains(r"^C\d{7}$").all() and customers["customer_id"].is_unique().all()
    assert customers["loyalty_card"].str.contains(r"^\d{10}$").all() and customers["loyalty_card"].is_unique().all()
    assert customers["zip"].str.contains(r"^\d{5}$").all()
    assert customers["zip"].str.starts_with("0").any()  # New England zips keep their leading zero
    assert customers["email"].str.contains(r"^[a-z0-9.]+@[a-z.]+$").all()
    assert customers["phone"].str.contains(r"^\d{3}-555-\d{4}$").all()
    signup = customers["signup_date"].str.to_date("%Y-%m-%d")
    assert signup.min() >= dt.date(2012, 1, 1) and signup.max() <= dt.date(2023, 12, 31)
    # Untrusted text round-trips as data through RFC 4180 quoting.
    assert customers.filter(pl.col("first_name").str.starts_with("=")).height == 1
    assert "Anne, Marie" in customers["first_name"].to_list()


# --------------------------------------------------------------------------------------
# POS lines
# --------------------------------------------------------------------------------------


def test_pos_lines_are_valid_and_referentially_intact():
    files = generate_retail_day(DAY, TEST)
    pos = pos_frame(files)
    catalog = {p["product_id"]: p for p in products(files)}
    stores = read_csv(files[key("stores", "stores.csv")])
    cards = set(read_csv(files[key("customers", "customers.csv")])["loyalty_card"])

    assert all(is_valid_upc(b) for b in pos["product_barcode"])
    assert all(b in catalog and catalog[b]["active"] for b in pos["product_barcode"])
    assert set(pos["store_id"]) <= set(stores["store_id"])
    assert (pos["_key"] == PREFIX.format("pos") + "store_" + pos["store_id"] + ".csv").all()
    assert set(pos["loyalty_card"].drop_nulls()) <= cards
    assert pos["receipt_id"].str.contains(r"^\d{3}-\d{2}-20241001-\d{5}$").all()
    assert (pos["receipt_id"].str.slice(0, 3) == pos["store_id"]).all()
    assert (pos["register_id"] == "POS" + pos["receipt_id"].str.slice(4, 2)).all()
    assert pos["cashier_id"].str.contains(r"^emp\d{3}$").all()
    assert (pos["quantity"] != 0).all() and (pos["quantity"].abs() <= 100).all()
    assert (pos["price"] > 0).all() and (pos["price"] <= 10_000).all()
    assert pos.select(pl.struct("receipt_id", "line_no").is_unique().all()).item()

    ts = pos["timestamp"].str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=True)
    assert (ts.dt.date() == DAY).all()
    hours = pos.with_columns(hour=ts.dt.hour()).join(stores.select("store_id", "store_type"), on="store_id")
    for kind, fmt in STORE_FORMATS.items():
        h = hours.filter(pl.col("store_type") == kind)["hour"]
        assert h.min() >= fmt["opens"] and h.max() < fmt["closes"]

    # Prices are the list price, or below it on promotion.
    list_price = pos["product_barcode"].map_elements(lambda b: catalog[b]["list_price"], return_dtype=pl.Float64)
    assert (pos["price"] <= list_price + 1e-9).all()
    assert 0.8 <= (pos["price"] == list_price).mean() < 1.0


def test_receipts_are_multi_line_baskets_with_one_card():
    pos = several_days()
    receipts = pos.group_by("receipt_id").agg(
        n=pl.len(),
        max_line=pl.col("line_no").cast(pl.Int64).max(),
        cards=pl.col("loyalty_card").n_unique(),
        stores=pl.col("store_id").n_unique(),
    )
    assert receipts["n"].mean() > 2 and receipts["n"].max() > 5
    assert (receipts["max_line"] == receipts["n"]).all()  # line_no runs 1..n
    assert (receipts["cards"] == 1).all() and (receipts["stores"] == 1).all()


def test_loyalty_returns_quantities_and_popularity_look_like_a_supermarket():
    pos = several_days()
    receipts = pos.group_by("receipt_id").agg(card=pl.col("loyalty_card").first().is_not_null())
    assert 0.50 <= receipts["card"].mean() <= 0.70
    assert 0.005 <= (pos["quantity"] < 0).mean() <= 0.03
    assert pos["quantity"].is_between(1, 3).mean() > 0.85
    per_product = pos.group_by("product_barcode").len().sort("len", descending=True)
    assert per_product.head(TEST.n_products // 10)["len"].sum() > 0.30 * pos.height


def test_store_traffic_follows_store_size():
    files = generate_retail_day(DAY, SCALES["local"])
    pos = pos_frame(files).join(read_csv(files[key("stores", "stores.csv")]).select("store_id", "store_type"), on="store_id")
    per_store = pos.group_by("store_id", "store_type").len()
    assert per_store["len"].max() > 2.5 * per_store["len"].min()
    by_type = dict(per_store.group_by("store_type").agg(pl.col("len").mean()).iter_rows())
    assert by_type["supercenter"] > 3 * by_type["express"] and by_type["supercenter"] > by_type["market"] > by_type["express"]


# --------------------------------------------------------------------------------------
# Row defects
# --------------------------------------------------------------------------------------


def classify(line: bytes, header: list[str], seen: dict, catalog: set[str], day: dt.date) -> str | None:
    """Find a line's defect from the data alone, without looking at the manifest."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "malformed_line"
    if text.count('"') % 2:
        return "malformed_line"
    fields = next(csv.reader([text]))
    if len(fields) != len(header):
        return "malformed_line"
    row = dict(zip(header, fields, strict=True))
    ident = (row["receipt_id"], row["line_no"])
    if ident in seen:
        return "duplicate" if seen[ident] == fields else "conflicting_duplicate"
    seen[ident] = fields
    if row["store_id"] == "999":
        return "unknown_store"
    if not is_valid_upc(row["product_barcode"]):
        return "invalid_barcode"
    if row["product_barcode"] not in catalog:
        return "unknown_product"
    if not row["cashier_id"] or not row["price"]:
        return "missing_required_field"
    if int(row["quantity"]) == 0:
        return "zero_quantity"
    if abs(int(row["quantity"])) > 100:
        return "quantity_out_of_range"
    if float(row["price"]) <= 0:
        return "non_positive_price"
    if float(row["price"]) > 10_000:
        return "price_out_of_range"
    try:
        ts = dt.datetime.strptime(row["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return "invalid_timestamp"
    if ts.year == 2099:
        return "future_timestamp"
    if ts.date() != day:
        return "timestamp_outside_partition"
    return None


def scan(files: dict[str, bytes], day: dt.date = DAY) -> tuple[Counter, dict]:
    catalog = {p["product_id"] for p in products(files, day)}
    found: Counter = Counter()
    where: dict = {}
    for k, data in files.items():
        if "/pos/" not in k or not data:
            continue
        lines = data_lines(data)
        header = lines[0].decode().split(",")
        seen: dict = {}
        for n, line in enumerate(lines[1:], start=2):
            defect = classify(line, header, seen, catalog, day)
            if defect:
                found[defect] += 1
                where[(k, n)] = defect
    return found, where


def test_every_row_defect_is_injected_recorded_and_findable():
    files, manifest = generate_retail_day_with_manifest(DAY, TEST, defects=DefectConfig(row_defect_rate=0.1))
    counts = manifest["row_defects"]
    assert set(counts) == set(ROW_DEFECTS)
    clean_lines = pos_frame(generate_retail_day(DAY, TEST)).height
    assert sum(counts.values()) == round(0.1 * clean_lines)
    assert all(n >= 2 for n in counts.values())  # so both variants of each kind show up

    found, where = scan(files)
    assert found == Counter({k: v for k, v in counts.items() if v})
    assert {(d["key"], d["line"]): d["defect"] for d in manifest["defect_lines"]} == where
    variants = {(d["defect"], d["variant"]) for d in manifest["defect_lines"]}
    for pair in [("invalid_barcode", "malformed"), ("invalid_barcode", "bad_check_digit"), ("malformed_line", "wrong_field_count"),
                 ("malformed_line", "broken_quote"), ("invalid_timestamp", "not_a_time"), ("missing_required_field", "empty_price")]:
        assert pair in variants

    # Duplicates sit after their original; exact copies are byte-identical to it.
    for d in manifest["defect_lines"]:
        if d["defect"] == "duplicate":
            lines = data_lines(files[d["key"]])
            assert lines.index(lines[d["line"] - 1]) < d["line"] - 1

    expected = manifest["expected_pos_silver"]
    total = sum(manifest["pos_data_lines"].values())
    assert total == clean_lines + counts["duplicate"] + counts["conflicting_duplicate"]
    assert expected["bronze_rows"] == total == expected["silver_rows"] + expected["quarantined_rows"] + expected["dropped_duplicates"]
    assert expected["reject_reasons"]["timestamp_outside_partition"] == counts["timestamp_outside_partition"] + counts["future_timestamp"]
    assert expected["conflicting_duplicates"] == counts["conflicting_duplicate"]


def test_fourteen_defects_cover_every_kind_once():
    clean_lines = pos_frame(generate_retail_day(DAY, TEST)).height
    _, manifest = generate_retail_day_with_manifest(DAY, TEST, defects=DefectConfig(row_defect_rate=14 / clean_lines))
    assert manifest["row_defects"] == {name: 1 for name in ROW_DEFECTS}


def test_a_broken_quote_stays_on_its_own_line():
    files, manifest = generate_retail_day_with_manifest(DAY, TEST, defects=DefectConfig(row_defect_rate=0.1))
    broken = [d for d in manifest["defect_lines"] if d["variant"] == "broken_quote"]
    assert broken
    for d in broken:
        lines = data_lines(files[d["key"]])
        assert lines[d["line"] - 1].count(b'"') == 1
        if d["line"] < len(lines):  # the next record is untouched
            assert len(next(csv.reader([lines[d["line"]].decode()]))) == len(POS_COLUMNS)


def test_no_defects_means_clean_files_and_an_empty_manifest():
    files, manifest = generate_retail_day_with_manifest(DAY, TEST, defects=DefectConfig())
    assert files == generate_retail_day(DAY, TEST)
    assert sum(manifest["row_defects"].values()) == 0 and manifest["defect_lines"] == [] and manifest["bad_files"] == []
    assert scan(files)[0] == Counter()
    assert manifest["expected_pos_silver"]["quarantined_rows"] == 0
    assert DefectConfig.demo().row_defect_rate > 0 and DefectConfig.demo().bad_files == ()
    _, demo = generate_retail_day_with_manifest(DAY, SCALES["local"], defects=DefectConfig.demo())
    assert all(n >= 1 for n in demo["row_defects"].values())


def test_defect_config_rejects_nonsense():
    with pytest.raises(ValueError, match="unknown bad file"):
        DefectConfig(bad_files=("not_a_case",))
    with pytest.raises(ValueError):
        DefectConfig(row_defect_rate=0.9)
    with pytest.raises(ValueError, match="stores"):
        generate_retail_day(DAY, TEST, defects=DefectConfig(bad_files=POS_BAD_FILES[:4]))


# --------------------------------------------------------------------------------------
# Bad files
# --------------------------------------------------------------------------------------

CLEAN_STORE_1 = key("pos", "store_001.csv")


@pytest.mark.parametrize("case", BAD_FILES)
def test_each_bad_file_case_delivers_what_it_says(case):
    clean = generate_retail_day(DAY, TEST)
    files, manifest = generate_retail_day_with_manifest(DAY, TEST, defects=DefectConfig(bad_files=(case,)))
    [entry] = manifest["bad_files"]
    assert entry["case"] == case
    data = files[entry["key"]]
    clean_lines = clean[CLEAN_STORE_1].split(b"\n")
    header = clean_lines[0].decode().split(",")

    if case == "products_schema_drift":
        objs = [json.loads(line) for line in data.decode().splitlines()]
        assert all(set(o) - set(PRODUCT_FIELDS) == {"shelf_life_days"} for o in objs)
        assert manifest["expected_pos_silver"] is None
        return
    assert entry["key"].startswith(PREFIX.format("pos") + "store_001.csv")
    if case in ("gzip", "corrupt_gzip"):
        assert entry["key"].endswith(".csv.gz") and CLEAN_STORE_1 not in files
    else:
        assert entry["key"] == CLEAN_STORE_1

    match case:
        case "schema_drift_extra_column":
            got = read_csv(data)
            assert set(got.columns) - set(header) == {"discount"} and got.height == len(clean_lines) - 2
        case "schema_drift_missing_column":
            assert set(header) - set(read_csv(data).columns) == {"cashier_id"}
        case "schema_drift_renamed_column":
            cols = read_csv(data).columns
            assert "product_barcode" not in cols and "barcode" in cols and len(cols) == len(header)
        case "reordered_columns":
            got = read_csv(data)
            assert got.columns != header and sorted(got.columns) == sorted(header)
            assert got.select(header).equals(read_csv(clean[CLEAN_STORE_1]))
        case "bom_crlf":
            assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n") == len(clean_lines) - 1
            assert data[3:].replace(b"\r\n", b"\n") == clean[CLEAN_STORE_1]
        case "gzip":
            assert gzip.decompress(data) == clean[CLEAN_STORE_1]
        case "corrupt_gzip":
            with pytest.raises((EOFError, gzip.BadGzipFile, zlib.error)):
                gzip.decompress(data)
        case "empty_file":
            assert data == b""
        case "header_only":
            assert data == clean_lines[0] + b"\n"
        case "invalid_utf8":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            lines = data.split(b"\n")
            bad = [n for n, line in enumerate(lines, start=1) if not _is_utf8(line)]
            assert bad == entry["lines"] and len(bad) == 3
            assert manifest["expected_pos_silver"]["reject_reasons"] == {"malformed_line": 3}

    outcome = entry["outcome"]
    silver = manifest["expected_pos_silver"]
    assert (silver is None) == (outcome in ("contract_failure", "unreadable"))
    # The other stores are untouched.
    for k in clean:
        if k != CLEAN_STORE_1:
            assert files[k] == clean[k]


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_bad_files_go_to_distinct_stores_and_row_defects_avoid_rowless_files():
    config = DefectConfig(row_defect_rate=0.1, bad_files=("empty_file", "gzip", "bom_crlf", "products_schema_drift"))
    files, manifest = generate_retail_day_with_manifest(DAY, TEST, defects=config)
    by_case = {e["case"]: e["key"] for e in manifest["bad_files"]}
    assert by_case["empty_file"] == key("pos", "store_001.csv")
    assert by_case["gzip"] == key("pos", "store_002.csv.gz")
    assert by_case["bom_crlf"] == key("pos", "store_003.csv")
    assert by_case["products_schema_drift"] == key("products", "products.jsonl")
    assert files[by_case["empty_file"]] == b""
    defect_keys = {d["key"] for d in manifest["defect_lines"]}
    assert by_case["empty_file"] not in defect_keys and defect_keys == {by_case["gzip"], by_case["bom_crlf"]}
    assert sum(manifest["row_defects"].values()) >= 14

    # Defects inside a gzip or BOM/CRLF file are still at the recorded lines.
    catalog_ok = dict(files)
    catalog_ok[key("products", "products.jsonl")] = generate_retail_day(DAY, TEST)[key("products", "products.jsonl")]
    found, where = scan(catalog_ok)
    assert {(d["key"], d["line"]): d["defect"] for d in manifest["defect_lines"]} == where


# --------------------------------------------------------------------------------------
# Delivery and CLI
# --------------------------------------------------------------------------------------


def test_deliver_writes_reference_files_before_pos_through_the_lake(lake):
    files = generate_retail_day(DAY, TEST, defects=DefectConfig(bad_files=("gzip",)))
    keys = deliver(lake, dict(reversed(list(files.items()))))
    assert sorted(keys) == sorted(files)
    assert [k.split("/")[2] for k in keys[:3]] == ["stores", "products", "customers"]
    assert all("/pos/" in k for k in keys[3:]) and keys[3:] == sorted(keys[3:])
    assert lake.list_keys("landing/retail/") == sorted(files)
    assert all(lake.read(k) == files[k] for k in files)

    class RecordingLake:
        def __init__(self):
            self.writes = []

        def write(self, k, data):
            self.writes.append(k)

    recorder = RecordingLake()
    assert deliver(recorder, files) == recorder.writes


def test_cli_delivers_days_into_the_lake(tmp_path, capsys):
    lake_dir = tmp_path / "lake"
    code = cli_main(["retail", "--start", "2024-10-01", "--days", "2", "--scale", "test", "--seed", "7",
                     "--defect-rate", "0.05", "--bad-file", "gzip", "--bad-file", "header_only", "--lake-dir", str(lake_dir)])
    assert code == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[0].startswith("2024-10-01") and out[1].startswith("2024-10-02")
    for day in ("2024-10-01", "2024-10-02"):
        pos = sorted(p.name for p in (lake_dir / f"landing/retail/pos/dt={day}").iterdir())
        assert pos == ["store_001.csv.gz", "store_002.csv", "store_003.csv"]
        assert (lake_dir / f"landing/retail/pos/dt={day}/store_002.csv").read_bytes().count(b"\n") == 1
    expected = generate_retail_day(DAY, TEST, seed=7, defects=DefectConfig(0.05, ("gzip", "header_only")))
    assert all((lake_dir / k).read_bytes() == v for k, v in expected.items())


def test_cli_help_and_default_lake_dir(monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["--help"])
    assert exit_info.value.code == 0 and "retail" in capsys.readouterr().out
    from simulator.__main__ import build_parser

    monkeypatch.setenv("PLATFORM_LOCAL_DIR", "/somewhere")
    assert build_parser().parse_args(["retail", "--start", "2024-10-01"]).lake_dir == "/somewhere/lake"

"""Bronze parsing of landing files: the contract, malformed lines, encodings and compression."""

import gzip
from datetime import UTC, date, datetime

import polars as pl
import pytest

from assets.common.ingest import parse_landing_file
from assets.common.landing import RAW_LINE, BadFileError, Source

SRC = Source("test", "things", ("id", "name", "price"), "csv")
JSRC = Source("test", "things", ("id", "name", "price"), "jsonl")
WHEN = datetime(2024, 10, 1, 12, tzinfo=UTC)


def parse(data: bytes, key="landing/test/things/dt=2024-10-01/a.csv", source=SRC) -> pl.DataFrame:
    return parse_landing_file(source, key, data, WHEN).rows


def test_clean_file_keeps_text_and_lineage():
    rows = parse(b"id,name,price\n1,apple, 3.99 \n2,pear,0.50\n")
    assert rows.select("id", "name", "price").rows() == [("1", "apple", "3.99"), ("2", "pear", "0.50")]
    assert rows.get_column("_source_line").to_list() == [2, 3]
    assert rows.get_column("_source_key").unique().to_list() == ["landing/test/things/dt=2024-10-01/a.csv"]
    assert rows.get_column("_ingested_at").unique().to_list() == [WHEN]
    assert rows.get_column(RAW_LINE).null_count() == 2


def test_columns_in_any_order_are_accepted():
    rows = parse(b"price,id,name\n3.99,1,apple\n")
    assert rows.select("id", "name", "price").row(0) == ("1", "apple", "3.99")


@pytest.mark.parametrize(
    "header, problem",
    [(b"id,name,price,extra", "unexpected"), (b"id,name", "missing"), (b"id,nam,price", "missing"), (b"id,name,name", "missing")],
)
def test_header_drift_fails_the_contract_naming_file_and_columns(header, problem):
    with pytest.raises(BadFileError) as err:
        parse(header + b"\n1,a,2\n")
    assert "a.csv" in str(err.value) and problem in err.value.details and err.value.details[problem]


@pytest.mark.parametrize(
    "data, says",
    [
        (b"id,name,price\r1,a,1.00\r2,b,2.00\r", "bare CR"),
        (b"id,name," + b"p" * (1 << 21) + b"\n1,a,1.00\n", "2,097,160 bytes"),
        (b"id,\xffname,price\n1,a,1.00\n", "not UTF-8"),
        (b"id,name," + b"p" * 200_000 + b"\n1,a,1.00\n", "not valid CSV .field larger than field limit"),
    ],
)
def test_an_unreadable_header_says_why(data, says):
    with pytest.raises(BadFileError, match=says):
        parse(data)


def test_wrong_field_count_is_malformed_and_parsing_resumes():
    rows = parse(b"id,name,price\n1,a,1.00\n2,b\n3,c,3.00,x\n4,d,4.00\n")
    bad = rows.filter(pl.col(RAW_LINE).is_not_null())
    assert bad.get_column("_source_line").to_list() == [3, 4]
    assert rows.filter(pl.col(RAW_LINE).is_null()).get_column("id").to_list() == ["1", "4"]


def test_unbalanced_quote_does_not_swallow_following_rows():
    rows = parse(b'id,name,price\n1,"broken,1.00\n2,b,2.00\n3,c,3.00\n')
    assert rows.filter(pl.col(RAW_LINE).is_not_null()).get_column("_source_line").to_list() == [2]
    assert rows.filter(pl.col(RAW_LINE).is_null()).get_column("id").to_list() == ["2", "3"]


def test_quoted_newline_is_one_record_numbered_by_its_first_line():
    rows = parse(b'id,name,price\n1,"two\nlines",1.00\n2,b,2.00\n')
    assert rows.select("id", "name", "_source_line").rows() == [("1", "two\nlines", 2), ("2", "b", 4)]


def test_quotes_commas_and_formulas_pass_through_as_data():
    rows = parse(b'id,name,price\n1,"Robert\'); DROP TABLE x;--, ""Bobby""",1.00\n2,=SUM(A1:A9),2.00\n')
    assert rows.get_column("name").to_list() == ['Robert\'); DROP TABLE x;--, "Bobby"', "=SUM(A1:A9)"]


def test_invalid_utf8_line_is_malformed_only_there():
    rows = parse(b"id,name,price\n1,a,1.00\n2,\xff\xfe,2.00\n3,c,3.00\n")
    assert rows.filter(pl.col(RAW_LINE).is_not_null()).get_column("_source_line").to_list() == [3]
    assert rows.height == 3


def test_bom_and_crlf():
    rows = parse(b"\xef\xbb\xbfid,name,price\r\n1,a,1.00\r\n2,b,2.00\r\n")
    assert rows.select("id", "price").rows() == [("1", "1.00"), ("2", "2.00")]


def test_huge_line_is_malformed():
    rows = parse(b"id,name,price\n1," + b"x" * (1 << 20) + b",1.00\n2,b,2.00\n")
    assert rows.filter(pl.col(RAW_LINE).is_not_null()).get_column("_source_line").to_list() == [2]
    assert rows.filter(pl.col(RAW_LINE).is_null()).get_column("id").to_list() == ["2"]


@pytest.mark.parametrize("data", [b"", b"id,name,price\n", b"id,name,price"])
def test_empty_and_header_only_files_are_accepted_and_flagged(data):
    parsed = parse_landing_file(SRC, "k.csv", data, WHEN)
    assert parsed.empty and parsed.rows.height == 0
    assert set(SRC.columns) <= set(parsed.rows.columns)


def test_gzip_is_read_and_corrupt_gzip_names_the_key():
    data = b"id,name,price\n1,a,1.00\n"
    assert parse(gzip.compress(data), key="k.csv.gz").height == 1
    with pytest.raises(BadFileError, match="k.csv.gz: corrupt or truncated gzip"):
        parse(gzip.compress(data)[:20], key="k.csv.gz")


def test_jsonl_wrong_types_are_kept_as_text_and_bad_lines_malformed():
    data = b'{"id": "1", "name": "a", "price": 2.5}\n{"id": "2", "name": "b", "price": {"x": 1}}\nnot json\n[1]\n'
    rows = parse(data, key="k.jsonl", source=JSRC)
    good = rows.filter(pl.col(RAW_LINE).is_null())
    assert good.get_column("price").to_list() == ["2.5", '{"x": 1}']
    assert rows.filter(pl.col(RAW_LINE).is_not_null()).get_column("_source_line").to_list() == [3, 4]


def test_jsonl_extra_key_fails_the_contract():
    with pytest.raises(BadFileError) as err:
        parse(b'{"id": "1", "name": "a", "price": 1, "colour": "red"}\n', key="k.jsonl", source=JSRC)
    assert err.value.details["unexpected"] == ["colour"]


def test_a_partition_parses_plain_and_irregular_files_alike():
    from assets.common.ingest import parse_partition

    plain = b"id,name,price\n1,a,1.00\n2,b,2.00\n"
    reordered = b"price,id,name\n3.00,3,c\n"
    quoted = b'id,name,price\n4,"d, e",4.00\n5,f\n'
    zipped = gzip.compress(b"id,name,price\n6,g,6.00\n")
    empty = b"id,name,price\n"
    rows, empty_keys = parse_partition(SRC, [("a.csv", plain, WHEN), ("b.csv", reordered, WHEN), ("c.csv", quoted, WHEN), ("d.csv.gz", zipped, WHEN), ("e.csv", empty, WHEN)])
    good = rows.filter(pl.col(RAW_LINE).is_null())
    assert good.select("_source_key", "_source_line", "id", "name").rows() == [
        ("a.csv", 2, "1", "a"), ("a.csv", 3, "2", "b"), ("b.csv", 2, "3", "c"), ("c.csv", 2, "4", "d, e"), ("d.csv.gz", 2, "6", "g"),
    ]
    assert rows.filter(pl.col(RAW_LINE).is_not_null()).select("_source_key", "_source_line").rows() == [("c.csv", 3)]
    assert empty_keys == ["e.csv"]


def test_plain_files_whose_bad_lines_cancel_out_still_parse_exactly():
    from assets.common.ingest import parse_partition

    # One line short a field and one with an extra: the delimiter count of the file is right.
    tricky = b"id,name,price\n1,a\n2,b,2.00,x\n3,c,3.00\n"
    rows, _ = parse_partition(SRC, [("t.csv", tricky, WHEN), ("u.csv", b"id,name,price\n9,z,9.00\n", WHEN)])
    assert rows.filter(pl.col(RAW_LINE).is_not_null()).get_column("_source_line").to_list() == [2, 3]
    assert rows.filter(pl.col(RAW_LINE).is_null()).get_column("id").to_list() == ["3", "9"]


def test_whole_files_that_only_cancel_out_are_rechecked_line_by_line():
    from assets.common.ingest import parse_partition

    rows, _ = parse_partition(SRC, [("t.csv", b"id,name,price\n1,a\n2,b,2.00,x\n", WHEN)])
    assert rows.get_column("_source_line").to_list() == [2, 3]
    assert rows.get_column(RAW_LINE).null_count() == 0


def test_jsonl_fast_and_line_by_line_paths_agree_on_clean_files():
    from assets.common.json_reader import _parse_jsonl, _parse_jsonl_fast

    data = b'{"id": "1", "name": "a", "price": 2.5}\n{"id": "2", "name": null, "price": 3}\n'
    # An integer among floats keeps its own text ("3", not polars' "3.0"), as the line path does.
    fast = _parse_jsonl_fast(JSRC, "k.jsonl", data)
    assert fast is not None and fast["price"].to_list() == ["2.5", "3"]
    # The line-by-line path (forced by a trailing blank line) reads the same values.
    slow, malformed = _parse_jsonl(JSRC, "k.jsonl", data + b"\n")
    assert malformed == [] and slow == {c: fast[c].to_list() for c in slow}


def test_jsonl_huge_line_is_malformed():
    rows = parse(b'{"id": "1", "name": "' + b"x" * (1 << 20) + b'", "price": 1}\n{"id": "2", "name": "b", "price": 1}\n', key="k.jsonl", source=JSRC)
    assert rows.filter(pl.col(RAW_LINE).is_not_null()).get_column("_source_line").to_list() == [1]
    assert rows.filter(pl.col(RAW_LINE).is_null()).get_column("id").to_list() == ["2"]


def _classified(header, *bodies):
    from assets.common.csv_reader import parse_lines

    rows = parse_lines(header, list(bodies))
    parsed = rows.filter(pl.col(RAW_LINE).is_null())
    records = list(zip(parsed.get_column("_file").to_list(), parsed.get_column("_source_line").to_list(), *(parsed.get_column(c).to_list() for c in header), strict=True))
    bad = rows.filter(pl.col(RAW_LINE).is_not_null()).select("_file", "_source_line", RAW_LINE).rows()
    return records, bad


IRREGULAR = (
    b'1,a,1.00\n2,"b, quoted",2.00\n3,"two\nlines",3.00\n4,"broken,4.00\n5,e,5.00\n\n6,f\n7,g,7.00,x\n'
    b'8,"x""y",8.00\n9,\xc3\xa9t\xc3\xa9,9.00\r\n10,"a\n\nb",10.00\n11,k,11.00'
)


def test_irregular_lines_each_get_their_own_outcome():
    header = ["id", "name", "price"]
    records, bad = _classified(header, IRREGULAR)
    assert [row[1:] for row in records] == [
        (2, "1", "a", "1.00"), (3, "2", "b, quoted", "2.00"), (4, "3", "two\nlines", "3.00"), (7, "5", "e", "5.00"),
        (11, "8", 'x"y', "8.00"), (12, "9", "été", "9.00"), (13, "10", "a\n\nb", "10.00"), (16, "11", "k", "11.00"),
    ]  # line 1 is the header; the blank line 8 is skipped
    assert [row[1:] for row in bad] == [(6, '4,"broken,4.00'), (9, "6,f"), (10, "7,g,7.00,x")]


def test_a_file_that_is_not_utf8_loses_only_its_undecodable_lines():
    header = ["id", "name", "price"]
    body = IRREGULAR + b'\n12,\xff\xfe,12.00\n13,"q\xff\nr",13.00\n14,n,14.00\n15,"\xe9,1\n16,p,16.00\n'
    records, bad = _classified(header, body)
    assert records[:8] == _classified(header, IRREGULAR)[0]  # the rest of the file parses as before
    assert [row[1:] for row in records[8:]] == [(20, "14", "n", "14.00"), (22, "16", "p", "16.00")]
    # A bad byte condemns its line (17), or the first line of the record it is in (18, 19);
    # line 21's quote never closes.
    assert [row[1] for row in bad[3:]] == [17, 18, 19, 21]
    assert bad[3][2] == "12,\ufffd\ufffd,12.00"  # kept with the bytes replaced, for the reader of quarantine


def test_files_classified_together_equal_each_alone_and_a_quote_never_spans_files():
    """A quote left open at the end of one file must not swallow the next file's lines."""
    header = ["id", "name", "price"]
    unclosed = b'1,a,1.00\n2,"open,2.00\n3,c,3.00\n'
    after = b'4,"d\ne",4.00\n5,e,5.00\n'
    together = _classified(header, unclosed, IRREGULAR, after)
    alone = [_classified(header, body) for body in (unclosed, IRREGULAR, after)]
    assert together[0] == [(file, *row[1:]) for file, (records, _) in enumerate(alone) for row in records]
    assert together[1] == [(file, *row[1:]) for file, (_, bad) in enumerate(alone) for row in bad]
    assert (0, 3, '2,"open,2.00') in together[1] and (0, 4, "3", "c", "3.00") in together[0]  # line 1 is the header
    assert (2, 2, "4", "d\ne", "4.00") in together[0]


def test_bronze_read_in_batches_equals_one_batch(tmp_path, monkeypatch):
    """A large day is parsed and written a few files at a time; the bronze file holds the same rows."""
    import dagster as dg

    from assets.common import bronze
    from assets.retail.bronze import retail_bronze_pos
    from assets.retail.sources import POS
    from resources.lake import LocalLake
    from simulator import deliver
    from simulator.defects import DefectConfig
    from simulator.retail import SCALES, generate_retail_day

    lake = LocalLake(root=str(tmp_path / "lake"))
    deliver(lake, generate_retail_day(date(2024, 10, 1), SCALES["test"], seed=5, defects=DefectConfig(row_defect_rate=0.05)))

    def bronze_rows() -> pl.DataFrame:
        dg.materialize([retail_bronze_pos], partition_key="2024-10-01", resources={"lake": lake})
        return lake.read_parquet(POS.bronze_key("2024-10-01"))

    whole = bronze_rows()
    monkeypatch.setattr(bronze, "BATCH_BYTES", 1)  # one file per batch
    assert bronze_rows().equals(whole) and whole.height > 0


def test_plain_lines_split_one_by_one_if_polars_reads_a_different_count(monkeypatch):
    """The fallback of the batched read gives the same records."""
    from assets.common import csv_reader

    header = ["id", "name", "price"]
    expected = _classified(header, IRREGULAR)
    monkeypatch.setattr(csv_reader.pl, "read_csv", lambda *args, **kwargs: pl.DataFrame({c: ["?"] for c in header}))
    assert _classified(header, IRREGULAR) == expected

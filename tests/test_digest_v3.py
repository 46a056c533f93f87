"""Manifest version 3's digest (berthcheck/engine/digest_v3.py, docs/reliability.md): a plain
Python reference written from the documentation, row by row with `struct` and `hashlib` (no
numpy, no Arrow), equals the fast digest on every type, NULLs, empty and non-ASCII text,
NaN and -0.0, several chunks; and every Arrow layout of the same typed values (string /
large_string / string_view, bit-packed booleans at an offset, slices, chunks, dictionaries,
integer widths, timestamp units and zones) gives the same digest, read from polars or from
DuckDB, in any session time zone."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import struct

import duckdb
import polars as pl
import pyarrow as pa
import pytest

from berthcheck.engine import digest_v3

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


# --- the reference: docs/reliability.md "Manifest version 3", in plain Python -----------------


def _tag(dtype) -> str:
    """The canonical type of a polars dtype (written apart from digest_v3.type_tag)."""
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_integer():
        return "int64"
    if dtype.is_float() or dtype.is_decimal():
        return "float64"
    if isinstance(dtype, pl.Datetime):
        return "timestamp_us_utc"
    if dtype == pl.Date:
        return "date32"
    if dtype == pl.String:
        return "utf8"
    raise AssertionError(dtype)


def _value_bytes(tag: str, value) -> tuple[bytes, bytes]:
    """(V, D) of one value; a NULL's value bytes are zero, its text empty."""
    if tag == "int64":
        return struct.pack("<q", 0 if value is None else value), b""
    if tag == "float64":
        x = 0.0 if value is None else float(value)
        if math.isnan(x):
            return struct.pack("<Q", 0x7FF8000000000000), b""
        return struct.pack("<d", 0.0 if x == 0 else x), b""  # -0.0 as 0.0
    if tag == "bool":
        return bytes([1 if value else 0]), b""
    if tag == "timestamp_us_utc":
        if value is None:
            return struct.pack("<q", 0), b""
        at = value if value.tzinfo else value.replace(tzinfo=UTC)  # zone-less: UTC
        return struct.pack("<q", (at - EPOCH) // dt.timedelta(microseconds=1)), b""
    if tag == "date32":
        return struct.pack("<i", 0 if value is None else (value - dt.date(1970, 1, 1)).days), b""
    if tag == "utf8":
        text = b"" if value is None else value.encode("utf-8")
        return struct.pack("<I", len(text)), text
    raise AssertionError(tag)


def reference_digest(frame: pl.DataFrame, columns: list[str], order: list[str] | None) -> str:
    """The version-3 digest of `frame`'s `columns`, its rows sorted by `order` (by UTF-8
    bytes) unless None, computed row by row."""
    rows = frame.select(columns).rows(named=True)
    if order:
        rows = sorted(rows, key=lambda r: [r[k].encode("utf-8") for k in order])
    tags = [_tag(frame.schema[c]) for c in columns]
    digests = b""
    for name, tag in zip(columns, tags, strict=True):
        mask, values, text = bytearray(), bytearray(), bytearray()
        for row in rows:
            mask.append(0 if row[name] is None else 1)
            v, d = _value_bytes(tag, row[name])
            values += v
            text += d
        parts = [bytes(mask), bytes(values)] + ([bytes(text)] if tag == "utf8" else [])
        digests += hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest()
    head = f"{len(rows)}\n" + "".join(f"{n}\t{t}\n" for n, t in zip(columns, tags, strict=True))
    return hashlib.sha256(head.encode("utf-8") + digests).hexdigest()


# --- frames -----------------------------------------------------------------------------------


def _every_type() -> pl.DataFrame:
    """Rows with every canonical type, NULLs everywhere, empty and non-ASCII text, NaN, -0.0
    and infinities, instants before 1970, in three chunks."""
    part = pl.DataFrame(
        {
            "visit_id": ["V3", "V1", "V\u00e9\u6e2f", "V2", "V0", "V\U0001f6a2"],
            "note": ["plain", "", None, "tab\there\\", "line\nfeed\u00e9", "\u6e2f\u53e3"],
            "hours": [1.5, -0.0, None, float("nan"), 123456.789012, float("-inf")],
            "count": [1, None, -3, 0, 2**62, -(2**63)],
            "flag": [True, False, None, True, False, None],
            "at": [dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
                   dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC), None,
                   dt.datetime(2026, 11, 1, 9, 30, 0, 5, tzinfo=UTC),
                   dt.datetime(2000, 2, 29, 0, 0, tzinfo=UTC),
                   dt.datetime(1900, 1, 1, tzinfo=UTC)],
            "day": [dt.date(2026, 6, 1), None, dt.date(1969, 12, 31), dt.date(2026, 1, 1),
                    dt.date(1, 1, 1), dt.date(9999, 12, 31)],
        },
        schema_overrides={"at": pl.Datetime("us", "UTC")},
    )
    more = part.with_columns(pl.col("visit_id") + "x", pl.col("hours") * -2)
    return pl.concat([part, more.slice(1, 4), more.slice(0, 1)], rechunk=False)


def test_the_fast_digest_is_the_documented_reference_on_every_type():
    frame = _every_type()
    assert frame.n_chunks() == 3
    columns = list(frame.columns)
    want = reference_digest(frame, columns, None)
    assert digest_v3.frame_sha256(frame) == want
    assert digest_v3.frame_sha256(frame.rechunk()) == want
    assert digest_v3.arrow_sha256(frame.to_arrow()) == want
    # sorted by the keys (the findings' three keys compare by UTF-8 bytes)
    assert (digest_v3.frame_sha256(frame, order=["visit_id"])
            == reference_digest(frame, columns, ["visit_id"]))
    # a subset of columns, in another order
    assert (digest_v3.frame_sha256(frame, ["day", "visit_id"])
            == reference_digest(frame, ["day", "visit_id"], None))


def test_every_value_and_the_order_of_rows_and_columns_count():
    frame = _every_type().rechunk()
    base = digest_v3.frame_sha256(frame)
    changed = [
        frame.with_columns(pl.when(pl.int_range(pl.len()) == 4).then(123456.789013)
                           .otherwise(pl.col("hours")).alias("hours")),
        frame.with_columns(pl.col("note").fill_null("")),  # NULL is not ""
        frame.with_columns(pl.col("count").fill_null(0)),  # NULL is not 0
        frame.with_columns(pl.col("flag").fill_null(False)),
        frame.with_columns(pl.col("at").dt.offset_by("1us")),
        frame.reverse(),
        frame.select(reversed(frame.columns)),
        frame.rename({"note": "notes"}),
        frame.with_columns(pl.col("count").cast(pl.Float64)),  # the type is in the header
        frame.head(frame.height - 1),
    ]
    digests = [digest_v3.frame_sha256(f) for f in changed]
    assert base not in digests and len(set(digests)) == len(digests)
    # text split differently between rows: the lengths tell them apart
    a = pl.DataFrame({"t": ["ab", "c"]})
    b = pl.DataFrame({"t": ["a", "bc"]})
    assert digest_v3.frame_sha256(a) != digest_v3.frame_sha256(b)


def test_zero_signs_and_nan_payloads_are_one_value():
    x = pa.array([0.0, float("nan"), 1.0])
    neg_zero = struct.unpack("<d", struct.pack("<Q", 0x8000000000000000))[0]
    other_nan = struct.unpack("<d", struct.pack("<Q", 0x7FF8DEADBEEF0001))[0]
    y = pa.array([neg_zero, other_nan, 1.0])
    assert digest_v3.column_sha256(x) == digest_v3.column_sha256(y)


# --- Arrow layouts of the same values -----------------------------------------------------------


def _same(*columns):
    digests = {digest_v3.column_sha256(c) for c in columns}
    assert len(digests) == 1, [c.type for c in columns]


def test_text_layouts_give_one_digest():
    values = ["a", None, "", "\u00e9\u6e2f", "longer than twelve bytes, out of line", None, "z"]
    plain = pa.array(values, pa.string())
    _same(plain, pa.array(values, pa.large_string()), pa.array(values, pa.string_view()),
          pa.chunked_array([pa.array(values[:3]), pa.array(values[3:], pa.large_string())
                           .cast(pa.string())]),
          pa.array(["pad", *values, "pad"]).slice(1, len(values)),  # a slice: offsets at 1
          pa.array(values).dictionary_encode())
    # a NULL slot that holds bytes (Arrow allows it) hashes as a NULL: no length, no bytes
    data = b"a" + b"GHOST" + b"z"
    offsets = struct.pack("<4i", 0, 1, 6, 7)
    ghost = pa.Array.from_buffers(pa.string(), 3, [pa.py_buffer(bytes([0b101])),
                                                   pa.py_buffer(offsets), pa.py_buffer(data)])
    assert ghost.to_pylist() == ["a", None, "z"]
    _same(ghost, pa.array(["a", None, "z"]))


def test_fixed_width_layouts_give_one_digest():
    ints = [1, None, -3, 0, 127]
    _same(pa.array(ints, pa.int64()), pa.array(ints, pa.int8()), pa.array(ints, pa.int32()),
          pa.chunked_array([pa.array(ints[:2], pa.int16()), pa.array(ints[2:], pa.int16())]),
          pa.array([9, *ints, 9], pa.int64()).slice(1, 5))
    _same(pa.array([0, 1, 2**63 - 1], pa.uint64()), pa.array([0, 1, 2**63 - 1], pa.int64()))
    with pytest.raises(digest_v3.DigestError):
        digest_v3.column_sha256(pa.array([2**63], pa.uint64()))
    floats = [1.5, None, -2.25, 0.0]
    _same(pa.array(floats, pa.float64()), pa.array(floats, pa.float32()),
          pa.array([9.0, *floats], pa.float64()).slice(1))
    bools = [True, None, False, True, True, False, None, False, True, True]
    _same(pa.array(bools),  # bit-packed; sliced at a bit that is not a byte's first
          pa.array([False, False, False, *bools]).slice(3),
          pa.chunked_array([pa.array(bools[:3]), pa.array(bools[3:])]))


def test_instants_and_dates_in_every_unit_and_zone_give_one_digest():
    at = [dt.datetime(2026, 6, 1, 7, 0, 1, tzinfo=UTC), None,
          dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)]
    naive = [None if a is None else a.replace(tzinfo=None) for a in at]
    _same(pa.array(at, pa.timestamp("us", "UTC")), pa.array(at, pa.timestamp("s", "UTC")),
          pa.array(at, pa.timestamp("ms", "America/Los_Angeles")),
          pa.array(at, pa.timestamp("ns", "Asia/Shanghai")),
          pa.array(naive, pa.timestamp("us")))  # no zone: UTC in this store
    # nanoseconds are rounded down to the microsecond, before 1970 too
    ns = pa.array([1_999, -1], pa.int64()).cast(pa.timestamp("ns", "UTC"))
    us = pa.array([1, -1], pa.int64()).cast(pa.timestamp("us", "UTC"))
    _same(ns, us)
    days = [dt.date(2026, 6, 1), None, dt.date(1969, 12, 31)]
    _same(pa.array(days, pa.date32()), pa.array(days, pa.date64()))


@pytest.mark.parametrize("slice_rows", [1, 2, 4, 7])
def test_a_chunk_hashed_a_slice_at_a_time_has_the_documented_digest(monkeypatch, slice_rows):
    """`ColumnHasher` hashes a chunk HASH_SLICE_ROWS rows at a time (a copy the size of the
    CPU's cache): slices that end inside a chunk, within a run of NULLs, at a text holding
    bytes under a NULL slot and past a bit-packed boolean's byte leave the digest the
    reference's, for frames, Arrow tables and a relation streamed from DuckDB."""
    frame = _every_type()
    columns = list(frame.columns)
    want = reference_digest(frame, columns, None)
    monkeypatch.setattr(digest_v3, "HASH_SLICE_ROWS", slice_rows)
    assert digest_v3.frame_sha256(frame) == want
    assert digest_v3.frame_sha256(frame.rechunk()) == want
    assert digest_v3.arrow_sha256(frame.to_arrow()) == want
    # a NULL slot holding bytes (Arrow allows it) in the middle of a slice or at its edge
    offsets = pa.array([0, 2, 5, 7, 7], pa.int32())
    held = pa.StringArray.from_buffers(4, offsets.buffers()[1], pa.py_buffer(b"abcdefg"),
                                       pa.array([True, False, True, True]).buffers()[1], 1)
    clean = pa.array(["ab", None, "fg", ""])
    assert digest_v3.column_sha256(held) == digest_v3.column_sha256(clean)
    con = duckdb.connect()
    try:
        con.register("frame_view", frame.to_arrow())
        assert (digest_v3.relation_sha256(con, "frame_view", ["visit_id"])
                == reference_digest(frame, columns, ["visit_id"]))
    finally:
        con.close()


def test_a_type_without_a_canonical_form_is_a_clear_error():
    with pytest.raises(digest_v3.DigestError, match="list<item: int64>"):
        digest_v3.arrow_sha256(pa.table({"x": pa.array([[1]])}))


def test_a_stored_relation_streamed_in_small_batches_has_the_frames_digest(monkeypatch):
    """`relation_sha256` hashes each batch as it comes: read three rows at a time (every
    column's parts fed across batches), the digest is the frame's, and the reference's."""
    frame = _every_type()
    want = digest_v3.frame_sha256(frame, order=["visit_id"])
    assert want == reference_digest(frame, list(frame.columns), ["visit_id"])
    monkeypatch.setattr(digest_v3, "STREAM_ROWS", 3)
    con = duckdb.connect()
    try:
        con.register("frame_view", frame.to_arrow())
        con.execute("CREATE TABLE stored AS SELECT * FROM frame_view")
        reader = con.sql("SELECT * FROM stored").to_arrow_reader(3)
        assert len(list(reader)) > 2  # several batches, not one
        assert digest_v3.relation_sha256(con, "stored", ["visit_id"]) == want
    finally:
        con.close()


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_a_frame_stored_in_duckdb_and_read_back_as_arrow_has_the_frames_digest(zone):
    """What `audit verify` hashes (the stored run tables, DuckDB -> Arrow, sorted by DuckDB)
    is what the check hashed (the polars frame), in any session time zone."""
    frame = _every_type()
    want = digest_v3.frame_sha256(frame, order=["visit_id"])
    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = '{zone}'")
        con.register("frame_view", frame.to_arrow())
        con.execute("CREATE TABLE stored AS SELECT * FROM frame_view")
        assert digest_v3.relation_sha256(con, "stored", ["visit_id"]) == want
        assert digest_v3.relation_sha256(con, "(SELECT * FROM stored ORDER BY visit_id)",
                                         ["visit_id"], ordered=True) == want
        # DuckDB's other text layout
        con.execute("SET produce_arrow_string_view = true")
        con.execute("SET arrow_output_version = '1.4'")
        table = con.sql("SELECT * FROM stored ORDER BY visit_id").to_arrow_table()
        assert pa.types.is_string_view(table.schema.field("note").type)
        assert digest_v3.arrow_sha256(table) == want
    finally:
        con.close()

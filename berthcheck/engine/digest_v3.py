"""Digests of results and findings over a binary canonical form of their typed columns
(manifest version 3; docs/reliability.md, "Manifest version 3").

Version 2 (berthcheck/engine/digest.py, kept to verify version-2 runs) had DuckDB write every
value as text and hashed the lines: at a million visits that is 70 million values made into
text. Version 3 hashes each column's values as fixed-width little-endian bytes read from the
Arrow buffers the frames (or DuckDB's results) already hold, so only floats, NULLs and text
lengths are touched by numpy and nothing is made into text. The form, per column of `n` rows:

* `M`: n bytes, 1 where the row has a value, 0 where it is NULL;
* `V`: n values, each the width of the column's canonical type, little-endian (a NULL's
  value is all zero bytes): `int64` every integer type as a signed 64-bit integer; `float64`
  every floating-point and decimal type as IEEE-754 binary64, -0.0 as 0.0 and every NaN as
  0x7FF8000000000000; `bool` one byte, 1 or 0; `timestamp_us_utc` an instant as int64
  microseconds since 1970-01-01T00:00:00Z (a time-zone-less timestamp is UTC in this store;
  nanoseconds are rounded down to the microsecond); `date32` int32 days since 1970-01-01;
  `utf8` the value's UTF-8 byte length as uint32;
* `D` (`utf8` only): the UTF-8 bytes of every value, in row order, nothing between them (a
  NULL adds none);
* the column's digest: sha256(sha256(M) || sha256(V) || sha256(D)), 32 bytes (for a column
  without D, sha256(sha256(M) || sha256(V))): each part is a running hash over the rows in
  order, so a column can be hashed as its rows stream past (`ColumnHasher`).

A relation's digest is sha256 of the header, the UTF-8 text `<n>\\n` then `<name>\\t<type>\\n`
per column, followed by the columns' 32-byte digests in column order. Rows are in the
digest's order (results by `visit_id`; findings by `visit_id`, `rule_id`, `finding_id`;
strings by their UTF-8 bytes). The columns are hashed one after the other, each on its own
(a big check hashes its results' columns as its sorted frame is made: `ColumnDigests`), and
a pool of two threads measured no faster on this 2-core machine while costing more CPU
(docs/scaling-history.md, "Eighth pass, E").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from berthcheck.engine.output_columns import FINDING_ORDER, RESULT_ORDER
from berthcheck.errors import BerthcheckError

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["FINDING_ORDER", "RESULT_ORDER", "arrow_sha256", "frame_sha256", "query_sha256",
           "relation_sha256"]

INT64, FLOAT64, BOOL, TIMESTAMP, DATE, UTF8 = (
    "int64", "float64", "bool", "timestamp_us_utc", "date32", "utf8")
CANONICAL_NAN = 0x7FF8000000000000
MAX_TEXT_BYTES = 2**32 - 1  # a value's length is a uint32
# rows of a chunk made canonical and hashed at a time (`ColumnHasher.add`): a slice's copy
# (64 Ki floats are 512 KiB) is hashed from the CPU's cache; the results of a million visits
# hashed whole columns at a time took 1.16-1.36 CPU s, 64 Ki rows at a time 1.00-1.02
HASH_SLICE_ROWS = 1 << 16


class DigestError(BerthcheckError):
    """A column that has no canonical form (a type berthcheck's runs never hold)."""


def type_tag(arrow_type: pa.DataType) -> str:
    """The canonical type of an Arrow type (dictionaries by their values)."""
    import pyarrow as pa

    t = arrow_type.value_type if pa.types.is_dictionary(arrow_type) else arrow_type
    if pa.types.is_integer(t):
        return INT64
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return FLOAT64
    if pa.types.is_boolean(t):
        return BOOL
    if pa.types.is_timestamp(t):
        return TIMESTAMP
    if pa.types.is_date(t):
        return DATE
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return UTF8
    raise DigestError(f"a column of type {arrow_type} has no canonical form in manifest "
                      "version 3 (BOOLEAN, integers, DOUBLE, DATE, TIMESTAMPTZ and VARCHAR do)")


def _mask(chunk: pa.Array) -> np.ndarray:
    import numpy as np
    import pyarrow.compute as pc

    if chunk.null_count == 0:
        return np.ones(len(chunk), dtype=np.uint8)
    return pc.is_valid(chunk).to_numpy(zero_copy_only=False).view(np.uint8)


def _filled(chunk: pa.Array, zero) -> pa.Array:
    import pyarrow.compute as pc

    return pc.fill_null(chunk, zero) if chunk.null_count else chunk


def _fixed(chunk: pa.Array, tag: str) -> np.ndarray:
    """V of one chunk of a fixed-width column."""
    import numpy as np
    import pyarrow as pa

    if tag == INT64:
        try:
            values = _filled(chunk.cast(pa.int64()), 0)
        except pa.ArrowInvalid as exc:  # an unsigned value past 2**63 - 1
            raise DigestError(f"an integer out of the signed 64-bit range: {exc}") from None
        return values.to_numpy().astype("<i8", copy=False)
    if tag == FLOAT64:
        x = _filled(chunk.cast(pa.float64()), 0.0).to_numpy()
        y = x + 0.0  # a copy in which -0.0 is 0.0 (IEEE-754: -0.0 + 0.0 = +0.0)
        nan = np.isnan(y)
        if nan.any():
            y.view(np.uint64)[nan] = CANONICAL_NAN
        return y.astype("<f8", copy=False)
    if tag == BOOL:
        return _filled(chunk, False).to_numpy(zero_copy_only=False).view(np.uint8)
    if tag == TIMESTAMP:
        unit = chunk.type.unit
        ticks = _filled(chunk.cast(pa.int64()), 0).to_numpy()
        if unit == "s":
            ticks = ticks * 1_000_000
        elif unit == "ms":
            ticks = ticks * 1_000
        elif unit == "ns":
            ticks = ticks // 1_000  # rounded down (toward the past)
        return ticks.astype("<i8", copy=False)
    if tag == DATE:
        days = chunk if pa.types.is_date32(chunk.type) else chunk.cast(pa.date32())
        return _filled(days.cast(pa.int32()), 0).to_numpy().astype("<i4", copy=False)
    raise AssertionError(tag)


def _text(chunk: pa.Array, mask: np.ndarray) -> tuple[np.ndarray, object]:
    """(V, D) of one chunk of a text column, read from its offsets and data buffers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
        chunk = chunk.cast(pa.large_string())  # string views: offsets and one data buffer
    lengths, data = _lengths_and_data(chunk)
    if chunk.null_count and lengths[mask == 0].any():
        # a NULL slot may hold bytes (Arrow allows it; polars leaves some): drop them
        lengths, data = _lengths_and_data(pc.fill_null(chunk, ""))
    return lengths, data


def _lengths_and_data(chunk: pa.Array) -> tuple[np.ndarray, object]:
    """The values' byte lengths (uint32 LE) and the chunk's bytes as they lie in Arrow's data
    buffer (a slice, not a copy)."""
    import numpy as np
    import pyarrow as pa

    width = np.int32 if pa.types.is_string(chunk.type) else np.int64
    _validity, offsets_buffer, data = chunk.buffers()
    n = len(chunk)
    offsets = np.frombuffer(offsets_buffer, dtype=width, count=n + 1,
                            offset=chunk.offset * np.dtype(width).itemsize)
    start, end = int(offsets[0]), int(offsets[-1])
    # no value is longer than all of them together: the maximum is looked for only past 4 GiB
    if (end - start > MAX_TEXT_BYTES
            and int(np.subtract(offsets[1:], offsets[:-1]).max()) > MAX_TEXT_BYTES):
        raise DigestError("a text value longer than 4 GiB has no canonical form")
    lengths = np.empty(n, dtype="<u4")  # one pass: the differences written as uint32
    np.subtract(offsets[1:], offsets[:-1], out=lengths, casting="unsafe")
    return lengths, (data.slice(start, end - start) if data is not None and end > start
                     else b"")


class ColumnHasher:
    """One column's three running hashes (M, V and, for text, D), fed chunk by chunk in row
    order: a column can be hashed as its rows stream past, never held whole."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.parts = [hashlib.sha256() for _ in range(3 if tag == UTF8 else 2)]

    def add(self, chunk: pa.Array) -> None:
        import pyarrow as pa

        if pa.types.is_dictionary(chunk.type):
            chunk = chunk.dictionary_decode()
        # a slice at a time: its canonical copy (text made contiguous, floats made canonical)
        # is hashed while it is still in the CPU's cache, not written whole to memory first
        # and read back (the same bytes hashed in the same order: the running hashes see one
        # stream either way)
        for start in range(0, len(chunk), HASH_SLICE_ROWS):
            self._add(chunk.slice(start, HASH_SLICE_ROWS))

    def _add(self, chunk: pa.Array) -> None:
        mask = _mask(chunk)
        self.parts[0].update(mask.data)  # numpy's memory as it is (C-contiguous): no copy
        if self.tag == UTF8:
            lengths, data = _text(chunk, mask)
            self.parts[1].update(lengths.data)
            self.parts[2].update(data)  # type: ignore[arg-type]  # an Arrow buffer or b""
        else:
            self.parts[1].update(_fixed(chunk, self.tag).data)

    def digest(self) -> bytes:
        """sha256(sha256(M) || sha256(V) [|| sha256(D)]), 32 bytes."""
        return hashlib.sha256(b"".join(part.digest() for part in self.parts)).digest()


def column_sha256(column: pa.Array | pa.ChunkedArray, tag: str | None = None) -> bytes:
    """The 32-byte digest of one column, whatever its Arrow layout (chunks, slices, bit-packed
    booleans, string / large_string / string_view, dictionary)."""
    import pyarrow as pa

    hasher = ColumnHasher(tag or type_tag(column.type))
    for chunk in (column.chunks if isinstance(column, pa.ChunkedArray) else [column]):
        hasher.add(chunk)
    return hasher.digest()


def header(rows: int, columns: Sequence[tuple[str, str]]) -> bytes:
    return (f"{rows}\n" + "".join(f"{name}\t{tag}\n" for name, tag in columns)).encode("utf-8")


def _relation_digest(rows: int, names: Sequence[str], tags: Sequence[str],
                     column_digests: Iterable[bytes]) -> str:
    """The header, then the columns' 32-byte digests in column order, hashed."""
    return hashlib.sha256(header(rows, list(zip(names, tags, strict=True)))
                          + b"".join(column_digests)).hexdigest()


def _combined(rows: int, names: Sequence[str], types: Sequence[pa.DataType],
              column: Callable[[str], pa.Array | pa.ChunkedArray]) -> str:
    tags = [type_tag(t) for t in types]
    return _relation_digest(rows, names, tags, (column_sha256(column(name), tag)
                                                for name, tag in zip(names, tags, strict=True)))


def arrow_sha256(table: pa.Table, columns: Sequence[str] | None = None) -> str:
    """The digest of an Arrow table whose rows are in the digest's order, over `columns`
    (default: all, in order)."""
    names = list(columns or table.column_names)
    types = [table.schema.field(n).type for n in names]
    return _combined(table.num_rows, names, types, table.column)


def frame_sha256(frame, columns: Sequence[str] | None = None, *,
                 order: Sequence[str] | None = None,
                 known: ColumnDigests | None = None) -> str:
    """The digest of a polars frame over `columns` (default: all). `order`: sort the rows by
    these keys first (None: the frame is in the digest's order already). Each column is made
    Arrow (zero-copy for fixed-width values) only as it is hashed. `known`: digests of some
    of the frame's columns already computed as they were made (`ColumnDigests`), used for
    the columns whose name and dtype are the same (the frame unsorted after)."""
    if order:
        frame = frame.sort(list(order))
        known = None
    names = list(columns or frame.columns)
    schema = frame.schema  # made once: polars builds a Schema at every `frame.schema`
    types = [_arrow_type_of(schema[n]) for n in names]
    tags = [type_tag(t) for t in types]

    def digest(name: str, tag: str) -> bytes:
        series = frame.get_column(name)
        made = known.take(name, series) if known is not None else None
        return made if made is not None else series_sha256(series, tag)

    return _relation_digest(frame.height, names, tags,
                            (digest(name, tag) for name, tag in zip(names, tags, strict=True)))


def series_sha256(series, tag: str | None = None) -> bytes:
    """The 32-byte digest of a polars series (a frame's column, as `frame_sha256` reads it)."""
    import polars as pl

    # polars' own layout (text as string views) exported without a copy: polars' export to
    # large_string holds Python's lock for as long as it copies (about 0.1 s a column at a
    # million rows); Arrow's cast in `_text` does not
    return column_sha256(series.to_arrow(compat_level=pl.CompatLevel.newest()),
                         tag or type_tag(_arrow_type_of(series.dtype)))


class ColumnDigests:
    """The digests of a frame's columns, each computed in a thread of its own as soon as the
    column is made (`add`), for `frame_sha256(known=...)`.

    A check's results are made a few columns at a time (engine/results_frame.py `sorted`),
    mostly on one core; hashed as they come, the digest runs on the other one instead of
    beside the stored run's inserts, which keep both cores busy (docs/scaling-history.md, "Tenth
    pass, O"). A column is read, never changed, so its digest is the one `frame_sha256`
    would compute, as long as the final frame holds the same column: `take` gives it only
    for the same name and dtype (the engine replaces a column only to cast it)."""

    def __init__(self) -> None:
        self._pool: Any = None  # a ThreadPoolExecutor of one thread, made at the first column
        self._made: dict = {}  # name -> (dtype, future of the 32-byte digest)

    def add(self, name: str, series) -> None:
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bc-digest")
        self._made[name] = (series.dtype, self._pool.submit(series_sha256, series))

    def take(self, name: str, series) -> bytes | None:
        """The digest of `series` if it was computed as column `name` of that dtype."""
        made = self._made.get(name)
        if made is None or made[0] != series.dtype:
            return None
        return made[1].result()

    def close(self) -> None:
        """Stop the thread (what it had not started is dropped; a running digest finishes)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._made = {}


def _arrow_type_of(dtype) -> pa.DataType:
    """The Arrow type polars gives a dtype (read from an empty series: no data converted),
    found once per dtype (a recorded check asks for each of its ~80 columns)."""
    try:
        return _arrow_type_cached(dtype)
    except TypeError:  # a dtype that cannot be a key: found each time
        return _arrow_type_cached.__wrapped__(dtype)


@lru_cache(maxsize=256)
def _arrow_type_cached(dtype) -> pa.DataType:
    import polars as pl

    return pl.Series("x", [], dtype=dtype).to_arrow().type


STREAM_ROWS = 122_880  # rows of a relation read at a time (`relation_sha256`)


def relation_sha256(con, relation: str, order: Sequence[str], *, ordered: bool = False) -> str:
    """The digest of a DuckDB relation of ours (a table, view or `(SELECT ...)`), all its
    columns in order, its rows sorted by `order` unless `ordered`, read as Arrow batches and
    hashed as they come (`audit verify` of a million visits' stored run holds one batch, not
    the run)."""
    from berthcheck import store

    sort = "" if ordered else " ORDER BY " + ", ".join(store.quote_ident(k) for k in order)
    return query_sha256(con, f"SELECT * FROM {relation}{sort}")  # noqa: S608 - ours


def query_sha256(con, sql: str) -> str:
    """The digest of the rows of a query of ours, every column it selects, in the order it
    returns them (`relation_sha256`; a stored run's results in their row key's order)."""
    reader = con.sql(sql).to_arrow_reader(STREAM_ROWS)
    try:
        names = reader.schema.names
        tags = [type_tag(field.type) for field in reader.schema]
        hashers = [ColumnHasher(tag) for tag in tags]
        rows = 0
        for batch in reader:
            rows += batch.num_rows
            for hasher, column in zip(hashers, batch.columns, strict=True):
                hasher.add(column)
    finally:
        reader.close()  # an unread result would block the connection's next statement
    return _relation_digest(rows, names, tags, (h.digest() for h in hashers))

"""The check's results leave the sandbox: read in batches copied out of DuckDB's Arrow as
they come (or, for a big check, written to the store's spill folder until the sandbox is
closed), then joined and sorted a few columns at a time into one polars frame, without ever
holding the results twice.

At a million visits the results are ~70 columns; each step here is about the peak memory of
a check (docs/scaling-history.md, "Seventh pass, C", "Eighth pass, H" and "Ninth pass, K").
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from berthcheck.errors import BerthcheckError

FETCH_BATCH_ROWS = 122_880  # rows of the results read at a time (DuckDB's row group)


def read_batches(sandbox, sql: str, params: dict[str, object],
                 spill_to: str | os.PathLike | None = None,
                 rounded: Sequence[str] = ()) -> Fetched:
    """The query's rows, read FETCH_BATCH_ROWS at a time: DuckDB's whole result as Arrow
    never exists at once. A result of more than one batch is kept as each column's chunks,
    copied out of DuckDB's Arrow as they come (`_detached`), so each batch DuckDB made is
    freed as soon as it is read; a result of one batch is kept as it is (a small check).
    `spill_to` (a folder): the batches are written there instead, one Arrow file each, and
    read back when the frame is made, after the sandbox is closed (`Fetched`).
    `rounded`: the emission columns the query leaves unrounded, rounded as they are read
    (`emission_stage.round_scaled`, which is their copy out of DuckDB's batch)."""
    import duckdb

    reader = sandbox.sql(sql, params=params or None).to_arrow_reader(FETCH_BATCH_ROWS)
    names = reader.schema.names
    fetched = Fetched(reader.schema, spill_to,
                      rounded=[names.index(name) for name in rounded if name in names])
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                fetched.finish()
                return fetched
            except OSError as exc:  # the query failed while streaming: DuckDB's error
                raise duckdb.Error(str(exc)) from None
            fetched.add(batch)
    except BaseException:
        fetched.discard()
        raise
    finally:
        reader.close()


def spill_folder(con) -> str | None:
    """The store's spill folder (DuckDB's `temp_directory`, `BERTHCHECK_TEMP_DIR`), for a
    store that is a database file; None for an in-memory one (nothing of it is on disk, and
    DuckDB's default folder would be relative to the working directory)."""
    from berthcheck import store

    temp = store.database_file(con) and store.scalar(con, "SELECT current_setting('temp_directory')")
    return str(temp) if temp else None


class Fetched:
    """The results' rows as read: the first batch as DuckDB made it, then (from a second
    batch) each column's chunks in memory of their own.

    Why the copy: a batch's Arrow is one import, freed only when the last of its buffers is
    gone, and polars keeps the text buffers of a batch under its string columns (its string
    views point into them) even after a join and a sort. So the results frame of a million
    visits held every batch DuckDB made (0.7 GB) besides its own columns (0.65 GB) until
    the end of the check. Copied column by column, a column's chunks are freed when it is
    joined, and only the text its rows point to stays.

    Spilled (`spill_to`, a big check): while the results are read the sandbox still holds
    the tables the results query reads and its hash tables (0.9 GB at a million visits);
    the results' copies (0.73 GB) on top of them were the check's peak. So from a second
    batch each batch's non-text columns (`spilled_columns`; the text ones are copied out and
    kept, as without a spill) are written as they come, uncompressed, to a file of their own
    in a private folder under `spill_to`, and read back only when the frame is made, after the
    sandbox is closed: by the sort a few columns at a time, each copied from the mapped files
    straight into its one chunk as its group is joined (`_joined`), so they are never all
    in memory before the sort. The files are deleted once every column is read, or when
    this object is let go (an error before the frame). A batch is written by a thread of its
    own while DuckDB makes the next one (one write at a time): DuckDB's results come through
    the reading thread and it runs only a small buffer ahead of it, so the 0.73 GB written
    there at a million visits held DuckDB back (`finish` waits for the last write; a failed
    write is raised by the next `add` or `finish`)."""

    def __init__(self, schema, spill_to: str | os.PathLike | None = None,
                 rounded: Sequence[int] = ()) -> None:
        self.schema = schema
        # the indexes of the columns rounded as they are read (`read_batches`)
        self._rounded = frozenset(rounded)
        self.first: Any = None  # the only batch so far (pa.RecordBatch)
        self.columns: list[list] | None = None  # each column's detached chunks (pa.Array)
        self.spill_to = spill_to
        self.spilled: list[Path] = []  # the batches written, in order
        self._folder: Path | None = None
        self._remove: weakref.finalize | None = None  # the folder deleted with this object
        self._writer: Any = None  # the thread writing the spilled batches (an executor)
        self._writing: Any = None  # the batch being written (a future)
        # the indexes of the columns written to disk, and of those kept in memory
        self._spilled_at = spilled_columns(schema) if spill_to is not None else []
        self._kept_at = set(range(len(schema))) - set(self._spilled_at)
        self.rows = 0  # the rows added so far

    def add(self, batch) -> None:
        self.rows += batch.num_rows
        if self._rounded:  # rounded columns: copies of their own, not DuckDB's buffers
            from berthcheck.emission_stage import round_scaled

            for i in sorted(self._rounded):
                batch = batch.set_column(i, self.schema.field(i),
                                         round_scaled(batch.column(i)))
        if self.columns is None and self.first is None and not self.spilled:
            self.first = batch
            return
        if self.spill_to is not None:
            if self.first is not None:  # a second batch: the first goes to disk too
                first, self.first = self.first, None
                self._spill_part(first)
            self._spill_part(batch)
            return
        if self.columns is None:  # a second batch: the first is copied too
            self.columns = [[self._copied(i, column)]
                            for i, column in enumerate(self.first.columns)]
            self.first = None
        for i, (chunks, column) in enumerate(zip(self.columns, batch.columns, strict=True)):
            chunks.append(self._copied(i, column))

    def _copied(self, i: int, column):
        """Column `i` of a batch in memory of its own (a rounded one already is)."""
        return column if i in self._rounded else _detached(column)

    def _spill_part(self, batch) -> None:
        """The batch's spilled columns (`spilled_columns`) to disk, the others copied out and
        kept, as without a spill."""
        if self.columns is None:
            self.columns = [[] for _ in self.schema]
        for i in self._kept_at:
            self.columns[i].append(self._copied(i, batch.column(i)))
        if self._spilled_at:
            self._spill(batch.select(self._spilled_at))

    def _spill(self, batch) -> None:
        if self._folder is None:
            assert self.spill_to is not None  # only called when spilling
            # DuckDB makes the spill folder only when it spills, and removes it: so do we
            made = None if os.path.isdir(self.spill_to) else Path(self.spill_to)
            try:
                os.makedirs(self.spill_to, exist_ok=True)
                self._folder = Path(tempfile.mkdtemp(prefix="berthcheck-results-",
                                                     dir=self.spill_to))
            except OSError as exc:
                raise BerthcheckError(
                    f"cannot write the check's results to the spill folder {self.spill_to} "
                    f"({exc}); give a writable folder in BERTHCHECK_TEMP_DIR") from None
            self._remove = weakref.finalize(self, _remove_folders, self._folder, made)
        path = self._folder / f"{len(self.spilled):06d}.arrow"
        self.spilled.append(path)
        self.finish()  # one write at a time: at most one batch waits besides DuckDB's next
        if self._writer is None:
            from concurrent.futures import ThreadPoolExecutor

            self._writer = ThreadPoolExecutor(max_workers=1,
                                              thread_name_prefix="bc-results-spill")
        self._writing = self._writer.submit(self._write, path, batch)

    def _write(self, path: Path, batch) -> None:
        import pyarrow as pa

        try:
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, batch.schema) as out:
                out.write_batch(batch)
        except OSError as exc:  # a full disk, say
            raise BerthcheckError(
                f"cannot write the check's results to the spill folder {self.spill_to} "
                f"({exc}); give a folder with room in BERTHCHECK_TEMP_DIR") from None

    def finish(self) -> None:
        """Wait for the batch being written; its failure is raised here."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def _stop_writing(self) -> None:
        """Wait for the write under way, whatever its outcome, and stop the thread."""
        writing, self._writing = self._writing, None
        if writing is not None:
            try:
                writing.result()
            except Exception:  # noqa: BLE001 - the files are being discarded anyway
                pass
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def _read_back(self) -> None:
        """The spilled batches as each column's detached chunks, their files deleted: each
        file mapped, its columns copied out (a column keeps no page of the file) and let go."""
        import pyarrow as pa

        self.finish()
        self._stop_writing()
        held = self.columns or [[] for _ in self.schema]
        for path in self.spilled:
            with pa.memory_map(str(path)) as source:
                batch = pa.ipc.open_file(source).get_batch(0)
                for i, column in zip(self._spilled_at, batch.columns, strict=True):
                    held[i].append(_detached(column))
                del batch
            path.unlink()
        self.columns = held
        self.spilled = []
        self.discard()

    def discard(self) -> None:
        """Delete the spilled files and their folder (nothing if none)."""
        self._stop_writing()
        if self._remove is not None:
            self._remove()
        self.spilled = []

    def frame(self):
        """The rows as one polars frame, one chunk per column; the chunks are let go as
        each column is joined (this object is empty afterwards)."""
        import polars as pl

        if self.spilled:
            self._read_back()
        if self.columns is None:
            batch, self.first = self.first, None
            if batch is None:
                return pl.from_arrow(self.schema.empty_table())
            return pl.from_arrow(batch)
        joined = self._joined(range(len(self.schema)))
        self.columns = None
        hand_back_freed()
        return pl.DataFrame(joined)

    def sorted(self, keys: tuple[str, ...], on_column=None):
        """The rows as one frame sorted by `keys` (unique, never NULL), one chunk per column.
        From two batches and SORT_APART_ROWS rows, the order is found from the key columns
        alone, then a few columns at a time are joined, gathered in that order and let go:
        no full unsorted frame is ever made (polars' gathers run on threads whose
        allocator does not reuse what the main thread freed, so a join of every column
        first left a second copy of the results resident while the sort ran).
        `on_column(name, series)`: called with each sorted column as soon as it is made (in
        that path only), for a digest computed meanwhile (`digest_v3.ColumnDigests`)."""
        import polars as pl

        if self.columns is None or self.rows < SORT_APART_ROWS:
            if self.spilled:
                self._read_back()
            return sorted_frame([self.frame()], keys)
        # a spilled result's columns stay on disk until their group is joined (`_joined`)
        self.finish()
        self._stop_writing()
        names = self.schema.names
        at = {name: i for i, name in enumerate(names)}
        key_frame = pl.DataFrame(self._joined([at[k] for k in keys], keep=True))
        order = key_frame.select(pl.arg_sort_by(list(keys))).to_series()
        del key_frame
        columns: dict = {}
        for start in range(0, len(names), SORT_GROUP_COLUMNS):
            group = range(start, min(start + SORT_GROUP_COLUMNS, len(names)))
            made = pl.DataFrame(self._joined(group))[order].to_dict()
            columns.update(made)
            if on_column is not None:
                for name, series in made.items():
                    on_column(name, series)
            del made
            hand_back_freed()
        self.columns = None
        self.discard()  # the spilled files, every column read
        return pl.DataFrame({name: columns[name] for name in names})

    def _joined(self, indexes, *, keep: bool = False) -> dict:
        """The columns at `indexes`, each joined into one chunk; their chunks let go unless
        `keep`. A spilled column still on disk (`sorted`) is read from the batches' files,
        copied straight into its one chunk."""
        import polars as pl

        held = self.columns or []
        indexes = list(indexes)
        on_disk = set(self._spilled_at) if self.spilled else set()
        from_disk = self._from_files([i for i in indexes if i in on_disk])
        joined = {}
        for i in indexes:
            field = self.schema.field(i)
            if i in from_disk:
                joined[field.name] = _series(pl, from_disk.pop(i), field)
                continue
            chunks = held[i]
            if not keep:
                held[i] = []
            joined[field.name] = _series(pl, chunks, field)
            del chunks
            if not keep and i % SORT_GROUP_COLUMNS == SORT_GROUP_COLUMNS - 1:
                hand_back_freed()
        return joined

    def _from_files(self, indexes: list[int]) -> dict:
        """The spilled columns at `indexes` as their chunks in the batches' files (mapped,
        not copied: `_series` copies them out)."""
        import pyarrow as pa

        if not indexes:
            return {}
        place = {i: n for n, i in enumerate(self._spilled_at)}
        chunks: dict = {i: [] for i in indexes}
        for path in self.spilled:
            with pa.memory_map(str(path)) as source:
                batch = pa.ipc.open_file(source).get_batch(0)
                for i in indexes:
                    chunks[i].append(batch.column(place[i]))
                del batch
        return chunks


def _series(pl, chunks: list, field):
    """One polars column of `chunks` (pa.Array), in one chunk of memory of its own: Arrow's
    concatenation is the one copy (polars' `rechunk` of the chunks read as they are copied
    the text twice, into its string views and then joined: 0.40 -> 0.31 CPU s for the 20
    text columns of a million visits), and the spilled columns are copied out of the mapped
    files by it (no second copy read back first). A text column too long for 32-bit
    offsets, or a single chunk, is joined by polars as before."""
    import pyarrow as pa

    if len(chunks) > 1:
        try:
            return pl.from_arrow(pa.concat_arrays(chunks))
        except (pa.ArrowInvalid, pa.ArrowCapacityError, pa.ArrowNotImplementedError):
            pass
    chunks = [_detached(chunk) for chunk in chunks] if len(chunks) == 1 else chunks
    return pl.from_arrow(pa.chunked_array(chunks, field.type)).rechunk()


def spilled_columns(schema) -> list[int]:
    """The columns of a spilled result that wait on disk: all but the text ones, which stay
    in memory (copied out of DuckDB's batches as without a spill). Writing a file costs the
    kernel a copy of every byte into the page cache (perf at a million visits: 10 % of the
    check's CPU samples for the 0.73 GB of every column); the numbers and instants (0.36 GB)
    are what the peak needed off (docs/scaling-history.md, "Eleventh pass, the integrator")."""
    import pyarrow as pa

    return [i for i, field in enumerate(schema)
            if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type))]


def _remove_folders(folder: Path, made: Path | None) -> None:
    """Delete the spilled batches' folder, and the spill folder if it was made for them and
    is empty (DuckDB may have spilled there meanwhile)."""
    shutil.rmtree(folder, ignore_errors=True)
    if made is not None:
        try:
            made.rmdir()
        except OSError:
            pass


def _detached(array):
    """`array` with its buffers copied into memory of its own (not DuckDB's batch); an array
    of a type with child arrays or a dictionary is kept as it is (the results have none)."""
    import pyarrow as pa

    kind = array.type
    if not (pa.types.is_primitive(kind) or pa.types.is_string(kind) or
            pa.types.is_large_string(kind) or pa.types.is_binary(kind) or
            pa.types.is_large_binary(kind) or pa.types.is_decimal(kind)):
        return array
    buffers = [None if b is None else pa.py_buffer(b.to_pybytes()) for b in array.buffers()]
    return pa.Array.from_buffers(kind, len(array), buffers, null_count=array.null_count,
                                 offset=array.offset)


def hand_back_freed() -> None:
    """Hand the C heap's free pages back to the system (glibc's `malloc_trim`; elsewhere
    nothing): the detached chunks live there, and glibc keeps what is freed for reuse, which
    here only polars' and DuckDB's own allocators would ask for."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def hand_back_duckdb_freed() -> None:
    """Have DuckDB's allocator (jemalloc, one for every DuckDB connection of the process) hand
    the pages it freed back to the system now (`arena.<all>.purge`), not over the next
    seconds from its background thread: a check calls it when the sandbox is closed, so that
    the results read back are not laid on top of the sandbox's freed tables (1.1 GB at a
    million visits, when the close's own flush did not come). Nothing where DuckDB is built
    without it (macOS, Windows)."""
    purge = _duckdb_mallctl()
    if purge is not None:
        purge(b"arena.4096.purge", None, None, None, 0)  # 4096: MALLCTL_ARENAS_ALL


_TRIM: list = []
_MALLCTL: list = []


def _duckdb_mallctl():
    if not _MALLCTL:
        import ctypes

        try:
            import _duckdb  # the extension module, with jemalloc linked in as duckdb_je_*

            mallctl = ctypes.CDLL(_duckdb.__file__).duckdb_je_mallctl
            mallctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p,
                                ctypes.c_void_p, ctypes.c_size_t]
            mallctl.restype = ctypes.c_int
            _MALLCTL.append(mallctl)
        except (ImportError, AttributeError, OSError):
            _MALLCTL.append(None)
    return _MALLCTL[0]


def _malloc_trim():
    if not _TRIM:
        import ctypes

        try:
            _TRIM.append(ctypes.CDLL(None).malloc_trim)
        except (AttributeError, OSError):  # not glibc (macOS, musl)
            _TRIM.append(None)
    return _TRIM[0]


SORT_GROUP_COLUMNS = 8  # columns gathered at a time by `sorted_frame` (in parallel)
SORT_APART_ROWS = 50_000  # below this many rows one sort of the frame is cheaper


def sorted_frame(parts: list, keys: tuple[str, ...]):
    """The batches `parts` (emptied: the caller keeps no reference to them) as one frame
    sorted by `keys` (unique, never NULL: `visit_id` for the results), one chunk per column.

    Joined a column at a time (polars would copy a frame of many chunks whole before sorting
    it, and gathers from many chunks at twice the CPU). A batch's memory is one Arrow import,
    handed back only when its last column is gone, so the join holds the results twice: it
    runs after the sandbox is closed, and the batches are dropped before the sort. Sorted a
    few columns at a time: the order found once, each group of columns gathered in it and
    the unsorted columns dropped as they go, so the sort never holds the results twice (0.6
    GB at a million visits) for the CPU of one sort."""
    import polars as pl

    if len(parts) == 1:  # one batch: already one chunk per column
        frame = parts.pop()
    else:
        columns = {name: pl.concat([part.get_column(name) for part in parts], rechunk=True)
                   for name in parts[0].columns}
        parts.clear()
        frame = pl.DataFrame(columns)
        del columns
    if frame.height < SORT_APART_ROWS:
        return frame.sort(list(keys))
    order = frame.select(pl.arg_sort_by(list(keys))).to_series()
    names, columns = frame.columns, {}
    for start in range(0, len(names), SORT_GROUP_COLUMNS):
        group = names[start:start + SORT_GROUP_COLUMNS]
        columns.update(frame.select(group)[order].to_dict())
        frame = frame.drop(group)
    return pl.DataFrame(columns)

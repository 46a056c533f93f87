"""The DuckDB store: one file holds inputs, their history, load log and results.

Every input table is kept as `<table>_versions`, one row per version of a record with its
lineage (`_batch_id`, `_source_file`, `_source_row`, `_row_hash`) and `_replaced_by` (the batch
that replaced it; NULL while current). A view `<table>` shows the current rows, which is what
the rule packs read. Nothing is ever deleted, so any earlier state can be rebuilt.

The tables and views themselves are made by the numbered migrations in
berthcheck/store_schema.py, which `connect` applies to a store that has not reached the last.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path

from berthcheck import __version__
from berthcheck.errors import BerthcheckError, DatabaseInUse, SchemaBehind, StoreUnavailable
from berthcheck.ingest.kinds import KINDS, storage_name
from berthcheck.store_schema import MIGRATIONS, builtin_ports  # noqa: F401 - the store's names

DEFAULT_DB = "berthcheck.duckdb"
LINEAGE_COLUMNS = ("_batch_id", "_source_file", "_source_row", "_row_hash", "_replaced_by")


def resolve_db_path(db: str | os.PathLike | None) -> Path:
    """`--db`, else `$BERTHCHECK_DB`, else ./berthcheck.duckdb."""
    return Path(db or os.environ.get("BERTHCHECK_DB") or DEFAULT_DB)



def _apply_migrations(con) -> None:
    import duckdb

    try:
        # asked directly, not looked up in information_schema first: listing the catalog
        # cost a fresh connection about 5 of its 7 ms here, on every open of the store
        current = schema_version(con)
    except duckdb.CatalogException:  # a new database: no schema_meta yet
        current = 0
        _refuse_foreign_database(con)
    latest = MIGRATIONS[-1][0]
    if current > latest:
        raise StoreUnavailable(
            f"this database has schema version {current}, newer than this berthcheck "
            f"({__version__}) understands ({latest}); upgrade berthcheck"
        )
    if current == latest:
        return
    run(con, "BEGIN TRANSACTION")
    try:
        for number, _title, make in MIGRATIONS:
            if number <= current:
                continue
            for statement in make():
                run(con, statement)
            if number == 1:
                con.executemany(
                    "INSERT INTO ports_builtin VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        [r["port"], r["name"], r["timezone"], r["country"], r["carb_at_berth"],
                         r["afir_art9"], r["note"]]
                        for r in builtin_ports()
                    ],
                )
        run(con, "INSERT OR REPLACE INTO schema_meta VALUES ('schema_version', ?)", [str(latest)])
        run(con, "COMMIT")
    except Exception:
        run(con, "ROLLBACK")
        raise


def _refuse_foreign_database(con) -> None:
    """A DuckDB file without berthcheck's schema is made a store only while it holds nothing:
    one that already has tables or views is another program's database (a mistyped `--db`),
    which berthcheck must not fill with its own tables."""
    names = [name for (name,) in run(con, (
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND NOT internal AND NOT temporary UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
        "AND NOT internal AND NOT temporary ORDER BY 1"))]
    if names:
        shown = ", ".join(map(repr, names[:3])) + (", ..." if len(names) > 3 else "")
        raise StoreUnavailable(
            f"database {database_file(con) or ':memory:'} is not a berthcheck database (it "
            f"holds {len(names)} other table{'s' if len(names) != 1 else ''} or view"
            f"{'s' if len(names) != 1 else ''}: {shown}); give another --db; nothing was done")


DEFAULT_MEMORY_LIMIT = "3GB"
# ASCII digits: '٣GB' matched \d and went to DuckDB, which refused it with its own parser error
_MEMORY_RE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$",
                        re.I | re.ASCII)


def _memory_limit() -> str:
    memory = os.environ.get("BERTHCHECK_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
    if not _MEMORY_RE.match(memory):
        raise BerthcheckError(f"BERTHCHECK_MEMORY_LIMIT={memory!r}: give a size such as 3GB")
    return memory.strip()


# DuckDB starts its threads when told how many: a mistyped BERTHCHECK_THREADS=99999999999
# ended the process with std::bad_alloc (exit 134, no message), 10000000 with a segfault
MAX_THREADS = 1024


def threads_setting() -> int | None:
    """`BERTHCHECK_THREADS`, None when not set; a usage error unless a whole number from 1 to
    MAX_THREADS (ASCII digits: '²' is a digit to str.isdigit, and int() raised on it)."""
    threads = os.environ.get("BERTHCHECK_THREADS")
    if not threads:
        return None
    if not re.fullmatch(r"[0-9]+", threads) or not 1 <= int(threads) <= MAX_THREADS:
        raise BerthcheckError(f"BERTHCHECK_THREADS={threads!r}: give a whole number from 1 "
                              f"to {MAX_THREADS}")
    return int(threads)


def _check_settings() -> None:
    """The settings taken from the environment, checked before a database file is opened or
    made: a mistyped one left a new, empty store behind."""
    _memory_limit()
    threads_setting()


def _resource_settings(con, path: Path) -> None:
    """Explicit memory limit, spill folder and threads (DuckDB's defaults: 80 % of RAM, a
    folder beside the file, every core). `BERTHCHECK_MEMORY_LIMIT` (e.g. 2GB),
    `BERTHCHECK_TEMP_DIR` and `BERTHCHECK_THREADS` override them. The limit covers DuckDB's
    buffers only; polars frames and Python come on top."""
    _set_memory_limit(con)
    temp = os.environ.get("BERTHCHECK_TEMP_DIR") or f"{path}.tmp"
    run(con, "SET temp_directory = '" + str(temp).replace("'", "''") + "'")
    # DuckDB's allocator hands freed memory back to the system from a background thread;
    # without it, the pages of dropped tables and fetched results stay resident, and each
    # step's peak comes on top of the last (about 1 GB of the peak at a million visits)
    run(con, "SET allocator_background_threads = true")
    # An insert of a row group or more (the visits of a month, their seals) is written straight
    # into the file. The checkpoint's vacuum then merged the table's last, part-filled row group
    # (the berths' seals, the previous month's last rows) with the new ones, writing every new
    # row again: 0.2 s of CPU at the commit for 200 000 visits' seals, 16 MB of the file left
    # free. The store deletes next to nothing (vacuum's other work), so row groups are left as
    # written: the same rows in the same order, one part-filled row group per big load.
    run(con, "SET max_vacuum_tasks = 0")
    threads = threads_setting()
    if threads is not None:
        run(con, f"SET threads = {threads}")


def database_file(con) -> str | None:
    """The file of the connection's current database; None for an in-memory one."""
    return scalar(con, "SELECT path FROM duckdb_databases() WHERE database_name = "
                       "current_database()") or None


# what DuckDB may keep of a store's cached pages while they are let go (`release_cached_pages`)
RELEASE_LIMIT = "32MB"


def release_cached_pages(con) -> None:
    """Let DuckDB drop the stored tables' pages it keeps cached (clean pages of a database
    file, read again from the file when needed): the memory limit is lowered for a moment,
    which makes DuckDB evict them, and set back. A check does it once the pack's sandbox has
    its copy of the inputs: the store's connection reads nothing big until the run is stored,
    and after a load or the sandbox's copy its cache holds 0.13-0.27 GB at a million visits.
    Only for a database file: an in-memory store's tables would be spilled, not dropped."""
    if not database_file(con):
        return
    import duckdb

    try:
        run(con, f"SET memory_limit = '{RELEASE_LIMIT}'")
    except duckdb.Error:  # more than that is pinned: nothing is let go now, and nothing fails
        pass
    finally:
        _set_memory_limit(con)


def _set_memory_limit(con) -> None:
    """`SET memory_limit` to BERTHCHECK_MEMORY_LIMIT (or the default); a size DuckDB cannot
    hold (99999999TB) is an error naming the setting, not DuckDB's bare parser error."""
    import duckdb

    memory = _memory_limit()
    try:
        run(con, f"SET memory_limit = '{memory}'")
    except duckdb.Error as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise BerthcheckError(f"BERTHCHECK_MEMORY_LIMIT={memory!r}: {reason}; give a size "
                              "such as 3GB") from None


_LOCK_HINT = re.compile(r"(Could not set lock|Conflicting lock|database is locked)", re.I)


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def check_database_file(path: Path) -> None:
    """`--db` names a DuckDB database (or a file still to be created), never anything else:
    a CSV, Parquet or JSON file given by mistake is refused, and nothing runs in memory."""
    if str(path) == ":memory:":
        return  # the library's own tests; the command line refuses it (cli._db_path)
    if path.is_dir():
        raise StoreUnavailable(f"--db {path}: is a folder, not a database file")
    if not path.exists():
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreUnavailable(f"cannot read database {path}: {exc.strerror or exc}") from None
    if head and head[8:12] != DUCKDB_MAGIC:
        kind = ("a Parquet file" if head.startswith(b"PAR1") else
                "a ZIP/XLSX file" if head.startswith(b"PK") else
                "a SQLite database" if head.startswith(b"SQLite format") else
                "a JSON file" if head.lstrip()[:1] in (b"{", b"[") else None)
        what = (f"is {kind}, not a berthcheck (DuckDB) database" if kind else
                "is not a DuckDB database (berthcheck's store is one)")
        raise StoreUnavailable(f"--db {path}: {what}; nothing was done")


def check_db_option(db: str | os.PathLike | None) -> None:
    """`--db` (or $BERTHCHECK_DB) on the command line: a file, never an in-memory database."""
    text = str(resolve_db_path(db))
    if text.startswith(":") or not text.strip():
        raise BerthcheckError(f"--db {text!r}: give the path of a database file (berthcheck "
                              "never works on an in-memory database by accident)")


def readable(path: Path) -> bool:
    """True when the file exists and this process may not write it (an archive copy)."""
    return path.exists() and not os.access(path, os.W_OK)


def connect_for_reading(db: str | os.PathLike | None = None):
    """For commands that only read (runs, audit verify/manifest/diff): a read-only database
    file is opened read-only instead of failing; a writable one as usual."""
    path = resolve_db_path(db)
    check_database_file(path)
    return connect(db, read_only=readable(path))


def connect(db: str | os.PathLike | None = None, *, read_only: bool = False):
    """Open (creating if needed) the store, with TimeZone=UTC, migrated to the latest schema."""
    import duckdb

    path = resolve_db_path(db)
    check_database_file(path)
    if read_only and not path.exists():
        raise StoreUnavailable(f"database {path} does not exist; load some data first")
    if not read_only and path.parent and not path.parent.exists():
        raise StoreUnavailable(f"cannot create database {path}: folder {path.parent} does not exist")
    _check_settings()
    existed = _store_exists(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if _LOCK_HINT.search(str(exc)):
            raise DatabaseInUse(
                f"database {path} is in use by another berthcheck (or DuckDB) process; "
                "wait for it to finish and try again"
            ) from None
        raise StoreUnavailable(f"cannot open database {path}: {exc}") from None
    except duckdb.Error as exc:
        raise StoreUnavailable(f"cannot open database {path}: {exc}") from None
    try:
        instants_in_utc(con)
        _resource_settings(con, path)
        if not read_only:
            _apply_migrations(con)
        else:
            _check_schema_readable(con, path)
    except BaseException:
        con.close()
        if not existed:  # made by this open, which failed: no half-made store is left
            remove_store_files(path)
        raise
    return con


def _wal_file(path: Path) -> Path:
    return Path(f"{path}.wal")


def _store_exists(path: Path) -> bool:
    """The store's file, or a write-ahead log DuckDB would replay into a new file of that name."""
    return path.exists() or _wal_file(path).exists()


def remove_store_files(path: Path) -> None:
    """A store file and DuckDB's write-ahead log beside it; only once no connection holds it."""
    for file in (path, _wal_file(path)):
        file.unlink(missing_ok=True)


def _holds_nothing(con) -> bool:
    """No load and no run is stored: a store nothing was done with yet."""
    return not scalar(con, "SELECT (SELECT count(*) FROM load_batches) "
                           "+ (SELECT count(*) FROM runs)")


@contextlib.contextmanager
def opened(db: str | os.PathLike | None = None) -> Iterator:
    """The store for a command that may make it (`load`, `load-dir`): opened, or created when
    it does not exist, and closed at the end. When the command fails (any exception: input
    refused, a usage error, Ctrl-C), a store file this open created is removed, with DuckDB's
    .wal beside it, once its connection is closed: a failed first load left an empty store,
    which the next `check` read as a month without visits. A store that existed before is
    never removed, nor one that already held a load or a run when it was opened (made by
    another process in the meantime); this process holds DuckDB's lock on it until it closes."""
    path = resolve_db_path(db)
    existed = _store_exists(path)
    con = connect(db)
    try:
        made = not existed and _holds_nothing(con)
    except BaseException:
        con.close()
        raise
    try:
        yield con
    except BaseException:
        con.close()
        if made:
            remove_store_files(path)
        raise
    finally:
        con.close()


_IN_TRANSACTION: set[int] = set()  # id() of connections inside `transaction`


def _check_schema_readable(con, path: Path) -> None:
    """A database opened read-only cannot be migrated: it must be at this schema already."""
    import duckdb

    latest = MIGRATIONS[-1][0]
    try:
        version = schema_version(con)
    except (duckdb.CatalogException, ValueError, TypeError):  # no schema_meta or no version
        # only these: DuckDB running out of memory (a tiny BERTHCHECK_MEMORY_LIMIT) reading
        # schema_meta was called "not a berthcheck database", exit 3, of the user's own store
        raise StoreUnavailable(f"database {path} is not a berthcheck database; nothing was "
                               "done") from None
    if version > latest:
        raise StoreUnavailable(
            f"database {path} has schema version {version}, newer than this berthcheck "
            f"({__version__}) understands ({latest}); upgrade berthcheck")
    if version < latest:
        raise SchemaBehind(
            f"database {path} is read-only and has schema version {version}; this berthcheck "
            f"reads version {latest}: work on a writable copy (it is upgraded on open)")


@contextlib.contextmanager
def transaction(con) -> Iterator[None]:
    """All or nothing: a failure anywhere inside leaves the database as it was. Nested use
    joins the outer transaction (DuckDB has no savepoints), so `load-dir` can make several
    loads one all-or-nothing unit."""
    if id(con) in _IN_TRANSACTION:
        yield
        return
    run(con, "BEGIN TRANSACTION")
    _IN_TRANSACTION.add(id(con))
    try:
        yield
    except BaseException:
        _IN_TRANSACTION.discard(id(con))
        run(con, "ROLLBACK")
        raise
    _IN_TRANSACTION.discard(id(con))
    run(con, "COMMIT")


def schema_version(con) -> int:
    return int(scalar(con, "SELECT value FROM schema_meta WHERE key='schema_version'"))


def loaded_files(con) -> list[Path]:
    """The files loaded into the store that are still where they were read: an output that
    is one of them would overwrite a port's own data with berthcheck's results. Those of the
    load batches, and those of loads that made no batch (all rows already loaded, a header
    alone), which `remember_loaded` keeps in `loaded_paths`."""
    return [Path(p) for (p,) in run(con, "SELECT source_path FROM load_batches UNION "
                                         "SELECT source_path FROM loaded_paths ORDER BY 1")
            if p and os.path.isfile(p)]


def remember_loaded(con, paths) -> None:
    """Keep the files a load read (resolved, as `load_batches.source_path`) in `loaded_paths`
    for `check_not_loaded`, whatever the load changed: a reload that changed nothing makes no
    batch. Nothing a run id, manifest or input fingerprint is made from is written."""
    known = {p for (p,) in run(con, "SELECT source_path FROM loaded_paths")}
    new = sorted({str(Path(p).resolve()) for p in paths if p is not None} - known)
    if new:
        con.executemany("INSERT INTO loaded_paths VALUES (?)", [[p] for p in new])


def refuse_database(outputs, path: Path) -> None:
    """Usage error when an output ((option, path) pairs) is the store file `path` (or DuckDB's
    write-ahead log beside it): `audit manifest RUN --out berthcheck.duckdb`, or an export or
    `--errors` given the database's name, replaced every stored input and run with a JSON or
    CSV file."""
    from berthcheck import atomic

    atomic.check_distinct(outputs, [path, _wal_file(path)], reason=(
        "is the database (--db): writing it would replace every stored input and run with "
        "berthcheck's output; give another path"))


def check_not_database(con, outputs) -> None:
    """`refuse_database` for the connection's own file."""
    path = database_file(con)
    if path is not None:
        refuse_database(outputs, Path(path))


def check_not_loaded(con, outputs) -> None:
    """Usage error when an output ((option, path) pairs) is the store's file or a file loaded
    into it."""
    from berthcheck import atomic

    check_not_database(con, outputs)
    atomic.check_distinct(outputs, loaded_files(con), reason=(
        "is a file loaded into the database: writing it would replace your data file with "
        "berthcheck's output; give another path"))


def table_counts(con) -> dict[str, int]:
    """Current row count of every input table (for summaries and tests)."""
    return {
        kind.table: scalar(con, f"SELECT count(*) FROM {kind.table}")  # noqa: S608 - our names
        for kind in KINDS.values()
    }


def run(con, sql: str, params: list | tuple | dict | None = None) -> list[tuple]:
    """Execute one statement and consume its result.

    DuckDB 2 refuses new work on a connection that still holds an unread result, so every
    statement goes through here (or fetch_polars) and is read to the end. The statement is
    parsed once per process (`parsed`).
    """
    return con.execute(parsed(sql), params or []).fetchall()


@functools.lru_cache(maxsize=4096)
def parsed(sql: str):
    """`sql` parsed, kept for the process: a check sends the same texts every time (a pack's
    stages and rules, the engine's own), and parsing them was about a tenth of a small check
    (CARB's 57 ms). A parsed statement runs on any connection with its own parameters, and
    DuckDB keeps no plan between runs, so only the parse is saved (docs/scaling.md,
    "Twenty-seventh session"). A text that does not parse as one statement is given back as
    it is, so that DuckDB runs it, or refuses it with its own message, as before."""
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return sql
    return statements[0] if len(statements) == 1 else sql


# reference tables shipped with berthcheck (not loaded, so not versioned) end in this
BUILTIN_SUFFIX = "_builtin"


def table_exists(con, name: str) -> bool:
    """`name` is a table of the connection's current catalog (not a temporary one)."""
    return name in existing_tables(con, [name])


def existing_tables(con, names: list[str]) -> set[str]:
    """Those of `names` that are tables of the connection's current catalog (not temporary
    ones), in one catalog query (each asked alone costs a small check about 1.6 ms)."""
    return {r[0] for r in run(
        con, "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT temporary AND list_contains(?, table_name)", [names])}


def builtin_tables(con) -> list[str]:
    """The built-in reference tables of the current catalog, by name."""
    return [r[0] for r in run(
        con, "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT temporary AND suffix(table_name, ?) ORDER BY 1",
        [BUILTIN_SUFFIX])]


def quote_ident(name: str) -> str:
    """A table or column name as a quoted SQL identifier (a name is never a bound value)."""
    return '"' + name.replace('"', '""') + '"'


def instants_in_utc(con) -> None:
    """Every timestamp is an instant: the session zone (UTC, Gregorian calendar) must never
    colour comparisons or casts. For the store's connection and every DuckDB the engine opens
    beside it (the pack's sandbox, the digests' connection)."""
    run(con, "SET TimeZone = 'UTC'")
    run(con, "SET Calendar = 'gregorian'")


@contextlib.contextmanager
def in_utc(con) -> Iterator[None]:
    """The block runs with the session zone UTC, then the zone it had: instants cast to text
    (to be hashed) must read the same in any zone."""
    zone = scalar(con, "SELECT current_setting('TimeZone')")
    if zone == "UTC":  # the store's own zone (`connect`): nothing to set, nothing to restore
        yield
        return
    run(con, "SET TimeZone = 'UTC'")
    try:
        yield
    finally:
        run(con, "SET TimeZone = '" + str(zone).replace("'", "") + "'")


def scalar(con, sql: str, params: list | tuple | None = None):
    rows = run(con, sql, params)
    return rows[0][0] if rows else None


# Rows per Arrow record batch for the loader's big frames. DuckDB reads a registered Arrow
# table one record batch per thread, so a frame of one batch (what polars hands over) is
# hashed and inserted on one core. A query that only reads the frame shares it best in small
# batches; an INSERT in batches of one row group (its rows go straight into row groups: in
# smaller batches it merges them afterwards, on one core, and costs more).
SCAN_BATCH_ROWS = 32_768
INSERT_BATCH_ROWS = 122_880


def register(con, name: str, frame, *, batch_rows: int | None = None) -> None:
    """Make a polars frame readable as `name` on the connection.

    Handed over as Arrow at polars' newest compatibility level (string views), which DuckDB
    reads without polars first copying every string column into the older layout.
    `batch_rows`: cut the table into record batches of that many rows (slices, no copy), so
    DuckDB reads it on every thread; the order of the rows is kept (preserve_insertion_order).
    """
    import polars as pl

    if isinstance(frame, pl.DataFrame):
        frame = frame.to_arrow(compat_level=pl.CompatLevel.newest())
        if batch_rows is not None and frame.num_rows > batch_rows:
            import pyarrow as pa

            frame = pa.Table.from_batches(frame.to_batches(max_chunksize=batch_rows),
                                          schema=frame.schema)
    con.register(name, frame)


# A result (or file) of fewer rows than this is a small one: reading it costs mostly the fixed
# cost of its statement, binding and planning, not its rows. Such results are read through
# `execute`, which binds a statement once, where `con.sql(...)` binds it twice but hands a big
# result over without a copy (`fetch_polars`, `fetch_arrow`, `arrow_batches`; the loader's
# polars engine choice and overlap pre-check, ingest/read.py)
SMALL_TABLE_ROWS = 20_000


def fetch_polars(con, sql: str, params: list | dict | None = None, *, small: bool = False):
    """Run a query and return a polars DataFrame (the result is fully consumed).

    `small`: the result is a few rows (a small file's, or a table of ports): it is read
    through `execute`, which binds the statement once, where `con.sql(...)` binds it twice
    (half the cost of a small statement, the planning); its Arrow copy of the rows, for which
    DuckDB warns, costs nothing at that size (`fetch_arrow`)."""
    if small:
        import polars as pl

        return pl.from_arrow(fetch_arrow(con, sql, params, small=True))
    return con.sql(sql, params=params or None).pl()


@contextlib.contextmanager
def _one_bind() -> Iterator[None]:
    """DuckDB's warning that Arrow output of an `execute` result copies the rows, silenced:
    only results known to be small are read so (`fetch_polars`, `arrow_batches`)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result",
                                category=UserWarning)
        yield


def fetch_arrow(con, sql: str, params: list | dict | None = None, *, small: bool = False):
    """A query's result as an Arrow table, read to the end. `small`: a result known to be of
    a few rows (fewer than SMALL_TABLE_ROWS, or a reference table's): through `execute`,
    which binds the statement once (a small check's scope, judged visits and inputs: about
    15-20 ms CPU of a CARB sample-month check's ~500); else through `con.sql(...)`, which
    binds it twice but hands the rows over without a copy (the copy costs a tenth more than
    the read: 1.5 ms at 100 000 rows of six columns, 15 ms at a million)."""
    if small:
        with _one_bind():
            return con.execute(parsed(sql), params or []).to_arrow_table()
    return con.sql(sql, params=params or None).arrow().read_all()


def arrow_batches(con, sql: str, batch_rows: int, *, small: bool = False):
    """The record batches of a query's result, `batch_rows` rows at a time, read to the end.
    `small` (a small file's rows): through `execute`, which binds the statement once (the
    loader's hash texts of a one-row file: 11-15 -> 6 ms), parsed once a process (`parsed`:
    a visits file's texts, 3 400 characters of casts, took 1.4 ms to parse, a load); a large
    result through `con.sql(...)`, which streams it without a copy."""
    if small:
        with _one_bind():
            reader = con.execute(parsed(sql)).to_arrow_reader(batch_rows)
    else:
        reader = con.sql(sql).to_arrow_reader(batch_rows)
    yield from reader


def next_batch_id(con) -> int:
    return int(scalar(con, "SELECT coalesce(max(batch_id), 0) + 1 FROM load_batches"))


def insert_versions(con, kind_name: str, frame, *, batch_id: int) -> int:
    """Append typed rows (a polars frame in storage column names, with lineage columns
    `_source_file`, `_source_row`, `_row_hash`, and optional `extra`) to `<table>_versions`.

    Callers own the transaction. Timestamps must be tz-aware UTC.
    """
    import polars as pl

    kind = KINDS[kind_name]
    columns = [storage_name(c.name) for c in kind.columns]
    extra = pl.col("extra") if "extra" in frame.columns else pl.lit(None, dtype=pl.Utf8)
    lineage = ["_source_path"] if "_source_path" in frame.columns else []  # adapters' rows
    # one polars query (it was three: the batch column, `extra`, the order)
    frame = frame.select(
        [*columns, extra.alias("extra"), pl.lit(batch_id).cast(pl.Int32).alias("_batch_id"),
         "_source_file", "_source_row", "_row_hash", *lineage]
    )
    register(con, "_incoming", frame, batch_rows=INSERT_BATCH_ROWS)
    try:
        run(
            con,
            f"INSERT INTO {kind.table}_versions "  # noqa: S608 - our names
            f"({', '.join(frame.columns)}, _replaced_by) "
            f"SELECT {', '.join(frame.columns)}, NULL FROM _incoming",
        )
    finally:
        con.unregister("_incoming")
    return frame.height

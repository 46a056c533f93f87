"""The DuckDB store: one file holds inputs, their history, load log and results.

Every input table is kept as `<table>_versions`, one row per version of a record with its
lineage (`_batch_id`, `_source_file`, `_source_row`, `_row_hash`) and `_replaced_by` (the batch
that replaced it; NULL while current). A view `<table>` shows the current rows, which is what
the rule packs read. Nothing is ever deleted, so any earlier state can be rebuilt.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path

from berthcheck import __version__
from berthcheck.errors import BerthcheckError, DatabaseInUse, SchemaBehind, StoreUnavailable
from berthcheck.ingest.kinds import KINDS, storage_name
from berthcheck.resources import reference_dir

DEFAULT_DB = "berthcheck.duckdb"
LINEAGE_COLUMNS = ("_batch_id", "_source_file", "_source_row", "_row_hash", "_replaced_by")


def resolve_db_path(db: str | os.PathLike | None) -> Path:
    """`--db`, else `$BERTHCHECK_DB`, else ./berthcheck.duckdb."""
    return Path(db or os.environ.get("BERTHCHECK_DB") or DEFAULT_DB)


def _input_table_ddl() -> list[str]:
    statements = []
    for kind in KINDS.values():
        cols = [f"{storage_name(c.name)} {c.sql_type}" for c in kind.columns]
        cols += [
            "extra VARCHAR",  # unknown input columns, as JSON, kept but never read by rules
            "_batch_id INTEGER NOT NULL",
            "_source_file VARCHAR NOT NULL",
            "_source_row INTEGER NOT NULL",
            # 64 hex digits: stored uncompressed, as the seals' hashes are (_migration_3)
            "_row_hash VARCHAR NOT NULL USING COMPRESSION uncompressed",
            "_replaced_by INTEGER",
        ]
        statements.append(f"CREATE TABLE {kind.table}_versions ({', '.join(cols)})")
        statements.append(
            f"CREATE VIEW {kind.table} AS SELECT * FROM {kind.table}_versions "  # noqa: S608
            "WHERE _replaced_by IS NULL"
        )
    return statements


def _migration_1() -> list[str]:
    return [
        "CREATE TABLE schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE TABLE load_batches (
            batch_id INTEGER PRIMARY KEY,
            kind VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            source_path VARCHAR NOT NULL,
            file_format VARCHAR NOT NULL,
            content_sha256 VARCHAR NOT NULL,
            rows_in_file INTEGER NOT NULL,
            rows_inserted INTEGER NOT NULL,
            rows_unchanged INTEGER NOT NULL,
            rows_replaced INTEGER NOT NULL,
            rows_quarantined INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            replace_mode BOOLEAN NOT NULL,
            quarantine_mode BOOLEAN NOT NULL,
            berthcheck_version VARCHAR NOT NULL,
            loaded_at TIMESTAMPTZ NOT NULL
        )""",
        """CREATE TABLE quarantine (
            batch_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            source_row INTEGER NOT NULL,
            column_name VARCHAR,
            value VARCHAR,
            reason VARCHAR NOT NULL,
            record VARCHAR NOT NULL
        )""",
        """CREATE TABLE load_warnings (
            batch_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            source_row INTEGER NOT NULL,
            column_name VARCHAR,
            value VARCHAR,
            message VARCHAR NOT NULL
        )""",
        """CREATE TABLE ports_builtin (
            port VARCHAR PRIMARY KEY, name VARCHAR, timezone VARCHAR NOT NULL, country VARCHAR,
            carb_at_berth BOOLEAN NOT NULL, afir_art9 BOOLEAN NOT NULL, note VARCHAR
        )""",
        *_input_table_ddl(),
        # A user's ports row overrides the built-in row of the same port.
        """CREATE VIEW ports AS
            SELECT port, name, timezone, country, carb_at_berth, afir_art9, note,
                   'user' AS source
            FROM ports_user
            UNION ALL
            SELECT port, name, timezone, country, carb_at_berth, afir_art9, note,
                   'built-in' AS source
            FROM ports_builtin b
            WHERE NOT EXISTS (SELECT 1 FROM ports_user u WHERE u.port = b.port)""",
    ]


# Append-only: a released database is upgraded by running the migrations it has not seen.
MIGRATIONS: list[tuple[int, str, object]] = [
    (1, "inputs, history, load log, quarantine, ports", _migration_1),
]


def _migration_2() -> list[str]:
    """Check runs (engine, issue 3): one row per run, its results and findings.

    No key constraints: a re-run with the same deterministic run_id deletes and re-inserts its
    rows in one transaction, which DuckDB's eager key checks would refuse.
    """
    return [
        """CREATE TABLE runs (
            run_id VARCHAR NOT NULL,
            pack_id VARCHAR NOT NULL,
            pack_version VARCHAR NOT NULL,
            pack_hash VARCHAR NOT NULL,
            parameters VARCHAR NOT NULL,
            scope VARCHAR NOT NULL,
            period VARCHAR,
            created_at TIMESTAMPTZ NOT NULL,
            berthcheck_version VARCHAR NOT NULL,
            inputs VARCHAR NOT NULL,
            max_batch_id INTEGER,
            visits INTEGER NOT NULL,
            findings INTEGER NOT NULL,
            counts VARCHAR NOT NULL,
            results_sha256 VARCHAR NOT NULL,
            elapsed_seconds DOUBLE
        )""",
        """CREATE TABLE run_results (
            run_id VARCHAR NOT NULL,
            visit_id VARCHAR NOT NULL,
            pack VARCHAR NOT NULL,
            verdict VARCHAR NOT NULL,
            basis VARCHAR NOT NULL,
            window_start TIMESTAMPTZ,
            window_end TIMESTAMPTZ,
            controlled_hours DOUBLE,
            uncontrolled_hours DOUBLE,
            excused_hours DOUBLE,
            responsible VARCHAR,
            penalty DOUBLE,
            findings VARCHAR NOT NULL,
            extra VARCHAR NOT NULL
        )""",
        """CREATE TABLE run_findings (
            run_id VARCHAR NOT NULL,
            finding_id VARCHAR NOT NULL,
            rule_id VARCHAR NOT NULL,
            visit_id VARCHAR NOT NULL,
            severity VARCHAR NOT NULL,
            message VARCHAR NOT NULL,
            evidence VARCHAR NOT NULL,
            minutes DOUBLE
        )""",
    ]


MIGRATIONS.append((2, "check runs, their results and findings", _migration_2))


def builtin_ports() -> list[dict[str, object]]:
    with open(reference_dir() / "ports.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for flag in ("carb_at_berth", "afir_art9"):
            row[flag] = row[flag] == "true"
        row["note"] = row["note"] or None
    return rows


def _apply_migrations(con) -> None:
    import duckdb

    try:
        # asked directly, not looked up in information_schema first: listing the catalog
        # cost a fresh connection about 5 of its 7 ms here, on every open of the store
        current = schema_version(con)
    except duckdb.CatalogException:  # a new database: no schema_meta yet
        current = 0
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


DEFAULT_MEMORY_LIMIT = "3GB"
_MEMORY_RE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.I)


def _memory_limit() -> str:
    memory = os.environ.get("BERTHCHECK_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
    if not _MEMORY_RE.match(memory):
        raise BerthcheckError(f"BERTHCHECK_MEMORY_LIMIT={memory!r}: give a size such as 3GB")
    return memory.strip()


def _resource_settings(con, path: Path) -> None:
    """Explicit memory limit, spill folder and threads (DuckDB's defaults: 80 % of RAM, a
    folder beside the file, every core). `BERTHCHECK_MEMORY_LIMIT` (e.g. 2GB),
    `BERTHCHECK_TEMP_DIR` and `BERTHCHECK_THREADS` override them. The limit covers DuckDB's
    buffers only; polars frames and Python come on top."""
    run(con, f"SET memory_limit = '{_memory_limit()}'")
    temp = os.environ.get("BERTHCHECK_TEMP_DIR") or f"{path}.tmp"
    run(con, "SET temp_directory = '" + str(temp).replace("'", "''") + "'")
    # DuckDB's allocator hands freed memory back to the system from a background thread;
    # without it, the pages of dropped tables and fetched results stay resident, and each
    # step's peak comes on top of the last (about 1 GB of the peak at a million visits)
    run(con, "SET allocator_background_threads = true")
    threads = os.environ.get("BERTHCHECK_THREADS")
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise BerthcheckError(f"BERTHCHECK_THREADS={threads!r}: give a whole number >= 1")
        run(con, f"SET threads = {int(threads)}")


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
        run(con, f"SET memory_limit = '{_memory_limit()}'")


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
                "a JSON file" if head.lstrip()[:1] in (b"{", b"[") else "not a DuckDB database")
        raise StoreUnavailable(f"--db {path}: is {kind}, not a berthcheck (DuckDB) database; "
                              "nothing was done")


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
    instants_in_utc(con)
    _resource_settings(con, path)
    if not read_only:
        _apply_migrations(con)
    else:
        _check_schema_readable(con, path)
    return con


_IN_TRANSACTION: set[int] = set()  # id() of connections inside `transaction`


def _check_schema_readable(con, path: Path) -> None:
    """A database opened read-only cannot be migrated: it must be at this schema already."""
    latest = MIGRATIONS[-1][0]
    try:
        version = schema_version(con)
    except Exception:  # noqa: BLE001 - no schema_meta: not a berthcheck database
        con.close()
        raise BerthcheckError(f"database {path} is not a berthcheck database") from None
    if version > latest:
        con.close()
        raise StoreUnavailable(
            f"database {path} has schema version {version}, newer than this berthcheck "
            f"({__version__}) understands ({latest}); upgrade berthcheck")
    if version < latest:
        con.close()
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


def table_counts(con) -> dict[str, int]:
    """Current row count of every input table (for summaries and tests)."""
    return {
        kind.table: scalar(con, f"SELECT count(*) FROM {kind.table}")  # noqa: S608 - our names
        for kind in KINDS.values()
    }


def run(con, sql: str, params: list | tuple | None = None) -> list[tuple]:
    """Execute one statement and consume its result.

    DuckDB 2 refuses new work on a connection that still holds an unread result, so every
    statement goes through here (or fetch_polars) and is read to the end.
    """
    return con.execute(sql, params or []).fetchall()


# reference tables shipped with berthcheck (not loaded, so not versioned) end in this
BUILTIN_SUFFIX = "_builtin"


def table_exists(con, name: str) -> bool:
    """`name` is a table of the connection's current catalog (not a temporary one)."""
    return bool(scalar(
        con, "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ? AND NOT temporary", [name]))


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


def fetch_polars(con, sql: str, params: list | None = None):
    """Run a query and return a polars DataFrame (the result is fully consumed)."""

    return con.sql(sql, params=params or None).pl()


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
    frame = frame.with_columns(pl.lit(batch_id).cast(pl.Int32).alias("_batch_id"))
    if "extra" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("extra"))
    lineage = ["_source_path"] if "_source_path" in frame.columns else []  # adapters' rows
    frame = frame.select(
        [*columns, "extra", "_batch_id", "_source_file", "_source_row", "_row_hash", *lineage]
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


def _migration_3() -> list[str]:
    """Audit trail (issue 6): each run's manifest, and a seal of every input row a run read.

    `runs.manifest` is the run's manifest (deterministic JSON, see berthcheck.audit);
    `runs.results_sha256` / `runs.findings_sha256` hash the results and findings separately.
    `input_seals` holds, once per stored row version (table, batch, source row), the hashes it
    had when a run first read it: `audit verify` names a row edited in place by comparing them.

    The two hashes are stored uncompressed (issue 16), as the input tables' `_row_hash` is:
    64 random hex digits gain about half from DuckDB's DICT_FSST, whose analysis and encoding
    were most of the seals' insert at load (1.9-2.1 -> 0.9-1.4 CPU s per million visits; the
    file about 70 bytes a seal larger). Only the physical storage differs: the same values,
    read as before. A store made before this keeps DuckDB's default for them.
    """
    return [
        "ALTER TABLE runs ADD COLUMN findings_sha256 VARCHAR",
        "ALTER TABLE runs ADD COLUMN manifest VARCHAR",
        """CREATE TABLE input_seals (
            table_name VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL,
            source_row INTEGER NOT NULL,
            source_file VARCHAR NOT NULL,
            row_key VARCHAR NOT NULL,
            row_hash VARCHAR NOT NULL USING COMPRESSION uncompressed,
            content_hash VARCHAR NOT NULL USING COMPRESSION uncompressed
        )""",
    ]


MIGRATIONS.append((3, "audit trail: run manifests and input row seals", _migration_3))


def _migration_4() -> list[str]:
    """FuelEU Art. 6(3) (issue 7): a port's optional `ops_required_from` date, the day a Member
    State's decision to require on-shore power in that port applies (empty = no decision).

    A database created by this berthcheck already has the column in `ports_user_versions` (its
    DDL comes from the ports kind), hence IF NOT EXISTS; `ports_builtin` is declared by hand in
    migration 1, so it gains the column here and takes its values from the reference CSV.
    """
    statements = [
        "ALTER TABLE ports_user_versions ADD COLUMN IF NOT EXISTS ops_required_from DATE",
        "ALTER TABLE ports_builtin ADD COLUMN IF NOT EXISTS ops_required_from DATE",
        "CREATE OR REPLACE VIEW ports_user AS SELECT * FROM ports_user_versions "
        "WHERE _replaced_by IS NULL",
        # A user's ports row overrides the built-in row of the same port (as in migration 1).
        """CREATE OR REPLACE VIEW ports AS
            SELECT port, name, timezone, country, carb_at_berth, afir_art9, note,
                   'user' AS source, ops_required_from
            FROM ports_user
            UNION ALL
            SELECT port, name, timezone, country, carb_at_berth, afir_art9, note,
                   'built-in' AS source, ops_required_from
            FROM ports_builtin b
            WHERE NOT EXISTS (SELECT 1 FROM ports_user u WHERE u.port = b.port)""",
    ]
    import datetime as _dt

    for row in builtin_ports():
        text = (row.get("ops_required_from") or "").strip()
        if text:
            # both values are checked shapes (a LOCODE and an ISO date), never free text
            if not re.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}", row["port"]):
                raise BerthcheckError(f"built-in ports.csv: bad port code {row['port']!r}")
            day = _dt.date.fromisoformat(text).isoformat()
            statements.append(
                f"UPDATE ports_builtin SET ops_required_from = DATE '{day}' "  # noqa: S608
                f"WHERE port = '{row['port']}'"
            )
    return statements


MIGRATIONS.append((4, "ports: FuelEU Member State OPS requirement date", _migration_4))


def _migration_5() -> list[str]:
    """Visits gain optional size and engine columns for the emission load defaults
    (dwt for tankers, passengers for diesel-electric cruise ships, aux_engine_speed).

    A database created by this berthcheck already has them (migration 1 builds the tables
    from the kinds), hence IF NOT EXISTS.
    """
    return [
        "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS dwt DOUBLE",
        "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS passengers DOUBLE",
        "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS aux_engine_speed VARCHAR",
        "CREATE OR REPLACE VIEW visits AS SELECT * FROM visits_versions "
        "WHERE _replaced_by IS NULL",
    ]


MIGRATIONS.append((5, "visits: optional dwt, passengers, aux_engine_speed", _migration_5))


def _migration_6() -> list[str]:
    """Run results stored typed (issue 8, scaling): a run's columns beyond the data contract
    (pack-specific and emission columns) as one Parquet blob per run, instead of a JSON text
    per result row (about 1.5 KB a visit). `run_results.extra` is then '' for that run;
    runs stored before keep their JSON there, and `runs.load_run` reads either.
    """
    return [
        """CREATE TABLE run_result_columns (
            run_id VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            data BLOB NOT NULL
        )""",
    ]


MIGRATIONS.append((6, "run results: extra columns typed (a Parquet blob per run)", _migration_6))


def _migration_7() -> list[str]:
    """The data contract's round-2 inputs: visits' `call_purpose` (FuelEU port of call), events'
    `approval_ref` (a regulator's written approval), allowances' `port` (a TIE belongs to a
    terminal at one port), and the `visit_counts` and `coverage` tables (yearly counts, and
    which port- or fleet-years the loaded visits cover completely).

    A database created by this berthcheck already has all of them (migration 1 builds the
    tables from the kinds), hence IF NOT EXISTS.
    """
    statements = [
        "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS call_purpose VARCHAR",
        "ALTER TABLE events_versions ADD COLUMN IF NOT EXISTS approval_ref VARCHAR",
        "ALTER TABLE allowances_versions ADD COLUMN IF NOT EXISTS port VARCHAR",
    ]
    for table in ("visits", "events", "allowances"):
        statements.append(
            f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {table}_versions "  # noqa: S608
            "WHERE _replaced_by IS NULL"
        )
    for ddl in _input_table_ddl():
        if " visit_counts" in ddl or " coverage" in ddl:
            statements.append(
                ddl.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1).replace(
                    "CREATE VIEW ", "CREATE OR REPLACE VIEW ", 1
                )
            )
    return statements


MIGRATIONS.append(
    (7, "call_purpose, approval_ref, allowances.port, visit_counts and coverage", _migration_7)
)


def _migration_8() -> list[str]:
    """Issue 14: a port's country is the ports table's, else the first two letters of its
    UN/LOCODE, for every reader. The loader now stores it so (and keeps every built-in column a
    file does not carry); this view gives rows loaded before that the same reading."""
    return [
        """CREATE OR REPLACE VIEW ports AS
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'user' AS source, ops_required_from
            FROM ports_user
            UNION ALL
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'built-in' AS source, ops_required_from
            FROM ports_builtin b
            WHERE NOT EXISTS (SELECT 1 FROM ports_user u WHERE u.port = b.port)""",
    ]


MIGRATIONS.append((8, "ports view: country defaults to the UN/LOCODE's first two letters", _migration_8))


def _migration_9() -> list[str]:
    """Exports (issue 19): one row per file set an `export` command wrote from a run, with the
    parameters that made it and the sha256 of each file, so `audit verify RUN` can rebuild the
    export from the recomputed run and prove the bytes. Deterministic: no clock time; writing
    the same export again replaces its row (same `export_id`)."""
    return [
        """CREATE TABLE IF NOT EXISTS exports (
            export_id VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            parameters VARCHAR NOT NULL,
            files VARCHAR NOT NULL,
            berthcheck_version VARCHAR NOT NULL
        )""",
    ]


MIGRATIONS.append((9, "exports: what each export wrote from a run, with file hashes", _migration_9))


def _migration_10() -> list[str]:
    """Run results gain `violation_days` (data contract 4: CARB's calendar days with uncontrolled
    time; empty for other packs and for runs stored before)."""
    return ["ALTER TABLE run_results ADD COLUMN IF NOT EXISTS violation_days BIGINT"]


MIGRATIONS.append((10, "run results: violation_days", _migration_10))


def _migration_11() -> list[str]:
    """Lineage for rows an adapter made from a structured source (issue 18, DCSA JIT): every
    `<table>_versions` gains `_source_path`, where in the source each value came from (JSON:
    column -> file and JSON path, e.g. the JIT timestamp that gave `arrival`). NULL for rows
    read from CSV, Parquet or XLSX, whose `_source_row` already says it.
    """
    statements = []
    for kind in KINDS.values():
        statements += [
            f"ALTER TABLE {kind.table}_versions ADD COLUMN IF NOT EXISTS _source_path VARCHAR",
            f"CREATE OR REPLACE VIEW {kind.table} AS SELECT * FROM {kind.table}_versions "  # noqa: S608
            "WHERE _replaced_by IS NULL",
        ]
    return statements


MIGRATIONS.append((11, "lineage: _source_path (JSON path) of adapters' rows", _migration_11))


def _migration_12() -> list[str]:
    """China's shore-power pack (issue 20): a port's optional `port_area`, `coastal` or `inland`
    (the Measures' 3-hour and 2-hour thresholds), and the built-in Chinese ports.

    A database created by this berthcheck already has the column in `ports_user_versions` (its
    DDL comes from the ports kind), hence IF NOT EXISTS; `ports_builtin` gains it here. Built-in
    ports added to the reference CSV since the database was made are inserted (migration 1 only
    inserted the rows of its day). Values come from the shipped CSV and are checked shapes.
    """
    statements = [
        "ALTER TABLE ports_user_versions ADD COLUMN IF NOT EXISTS port_area VARCHAR",
        "ALTER TABLE ports_builtin ADD COLUMN IF NOT EXISTS port_area VARCHAR",
        "CREATE OR REPLACE VIEW ports_user AS SELECT * FROM ports_user_versions "
        "WHERE _replaced_by IS NULL",
    ]
    safe = re.compile(r"[A-Za-z0-9 ().:,/_+-]*")
    for row in builtin_ports():
        values = [row["port"], row["name"], row["timezone"], row["country"], row["note"] or ""]
        if not re.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}", row["port"]) or not all(
                safe.fullmatch(str(v)) for v in values):
            raise BerthcheckError(f"built-in ports.csv: unexpected characters in {row['port']!r}")
        port, name, tz, country, note = values
        note_sql = f"'{note}'" if note else "NULL"
        statements.append(
            "INSERT INTO ports_builtin (port, name, timezone, country, carb_at_berth, afir_art9, "  # noqa: S608
            f"note) SELECT '{port}', '{name}', '{tz}', '{country}', {str(row['carb_at_berth']).lower()}, "
            f"{str(row['afir_art9']).lower()}, {note_sql} "
            f"WHERE NOT EXISTS (SELECT 1 FROM ports_builtin WHERE port = '{port}')"
        )
        area = (row.get("port_area") or "").strip()
        if area:
            if area not in ("coastal", "inland"):
                raise BerthcheckError(f"built-in ports.csv: bad port_area {area!r} for {port}")
            statements.append(
                f"UPDATE ports_builtin SET port_area = '{area}' WHERE port = '{port}'"  # noqa: S608
            )
    statements.append(
        """CREATE OR REPLACE VIEW ports AS
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'user' AS source, ops_required_from, port_area
            FROM ports_user
            UNION ALL
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'built-in' AS source, ops_required_from,
                   port_area
            FROM ports_builtin b
            WHERE NOT EXISTS (SELECT 1 FROM ports_user u WHERE u.port = b.port)"""
    )
    return statements


MIGRATIONS.append((12, "ports: port_area (China coastal/inland) and the built-in Chinese ports",
                   _migration_12))


def _migration_13() -> list[str]:
    """Input fingerprints at load time (issue 16, manifest version 2): each load batch's
    digest of the rows it inserted, and of the rows it retired, per input table
    (berthcheck/fingerprints.py). Batches loaded before are digested by the first check that
    stores its run (a check digests any piece the table lacks)."""
    return [
        """CREATE TABLE IF NOT EXISTS batch_digests (
            table_name VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL,
            replaced_by INTEGER,
            rows BIGINT NOT NULL,
            source_rows VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL
        )""",
    ]


MIGRATIONS.append((13, "batch digests: input fingerprints made at load time", _migration_13))


def _migration_14() -> list[str]:
    """A stored run's own column table (`run_columns_<run_id>`) keyed by an integer: the row's
    place in the run's results, in `visit_id` order (`run_results.result_row`), instead of a
    second copy of the text `visit_id` (about 0.3 CPU s of a million-visit run's store).
    Runs stored before keep `visit_id` as that table's key and are read as before
    (engine/runs.py)."""
    return ["ALTER TABLE run_results ADD COLUMN IF NOT EXISTS result_row BIGINT"]


MIGRATIONS.append((14, "run results: an integer row key for the run's column table",
                   _migration_14))

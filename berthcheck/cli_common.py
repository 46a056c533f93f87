"""What every CLI module shares: printing, error -> exit code, the `--db` option (before or
after the subcommand), `--json`, `--quiet`, and opening the store for reading while another
process writes it.

Exit codes (README "Exit codes"): 0 done; 1 input rejected, or a finding the command was
asked to fail on (`check --strict`, `audit verify`/`audit diff` when runs differ); 2 usage
error (wrong option, unknown run id, scope or kind); 3 the database cannot be created,
opened or is in use.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from berthcheck.errors import BerthcheckError, DatabaseInUse, InputRejected, SchemaBehind

MAX_ERRORS_SHOWN = 50
LOCK_WAIT_SECONDS = 30.0  # read-only commands wait this long for a writer ($BERTHCHECK_LOCK_WAIT)

DB_HELP = (
    "DuckDB file (default: $BERTHCHECK_DB, else ./berthcheck.duckdb). Also accepted before "
    "the command: `berthcheck --db FILE COMMAND`."
)


def _db_option(value: Path | None) -> Path | None:
    """`--db` must name a database file: an in-memory database would lose everything."""
    from berthcheck.store import check_db_option

    try:
        check_db_option(value)
    except BerthcheckError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


DbOption = Annotated[Path | None, typer.Option("--db", help=DB_HELP, show_default=False,
                                               callback=_db_option)]
MkdirOption = Annotated[
    bool, typer.Option("--mkdir", help="Create the output file's missing parent folders.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print the table as CSV instead of text (text cells formula-safe, lists joined by ';').")]
PackOption = Annotated[
    str, typer.Option("--pack", help="Rule pack id, or a pack folder's path (see `berthcheck rules list`, docs/packs.md).")
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars (they are off anyway when stderr is not a terminal).")
]

# The options `load` and `load-dir` share.
QuarantineOption = Annotated[
    bool, typer.Option("--quarantine", help="Load the good rows; keep bad ones, with reasons, in the quarantine table.")
]
ReplaceOption = Annotated[
    bool, typer.Option("--replace", help="Accept changed rows for ids already loaded (the old version stays in the history).")
]
ErrorsOption = Annotated[
    Path | None, typer.Option("--errors", help="Write every rejected row to this CSV file (UTF-8 with a byte order mark, for Excel).", show_default=False)
]

# `berthcheck --db FILE COMMAND`: set by the app callback on every invocation.
_global: dict[str, Any] = {"db": None}


def set_global_db(db: Path | None) -> None:
    _global["db"] = db


def db_path(db: Path | None) -> Path | None:
    """The command's own `--db`, else the one given before the command, else None (the
    store's default: $BERTHCHECK_DB, else ./berthcheck.duckdb)."""
    return db if db is not None else _global["db"]


def existing_db(db: Path | None) -> Path | None:
    """`db_path`, for a command that reads what was loaded (check, report, runs, audit,
    export): a database that does not exist is an error, not a new empty one; a mistyped
    --db made an empty database and an 8-page report of 0 visits, exit 0. Only `load`,
    `load-dir` and `demo` create one."""
    from berthcheck import store
    from berthcheck.errors import StoreUnavailable

    path = db_path(db)
    resolved = store.resolve_db_path(path)
    if not resolved.exists():
        raise StoreUnavailable(f"database {resolved} does not exist; load some data first "
                               "(berthcheck load ... --db FILE creates it)")
    return path


def say(message: str = "") -> None:
    typer.echo(message)


def warn(message: str) -> None:
    typer.echo(message, err=True)


def json_text(data: Any) -> str:
    """Every command's `--json`: sorted keys, two-space indent, text as it is."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def print_json(data: Any) -> None:
    say(json_text(data))


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: empty for none, `true`/`false`, lists joined by `;`, text that
    a spreadsheet would run as a formula escaped (berthcheck.cells)."""
    from berthcheck.cells import neutralise

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return neutralise(";".join(str(v) for v in value)) or ""
    if isinstance(value, int | float):
        return str(value)
    return neutralise(str(value)) or ""


def print_csv(columns: list[str], rows: list[dict[str, Any]]) -> None:
    """A table as CSV on standard output: a header, then one line per row (`--csv`)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    typer.echo(buffer.getvalue(), nl=False)


def one_format(as_json: bool, as_csv: bool) -> None:
    """--json and --csv are two answers to one question: at most one."""
    from berthcheck.errors import UsageError

    if as_json and as_csv:
        raise fail(UsageError("give --json or --csv, not both"))


def fail(exc: BerthcheckError) -> typer.Exit:
    """Print a domain error as one clear message (and its rows) and pick the exit code."""
    if isinstance(exc, InputRejected):
        warn(f"error: {exc.headline}")
        for err in exc.errors[:MAX_ERRORS_SHOWN]:
            warn(f"  {err}")
        if len(exc.errors) > MAX_ERRORS_SHOWN:
            warn(
                f"  ... and {len(exc.errors) - MAX_ERRORS_SHOWN} more; "
                "use --errors FILE.csv to write them all"
            )
    else:
        warn(f"error: {exc}")
    return typer.Exit(exc.exit_code)


def say_loaded(files, errors, *, kind: str | None = None) -> None:
    """What a load did, file by file (`load` and `load-dir` alike), then the problems of the
    rows it quarantined. `kind` prefixes each line when several kinds are loaded together."""
    from berthcheck.export.source import is_contact_column

    prefix = f"{kind:<12} " if kind else ""
    for f in files:
        unread = list(getattr(f, "unread_columns", ()))
        if f.kind == "visits" and (contact := [c for c in unread if is_contact_column(c)]):
            # read by the visit-report and Wharfinger exports: no misspelt column to fix
            unread = [c for c in unread if c not in contact]
            warn(f"{prefix}{f.file}: contact details kept for `export carb-visit-report` and "
                f"`export wharfinger` (no rule reads them): {', '.join(map(repr, contact))}")
        if unread:
            # a misspelt optional column would otherwise read as empty without a word
            meant = getattr(f, "unread_meant", {})
            named = ", ".join(f"{c!r} ({meant[c]}?)" if c in meant else repr(c) for c in unread)
            warn(f"{prefix}{f.file}: {len(unread)} column{'s' if len(unread) != 1 else ''} "
                 f"not read by any rule (kept in extra): {named}; "
                 f"if one is meant as a {f.kind} column, name it as `berthcheck schema "
                 f"{f.kind}` does")
        if f.batch_id is None and not f.quarantined:
            if not f.rows_in_file:  # a header alone (a template, a month without captures)
                say(f"{prefix}{f.file}: no rows below the header; nothing changed")
            else:
                say(f"{prefix}{f.file}: {f.rows_in_file:,} rows, all already loaded; "
                    "nothing changed")
            continue
        parts = [f"{f.inserted:,} new", f"{f.unchanged:,} unchanged"]
        if f.replaced:
            parts.append(f"{f.replaced:,} replaced")
        if f.quarantined:
            parts.append(f"{f.quarantined:,} quarantined")
        say(f"{prefix}{f.file}: {f.rows_in_file:,} rows -> {', '.join(parts)} (batch {f.batch_id})")
        for w in f.warnings:
            warn(f"  warning: {w}")
        for note in getattr(f, "notes", ()):
            say(f"  {note}")
    if errors:
        warn(f"{len(errors)} problem(s) in quarantined {kind + ' ' if kind else ''}rows:")
        for err in errors[:MAX_ERRORS_SHOWN]:
            warn(f"  {err}")
        if len(errors) > MAX_ERRORS_SHOWN:
            warn(f"  ... and {len(errors) - MAX_ERRORS_SHOWN} more (see the quarantine table or --errors)")


def lock_wait_seconds() -> float:
    """`$BERTHCHECK_LOCK_WAIT` in seconds, else 30; anything but a finite number >= 0 is an
    error naming it, as for BERTHCHECK_THREADS and BERTHCHECK_MEMORY_LIMIT: 'abc' was read as
    30 without a word, 'nan' as 0 and 'inf' as waiting for ever."""
    import math

    raw = os.environ.get("BERTHCHECK_LOCK_WAIT")
    if not raw:
        return LOCK_WAIT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise BerthcheckError(f"BERTHCHECK_LOCK_WAIT={raw!r}: give the seconds to wait for "
                              "a writer, a number >= 0 (e.g. 30)")
    return seconds


def connect_for_reading(db: Path | None, *, writable: bool = False):
    """Open the store for a command that only reads it.

    Read-only, so several readers can share the file; DuckDB lets no reader in while another
    process writes, so a reader waits for the writer (up to $BERTHCHECK_LOCK_WAIT seconds,
    default 30) and says how long it waited. A database of an older schema is opened for
    writing once, to be migrated. `writable`: a command that only reads but needs a writable
    connection (`audit verify` rebuilds past inputs in scratch tables) waits the same way."""
    from berthcheck import store

    path = existing_db(db)
    if writable and store.readable(store.resolve_db_path(path)):
        writable = False  # an archive copy this process may not write: read it read-only
    started = time.monotonic()
    limit = lock_wait_seconds()
    retried = False
    while True:
        try:
            con = store.connect(path, read_only=not writable)
            break
        except SchemaBehind:
            # a store of an older schema (berthcheck was upgraded): the read-only open refused
            # it, so it is opened for writing once, which migrates it; an archive copy this
            # process may not write keeps the refusal, which says to work on a writable copy
            if writable or store.readable(store.resolve_db_path(path)):
                raise
            writable = True
        except DatabaseInUse as exc:
            waited = time.monotonic() - started
            if waited >= limit:
                raise DatabaseInUse(f"{exc} (waited {waited:.0f} s)") from None
            retried = True
            time.sleep(0.25)
    if retried:
        waited = time.monotonic() - started
        warn(f"waited {waited:.1f} s for another process to finish writing the database")
    return con


def with_store(db: Path | None, work, *, read_only: bool = False, wait: bool = False,
               create: bool = False):
    """Open the store, run `work(con)`, close it. A domain error becomes its message and exit
    code; so does one raised before the store opens (e.g. an option checked inside `work`).
    `read_only`: open it read-only, waiting for a writer; `wait`: writable, but wait too;
    `create`: a missing database is made (the loads), else it is an error (`existing_db`);
    one made so is removed again when `work` fails (`store.opened`)."""
    from berthcheck import store

    try:
        if create:
            with store.opened(db_path(db)) as con:
                return work(con)
        if read_only or wait:
            con = connect_for_reading(db, writable=not read_only)
        else:
            con = store.connect(existing_db(db))
        try:
            return work(con)
        finally:
            con.close()
    except BerthcheckError as exc:
        raise fail(exc) from None


# Scope options: the same words and rules for `check` and `report` (engine/scope.py).
_SCOPE_RULE = "case and spaces ignored; at most one of --port, --terminal, --fleet"
PortOption = Annotated[str | None, typer.Option("--port", help=f"Only visits at this port (UN/LOCODE; {_SCOPE_RULE}).", show_default=False)]
TerminalOption = Annotated[str | None, typer.Option("--terminal", help=f"Only visits at this terminal ({_SCOPE_RULE}).", show_default=False)]
FleetOption = Annotated[str | None, typer.Option("--fleet", help=f"Only visits of this fleet ({_SCOPE_RULE}).", show_default=False)]

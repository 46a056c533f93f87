"""Pack SQL runs sandboxed: it can read the store's inputs and nothing else.

A rule pack is data an auditor reads, but it is SQL, and SQL can `COPY ... TO` a file,
`read_csv('/etc/...')` or `ATTACH` another database. A pack from a folder under review
(`$BERTHCHECK_RULES_DIR`) must not be able to. So the pack runs on a separate in-memory
DuckDB database that is given the tables it may read (the store's views and built-in
reference tables it names, as of the state being checked, cut to the visits it judges, and
the pack's own parameter tables), and
then has `enable_external_access = false` and `lock_configuration = true`: no file, no
network, no extension, and no statement of the pack can turn that back on. DuckDB's settings
and catalog stay readable there (they hold paths: the temporary folder, the home and working
folders), so pack SQL naming them, or making SQL from text, is refused when the pack is
loaded (engine/pack_sql.py `check_reach`).

The emission factor tables are read by berthcheck itself (Python, from `rules/factors`),
never by pack SQL, so nothing the engine needs is behind the lock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from berthcheck import store
from berthcheck.engine.pack_sql import HISTORY_PREFIX
from berthcheck.errors import BerthcheckError


class PackError(BerthcheckError):
    """A pack's SQL failed or tried to leave its sandbox; names the pack file."""

    exit_code = 2  # a usage error (docs/contract.md 3): the --pack given is broken


class PackCannotRun(PackError):
    """A pack statement that fails whatever rows it reads (a syntax error, an unknown table,
    column or function, a sandbox escape): `rules test` reports it once for the pack, not
    once per fixture case (a conversion or range error depends on a case's rows)."""


# the views and built-in tables of the connection's current database a pack may read (bound:
# the built-in tables' suffix as a LIKE pattern, `_READABLE_PARAMS`)
_READABLE_VIEWS = (
    "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
    "AND schema_name = 'main' AND NOT internal AND NOT temporary")
_READABLE_TABLES = (
    "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
    "AND schema_name = 'main' AND NOT temporary AND table_name LIKE ?")
_READABLE_SQL = _READABLE_VIEWS + " UNION " + _READABLE_TABLES
_READABLE_PARAMS = [f"%{store.BUILTIN_SUFFIX}"]


def readable_objects(con) -> list[str]:
    """The views and built-in tables of the connection's current database a pack may read."""
    rows = store.run(con, _READABLE_SQL + " ORDER BY 1", _READABLE_PARAMS)
    return [r[0] for r in rows]


def readable_columns(con) -> dict[str, tuple[str, ...]]:
    """The objects `readable_objects` names, each with its columns in order: one catalog
    query for what a check asked three times (the readable objects, which of them hold rows of
    visits, the columns `[pack] inputs` and `history` list), 11 -> 5 ms CPU a check. The
    columns come one row each, in order, put together here: listing them in SQL (`list(...
    ORDER BY)`, the objects as one UNION) took a fresh store connection 5.3-6.5 ms CPU, this
    2.8-3.1."""
    rows = store.run(
        con,
        "SELECT table_name, column_name FROM duckdb_columns() "  # noqa: S608 - constants
        "WHERE database_name = current_database() AND schema_name = 'main' AND (table_name IN ("
        + _READABLE_VIEWS + ") OR table_name IN (" + _READABLE_TABLES + ")) "
        "ORDER BY table_name, column_index",
        _READABLE_PARAMS,
    )
    columns: dict[str, list[str]] = {}
    for name, column in rows:
        columns.setdefault(name, []).append(column)
    return {name: tuple(names) for name, names in columns.items()}


def _settings(con) -> tuple[str, int, bool, str]:
    """The store connection's memory limit, threads, allocator background threads and spill
    folder, read in one query, for the sandbox to work within the same."""
    memory, threads, background, temp = store.run(
        con, "SELECT current_setting('memory_limit'), current_setting('threads'), "
             "current_setting('allocator_background_threads'), current_setting('temp_directory')")[0]
    return str(memory), int(threads), str(background).lower() == "true", str(temp or "")


def visit_keyed(names: list[str], catalog: dict[str, tuple[str, ...]]) -> dict[str, bool]:
    """The objects among `names` that hold rows of visits (a `visit_id` column), each with
    whether it has a `departure` column too, read off the readable objects' columns
    (`catalog`, from `readable_columns`)."""
    return {name: "departure" in catalog[name] for name in names
            if "visit_id" in catalog.get(name, ())}


def _departure_span(judged) -> list | None:
    """The first and last departure of the judged visits (an Arrow table with a `departure`
    column), or None (no such column, no row, or a visit without departure)."""
    import pyarrow.compute as pc

    if "departure" not in judged.column_names or not judged.num_rows \
            or judged["departure"].null_count:
        return None
    span = pc.min_max(judged["departure"])
    return [span["min"].as_py(), span["max"].as_py()]


def open_sandbox(con, names: list[str] | None = None, *,
                 visits_sql: str | Callable[[tuple[str, ...] | None], str] | None = None,
                 whole: tuple[str, ...] = (), history: dict[str, tuple[str, ...]] | None = None,
                 history_keys: dict[str, str] | None = None, later: dict | None = None,
                 inputs: dict[str, tuple[str, ...]] | None = None,
                 extra: dict[str, tuple[str, ...]] | None = None, kept: dict | None = None,
                 catalog: dict[str, tuple[str, ...]] | None = None, small: bool = False):
    """A locked in-memory database holding what the pack may read from `con`.

    names: the objects handed over (default: every readable one). visits_sql: a query over
    `con` returning the `visit_id`s the pack judges (and their `departure`, which then bounds
    the scan of each object that has one); then each object holding rows of visits, except
    those named in `whole` (the history the pack reads across all visits), is handed over
    with the rows of those visits only. A month's check so copies a month's sessions, not
    the store's. history: objects also handed over whole as `history_<name>`, with the
    columns given (all for an empty tuple): the narrow whole-store history a pack reads for
    year-level counts (`judges = "scope_visits"`); a view over the object when nothing is cut.
    history_keys: history objects with a key table (`[pack] history_keys`, engine/history_keys.py):
    one that would be copied is not; its columns are checked and it is put into `later`
    (history_<name> -> Pending), to be handed over, keyed, when a statement first reads it.
    inputs: objects handed over with these columns only (`[pack] inputs`, see
    `check_inputs`); the others with all theirs.
    extra, kept: an object cut to the judged visits by their ids alone (not the judged query's
    own rows, not bounded by departure) is read with these columns too and put into `kept`
    (name -> Arrow table) for the engine, which then need not scan the store again for them
    (the emission inputs, engine/results_query.py); the pack is still handed only its listed columns.
    catalog: the readable objects' columns (`readable_columns`), when the caller has them.
    small: the judged visits (at most the scope's years) are few (store.SMALL_TABLE_ROWS):
    they are read with one bind, and so are the objects cut to them when they are few indeed
    (`store.fetch_arrow`); a big read keeps the copy-free route.
    """
    import duckdb

    from berthcheck.engine.history_keys import Pending

    wanted = readable_objects(con) if names is None else names
    declared = inputs or {}
    keyed: dict[str, bool] = {}
    if visits_sql:  # the readable objects' columns: the check's (pack_sandbox) or read now
        keyed = visit_keyed(wanted, catalog if catalog is not None else readable_columns(con))
    cut = set(keyed) - set(whole)
    memory, threads, background, temp = _settings(con)
    rows_of = None  # the object whose cut the judged query itself returns
    wants = extra or {}
    if callable(visits_sql):
        if "visits" in cut:
            rows_of = "visits"
            handed = declared.get(rows_of)
            visits_sql = visits_sql(tuple(dict.fromkeys(("visit_id", "departure", *handed)))
                                    if handed else None)
        else:
            visits_sql = visits_sql(("visit_id", "departure"))
    judged = (store.fetch_arrow(con, visits_sql, small=small)  # found once
              if cut and isinstance(visits_sql, str) else None)
    few = judged is not None and judged.num_rows < store.SMALL_TABLE_ROWS
    # their departures bound the cut of an object that has them by constants, which DuckDB
    # tests against each row group's range: a month's visits are then read from the row
    # groups of that month, not found among the store's (78 -> 6 ms CPU for a month on the
    # 1M decade)
    span = _departure_span(judged) if judged is not None else None
    dated = {name for name in cut if keyed[name]} if span else set()
    # the store's limits, given as the database opens (five SET statements: 2-3 ms a check).
    # No automatic checkpoint: DuckDB rewrites (and compresses) the tables changed since the
    # last one whenever 16 MiB of changes have gathered, here the pack's short-lived temporary
    # tables: at a million visits the statement that crossed the line paid 0.5-0.8 CPU s for
    # it (bc_uncontrolled_segment, 0.12 s of its own)
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory, "threads": threads, "checkpoint_threshold": "1TB"}
    if background:
        config["allocator_background_threads"] = True
    if temp:
        config["temp_directory"] = temp
    sandbox = duckdb.connect(":memory:", config=config)
    if cut:
        con.register("_bc_judged", judged)
    try:
        store.instants_in_utc(sandbox)  # the time zone's settings (ICU): set once it is open
        for name in wanted:
            quoted = store.quote_ident(name)
            listed = ", ".join(store.quote_ident(c) for c in declared.get(name, ())) or "*"
            sql = f"SELECT {listed} FROM {quoted}"  # noqa: S608 - catalog names
            params = None
            if name == rows_of and judged is not None:
                # the judged visits' own rows, not read a second time from the stored decade
                # (the scope, judged visits and this cut: 128 -> 85 ms CPU, a month on 1M)
                sandbox.register(name, judged.select(list(declared[name])) if name in declared
                                 else judged)
                continue
            keep = name in wants and name in cut and name not in dated and kept is not None
            if keep and name in declared:
                more = [c for c in wants[name] if c not in declared[name]]
                listed = ", ".join(store.quote_ident(c) for c in (*declared[name], *more))
                sql = f"SELECT {listed} FROM {quoted}"  # noqa: S608 - catalog names
            if name in cut:
                sql += " WHERE visit_id IN (SELECT visit_id FROM _bc_judged)"
                if name in dated:
                    sql += " AND departure >= ? AND departure <= ?"
                    params = span
            # handed over as an Arrow table (no copy through polars); the sandbox reads it in
            # place. The rows of few judged visits are bound once (`store.fetch_arrow`); an
            # object handed over whole (a reference table: ports, berths) binds cheaply, and
            # one bind saved nothing measurable there (the copy costs what the bind saves)
            table = store.fetch_arrow(con, sql, params, small=few and name in cut)
            if keep:
                kept[name] = table  # type: ignore[index]  # keep implies kept is a dict
                if name in declared:
                    table = table.select(list(declared[name]))
            sandbox.register(name, table)
        pending = history_keys or {}  # handed over later, keyed (engine/history_keys.py)
        for name, columns in (history or {}).items():
            select = ", ".join(store.quote_ident(c) for c in columns) or "*"
            sql = f"SELECT {select} FROM {store.quote_ident(name)}"  # noqa: S608 - catalog names
            # a view over the object handed over only if that has every column history reads
            narrow = name in declared and not (columns and set(columns) <= set(declared[name]))
            copied = name in cut or name not in wanted or narrow
            if copied and name in pending and later is not None:
                # the columns checked now (a missing one fails here, naming pack.toml)
                found = tuple(con.sql(sql + " LIMIT 0").columns)
                later[HISTORY_PREFIX + name] = Pending(name, found, pending[name])
            elif copied:
                sandbox.register(HISTORY_PREFIX + name, con.sql(sql).arrow().read_all())
            else:  # the object is already whole in the sandbox: no second copy
                store.run(sandbox, f"CREATE TEMP VIEW {store.quote_ident(HISTORY_PREFIX + name)} "
                                   f"AS {sql}")
        store.run(sandbox, "SET enable_external_access = false")
        store.run(sandbox, "SET lock_configuration = true")
    except BaseException:
        sandbox.close()
        raise
    finally:
        if cut:
            con.unregister("_bc_judged")
    return sandbox


def check_inputs(con, inputs: dict[str, tuple[str, ...]], readable: list[str],
                 where: str, key: str = "inputs",
                 catalog: dict[str, tuple[str, ...]] | None = None) -> None:
    """Each view `[pack] inputs` (`key`: or `history`) lists is one a pack may read
    (`readable`) and has every column listed (none listed: every column), else a
    PackCannotRun starting with `where` (the pack and its pack.toml): it fails whatever the
    rows, so `rules test` says it once, not as every case failing. The columns are bound once,
    as the hand-over would (`LIMIT 0`: no row read), unless the view's columns (`catalog`,
    from `readable_columns`) hold every one listed (DuckDB matches names ignoring case)."""
    import duckdb

    for view, columns in inputs.items():
        if view not in readable:
            raise PackCannotRun(f"{where} {key} names {view}, which the store does not have")
        if not columns:
            continue
        if catalog is not None and view in catalog \
                and {c.lower() for c in columns} <= {c.lower() for c in catalog[view]}:
            continue
        listed = ", ".join(store.quote_ident(c) for c in columns)
        try:
            con.sql(f"SELECT {listed} FROM {store.quote_ident(view)} LIMIT 0")  # noqa: S608 - catalog names
        except duckdb.BinderException:
            have = set(con.sql(f"SELECT * FROM {store.quote_ident(view)} LIMIT 0").columns)  # noqa: S608
            missing = [c for c in columns if c not in have]
            raise PackCannotRun(f"{where} {key}.{view} lists {', '.join(missing)}, which {view} "
                                f"does not have{stored_as(view, missing, have)}") from None


def stored_as(view: str, columns, have=None) -> str:
    """` (events holds the contract's start as start_time ...)` for the columns of data
    contract 2 that `view` holds under another name (`have`: its columns, when known), else
    "". The input files and `berthcheck schema events` say `start` and `end`; the store
    cannot (`end` is an SQL keyword), and a pack author reading the contract writes them."""
    from berthcheck.ingest.kinds import storage_name

    renamed = [(c, storage_name(c)) for c in columns
               if storage_name(c) != c and (have is None or storage_name(c) in have)]
    if not renamed:
        return ""
    said = " and ".join(c for c, _ in renamed)
    stored = " and ".join(s for _, s in renamed)
    return (f" ({view} holds the contract's {said} as {stored}: `end` is an SQL keyword; "
            "docs/packs.md section 3)")


_LITERAL = r"'(?:[^']|'')*'"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


def sql_words(texts) -> set[str]:
    """The identifiers named in SQL texts: comments dropped, and a quoted literal counts only
    when it is a name itself (`query_table('visits')`), not when it holds words (a message
    saying "no capture session")."""
    words: set[str] = set()
    for text in texts:
        words |= _text_words(text or "")
    return words


@lru_cache(maxsize=512)
def _text_words(text: str) -> frozenset[str]:
    """`sql_words` of one text, kept: a big check asks after each of the pack's stages about the
    same texts (`release_unread`)."""
    import re

    from berthcheck.engine.pack import strip_comments

    words: set[str] = set()
    text = strip_comments(text)
    for literal in re.findall(_LITERAL, text):
        if re.fullmatch(rf"\s*{_NAME}(\.{_NAME})*\s*", literal[1:-1]):
            words.update(w.lower() for w in re.findall(_NAME, literal[1:-1]))
    text = re.sub(_LITERAL, " ", text)
    words.update(w.lower() for w in re.findall(_NAME, text))
    return frozenset(words)


class MacroDefinitions:
    """The sandbox's macro bodies, for `release_*` (a macro keeps what it reads): read from
    the catalog once, and again only after a statement whose text could define one (it names
    MACRO or FUNCTION). `duckdb_functions()` lists every built-in function to find them,
    15-17 ms of CPU a call, and a big check asked after each of its seven stages."""

    _DEFINES = re.compile(r"\b(MACRO|FUNCTION)\b", re.IGNORECASE)

    def __init__(self) -> None:
        self._known: list[str] | None = None

    def saw(self, statement: str) -> None:
        """`statement` ran in the sandbox."""
        if self._known is not None and self._DEFINES.search(statement):
            self._known = None

    def read(self, sandbox) -> list[str]:
        if self._known is None:
            self._known = [m for (m,) in store.run(
                sandbox, "SELECT macro_definition FROM duckdb_functions() WHERE NOT internal "
                         "AND function_type IN ('macro', 'table_macro')")]
        return self._known


def release_unread(sandbox, still_read: list[str], among: list[str] | None = None, *,
                   macros: MacroDefinitions | None = None) -> list[str]:
    """Drop the sandbox's temporary tables and views (`among` them only, if given) that
    nothing still to run reads: not the SQL in `still_read`, nor a macro, nor a view that is
    kept (a kept view keeps what it reads). A check runs it after each of the pack's stages
    on the inputs handed over (the stages, rules and assemble query still to run) and
    before the results query on everything else: at a million visits the inputs and the
    stages' own tables then no longer sit under the later stages' and the results' peaks.
    Returns the names dropped. `macros`: the sandbox's macro bodies, kept between calls."""
    return _release(sandbox, still_read, among, macros or MacroDefinitions())


def release_inputs(sandbox, still_read: list[str], handed: list[str], *,
                   macros: MacroDefinitions | None = None) -> list[str]:
    """`release_unread` among the inputs `handed` over, between two of the pack's stages
    (`still_read`: the stages still to run, the rules and the assemble query); nothing to
    look for, and no catalog query, when those texts alone name every input left."""
    named = sql_words(still_read)
    if all(name.lower() in named for name in handed):
        return []
    return _release(sandbox, still_read, handed, macros or MacroDefinitions())


def _release(sandbox, still_read: list[str], among: list[str] | None,
             macros: MacroDefinitions) -> list[str]:
    objects = store.run(
        sandbox,
        "SELECT table_name, 'TABLE', NULL FROM duckdb_tables() WHERE temporary "
        "UNION ALL SELECT view_name, 'VIEW', sql FROM duckdb_views() "
        "WHERE temporary AND NOT internal",
    )
    read = sql_words([*still_read, *macros.read(sandbox)])
    view_reads = {name.lower(): sql_words([sql]) for name, kind, sql in objects if kind == "VIEW"}
    grown = True
    while grown:  # what the views that stay read stays too
        grown = False
        for name, names in view_reads.items():
            if name in read and not names <= read:
                read |= names
                grown = True
    allowed = None if among is None else {n.lower() for n in among}
    dropped = []
    for name, kind, _ in objects:
        if name.lower() in read or (allowed is not None and name.lower() not in allowed):
            continue
        if kind == "VIEW":
            try:
                sandbox.unregister(name)  # an input handed over as Arrow (a view of it)
            except Exception:  # noqa: BLE001, S110 - a view the SQL made: dropped below
                pass
        store.run(sandbox, f"DROP {kind} IF EXISTS {store.quote_ident(name)}")
        dropped.append(name)
    return dropped


def pack_failure(pack, where: str, exc: Exception, sql: str | None = None) -> PackError:
    """One clear line for a pack statement that failed, naming the pack file and, where
    DuckDB points at one, its line and column (`sql`: the statement as it ran, when the
    engine ran it as the file has it)."""

    import duckdb

    from berthcheck.engine.pack_spec import read_pack_file
    from berthcheck.engine.pack_text import error_position

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    file = pack.file_of(where)
    error = PackCannotRun if isinstance(exc, (duckdb.ParserException, duckdb.BinderException,
                                              duckdb.CatalogException,
                                              duckdb.PermissionException)) else PackError
    try:
        position = error_position(read_pack_file(file), str(exc), sql)
    except BerthcheckError:  # the file is gone or unreadable now: no line to give
        position = None
    failed = "failed"
    if position is not None:
        line, column = position
        failed += f" at line {line}" + (f", column {column}" if column else "")
    label_ = label(pack)
    if isinstance(exc, duckdb.PermissionException) or "disabled by configuration" in text \
            or "configuration has been locked" in text \
            or ("Cannot attach" in text and "already attached" in text):  # ATTACH of the store
        return PackCannotRun(f"{label_}: {file} tried to read or write a file, reach the "
                             f"network or change a setting, which rule packs may not do "
                             f"({text})")
    if isinstance(exc, duckdb.BinderException):
        # the column may be one `[pack] inputs` or `history` leaves out of the sandbox: say so
        # (of the views the statement names: those the file names where it is not known)
        try:
            statement = sql if sql is not None else read_pack_file(file)
        except BerthcheckError:
            statement = None
        reminder = declared_columns_reminder(pack, text, statement)
        if reminder:
            return error(f"{label_}: {file} {failed}: {text} ({reminder})")
    return error(f"{label_}: {file} {failed}: {text}")


def declared_columns_reminder(pack, text: str, sql: str | None) -> str:
    """For DuckDB's unknown-column message `text`: the declarations (`[pack] inputs`,
    `[pack] history` as a table) that may have left the column out, those of the views the
    statement `sql` names (every such declaration when the statement is not known) that do
    not list it; "" for none."""
    found = re.search(r'column (?:named )?"([^"]+)"', text)
    if not found:
        return ""
    column = found.group(1).lower()

    def named(view: str) -> bool:  # `visits`, not inside `history_visits`
        return sql is None or re.search(rf"(?<![\w.]){re.escape(view)}(?!\w)", sql,
                                        re.IGNORECASE) is not None

    for view in ("events", HISTORY_PREFIX + "events"):  # `start`: no declaration left it out
        if named(view) and stored_as(view, [column]):
            return stored_as(view, [column])[2:-1]

    def leaving_out(declared: dict, prefix: str) -> list[str]:
        views = [v for v in sorted(declared) if named(prefix + v)]
        listed = {c.lower() for v in views for c in declared[v]}
        return views if views and column not in listed else []

    toml = pack.file_of("pack.toml")
    said = []
    views = leaving_out(pack.inputs, "")
    if views:
        said.append(f"{toml} [pack] inputs hands over only the columns it lists of "
                    f"{', '.join(views)}: a column the SQL reads must be listed there")
    views = leaving_out(pack.history_columns, HISTORY_PREFIX)
    if views:
        said.append(f"{toml} [pack] history hands over only the columns it lists of "
                    f"{', '.join(views)} (as "
                    f"{', '.join(HISTORY_PREFIX + v for v in views)}): a history column the "
                    "SQL reads must be listed there")
    return "; ".join(said)


def label(pack) -> str:
    return f"custom pack {pack.label}" if pack.custom else f"pack {pack.label}"

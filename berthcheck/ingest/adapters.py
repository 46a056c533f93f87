"""`load dcsa-jit` and `load wharfinger`: a source's own format -> the loader's checks and writes.

Each adapter (dcsa_jit.py, wharfinger.py) makes the contract's columns as text with lineage;
this module hands those tables to the same code path as `load` (ingest/load.py): typing, row
and cross-row checks, all or nothing, `--quarantine`, `--replace` and the history. Problems the
loader finds on a derived row are put back at the source's own place (file and JSON path, or
the Wharfinger file's row and column).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from berthcheck import store
from berthcheck.errors import InputRejected, RowError, UsageError
from berthcheck.ingest import control_chars, dcsa_jit
from berthcheck.ingest.errors_csv import file_error
from berthcheck.ingest.kinds import SHORE_POWER, VISITS, Column, Kind
from berthcheck.ingest.load import (
    SOURCE_PATH,
    AdapterSource,
    LoadReport,
    _load_one,
    write_errors_csv,
)
from berthcheck.ingest.read import ROW, RawTable, ReadOptions, read_table

ADAPTER_KINDS = ("dcsa-jit", "wharfinger")


@dataclass
class AdapterReport(LoadReport):
    open_visits: list[dcsa_jit.OpenVisit] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    coverage: list[tuple[str, int]] = field(default_factory=list)  # (port, year) declared


def text_table(kind: Kind, rows: list[dict], paths: list[dict] | None, *, label: str,
               path: Path, file_format: str, sha256: str, first_row: int = 1) -> RawTable:
    """Rows of text (contract column names) -> the table `read_table` would have made."""
    data: dict[str, list] = {ROW: list(range(first_row, first_row + len(rows)))}
    for col in kind.column_names:
        data[col] = [r.get(col) for r in rows]
    data["extra"] = [r.get("extra") for r in rows]
    schema = {ROW: pl.Int64, **{c: pl.Utf8 for c in kind.column_names}, "extra": pl.Utf8}
    if paths is not None:
        encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # one encoder
        data[SOURCE_PATH] = [encode(p) for p in paths]
        schema[SOURCE_PATH] = pl.Utf8
    frame = pl.DataFrame(data, schema=schema)
    return RawTable(path, file_format, sha256, frame, frozenset(kind.column_names), label=label)


def _split(place: str) -> tuple[str, str]:
    file, _, json_path = place.partition(":")
    return file, json_path


def _locator(paths: list[dict], *, known_visits: set[str] | None = None):
    """A loader problem on derived row N -> the same problem at its file and JSON path."""

    def locate(err: RowError) -> RowError:
        if err.path or not (1 <= err.row <= len(paths)):
            return err
        where = paths[err.row - 1]
        place = where.get(err.column) or where.get(err.column.split("+")[0]) or where.get(
            "visit_id") or where.get("connected")
        reason = err.reason
        if known_visits is not None and reason.startswith("no such visit") and \
                err.value in known_visits:
            reason = "its visit was not loaded (see that visit's problems)"
        if err.column == "vessel_type" and reason.startswith("is not one of"):
            reason = "unknown JIT typeCode; one of " + ", ".join(dcsa_jit.VESSEL_TYPE_CODES)
        if not isinstance(place, str):
            return RowError(err.file, err.row, err.column, err.value, reason)
        file, json_path = _split(place)
        return RowError(file, err.row, err.column, err.value, reason, path=json_path)

    return locate


# --- overrides: a visit-details file and a terminal alias table ---------------------------------


# The two option files are read as `load` reads a file (read.read_table): CSV, XLSX or Parquet,
# headers matched by their letters and digits, and two headers for one column refused in
# `load`'s words; each is a kind of its own, though neither is stored as such.
TERMINAL_ALIASES = Kind(
    name="terminal aliases",
    table="",
    key=("port", "facility_code"),
    columns=tuple(Column(name, "text", True) for name in ("port", "facility_code", "terminal")),
)
# every visits column, only the visit id required: a details file gives what it has
VISIT_DETAILS = Kind(
    name="visit details",
    table="",
    key=("visit_id",),
    columns=tuple(replace(c, required=c.name == "visit_id") for c in VISITS.columns),
)


def _read_option_file(path: Path, kind: Kind, options: ReadOptions | None) -> RawTable:
    if Path(path).is_dir():
        raise UsageError(f"{path}: is a folder, not a file ({kind.name})")
    if not Path(path).is_file():
        raise UsageError(f"{path}: no such file ({kind.name})")
    return read_table(Path(path), kind, options)


def terminal_aliases(path: Path, options: ReadOptions | None = None) -> dict[tuple[str, str], str]:
    """(port, SMDG facility code) -> the port's own terminal code."""
    raw = _read_option_file(path, TERMINAL_ALIASES, options)
    label = raw.label
    out: dict[tuple[str, str], str] = {}
    problems = list(raw.problems)  # cells holding a control character
    for r in raw.frame.iter_rows(named=True):
        i = r[ROW]
        port = (r["port"] or "").strip().upper()
        code = (r["facility_code"] or "").strip()
        terminal = (r["terminal"] or "").strip()
        if not (port and code and terminal):
            problems.append(RowError(label, i, "port+facility_code+terminal",
                                     f"{port}/{code}/{terminal}", "all three are required"))
            continue
        if out.get((port, code), terminal) != terminal:
            problems.append(RowError(label, i, "facility_code", code,
                                     f"mapped twice at {port} ({out[(port, code)]}, {terminal})"))
        out[(port, code)] = terminal
    if problems:
        raise InputRejected(label, problems)
    return out


def apply_details(rows: list[dict], paths: list[dict], details: Path,
                  options: ReadOptions | None = None) -> list[RowError]:
    """A details file (visit_id + any visits columns) fills or overrides derived values.

    Every column JIT cannot carry (fleet, operator, shore_power_capable, commissioned, nox_tier,
    tonnage, loads, call_purpose, ...) comes from here, and any inferred one (vessel_type,
    terminal, berth, ready_to_work, ...) can be overridden per visit. An overridden value's
    lineage is the details file's row.
    """
    raw = _read_option_file(details, VISIT_DETAILS, options)
    label = raw.label
    if raw.unread:  # a header that names no visits column would be dropped without a word
        raise InputRejected(label, [RowError(label, 1, h, h, "not a visits column (see "
                                             "`berthcheck schema visits` or the data contract)")
                                    for h in raw.unread])
    given = [c for c in VISITS.column_names if c in raw.present and c != "visit_id"]
    by_id = {r["visit_id"]: i for i, r in enumerate(rows)}
    errors = list(raw.problems)  # cells holding a control character
    seen: dict[str, int] = {}
    for record in raw.frame.iter_rows(named=True):
        n = record[ROW]
        values = {c: (v.strip() if isinstance(v, str) else v)
                  for c in given if (v := record[c]) is not None}
        visit = (record["visit_id"] or "").strip()
        if visit in seen:
            errors.append(RowError(label, n, "visit_id", visit,
                                   f"duplicate of row {seen[visit]} in this file"))
            continue
        seen[visit] = n
        index = by_id.get(visit)
        if index is None:
            errors.append(RowError(label, n, "visit_id", visit,
                                   "no finished visit with this id in the imported files"))
            continue
        for column, value in values.items():
            if value not in (None, ""):
                rows[index][column] = value
                paths[index][column] = f"{label}:row {n}"
    return errors


# --- load dcsa-jit ---------------------------------------------------------------------------------


def _corrections(con, kind: Kind, rows: list[dict]) -> set[str]:
    """Keys whose stored version came from JIT timestamps other than these: a correction. A
    visit stored before the import mapped the Port Call's id to `port_call` (an empty one where
    the import gives one, from the same timestamps) is refreshed the same way: re-importing the
    same files fills the column instead of failing for want of --replace."""
    key = kind.key[0]
    if not rows:
        return set()
    call = kind.name == "visits"
    new = pl.DataFrame({"k": [r[key] for r in rows], "x": [r.get("extra") for r in rows],
                        "c": [r.get("port_call") if call else None for r in rows]},
                       schema={"k": pl.Utf8, "x": pl.Utf8, "c": pl.Utf8})
    store.register(con, "_jit_new", new)
    try:
        stored = store.run(
            con, f"SELECT t.{key}, t.extra, n.x FROM {kind.table} t JOIN _jit_new n "  # noqa: S608
            f"ON n.k = t.{key}")
        filled = {k for (k,) in store.run(
            con, "SELECT t.visit_id FROM visits t JOIN _jit_new n ON n.k = t.visit_id "
            "WHERE t.port_call IS NULL AND n.c IS NOT NULL")} if call else set()
    finally:
        con.unregister("_jit_new")

    def ids(text):
        try:
            return (json.loads(text or "{}").get("dcsa_jit") or {}).get("timestampIDs")
        except (ValueError, AttributeError):
            return None

    return {k for k, old, fresh in stored
            if ids(old) is not None and (ids(old) != ids(fresh) or k in filled)}


def load_dcsa_jit(con, files: list[Path], *, replace: bool = False, quarantine: bool = False,
                  errors_out: Path | None = None, details: Path | None = None,
                  aliases: Path | None = None,
                  read_options: ReadOptions | None = None) -> AdapterReport:
    """`read_options` (--encoding, --delimiter, --sheet) read the --details and
    --terminal-aliases files; the JSON files are UTF-8."""
    if read_options is not None and details is None and aliases is None:
        given = [o for o, v in (("--encoding", read_options.encoding),
                                ("--delimiter", read_options.delimiter),
                                ("--sheet", read_options.sheet)) if v is not None]
        if given:
            raise UsageError(f"{', '.join(given)} applies to the --details and "
                             "--terminal-aliases files of dcsa-jit; its JSON files are UTF-8")
    imp = dcsa_jit.build(files)
    alias_map = terminal_aliases(aliases, read_options) if aliases else {}
    for row in imp.visits:
        code = row.get("terminal")
        port = (row.get("port") or "").strip().upper()
        if code and (port, code) in alias_map:
            row["terminal"] = alias_map[(port, code)]
    extra_errors = list(imp.errors)
    if details is not None:
        # an option file, like the alias table: its problems reject the command outright
        # (--quarantine keeps bad source rows, and a details row is not one)
        problems = apply_details(imp.visits, imp.visit_paths, details, read_options)
        if problems and not quarantine and extra_errors:
            # the JSON's own problems too, so the user fixes both in one round
            _finish(sorted(problems + extra_errors), f"{Path(details).name}, {imp.label}",
                    quarantine=False, errors_out=None)
        if problems:
            raise InputRejected(Path(details).name, problems)
    first = imp.files[0]
    visits = text_table(VISITS, imp.visits, imp.visit_paths, label=imp.label, path=first,
                        file_format="dcsa-jit", sha256=imp.sha256)
    sessions = text_table(SHORE_POWER, imp.sessions, imp.session_paths, label=imp.label,
                          path=first, file_format="dcsa-jit", sha256=imp.sha256)
    for table, kind_of in ((visits, VISITS), (sessions, SHORE_POWER)):
        # a JSON string holding a control character (`\u0000`, a raw U+0085): refused as a
        # file's cell is, at its JSON path (the locator's)
        cells = control_chars.cell_problems(table.frame, ROW, imp.label,
                                            {c: c for c in kind_of.column_names})
        said = {(e.row, e.value) for e in cells}  # extra repeats e.g. typeCode: said once
        table.problems = cells + [e for e in control_chars.json_problems(
            table.frame, ROW, "extra", imp.label) if (e.row, e.value) not in said]
    visit_ids = {str(r["visit_id"]) for r in imp.visits}
    with store.transaction(con):
        v_report, v_errors = _load_one(con, first, VISITS, replace, quarantine, source=AdapterSource(
            visits, extra_errors, _locator(imp.visit_paths),
            _corrections(con, VISITS, imp.visits)))
        s_report, s_errors = _load_one(con, first, SHORE_POWER, replace, quarantine,
                                       source=AdapterSource(sessions, [], _locator(
                                           imp.session_paths, known_visits=visit_ids),
                                           _corrections(con, SHORE_POWER, imp.sessions)))
        if v_errors and not quarantine:  # all is rejected: the visits' own problems say why
            s_errors = [e for e in s_errors if not e.reason.startswith("its visit was not")]
        v_report.file, s_report.file = f"{imp.label} [visits]", f"{imp.label} [shore-power]"
        _finish(v_errors + s_errors, imp.label, quarantine, errors_out)
    report = AdapterReport("dcsa-jit", [v_report, s_report],
                           sorted(v_errors + s_errors) if quarantine else [])
    report.open_visits = imp.open_visits
    report.skipped = dict(sorted(imp.skipped.items()))
    return report


def _finish(errors: list[RowError], label: str, quarantine: bool, errors_out: Path | None) -> None:
    """As `load_files`: write the problems if asked; reject everything unless quarantining
    (a rejection's errors file is written by `load_adapter`, as every other rejection's)."""
    if errors_out is not None and not (errors and not quarantine):
        write_errors_csv(errors_out, errors)  # header only when nothing was wrong
    if errors and not quarantine:
        places = len({(e.file, e.row, e.path) for e in errors})
        word = "place" if any(e.path for e in errors) else "row"  # JSON paths, or file rows
        raise InputRejected(label, errors, headline=(
            f"{label}: rejected, {places} bad {word}{'s' if places != 1 else ''} "
            f"({len(errors)} problem{'s' if len(errors) != 1 else ''}); nothing was loaded"))


def load_adapter(con, kind: str, files: list[Path], *, replace: bool = False,
                 quarantine: bool = False, errors_out: Path | None = None,
                 details: Path | None = None, aliases: Path | None = None,
                 coverage: bool = True, mkdir: bool = False,
                 read_options: ReadOptions | None = None) -> AdapterReport:
    """`load dcsa-jit` / `load wharfinger`; options that do not apply are usage errors. As
    `load_files`, `errors_out` is written on every run: a file refused as a whole (its JSON
    shape, its size, a bad --details row) is a line of it too, so a script never reads an
    earlier run's file."""
    if errors_out is not None:
        from berthcheck import atomic

        atomic.check_distinct([("--errors", errors_out)],
                              [*files, *(p for p in (details, aliases) if p is not None)])
        store.check_not_loaded(con, [("--errors", errors_out)])
        atomic.check_parent(Path(errors_out), mkdir=mkdir, what="errors file")
    try:
        with store.transaction(con):  # joined by the adapter's own
            report = _load_source(con, kind, files, replace=replace, quarantine=quarantine,
                                  errors_out=errors_out, details=details, aliases=aliases,
                                  coverage=coverage, read_options=read_options)
            # every file read, known to the outputs' guard even if nothing changed (a JIT
            # load's batches name its first JSON file only)
            store.remember_loaded(con, [*files, details, aliases])
        return report
    except InputRejected as exc:
        if errors_out is not None:
            write_errors_csv(errors_out, exc.errors or [file_error(exc)])
        raise


def _load_source(con, kind: str, files: list[Path], *, replace: bool, quarantine: bool,
                 errors_out: Path | None, details: Path | None, aliases: Path | None,
                 coverage: bool, read_options: ReadOptions | None) -> AdapterReport:
    if kind == "dcsa-jit":
        if not coverage:
            raise UsageError("--no-coverage applies to wharfinger only")
        return load_dcsa_jit(con, files, replace=replace, quarantine=quarantine,
                             errors_out=errors_out, details=details, aliases=aliases,
                             read_options=read_options)
    if kind == "wharfinger":
        if details or aliases:
            raise UsageError("--details and --terminal-aliases apply to dcsa-jit only")
        from berthcheck.ingest.wharfinger import load_wharfinger

        return load_wharfinger(con, files, replace=replace, quarantine=quarantine,
                               errors_out=errors_out, coverage=coverage,
                               read_options=read_options)
    raise UsageError(f"unknown adapter kind {kind!r}; one of: {', '.join(ADAPTER_KINDS)}")

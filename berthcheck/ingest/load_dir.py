"""`berthcheck load-dir DIR`: every recognised file of a folder, in dependency order, as one
all-or-nothing load.

A file is recognised by its name: the kind's name or table (`shore-power`, `shore_power`,
`Shore Power`), optionally followed by more (`visits-2026-10.csv`), with a readable extension
(.csv, .txt, .parquet, .pq, .xlsx). Other files are listed as skipped, never dropped silently.
All loads run in one transaction: a bad row in any file leaves the database as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck import store
from berthcheck.errors import InputRejected, UsageError
from berthcheck.ingest.kinds import KINDS
from berthcheck.ingest.load import LoadReport, load_files
from berthcheck.ingest.read import FORMATS, SPREADSHEET_SUFFIXES, unreadable
from berthcheck.ingest.schema_doc import LOAD_ORDER


@dataclass
class FolderReport:
    folder: Path
    loads: list[LoadReport] = field(default_factory=list)
    files: dict[str, list[Path]] = field(default_factory=dict)  # kind -> files loaded
    skipped: list[Path] = field(default_factory=list)  # files not recognised as a kind
    empty_kinds: list[str] = field(default_factory=list)  # kinds with no current rows after
    warnings: list[str] = field(default_factory=list)  # what each empty kind means


def _words(text: str) -> str:
    """`Shore Power-2026` -> `shore_power_2026`: case and separators ignored."""
    return "_".join(re.split(r"[\s_\-.]+", text.strip().lower())).strip("_")


def kind_of(path: Path) -> str | None:
    """The kind a file's name says it holds, or None."""
    if path.suffix.lower() not in FORMATS:
        return None
    return _kind_named(path)


def _kind_named(path: Path) -> str | None:
    stem = _words(path.stem)
    # longest name first, so `visit_counts...` is never taken for `visits`
    names = sorted(
        ((_words(alias), kind.name) for kind in KINDS.values()
         for alias in {kind.name, kind.table}),
        key=lambda pair: -len(pair[0]),
    )
    for token, kind in names:
        if stem == token or stem.startswith(token + "_") or stem.replace("_", "") == token.replace("_", ""):
            return kind
    return None


def plan(folder: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """{kind: files} in load order, and the files skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    found: dict[str, list[Path]] = {}
    skipped = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        kind = kind_of(path)
        if kind is None and path.suffix.lower() in SPREADSHEET_SUFFIXES and _kind_named(path):
            # visits.xls (often a web page a terminal's system saved as .xls) was "skipped: its
            # name is not a kind", and the folder then failed on every session's visit
            raise InputRejected(path.name, [], headline=(
                f"{unreadable(path)}; it is named as the {_kind_named(path)} file, so the "
                "folder is not loaded without it; nothing was loaded"))
        if kind is None:
            skipped.append(path)
        else:
            found.setdefault(kind, []).append(path)
    ordered = {k: found[k] for k in LOAD_ORDER if k in found}
    if not ordered:
        raise UsageError(
            f"{folder}: no file named after a kind ({', '.join(LOAD_ORDER)}), e.g. visits.csv"
        )
    return ordered, skipped


_OPTION = re.compile(r"(?:give|with) (--(?:encoding|delimiter|sheet)) ('[^']*'|[^\s;]+)")


def _with_load_hint(exc: InputRejected, kind: str, paths: list[Path]) -> InputRejected:
    """`load` refuses some files pointing to an option (`--encoding cp1252`, `--sheet NAME`,
    `--delimiter ';'`): say it in load-dir's form for that one file (`--encoding
    visits.csv=cp1252`, folder_options), which the user can give as it is."""
    import shlex

    options = _OPTION.findall(exc.headline)
    if not options:
        return exc
    option, value = options[0]
    path = next((p for p in paths if exc.file.split("[")[0] == p.name), paths[0])
    value = value[1:-1] if value.startswith("'") and value.endswith("'") else value
    hint = (f"; for this file give load-dir {option} {shlex.quote(f'{path.name}={value}')} "
            f"(or load it alone: berthcheck load {kind} {path} {option} {shlex.quote(value)})")
    return InputRejected(exc.file, exc.errors, headline=exc.headline + hint)


def _with_skipped_hint(exc: InputRejected, files: dict[str, list[Path]],
                       skipped: list[Path]) -> InputRejected:
    """Sessions or events refused for visits not loaded, from a folder without a visits file:
    say which files load-dir skipped (listed only after a load that succeeds), and how a DCSA
    JIT or Wharfinger file, which load-dir does not read, is loaded. A JIT month's folder
    (`sample --format dcsa-jit`) was refused as 55 capture rows of "no such visit", jit.json
    unnamed."""
    if "visits" in files or not skipped or not any(
            e.reason.startswith("no such visit is loaded") for e in exc.errors):
        return exc
    names = ", ".join(p.name for p in skipped)
    how = []
    if any(p.suffix.lower() == ".json" for p in skipped):
        how.append("a DCSA JIT extract (.json) with `berthcheck load dcsa-jit FILE` "
                   "(`--details`, `--terminal-aliases`)")
    if any("wharfinger" in p.name.lower() for p in skipped):
        how.append("a Wharfinger file with `berthcheck load wharfinger FILE`")
    hint = (f"; the folder has no visits file and load-dir skipped {names} (not named after "
            "a kind)" + (f": load {' and '.join(how)} first, then load-dir the folder"
                         if how else ""))
    return InputRejected(exc.file, exc.errors, headline=exc.headline + hint)


def load_dir(
    con,
    folder: Path,
    *,
    replace: bool = False,
    quarantine: bool = False,
    errors_out: Path | None = None,
    on_kind: Callable[[str, list[Path]], None] | None = None,
    read_options: dict[str, list[str]] | None = None,
) -> FolderReport:
    """Load every recognised file of `folder` in dependency order, all or nothing. Raises
    InputRejected (nothing written) on any bad row anywhere unless `quarantine`.
    `read_options`: `--encoding`/`--sheet`/`--delimiter` -> the values given (folder_options)."""
    from berthcheck.engine.code_spellings import near_code_warnings
    from berthcheck.engine.readiness import empty_tables, folder_warnings
    from berthcheck.ingest.folder_options import folder_read_options

    if errors_out is not None:
        store.check_not_loaded(con, [("--errors", errors_out)])
    files, skipped = plan(folder)
    if errors_out is not None:
        from berthcheck import atomic

        # with --quarantine the loads are given no --errors (it is written once, here): the
        # folder's own files are checked here, as `load` checks its files
        atomic.check_distinct([("--errors", errors_out)],
                              [p for paths in files.values() for p in paths])
    options = folder_read_options(Path(folder), files, skipped, read_options or {})
    report = FolderReport(Path(folder), files=files, skipped=skipped)
    errors = []
    with store.transaction(con):
        for kind, paths in files.items():
            if on_kind is not None:
                on_kind(kind, paths)
            try:
                loaded = load_files(con, kind, paths, replace=replace, quarantine=quarantine,
                                    errors_out=None if quarantine else errors_out,
                                    read_options=options)
            except InputRejected as exc:
                exc = _with_skipped_hint(exc, files, skipped)
                raise _with_load_hint(exc, kind, paths) from None
            report.loads.append(loaded)
            errors += loaded.errors
        if quarantine and errors_out is not None:  # every run: header only when all was well
            from berthcheck.ingest.load import write_errors_csv

            write_errors_csv(errors_out, errors)
        tables = empty_tables(con)
        # and a berths/terminals row whose codes are the visits' but for case or spaces
        report.warnings = folder_warnings(con) + near_code_warnings(con)
    by_table = {k.table: k.name for k in KINDS.values()}
    report.empty_kinds = [by_table[t] for t in tables]
    return report

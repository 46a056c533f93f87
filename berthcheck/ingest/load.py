"""`berthcheck load`: files -> validated rows -> the store, all or nothing.

The flow for each file: read as text (read.py) -> type every cell (coerce.py) -> row checks
(schemas.py, pandera) -> cross-row checks in SQL against what is already stored -> compare
with stored versions (unchanged / new / changed) -> write. Every problem is collected first;
unless --quarantine is given, one bad row anywhere rejects the whole command and the database
is left exactly as it was.

This module runs that flow and writes the batch; its steps live in their own modules:
prepare.py (typing and per-row checks, row_problems.py), cross_rows.py, row_hashes.py,
replace.py, quarantine.py and errors_csv.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from berthcheck import __version__, store
from berthcheck.errors import InputRejected, RowError, UsageError
from berthcheck.fingerprints import digest_batch, piece_from_seals
from berthcheck.ingest import reference
from berthcheck.ingest.as_written import key_text, made_key_text, made_keys
from berthcheck.ingest.control_chars import without_repeats
from berthcheck.ingest.cross_rows import VISIT_COLUMNS, cross_row_checks
from berthcheck.ingest.errors_csv import file_error, write_errors_csv
from berthcheck.ingest.kinds import KINDS, Kind, storage_name
from berthcheck.ingest.prepare import Prepared, polars_engine, prepare
from berthcheck.ingest.quarantine import quarantine_rows, raw_records
from berthcheck.ingest.read import ROW, RawTable, ReadOptions
from berthcheck.ingest.replace import (
    Orphan,
    Reclip,
    quarantine_orphans,
    recheck_dependents,
    reclip_dependents,
    retire_versions,
)
from berthcheck.ingest.row_hashes import (
    classify,
    content_hashes,
    differing_stored_columns,
    hash_rows,
    table_state,
)
from berthcheck.ingest.row_problems import differ_text, unread_differing
from berthcheck.seals import seal_batch, seal_frame

SOURCE_PATH = "_source_path"  # lineage column of adapters' rows: where each value came from


@dataclass
class AdapterSource:
    """A table an adapter (DCSA JIT, Wharfinger) made from its own format, handed to the same
    checks and writes as a file `load` reads itself.

    `raw` is the table as text (as `read_table` returns it), `errors` what the adapter itself
    found, `locate` turns a problem on a table row into one naming the source's own place
    (JSON path, file column), and `corrections` lists keys whose changed content is a
    correction the source itself issued (loaded as if `--replace` were given)."""

    raw: RawTable
    errors: list[RowError] = field(default_factory=list)
    locate: Callable[[RowError], RowError] | None = None
    corrections: set[str] | None = None
    # drops the loader's own problems that only repeat one the adapter reported better
    keep: Callable[[RowError], bool] | None = None


@dataclass
class FileReport:
    file: str
    kind: str
    batch_id: int | None
    rows_in_file: int
    inserted: int = 0
    unchanged: int = 0
    replaced: int = 0
    quarantined: int = 0
    warnings: list[RowError] = field(default_factory=list)
    # built-in reference rows this file overrides, and what it changed in them
    notes: list[str] = field(default_factory=list)
    # the file's headers that are no column of the kind: kept in `extra`, never read
    unread_columns: list[str] = field(default_factory=list)
    # of those, the ones that look like a column the file lacks: header -> that column
    unread_meant: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadReport:
    kind: str
    files: list[FileReport]
    errors: list[RowError] = field(default_factory=list)  # quarantined problems
    # the store's lines after a `load` (codes spelt otherwise: engine.code_spellings.after_load);
    # `load-dir` says them once for the folder instead
    warnings: list[str] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return sum(f.inserted for f in self.files)



def _key_value(row: dict, kind: Kind) -> str:
    """A stored row's key as the messages join it (when its file's text is not at hand)."""
    return " / ".join(str(row[storage_name(k)]) for k in kind.key)


def _key_shown(row: dict, kind: Kind, written: dict[int, str], made: set[int]) -> str:
    """A row's key in a message's value: as its file wrote it; empty if the loader made it."""
    if row[ROW] in made:
        return ""
    return written.get(row[ROW]) or _key_value(row, kind)


def _made_text(row: dict, kind: Kind, made: set[int]) -> str:
    return made_key_text(kind, _key_value(row, kind)) if row[ROW] in made else ""


def _storage_frame(frame: pl.DataFrame, kind: Kind, label: str) -> pl.DataFrame:
    cols = [storage_name(c.name) for c in kind.columns]
    # an adapter's rows also name where in the source each value came from (a JSON path)
    lineage = [SOURCE_PATH] if SOURCE_PATH in frame.columns else []
    # a session's or event's visit's stay, for the cross-row checks (dropped after them)
    stay = [c for c in VISIT_COLUMNS if c in frame.columns]
    return frame.select([*cols, "extra", ROW, *lineage, *stay]).with_columns(
        pl.lit(label).alias("_source_file")
    )


def load_files(
    con,
    kind_name: str,
    paths: list[Path],
    *,
    replace: bool = False,
    quarantine: bool = False,
    errors_out: Path | None = None,
    read_options: ReadOptions | dict[Path, ReadOptions] | None = None,
    mkdir: bool = False,
) -> LoadReport:
    """Load files of one kind. Raises InputRejected (nothing written) on any bad row unless
    `quarantine`, in which case good rows load and bad ones are kept with their reasons.
    `read_options`: for every file, or per file (`load-dir`'s FILE=VALUE options)."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise UsageError(f"unknown kind {kind_name!r}; one of: {', '.join(KINDS)}")
    if not paths:
        raise UsageError("give at least one file")
    if errors_out is not None:
        from berthcheck import atomic

        atomic.check_distinct([("--errors", errors_out)], paths)
        store.check_not_loaded(con, [("--errors", errors_out)])
        atomic.check_parent(Path(errors_out), mkdir=mkdir, what="errors file")
    reports: list[FileReport] = []
    all_errors: list[RowError] = []
    refused: InputRejected | None = None  # the first file rejected as a whole (with --errors)
    with store.transaction(con):
        this_load = store.next_batch_id(con)  # the batches from here on are this command's
        batch_id = this_load  # the next file's batch, if it writes one
        for path in paths:
            try:
                report, errors = _load_one(
                    con, Path(path), kind, replace, quarantine,
                    read_options.get(Path(path)) if isinstance(read_options, dict)
                    else read_options, this_load=this_load, batch_id=batch_id)
            except InputRejected as exc:
                # a file refused as a whole (a missing column, its encoding, its shape) still
                # goes into the errors file, so a script never reads an earlier run's file
                if errors_out is None:
                    raise
                refused = refused or exc
                all_errors += exc.errors or [file_error(exc)]
                continue
            reports.append(report)
            all_errors += errors
            if report.batch_id is not None:
                batch_id = report.batch_id + 1
        if errors_out is not None:  # every run writes it: header only when nothing was wrong
            write_errors_csv(errors_out, all_errors, mkdir=mkdir)
        if refused is not None:
            raise refused
        if not all_errors or quarantine:  # known to the outputs' guard even if nothing changed
            store.remember_loaded(con, paths)
        if all_errors and not quarantine:
            files = sorted({e.file for e in all_errors})
            rows = len({(e.file, e.row) for e in all_errors})
            raise InputRejected(
                ", ".join(files),
                all_errors,
                headline=(
                    f"{', '.join(files)}: rejected, {rows} bad row{'s' if rows != 1 else ''} "
                    f"({len(all_errors)} problem{'s' if len(all_errors) != 1 else ''}); "
                    "nothing was loaded"
                ),
            )
    return LoadReport(kind.name, reports, sorted(all_errors) if quarantine else [])


def _load_one(con, path: Path, kind: Kind, replace: bool, quarantine: bool,
              read_options: ReadOptions | None = None, source: AdapterSource | None = None,
              *, this_load: int | None = None, batch_id: int | None = None):
    """Load one file (or an adapter's table, `source`) of one kind. `this_load`: the first
    load batch of the command, whose files must not give one key two contents. `batch_id`:
    the batch this file writes, if any, when the caller knows it (`load_files` counts them
    from `this_load`: the store's next batch id, asked once per command, not once per file
    again)."""
    prep = prepare(con, path, kind, read_options, source.raw if source else None)
    with polars_engine(prep.raw.frame.height):
        return _load_prepared(con, prep, kind, replace, quarantine, source, this_load,
                              batch_id)


def _load_prepared(con, prep: Prepared, kind: Kind, replace: bool, quarantine: bool,
                   source: AdapterSource | None, this_load: int | None = None,
                   batch_id: int | None = None):
    if source is not None:
        if source.keep is not None:
            prep.errors = [e for e in prep.errors if source.keep(e)]
        prep.errors += source.errors  # what the adapter found (row 0: not tied to one row)
    label = prep.label
    bad_rows = {e.row for e in prep.errors}
    # the storage columns first, then (only if there are bad rows) the filter: filtering the
    # whole typed frame would copy its text and error columns too
    staged = _storage_frame(prep.typed, kind, label)
    if bad_rows:
        staged = staged.filter(~pl.col(ROW).is_in(sorted(bad_rows)))
        if kind.name not in reference.BUILTIN_ROWS:
            # The good rows' typed values now live in `staged` (the filter copied them); of the
            # typed frame only the text as written is still needed (the quarantine's records).
            prep.typed = prep.typed.select(ROW, *("_raw_" + c.name for c in kind.columns))
    # A session or event whose visit is not loaded was refused by the file's typing (prepare),
    # so its row is not staged: searching the stored visits for the staged rows' visits again
    # found none, at the cost of a join over every stored visit (0.18 CPU s for the 1M
    # benchmark's shore-power file). Unless an adapter dropped some of those problems (`keep`).
    # (Only kinds whose port comes from their visit are typed that way: prepare.py.)
    visits_known = kind.port_from == "visit" and (source is None or source.keep is None)
    # (the session zone is UTC, the kind's table has a row): asked once for the steps up to
    # the writes, which change neither
    state = table_state(con, kind)
    cross_errors, warnings, staged = cross_row_checks(con, staged, kind, label, prep.typed,
                                                      visits_known=visits_known,
                                                      stored=state[1])
    errors = prep.errors + cross_errors
    bad_rows |= {e.row for e in cross_errors}
    # the file's own warnings (prepare.py) for the rows that are loaded
    warnings = [w for w in prep.warnings if w.row not in bad_rows] + warnings
    if cross_errors:
        staged = staged.filter(~pl.col(ROW).is_in(sorted(bad_rows)))

    classified = classify(con, hash_rows(con, staged, kind, state), kind, has_rows=state[1])
    del staged
    changed = classified.filter(pl.col("_status") == "changed")
    if source is not None and source.corrections is not None:
        # the adapter's own corrections (e.g. a later JIT ACT timestamp) replace like --replace
        corrected = pl.col(storage_name(kind.key[0])).is_in(sorted(source.corrections))
        changed = changed.filter(~corrected)
        classified = classified.with_columns(
            pl.when((pl.col("_status") == "changed") & corrected).then(pl.lit("corrected"))
            .otherwise(pl.col("_status")).alias("_status")
        )
    key_label = "+".join(kind.key)
    if this_load is not None:
        # a key another file of this same command gave with other content: the files carry no
        # order (load-dir takes them by name: visits-2.csv before visits.csv), so --replace
        # would let whichever came last win; neither is taken for the newer one
        twice = changed.filter(pl.col("_stored_batch") >= this_load)
        written = key_text(prep.typed, twice[ROW].to_list(), kind)
        made = made_keys(prep.typed, twice[ROW].to_list(), kind)
        # which columns differ, as the in-file duplicate says (row_problems.py)
        differ = differing_stored_columns(con, twice, kind) if twice.height else {}
        for r in twice.iter_rows(named=True):
            columns, stored_extra = differ.get(r[ROW], ([], None))
            unread = unread_differing(r["extra"], stored_extra)
            errors.append(RowError(
                label, r[ROW], key_label, _key_shown(r, kind, written, made),
                f"given with other content by {r['_stored_file']} row {r['_stored_row']} of "
                "this same load" + (differ_text(columns, unread) if columns or unread else "")
                + ": keep the right one of the two rows (--replace replaces a row "
                "an earlier load stored, never another file's of this load)"
                + _made_text(r, kind, made)))
        if twice.height:
            rows = twice[ROW]
            bad_rows |= set(rows.to_list())
            changed = changed.filter(~pl.col(ROW).is_in(rows.implode()))
            classified = classified.filter(~pl.col(ROW).is_in(rows.implode()))
    if not replace:
        written = key_text(prep.typed, changed[ROW].to_list(), kind)
        made = made_keys(prep.typed, changed[ROW].to_list(), kind)
        # which columns the new version changes: a line reloading a corrected file sees what
        # --replace would replace before deciding (the same words as a repeated key's)
        differ = differing_stored_columns(con, changed, kind) if changed.height else {}
        for r in changed.iter_rows(named=True):
            columns, stored_extra = differ.get(r[ROW], ([], None))
            unread = unread_differing(r["extra"], stored_extra)
            errors.append(RowError(
                label, r[ROW], key_label, _key_shown(r, kind, written, made),
                f"already loaded with different content (from {r['_stored_file']} row "
                f"{r['_stored_row']})" + (differ_text(columns, unread) if columns or unread
                                          else "")
                + "; use --replace to load the new version" + _made_text(r, kind, made),
            ))
        bad_rows |= set(changed[ROW].to_list())
        classified = classified.filter(pl.col("_status") != "changed")

    to_insert = classified.filter(pl.col("_status") != "unchanged")
    unchanged = classified.height - to_insert.height
    del classified
    replaced = to_insert.filter(pl.col("_status").is_in(["changed", "corrected"]))
    # a row refused (or quarantined) is not loaded: nothing of it was clipped or changed
    warnings = [w for w in warnings if w.row not in bad_rows]
    if source is not None and source.locate is not None:
        errors = [source.locate(e) for e in errors]
        warnings = [source.locate(w) for w in warnings]
    from berthcheck.ingest.unread_columns import meant_columns

    report = FileReport(label, kind.name, None, prep.raw.frame.height, unchanged=unchanged,
                        unread_columns=list(prep.raw.unread),
                        unread_meant=meant_columns(kind, prep.raw.unread, prep.raw.present))
    if kind.name in reference.BUILTIN_ROWS:  # only kinds with built-in rows can override one
        report.notes = reference.override_notes(
            prep.typed.filter(~pl.col(ROW).is_in(sorted(bad_rows))), kind
        )
    orphans: list[Orphan] = []
    reclips: list[Reclip] = []
    if kind.name == "visits" and not replaced.is_empty():
        # a replaced visit is checked together with the sessions and events stored for it,
        # as a fresh load of the corrected visit would check them (replace.py)
        orphans, reclips = recheck_dependents(con, replaced, label, prep.typed)
        if not quarantine:
            errors += [o.error for o in orphans]
    # a cell holding a control character is said to hold it, not also to be a bad number
    errors = without_repeats(errors)
    if errors and not quarantine:
        return report, errors
    # Every problem is known: keep the text of the bad rows only and let the file's text go
    # before the insert (the typed rows to insert do not share it).
    records = raw_records(prep, kind, errors) if bad_rows else {}
    prep.typed = prep.typed.clear()
    prep.raw.frame = prep.raw.frame.clear()

    quarantined_rows = sorted(bad_rows)
    # reloading the same file changes nothing (whether it was loaded before is asked only
    # when nothing else decides it: most loads insert rows)
    if to_insert.is_empty() and (not quarantined_rows or store.scalar(
            con, "SELECT count(*) FROM load_batches WHERE kind = ? AND content_sha256 = ?",
            [kind.name, prep.raw.sha256])):
        return report, errors

    if batch_id is None:
        batch_id = store.next_batch_id(con)
    report.batch_id = batch_id
    report.inserted = to_insert.height - replaced.height
    report.replaced = replaced.height
    report.quarantined = len(quarantined_rows) + len(orphans)
    # (kind, warning): a reclipped session's warning is its own kind's, against its own file
    # row, as its fresh load would have stored it (replace.py reads it back from there)
    kind_warnings = [(kind.name, w) for w in warnings]
    kind_warnings += [(r.kind, w) for r in reclips for w in r.warnings]
    warnings = [w for _, w in kind_warnings]
    report.warnings = warnings
    if not replaced.is_empty():
        retire_versions(con, kind, replaced, batch_id)
    if reclips:
        reclip_dependents(con, reclips, batch_id)
    if orphans:
        quarantine_orphans(con, orphans, batch_id)
        # said with the file's quarantined problems (and in --errors), once their own rows
        # are kept: the retired sessions and events are never news the table alone holds
        orphan_errors = [o.kept for o in orphans]
    else:
        orphan_errors = []
    inserted_piece = None
    if not to_insert.is_empty():
        if "_content_hash" not in to_insert.columns and to_insert[ROW].is_unique().all():
            # into a table that has rows: the content hash of the rows inserted only
            to_insert = content_hashes(con, to_insert, kind)
        store.insert_versions(con, kind.name, to_insert, batch_id=batch_id)
        # each row's content hash, sealed as it is stored: checks read it (berthcheck/seals.py);
        # hashed from the rows just inserted, not read back from the table
        seals = seal_frame(con, kind.name, to_insert, batch_id)
        if seals is None:  # a source row given twice (adapters): one seal per source row
            seal_batch(con, kind.name, batch_id)
        else:
            inserted_piece = piece_from_seals(kind.table, batch_id, seals)
        del seals
    del to_insert
    if quarantined_rows:
        quarantine_rows(con, records, kind, errors, batch_id)
    errors = errors + orphan_errors
    # the batch's digests of what it inserted and retired: a check's input fingerprint
    # combines them instead of re-hashing every stored row (berthcheck/fingerprints.py)
    # (only a replaced visit's sessions and events are written beside the kind's own table)
    digest_batch(con, batch_id, inserted_piece,
                 tables=None if reclips or orphans else [kind.table])
    if warnings:
        con.executemany(
            "INSERT INTO load_warnings VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[batch_id, k, w.file, w.row, w.column, w.value, w.reason]
             for k, w in kind_warnings],
        )
    store.run(
        con,
        "INSERT INTO load_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [batch_id, kind.name, label, str(prep.raw.path.resolve()), prep.raw.file_format,
         prep.raw.sha256, report.rows_in_file, report.inserted, report.unchanged,
         report.replaced, report.quarantined, len(warnings), replace, quarantine, __version__],
    )
    return report, errors



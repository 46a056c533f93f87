"""`audit verify`'s account of the inputs: the tables whose digests differ from the run's,
each row added, removed or changed (through the input seals), and the load batches read."""

from __future__ import annotations

from typing import Any

from berthcheck import store
from berthcheck.audit.values import expand_ranges, two_digests
from berthcheck.audit.verify_report import Mismatch
from berthcheck.engine.manifest_v1 import ROWS_TABLE, _empty_sha
from berthcheck.ingest.kinds import KINDS


def compare_inputs(con, report, reference, inputs_now, batches_now, batch) -> None:
    then_inputs = reference.get("inputs") or {}
    # version 2 has one digest per table (content included); version 1 two
    fields = ("rows", "sha256") if int(reference.get("manifest_version") or 1) >= 2 else (
        "rows", "sha256", "content_sha256")
    empty: dict[str, Any] = {"rows": 0, "sha256": _empty_sha(), "content_sha256": _empty_sha()}
    differing = []
    for table in sorted(set(then_inputs) | set(inputs_now)):
        a = then_inputs.get(table) or empty
        b = inputs_now.get(table) or empty
        if tuple(a.get(f) for f in fields) != tuple(b.get(f) for f in fields):
            differing.append(table)
    def digests(entry: dict, other: dict) -> str:
        # version 1's second digest, the rows' content, is shown where the manifest has it
        text = f"sha256 {two_digests(entry.get('sha256'), other.get('sha256'))[0]}"
        if "content_sha256" in fields:
            content = two_digests(entry.get("content_sha256"), other.get("content_sha256"))[0]
            text += f", content {content}"
        return text

    for table in differing:
        a, b = then_inputs.get(table) or {}, inputs_now.get(table) or {}
        details = _row_account(con, table, reference, batch)
        if not details:
            details = ["no single row can be named (every row's seal matches it, or the table has "
                       "no row seals; an edited input digest is named under batch_digests)"]
        report.mismatches.append(Mismatch(
            "inputs", table,
            f"input table {table} as of batch {batch}: {a.get('rows', 0)} rows "
            f"({digests(a, b)}) {report.then('inputs')}; now {b.get('rows', 0)} rows "
            f"({digests(b, a)})",
            details,
        ))
    if not differing:
        report.matched.append(f"inputs as of load batch {batch}: {len(then_inputs)} tables, "
                              f"{sum(v['rows'] for v in then_inputs.values())} rows match")
    then_batches = {(b["batch_id"], b["table"]): b for b in reference.get("load_batches") or []}
    now_batches = {(b["batch_id"], b["table"]): b for b in batches_now}
    log = []
    for key in sorted(set(then_batches) | set(now_batches)):
        a, b = then_batches.get(key), now_batches.get(key)
        if a == b:
            continue
        if a is None:
            log.append(f"batch {key[0]} ({key[1]}): read now, not by the run")
        elif b is None:
            log.append(f"batch {key[0]} ({key[1]}, {a['source_file']}): read by the run, "
                       "not now")
        else:
            diffs = [f"{k} {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b))
                     if a.get(k) != b.get(k)]
            log.append(f"batch {key[0]} ({key[1]}, {a['source_file']}): " + "; ".join(diffs))
    if log:
        report.mismatches.append(Mismatch(
            "load_batches", "load_batches", "the load batches read differ from the run's", log))


def _row_account(con, table: str, reference: dict, batch: int) -> list[str]:
    """Which rows of `table` differ between what the run read and the state as of `batch` now
    (needs the temp rows table of the as-of state)."""
    if table.endswith(store.BUILTIN_SUFFIX):
        return [f"{table} is built-in reference data (shipped with berthcheck, not loaded, "
                "not versioned): it changed after the run, e.g. with a berthcheck upgrade"]
    recorded = {
        (b["batch_id"], r)
        for b in reference.get("load_batches") or [] if b["table"] == table
        # version 2 lists the rows a batch inserted and, apart, those later batches retired
        for r in set(expand_ranges(b["source_rows"])) - {
            gone for q in b.get("replaced") or [] for gone in expand_ranges(q["source_rows"])}
    }
    now = {
        (bid, srow): (key, src, rh, ch)
        for key, bid, src, srow, rh, ch in store.run(
            con,
            f"SELECT row_key, batch_id, source_file, source_row, row_hash, content_hash "  # noqa: S608
            f"FROM {ROWS_TABLE} WHERE table_name = ? ORDER BY batch_id, source_row",
            [table],
        )
    }
    seals = {
        (bid, srow): (key, src, rh, ch)
        for bid, srow, src, key, rh, ch in store.run(
            con,
            "SELECT batch_id, source_row, source_file, row_key, row_hash, content_hash "
            "FROM input_seals WHERE table_name = ?",
            [table],
        )
    }
    kind = next(k for k in KINDS.values() if k.table == table)
    details = []
    for ident in sorted(recorded - set(now)):
        bid, srow = ident
        seal = seals.get(ident)
        where = f"{seal[1]} row {srow}" if seal else f"row {srow}"
        label = f"{kind.table} {seal[0]!r}" if seal else kind.table
        current = store.run(
            con,
            f"SELECT _replaced_by FROM {kind.table}_versions "  # noqa: S608
            "WHERE _batch_id = ? AND _source_row = ?",
            [bid, srow],
        )
        if not current:
            why = "no longer in the store (deleted, or its batch or row number was changed)"
        else:
            why = (f"now marked as replaced by batch {current[0][0]}, at or before batch {batch}"
                   if current[0][0] is not None and current[0][0] <= batch
                   else "its lineage was changed")
        details.append(f"removed: {label} ({where}, batch {bid}) was read by the run; {why}")
    for ident in sorted(set(now) - recorded):
        key, src, _rh, _ch = now[ident]
        details.append(f"added: {kind.table} {key!r} ({src} row {ident[1]}, batch {ident[0]}) "
                       "is in the state now but was not read by the run")
    for ident in sorted(recorded & set(now)):
        seal = seals.get(ident)
        if seal is None:
            continue
        key, src, rh, ch = now[ident]
        problems = []
        if ch != seal[3]:
            problems.append("its stored values were edited after the run read them")
        if rh != seal[2]:
            problems.append("its _row_hash was changed")
        if key != seal[0]:
            problems.append(f"its key was {seal[0]!r}")
        if problems:
            details.append(f"changed: {kind.table} {key!r} ({src} row {ident[1]}, batch "
                           f"{ident[0]}): " + "; ".join(problems))
    return details

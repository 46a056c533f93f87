"""The warnings about a run: one list, made here for `check`, `report`, `report --run`, the
exports and `runs export`, so the same run gives the same lines wherever it is read.

In this order (each is its module's; this one only gathers them):

* each empty input table the pack reads, and what that means for the verdicts
  (engine.readiness, the lines `load-dir` prints);
* each `berths`/`terminals` row, and `allowances`/`visit_counts` row of a terminal, of a table
  the pack reads whose terminal or berth code is the visits' but for case or spaces, and each
  capture session whose `system_id` is a `caecs` row's but for case or spaces
  (engine.code_spellings; `load-dir` and `load` print them too);
* a `--port`/`--terminal`/`--fleet` value the loaded visits also spell otherwise
  (engine.scope.other_spellings);
* no visit in scope;
* every visit `not_applicable` while the ports in scope are under another built-in pack
  (engine.pack_choice.other_pack_hint);
* a CARB fleet whose VIE allowance is pooled over vessel types (engine.fleet_pooling, an open
  reading: docs/regulations-carb.md § 8.1).
* the non-compliant visits of a pack that bills by power demand (FuelEU) whose `aux_power_kw`
  is 0, billed EUR 0 (engine.zero_power).

They read the store's input tables beside the run's results. A stored run read back by id is
warned about over the store as that run read it: the current store while its inputs are still
the run's (every input table's digest equal), else the store as it stood at the run's newest
load batch (`audit.as_of`, as `audit verify` rebuilds it; a copy of the input tables in memory,
paid only when the inputs changed since the run).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

from berthcheck.errors import BerthcheckError


def run_warnings(con, pack, scope, results) -> list[str]:
    """The warning lines (without `warning: `) for `results` of `pack` over `scope`, read
    with the store as the connection sees it."""
    return _lines(con, pack, pack.id, scope, results)


def stored_run_warnings(con, run_id: str, results) -> list[str]:
    """`run_warnings` of a stored run (its `results` as read back, verified), over the store
    as the run read it. A run whose pack is no longer installed as it was is still warned
    about, less the lines that need its pack's rules, and a line says so."""
    from berthcheck.run_record import recorded_pack, recorded_scope, run_facts

    pack_id, version, pack_hash, scope_text, inputs_text = run_facts(con, run_id)
    try:
        scope = recorded_scope(scope_text)
    except (ValueError, TypeError, AttributeError):  # edited outside berthcheck
        return [f"the warnings of run {run_id} are not given: its stored scope is damaged "
                f"(see `berthcheck audit verify {run_id}`)"]
    try:
        pack = recorded_pack(con, run_id, pack_id, version, pack_hash)
        gone = None
    except BerthcheckError as exc:
        pack, gone = None, (f"the warnings of run {run_id} that need its pack (the empty "
                            "tables it reads, codes spelt otherwise, pooled fleets) are not "
                            f"given: {exc}")
    try:
        recorded = json.loads(inputs_text)
    except ValueError:  # a damaged record: the store as of the run's batch, not as it is now
        recorded = None
    with _as_the_run_read_it(con, run_id, recorded):
        lines = _lines(con, pack, pack_id, scope, results)
    return lines if gone is None else [*lines, gone]


@contextlib.contextmanager
def as_the_run_read_it(con, run_id: str, recorded) -> Iterator[None]:
    """The connection sees the input tables as the run read them (`_as_the_run_read_it`),
    and the store's own tables (runs, run_results, quarantine, load_warnings, ...), which the
    as-of copy does not hold, as they are: for `report --run`, whose chapters read both."""
    from berthcheck import store
    from berthcheck.audit.as_of import ASOF_CATALOG

    main = store.scalar(con, "SELECT current_database()")
    with _as_the_run_read_it(con, run_id, recorded):
        if store.scalar(con, "SELECT current_database()") == ASOF_CATALOG:
            # a name the copy lacks falls through to the store; every input view is in the copy
            path = f"{ASOF_CATALOG}.main,{store.quote_ident(main)}.main".replace("'", "''")
            store.run(con, f"SET search_path = '{path}'")
        yield


def _lines(con, pack, pack_id: str, scope, results) -> list[str]:
    """`pack` None: the lines that need only its id (the run's pack no longer installed)."""
    from berthcheck.engine.code_spellings import near_code_warnings
    from berthcheck.engine.fleet_pooling import pooled_fleet_warnings
    from berthcheck.engine.pack_choice import other_pack_hint
    from berthcheck.engine.readiness import pack_warnings, tables_read
    from berthcheck.engine.scope import other_spellings
    from berthcheck.engine.zero_power import zero_power_warnings

    lines = [] if pack is None else (pack_warnings(con, pack)
                                     + near_code_warnings(con, tables_read(pack)))
    lines += other_spellings(con, scope)
    if not results.height:  # a mistyped period is not a quiet empty result
        lines.append(f"no visit in scope ({scope.describe()})")
    if (other := other_pack_hint(con, scope, pack_id, results)) is not None:
        lines.append(other)
    if pack is not None:
        lines += pooled_fleet_warnings(con, pack, results)
    return lines + zero_power_warnings(con, results)


@contextlib.contextmanager
def _as_the_run_read_it(con, run_id: str, recorded) -> Iterator[None]:
    """The connection sees the store as the run read it: as it is while every input table's
    digest is the run's (`recorded`: the run's inputs record, parsed), else as it stood at the
    run's newest load batch."""
    from berthcheck import store
    from berthcheck.engine.runs import input_fingerprint

    def digest(table: str):  # a record edited into another shape is not the store as it is
        entry = recorded.get(table) if isinstance(recorded, dict) else None
        return entry.get("sha256") if isinstance(entry, dict) else None

    if all(digest(table) == now["sha256"] for table, now in input_fingerprint(con).items()):
        yield
        return
    from berthcheck.audit.as_of import as_of

    batch = store.scalar(con, "SELECT max_batch_id FROM runs WHERE run_id = ?", [run_id])
    with as_of(con, int(batch or 0)):
        yield

"""Run a pack over the store: stages -> rules (findings) -> assemble (results) -> emissions
-> validate.

One SQL pipeline in the pack's sandbox: every rule's findings in one UNION ALL with their ids
computed in SQL, the scope as a join, emissions as an SQL stage. Python holds control flow
(binding parameters, naming failing files) and canonicalises the evidence texts SQL does not
recognise as canonical already (usually none); results and findings leave DuckDB once, at the
end, where the emission kilograms are rounded as they are read and the per-visit findings
list is made from the two sorted frames. The engine's macros (engine/pack_macros.py)
are defined in the sandbox before the pack's stages.

This module holds the pipeline's order (`evaluate`) and the entry point that validates and
records a run (`check`); its parts: the pack's sandbox (engine/pack_sandbox.py), its
parameters and tables (engine/pack_binding.py), the rules' findings and their ids
(engine/findings.py), the results query and the emission inputs (engine/results_query.py).
"""


from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from berthcheck import store
from berthcheck.engine.digest_v3 import ColumnDigests
from berthcheck.engine.findings import FINDING_ID_LENGTH as FINDING_ID_LENGTH  # re-exported
from berthcheck.engine.findings import finding_id as finding_id  # re-exported
from berthcheck.engine.findings import run_rules
from berthcheck.engine.output_columns import RESULT_ORDER
from berthcheck.engine.pack import Pack, load_pack, split_statements
from berthcheck.engine.pack_binding import bind as bind  # re-exported
from berthcheck.engine.pack_binding import register_tables
from berthcheck.engine.pack_columns import validate_pack_outputs  # issue 20: the pack contract
from berthcheck.engine.pack_notes import check_notes
from berthcheck.engine.pack_sandbox import open_pack_sandbox
from berthcheck.engine.record import digests_beside
from berthcheck.engine.record import record as record_run
from berthcheck.engine.results_frame import hand_back_duckdb_freed, read_batches, spill_folder
from berthcheck.engine.results_query import (
    checked_assembled,
    emission_inputs,
    fetched_findings,
    planned_once,
    results_statement,
    unordered,
    with_engine_columns,
)
from berthcheck.engine.scope import Scope, parse_scope, scope_query
from berthcheck.engine.timing import stage

if TYPE_CHECKING:
    import polars as pl

# from this many visits in scope the sandbox drops what nothing still reads before the rules
# and the results query (memory at a million visits); below it the two passes (about 25 ms
# each) cost more than the memory they free
RELEASE_ROWS = 50_000
# from this many visits in scope the results wait in the store's spill folder while the
# sandbox holds its tables (engine/results_frame.py): at a million visits 0.3-0.45 GB off the
# check's peak for 0.6-1.2 CPU s of writing and reading back 0.73 GB; below it the results
# are small beside the rest of the check, and the time matters more
SPILL_ROWS = 500_000


@dataclass
class CheckResult:
    pack: Pack
    scope: Scope
    results: pl.DataFrame  # one row per visit in scope
    findings: pl.DataFrame
    run_id: str | None = None
    elapsed_seconds: float = 0.0
    inputs: dict = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)  # berthcheck.audit: what the run read and made
    # the pack's note rules ran as findings (`check --notes`; always False for a pack without)
    notes: bool = False
    # the results' column digests computed as the frame was made (`evaluate`), or None
    column_digests: object = None

    def verdict_counts(self) -> dict[str, int]:
        from berthcheck.engine.output_columns import VERDICTS

        counts = dict.fromkeys(VERDICTS, 0)
        for verdict, n in self.results.group_by("verdict").len().iter_rows():
            counts[verdict] = n
        return counts

    @property
    def non_compliant(self) -> int:
        return self.verdict_counts()["non_compliant"]



def evaluate(con, pack: Pack, scope: Scope, notes: bool = False, digests=None):
    """Run the pack on the visits it judges, keep the visits in scope; one SQL pipeline.

    Allowance accounting, low-activity status and commissioning history need visits outside
    the period (the whole year, previous years): the pack reads the history it declares
    (`[pack] history`) across every stored visit, and is told the scope (`scope_visits`) so it
    judges one by one only the visits it needs. Stages, rules, findings, scope filter and
    emissions run in DuckDB; results and findings leave it once, at the end, as polars
    frames, and the per-visit findings list is made from them. `notes`: also run the pack's note rules as findings.
    `digests` (a `digest_v3.ColumnDigests`): the results' columns are hashed into it as the
    frame is made (a big check's, on the core its sort leaves free).
    """
    import duckdb

    from berthcheck.emission_stage import ROUNDED_COLUMNS, register_factors
    from berthcheck.emissions import load_factors
    from berthcheck.engine.pack_macros import define_macros
    from berthcheck.engine.sandbox import (
        MacroDefinitions,
        pack_failure,
        release_inputs,
        release_unread,
    )

    values = pack.parameter_values()
    # the visit ids in scope, found once; readable as `_bc_scope` on both connections
    scope_sql, params = scope_query(scope)
    # a bounded scope (a month, a port) is read with one bind (its query is dear to plan);
    # an unbounded one, every stored visit, without a copy (`store.fetch_arrow`)
    in_scope = store.fetch_arrow(con, scope_sql, params, small=params is not None)
    small = in_scope.num_rows < store.SMALL_TABLE_ROWS  # its small reads bound once
    # the visits a pack judges are at most the scope's years, some twelve times a month's
    # scope: read with one bind (and copied) only when even that many are few (at 120 000
    # rows the copy cost about 10 ms more than the bind saved)
    judged_small = in_scope.num_rows * 12 < store.SMALL_TABLE_ROWS
    if scope == Scope(None, None, None):  # no years asked: not held through a big check
        in_scope = in_scope.select(["visit_id"])
    con.register("_bc_scope", in_scope)
    try:
        # the pack's SQL runs on a locked copy of what it may read (engine/sandbox.py)
        kept: dict = {}  # the judged visits' sessions, for the emission inputs
        with stage("sandbox (the tables the pack reads, cut to the visits it judges)"):
            sandbox, handed, keyed = open_pack_sandbox(con, pack, scope,
                                                       {"shore_power": ("energy_kwh",)}, kept,
                                                       small=judged_small)
        try:
            with stage("scope and emission inputs"):
                attributes, attribute_columns = emission_inputs(con, scope, kept, small=small)
        except BaseException:
            sandbox.close()
            raise
    finally:
        con.unregister("_bc_scope")
    release = in_scope.num_rows >= RELEASE_ROWS
    if release:  # the store's pages the sandbox's copy read are not read again in the check
        store.release_cached_pages(con)
    try:
        with stage("scope and emission inputs"):
            register_tables(sandbox, pack)
            sandbox.register("_bc_scope", in_scope)
            store.run(sandbox, "CREATE OR REPLACE TEMP TABLE scope_visits AS "
                               "SELECT visit_id FROM _bc_scope")
            sandbox.register("_bc_em_attrs", attributes)
            factors = load_factors()
            register_factors(sandbox, factors)
            define_macros(sandbox)  # the engine's macros (bc_interval_union), before any stage
        rules = pack.rules_run(notes)  # the note rules (`[pack] notes`) only when asked
        later = [*(r.sql for r in rules), pack.assemble]
        texts = [text for _, text in pack.stages]
        macros = MacroDefinitions()  # read once for every release below, unless a stage adds one
        for at, (rel, text) in enumerate(pack.stages):
            with stage(f"pack stage {rel}"):
                for statement in split_statements(text):
                    try:
                        keyed.before(statement)  # a keyed history view it reads: now
                        store.run(sandbox, statement, bind(statement, values))
                    except duckdb.Error as exc:
                        raise pack_failure(pack, rel, exc, statement) from None
                    macros.saw(statement)
            # an input no later stage, rule, assemble query, view or macro reads leaves now:
            # at a million visits the visits, events and capture handed over (0.4 GB) no
            # longer sit under the last stage's peak
            if release and at + 1 < len(texts):
                dropped = release_inputs(sandbox, [*texts[at + 1:], *later], handed,
                                         macros=macros)
                handed = [name for name in handed if name not in dropped]
        # what no rule, assemble query, view or macro still reads leaves before they run
        try:  # a keyed history view only a rule or the assemble query reads
            keyed.before("\n".join(later))
        except duckdb.Error as exc:
            raise pack_failure(pack, "pack.toml", exc) from None
        if release:
            release_unread(sandbox, later, among=handed, macros=macros)
        # every visit is in an unbounded scope: no filter to apply. A NULL visit_id passes,
        # to be refused as in a whole check (a rule's or assemble row without its visit):
        # cut away here, a month's check lost such findings without a word
        scope_filter = ("" if scope == Scope(None, None, None)
                        else " WHERE visit_id IS NULL OR visit_id IN (SELECT visit_id FROM "
                             "_bc_scope)")
        with stage("rules -> findings (one UNION ALL, ids in SQL)"):
            run_rules(sandbox, pack, rules, values, scope_filter)
        results_stage = "assemble, findings list, emissions -> results (fetched)"
        with stage(results_stage):
            # one query from the assembled rows to the result columns, read once
            assembled = ("(SELECT * FROM (\n" + unordered(pack.assemble)  # noqa: S608
                         + "\n)" + scope_filter + ")")
            try:
                if not release:  # a small scope: each statement planned once (`planned_once`)
                    assembled = planned_once(sandbox, "_bc_assembled", assembled, values)
                results_sql, results_params = results_statement(
                    sandbox, pack, factors, assembled, values, attribute_columns)
                # the stages' tables the results query does not read go first (half of the
                # pack's tables at a million visits); `_bc_findings` is read after it
                if release:
                    release_unread(sandbox, [results_sql, "_bc_findings"], macros=macros)
                else:
                    results_sql = "SELECT * FROM " + planned_once(  # noqa: S608 - engine name
                        sandbox, "_bc_results", results_sql, results_params)
                    results_params = {}
                # a big check's results wait on disk while the sandbox holds its tables
                # (engine/results_frame.py): they and the copies were the check's peak
                spill = in_scope.num_rows >= SPILL_ROWS
                # the emission kilograms come unrounded, rounded as they are read
                batches = read_batches(sandbox, results_sql, results_params,
                                       spill_folder(con) if spill else None,
                                       rounded=ROUNDED_COLUMNS)
            except duckdb.Error as exc:
                raise pack_failure(pack, pack.assemble_file, exc) from None
        try:
            with stage("fetch findings"):
                findings = fetched_findings(sandbox, small=small)
        except BaseException:
            batches.discard()
            raise
    finally:
        # closed before the batches are joined and sorted (each makes a copy of the results):
        # what the pack's tables held (half a gigabyte at a million visits) is free first,
        # and handed back to the system before the results are read back
        sandbox.close()
        if release:
            hand_back_duckdb_freed()
    with stage(results_stage):
        # sorted by polars (keys sorted, columns gathered, in parallel), not by an ORDER
        # BY: DuckDB's sort carries all ~70 columns (a sixth less CPU at 1M visits); a few
        # columns at a time, each column's chunks let go as it is joined
        results = checked_assembled(pack, batches.sorted(
            RESULT_ORDER, on_column=digests.add if digests is not None else None))
    orphans = _findings_without_results(findings, results)
    if orphans.height:
        # the rule that made them is at fault, not assemble.sql (which lists every visit)
        rule_id = str(orphans["rule_id"].min())  # a text column, never NULL
        raise pack_failure(pack, f"{rule_id}.sql", ValueError(
            f"rule {rule_id} gives findings for visits not in the results: "
            + ", ".join(orphans.filter(orphans["rule_id"] == rule_id)["visit_id"]
                        .unique().sort().head(5).to_list())))
    if results.height < in_scope.num_rows:
        # a visit in scope without a result row would leave the check unseen
        missing = _visits_without_results(in_scope, results)
        if missing:
            raise pack_failure(pack, pack.assemble_file, ValueError(
                f"it returns no row for {len(missing)} visit"
                f"{'' if len(missing) == 1 else 's'} in scope: {', '.join(missing[:5])}"
                f"{', ...' if len(missing) > 5 else ''} (one row per visit, docs/packs.md "
                "section 6)"))
    with stage(results_stage):  # the pack label and per-visit findings list
        results = with_engine_columns(results, findings, pack.label)
        if digests is not None:
            for name in ("pack", "findings"):
                digests.add(name, results.get_column(name))
    if notes:
        check_notes(pack, results, findings)
    return results, findings


def _findings_without_results(findings: pl.DataFrame, results: pl.DataFrame) -> pl.DataFrame:
    """The findings whose visit has no result row. Both frames come sorted by `visit_id`, so
    each visit with findings is looked up by binary search in the results' ids (1M visits:
    0.03 CPU s, where a hash anti join of every id took 0.13); only when one is not found
    (or an id is NULL) is the anti join made, for the message."""
    ids = results.get_column("visit_id")
    wanted = findings.get_column("visit_id").unique(maintain_order=True)
    if wanted.len() == 0:
        return findings.clear()
    if ids.len():
        at = ids.search_sorted(wanted, side="left")
        found = (at < ids.len()) & (ids.gather(at.clip(0, ids.len() - 1)) == wanted)
        if found.null_count() == 0 and found.all():
            return findings.clear()
    return findings.join(results.select("visit_id"), on="visit_id", how="anti")


def _visits_without_results(in_scope, results: pl.DataFrame) -> list[str]:
    """The visit ids in scope that have no result row, sorted."""
    import polars as pl

    scope_ids = pl.from_arrow(in_scope.select(["visit_id"]))
    assert isinstance(scope_ids, pl.DataFrame)
    return (scope_ids.join(results.select("visit_id"), on="visit_id", how="anti")
            ["visit_id"].unique().sort().to_list())


def check(
    con,
    pack: str | Pack = "carb-at-berth-2020",
    *,
    period: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    port: str | None = None,
    terminal: str | None = None,
    fleet: str | None = None,
    scope: Scope | None = None,
    notes: bool = False,
    store_run: bool = True,
    validate: bool = True,
    record: bool = True,
) -> CheckResult:
    """Check the stored visits against a pack; store the run unless store_run=False.
    record=False (with store_run=False): no run id, fingerprint or manifest, for callers that
    only read the results (a pack's fixture cases). notes=True also runs the pack's note rules
    (`[pack] notes`) as findings; it is part of the run id and manifest."""
    if store_run and not record:
        raise ValueError("a stored run is always recorded")
    # pandera imported before the clock starts (`_validate`), not in a check's time
    from berthcheck.engine import schemas  # noqa: F401

    started = time.perf_counter()
    pack_obj = pack if isinstance(pack, Pack) else load_pack(pack)
    scope = scope or parse_scope(period, date_from, date_to, port, terminal, fleet)
    notes = bool(notes and pack_obj.notes)  # a pack without notes: the same run either way
    # a recorded run's results are hashed column by column while the frame is made
    digests = ColumnDigests() if record else None
    try:
        results, findings = evaluate(con, pack_obj, scope, notes, digests)
        outcome = CheckResult(pack=pack_obj, scope=scope, results=results, findings=findings,
                              notes=notes, column_digests=digests)
        # a big stored run's digests are completed now, beside pandera, the input
        # fingerprint and the inserts: they read only the final frames
        # (`record.digests_beside`)
        with digests_beside(con, outcome, store_run) as hashes:
            beside = validate and hashes is not None  # a big run to store: validated beside it
            if validate and not beside:
                with stage("pandera validation of the outputs"):
                    _validate(outcome)
            if beside:
                _store_while_validating(con, outcome, started, hashes)
            elif store_run:
                # one transaction: the input rows hashed for the manifest are the rows sealed
                with store.transaction(con):
                    record_run(con, outcome, started, store_run=True, hashes=hashes)
            elif record:
                record_run(con, outcome, started, store_run=False)
            else:
                outcome.elapsed_seconds = time.perf_counter() - started
    finally:
        if digests is not None:
            digests.close()
    outcome.column_digests = None
    return outcome


def _validate(outcome: CheckResult) -> None:
    """The outputs held to pandera's schemas and the pack's contract (issue 20)."""
    from berthcheck.engine.schemas import validate_outputs

    validate_pack_outputs(outcome.pack, outcome.results, outcome.findings, validate_outputs)


def _store_while_validating(con, outcome: CheckResult, started: float, hashes) -> None:
    """A big run stored while its outputs are validated (pandera's invariants, one polars
    query) in a thread of their own: DuckDB writes a 200 000-visit run's tables on one core
    for about half of the time, and the validation (0.1 s there, 0.3 s at a million visits)
    came before it on the same core. The transaction commits only once the outputs passed;
    when they fail, their error is the one raised, whatever the writing did meanwhile, and
    nothing is stored: the same outcome as validating first (tests/test_check_tail.py)."""
    from concurrent.futures import ThreadPoolExecutor

    def validated() -> None:
        with stage("pandera validation of the outputs (beside the stored run)"):
            _validate(outcome)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bc-validate") as pool:
        checking = pool.submit(validated)
        try:
            # one transaction: the input rows hashed for the manifest are the rows sealed
            with store.transaction(con):
                record_run(con, outcome, started, store_run=True, hashes=hashes)
                checking.result()  # before the commit: outputs that fail are never stored
        except BaseException:
            failed = checking.exception()  # waits for the validation
            if failed is not None:
                raise failed from None
            raise

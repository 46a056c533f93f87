"""Run a pack over the store: stages -> rules (findings) -> assemble (results) -> emissions
-> validate.

One SQL pipeline in the pack's sandbox: every rule's findings in one UNION ALL with their ids
computed in SQL, the per-visit findings list as an aggregate, the scope as a join, emissions
as an SQL stage. Python holds control flow (binding parameters, naming failing files) and
canonicalises the evidence texts SQL does not recognise as canonical already (usually none);
results and findings leave DuckDB once, at the end. The engine's macros (engine/pack_macros.py)
are defined in the sandbox before the pack's stages.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

from berthcheck import store
from berthcheck.engine.digest_v3 import ColumnDigests
from berthcheck.engine.judged_visits import judged_visits_sql, period_filters
from berthcheck.engine.output_columns import RESULT_ORDER
from berthcheck.engine.pack import (
    PARAM_RE,
    Pack,
    Rule,
    load_pack,
    split_statements,
    strip_comments,
)
from berthcheck.engine.pack_columns import (  # issue 20: the pack contract's output checks
    check_assemble_output,
    check_rule_output,
    validate_pack_outputs,
)
from berthcheck.engine.pack_notes import check_notes
from berthcheck.engine.record import digests_beside
from berthcheck.engine.record import record as record_run
from berthcheck.engine.results_frame import hand_back_duckdb_freed, read_batches, spill_folder
from berthcheck.engine.scope import SCOPE_SQL, Scope, parse_scope, scope_params
from berthcheck.engine.timing import stage

FINDING_ID_LENGTH = 16
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
    results: object  # pl.DataFrame, one row per visit in scope
    findings: object  # pl.DataFrame
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


def bind(sql: str, values: dict[str, object]) -> dict[str, object]:
    """The parameters one statement uses (DuckDB rejects unused named parameters)."""
    return {name: values[name] for name in _parameter_names(sql)}


@lru_cache(maxsize=4096)
def _parameter_names(sql: str) -> frozenset[str]:
    """The `$name`s a statement uses, found once per statement text (a check binds some 90
    pack statements, the same texts every time)."""
    return frozenset(PARAM_RE.findall(strip_comments(sql)))


@lru_cache(maxsize=64)
def _param_arrow(columns: tuple[str, ...], rows: tuple[tuple, ...]):
    """A pack table as Arrow, typed as polars infers it (made once per table content)."""
    import polars as pl

    frame = pl.DataFrame([list(row) for row in rows], schema=list(columns), orient="row")
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def _register_tables(con, pack: Pack) -> None:
    for table in pack.tables.values():
        try:
            arrow = _param_arrow(table.columns, table.rows)
        except TypeError:  # a row holding a list: not hashable, made each time
            arrow = _param_arrow.__wrapped__(table.columns, table.rows)
        con.register("_bc_param", arrow)
        try:
            store.run(
                con,
                # the name is an identifier checked by load_pack, never a value
                f"CREATE OR REPLACE TEMP TABLE param_{table.name} AS SELECT * FROM _bc_param",  # noqa: S608
            )
        finally:
            con.unregister("_bc_param")


def finding_id(rule_id: str, pack_version: str, visit_id: str, evidence: str) -> str:
    """Stable identity: the same rule, pack version, visit and evidence give the same id in any
    process, machine or time zone (evidence holds UTC text, keys sorted). The check computes
    the same sha256 in SQL (`_FINDINGS_SQL`)."""
    key = "\x1f".join((rule_id, pack_version, visit_id, evidence))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:FINDING_ID_LENGTH]


_DECODE = json.JSONDecoder().decode
# json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False), built once
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _canonical_json(text: str) -> str:
    return _ENCODE(_DECODE(text))


def _reads(pack: Pack, readable: list[str]) -> list[str]:
    """The readable objects the pack's SQL names (the rest stay out of its sandbox)."""
    words = _words_of(tuple(sql for _, sql in pack.stages), tuple(r.sql for r in pack.rules),
                      pack.assemble)
    return [name for name in readable if name.lower() in words]


@lru_cache(maxsize=64)
def _words_of(stages: tuple[str, ...], rules: tuple[str, ...], assemble: str) -> frozenset[str]:
    """The words of a pack's SQL, lower-cased, found once per pack text."""
    text = "\n".join([*stages, *rules, assemble])
    return frozenset(w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*",
                                                   strip_comments(text)))


def _rules_sql(rules: tuple[Rule, ...]) -> tuple[str, dict[str, object]]:
    """Every rule's findings in one UNION ALL, each row tagged with its rule (bound values:
    rule ids and severities are pack text, never pasted into SQL)."""
    parts, params = [], {}
    for i, rule in enumerate(rules):
        params[f"_bc_rule_{i}"] = rule.id
        params[f"_bc_severity_{i}"] = rule.severity
        body = strip_comments(rule.sql).strip().rstrip(";")
        parts.append(
            f"SELECT {i} AS rule_no, CAST($_bc_rule_{i} AS VARCHAR) AS rule_id, "  # noqa: S608 - pack SQL, sandboxed
            f"CAST($_bc_severity_{i} AS VARCHAR) AS severity, CAST(visit_id AS VARCHAR) AS visit_id, "
            f"CAST(message AS VARCHAR) AS message, CAST(evidence AS VARCHAR) AS evidence, "
            f"CAST(minutes AS DOUBLE) AS minutes FROM (\n{body}\n)"
        )
    return "\nUNION ALL\n".join(parts), params


# Evidence texts that are already Python's canonical JSON (what `_canonical_json` returns) are
# recognised in SQL, from the text alone, and skip Python (a rule writing `to_json({...})` with
# its keys in sorted order makes such texts). Such a text is a flat JSON object: no space
# outside strings; strings without backslash or control character (so nothing to escape, and
# every `"` delimits a string); keys without `:`; every number one Python writes back as it is:
# an integer (not `-0`), or a decimal fraction of at most 15 significant digits (any double
# prints them back exactly; here at most 8 before the point and 7 after), no trailing zero but
# `.0`, and not below 1e-4 (Python writes 1e-05); and its keys in Python's order, unique. The
# last is decided once per key sequence (a rule's texts share one): a text's key sequence is the
# text with its values cut out. Every other text goes through Python, so the result is the same.
_STRING = r'"[^"\\\x00-\x1f]*"'
_KEY = r'"[^"\\\x00-\x1f:]*"'
_VALUE = "(" + "|".join((
    _STRING, "true", "false", "null",
    r"0|-?[1-9][0-9]*",  # integers
    r"-?[1-9][0-9]{0,7}\.([0-9]{0,6}[1-9]|0)",  # 1 <= |x| < 1e8
    r"-?0\.(0|0{0,3}[1-9]([0-9]{0,5}[1-9])?)",  # 0, and 1e-4 <= |x| < 1
)) + ")"
_FLAT_OBJECT = rf"\{{({_KEY}:{_VALUE}(,{_KEY}:{_VALUE})*)?\}}"
_EVIDENCE_SQL = rf"""
CREATE OR REPLACE TEMP TABLE _bc_evidence AS
SELECT evidence,
    CASE WHEN regexp_full_match(evidence, '{_FLAT_OBJECT}')
         THEN regexp_replace(evidence, ':("[^"]*"|[^,}}]*)', ':', 'g') END AS keys
FROM (SELECT DISTINCT evidence FROM _bc_findings_raw WHERE evidence IS NOT NULL)
"""  # noqa: S608 - this module's constant pattern, no outside text


def _texts_for_python(sandbox) -> list[str]:
    """The distinct evidence texts of `_bc_findings_raw` that are not (recognised as) canonical
    already: these, and only these, go through `_canonical_json`."""
    store.run(sandbox, _EVIDENCE_SQL)
    try:
        ordered = [k for (k,) in store.run(sandbox, "SELECT DISTINCT keys FROM _bc_evidence "
                                                    "WHERE keys IS NOT NULL") if _keys_in_order(k)]
        return [r[0] for r in store.run(sandbox, "SELECT evidence FROM _bc_evidence "
                                                 "WHERE keys IS NULL OR NOT list_contains(?, keys)",
                                        [ordered])]
    finally:
        store.run(sandbox, "DROP TABLE _bc_evidence")


def _keys_in_order(keys: str) -> bool:
    """A key sequence (`{"a":,"b":}`) in Python's sort_keys order, each key once."""
    names = re.findall(r'"([^"]*)":', keys)
    return names == sorted(set(names))


# Finding ids: sha256 over rule, pack version, visit and canonical evidence joined by U+001F,
# first 16 hex (= finding_id). Identical findings (same id) are kept once: the table is made
# without that step (a sort of every finding) and remade with it only when an id repeats.
# `{evidence}` is the canonical text: the raw text, or Python's for the texts in `_bc_canonical`.
_FINDINGS_SQL = """
CREATE OR REPLACE TEMP TABLE _bc_findings AS
SELECT finding_id, rule_id, visit_id, severity, message, evidence, minutes
FROM (
    SELECT left(sha256(f.rule_id || chr(31) || $version || chr(31) || f.visit_id || chr(31)
                       || {evidence}), $n) AS finding_id,
        f.rule_no, f.rule_id, f.visit_id, f.severity, f.message, {evidence} AS evidence,
        f.minutes
    FROM _bc_findings_raw f
    {join}
)
{dedupe}
"""
_DEDUPE = """QUALIFY row_number() OVER (PARTITION BY finding_id
                           ORDER BY rule_no, message, minutes NULLS LAST) = 1"""


def _make_findings(sandbox, params: dict, evidence: str, join: str) -> None:
    store.run(sandbox, _FINDINGS_SQL.format(evidence=evidence, join=join, dedupe=""), params)
    if store.scalar(sandbox, "SELECT count(*) > count(DISTINCT finding_id) FROM _bc_findings"):
        store.run(sandbox, _FINDINGS_SQL.format(evidence=evidence, join=join, dedupe=_DEDUPE),
                  params)


def _run_rules(sandbox, pack: Pack, rules: tuple[Rule, ...], values: dict,
               scope_filter: str) -> None:
    """The findings of `rules` (of `pack`) for the visits in scope, ids and canonical evidence
    computed in DuckDB: temp table `_bc_findings`. Evidence text that is not already Python's
    canonical JSON (DuckDB's JSON text differs in places: key order, some numbers) visits
    Python, each distinct text once, to be rewritten as Python writes it."""
    import duckdb
    import pyarrow as pa

    from berthcheck.engine.sandbox import pack_failure

    sql, params = _rules_sql(rules)
    statement = ("CREATE OR REPLACE TEMP TABLE _bc_findings_raw AS SELECT * FROM (\n" + sql  # noqa: S608
                 + "\n)" + scope_filter)
    try:
        store.run(sandbox, statement, bind(statement, {**values, **params}))
    except duckdb.Error:
        # name the rule file that fails (the union is one statement): first a rule whose
        # columns break the contract (issue 20: a message naming rule and column), then any
        for rule in rules:
            body = strip_comments(rule.sql).strip().rstrip(";")
            probe = f"SELECT * FROM ({body}) LIMIT 0"  # noqa: S608 - pack SQL, sandboxed
            try:
                check_rule_output(pack, rule, sandbox.sql(probe, params=bind(probe, values)
                                                          or None).pl())
                store.run(sandbox, f"SELECT count(*) FROM ({body})",  # noqa: S608
                          bind(rule.sql, values))
            except duckdb.Error as exc:
                raise pack_failure(pack, rule.path.name, exc) from None
        raise
    raw = _texts_for_python(sandbox)
    canonical = []
    for text in raw:
        try:
            canonical.append(_canonical_json(text))
        except ValueError:
            rule = store.scalar(sandbox, "SELECT min(rule_id) FROM _bc_findings_raw "
                                         "WHERE evidence = ?", [text])
            raise pack_failure(pack, f"{rule}.sql", ValueError(
                f"evidence is not JSON: {text[:80]!r}")) from None
    params = {"version": pack.version, "n": FINDING_ID_LENGTH}
    if not raw:  # every text already canonical: no join
        _make_findings(sandbox, params, "f.evidence", "")
    else:
        sandbox.register("_bc_canonical", pa.table({"raw": pa.array(raw, pa.string()),
                                                    "canonical": pa.array(canonical, pa.string())}))
        try:
            _make_findings(sandbox, params, "coalesce(c.canonical, f.evidence)",
                           "LEFT JOIN _bc_canonical c ON c.raw = f.evidence")
        finally:
            sandbox.unregister("_bc_canonical")
    store.run(sandbox, "DROP TABLE _bc_findings_raw")


def evaluate(con, pack: Pack, scope: Scope, notes: bool = False, digests=None):
    """Run the pack on the visits it judges, keep the visits in scope; one SQL pipeline.

    Allowance accounting, low-activity status and commissioning history need visits outside
    the period (the whole year, previous years): the pack reads the history it declares
    (`[pack] history`) across every stored visit, and is told the scope (`scope_visits`) so it
    judges one by one only the visits it needs. Stages, rules, findings, per-visit findings
    list, scope filter and emissions run in DuckDB; results and findings leave it once, at
    the end, as polars frames. `notes`: also run the pack's note rules as findings.
    `digests` (a `digest_v3.ColumnDigests`): the results' columns are hashed into it as the
    frame is made (a big check's, on the core its sort leaves free).
    """
    import duckdb

    from berthcheck.emission_stage import register_factors
    from berthcheck.emissions import load_factors
    from berthcheck.engine.pack_macros import define_macros
    from berthcheck.engine.sandbox import pack_failure, release_inputs, release_unread

    values = pack.parameter_values()
    # the visit ids in scope, found once; readable as `_bc_scope` on both connections
    in_scope = con.sql(SCOPE_SQL, params=scope_params(scope)).arrow().read_all()
    if scope == Scope(None, None, None):  # no years asked: not held through a big check
        in_scope = in_scope.select(["visit_id"])
    con.register("_bc_scope", in_scope)
    try:
        # the pack's SQL runs on a locked copy of what it may read (engine/sandbox.py)
        kept: dict = {}  # the judged visits' sessions, for the emission inputs
        with stage("sandbox (the tables the pack reads, cut to the visits it judges)"):
            sandbox, handed, keyed = _sandbox(con, pack, scope,
                                              {"shore_power": ("energy_kwh",)}, kept)
        try:
            with stage("scope and emission inputs"):
                attributes, attribute_columns = _emission_inputs(con, scope, kept)
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
            _register_tables(sandbox, pack)
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
        for at, (rel, text) in enumerate(pack.stages):
            with stage(f"pack stage {rel}"):
                for statement in split_statements(text):
                    try:
                        keyed.before(statement)  # a keyed history view it reads: now
                        store.run(sandbox, statement, bind(statement, values))
                    except duckdb.Error as exc:
                        raise pack_failure(pack, rel, exc) from None
            # an input no later stage, rule, assemble query, view or macro reads leaves now:
            # at a million visits the visits, events and capture handed over (0.4 GB) no
            # longer sit under the last stage's peak
            if release and at + 1 < len(texts):
                dropped = release_inputs(sandbox, [*texts[at + 1:], *later], handed)
                handed = [name for name in handed if name not in dropped]
        # what no rule, assemble query, view or macro still reads leaves before they run
        try:  # a keyed history view only a rule or the assemble query reads
            keyed.before("\n".join(later))
        except duckdb.Error as exc:
            raise pack_failure(pack, "pack.toml", exc) from None
        if release:
            release_unread(sandbox, later, among=handed)
        # every visit is in an unbounded scope: no filter to apply
        scope_filter = ("" if scope == Scope(None, None, None)
                        else " WHERE visit_id IN (SELECT visit_id FROM _bc_scope)")
        with stage("rules -> findings (one UNION ALL, ids in SQL)"):
            _run_rules(sandbox, pack, rules, values, scope_filter)
        results_stage = "assemble, findings list, emissions -> results (fetched)"
        with stage(results_stage):
            # one query from the assembled rows to the result columns, read once
            assembled = ("(SELECT * FROM (\n" + _unordered(pack.assemble)  # noqa: S608
                         + "\n)" + scope_filter + ")")
            try:
                if not release:  # a small scope: each statement planned once (`_planned_once`)
                    assembled = _planned_once(sandbox, "_bc_assembled", assembled, values)
                results_sql, results_params = _results_sql(sandbox, pack, factors, assembled,
                                                           values, attribute_columns)
                # the stages' tables the results query does not read go first (half of the
                # pack's tables at a million visits); `_bc_findings` is read by it
                if release:
                    release_unread(sandbox, [results_sql])
                else:
                    results_sql = "SELECT * FROM " + _planned_once(  # noqa: S608 - engine name
                        sandbox, "_bc_results", results_sql, results_params)
                    results_params = {}
                # a big check's results wait on disk while the sandbox holds its tables
                # (engine/results_frame.py): they and the copies were the check's peak
                spill = in_scope.num_rows >= SPILL_ROWS
                batches = read_batches(sandbox, results_sql, results_params,
                                       spill_folder(con) if spill else None)
            except duckdb.Error as exc:
                raise pack_failure(pack, pack.assemble_file, exc) from None
        try:
            with stage("fetch findings"):
                findings = store.fetch_polars(sandbox, "SELECT * FROM _bc_findings "
                                                       "ORDER BY visit_id, rule_id, finding_id")
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
        results = _checked_assembled(pack, batches.sorted(
            RESULT_ORDER, on_column=digests.add if digests is not None else None))
    orphans = findings.join(results.select("visit_id"), on="visit_id", how="anti")
    if orphans.height:
        raise pack_failure(pack, pack.assemble_file, ValueError(
            "findings for visits not in the results: "
            + ", ".join(orphans["visit_id"].unique().sort().head(5).to_list())))
    if notes:
        check_notes(pack, results, findings)
    return results, findings


def _planned_once(sandbox, name: str, query: str, values: dict) -> str:
    """`query`'s rows as the temporary table `name` (returned, to be read instead).

    Reading a query through DuckDB's relation API binds it twice (once for its columns, once
    to run it), and the results query held the assemble query, whose columns are probed
    first: the assemble was bound three times and planned twice. On a small scope planning
    is nearly all of the cost (the results query of a rule fixture case: 28 of 31 ms CPU
    planning), so there each is planned once, its rows kept in a table read back at no
    planning cost. Not at a million visits: the table would be a copy of the results
    (memory, engine/results_frame.py). DuckDB keeps every type in such a table, `"NULL"`
    included, so the contract's column checks see what the query returned."""
    sql = f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM ({query})"  # noqa: S608 - engine names; pack SQL, sandboxed
    store.run(sandbox, sql, bind(sql, values))
    return name


def _judged_query(pack: Pack, scope: Scope):
    """The judged visits' query for the sandbox, made for the columns of `visits` it hands
    over (engine/judged_visits.py), or None for every visit."""
    if judged_visits_sql(pack, scope) is None:
        return None
    return lambda columns: judged_visits_sql(pack, scope, columns)


def _sandbox(con, pack: Pack, scope: Scope, extra: dict | None = None, kept: dict | None = None):
    """The pack's sandbox: what it reads, cut to the visits it judges; a scope_visits pack's
    history views also whole (as history_<view>, the declared columns). Returns it and the
    names of the inputs handed to it, and its keyed history views still to hand over
    (`[pack] history_keys`, engine/history_keys.py). `extra`, `kept`: as in `open_sandbox`."""
    import duckdb

    from berthcheck.engine.history_keys import KeyedHistory
    from berthcheck.engine.pack_sql import HISTORY_PREFIX
    from berthcheck.engine.sandbox import PackError, check_inputs, open_sandbox, readable_objects

    readable = readable_objects(con)
    reads = _reads(pack, readable)
    check_inputs(con, pack.inputs, readable, f"pack {pack.label}: {pack.file_of('pack.toml')} "
                                             "[pack]")
    if pack.judges != "scope_visits":
        sandbox = open_sandbox(con, reads, visits_sql=_judged_query(pack, scope),
                               whole=pack.history, inputs=pack.inputs, extra=extra, kept=kept)
        return sandbox, reads, KeyedHistory(con, sandbox, "")
    history = {name: pack.history_columns.get(name, ()) for name in pack.history}
    unknown = sorted(set(history) - set(readable))
    if unknown:
        raise PackError(f"pack {pack.label}: {pack.file_of('pack.toml')} [pack] history names "
                        f"{', '.join(unknown)}, which the store does not have")
    later: dict = {}
    try:
        sandbox = open_sandbox(con, reads, visits_sql=_judged_query(pack, scope),
                               history=history, history_keys=pack.history_keys,
                               later=later, inputs=pack.inputs, extra=extra, kept=kept)
        keyed = KeyedHistory(con, sandbox, f"pack {pack.label}: {pack.file_of('pack.toml')} "
                                           "[pack]", later)
        return sandbox, [*reads, *(HISTORY_PREFIX + name for name in history)], keyed
    except duckdb.BinderException as exc:  # a declared history column the view does not have
        raise PackError(f"pack {pack.label}: {pack.file_of('pack.toml')} [pack] history: "
                        f"{str(exc).strip().splitlines()[0]}") from None


_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
# with these, the ORDER BY decides which rows come out, not only their order
_ORDER_MATTERS = re.compile(r"\b(LIMIT|OFFSET|FETCH|DISTINCT\s+ON)\b", re.IGNORECASE)


def _top_level(text: str) -> str:
    """`text` with everything inside quotes or parentheses blanked (same length), so that a
    keyword found in it is one of the statement itself."""
    out, depth, quote = [], 0, ""
    for ch in text:
        if quote:
            out.append(" ")
            if ch == quote:
                quote = ""  # a doubled quote closes and reopens: the same
        elif ch in "'\"":
            quote = ch
            out.append(" ")
        elif ch == "(":
            depth += 1
            out.append(" ")
        elif ch == ")":
            depth -= 1
            out.append(" ")
        else:
            out.append(ch if depth == 0 else " ")
    return "".join(out)


def _unordered(sql: str) -> str:
    """A pack query without its final ORDER BY, which the results query re-imposes anyway:
    DuckDB otherwise sorts the assembled rows twice (a tenth of the results query). Only a
    statement-level ORDER BY at the very end is cut, and never one that picks rows (LIMIT,
    OFFSET, DISTINCT ON)."""
    text = strip_comments(sql).strip().rstrip(";").rstrip()
    if "$$" in text:  # dollar-quoted text: not scanned, kept as written
        return text
    top = _top_level(text)
    found = list(_ORDER_BY.finditer(top))
    if not found or _ORDER_MATTERS.search(top):
        return text
    return text[:found[-1].start()].rstrip()


def _checked_assembled(pack: Pack, results):
    """The pack contract's row checks (nulls, declared columns, bases) over the columns the
    pack's assemble returned; conformed columns (e.g. an all-NULL column typed) replace them."""
    from berthcheck.emissions import EMISSION_COLUMNS

    engine_made = {"pack", "findings", *EMISSION_COLUMNS}
    assembled = [c for c in results.columns if c not in engine_made]
    conformed = check_assemble_output(pack, results.select(assembled),
                                      consumed=("stay_hours", "shore_power_hours",
                                                "capture_hours"))
    return results.with_columns(conformed.get_columns())


def _attributes(con, scope: Scope, sessions: str) -> tuple[str, list[str]]:
    """The emission inputs' query and columns (`visit_attributes_sql`); `sessions`: the
    sessions summed (the store's, or the sandbox's cut)."""
    from berthcheck.emissions import visit_attributes_sql

    if scope == Scope(None, None, None):  # every visit is in an unbounded scope
        return visit_attributes_sql(con, sessions=sessions)
    # the scope's rows only (read from the row groups near its period), their sessions
    # summed before the join
    return visit_attributes_sql(con, "_bc_scope", near=period_filters(scope)[0],
                                sessions=sessions)


def _emission_inputs(con, scope: Scope, kept: dict):
    """The emission inputs of the visits in scope (`visit_attributes_sql`'s rows) and their
    column names: their metered energy summed from the sessions the sandbox cut to the
    judged visits (`kept`), when it cut them, instead of from every stored session. Every
    visit in scope is judged (engine/judged_visits.py) and the cut holds all sessions of each
    visit it names, so the sums are the same; a month on the 1M decade no longer scans the
    stored sessions a second time (emission inputs 53-72 -> 24-34 ms CPU)."""
    sessions = kept.get("shore_power")
    if sessions is None:
        sql, columns = _attributes(con, scope, "shore_power")
        return con.sql(sql).arrow().read_all(), columns
    sql, columns = _attributes(con, scope, "_bc_kept_sessions")
    con.register("_bc_kept_sessions", sessions)
    try:
        return con.sql(sql).arrow().read_all(), columns
    finally:
        con.unregister("_bc_kept_sessions")


def _results_sql(sandbox, pack: Pack, factors, assembled: str, values: dict,
                 attribute_columns: list[str]) -> tuple[str, dict[str, object]]:
    """The results query: the assembled rows (`assembled`, a subquery of the pack's SQL) with
    the pack label, the per-visit findings list (an aggregate of `_bc_findings`) and the
    emission columns, in the contract's order (rows in no order: `evaluate` sorts them by
    `visit_id`, whose values are unique, with the bytes of their UTF-8 as DuckDB would)."""
    from berthcheck.emission_stage import emissions_query
    from berthcheck.emissions import EMISSION_COLUMNS
    from berthcheck.engine.output_columns import RESULT_COLUMNS

    probe = f"SELECT * FROM {assembled} LIMIT 0"  # noqa: S608 - pack SQL, sandboxed
    names = sandbox.sql(probe, params=bind(probe, values) or None).pl()
    # issue 20: a missing, undeclared or mistyped column is a message before the results
    # query could fail on it; nulls, declared columns and bases are checked on the rows
    check_assemble_output(pack, names)
    names = names.columns
    kept = [c for c in names if c not in ("pack", "findings")]
    cast = {"penalty": "DOUBLE", "violation_days": "BIGINT"}
    quoted = {c: store.quote_ident(c) for c in kept}
    select = ", ".join(
        f"CAST(a.{quoted[c]} AS {cast[c]}) AS {quoted[c]}" if c in cast else f"a.{quoted[c]}"
        for c in kept
    )
    listed = f"""(
SELECT {select}, coalesce(l.findings, '') AS findings
FROM {assembled} a
LEFT JOIN (SELECT visit_id, array_to_string(list_sort(list_distinct(list(rule_id))), ';') AS findings
           FROM _bc_findings GROUP BY visit_id) l ON l.visit_id = a.visit_id
)"""  # noqa: S608 - catalog names, quoted; pack SQL, sandboxed
    columns = [*kept, "findings"]
    sql, params = emissions_query(factors, listed, columns, "_bc_em_attrs", attribute_columns)
    extras = [c for c in columns if c not in RESULT_COLUMNS and c not in EMISSION_COLUMNS]
    order = ", ".join("CAST($_bc_label AS VARCHAR) AS pack" if c == "pack"
                      else store.quote_ident(c)
                      for c in (*RESULT_COLUMNS, *EMISSION_COLUMNS, *extras))
    statement = f"SELECT {order} FROM ({sql})"  # noqa: S608 - the caller sorts
    return statement, bind(statement, {**values, **params, "_bc_label": pack.label})


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
    from berthcheck.engine.schemas import validate_outputs

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
            if validate:
                with stage("pandera validation of the outputs"):
                    validate_pack_outputs(pack_obj, results, findings, validate_outputs)
            if store_run:
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

"""The rules' findings: every rule of the pack in one UNION ALL over the visits in scope,
their ids (`finding_id`) and canonical evidence computed in SQL, into the sandbox's temp
table `_bc_findings`. Python canonicalises only the evidence texts SQL does not recognise as
canonical already (usually none)."""

from __future__ import annotations

import hashlib
import json

from berthcheck import store
from berthcheck.engine.pack_binding import bind
from berthcheck.engine.pack_columns import check_rule_columns  # issue 20: the rules' output
from berthcheck.engine.pack_model import Pack, Rule
from berthcheck.engine.pack_text import strip_comments

FINDING_ID_LENGTH = 16


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


def _rules_sql(rules: tuple[Rule, ...]) -> tuple[str, dict[str, object]]:
    """Every rule's findings in one UNION ALL, each row tagged with its rule (bound values:
    rule ids and severities are pack text, never pasted into SQL)."""
    parts: list[str] = []
    params: dict[str, object] = {}
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
# last is decided once per key sequence (a rule's texts share one): a text's key sequence is
# DuckDB's `json_keys` of it, in the text's order with any repeat kept (such a text's keys have
# no escape, so each is the text between its quotes); a third of what cutting the values out
# with a global regexp_replace cost (0.03 against 0.09 CPU s for the 55 660 distinct texts of
# 200 000 visits). Every other text goes through Python, so the result is the same.
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
         THEN json_keys(evidence) END AS keys
FROM (SELECT DISTINCT evidence FROM _bc_findings_raw WHERE evidence IS NOT NULL)
"""  # noqa: S608 - this module's constant pattern, no outside text


# each distinct key list of the evidence texts, NULL for a text that is not a flat object
_KEYS_SQL = rf"""
SELECT DISTINCT CASE WHEN regexp_full_match(evidence, '{_FLAT_OBJECT}')
                     THEN json_keys(evidence) END AS keys
FROM _bc_findings_raw WHERE evidence IS NOT NULL
"""  # noqa: S608 - this module's constant pattern, no outside text


def _texts_for_python(sandbox) -> list[str]:
    """The distinct evidence texts of `_bc_findings_raw` that are not (recognised as) canonical
    already: these, and only these, go through `_canonical_json`. Usually there are none, which
    one query over the texts' key lists shows (100 778 findings: 0.11-0.12 CPU s, where making
    the distinct texts' table and reading it twice took 0.17-0.18; a small check plans one
    statement, not four); only otherwise are the texts themselves listed."""
    if all(keys is not None and _keys_in_order(keys)
           for (keys,) in store.run(sandbox, _KEYS_SQL)):
        return []
    store.run(sandbox, _EVIDENCE_SQL)
    try:
        ordered = [k for (k,) in store.run(sandbox, "SELECT DISTINCT keys FROM _bc_evidence "
                                                    "WHERE keys IS NOT NULL") if _keys_in_order(k)]
        return [r[0] for r in store.run(sandbox, "SELECT evidence FROM _bc_evidence "
                                                 "WHERE keys IS NULL OR NOT list_contains(?, keys)",
                                        [ordered])]
    finally:
        store.run(sandbox, "DROP TABLE _bc_evidence")


def _keys_in_order(names: list[str]) -> bool:
    """A key sequence (`['a', 'b']`) in Python's sort_keys order, each key once."""
    return names == sorted(set(names))


# Finding ids: sha256 over rule, pack version, visit and canonical evidence joined by U+001F,
# first 16 hex (= finding_id). The rules' union computes each finding's id from its raw
# evidence as it makes `_bc_findings_raw` (`_ID_SQL`): where every evidence text is canonical
# already (the usual case) those are the ids, and the table becomes `_bc_findings` by dropping
# its `rule_no` and renaming it, where a second statement copied every finding to add its id
# (100 778 findings at 200 000 visits: 0.07 of the 0.21 CPU s that statement took; the hashes
# cost the same in either). Identical findings (same id) are kept once: only when an id repeats
# is the table made again with that step (a sort of every finding). Where some texts are not
# canonical, `_bc_findings` is made from the raw rows with ids of the canonical texts:
# `{evidence}` is the raw text, or Python's for the texts in `_bc_canonical`.
_ID_SQL = ("left(sha256({f}rule_id || chr(31) || $_bc_version || chr(31) || {f}visit_id "
           "|| chr(31) || {evidence}), $_bc_id_length)")
_FINDINGS_SQL = """
CREATE OR REPLACE TEMP TABLE _bc_findings AS
SELECT finding_id, rule_id, visit_id, severity, message, evidence, minutes
FROM (
    SELECT {finding_id} AS finding_id,
        f.rule_no, f.rule_id, f.visit_id, f.severity, f.message, {evidence} AS evidence,
        f.minutes
    FROM _bc_findings_raw f
    {join}
)
{dedupe}
"""
_DEDUPE = """QUALIFY row_number() OVER (PARTITION BY finding_id
                           ORDER BY rule_no, message, minutes NULLS LAST) = 1"""


def _repeats(sandbox, table: str) -> bool:
    """Whether a finding id repeats in `table` (identical findings: same rule, visit and
    canonical evidence)."""
    return bool(store.scalar(sandbox, f"SELECT count(*) > count(DISTINCT finding_id) "  # noqa: S608
                                      f"FROM {table}"))


def _make_findings(sandbox, params: dict, evidence: str, join: str) -> None:
    """`_bc_findings` from `_bc_findings_raw` with the ids of the canonical texts."""
    finding_id = _ID_SQL.format(f="f.", evidence=evidence)
    store.run(sandbox, _FINDINGS_SQL.format(finding_id=finding_id, evidence=evidence, join=join,
                                            dedupe=""), params)
    if _repeats(sandbox, "_bc_findings"):
        store.run(sandbox, _FINDINGS_SQL.format(finding_id=finding_id, evidence=evidence,
                                                join=join, dedupe=_DEDUPE), params)


def _keep_raw_ids(sandbox) -> None:
    """`_bc_findings` from `_bc_findings_raw` whose evidence is all canonical: its ids stand."""
    if _repeats(sandbox, "_bc_findings_raw"):
        store.run(sandbox, _FINDINGS_SQL.format(finding_id="f.finding_id", evidence="f.evidence",
                                                join="", dedupe=_DEDUPE))
        return
    store.run(sandbox, "DROP TABLE IF EXISTS _bc_findings")
    store.run(sandbox, "ALTER TABLE _bc_findings_raw DROP COLUMN rule_no")
    store.run(sandbox, "ALTER TABLE _bc_findings_raw RENAME TO _bc_findings")


# (pack hash, rule id): rules whose columns were found right; the same pack's rules bind to
# the same columns in every check of a process (a pack's fixture cases run hundreds)
_COLUMNS_CHECKED: set[tuple[str, str]] = set()


def _check_rule_columns(sandbox, pack: Pack, rules: tuple[Rule, ...], values: dict) -> None:
    """Each rule's columns and types, from its query bound but not run (a millisecond a
    rule): the union reads them through CASTs, which would hide a wrong one."""
    import duckdb

    from berthcheck.engine.sandbox import pack_failure

    for rule in rules:
        if (pack.hash, rule.id) in _COLUMNS_CHECKED:
            continue
        body = strip_comments(rule.sql).strip().rstrip(";")
        # the closing on a line of its own: DuckDB shows the line an error is on as it ran
        probe = f"SELECT * FROM ({body}\n) LIMIT 0"  # noqa: S608 - pack SQL, sandboxed
        try:
            relation = sandbox.sql(probe, params=bind(probe, values) or None)
            names, types = relation.columns, relation.types
        except duckdb.Error as exc:
            raise pack_failure(pack, rule.path.name, exc, body) from None
        check_rule_columns(pack, rule, names, types)
        _COLUMNS_CHECKED.add((pack.hash, rule.id))


def _check_rule_values(sandbox, pack: Pack, rules: tuple[Rule, ...]) -> None:
    """No rule returns a finding without its visit, message or evidence, with an empty
    message, nor a negative `minutes` (a length of time); one pass over the findings, before
    their ids are made. (Left to the results' invariants, an empty message was blamed on
    `assemble.sql`.)"""
    from berthcheck.engine.pack_columns import PackFileError, rule_label

    rows = store.run(sandbox, """
        SELECT rule_no, count(*) FILTER (visit_id IS NULL), count(*) FILTER (message IS NULL),
               count(*) FILTER (evidence IS NULL), count(*) FILTER (message = ''),
               arg_min(visit_id, visit_id) FILTER (message = ''),
               count(*) FILTER (minutes < 0), min(minutes), arg_min(visit_id, minutes)
        FROM _bc_findings_raw
        WHERE visit_id IS NULL OR message IS NULL OR evidence IS NULL OR message = ''
              OR minutes < 0
        GROUP BY rule_no ORDER BY rule_no LIMIT 1""")
    if rows:
        rule_no, *nulls, empty, empty_visit, below, least, visit_id = rows[0]
        where = rule_label(pack, rules[rule_no])
        for column, count in zip(("visit_id", "message", "evidence"), nulls, strict=True):
            if count:
                raise PackFileError(f"{where}: column {column} is NULL on {count} row(s); it "
                                    "may not be")
        if empty:
            raise PackFileError(f"{where}: column message is empty on {empty} row(s), e.g. "
                                f"for visit {empty_visit}; a finding's message is a sentence")
        raise PackFileError(f"{where}: column minutes is below 0 on {below} row(s), e.g. "
                            f"{least} for visit {visit_id}; it is a length of time, 0 or "
                            "more, or NULL")


def run_rules(sandbox, pack: Pack, rules: tuple[Rule, ...], values: dict,
               scope_filter: str) -> None:
    """The findings of `rules` (of `pack`) for the visits in scope, ids and canonical evidence
    computed in DuckDB: temp table `_bc_findings`. Evidence text that is not already Python's
    canonical JSON (DuckDB's JSON text differs in places: key order, some numbers) visits
    Python, each distinct text once, to be rewritten as Python writes it."""
    import duckdb
    import pyarrow as pa

    from berthcheck.engine.sandbox import pack_failure

    _check_rule_columns(sandbox, pack, rules, values)
    sql, params = _rules_sql(rules)
    ids = {"_bc_version": pack.version, "_bc_id_length": FINDING_ID_LENGTH}
    statement = ("CREATE OR REPLACE TEMP TABLE _bc_findings_raw AS SELECT "  # noqa: S608
                 + _ID_SQL.format(f="", evidence="evidence") + " AS finding_id, rule_no, "
                 "rule_id, visit_id, severity, message, evidence, minutes FROM (\n" + sql
                 + "\n)" + scope_filter)
    try:
        store.run(sandbox, statement, bind(statement, {**values, **params, **ids}))
    except duckdb.Error:
        # name the rule file that fails (the union is one statement)
        for rule in rules:
            body = strip_comments(rule.sql).strip().rstrip(";")
            try:
                store.run(sandbox, f"SELECT count(*) FROM ({body}\n)",  # noqa: S608
                          bind(rule.sql, values))
            except duckdb.Error as exc:
                raise pack_failure(pack, rule.path.name, exc, body) from None
        raise
    _check_rule_values(sandbox, pack, rules)
    raw = _texts_for_python(sandbox)
    canonical = []
    for text in raw:
        try:
            value = _DECODE(text)
        except ValueError:
            value = None
            problem = "is not JSON"
        else:
            # a JSON array, string or number is JSON but no evidence (docs/packs.md 5): left
            # to the findings' invariants it was blamed on assemble.sql, not the rule's file
            problem = "" if isinstance(value, dict) else "is not a JSON object"
        if problem:
            rule = store.scalar(sandbox, "SELECT min(rule_id) FROM _bc_findings_raw "
                                         "WHERE evidence = ?", [text])
            raise pack_failure(pack, f"{rule}.sql", ValueError(
                f"evidence {problem}: {text[:80]!r}")) from None
        canonical.append(_ENCODE(value))
    if not raw:  # every text already canonical: the union's ids are the findings' ids
        _keep_raw_ids(sandbox)
        store.run(sandbox, "DROP TABLE IF EXISTS _bc_findings_raw")
        return
    sandbox.register("_bc_canonical", pa.table({"raw": pa.array(raw, pa.string()),
                                                "canonical": pa.array(canonical, pa.string())}))
    try:
        _make_findings(sandbox, ids, "coalesce(c.canonical, f.evidence)",
                       "LEFT JOIN _bc_canonical c ON c.raw = f.evidence")
    finally:
        sandbox.unregister("_bc_canonical")
    store.run(sandbox, "DROP TABLE _bc_findings_raw")

"""Run a pack over the store: stages -> rules (findings) -> assemble (results) -> validate.

All per-visit work happens set-based in DuckDB; Python only binds parameters, hashes
findings and reorders columns.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

from berthcheck import store
from berthcheck.engine.pack import PARAM_RE, Pack, load_pack, split_statements, strip_comments
from berthcheck.engine.pack_columns import (  # issue 20: the pack contract's output checks
    check_assemble_output,
    check_rule_output,
    validate_pack_outputs,
)
from berthcheck.engine.scope import SCOPE_SQL, Scope, parse_scope, scope_params
from berthcheck.engine.timing import stage

FINDING_ID_LENGTH = 16


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

    def verdict_counts(self) -> dict[str, int]:
        from berthcheck.engine.schemas import VERDICTS

        counts = dict.fromkeys(VERDICTS, 0)
        for verdict, n in self.results.group_by("verdict").len().iter_rows():
            counts[verdict] = n
        return counts

    @property
    def non_compliant(self) -> int:
        return self.verdict_counts()["non_compliant"]


def bind(sql: str, values: dict[str, object]) -> dict[str, object]:
    """The parameters one statement uses (DuckDB rejects unused named parameters)."""
    return {name: values[name] for name in set(PARAM_RE.findall(strip_comments(sql)))}


def _register_tables(con, pack: Pack) -> None:
    import polars as pl

    for table in pack.tables.values():
        frame = pl.DataFrame(
            [list(row) for row in table.rows], schema=list(table.columns), orient="row"
        )
        store.register(con, "_bc_param", frame)
        try:
            store.run(
                con,
                # the name is an identifier checked by load_pack, never a value
                f"CREATE OR REPLACE TEMP TABLE param_{table.name} AS SELECT * FROM _bc_param",  # noqa: S608
            )
        finally:
            con.unregister("_bc_param")


def _register_scope(sandbox, in_scope) -> None:
    """`scope_visits`: the visit ids of the check's scope, for a pack that judges only the
    visits it needs (the CARB pack: the years the scope touches). Packs that ignore it see
    every visit as before; the results are cut to the scope afterwards either way."""
    store.register(sandbox, "_bc_scope", in_scope.select("visit_id"))
    try:
        store.run(sandbox, "CREATE OR REPLACE TEMP TABLE scope_visits AS "
                           "SELECT visit_id FROM _bc_scope")
    finally:
        sandbox.unregister("_bc_scope")


def finding_id(rule_id: str, pack_version: str, visit_id: str, evidence: str) -> str:
    """Stable identity: the same rule, pack version, visit and evidence give the same id in any
    process, machine or time zone (evidence holds UTC text, keys sorted)."""
    key = "\x1f".join((rule_id, pack_version, visit_id, evidence))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:FINDING_ID_LENGTH]


def _finding_ids(con, findings, pack_version: str):
    """`finding_id` of every row, set-based in DuckDB: the same sha256 over the same UTF-8
    bytes (rule, pack version, visit, canonical evidence joined by U+001F), first 16 hex."""
    import polars as pl

    store.register(con, "_bc_findings", findings.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("i"), "rule_id", "visit_id", "evidence"))
    try:
        ids = store.fetch_polars(
            con,
            "SELECT left(sha256(rule_id || chr(31) || $v || chr(31) || visit_id || chr(31) "
            "|| evidence), $n) AS finding_id FROM _bc_findings ORDER BY i",
            {"v": pack_version, "n": FINDING_ID_LENGTH},
        )
    finally:
        con.unregister("_bc_findings")
    return ids["finding_id"].cast(pl.Utf8)


_DECODE = json.JSONDecoder().decode
# json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False), built once
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _canonical_json(text: str) -> str:
    return _ENCODE(_DECODE(text))


def _run_rules(con, pack: Pack, values: dict, sandbox=None):
    import duckdb
    import polars as pl

    from berthcheck.engine.sandbox import pack_failure

    frames = []
    for rule in pack.rules:
        try:
            frame = store.fetch_polars(sandbox or con, rule.sql, bind(rule.sql, values))
        except duckdb.Error as exc:
            raise pack_failure(pack, rule.path.name, exc) from None
        frame = check_rule_output(pack, rule, frame)  # issue 20: wrong columns -> a message
        frames.append(
            frame.select(
                pl.lit(rule.id).alias("rule_id"),
                pl.col("visit_id").cast(pl.Utf8),
                pl.lit(rule.severity).alias("severity"),
                pl.col("message").cast(pl.Utf8),
                pl.col("evidence").cast(pl.Utf8),
                pl.col("minutes").cast(pl.Float64),
            )
        )
    findings = pl.concat(frames, how="vertical") if frames else None
    findings = findings.with_columns(pl.col("evidence").alias("_raw"))
    # each distinct evidence text canonicalised once (many findings share theirs)
    raw = findings["_raw"].unique(maintain_order=True)
    canonical = pl.DataFrame({
        "_raw": raw,
        "evidence": pl.Series([_canonical_json(e) for e in raw.to_list()], dtype=pl.Utf8),
    })
    findings = findings.drop("evidence").join(canonical, on="_raw", how="left",
                                              maintain_order="left").drop("_raw")
    findings = findings.with_columns(
        _finding_ids(con, findings, pack.version)
    ).unique(subset="finding_id", keep="first", maintain_order=True)
    return findings.select(
        "finding_id", "rule_id", "visit_id", "severity", "message", "evidence", "minutes"
    ).sort("visit_id", "rule_id", "finding_id")


def evaluate(con, pack: Pack, scope: Scope):
    """Run the pack over the stored visits, then keep the visits in scope.

    Allowance accounting, low-activity status and commissioning history need visits outside
    the period (the whole year, previous years), so the pack reads every stored visit; it is
    told the scope (`scope_visits`) so it can judge one by one only the visits it needs.
    """
    import duckdb

    from berthcheck.emissions import EMISSION_COLUMNS, add_emissions
    from berthcheck.engine.sandbox import open_sandbox, pack_failure
    from berthcheck.engine.schemas import RESULT_COLUMNS

    values = pack.parameter_values()
    # the pack's SQL runs on a locked copy of what it may read (engine/sandbox.py)
    with stage("sandbox (copy of the readable tables)"):
        sandbox = open_sandbox(con)
    try:
        _register_tables(sandbox, pack)
        in_scope = store.fetch_polars(con, SCOPE_SQL, scope_params(scope))
        _register_scope(sandbox, in_scope)
        for rel, text in pack.stages:
            with stage(f"pack stage {rel}"):
                for statement in split_statements(text):
                    try:
                        store.run(sandbox, statement, bind(statement, values))
                    except duckdb.Error as exc:
                        raise pack_failure(pack, rel, exc) from None
        with stage("rules -> findings (ids, canonical evidence)"):
            findings = _run_rules(con, pack, values, sandbox)
        with stage("assemble -> results"):
            try:
                results = store.fetch_polars(sandbox, pack.assemble,
                                             bind(pack.assemble, values))
            except duckdb.Error as exc:
                raise pack_failure(pack, pack.assemble_file, exc) from None
            results = check_assemble_output(pack, results)  # issue 20: columns, types, bases
    finally:
        sandbox.close()
    with stage("scope filter + per-visit findings list (polars)"):
        results, findings = _in_scope(pack, in_scope, results, findings)
    # emissions at berth (data contract 5): the emission columns follow the contract's columns
    with stage("emissions"):
        results = add_emissions(con, results)
    extras = [c for c in results.columns if c not in RESULT_COLUMNS and c not in EMISSION_COLUMNS]
    results = results.select([*RESULT_COLUMNS, *EMISSION_COLUMNS, *extras]).sort("visit_id")
    return results, findings


def _in_scope(pack: Pack, in_scope, results, findings):
    """Keep the visits in scope; add the per-visit findings list and the pack label."""
    import polars as pl

    # instants leave DuckDB in the session zone; results always carry UTC
    results = results.with_columns(
        [
            pl.col(n).dt.convert_time_zone("UTC")
            for n, t in results.schema.items()
            if isinstance(t, pl.Datetime) and t.time_zone is not None
        ]
    )
    results = results.join(in_scope, on="visit_id", how="semi")
    findings = findings.join(in_scope, on="visit_id", how="semi")
    per_visit = findings.group_by("visit_id").agg(
        pl.col("rule_id").unique().sort().str.join(";").alias("findings")
    )
    results = (
        results.join(per_visit, on="visit_id", how="left")
        .with_columns(
            pl.lit(pack.label).alias("pack"),
            pl.col("findings").fill_null(""),
            pl.col("penalty").cast(pl.Float64),
            pl.col("violation_days").cast(pl.Int64),
        )
    )
    return results, findings


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
    store_run: bool = True,
    validate: bool = True,
) -> CheckResult:
    """Check the stored visits against a pack; store the run unless store_run=False."""
    from berthcheck.engine.schemas import validate_outputs

    started = time.perf_counter()
    pack_obj = pack if isinstance(pack, Pack) else load_pack(pack)
    scope = scope or parse_scope(period, date_from, date_to, port, terminal, fleet)
    results, findings = evaluate(con, pack_obj, scope)
    if validate:
        with stage("pandera validation of the outputs"):
            validate_pack_outputs(pack_obj, results, findings, validate_outputs)
    outcome = CheckResult(pack=pack_obj, scope=scope, results=results, findings=findings)
    if store_run:
        # one transaction: the input rows hashed for the manifest are the rows sealed
        with store.transaction(con):
            _record(con, outcome, started, store_run=True)
    else:
        _record(con, outcome, started, store_run=False)
    return outcome


def _record(con, outcome: CheckResult, started: float, *, store_run: bool) -> None:
    """Fingerprint the inputs, derive the run id, build the manifest; store the run."""
    from berthcheck.engine import runs
    from berthcheck.engine.manifest import build_manifest, gather_inputs

    with stage("input fingerprint (every input row re-hashed)"):
        summary = gather_inputs(con)  # every input row hashed once, for run id and manifest
    outcome.inputs = runs.fingerprint_from_inputs(summary)
    outcome.run_id = runs.run_id_for(outcome.pack, outcome.scope, outcome.inputs)
    with stage("manifest (results/findings CSV hashes, batches)"):
        outcome.manifest = build_manifest(con, outcome, inputs=summary)
    outcome.elapsed_seconds = time.perf_counter() - started
    if store_run:
        with stage("store the run (seals, rows, blob)"):
            runs.write_run(con, outcome, verified=True)

"""Issue 16, item 3: the check as one SQL pipeline. Finding ids and canonical evidence computed
in DuckDB are exactly what the Python definitions give; the per-visit findings list is the
aggregate of the findings; the sandbox holds only what the pack reads, cut to the visits it
judges."""

from __future__ import annotations

import json
import shutil

import pytest

from berthcheck import store
from berthcheck.engine import check, load_pack
from berthcheck.engine.check import finding_id
from berthcheck.engine.judged_visits import judged_visits_sql
from berthcheck.engine.pack_sandbox import _reads
from berthcheck.engine.sandbox import open_sandbox, readable_objects
from berthcheck.engine.scope import SCOPE_SQL, parse_scope, scope_params
from tests.helpers_store import put_tables, visit


def _store():
    con = store.connect(":memory:")
    visits, sessions = [], []
    # 2025-10 and 2026-10: two port-local years; late connections give findings with evidence
    for year in (2025, 2026):
        for day in range(1, 7):
            vid = f"V{year}-{day}"
            visits.append(visit(vid, arrival=f"{year}-10-{day:02d} 06:00",
                                ready_to_work=f"{year}-10-{day:02d} 08:00",
                                pilot_on_board=f"{year}-10-{day:02d} 22:00",
                                departure=f"{year}-10-{day:02d} 23:00",
                                vessel_name=f"ÉTOILE {day}"))
            sessions.append({"visit_id": vid, "session_id": f"S{vid}",
                             "connected": f"{year}-10-{day:02d} {10 + day}:00",
                             "disconnected": f"{year}-10-{day:02d} 20:00"})
    put_tables(con, {"visits": visits, "shore-power": sessions})
    return con


def test_finding_ids_and_evidence_from_sql_equal_the_python_definitions():
    con = _store()
    try:
        outcome = check(con, period="2026-10", store_run=False, record=False)  # no run id read
    finally:
        con.close()
    findings = outcome.findings
    assert findings.height > 6
    for row in findings.iter_rows(named=True):
        canonical = json.dumps(json.loads(row["evidence"]), sort_keys=True,
                               separators=(",", ":"), ensure_ascii=False)
        assert row["evidence"] == canonical
        assert row["finding_id"] == finding_id(row["rule_id"], outcome.pack.version,
                                               row["visit_id"], row["evidence"])
    # the per-visit list is the visit's rules, sorted, distinct
    for result in outcome.results.iter_rows(named=True):
        mine = sorted(set(findings.filter(findings["visit_id"] == result["visit_id"])["rule_id"]))
        assert result["findings"] == ";".join(mine)
    assert set(findings["visit_id"]) <= set(outcome.results["visit_id"])
    assert all(v.startswith("V2026") for v in outcome.results["visit_id"])


def test_the_sandbox_holds_what_the_pack_reads_cut_to_the_visits_it_judges():
    con = _store()
    pack = load_pack("carb-at-berth-2020")
    scope = parse_scope("2026-10")
    names = _reads(pack, readable_objects(con))
    assert "visits" in names and "shore_power" in names
    assert "ports_user" not in names  # the pack reads the `ports` view, never its parts
    con.register("_bc_scope", con.sql(SCOPE_SQL, params=scope_params(scope)).arrow().read_all())
    sandbox = open_sandbox(con, names, visits_sql=judged_visits_sql(pack, scope),
                           history=pack.history_columns)
    try:
        sessions = store.run(sandbox, "SELECT visit_id FROM shore_power ORDER BY 1")
        visits = store.scalar(sandbox, "SELECT count(*) FROM visits")
        history = sandbox.sql("SELECT * FROM history_visits").columns
        whole = store.scalar(sandbox, "SELECT count(*) FROM history_visits")
        present = {r[0] for r in store.run(sandbox, "SELECT view_name FROM duckdb_views()")}
    finally:
        sandbox.close()
    left_out = set(readable_objects(con)) - set(names)
    con.close()
    # the scope's visits and sessions only; the declared history's columns of every visit
    assert [r[0] for r in sessions] == [f"V2026-{d}" for d in range(1, 7)]
    assert visits == 6
    assert whole == 12 and history == list(pack.history_columns["visits"])
    assert set(names) <= present
    assert left_out and not left_out & present


def test_an_unscoped_check_judges_every_visit():
    from dataclasses import replace

    pack = load_pack("carb-at-berth-2020")
    assert judged_visits_sql(pack, parse_scope()) is None
    assert judged_visits_sql(replace(pack, judges="all"), parse_scope("2026-10")) is None


@pytest.mark.parametrize(("body", "says"), [
    ("SELECT visit_id, 'late' AS message, 'not json' AS evidence, NULL AS minutes FROM bc_visit",
     "evidence is not JSON"),
    # JSON but not an object, and an empty message: the rule's file, not assemble.sql
    ("SELECT visit_id, 'late' AS message, '[1,2]' AS evidence, NULL AS minutes FROM bc_visit",
     "evidence is not a JSON object: '[1,2]'"),
    ("SELECT visit_id, '' AS message, '{}' AS evidence, NULL AS minutes FROM bc_visit",
     "column message is empty on 1 row(s)"),
    # a check of a period (this one) once cut a NULL visit away before the check saw it
    ("SELECT CAST(NULL AS VARCHAR) AS visit_id, 'late' AS message, '{}' AS evidence, "
     "NULL AS minutes FROM bc_visit", "column visit_id is NULL on 1 row(s)"),
    ("SELECT visit_id, message, evidence, minutes FROM no_such_table", "failed"),
])
def test_a_broken_rule_in_the_union_is_named_by_its_file(tmp_path, body, says):
    """All rules run as one UNION ALL; a failure still names the rule's file; a pack error
    exits 2 (docs/packs.md)."""
    from typer.testing import CliRunner

    from berthcheck.cli import app
    from berthcheck.resources import builtin_rules_dir
    from tests.conftest import good_visit, write_csv

    rules = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), rules)
    rule = rules / "carb-at-berth-2020" / "AB06.sql"
    header = [line for line in rule.read_text(encoding="utf-8").splitlines()
              if line.startswith("--")]
    rule.write_text("\n".join([*header, body]) + "\n", encoding="utf-8")
    db = tmp_path / "bc.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["load", "visits", str(write_csv(tmp_path / "v.csv", [good_visit()])),
                               "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["check", "--db", str(db), "--period", "2026-10"],
                           env={"BERTHCHECK_RULES_DIR": str(rules)})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "AB06.sql" in result.output and says in result.output

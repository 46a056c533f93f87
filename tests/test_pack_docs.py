"""docs/packs.md, the pack contract, is checked: its generated tables equal the engine's, the
example pack built from its code blocks passes `rules test`, `check` and export, and each of
its "errors, by example" gives the message it shows, exit 2 (exit 1 for a failing fixture)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine.pack_fixtures import write_case
from tests.pack_doc_sections import DOC, INVARIANTS, regenerate

TEXT = DOC.read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
PACK_ID = "plug-in-notice"


def _blocks() -> list[tuple[dict[str, str], str]]:
    out = []
    for m in BLOCK.finditer(TEXT):
        words = shlex.split(m.group("info"))
        attrs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        if attrs:
            out.append((attrs, m.group("body")))
    return out


def _cli(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The example pack, written from the doc's `file=` blocks."""
    folder = tmp_path_factory.mktemp("doc") / PACK_ID
    for attrs, body in _blocks():
        if "file" in attrs and "step" not in attrs:
            path = folder / attrs["file"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """Three visits: on shore power throughout, six hours off it, at a berth without supply."""
    path = tmp_path_factory.mktemp("doc-db") / "bc.duckdb"
    case = {"tables": {
        "visits": [{"visit_id": "V1"}, {"visit_id": "V2"}, {"visit_id": "V3", "berth": "B9"}],
        "berths": [{"port": "USLAX", "terminal": "T1", "berth": "B1", "shore_power": True},
                   {"port": "USLAX", "terminal": "T1", "berth": "B9", "shore_power": False}],
        "shore-power": [
            {"session_id": "S1", "visit_id": "V1", "connected": "2026-10-03 06:00",
             "disconnected": "2026-10-04 19:00"},
            {"session_id": "S2", "visit_id": "V2", "connected": "2026-10-03 06:00",
             "disconnected": "2026-10-04 13:00"},
        ],
    }}
    return write_case(path, case)


def test_generated_sections_match_the_engine():
    assert regenerate(TEXT) == TEXT, "run `.venv/bin/python -m tests.pack_doc_sections`"


def test_assemble_columns_are_the_results_models():
    from berthcheck.emissions import HOURS_COLUMNS
    from berthcheck.engine.pack_columns import ASSEMBLE_COLUMNS, ENGINE_COLUMNS, polars_type
    from berthcheck.engine.schemas import RESULT_COLUMNS, ResultsModel

    columns = ResultsModel.to_schema().columns
    assert set(ASSEMBLE_COLUMNS) == (set(RESULT_COLUMNS) - set(ENGINE_COLUMNS)) | set(HOURS_COLUMNS)
    for name, (kind, nullable) in ASSEMBLE_COLUMNS.items():
        assert columns[name].nullable == nullable, name
        assert columns[name].dtype.type == polars_type(kind), name


def test_finding_columns_are_the_findings_models():
    from berthcheck.engine.pack_columns import FINDING_COLUMNS
    from berthcheck.engine.schemas import FINDING_COLUMNS as STORED

    # the rule returns these; the engine adds finding_id, rule_id and severity
    assert set(FINDING_COLUMNS) - {"minutes"} <= set(STORED)


def test_every_invariant_of_the_model_is_described():
    from berthcheck.engine.schemas import ResultsModel

    names = {c.name for c in ResultsModel.to_schema().checks}
    assert names == set(INVARIANTS)


def test_store_objects_are_what_the_sandbox_hands_over():
    from berthcheck.engine.pack_sql import STORE_OBJECTS
    from tests.pack_doc_sections import _store_objects

    assert tuple(_store_objects()) == STORE_OBJECTS


def test_the_example_pack_passes_its_fixtures(example):
    result = _cli("rules", "test", example, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pack"] == f"{PACK_ID}@1.0.0"
    assert data["failed"] == 0 and data["passed"] == 4


def test_the_example_pack_lists_where_it_came_from(example):
    result = _cli("rules", "list", "--pack", example)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if PACK_ID in x and "path" in x)
    assert str(example) in line
    assert "[UNCONFIRMED]" in next(x for x in result.output.splitlines() if "start_date" in x)


def test_the_example_pack_checks_and_exports_its_column(example, db, tmp_path):
    out = tmp_path / "results.json"
    result = _cli("check", "--db", db, "--pack", example, "--out", out)
    assert result.exit_code == 0, result.output
    rows = {r["visit_id"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert {v: (r["verdict"], r["basis"]) for v, r in rows.items()} == {
        "V1": ("compliant", "controlled"), "V2": ("non_compliant", "uncontrolled"),
        "V3": ("not_applicable", "berth_without_supply")}
    assert rows["V1"]["shore_power_share"] == 1.0
    assert rows["V2"]["shore_power_share"] == pytest.approx(31 / 37, abs=1e-4)
    findings = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert [(f["rule_id"], f["visit_id"]) for f in findings] == [("PN01", "V2")]
    # JSON output carries the evidence as an object
    assert findings[0]["evidence"] == {"shore_power_minutes": 1860.0, "stay_minutes": 2220.0}


def test_the_finding_id_is_as_documented(example, db):
    import hashlib

    from berthcheck.engine import check, load_pack

    con = store.connect(db, read_only=True)
    try:
        outcome = check(con, load_pack(str(example)), store_run=False)
    finally:
        con.close()
    f = outcome.findings.row(0, named=True)
    key = "\x1f".join(("PN01", "1.0.0", f["visit_id"], f["evidence"]))
    assert f["evidence"] == '{"shore_power_minutes":1860.0,"stay_minutes":2220.0}'
    assert f["finding_id"] == hashlib.sha256(key.encode()).hexdigest()[:16]


BROKEN = [(a, b) for a, b in _blocks() if ("append" in a or "edit" in a) and "step" not in a]


def _apply(folder: Path, attrs: dict[str, str], body: str) -> None:
    if "append" in attrs:
        path = folder / attrs["append"]
        path.write_text(path.read_text(encoding="utf-8") + "\n" + body, encoding="utf-8")
        return
    path = folder / attrs["edit"]
    lines = body.splitlines()
    old = "\n".join(x[1:] for x in lines if x.startswith("-")) + "\n"
    new = "\n".join(x[1:] for x in lines if x.startswith("+"))
    new = new + "\n" if new else ""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{attrs['edit']}: the doc's '-' lines are not in the file"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_there_are_error_examples():
    assert len(BROKEN) >= 10


@pytest.mark.parametrize(("attrs", "body"), BROKEN, ids=[a["expect"][:40] for a, _ in BROKEN])
def test_each_error_example_gives_its_message(example, db, tmp_path, attrs, body):
    folder = tmp_path / PACK_ID
    shutil.copytree(example, folder)
    _apply(folder, attrs, body)
    if attrs.get("edit", "").startswith("tests/"):
        result, code = _cli("rules", "test", folder), 1
    else:
        result, code = _cli("check", "--db", db, "--pack", folder), 2
    assert result.exit_code == code, result.output
    assert attrs["expect"] in result.output
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def history_example(example, tmp_path_factory) -> Path:
    """The example pack with section 12's `step=history` blocks applied, in order."""
    folder = tmp_path_factory.mktemp("doc-history") / PACK_ID
    shutil.copytree(example, folder)
    for attrs, body in _blocks():
        if attrs.get("step") != "history":
            continue
        if "file" in attrs:
            path = folder / attrs["file"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        else:
            _apply(folder, attrs, body)
    return folder


def test_the_history_example_passes_its_fixtures_in_a_months_check(history_example):
    result = _cli("rules", "test", history_example, "--json")
    assert result.exit_code == 0, result.output
    cases = json.loads(result.stdout)["cases"]
    assert {c["case"] for c in cases if c["rule"] == "PN02"} == {
        "may_visit_off_shore_power", "may_visit_on_shore_power_throughout",
        "a_visit_over_12_months_before", "a_whole_check_too"}
    assert all(c["ok"] for c in cases), cases


def test_the_history_example_read_from_visits_fails_its_months_check(history_example,
                                                                     tmp_path):
    # what section 12 warns of: the earlier visit read from `visits` is there in a whole
    # check only, so the cases with `period:` fail while the whole check passes
    folder = tmp_path / PACK_ID
    shutil.copytree(history_example, folder)
    stage = folder / "stages" / "20_earlier.sql"
    text = stage.read_text(encoding="utf-8")
    stage.write_text(text.replace("JOIN history_visits h\n", "JOIN visits h\n"), encoding="utf-8")
    result = _cli("rules", "test", folder, "--json")
    assert result.exit_code == 1, result.output
    failed = {c["case"] for c in json.loads(result.stdout)["cases"] if not c["ok"]}
    assert failed == {"may_visit_off_shore_power"}


def test_the_history_example_without_judges_reads_every_visit_in_a_months_check(
        history_example, tmp_path):
    # section 12's first way: `judges` left out ("all"), the earlier visits read from
    # `visits` and `shore_power` are there in a month's check too
    folder = tmp_path / PACK_ID
    shutil.copytree(history_example, folder)
    toml = folder / "pack.toml"
    toml.write_text("\n".join(line for line in toml.read_text(encoding="utf-8").splitlines()
                              if not line.startswith(("judges", "history"))) + "\n",
                    encoding="utf-8")
    stage = folder / "stages" / "20_earlier.sql"
    stage.write_text(stage.read_text(encoding="utf-8").replace("history_", ""), encoding="utf-8")
    result = _cli("rules", "test", folder, "--json")
    assert result.exit_code == 0, result.output


def test_the_interval_union_example_counts_an_event_without_times_as_the_whole_stay():
    # section 3's example dropped events with NULL times (`WHERE start_time IS NOT NULL AND
    # end_time IS NOT NULL`), though a file's empty start and end are the whole visit
    # (contract 2): a pack copying it lost every whole-visit claim
    import duckdb

    from berthcheck.engine.pack_macros import define_macros

    text = DOC.read_text(encoding="utf-8")
    start = text.index("```sql\nWITH piece AS")
    sql = text[start + len("```sql\n"):text.index("```", start + 6)]
    con = duckdb.connect()
    define_macros(con)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE visits AS SELECT * FROM (VALUES "
                "('V1', TIMESTAMPTZ '2026-10-03 06:00:00+00', TIMESTAMPTZ '2026-10-03 19:00:00+00'))"
                " t(visit_id, arrival, departure)")
    con.execute("CREATE TABLE events AS SELECT * FROM (VALUES "
                "('V1', 'emergency', NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ), "
                "('V1', 'remediation', TIMESTAMPTZ '2026-10-03 05:00:00+00', "
                "TIMESTAMPTZ '2026-10-03 08:00:00+00')) t(visit_id, kind, start_time, end_time)")
    got = sorted(con.sql(sql).fetchall())
    # the emergency: the whole 13-hour stay; the remediation: arrival (06:00) to 08:00
    assert got == [("V1", "emergency", 13 * 3600.0), ("V1", "remediation", 2 * 3600.0)]

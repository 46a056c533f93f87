"""`berthcheck check`, `rules list/show` and `runs list` through the CLI (CliRunner)."""

from __future__ import annotations

import json
import re
import shutil

import polars as pl
import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from tests.helpers_store import put_tables, visit

runner = CliRunner()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The store the tests below start from, built once: each test takes a copy (`db`)."""
    path = tmp_path_factory.mktemp("built") / "bc.duckdb"
    con = store.connect(path)
    put_tables(con, {
        "visits": [
            visit("V1"),  # 1 min late -> non_compliant
            visit("V2"),  # no control -> non_compliant (worst)
            visit("V3"),  # fully controlled -> compliant
            visit("B1", vessel_type="bulk"),
            visit("N1", ready_to_work=None),
            visit("X9", arrival="2026-11-03 06:00", ready_to_work="2026-11-03 08:00",
                  pilot_on_board="2026-11-04 18:00", departure="2026-11-04 19:00"),  # November
        ],
        "shore-power": [
            {"visit_id": "V1", "session_id": "S1", "connected": "2026-10-03 10:01",
             "disconnected": "2026-10-04 17:00"},
            {"visit_id": "V3", "session_id": "S3", "connected": "2026-10-03 10:00",
             "disconnected": "2026-10-04 17:00"},
        ],
        "berths": [{"port": "USLAX", "terminal": "T1", "berth": "B1", "shore_power": True}],
        "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container",
                       "year": 2026, "regulated": True}],
    })
    con.close()
    return path


@pytest.fixture()
def db(built, tmp_path):
    return shutil.copy(built, tmp_path / "bc.duckdb")


def _check(db, *args):
    return runner.invoke(app, ["check", "--db", str(db), *args], catch_exceptions=False)


def test_summary_counts_and_worst_visits(db):
    result = _check(db, "--period", "2026-10")
    assert result.exit_code == 0, result.output
    out = result.output
    counts = {m.group(1): int(m.group(2))
              for m in re.finditer(r"^(\w+) +(\d+) +[\d.]+ %$", out, re.MULTILINE)}
    assert counts == {"compliant": 1, "non_compliant": 2, "exempt": 0, "not_applicable": 1,
                      "insufficient_data": 1}
    assert "compliance rate: 33.3 %" in out
    # worst first: V2 (31 h uncontrolled) before V1 (1 min)
    assert out.index("V2 ") < out.index("V1 ")
    assert re.search(r"^V1 .* 1 +vessel\+terminal ", out, re.MULTILINE)
    assert "X9" not in out  # departs in November


@pytest.fixture(scope="module")
def exports(built, tmp_path_factory) -> dict:
    """October checked twice per export format, from one copy of the store: first with
    `--out` alone (the findings go beside the results, named by the format), then with
    `--out` and `--findings`. The agreement tests read the first, the determinism test
    compares the two (four checks fewer than a pair per format and one more per agreement)."""
    folder = tmp_path_factory.mktemp("exports")
    db = shutil.copy(built, folder / "bc.duckdb")
    made = {}
    for ext in (".csv", ".parquet", ".json", ".xlsx"):
        out, again = folder / f"results{ext}", folder / f"again{ext}"
        first = _check(db, "--period", "2026-10", "--out", str(out))
        second = (_check(db, "--period", "2026-10", "--out", str(again), "--findings",
                         str(folder / f"fb{ext}")) if ext != ".xlsx" else None)
        made[ext] = {"first": first, "out": out, "findings": folder / f"findings{ext}",
                     "second": second, "again": again, "findings_again": folder / f"fb{ext}"}
    return made


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".json", ".xlsx"])
def test_exports_agree_with_findings(exports, ext):
    made = exports[ext]
    result, out, findings_path = made["first"], made["out"], made["findings"]
    assert result.exit_code == 0, result.output
    assert out.is_file()
    # an .xlsx is one workbook with a Results and a Findings sheet; other formats two files
    assert findings_path.is_file() == (ext != ".xlsx")
    if ext == ".xlsx":
        res = pl.read_excel(out, sheet_name="Results")
        fnd = pl.read_excel(out, sheet_name="Findings")
        assert res.columns == pl.read_csv(exports[".csv"]["out"]).columns
    elif ext == ".csv":
        res, fnd = pl.read_csv(out), pl.read_csv(findings_path)
    elif ext == ".parquet":
        res, fnd = pl.read_parquet(out), pl.read_parquet(findings_path)
    else:
        res = pl.DataFrame(json.loads(out.read_text()))
        fnd = pl.DataFrame(json.loads(findings_path.read_text()))
    assert res.columns[:13] == [
        "visit_id", "pack", "verdict", "basis", "window_start", "window_end", "controlled_hours",
        "uncontrolled_hours", "excused_hours", "responsible", "penalty", "violation_days", "findings",
    ]
    assert sorted(res["visit_id"].to_list()) == ["B1", "N1", "V1", "V2", "V3"]
    expected = {
        v: ";".join(sorted(set(fnd.filter(pl.col("visit_id") == v)["rule_id"].to_list())))
        for v in res["visit_id"].to_list()
    }
    got = dict(zip(res["visit_id"], res["findings"].fill_null(""), strict=True))
    assert got == expected
    for row in res.filter(pl.col("verdict") == "non_compliant").iter_rows(named=True):
        assert row["findings"]


def test_exports_are_byte_deterministic(exports):
    for ext in (".csv", ".json", ".parquet"):
        made = exports[ext]
        assert made["second"].exit_code == 0, made["second"].output
        assert made["out"].read_bytes() == made["again"].read_bytes()
        # `--findings` names the findings file; the same bytes as beside the results
        assert made["findings"].read_bytes() == made["findings_again"].read_bytes()


def test_strict_exits_1_on_non_compliant(db):
    assert _check(db, "--period", "2026-10", "--strict").exit_code == 1
    # November has only X9, which is not plugged in either -> still 1
    # a terminal no loaded visit has is a usage error, never a silently empty (passing) check
    assert _check(db, "--period", "2026-10", "--strict", "--terminal", "NONE").exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "2026-13"],
        ["--period", "October"],
        # digits of another script: int() reads them, but the run's period label (and id)
        # would not be the ASCII one's
        ["--period", "\uff12\uff10\uff12\uff16-\uff11\uff10"],
        ["--period", "\u0662\u0660\u0662\u0666"],
        ["--from", "2026-10-01"],
        ["--period", "2026-10", "--from", "2026-10-01", "--to", "2026-10-31"],
        ["--pack", "no-such-pack"],
        ["--out", "results.txt"],
    ],
)
def test_usage_errors_exit_2_without_traceback(db, args):
    result = _check(db, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--out", "{d}/results.txt"], "--out '{d}/results.txt'"),
        (["--out", "{d}/r.csv", "--findings", "{d}/f.txt"], "--findings '{d}/f.txt'"),
        (["--out", "{d}/r.csv", "--manifest", "{d}/m.txt"], "--manifest '{d}/m.txt'"),
    ],
)
def test_an_output_of_the_wrong_kind_names_its_option_and_value(db, tmp_path, args, named):
    out = tmp_path / "out"
    out.mkdir()
    result = _check(db, "--period", "2026-10", *(a.format(d=out) for a in args))
    assert result.exit_code == 2, result.output
    assert named.format(d=out) in result.stderr
    assert list(out.iterdir()) == []


def test_quarter_year_and_date_range(db):
    assert "6 visits" in _check(db, "--period", "2026").output
    assert "6 visits" in _check(db, "--period", "2026-Q4").output
    assert "5 visits" in _check(db, "--from", "2026-10-01", "--to", "2026-10-31").output
    # spaces around a value are ignored as they are around --period (" 2026-10 ")
    assert "5 visits" in _check(db, "--from", " 2026-10-01", "--to", "2026-10-31 ").output
    assert "6 visits" in _check(db, "--period", " 2026-q4 ").output


def test_rules_list_and_show():
    result = runner.invoke(app, ["rules", "list"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "AB06" in result.output and "control.late_connection" in result.output
    assert "[UNCONFIRMED]" in result.output
    shown = runner.invoke(app, ["rules", "show", "AB06"], catch_exceptions=False)
    assert shown.exit_code == 0
    assert "-- section: 17 CCR § 93130.12(b)(2)(A)" in shown.output
    assert "-- compliant:" in shown.output and "SELECT" in shown.output
    assert runner.invoke(app, ["rules", "show", "control.gap"]).exit_code == 0
    bad = runner.invoke(app, ["rules", "show", "AB99"])
    assert bad.exit_code == 2 and "unknown rule" in bad.output


def test_runs_are_stored_and_listed(db):
    _check(db, "--period", "2026-10")
    _check(db, "--period", "2026-10")  # same inputs and scope -> same run id, replaced
    _check(db, "--period", "2026-11")
    con = store.connect(db)
    try:
        runs = store.run(con, "SELECT run_id, period, visits FROM runs ORDER BY period")
        assert [(p, n) for _, p, n in runs] == [("2026-10", 5), ("2026-11", 1)]
        stored = store.scalar(con, "SELECT count(*) FROM run_results WHERE run_id = ?", [runs[0][0]])
        assert stored == 5
        from berthcheck.engine.runs import load_run

        results, findings = load_run(con, runs[0][0])
        assert results.height == 5 and "vessel_name" in results.columns
        assert findings.height == store.scalar(
            con, "SELECT findings FROM runs WHERE run_id = ?", [runs[0][0]]
        )
    finally:
        con.close()
    listed = runner.invoke(app, ["runs", "list", "--db", str(db)], catch_exceptions=False)
    assert listed.exit_code == 0 and runs[0][0] in listed.output


def test_an_output_that_is_a_loaded_file_is_refused(tmp_path):
    # `check --out visits.csv` run in the data folder replaced the port's own visits file
    # with the results (the README: an output that is one of the input files is a usage error)
    from tests.conftest import good_visit, write_csv

    db = tmp_path / "bc.duckdb"
    visits = write_csv(tmp_path / "visits.csv", [good_visit()])
    content = visits.read_bytes()
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", str(db)]).exit_code == 0
    for args in (["--out", str(visits)],
                 ["--out", str(tmp_path / "r.csv"), "--findings", str(visits)],
                 ["--out", str(tmp_path / "r.csv"), "--manifest", str(tmp_path / "m.json")]):
        result = _check(db, "--period", "2026-10", *args)
        if "--manifest" in args:
            assert result.exit_code == 0, result.output  # a path never loaded is written
            continue
        assert result.exit_code == 2, result.output
        assert "is a file loaded into the database" in result.output
    assert visits.read_bytes() == content
    con = store.connect(db, read_only=True)
    run_id = store.scalar(con, "SELECT run_id FROM runs")
    con.close()
    for command in (["runs", "export", run_id, "--out", str(visits)],
                    ["audit", "manifest", run_id, "--out", str(visits)]):
        result = runner.invoke(app, [*command, "--db", str(db)])
        assert result.exit_code == 2, result.output
        assert "is a file loaded into the database" in result.output
    assert visits.read_bytes() == content
    # a loaded file that was moved away no longer stands in the way
    visits.unlink()
    assert _check(db, "--period", "2026-10", "--out", str(visits)).exit_code == 0

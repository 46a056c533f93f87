"""What an outside developer met writing a rule pack from the docs alone (a port's own
shore-power discount scheme, with a previous-12-months provision): each obstacle the engine
put in the way, fixed, and kept fixed here."""

from __future__ import annotations

import json
import shutil
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import good_visit, write_csv

runner = CliRunner()


def test_a_vessel_name_in_brackets_is_printed_as_written_in_the_worst_visits(tmp_path):
    # The terminal tables read cell text as rich markup: `[/x]` raised MarkupError (a
    # traceback from `check`), `[bold]` vanished; so did the summary's scope line (a fleet).
    # A vessel or fleet name is untrusted text.
    db = str(tmp_path / "s.duckdb")
    visits = write_csv(tmp_path / "visits.csv", [
        good_visit(visit_id="V1", vessel_name="Tokai [/x] Bridge", fleet="Line [/f]"),
        good_visit(visit_id="V2", imo="9074729", vessel_name="[bold]Ise", berth="B137",
                   fleet="Line [/f]"),
    ])
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", db, "--quiet"]).exit_code == 0
    result = runner.invoke(app, ["check", "--db", db, "--fleet", "Line [/f]", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "fleet Line [/f]" in result.output  # the scope line
    assert "Tokai [/x] Bridge" in result.output
    assert "[bold]Ise" in result.output


PACK = Path(__file__).resolve().parent / "packs" / "berth-incentive"


def _pack(tmp_path: Path, edits: dict[str, tuple[str, str]]) -> Path:
    """A copy of tests/packs/berth-incentive with `edits`: file -> (old, new), once each."""
    folder = tmp_path / "berth-incentive"
    shutil.copytree(PACK, folder)
    for file, (old, new) in edits.items():
        path = folder / file
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


HISTORY = ('assemble = "assemble.sql"\n', 'assemble = "assemble.sql"\njudges = "scope_visits"\n'
           'history = {{ events = ["visit_id", "kind", {}] }}\n')


@pytest.mark.parametrize("columns", ['"start", "end"', '"start_time", "end"'])
def test_a_history_column_the_view_does_not_have_is_the_packs_error_once(tmp_path, columns):
    # data contract 2 and `berthcheck schema events` call them start and end; the store holds
    # start_time and end_time. `rules test` failed every case (exit 1) with DuckDB's
    # `[pack] history: Binder Error: Referenced column "start" not found in FROM clause!`
    # (and the table's markup dropped "[pack]"), though no case's rows could make it run.
    old, new = HISTORY
    folder = _pack(tmp_path, {"pack.toml": (old, new.format(columns))})
    result = runner.invoke(app, ["rules", "test", str(folder)])
    assert result.exit_code == 2, result.output
    missing = "start, end" if columns.startswith('"start"') else "end"
    said = "start and end as start_time and end_time" if "," in missing else "end as end_time"
    assert (f"pack.toml [pack] history.events lists {missing}, which events does not have "
            f"(events holds the contract's {said}: `end` is an SQL keyword; docs/packs.md "
            "section 3)") in result.output
    assert result.output.count("error:") == 1 and "Binder" not in result.output


def test_an_inputs_column_the_view_does_not_have_is_the_packs_error_once(tmp_path):
    folder = _pack(tmp_path, {"pack.toml": (
        'assemble = "assemble.sql"\n',
        'assemble = "assemble.sql"\ninputs = { events = ["visit_id", "start"] }\n')})
    result = runner.invoke(app, ["rules", "test", str(folder)])
    assert result.exit_code == 2, result.output
    assert ("[pack] inputs.events lists start, which events does not have (events holds the "
            "contract's start as start_time") in result.output


def test_reading_events_start_says_it_is_start_time_not_a_declaration(tmp_path):
    # The reminder blamed `[pack] history` ("hands over only the columns it lists of events")
    # for a column that events does not have under that name at all.
    old, new = HISTORY
    folder = _pack(tmp_path, {
        "pack.toml": (old, new.format('"start_time", "end_time"')),
        "stages/10_credit.sql": (
            "CREATE OR REPLACE TEMP TABLE bi_visit AS",
            "CREATE OR REPLACE TEMP TABLE bi_event AS\nSELECT visit_id, start FROM events\n"
            "UNION ALL SELECT visit_id, start_time FROM history_events;\n\n"
            "CREATE OR REPLACE TEMP TABLE bi_visit AS")})
    result = runner.invoke(app, ["rules", "test", str(folder)])
    assert result.exit_code == 2, result.output
    assert ('Referenced column "start" not found in FROM clause! (events holds the contract\'s '
            "start as start_time: `end` is an SQL keyword; docs/packs.md section 3)"
            ) in result.output
    assert "hands over only" not in result.output


def test_an_unknown_column_of_the_packs_own_table_blames_no_declaration(tmp_path):
    # assemble.sql reading a column its own stage table lacks: the statement as it ran is not
    # known there, and the reminder blamed every declaration of the pack ("[pack] inputs hands
    # over only the columns it lists of visits") though assemble.sql reads no store view.
    folder = _pack(tmp_path, {
        "pack.toml": ('assemble = "assemble.sql"\n',
                      'assemble = "assemble.sql"\ninputs = { ports = ["port", "timezone"] }\n'),
        "assemble.sql": ("    vessel_name,\n", "    vessel_nmae AS vessel_name,\n")})
    result = runner.invoke(app, ["rules", "test", str(folder)])
    assert result.exit_code == 2, result.output
    assert "assemble.sql failed at line" in result.output
    assert '"vessel_nmae"' in result.output
    assert "hands over only" not in result.output


def test_a_packs_number_near_its_threshold_is_not_rounded_onto_it_in_the_report():
    # A share of 0.8958 printed "0.90 fraction" beside a 90 % threshold (the chapter's column
    # table, the listing, the evidence): two decimals at least, up to the 4 of the contract's
    # numbers (docs/contract.md 4, "Minutes"), trailing zeros cut to two.
    from berthcheck.report.pack_section import value_text

    assert value_text(0.8958, None, "fraction") == "0.8958 fraction"
    assert value_text(0.8, None) == "0.80"
    assert value_text(925.5, None, "USD") == "925.50 USD"
    assert value_text(1234.12345, None) == "1,234.1235"
    assert value_text(925.0, None) == "925"


@pytest.mark.parametrize("note, shown", [
    # docs/packs.md called it "one sentence": a sentence came out as "port-local; The ... .."
    ("The credit counts whole hours.", "Times are port-local. The credit counts whole hours."),
    ("the credit counts whole hours", "Times are port-local; the credit counts whole hours."),
])
def test_a_window_note_written_as_a_sentence_or_a_clause_reads_right(tmp_path, note, shown):
    folder = _pack(tmp_path, {"pack.toml": ('window_label = "Arrival / departure"',
                                            'window_label = "Arrival / departure"\n'
                                            f'window_note = "{note}"')})
    assert shown in _report_text(tmp_path, folder)


def _report_text(tmp_path: Path, folder: Path) -> str:
    """The HTML report's text (entities read, whitespace runs made one space) of the pack `folder` over one
    visit with a Ready to Work, on shore power throughout."""
    from berthcheck.engine.pack_fixtures import write_case

    db = str(tmp_path / "bc.duckdb")
    write_case(Path(db), {"tables": {"visits": [{"visit_id": "V1"}], "shore-power": [
        {"session_id": "S1", "visit_id": "V1", "connected": "2026-10-03 06:00",
         "disconnected": "2026-10-04 19:00"}]}})
    html = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--db", db, "--pack", str(folder), "--period",
                                 "2026-10", "--out", str(html)])
    assert result.exit_code == 0, result.output
    return " ".join(unescape(html.read_text(encoding="utf-8")).split())


def test_the_delay_chart_of_a_pack_not_returning_ready_to_work_says_so(tmp_path):
    # the visit has a Ready to Work (08:00); the pack's results do not carry it. The chart said
    # "no judged visit in scope has a Ready to Work time", which sent a pack author to the
    # input files; it is the pack's assemble.sql that leaves it out (docs/packs.md 6). A pack
    # whose window does not start at Ready to Work (this one: arrival to departure) has no
    # connection delay to chart, so the report draws no such box at all (as for FuelEU and
    # cn-shore-power, r22-RP)
    text = _report_text(tmp_path, _pack(tmp_path, {}))
    assert "no judged visit in scope has a Ready to Work time" not in text
    assert "Connection delay" not in text
    # returned, the visit's Ready to Work draws the chart
    folder = _pack(tmp_path / "rtw", {"assemble.sql": ("    arrival,\n",
                                                        "    arrival,\n    ready_to_work,\n")})
    text = _report_text(tmp_path / "rtw", folder)
    assert "Connection delay: Ready to Work to first control" in text


def test_the_delay_chart_of_a_pack_giving_no_window_counts_its_judged_visits(tmp_path,
                                                                           monkeypatch):
    # a pack whose rule is a deadline, not time at berth uncontrolled, returns no window
    # (docs/packs.md 6). The chart measured only visits with a window_start (CARB's visits
    # without one are its short visits), so it drew every bar at 0 and "No control session:
    # 0 visits" for a judged visit on shore power from arrival (08:00 Ready to Work: <= 0:30)
    from berthcheck.report import data

    drawn = []

    def delays(*args, **kwargs):
        drawn.append(real(*args, **kwargs))
        return drawn[-1]

    real = data.delays
    monkeypatch.setattr(data, "delays", delays)
    folder = _pack(tmp_path, {"assemble.sql": ("    arrival,\n",
                                               "    arrival,\n    ready_to_work,\n")})
    text = _report_text(tmp_path, folder)
    assert drawn[0] is not None
    assert (drawn[0]["counts"][0], sum(drawn[0]["counts"]), drawn[0]["never"]) == (1, 1, 0)
    # the caption said the visit "had no window (short visits)"
    assert ("for the 1 judged visit; 0 of them had no control session." in text), text


def test_a_double_dash_in_a_rules_quoted_text_is_no_comment(tmp_path):
    # the engine cut every line at its first `--`, inside quotes too: a message saying
    # 'tariff item 12 -- earns ...' lost the rest of its line, and DuckDB failed on an
    # unterminated string literal
    from berthcheck.engine.pack_fixtures import write_case

    folder = _pack(tmp_path, {"BI01.sql": (
        "    'earns a credit of ' ||",
        "    'tariff item 12 -- earns a credit of ' || -- a comment, still cut\n   ")})
    db = str(tmp_path / "bc.duckdb")
    write_case(Path(db), {"tables": {"visits": [{"visit_id": "V1"}], "shore-power": [
        {"session_id": "S1", "visit_id": "V1", "connected": "2026-10-03 06:00",
         "disconnected": "2026-10-04 19:00"}]}})
    out = tmp_path / "results.csv"
    result = runner.invoke(app, ["check", "--db", db, "--pack", str(folder), "--out", str(out),
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    findings = (tmp_path / "findings.csv").read_text(encoding="utf-8")
    assert "V1,info,tariff item 12 -- earns a credit of " in findings, findings


def test_a_dollar_word_in_a_rules_quoted_text_is_no_parameter(tmp_path):
    # '$credit' inside a message was read as a parameter: the pack was refused, "uses
    # parameters ['credit'] that pack.toml does not declare", for text DuckDB never binds
    from berthcheck.engine.pack_fixtures import write_case

    folder = _pack(tmp_path, {"BI01.sql": (
        "    'earns a credit of ' ||", "    'earns $credit, a credit of ' ||")})
    db = str(tmp_path / "bc.duckdb")
    write_case(Path(db), {"tables": {"visits": [{"visit_id": "V1"}], "shore-power": [
        {"session_id": "S1", "visit_id": "V1", "connected": "2026-10-03 06:00",
         "disconnected": "2026-10-04 19:00"}]}})
    result = runner.invoke(app, ["check", "--db", db, "--pack", str(folder), "--out",
                                 str(tmp_path / "results.csv"), "--quiet"])
    assert result.exit_code == 0, result.output
    findings = (tmp_path / "findings.csv").read_text(encoding="utf-8")
    assert "V1,info,\"earns $credit, a credit of 925.0 for 37.0 hours" in findings, findings


def test_an_instant_column_of_the_pack_is_port_local_in_its_chapter(tmp_path):
    # the chapter's column table printed a declared TIMESTAMPTZ column in UTC ("2026-10-12
    # 02:00 UTC (1)") beside listings and a cover saying every time is port-local
    folder = _pack(tmp_path, {
        "pack.toml": ("[[bases]]", '[[result_columns]]\nname = "credit_paid"\n'
                      'type = "TIMESTAMPTZ"\ndescription = "When the credit is paid"\n\n'
                      "[[bases]]"),
        "assemble.sql": ("    credit AS incentive_credit,\n",
                         "    credit AS incentive_credit,\n"
                         "    departure + INTERVAL 7 DAY AS credit_paid,\n"),
    })
    text = _report_text(tmp_path, folder)
    chapter = text[text.index("Columns of this rule pack"):text.index("Bases of this rule pack")]
    # departure 2026-10-04 19:00 PDT, a week later
    assert "2026-10-11 19:00 PDT (1)" in chapter
    assert "UTC" not in chapter


def test_rules_test_names_a_rule_no_fixture_case_tests(tmp_path):
    # a rule added without a tests/<RULE_ID>.yml passed `rules test` in silence ("3 passed, 0
    # failed"), as if it were proven
    folder = _pack(tmp_path, {"pack.toml": ('rules = ["BI01"]', 'rules = ["BI01", "BI02"]')})
    (folder / "BI02.sql").write_text(
        (folder / "BI01.sql").read_text(encoding="utf-8").replace("-- id: BI01", "-- id: BI02")
        .replace("incentive.credit_earned", "incentive.credit_again"),
        encoding="utf-8")
    result = runner.invoke(app, ["rules", "test", str(folder)])
    assert result.exit_code == 0, result.output
    assert (f"warning: rule BI02 has no fixture case (write them in {folder / 'tests'}/"
            "BI02.yml)") in result.stderr
    data = runner.invoke(app, ["rules", "test", str(folder), "--json"])
    assert json.loads(data.stdout)["untested_rules"] == ["BI02"]


@pytest.mark.parametrize("column, kind", [("incentive_credit", "a DOUBLE column"),
                                          ("vessel_name", "a VARCHAR column"),
                                          ("credit_due", "no column of the results")])
def test_a_window_column_that_is_no_instant_is_refused_naming_pack_toml(tmp_path, column, kind):
    # `report` crashed: "unexpected AttributeError: 'int' object has no attribute 'tzinfo'
    # (this is a bug in berthcheck ...)"
    folder = _pack(tmp_path, {"pack.toml": ('window_label = "Arrival / departure"',
                                            'window_label = "Arrival / departure"\n'
                                            f'window_columns = ["arrival", "{column}"]')})
    result = runner.invoke(app, ["rules", "test", str(folder)])
    assert result.exit_code == 2, result.output
    assert (f"{folder / 'pack.toml'}, line " in result.output
            and f"[report] window_columns names {column!r}, {kind}" in result.output)
    assert "Traceback" not in result.output and "unexpected" not in result.output


def test_a_case_expecting_another_instant_shows_both_as_written(tmp_path):
    # the problem printed Python's repr, "got datetime.datetime(2026, 10, 5, 2, 0,
    # tzinfo=zoneinfo.ZoneInfo(key='UTC')), expected '2026-10-04 20:00'": a pack author had to
    # turn UTC into the port's time by hand to see which was an hour off
    folder = _pack(tmp_path, {"tests/BI01.yml": ("shore_power_hours: 37.0}",
                                                 'shore_power_hours: 37.0,\n'
                                                 '           departure: "2026-10-04 20:00"}')})
    result = runner.invoke(app, ["rules", "test", str(folder), "--json"])
    assert result.exit_code == 1, result.output
    (problem,) = [p for c in json.loads(result.stdout)["cases"] for p in c["problems"]]
    assert problem == ("V1.departure: got 2026-10-04 19:00 at America/Los_Angeles "
                       "(2026-10-05T02:00:00Z), expected '2026-10-04 20:00' "
                       "(2026-10-05T03:00:00Z)")


@pytest.mark.parametrize("want, problem", [
    ('"2026-10-04"', None),  # quoted ISO text: failed as "got datetime.date(2026, 10, 4)"
    ("2026-10-04", None),  # a YAML date
    ('"2026-10-05"', "V1.credit_day: got 2026-10-04, expected '2026-10-05'"),
])
def test_a_case_expects_a_date_column_as_iso_text(tmp_path, want, problem):
    folder = _pack(tmp_path, {
        "pack.toml": ("[[bases]]", '[[result_columns]]\nname = "credit_day"\ntype = "DATE"\n'
                      'description = "The port-local day of departure"\n\n[[bases]]'),
        "assemble.sql": ("    credit AS incentive_credit,\n",
                         "    credit AS incentive_credit,\n"
                         "    CAST(timezone(tz, departure) AS DATE) AS credit_day,\n"),
        "tests/BI01.yml": ("shore_power_hours: 37.0}",
                           f"shore_power_hours: 37.0,\n           credit_day: {want}}}"),
    })
    result = runner.invoke(app, ["rules", "test", str(folder), "--json"])
    problems = [p for c in json.loads(result.stdout)["cases"] for p in c["problems"]]
    assert problems == ([problem] if problem else []), result.output

"""Issue 20's proof that a pack can be written from docs/packs.md alone: tests/packs/
berth-incentive (a port's shore-power credit, with its own result column and bases) passes its
fixtures, `check`, `check --out` export (CSV and JSON) and the report (HTML and PDF)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine.pack_fixtures import write_case
from tests.conftest import copy_store, edited_pack_copy

PACK = Path(__file__).resolve().parent / "packs" / "berth-incentive"


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


CASE = {"tables": {
    "visits": [{"visit_id": "V1"}, {"visit_id": "V2"}],
    "shore-power": [
        {"session_id": "S1", "visit_id": "V1", "connected": "2026-10-03 06:00",
         "disconnected": "2026-10-04 19:00"},
        {"session_id": "S2", "visit_id": "V2", "connected": "2026-10-03 08:00",
         "disconnected": "2026-10-03 13:00"},
    ],
}}


def _store(path: Path) -> Path:
    """V1 on shore power for its whole 37-hour stay (credit 925), V2 for 5 hours (none)."""
    return write_case(path, CASE)


@pytest.fixture(scope="module")
def two_visits(tmp_path_factory) -> Path:
    """The two visits' store, written once for the module and never opened: a test that needs
    a store of its own takes a copy (`copy_store`), where each wrote the case again."""
    return _store(tmp_path_factory.mktemp("two-visits") / "bc.duckdb")


def _incentive_check(folder: Path, tmp_path: Path, two_visits: Path | None = None):
    """The results of a (changed) copy of the pack over the two visits: a copy of the store
    `two_visits` where the caller has it, else the case written anew (test_pack_sources, whose
    tests are dealt out one by one)."""
    from berthcheck.engine import check, load_pack

    path = tmp_path / "case.duckdb"
    con = store.connect(_store(path) if two_visits is None else copy_store(two_visits, path))
    try:
        return check(con, load_pack(str(folder)), store_run=False, record=False).results
    finally:
        con.close()


@pytest.fixture(scope="module")
def db(two_visits, tmp_path_factory) -> Path:
    return copy_store(two_visits, tmp_path_factory.mktemp("incentive") / "bc.duckdb")


def test_its_fixture_cases_pass():
    result = _cli("rules", "test", PACK, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["passed"], data["failed"]) == (3, 0)


def test_its_fixture_cases_as_csv_are_the_json_cases_one_line_each():
    import csv
    import io

    cases = json.loads(_cli("rules", "test", PACK, "--json").stdout)["cases"]
    result = _cli("rules", "test", PACK, "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["pack", "rule", "case", "file", "ok", "problems"]
    assert [(r["rule"], r["case"], r["file"], r["ok"]) for r in rows] == [
        (c["rule"], c["case"], c["file"], "true") for c in cases]
    both = _cli("rules", "test", PACK, "--csv", "--json")
    assert both.exit_code == 2 and both.stdout == ""


def test_check_exports_its_column_and_bases(db, tmp_path):
    out = tmp_path / "results.csv"
    manifest = tmp_path / "manifest.json"
    result = _cli("check", "--db", db, "--pack", PACK, "--period", "2026-10", "--out", out,
                  "--manifest", manifest)
    assert result.exit_code == 0, result.output
    # a pack given by path is a custom pack: the run records its folder
    recorded = json.loads(manifest.read_text(encoding="utf-8"))["pack"]
    assert (recorded["custom"], recorded["path"]) == (True, str(PACK))
    # `runs list` (README): `(custom)` in the pack column, the folder on a line below the table
    run_id = json.loads(manifest.read_text(encoding="utf-8"))["run_id"]
    listed = _cli("runs", "list", "--db", db).output.splitlines()
    assert "berth-incentive@1.0.0 (custom)" in next(x for x in listed if x.startswith(run_id))
    assert f"{run_id}: custom pack {PACK}" in listed
    with out.open(encoding="utf-8") as f:
        rows = {r["visit_id"]: r for r in csv.DictReader(f)}
    assert {v: (r["verdict"], r["basis"], float(r["incentive_credit"]))
            for v, r in rows.items()} == {
        "V1": ("compliant", "credit_earned", 925.0),
        "V2": ("not_applicable", "no_credit", 0.0),
    }
    assert rows["V1"]["pack"] == "berth-incentive@1.0.0"
    with (tmp_path / "findings.csv").open(encoding="utf-8") as f:
        assert [(r["rule_id"], r["visit_id"]) for r in csv.DictReader(f)] == [("BI01", "V1")]


def test_check_json_export_carries_the_column_typed(db, tmp_path):
    out = tmp_path / "results.json"
    result = _cli("check", "--db", db, "--pack", PACK, "--out", out)
    assert result.exit_code == 0, result.output
    rows = {r["visit_id"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert rows["V1"]["incentive_credit"] == 925.0
    assert rows["V2"]["incentive_credit"] == 0.0


@pytest.fixture(scope="module")
def reports(db, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("incentive-report")
    out = {}
    for ext in ("html", "pdf"):
        path = folder / f"report.{ext}"
        result = _cli("report", "--db", db, "--pack", PACK, "--period", "2026-10", "--out", path)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        out[ext] = path
    return out


def test_report_renders_to_html_and_pdf(reports):
    from pypdf import PdfReader

    html = reports["html"].read_text(encoding="utf-8")
    assert "berth-incentive@1.0.0" in html
    # the cover page (every page's running header names the pack too; reading one page is
    # about 0.05 CPU s, the report's nine 0.45)
    pdf = PdfReader(reports["pdf"]).pages[0].extract_text()
    assert "berth-incentive@1.0.0" in pdf


def test_report_shows_the_packs_section_and_column(reports):
    html = reports["html"].read_text(encoding="utf-8")
    assert "Shore-power incentive" in html  # [report] section_title
    assert "incentive_credit" in html or "The credit the visit earns" in html
    assert "Hours on shore power" in html  # [evidence.shore_power_hours] label


def test_a_run_of_a_pack_given_by_path_verifies_and_reports_later(two_visits, tmp_path):
    """The run records the pack's folder: `audit verify` and `report --run` find the pack
    there, not among the built-in packs (where no berth-incentive exists)."""
    db = copy_store(two_visits, tmp_path / "later.duckdb")
    result = _cli("check", "--db", db, "--pack", PACK, "--period", "2026-10", "--json")
    assert result.exit_code == 0, result.output
    con = store.connect(db)
    try:
        run_id = store.scalar(con, "SELECT run_id FROM runs")
    finally:
        con.close()
    verified = _cli("audit", "verify", run_id, "--db", db)
    assert verified.exit_code == 0, verified.output
    html = tmp_path / "later.html"
    reported = _cli("report", "--db", db, "--run", run_id, "--out", html)
    assert reported.exit_code == 0, reported.output
    assert "Shore-power incentive" in html.read_text(encoding="utf-8")


def _copy_with(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the pack with `old` replaced by `new` in one of its files."""
    return edited_pack_copy(PACK, tmp_path / "berth-incentive", file, old, new)


def test_an_assemble_query_that_leaves_out_a_visit_fails_naming_it(two_visits, tmp_path):
    """V2 has no finding: an assemble query without its row once gave results of V1 alone,
    exit 0, the visit gone from the check without a word."""
    from berthcheck.engine.sandbox import PackError

    folder = _copy_with(tmp_path, "assemble.sql", "FROM bi_visit\n",
                        "FROM bi_visit\nWHERE visit_id <> 'V2'\n")
    with pytest.raises(PackError) as failed:
        _incentive_check(folder, tmp_path, two_visits)
    message = str(failed.value)
    assert "assemble.sql failed: it returns no row for 1 visit in scope: V2" in message


@pytest.fixture(scope="module")
def hourless(two_visits, tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the pack that finds V1 non-compliant without window or hours (a pack whose
    rule is not about time at berth without control, docs/packs.md 6), and its store."""
    folder = _copy_with(tmp_path_factory.mktemp("hourless"), "assemble.sql",
                        "WHEN earns THEN 'compliant' ELSE 'not_applicable' END AS verdict,\n"
                        "    CASE WHEN earns THEN 'credit_earned'",
                        "WHEN earns THEN 'non_compliant' ELSE 'not_applicable' END AS verdict,\n"
                        "    CASE WHEN earns THEN 'uncontrolled'")
    return folder, copy_store(two_visits, folder.parent / "bc.duckdb")


def test_a_summary_of_a_pack_without_hours_does_not_say_zero(hourless):
    """The check's summary once read the hours the pack leaves empty as 0: "uncontrolled
    hours: 0.00" and V1 among the worst visits with 0 minutes."""
    folder, db = hourless
    text = _cli("check", "--db", db, "--pack", folder, "--period", "2026-10")
    assert text.exit_code == 0, text.output
    assert "uncontrolled hours: not given by the pack;" in text.output
    line = next(x for x in text.output.splitlines() if x.startswith("V1 "))
    assert re.fullmatch(r"V1 +Vessel V1 +- +- +uncontrolled", line), line  # no minutes
    summary = json.loads(_cli("check", "--db", db, "--pack", folder, "--period", "2026-10",
                              "--json").stdout)
    assert summary["uncontrolled_hours"] is None
    assert [(w["visit_id"], w["uncontrolled_minutes"]) for w in summary["worst"]] == [
        ("V1", None)]


def test_a_report_of_a_pack_without_hours_does_not_say_zero(hourless, tmp_path):
    folder, db = hourless
    html = tmp_path / "report.html"
    result = _cli("report", "--db", db, "--pack", folder, "--period", "2026-10", "--out", html)
    assert result.exit_code == 0, result.output
    text = html.read_text(encoding="utf-8")
    assert "hours uncontrolled" not in text  # "Non-compliant visits left 0.0 hours ..."
    assert ('<span class="label">Uncontrolled hours</span><span class="value">–</span>'
            in text)
    # V1's line in the non-compliant listing: a dash for its uncontrolled minutes, not 0
    listing = text[text.index("<h2>Non-compliant visits</h2>"):]
    start = listing.index("<tr>", listing.index("<tbody>"))
    row = listing[start:listing.index("</tr>", start)]
    # the pack's incentive_credit column first (a number: right-aligned as the report's own
    # figures), then the minutes, then the penalty
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[1] == "–"
    # the terminal table's rows too, as its "All" line: each terminal's were 0.0 hours
    terminals = text[text.index("<h2>Terminals</h2>"):text.index("</table>",
                                                                  text.index("<h2>Terminals</h2>"))]
    for line in re.findall(r"<tr>(.*?)</tr>", terminals[terminals.index("<tbody>"):], re.S):
        cells = re.findall(r'<td class="num">([^<]*)</td>', line)
        assert cells[-2:] == ["–", "–"], line  # uncontrolled and excused hours


def test_a_case_expecting_a_visit_it_leaves_out_says_why(tmp_path):
    """A case with `period:` checks that period only (docs/packs.md 8): an expected visit
    departing outside it, or one the case has no row of, was only "V1 missing from results"."""
    folder = _copy_with(tmp_path, "tests/BI01.yml", "cases:\n", """cases:
  - name: september_leaves_out_the_october_visit
    period: 2026-09
    tables:
      visits: [{visit_id: V1}]
    expect:
      V1: {verdict: compliant}
    findings: []
  - name: a_visit_the_case_does_not_have
    tables:
      visits: [{visit_id: V1}]
    expect:
      V2: {verdict: compliant}
""")
    result = _cli("rules", "test", folder, "--json")
    assert result.exit_code == 1, result.output
    problems = {c["case"]: c["problems"] for c in json.loads(result.stdout)["cases"]
                if c["problems"]}
    assert problems == {
        "september_leaves_out_the_october_visit": [
            "V1 missing from results: the case's period 2026-09 leaves it out (a visit belongs "
            "to the period of its port-local departure)"],
        "a_visit_the_case_does_not_have": [
            "V2 missing from results: no visit row of the case has that visit_id"],
    }


def test_a_rule_giving_negative_minutes_fails_naming_the_rule(two_visits, tmp_path):
    """`minutes` is the length of time a finding is about (docs/packs.md 5): a rule that gave
    -2220 (a subtraction the wrong way round) was stored and summed as it was."""
    from berthcheck.engine.pack_spec import PackFileError

    folder = _copy_with(tmp_path, "BI01.sql", "round(sp_seconds / 60, 4) AS minutes",
                        "-round(sp_seconds / 60, 4) AS minutes")
    with pytest.raises(PackFileError) as failed:
        _incentive_check(folder, tmp_path, two_visits)
    assert "BI01.sql (rule BI01): column minutes is below 0 on 1 row(s), e.g. -2220.0 for " \
           "visit V1; it is a length of time, 0 or more, or NULL" in str(failed.value)


def test_indicators_of_a_pack_without_hours_leave_the_hours_empty(hourless, tmp_path):
    """The indicators once summed the hours the pack leaves empty to 0.0: 0 uncontrolled
    hours and 0 kg in excess for a month with a non-compliant visit."""
    folder, db = hourless
    out = tmp_path / "indicators"
    result = _cli("export", "indicators", "--db", db, "--period", "2026-10", "--pack", folder,
                  "--out", out)
    assert result.exit_code == 0, result.output
    with (out / "indicators.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert row["non_compliant_visits"] == "1"
    assert {k: row[k] for k in ("controlled_hours", "uncontrolled_hours", "excused_hours",
                                "excess_nox_kg", "excess_co2_kg")} == dict.fromkeys(
        ("controlled_hours", "uncontrolled_hours", "excused_hours", "excess_nox_kg",
         "excess_co2_kg"), "")
    assert float(row["shore_power_hours"]) == 42.0  # what the pack gives is summed as before


def test_a_broken_invariant_names_it_the_visit_and_the_values_it_reads(two_visits, tmp_path):
    """A pack giving a compliant visit uncontrolled time (a 90 % threshold written into the
    window columns) was told `column ResultsModel: compliant_has_no_uncontrolled_time failed
    on 1 row(s) (e.g. '{...}')` with the whole 60-column row as JSON."""
    from berthcheck.engine.pack_spec import PackFileError

    folder = _copy_with(tmp_path, "assemble.sql", "CAST(NULL AS DOUBLE) AS uncontrolled_hours",
                        "CASE WHEN earns THEN CAST(0.5 AS DOUBLE) END AS uncontrolled_hours")
    with pytest.raises(PackFileError) as failed:
        _incentive_check(folder, tmp_path, two_visits)
    message = str(failed.value)
    assert ("the results break the pack contract's invariants: invariant "
            "compliant_has_no_uncontrolled_time (a compliant visit's uncontrolled_hours is "
            "empty or 0) failed on 1 row(s), e.g. visit V1: verdict compliant, "
            "uncontrolled_hours 0.5 (docs/packs.md, 'What the engine checks')") in message
    assert "ResultsModel" not in message


def test_a_declared_column_that_may_not_be_null_names_the_visit(two_visits, tmp_path):
    """`nullable = false` broken was `column incentive_credit: not_nullable failed on 1
    row(s) (e.g. None)`: neither the visit nor the declaration's words."""
    from berthcheck.engine.pack_spec import PackFileError

    folder = _copy_with(tmp_path, "assemble.sql", "credit AS incentive_credit",
                        "CASE WHEN earns THEN credit END AS incentive_credit")
    with pytest.raises(PackFileError) as failed:
        _incentive_check(folder, tmp_path, two_visits)
    assert ("assemble.sql: column incentive_credit is NULL on 1 row(s) (e.g. visit V2); "
            f"{folder / 'pack.toml'} declares it nullable = false") in str(failed.value)


def test_a_penalty_without_a_currency_fails_naming_the_visit(two_visits, tmp_path):
    """A pack returning penalties without `[pack] currency` ran: `check` left them out of its
    summary without a word and the report printed "total 925.00", an amount in no unit."""
    from berthcheck.engine.pack_spec import PackFileError

    folder = _copy_with(tmp_path, "assemble.sql", "CAST(NULL AS DOUBLE) AS penalty",
                        "CASE WHEN earns THEN credit END AS penalty")
    toml = folder / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('currency = "USD"\n', ""),
                    encoding="utf-8")
    with pytest.raises(PackFileError) as failed:
        _incentive_check(folder, tmp_path, two_visits)
    assert ("assemble.sql: column penalty is 925.0 on visit V1 (1 row(s) with a penalty), but "
            f"{toml} declares no [pack] currency: declare the amount's ISO 4217 code "
            "(currency = \"EUR\", say), or return NULL") in str(failed.value)


@pytest.fixture(scope="module")
def excused_only(hourless, tmp_path_factory) -> tuple[Path, Path]:
    """The hourless pack giving V1 1.5 excused hours (an emergency's time taken out of a share
    test, say) but still no window, controlled or uncontrolled hours."""
    folder, _ = hourless
    copy = tmp_path_factory.mktemp("excused") / "berth-incentive"
    shutil.copytree(folder, copy)
    assemble = copy / "assemble.sql"
    text = assemble.read_text(encoding="utf-8")
    old = "CAST(NULL AS DOUBLE) AS excused_hours"
    assert old in text
    assemble.write_text(text.replace(old, "CASE WHEN earns THEN CAST(1.5 AS DOUBLE) END "
                                          "AS excused_hours"), encoding="utf-8")
    return copy, copy_store(hourless[1], copy.parent / "bc.duckdb")


def test_excused_hours_a_pack_gives_without_uncontrolled_ones_are_shown(excused_only, tmp_path):
    """The report's excused hours (summary, terminal table) and the indicators' were a dash
    whenever the pack gave no uncontrolled hours, though it gave the excused ones: the summary
    said "– excused: 1.5 excused without an event kind the findings name"."""
    folder, db = excused_only
    html = tmp_path / "report.html"
    result = _cli("report", "--db", db, "--pack", folder, "--period", "2026-10", "--out", html)
    assert result.exit_code == 0, result.output
    text = html.read_text(encoding="utf-8")
    assert "– excused" not in text and "1.5 excused" in text
    terminals = text[text.index("<h2>Terminals</h2>"):text.index("</table>",
                                                                  text.index("<h2>Terminals</h2>"))]
    for line in re.findall(r"<tr>(.*?)</tr>", terminals[terminals.index("<tbody>"):], re.S):
        assert re.findall(r'<td class="num">([^<]*)</td>', line)[-2:] == ["–", "1.5"], line
    out = tmp_path / "indicators"
    result = _cli("export", "indicators", "--db", db, "--period", "2026-10", "--pack", folder,
                  "--out", out)
    assert result.exit_code == 0, result.output
    with (out / "indicators.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["uncontrolled_hours"], row["excused_hours"]) == ("", "1.5000")

"""A fleet spelled two ways in a line's own files is one fleet (found using berthcheck as a
shipping line would: its visits, allowances and counts come from different systems).

`--fleet` matches a fleet ignoring case and spaces; the CARB pack counted VIEs, and looked up
the fleet's allowance, letter for letter, so an allowances row "PACIFIC MERIDIAN LINES" was not
the visits' "Pacific Meridian Lines" (every claim refused, AB11 "no allowances row") and two
spellings on the visits each had an allowance of their own. The pack's arithmetic is in the
fixture cases (tests/rules/AB10.yml, `fleet_*`); here the line's files end to end, and the
report's VIE table, which must count as the pack does.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from berthcheck.cli import app
from berthcheck.engine.scope import fleet_key
from tests.conftest import good_visit, write_csv

runner = CliRunner()


def _line_files(folder: Path) -> Path:
    """Two visits of one fleet, spelled two ways, each with a VIE and no control; the fleet's
    allowance (1 VIE for 2026) spelled a third way. V1 departs 10-03, V2 10-05."""
    folder.mkdir()
    write_csv(folder / "berths.csv", [
        {"port": "USLAX", "terminal": "TRAPAC", "berth": "B136", "shore_power": "true"}])
    write_csv(folder / "terminals.csv", [
        {"port": "USLAX", "terminal": "TRAPAC", "vessel_type": "container", "year": "2026",
         "regulated": "true"}])
    write_csv(folder / "visits.csv", [
        good_visit(visit_id="V1", fleet="Pacific Meridian Lines"),
        good_visit(visit_id="V2", imo="9310018", fleet="PACIFIC  meridian lines",
                   arrival="2026-10-03 08:00", ready_to_work="2026-10-03 09:00",
                   pilot_on_board="2026-10-05 05:00", departure="2026-10-05 06:00"),
    ])
    write_csv(folder / "events.csv", [
        {"event_id": "E1", "visit_id": "V1", "kind": "vie"},
        {"event_id": "E2", "visit_id": "V2", "kind": "vie"},
    ])
    write_csv(folder / "allowances.csv", [
        {"year": "2026", "holder_kind": "fleet", "holder": "pacific meridian lines",
         "granted": "1"},
    ])
    return folder


def _ok(args: list[str]):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def test_a_fleet_spelled_three_ways_shares_one_allowance_in_check_and_report(tmp_path):
    db = str(tmp_path / "line.duckdb")
    _ok(["load-dir", str(_line_files(tmp_path / "line")), "--db", db, "--quiet"])
    out = tmp_path / "results.csv"
    _ok(["check", "--db", db, "--period", "2026-10", "--out", str(out), "--quiet"])
    with open(out, newline="", encoding="utf-8") as fh:
        results = {r["visit_id"]: r for r in csv.DictReader(fh)}
    # VIE 1 of 1 honoured; VIE 2 beyond the allowance: its window (Ready to Work 10-03 09:00
    # + 2 h to Pilot on Board 10-05 05:00 - 1 h, PDT) is 41 h uncontrolled
    assert (results["V1"]["verdict"], results["V1"]["basis"]) == ("compliant", "vie")
    assert (results["V2"]["verdict"], results["V2"]["findings"]) == (
        "non_compliant", "AB09;AB10;AB23")
    assert float(results["V2"]["uncontrolled_hours"]) == 41.0
    with open(tmp_path / "findings.csv", newline="", encoding="utf-8") as fh:
        ab10 = [f["message"] for f in csv.DictReader(fh) if f["rule_id"] == "AB10"]
    assert ab10 == ["VIE 2 of fleet PACIFIC  meridian lines in 2026 exceeds the allowance of 1 "
                    "(allowances); not honoured"]

    page = tmp_path / "october.html"
    _ok(["report", "--db", db, "--period", "2026-10", "--out", str(page), "--quiet"])
    table = page.read_text(encoding="utf-8").split("VIE and TIE use against allowances")[1]
    rows = re.findall(r"<tr><td>(VIE|TIE)</td>(.*?)</tr>", table.split("</table>")[0], re.S)
    cells = [[re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                       rest, re.S)]
             for _kind, rest in rows]
    # one row for the fleet, however spelled: 2 claims, 1 honoured, 1 not, 1 granted
    assert [[" ".join(c) for c in row[:6]] for row in cells] == [
        ["PACIFIC meridian lines fleet", "2026", "2", "1", "1", "1"]]


def test_fleet_key_is_the_packs_folding():
    assert fleet_key("PACIFIC  meridian\u00a0Lines") == fleet_key("Pacific Meridian Lines")
    assert fleet_key("Pacific Meridian Lines") != fleet_key("Pacific-Meridian Lines")


def test_a_scope_of_one_spelling_says_which_visits_it_leaves_out(tmp_path):
    """`--fleet 'Pacific Meridian Lines'` where V2 says 'PACIFIC  meridian lines': the scope
    holds V1 only. It did so without a word (a quietly partial check, report and visit-report
    export); now each says which spelling's visits are not in it. A value matching several
    spellings only ignoring case and spaces is still exit 2, now saying what to do."""
    import json

    db = str(tmp_path / "line.duckdb")
    _ok(["load-dir", str(_line_files(tmp_path / "line")), "--db", db, "--quiet"])
    left_out = ("--fleet 'Pacific Meridian Lines': the loaded visits also spell it "
                "'PACIFIC  meridian lines' (1 visit); those visits are not in this scope")
    fleet = ["--period", "2026-10", "--fleet", "Pacific Meridian Lines"]
    checked = _ok(["check", "--db", db, *fleet, "--json", "--quiet"])
    summary = json.loads(checked.stdout)
    assert summary["visits"] == 1
    assert [w for w in summary["warnings"] if w.startswith(left_out)]
    assert f"warning: {left_out}" in checked.stderr
    reported = _ok(["report", "--db", db, *fleet, "--out", str(tmp_path / "r.html"),
                    "--quiet"])
    assert f"warning: {left_out}" in reported.stderr
    exported = _ok(["export", "carb-visit-report", "--db", db, "--party", "vessel", *fleet,
                    "--out", str(tmp_path / "v.csv"), "--json"])
    assert [w for w in json.loads(exported.stdout)["warnings"] if w.startswith(left_out)]

    ambiguous = runner.invoke(app, ["check", "--db", db, "--period", "2026-10",
                                    "--fleet", "pacific meridian lines"])
    assert ambiguous.exit_code == 2
    assert ("--fleet 'pacific meridian lines' is ambiguous: the loaded visits spell it "
            "'PACIFIC  meridian lines', 'Pacific Meridian Lines'; give one exactly") in (
        ambiguous.output)
    assert "--replace" in ambiguous.output
    one = _ok(["check", "--db", db, "--period", "2026-10", "--json", "--quiet"])
    assert not [w for w in json.loads(one.stdout)["warnings"] if "also spell" in w]

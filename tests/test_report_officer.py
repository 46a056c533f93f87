"""The monthly report as a port's environmental officer reads it before signing, for each
built-in pack (outside-in QA, r17-RV): Rotterdam's FuelEU month and Shanghai's month must not
speak CARB (VIE / TIE allowances, remediation, Ready to Work), every basis code must be
explained, the summary's totals must say what they leave out, and a penalty cell must not spill
into the next column.

The Rotterdam and Shanghai months are loaded once per worker (conftest) and copied; the
reports here are HTML models, and one table is laid out as the PDF lays it out.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import polars as pl
import pytest

from berthcheck import store
from berthcheck.engine import load_pack
from berthcheck.engine.bases import JOINED
from berthcheck.report import board, charts, listing, pack_section, render
from berthcheck.report.pack_spec import report_spec
from berthcheck.report.words import BASIS_WORDS, basis_glossary
from tests.conftest import copy_store, html_report


def _text(html: str) -> str:
    """The HTML's text, one space between words (cells wrap and nest)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _report(db: Path, pack: str, period: str) -> tuple[str, dict]:
    return html_report(db, pack, period)


@pytest.fixture(scope="module")
def rotterdam(rotterdam_month_checked, tmp_path_factory) -> tuple[str, dict]:
    # the month's FuelEU run stored once per worker (conftest): the report reuses it
    db = copy_store(rotterdam_month_checked[0], tmp_path_factory.mktemp("eu-officer") / "db.duckdb")
    return _report(db, "fueleu-art6", "2030-06")


@pytest.fixture(scope="module")
def shanghai(shanghai_month_checked, tmp_path_factory) -> tuple[str, dict]:
    # the month's run under the Chinese pack stored once per worker (conftest): reused
    db = copy_store(shanghai_month_checked[0], tmp_path_factory.mktemp("cn-officer") / "db.duckdb")
    return _report(db, "cn-shore-power", "2026-10")


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start: html.index("</section>", start)]


# --- the connection-delay chart: only where visits have a Ready to Work ----------------------


def test_fueleu_report_does_not_say_its_judged_calls_had_no_control_window(rotterdam):
    # FuelEU judges the stay at berth (arrival to departure); its visits carry no Ready to
    # Work, so a "Ready to Work to first control" chart has nothing to show. It said "for the 0
    # judged visits with a control window; ... the other 118 judged visits had no window
    # (short visits)": every judged call of the month has a window.
    html, model = rotterdam
    assert model["chart_data"]["delays"] is None
    charts = _text(_section(html, "charts"))
    assert "had no window" not in charts
    assert "judged visits with a control window" not in charts
    # nor that a Ready to Work time is missing: the pack never reads one, so no chart at all
    assert "Connection delay" not in charts and "Ready to Work" not in charts


def test_a_chart_the_pack_cannot_draw_says_why_once(shanghai):
    # the empty chart said "Not available for this rule pack." and its caption said it again
    # (and cn-shore-power, which judges the stay from berthing, has no such chart at all)
    charts = _text(_section(shanghai[0], "charts"))
    assert "Connection delay" not in charts and "Ready to Work" not in charts
    assert "Not available" not in charts


# --- no CARB allowances, remediation or VIE / TIE in a pack that has none --------------------


@pytest.mark.parametrize("report", ["rotterdam", "shanghai"])
def test_a_pack_without_vie_tie_allowances_shows_none_of_their_columns_or_tables(report, request):
    html, model = request.getfixturevalue(report)
    assert not model["meta"]["allowances"]
    terminals = _section(html, "terminals")
    assert ">VIE<" not in terminals and ">TIE<" not in terminals
    exceptions = _text(_section(html, "exceptions"))
    assert "VIE and TIE use" not in exceptions
    assert "allowances table" not in exceptions
    # remediation (payment into a CARB fund) is no exception of FuelEU or of the Chinese rule
    assert "emediation" not in exceptions
    terms = {t["term"]: t["meaning"] for t in model["glossary"]["terms"]}
    assert "VIE" not in terms["Excused hours"]


def test_a_vie_claimed_under_the_chinese_rule_is_not_reported_against_an_allowance(shanghai):
    # The Shanghai month holds a VIE event (claimed under another port's rules): the pack does
    # not count VIEs (CN09), so the report said it was not honoured because its fleet was "not
    # in allowances table". The events table still lists the claim with its outcome.
    html, model = shanghai
    assert model["exceptions"]["allowances"] == []
    events = {e["kind"]: e for e in model["exceptions"]["events"]}
    assert events["vie"]["outcome"].startswith("Non-compliant")


def test_the_exceptions_chapter_sums_the_excused_hours_of_each_kind_the_pack_used(rotterdam):
    html, model = rotterdam
    text = _text(_section(html, "exceptions"))
    by_kind = dict(model["summary"]["excused_by_kind"])
    assert set(by_kind) == {"emergency", "ops_unavailable", "ops_incompatible",
                            "zero_emission_tech"}
    # each kind in words, as the summary says it ("OPS", the glossary's on-shore power supply)
    assert "Hours excused by kind: emergency 1.9, OPS incompatible 18.6, OPS unavailable" in text


# --- the emission factors: shared estimates, not the regime's test --------------------------


@pytest.mark.parametrize(("report", "regulation"), [
    ("rotterdam", "FuelEU Maritime"), ("shanghai", "MOT Order 2019")])
def test_the_factors_chapter_says_they_are_shared_estimates_outside_the_regimes_test(
        report, regulation, request):
    # The methodology's emission factors cite the EPA's port inventory guidance, Starcrest's
    # Los Angeles inventories and 17 CCR § 93130.5 with no word on why a FuelEU or Chinese
    # report does: the reader took them for part of that regime's test.
    html, model = request.getfixturevalue(report)
    factors = _text(html[html.index("<h3>Emission factors</h3>"):html.index("Inputs of this run")])
    shared = model["methodology"]["factors"]["shared"]
    assert shared and shared in factors
    assert "berthcheck's shared estimates of emissions at berth" in shared
    assert "same under every rule pack" in shared
    assert "not part of the compliance test of " + model["meta"]["regulation"] in shared
    assert regulation in model["meta"]["regulation"]
    assert "the rule pack does not read them" in shared
    # what the sources really are (docs/emission-factors.md): the sentence names them as the
    # factor tables' citation does
    citation = model["methodology"]["factors"]["citation"]
    for source in ("EPA-420-B-22-011", "Marine_Emissions_Tools", "Starcrest",
                   "Port of Los Angeles", "17 CCR § 93130.5(d)(1)"):
        assert source in citation and source in shared, source
    emissions = _text(_section(html, "emissions"))
    assert "shared estimates, not part of the compliance test" in emissions


def test_a_carb_report_keeps_its_factor_wording(sample_month_checked, tmp_path):
    db = copy_store(sample_month_checked[0], tmp_path / "carb.duckdb")
    html, model = _report(db, "carb-at-berth-2020", "2026-10")
    assert model["methodology"]["factors"]["shared"] is None
    assert "shared estimates" not in _text(html)


# --- every basis code in words ---------------------------------------------------------------


def test_every_basis_part_a_verdict_can_be_joined_with_has_words():
    # FuelEU and Shanghai join ops_unavailable / ops_incompatible (and a connection allowance)
    # to a compliant or non-compliant basis: the glossary said only "A basis code of the rule
    # pack." for them, and the listings "ops unavailable".
    for code in JOINED:
        assert code in BASIS_WORDS, code
    rows = {r["code"]: r["meaning"] for r in basis_glossary(sorted(JOINED))}
    assert "A basis code of the rule pack." not in rows.values()


def test_the_fueleu_glossary_explains_every_basis_of_its_results(rotterdam):
    _, model = rotterdam
    meanings = {b["code"]: b["meaning"] for b in model["glossary"]["basis"]}
    assert {"ops_unavailable", "ops_incompatible"} <= set(meanings)
    assert "A basis code of the rule pack." not in meanings.values()


OTHER_REGULATIONS = {"rotterdam": ("CARB", "China"), "shanghai": ("CARB", "FuelEU")}


@pytest.mark.parametrize("report", ["rotterdam", "shanghai"])
def test_the_glossary_speaks_only_of_the_reports_own_regulation(report, request):
    # The Shanghai glossary defined the control window and a short visit under CARB and FuelEU
    # only, and "vessel type not regulated" as bulk and general cargo under CARB; the
    # Rotterdam one too spoke of CARB.
    _, model = request.getfixturevalue(report)
    glossary = model["glossary"]
    texts = [t["meaning"] for t in glossary["terms"]] + [b["meaning"] for b in glossary["basis"]]
    for other in OTHER_REGULATIONS[report]:
        assert not [t for t in texts if other in t], other
    assert "emediation" not in " ".join(texts)


def test_the_shanghai_glossary_says_its_own_window_and_short_visit(shanghai):
    glossary = shanghai[1]["glossary"]
    terms = {t["term"]: t["meaning"] for t in glossary["terms"]}
    assert terms["Control window"] == (
        "The part of a visit in which emissions must be controlled: from arrival + the "
        "connection allowance to departure − the disconnection allowance (China).")
    bases = {b["code"]: b["meaning"] for b in glossary["basis"]}
    assert bases["short_visit"] == (
        "The stay was too short for control to be required: the stay was not longer than 3 "
        "hours at a coastal port, 2 hours inland (China, exempt).")
    assert bases["not_regulated_type"].endswith("control requirement: tankers under the "
                                                "Chinese rule.")


def test_the_start_date_basis_says_which_end_of_the_stay_each_regulation_reads(tmp_path):
    # The Chinese pack (and CARB) hold the start date against the ARRIVAL: a ship that berthed
    # at 23:59 the evening before and left the next morning is before_start_date. The glossary
    # told a Shanghai officer it "departed before the requirement began", which it did not.
    from berthcheck.ingest.load import load_files
    from tests.conftest import good_visit, write_csv

    db = tmp_path / "db.duckdb"
    con = store.connect(db)
    try:
        load_files(con, "visits", [write_csv(tmp_path / "visits.csv", [good_visit(
            port="CNSHA", terminal="YS4", berth="YS401", arrival="2019-06-30 23:59",
            ready_to_work="", pilot_on_board="", departure="2019-07-01 10:00")])])
    finally:
        con.close()
    html, model = _report(db, "cn-shore-power", "2019-07")
    assert model["summary"]["counts"]["not_applicable"] == 1
    bases = {b["code"]: b["meaning"] for b in model["glossary"]["basis"]}
    assert bases["before_start_date"] == (
        "Not applicable: the requirement had not begun for this vessel type or port: it arrived "
        "before port-local midnight of its start date (China).")
    assert "departed" not in bases["before_start_date"]
    # each regulation's report says its own reading, and only its own
    sentences = {regime: basis_glossary(["before_start_date"], regimes={regime})[0]["meaning"]
                 for regime in ("carb", "fueleu", "cn")}
    assert "arrived before" in sentences["carb"] and "(CARB)" in sentences["carb"]
    assert "departed at or before" in sentences["fueleu"]
    assert "China" not in sentences["carb"] + sentences["fueleu"]


def test_a_typhoon_over_the_whole_window_is_not_listed_as_excusing_part_of_it(shanghai):
    # SHA-2610-00043: a typhoon warning over the whole stay, no minute on shore power, basis
    # `emergency`. The appendix and the exceptions table said "Compliant (emergency excused
    # part)" of it, beside 0 shore-power minutes: part of what, the officer asked.
    html, model = shanghai
    row = next(r["line"] for r in model["appendix"]["rows"] if "SHA-2610-00043" in r["line"])
    assert "window excused: emergency" in row
    assert "excused part" not in row
    text = _text(_section(html, "exceptions"))
    assert "SHA-2610-00043" in text
    assert "Compliant (window excused: emergency)" in text
    assert "emergency excused part" not in text
    bases = {b["code"]: b["meaning"] for b in model["glossary"]["basis"]}
    assert bases["emergency"].endswith(
        "all of it where no minute was under control (listed as window excused: emergency).")
    # joined to time under control it still excused a part of the window
    from berthcheck.report.words import basis_text
    assert basis_text("controlled+emergency") == "controlled in the window, emergency excused part"
    assert basis_text("emergency+ops_unavailable") == (
        "window excused: emergency, OPS unavailable")
    assert basis_text("zero_emission_tech") == "zero-emission technology"  # the exemption


# --- the summary's totals say what they leave out --------------------------------------------


def test_the_penalty_total_says_which_non_compliant_calls_it_leaves_out(rotterdam):
    # One non-compliant Rotterdam call has no known power demand (FE09): its penalty is not
    # computed, so the EUR 1,223,878.50 total is short of it and must say so.
    html, model = rotterdam
    s = model["summary"]
    assert s["penalty_missing"] == 1
    summary = _text(_section(html, "summary"))
    assert ("Penalties as the rule pack computes them total EUR 1,223,878.50 (UNCONFIRMED "
            "rate), without 1 non-compliant visit whose penalty was not computed (chapter "
            "Data quality)") in summary


def test_a_pack_without_penalties_does_not_show_a_penalty_tile(shanghai):
    html, model = shanghai
    assert model["meta"]["currency"] is None
    summary = _text(_section(html, "summary"))
    assert "Penalties" not in summary


def test_terminals_tied_for_the_most_non_compliant_visits_are_all_named(rotterdam):
    # APMT2 (7 of 21 judged) and ECTDT (7 of 15) tie in the Rotterdam month: the summary named
    # APMT2 alone as "the" terminal with the most non-compliant visits.
    html, model = rotterdam
    assert ("Terminals APMT2 and ECTDT had the most non-compliant visits (7 each; of 21 and 15 "
            "judged).") in model["summary"]["written"]


def test_one_terminal_with_the_most_non_compliant_visits_is_named_alone():
    meta = {"period_title": "October 2026", "ports": [], "scope_text": "all"}
    s = {"visits": 3, "judged": 3, "rate_text": "33.3 %", "uncontrolled_text": "2.0",
         "counts": {"compliant": 1, "non_compliant": 2, "exempt": 0, "not_applicable": 0,
                    "insufficient_data": 0}}
    terminals = [{"terminal": "A", "port": "P", "non_compliant": 2, "judged": 2},
                 {"terminal": "B", "port": "P", "non_compliant": 0, "judged": 1}]
    written = board.written_summary(meta, s, terminals, None, {})
    assert "Terminal A had the most non-compliant visits (2 of 2 judged)." in written


def test_one_finding_of_a_severity_is_not_counted_in_the_plural(shanghai):
    assert "Findings: 104 (15 violations, 1 warning, 88 notes)." in _text(
        _section(shanghai[0], "summary"))


# --- the data-quality chapter names what to fix ----------------------------------------------


def test_load_warnings_name_file_row_column_and_value_in_port_local_time(sample_month,
                                                                         tmp_path):
    # A shore-power session (replaced) starting 7 min before arrival and ending 3 min after departure is
    # clipped with a warning. The report grouped warnings by message, so it named neither the
    # file nor the row, and printed the instants in UTC ISO form (2026-09-29T15:52:00+00:00).
    from berthcheck.ingest.load import load_files

    db = copy_store(sample_month, tmp_path / "db.duckdb")
    source = tmp_path / "shore_power.csv"
    source.write_text("session_id,visit_id,connected,disconnected,energy_kwh,meter_id\n"
                      "LAX-2610-00001-SP1,LAX-2610-00001,2026-09-29 08:45,2026-10-01 00:12,"
                      "5.0,AMP-B136\n", encoding="utf-8")
    con = store.connect(db)
    try:
        load_files(con, "shore-power", [source], replace=True)
    finally:
        con.close()
    html, model = _report(db, "carb-at-berth-2020", "2026-10")
    rows = model["quality"]["warning_rows"]
    assert [(r["file"], r["row"], r["column"]) for r in rows] == [
        ("shore_power.csv", 2, "connected"), ("shore_power.csv", 2, "disconnected")]
    # the value as the file wrote it; the instant it was read as, in port-local time
    assert rows[0]["value"] == "2026-09-29 08:45"
    assert rows[0]["message"] == ("read as 2026-09-29 08:45 PDT, before arrival; clipped to "
                                  "2026-09-29 08:52 PDT")
    text = _text(_section(html, "quality"))
    assert "+00:00" not in text
    assert "shore_power.csv 2 disconnected 2026-10-01 00:12 read as 2026-10-01 00:12 PDT, " \
           "after departure; clipped to 2026-10-01 00:09 PDT" in text


# --- the listing's window instants ---------------------------------------------------------


def test_a_visit_without_pilot_on_board_shows_where_its_window_ends():
    # LAX-2610-00169 (the demo month): no Pilot on Board, so AB05 ends the window an hour before
    # departure (11:47 PDT); the listing's Pilot on Board cell was a bare dash under a header
    # saying the window ends an hour before Pilot on Board.
    spec = report_spec(load_pack("carb-at-berth-2020"))
    visit = {"port_timezone": "America/Los_Angeles", "ready_to_work": "2026-10-28T04:27:00Z",
             "pilot_on_board": None, "departure": "2026-10-28T18:47:00Z",
             "window_start": "2026-10-28T06:27:00Z", "window_end": "2026-10-28T17:47:00Z"}
    assert pack_section.window_cells(visit, spec) == (
        "2026-10-27 21:27 PDT", "not given; the window ends 2026-10-28 10:47 PDT")
    given = {**visit, "pilot_on_board": "2026-10-28T18:00:00Z"}
    assert pack_section.window_cells(given, spec)[1] == "2026-10-28 11:00 PDT"


def test_the_appendix_basis_uses_the_room_its_line_has():
    # "controlled in the window, emergency excused part" (48 characters) was cut to "controlled
    # in the window, emergency exc…" on a line with room for all of it
    results = pl.DataFrame({
        "visit_id": ["LAX-2610-00064", "LAX-2610-00065"], "vessel_name": ["HANSE VOYAGER", "X"],
        "terminal": ["TRAPAC", "WBCT"], "departure": ["2026-10-12T20:21:00Z"] * 2,
        "port_timezone": ["America/Los_Angeles"] * 2, "verdict": ["compliant"] * 2,
        "basis": ["controlled+emergency", "controlled"], "uncontrolled_hours": [0.0, 0.0]})
    lines = listing.appendix(results)
    assert "controlled in the window, emergency excused part" in lines["rows"][0]["line"]
    assert len(lines["header"]) <= listing.APPENDIX_LINE_MAX


# --- layout: a penalty cell stays in its column ----------------------------------------------


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


def _cells(model: dict, section_id: str):
    """The `td` boxes of one chapter of the PDF's HTML, laid out on letter pages alone."""
    html = render.render_html(model, charts.draw_all(model["chart_data"]), for_pdf=True)
    at = html.index(f'id="{section_id}"')
    section = html[html.rindex("<section", 0, at): html.index("</section>", at) + 10]
    only = html[: html.index("<section")] + section + "</body></html>"
    document = render.layout(only, {**model["meta"], "page_size": "letter"})
    for page in document.pages:
        for box in _boxes(page._page_box):
            if type(box).__name__ == "TableCellBox" and box.element_tag == "td":
                yield box


def _spilled(model: dict, section_id: str) -> list[str]:
    """The lines of text of a chapter's cells that lie outside their cell (none may)."""
    lines, spilled = 0, []
    for box in _cells(model, section_id):
        left, right = box.border_box_x(), box.border_box_x() + box.border_width()
        for inner in _boxes(box):
            if type(inner).__name__ == "TextBox":
                lines += 1
                if inner.position_x < left - 0.01 or inner.position_x + inner.width > right + 0.01:
                    spilled.append(inner.text)
    assert lines  # the chapter was laid out
    return spilled


def test_the_fueleu_penalty_cell_stays_inside_its_column(rotterdam):
    # "not computed: power demand at berth unknown" was laid out on one line (a numeric cell
    # does not wrap) and printed over the reasons of the next column.
    assert _spilled(rotterdam[1], "noncompliant") == []


def test_an_event_kind_is_not_cut_in_the_middle_of_its_code(shanghai):
    # the Kind column was too narrow for ops_unavailable and zero_emission_tech: they printed
    # as "ops_unavailabl" / "e"
    kinds = {e["kind"] for e in shanghai[1]["exceptions"]["events"]}
    lines = [inner.text for box in _cells(shanghai[1], "exceptions")
             for inner in _boxes(box) if type(inner).__name__ == "TextBox"]
    assert kinds <= set(lines)


def test_a_rules_note_is_not_cut_inside_its_column_name(sample_month, tmp_path):
    # AB01's "note: results column not_applicable_reason" sat in the narrow Severity column and
    # printed as "not_applicabl" / "e_reason"
    db = copy_store(sample_month, tmp_path / "db.duckdb")
    _, model = _report(db, "carb-at-berth-2020", "2026-03")
    assert any(r["note"] == "not_applicable_reason" for r in model["methodology"]["rules"])
    lines = [inner.text for box in _cells(model, "methodology")
             for inner in _boxes(box) if type(inner).__name__ == "TextBox"]
    assert any("not_applicable_reason" in line for line in lines)


@pytest.mark.parametrize("report", ["rotterdam", "shanghai"])
def test_the_summary_tiles_of_each_pack_keep_their_text_inside(report, request):
    # the penalty tile's note and the Shanghai tile in its place are longer than CARB's
    assert _spilled(request.getfixturevalue(report)[1], "summary") == []

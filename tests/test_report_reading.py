"""The report as its readers take it (round 22, the report owner): the port's environmental
manager who sends it to the board, the regulator who receives it, the auditor who checks every
number. Each test here is a defect one of them would have seen; the model and HTML are the
demo's (conftest's `sample_report`), changed where a test needs other figures.
"""

from __future__ import annotations

import copy
import re
from html import unescape

from berthcheck.engine.scope import parse_scope
from berthcheck.report import board, charts, render

# one worker runs the files that read the demo's report (tests/scheduling.py)
WORK_UNIT = "sample-report"


def _html(model: dict) -> str:
    return render.render_html(model, charts.draw_all(model["chart_data"]), for_pdf=False)


def _text(html: str) -> str:
    """The page's text, tags dropped, one space between cells."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_every_table_prints_a_count_as_the_cover_does(sample_report):
    """A month of 3 000 visits: the cover and the summary said "3,000" and "1,889 compliant",
    the verdict table below them "1889" and its total "3000", and so did the terminal table,
    the rules' finding counts, the inputs' and loads' rows and the listing's sentences. Every
    count is printed as the summary prints it (fmt.integer), whatever table holds it."""
    model = copy.deepcopy(sample_report["model"])
    s = model["summary"]
    s["count_rows"][0]["n"] = 1889  # Compliant
    s["visits"] = 3000  # the verdict table's total, the terminal table's All row
    s["counts"]["non_compliant"] = 1234  # the All row
    s["findings"] = 12345  # "Findings: 12,345 (...)"
    model["terminals"]["rows"][0]["visits"] = 2001
    model["methodology"]["rules"][0]["n"] = 1020
    visits_input = next(i for i in model["methodology"]["inputs"] if i["table"] == "visits")
    visits_input["rows"] = 3002
    model["quality"]["batches"][0]["rows"] = 4096
    model["noncompliant"]["total"] = 1500
    html = _html(model)
    text = _text(html)
    for shown in ("1,889", "3,000", "1,234", "Findings: 12,345", "2,001", "1,020", "3,002",
                  "4,096", "1,500 visits, most uncontrolled time first"):
        assert shown in text, shown
    for bare in ("1889", "3000", "1234", "12345", "2001", "1020", "3002", "4096", "1500"):
        assert not re.search(rf"(?<![\d,.-]){bare}(?![\d,])", text), bare
    # identifiers and years are not counts: left as they are
    assert sample_report["run"].run_id in text and " 2026 " in text


def test_sentences_say_a_year_or_a_range_of_dates_in_words():
    """The cover and the written summary put the period's title in a sentence: "Every visit
    ... departing in Year 2026", "In Year 2026, 243 visits departed" and, for `check --from
    --to`, "departing in 2026-10-05 to 2026-10-12" and "In 2026-10-05 to 2026-10-12, 42
    visits departed"."""
    from berthcheck.report.period import period_in_words

    lax = [{"code": "USLAX", "name": "Port of Los Angeles"}]
    year, dates = parse_scope("2026"), parse_scope(None, "2026-10-05", "2026-10-12")
    assert period_in_words(year) == "in 2026"
    assert period_in_words(dates) == "from 2026-10-05 to 2026-10-12"
    assert period_in_words(parse_scope("2026-Q4")) == "in Q4 2026 (October – December)"
    assert period_in_words(parse_scope("2026-10")) == "in October 2026"
    assert board.scope_in_words(year, lax) == (
        "Every visit at the Port of Los Angeles (USLAX) departing in 2026, all terminals and "
        "fleets.")
    assert board.scope_in_words(dates, lax) == (
        "Every visit at the Port of Los Angeles (USLAX) departing from 2026-10-05 to "
        "2026-10-12, all terminals and fleets.")
    s = {"visits": 42, "judged": 0, "counts": dict.fromkeys(
        ("compliant", "non_compliant", "exempt", "not_applicable", "insufficient_data"), 0)}
    s["counts"]["exempt"] = 42
    meta = {"period_title": "2026-10-05 to 2026-10-12", "period_words": period_in_words(dates),
            "ports": lax, "scope_text": "All ports, terminals and fleets"}
    written = board.written_summary(meta, s, [], None, {})
    assert written.startswith("From 2026-10-05 to 2026-10-12, 42 visits departed from the Port"), \
        written
    empty = board.written_summary({**meta, "period_title": "Year 2026",
                                   "period_words": period_in_words(year)},
                                  {**s, "visits": 0}, [], None, {})
    assert empty.startswith("No visit in scope departed in 2026, so"), empty


def test_the_visits_tile_says_the_period_as_the_sentences_do(sample_report):
    """The summary's first tile read "departing in Year 2026" under a year's report."""
    model = copy.deepcopy(sample_report["model"])
    assert "departing in October 2026" in _text(_html(model))
    model["meta"].update(period_title="Year 2026", period_words="in 2026")
    text = _text(_html(model))
    assert "departing in 2026" in text and "departing in Year 2026" not in text


def test_a_rate_short_of_all_never_reads_100_percent(sample_report):
    """2 499 compliant of 2 500 judged: the summary's tile, the terminal table and `check`'s
    summary said "100.0 %" beside a non-compliant visit listed on the same page; 1 visit of
    2 500 read "0.0 %" in the verdict shares. A share that is not all (none) now reads
    "> 99.9 %" ("< 0.1 %"); every other share is rounded to one decimal as before."""
    import polars as pl

    from berthcheck.cli_progress import percent as check_percent
    from berthcheck.report import fmt
    from berthcheck.report.summary import summary, terminals

    assert fmt.percent(2499, 2500) == "> 99.9 %"  # 99.96 % rounded
    assert fmt.percent(1, 2500) == "< 0.1 %"  # 0.04 %
    assert fmt.percent(2500, 2500) == "100.0 %" and fmt.percent(0, 2500) == "0.0 %"
    assert fmt.percent(126, 171) == "73.7 %" and fmt.percent(1998, 2000) == "99.9 %"
    assert fmt.percent(1999, 2000) == "> 99.9 %"  # 99.95 % would round to 100.0
    assert fmt.percent(1, 2000) == "0.1 %"  # 0.05 % rounds up to a figure that is not 0
    assert check_percent(2499, 2500) == "> 99.9 %"  # `check` prints the report's figure
    n = 2500
    results = pl.DataFrame({
        "visit_id": [f"V{i}" for i in range(n)], "port": ["USLAX"] * n, "terminal": ["T"] * n,
        "verdict": ["compliant"] * (n - 1) + ["non_compliant"],
        "basis": ["controlled"] * (n - 1) + ["uncontrolled"],
        "controlled_hours": [1.0] * n, "uncontrolled_hours": [0.0] * (n - 1) + [2.0],
        "excused_hours": [0.0] * n, "penalty": [None] * n},
        schema_overrides={"penalty": pl.Float64})
    s = summary(results, [], {v["visit_id"]: v for v in results.to_dicts()}, None)
    assert s["rate_text"] == "> 99.9 %"
    shares = {r["key"]: r["share"] for r in s["count_rows"]}
    assert shares["compliant"] == "> 99.9 %" and shares["non_compliant"] == "< 0.1 %"
    assert terminals(results)["rows"][0]["rate"] == "> 99.9 %"
    # the previous period's rate, in the comparison table and the written summary
    assert board._rate_text({"compliant": 2499, "judged": 2500}) == "> 99.9 %"
    assert board._rate_text({"compliant": 0, "judged": 0}) == "–"
    # the methodology says how percentages are rounded
    assert ("a share short of all (or above none) as > 99.9 % (or < 0.1 %), never as 100.0 % "
            "(or 0.0 %)") in _text(_html(sample_report["model"]))


def test_one_of_a_kind_is_written_in_the_singular(sample_report):
    """A fleet's report with one non-compliant visit said "1 visits, most uncontrolled time
    first", and one with a single late visit report "1 violations found on visits whose
    verdict is not non-compliant"; likewise one quarantined row ("1 input rows were
    quarantined (1 problems)"), the appendix of one visit and the delay chart's caption."""
    model = copy.deepcopy(sample_report["model"])
    model["noncompliant"]["total"] = 1
    model["other_violations"]["total"] = 1
    model["other_violations"]["rows"] = model["other_violations"]["rows"][:1]
    q = model["quality"]
    q.update(quarantined_total=1, quarantined_rows_total=1,
             quarantine_counts=[{"kind": "visits", "reason": "not a valid IMO number", "n": 1}])
    model["appendix"]["listed"] = 1
    model["chart_data"]["delays"]["judged"] = 1
    text = _text(_html(model))
    for singular in ("1 visit, most uncontrolled time first",
                     "1 violation found on visits whose verdict is not non-compliant",
                     "1 input row was quarantined (1 problem)",
                     "1 visit, by visit id",
                     "for the 1 judged visit with a control window"):
        assert singular in text, singular
    for plural in ("1 visits", "1 violations", "1 input rows", "1 problems", "1 judged visits"):
        assert not re.search(rf"(?<![\d,.]){plural}", text), plural


def test_the_report_date_is_not_called_the_end_of_the_period(sample_report):
    """October's cover said "Visits departing 2026-10-01 to 2026-10-31" and "Report date
    2026-11-01 (end of the reporting period)": a regulator reads two ends of one month. The
    date (the period's exclusive end, for a byte-identical PDF) is now named for what it is."""
    text = _text(_html(copy.deepcopy(sample_report["model"])))
    assert "Visits departing 2026-10-01 to 2026-10-31" in text
    assert "2026-11-01 (end of the reporting period)" not in text
    assert "Report date 2026-11-01 (the day after the reporting period:" in text


def test_the_inputs_table_lists_every_table_the_run_read_as_runs_show_does(sample_report):
    """`runs show RUN` lists the inputs the run read, the built-in ports table (the time
    zones and the CARB / AFIR flags that decide whether a visit is regulated) among them; the
    report's "Inputs of this run" left that table out, so an auditor matching the two found
    one input missing from the report."""
    from berthcheck import store
    from berthcheck.engine.run_listing import run_summary

    con = store.connect(sample_report["db"], read_only=True)
    try:
        read = run_summary(con, sample_report["run"].run_id)["inputs"]
    finally:
        con.close()
    shown = {i["table"]: i for i in sample_report["model"]["methodology"]["inputs"]}
    assert "ports_builtin" in read
    assert set(shown) == set(read)
    for table, facts in read.items():
        assert shown[table]["rows"] == facts["rows"], table
        assert shown[table]["sha"] == facts["sha256"][:16], table


def test_a_penalty_shows_the_power_demand_it_was_computed_from():
    """A FuelEU call whose power demand at berth is 945.5 kW (a visit's aux_power_kw as
    given) was listed as "EUR 53,893.50 / 945 kW × 38 h": 945 × 38 × EUR 1.50 = 53,865.00,
    so the auditor who recomputes the penalty from the report finds EUR 28.50 missing. The
    figures are shown as the results hold them (up to 4 decimals, no trailing zeros)."""
    from berthcheck.engine.pack import load_pack
    from berthcheck.report.pack_spec import report_spec
    from berthcheck.report.visit_sections import noncompliant

    spec = report_spec(load_pack("fueleu-art6"))
    visit = {"visit_id": "RTM-1", "verdict": "non_compliant", "uncontrolled_hours": 37.15,
             "uncontrolled_minutes": 2229.0, "port_timezone": "Europe/Amsterdam",
             # hand computation: 945.5 kW × 38 h (37.15 h billed as whole hours, rounded up)
             # × EUR 1.5 per kWh = EUR 53,893.50
             "power_demand_kw": 945.5, "non_compliant_hours_billed": 38.0,
             "penalty": 53893.5}
    whole = {**visit, "visit_id": "RTM-2", "power_demand_kw": 945.0, "penalty": 53865.0}
    rows = {r["visit_id"]: r for r in noncompliant([visit, whole], [], {}, "EUR",
                                                    spec)["detailed"]}
    assert rows["RTM-1"]["penalty"] == "EUR 53,893.50"
    # a figure and its unit are never split across lines (no-break spaces)
    assert rows["RTM-1"]["penalty_basis"] == "945.5\u00a0kW × 38\u00a0h"
    assert rows["RTM-2"]["penalty_basis"] == "945\u00a0kW × 38\u00a0h"


def test_the_assumptions_table_counts_visits_not_warnings():
    """Loaded without a caecs table, the sample month's 54 capture sessions on 50 visits each
    got AB15's warning; the data-quality chapter's "Assumptions made" said "Visits: 54"."""
    from berthcheck.report.quality import assumptions

    rows = [{"rule_id": "AB15", "severity": "warning", "visit_id": "V1",
             "message": "capture session V1-CC1 counted without verifying its approval"},
            {"rule_id": "AB15", "severity": "warning", "visit_id": "V1",
             "message": "capture session V1-CC2 counted without verifying its approval"},
            {"rule_id": "AB15", "severity": "warning", "visit_id": "V2",
             "message": "capture session V2-CC1 counted without verifying its approval"},
            {"rule_id": "AB09", "severity": "violation", "visit_id": "V3", "message": "x"}]
    (row,) = assumptions(rows, {})
    assert row["rule_id"] == "AB15" and row["n"] == 2  # two visits, three warnings
    assert row["example"].startswith("capture session V1-CC1")


def test_the_summary_says_quarantined_rows_are_missing_from_its_figures(db_path, tmp_path):
    """A month loaded with --quarantine: a visit row with a bad IMO stayed out of every result,
    and the summary a board reads said "In October 2026, 1 visit departed ..." as if the month
    were whole; only the Data quality chapter, pages later, named the row. The summary now says
    how many input rows of which kind were quarantined and that they are in none of its figures."""
    from berthcheck import store
    from berthcheck.ingest.load import load_files
    from tests.conftest import good_visit, html_report, write_csv

    rows = [good_visit(), good_visit(visit_id="V2", imo="9074728")]  # wrong check digit
    con = store.connect(db_path)
    load_files(con, "visits", [write_csv(tmp_path / "visits.csv", rows)], quarantine=True)
    con.close()
    html, model = html_report(db_path, "carb-at-berth-2020", "2026-10")
    written = model["summary"]["written"]
    assert written.startswith("In October 2026, 1 visit departed"), written
    assert ("1 input row of visits was quarantined when loaded and is in none of this "
            "report's figures") in written, written
    assert "1 input row of visits was quarantined" in _text(html)
    # and a store with nothing quarantined says nothing of it
    clean = board.written_summary(
        {"period_words": "in October 2026", "ports": [], "scope_text": "x"},
        {"visits": 1, "judged": 0, "counts": dict.fromkeys(
            ("compliant", "non_compliant", "exempt", "not_applicable", "insufficient_data"),
            0)}, [], None, {}, quarantined=[])
    assert "quarantined" not in clean


def test_an_empty_period_with_quarantined_visits_says_so():
    """Every visit row of the month quarantined: "No visit in scope departed in October 2026"
    read as a quiet month; the summary now says that rows were quarantined."""
    s = {"visits": 0, "judged": 0, "counts": {}}
    meta = {"period_words": "in October 2026", "ports": [], "scope_text": "All ports"}
    written = board.written_summary(meta, s, [], None, {}, quarantined=[
        {"kind": "visits", "rows": 8}, {"kind": "shore-power", "rows": 2}])
    assert written.startswith("No visit in scope departed in October 2026"), written
    assert ("10 input rows (visits: 8, shore-power: 2) were quarantined when loaded and are in "
            "none of this report's figures") in written, written


def test_a_yes_or_no_setting_reads_as_the_pack_and_rules_list_write_it(sample_report):
    """The methodology's parameter table printed Python's "True" / "False" (plug_in_duty,
    tanker_boiler_rule_enabled), where pack.toml, `berthcheck rules list` and the report's own
    notes say true / false; the emission factor conventions read "False true / false" (the
    value, then the unit that only says it is a yes-or-no setting) and "MSD MSD (medium-speed
    diesel) or HSD (high-speed diesel)". A convention's unit now follows its value in
    parentheses, as `berthcheck rules show factors` prints it."""
    md = sample_report["model"]["methodology"]
    params = {p["name"]: p["value"] for p in md["parameters"]}
    assert params["plug_in_duty"] == "true"
    assert params["tanker_boiler_rule_enabled"] == "false"
    assert params["connect_after_ready_to_work_hours"] == "2.0 hours"
    assert params["excusing_event_kinds"] == "emergency, remediation"
    assert params["allowance_initial_year"] == "2023 calendar year"  # a year is not a count
    conventions = {c["name"]: c["value"] for c in md["factors"]["conventions"]}
    assert conventions["capture_treats_boiler_exhaust"] == "false"
    assert conventions["capture_residual_pm10_from_pm25"] == "true"
    assert conventions["default_nox_tier"] == "0 (IMO NOx tier 0-3)"
    assert conventions["default_aux_engine_speed"].startswith("MSD (MSD (medium-speed")
    assert conventions["aux_bsfc_g_per_kwh"] == "217.0 (g fuel per kWh)"
    text = _text(_html(sample_report["model"]))
    assert not re.search(r"\b(True|False)\b", text)
    # cn-shore-power's fines: "100000 RMB" beside counts printed "1,889"
    from berthcheck.report.methodology import setting_text

    assert setting_text(100000, "RMB") == "100,000 RMB"
    assert setting_text(5000, "gross tonnage") == "5000 gross tonnage"


def test_a_long_name_breaks_at_its_underscores_and_a_sentence_ends_once(sample_report):
    """In the narrow name column of the parameter tables the PDF broke a name anywhere:
    "claim_without_uncontrolled_time_u / ses_allowance", "connect_after_ready_to_work_hour / s",
    and a quarantined row's column "shore_power_cap / able". Names now may break after an
    underscore only. And table start_dates read "(bulk, general cargo, other).. 17 CCR": its
    description ends its own sentence."""
    model = copy.deepcopy(sample_report["model"])
    model["quality"]["quarantine_rows"] = [
        {"kind": "visits", "file": "visits.csv", "row": 101, "column": "shore_power_capable",
         "value": "maybe", "reason": "not a boolean"}]
    model["quality"].update(quarantined_total=1, quarantined_rows_total=1)
    html = _html(model)
    assert "claim_<wbr>without_<wbr>uncontrolled_<wbr>time_<wbr>uses_<wbr>allowance" in html
    assert "<td>shore_<wbr>power_<wbr>capable</td>" in html
    assert "table allowance_<wbr>percent" in html
    text = _text(html)
    assert "claim_without_uncontrolled_time_uses_allowance" in text  # the text is the name
    assert ".." not in text.replace("...", "")
    # the filter escapes what it is given, as every value
    assert str(render._identifier("a_<b>")) == "a_<wbr>&lt;b&gt;"


def test_a_figure_and_its_unit_stay_on_one_line(sample_report):
    """The narrow penalty column broke "11,740 kW × 11 / h", and a reason's minutes
    "No valid emission control during the window: 3,622 / min": the unit alone on the next
    line. A figure and its unit are now joined by a no-break space."""
    from berthcheck.report.visit_sections import _shortfall

    html = _html(sample_report["model"])  # (_text would fold the no-break space)
    minutes = re.findall(r"during the window: ([\d,]+)(&nbsp;|\s)min", html)
    assert minutes and all(space == "&nbsp;" for _, space in minutes), minutes[:3]
    assert _shortfall({"late_connection_minutes": 81}) == "late connection 81\u00a0min"


def test_a_pack_that_judges_from_arrival_has_no_connection_delay_chart(sample_report):
    """The FuelEU and Shanghai reports showed a "Connection delay" box reading "Not drawn: no
    judged visit in scope has a Ready to Work time", as if a time the port should have
    supplied were missing; those packs judge the stay from arrival and never read it. The
    chart is left out for a pack whose window does not start at Ready to Work, and kept (with
    its note) for CARB's. Its note says "1 visit", not "1 visits"."""
    from berthcheck.engine.pack import load_pack
    from berthcheck.report.pack_spec import report_spec

    model = copy.deepcopy(sample_report["model"])
    assert model["chart_data"]["delays_from_ready"] is True  # CARB's window
    for pack in ("fueleu-art6", "cn-shore-power"):
        assert "ready_to_work" not in report_spec(load_pack(pack)).window_columns
    model["chart_data"]["delays"] = None
    assert "Not drawn: no judged visit in scope has a Ready to Work time" in _text(_html(model))
    model["chart_data"]["delays_from_ready"] = False
    assert "Connection delay" not in _text(_html(model))
    one = copy.deepcopy(sample_report["model"])
    one["chart_data"]["delays"]["never"] = 1
    assert "No control session: 1 visit<" in charts.draw_all(one["chart_data"])["delays"]


def test_the_auxiliary_load_sources_are_said_in_words(sample_report):
    """The Data quality chapter read "Auxiliary load used for emissions, by source:
    default_size_bin 115, default_type 52, given 33": the results' codes, in alphabetical
    order. It now says where each load came from, the visits' own figure first."""
    text = _text(_html(sample_report["model"]))
    sources = sample_report["model"]["emissions"]["load_sources"]
    n = {s["source"]: s["n"] for s in sources}
    assert [s["source"] for s in sources] == ["given", "default_size_bin", "default_type"]
    assert (f"Auxiliary load used for emissions: the visit's own aux_power_kw for "
            f"{n['given']} visits, the default for the vessel type and size for "
            f"{n['default_size_bin']} visits, the default for the vessel type alone for "
            f"{n['default_type']} visits") in text
    assert "default_size_bin 1" not in text


def test_every_formula_in_the_emissions_table_has_its_subscript(sample_report):
    """The emissions table printed "CO₂" and, three rows below, "SO2"."""
    labels = [r["label"] for r in sample_report["model"]["emissions"]["rows"]]
    assert "SO₂" in labels and "CO₂" in labels and "SO2" not in labels


def test_the_methodology_says_how_the_appendix_rounds_its_hours(sample_report):
    """The methodology said hours are "shown to one decimal"; the appendix's per-visit list
    shows them to two (26.42), so an auditor found the report contradicting itself."""
    from berthcheck.report.listing import appendix_cell

    model = sample_report["model"]
    cell = appendix_cell({"visit_id": "V", "verdict": "non_compliant",
                          "uncontrolled_hours": 26.4166})
    assert cell["uncontrolled"] == "26.42"
    text = _text(_html(model))
    assert ("shown to one decimal (a visit's in the appendix to two)" in text)


def test_a_panel_of_the_avoided_emissions_chart_uses_one_unit(sample_report):
    """The sample month's NOx panel read "50.3 t" for shore power beside "5,595 kg" for
    capture, and CO₂'s capture bar "0.0 kg": the reader compared 50.3 with 5,595. A panel's
    bars now share one unit, and nothing reads "0 kg" / "0 t"."""
    from berthcheck.report import fmt

    assert fmt.masses_kg([50_300.0, 5_595.0]) == ["50.3 t", "5.6 t"]
    assert fmt.masses_kg([3_556_300.0, 0.0]) == ["3,556.3 t", "0 t"]
    assert fmt.masses_kg([887.0, 97.8]) == ["887 kg", "97.8 kg"]
    assert fmt.masses_kg([0.0, 0.0]) == ["0 kg", "0 kg"]
    svg = str(charts.draw_all(sample_report["model"]["chart_data"])["avoided"])
    assert "0.0 kg" not in svg
    for panel in sample_report["model"]["chart_data"]["avoided"]["pollutants"]:
        for text in fmt.masses_kg(panel["values"]):
            assert f">{text}<" in svg, text


def test_a_pack_column_of_numbers_is_right_aligned_as_the_reports_own(sample_report):
    """The Shanghai listing's "Shore power minutes" (cn-shore-power's own column) sat left
    beside "Uncontr. min" on the right, "0" and "1,287" under a header on the left."""
    from berthcheck.engine.pack import load_pack
    from berthcheck.report.pack_section import column_cells
    from berthcheck.report.pack_spec import report_spec

    spec = report_spec(load_pack("cn-shore-power"))
    cells = column_cells({"port_area": "coastal", "shore_power_minutes": 1287}, spec)
    assert [(c["name"], c["value"], c["numeric"]) for c in cells] == [
        ("port_area", "coastal", False), ("shore_power_minutes", "1,287", True)]
    model = copy.deepcopy(sample_report["model"])
    model["meta"]["columns"] = [{"name": c["name"], "label": c["label"],
                                 "numeric": c["numeric"]} for c in cells]
    for v in model["noncompliant"]["detailed"]:
        v["columns"] = cells
    html = _html(model)
    assert '<th class="num" style="width:8%">Shore power minutes</th>' in html
    assert '<td class="num">1,287</td>' in html and "<td>coastal</td>" in html


def test_the_methodology_names_its_source_without_brackets_in_brackets(sample_report):
    """The methodology began "carb-at-berth-2020@... implements Control Measure ... 17 CCR §§
    93130-93130.22 (docs/regulations-carb.md (17 CCR §§ 93130-93130.22; https://...))": the
    pack's citation, which has its own brackets, in brackets."""
    meta = sample_report["model"]["meta"]
    text = _text(_html(sample_report["model"]))
    assert f"implements {meta['regulation']}; source: {meta['citation']}." in text
    assert f"({meta['citation']})" not in text


def test_an_event_kind_is_said_in_words_where_it_excused_hours():
    """The FuelEU and Shanghai verdict paragraphs read "18.6 covered by ops incompatible
    events, 64.8 covered by ops unavailable events, 1.6 covered by zero emission tech events":
    the codes with spaces, "ops" for the OPS (on-shore power supply) the glossary names."""
    import polars as pl

    from berthcheck.report.summary import excused_parts

    results = pl.DataFrame({"visit_id": ["A", "B", "C", "D"],
                            "basis": ["controlled+ops_unavailable", "uncontrolled",
                                      "controlled", "controlled"],
                            "excused_hours": [1.0, 2.0, 0.5, 0.25]})
    findings = [{"visit_id": v, "evidence_data": {"kind": k, "excused_minutes": m}}
                for v, k, m in (("A", "ops_unavailable", 60), ("B", "ops_incompatible", 120),
                                ("C", "zero_emission_tech", 30), ("D", "storm_surge", 15))]
    words = {p["key"]: (p["short"], p["words"]) for p in excused_parts(results, findings)}
    assert words["ops_unavailable"] == ("OPS unavailable", "covered by OPS unavailable events")
    assert words["ops_incompatible"][1] == "covered by OPS incompatible events"
    assert words["zero_emission_tech"][1] == "covered by zero-emission technology events"
    assert words["storm_surge"][1] == "covered by storm surge events"  # a kind of its own


def test_a_change_from_the_previous_period_is_the_difference_of_the_printed_figures():
    """October 132 compliant of 167 judged (79.0 %), September 129 of 170 (75.9 %): the
    comparison said "+3.2 pp" and the summary "up 3.2 percentage points from 75.9 %", which
    a reader adds up to 79.1 %, not the 79.0 % beside it (the change was taken from 79.04 and
    75.88). Likewise hours: 557.24 against 984.46 printed 557.2 and 984.5, change -427.2."""
    now, before = 100.0 * 132 / 167, 100.0 * 129 / 170
    assert board.change_text(now, before, "pp") == "+3.1 pp"
    assert board.change_text(557.24, 984.46, "h") == "-427.3"
    assert board.change_text(202, 200, "n") == "+2"
    s = {"visits": 202, "judged": 167, "rate_text": "79.0 %", "uncontrolled_text": "557.2",
         "counts": {"compliant": 132, "non_compliant": 35, "exempt": 0, "not_applicable": 0,
                    "insufficient_data": 0}}
    meta = {"period_words": "in October 2026", "ports": [], "scope_text": "All"}
    compare = {"previous": {"rate": before, "compliant": 129, "judged": 170},
               "period_words": "in September 2026"}
    written = board.written_summary(meta, s, [], compare, {})
    assert "up 3.1 percentage points from 75.9 % in September 2026" in written, written

"""The report's pack-provided presentation (issue 20): `[report]`, `[evidence.*]`,
`[[result_columns]]` and `[[bases]]` of a pack.toml, read by berthcheck.report.pack_spec.

A pack with these sections gets its own chapter, its columns in the listings and its evidence
under its own labels without any code in berthcheck/report/ knowing it; CARB keeps its Ready to
Work / Pilot on Board listing through its own [report] section. The Shanghai month is loaded
once; reports here are HTML (the one cn PDF is rendered by the demo test in
tests/test_cn_shore_power.py).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest

from berthcheck.engine import load_pack
from berthcheck.errors import BerthcheckError
from berthcheck.report import pack_section
from berthcheck.report.listing import APPENDIX_LINE_MAX
from berthcheck.report.pack_spec import (
    DEFAULT_WINDOW_COLUMNS,
    ResultColumn,
    read_spec,
    report_spec,
)
from tests.conftest import copy_store, html_report

REPO = Path(__file__).resolve().parent.parent
SHANGHAI = REPO / "sample_data" / "cn-shanghai-2026-10"
CN_TITLE = "China: shore power at berth (MOT Measures, Art. 11)"
HOSTILE = '<script>alert(1)</script><img src="file:///etc/passwd">'


def _text(html: str) -> str:
    """The HTML's text, one space between words (cells wrap and nest)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture(scope="module")
def shanghai_db(shanghai_month, tmp_path_factory) -> Path:
    """A copy of the loaded Shanghai month: the report stores its run in it."""
    return copy_store(shanghai_month, tmp_path_factory.mktemp("cn-report") / "db.duckdb")


def _html(db: Path, pack, period: str = "2026-10") -> tuple[str, dict]:
    return html_report(db, pack, period)


@pytest.fixture(scope="module")
def cn_report(shanghai_month_checked, tmp_path_factory) -> tuple[str, dict]:
    """The Shanghai month's report under the Chinese pack, from the run conftest's
    `shanghai_month_checked` stored (the report reuses it, where it checked the month)."""
    db = copy_store(shanghai_month_checked[0], tmp_path_factory.mktemp("cn-run") / "db.duckdb")
    return _html(db, "cn-shore-power")


# --- reading the sections -------------------------------------------------------------------


def test_each_built_in_pack_says_how_its_report_looks():
    cn = report_spec(load_pack("cn-shore-power"))
    assert cn.section_title == CN_TITLE
    assert cn.columns == ("port_area", "shore_power_minutes")
    assert cn.window_label == "Berthing / unberthing" and cn.window_columns == DEFAULT_WINDOW_COLUMNS
    assert cn.evidence["threshold_hours"].label == "Stay threshold"
    assert cn.evidence["threshold_hours"].unit == "h"
    assert {b: s.verdicts for b, s in cn.bases.items()} == {
        "no_receiving_equipment": ("not_applicable",), "berth_without_supply": ("not_applicable",)}
    assert set(cn.columns) <= set(cn.result_columns)
    carb = report_spec(load_pack("carb-at-berth-2020"))
    assert carb.section_title is None  # no chapter of its own: its report is as before
    assert carb.window_columns == ("ready_to_work", "pilot_on_board")
    assert carb.summary and carb.summary.startswith("For a visit that must control emissions")
    fueleu = report_spec(load_pack("fueleu-art6"))
    assert fueleu.section_title is None and fueleu.summary is None
    assert fueleu.window_columns == DEFAULT_WINDOW_COLUMNS


def test_a_pack_without_the_sections_gets_the_generic_presentation(tmp_path):
    path = tmp_path / "pack.toml"
    path.write_text('[pack]\nid = "x"\nversion = "1.0.0"\n', encoding="utf-8")
    spec = read_spec(path)
    assert (spec.section_title, spec.summary, spec.columns, spec.evidence, spec.bases) == (
        None, None, (), {}, {})
    assert spec.window_label == "Arrival / departure"


@pytest.mark.parametrize(("section", "line", "words"), [
    ('[report]\ncolumn = ["a"]\n', 3, ["[report] column", "unknown key"]),
    ('[report]\ncolumns = "port_area"\n', 3, ["[report] columns", "list of column names"]),
    ('[report]\ncolumns = ["Port Area"]\n', 3, ["[report] columns", "'Port Area'"]),
    ('[report]\nwindow_columns = ["arrival"]\n', 3, ["window_columns", "two instants"]),
    ('[evidence.from]\nunit = "min"\n', 3, ["[evidence.from]", "label must be a non-empty"]),
    ('[evidence.from]\nlabel = ""\n', 3, ["[evidence.from]", "label must be a non-empty"]),
    ('[evidence.from]\nlabel = "From"\ncolour = "red"\n', 3, ["colour", "unknown key"]),
    # an entry of an array of tables is named by the line of its name
    ('[[bases]]\nname = "no such"\nverdicts = ["exempt"]\ndescription = "x"\n', 4,
     ["[[bases]] name", "not an identifier"]),
    ('[[bases]]\nname = "b"\nverdicts = "exempt"\ndescription = "x"\n', 4,
     ["[[bases]] b", "verdicts must be a list of"]),
])
def test_a_malformed_section_is_an_error_naming_file_line_and_key(tmp_path, section, line, words):
    path = tmp_path / "pack.toml"
    path.write_text('[pack]\nid = "x"\n' + section, encoding="utf-8")
    with pytest.raises(BerthcheckError) as raised:
        read_spec(path)
    message = str(raised.value)
    assert str(path) in message and f"line {line}" in message, message
    for word in words:
        assert word in message, message


# --- the cn report: a third pack's complete report from its pack.toml -------------------------


def test_the_cn_report_has_the_packs_chapter_with_labelled_evidence(cn_report):
    html, model = cn_report
    text = _text(html)
    assert '<section class="flow" id="pack">' in html and f"<h2>{CN_TITLE}</h2>" in html
    assert model["meta"]["summary"] in text  # methodology paragraph from [report] summary
    chapter = model["pack_chapter"]
    # every rule with findings is there, violations first, each with its count
    counts = {g["rule_id"]: g["n"] for g in chapter["groups"]}
    assert counts == {r["id"]: r["n"] for r in model["methodology"]["rules"] if r["n"]}
    assert chapter["groups"][0]["severity"] == "violation"
    # CN07's evidence under the pack's labels, times port-local
    cn07 = next(g for g in chapter["groups"] if g["rule_id"] == "CN07")
    labels = {e["label"]: e["value"] for e in cn07["findings"][0]["evidence"]}
    assert labels["Stay threshold"] == "3 h" and labels["Port area"] == "coastal"
    assert labels["Window from"].endswith(" CST")
    assert "Stay threshold: 3 h" in text and "Berth can supply shore power: no" in text
    # its own bases, its result columns summarised over the 150 visits
    assert "berth_without_supply" in text and "no_receiving_equipment" in text
    columns = {c["name"]: c for c in chapter["columns"]}
    assert columns["port_area"]["summary"] == "coastal (150)"
    assert columns["threshold_hours"]["summary"] == "3 h (150)"


def test_the_cn_listings_show_its_time_column_and_its_own_columns(cn_report):
    html, model = cn_report
    assert "<th style=\"width:17%\">Berthing / unberthing</th>" in html
    header = model["appendix"]["header"]
    assert header.endswith("Port area  Shore power minutes")  # the unit is in the name
    # the pack's columns fit the landscape line: the basis text gives up the room
    assert all(len(r["line"]) <= APPENDIX_LINE_MAX for r in model["appendix"]["rows"])
    assert len(header) <= APPENDIX_LINE_MAX
    first = model["noncompliant"]["detailed"][0]
    assert [c["name"] for c in first["columns"]] == ["port_area", "shore_power_minutes"]
    assert first["window_from"] == first["arrival"] and first["window_to"] == first["departure"]


def test_the_cn_column_headers_are_written_as_the_other_headers_are(cn_report):
    # The pack's columns were headed by their raw names in lower case ("port area", "shore
    # power minutes") beside "Vessel", "Terminal" and "Uncontr. min": a header starts with a
    # capital letter wherever the report shows one (listings, appendix, the pack's chapter).
    html, model = cn_report
    labels = [c["label"] for c in model["meta"]["columns"]]
    assert labels == ["Port area", "Shore power minutes"]
    assert '<th style="width:8%">Port area</th>' in html
    # a column of numbers, right-aligned as the report's own figures
    assert '<th class="num" style="width:8%">Shore power minutes</th>' in html
    chapter = {c["name"]: c["label"] for c in model["pack_chapter"]["columns"]}
    assert chapter["threshold_hours"] == "Threshold hours"  # the unit is in the name
    assert chapter["berth_shore_power"] == "Berth shore power"
    assert all(label[0].isupper() for label in chapter.values()), chapter
    assert all(c["label"][0].isupper() for c in model["noncompliant"]["detailed"][0]["columns"])


def test_a_pack_column_without_its_unit_in_the_name_is_headed_with_it():
    spec = report_spec(load_pack("cn-shore-power"))
    assert pack_section.column_label("shore_power_minutes", spec) == "Shore power minutes"
    unit = ResultColumn("stay", "DOUBLE", "The stay.", unit="h")
    spec = replace(spec, result_columns={**spec.result_columns, "stay": unit})
    assert pack_section.column_label("stay", spec) == "Stay (h)"


def test_the_cn_glossary_has_no_carb_or_fueleu_terms_and_explains_the_packs_bases(cn_report):
    _, model = cn_report
    terms = {t["term"] for t in model["glossary"]["terms"]}
    assert not terms & {"VIE", "Ready to Work", "AFIR", "FuelEU Maritime"}
    meanings = {b["code"]: b["meaning"] for b in model["glossary"]["basis"]}
    assert meanings["no_receiving_equipment"].startswith("Not applicable: the ship has no")


def _custom_cn(tmp_path: Path, replace: list[tuple[str, str]]):
    folder = tmp_path / "cn-custom"
    shutil.copytree(REPO / "rules" / "cn-shore-power", folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in replace:
        assert old in text
        text = text.replace(old, new)
    toml.write_text(text, encoding="utf-8")
    return load_pack("cn-shore-power", folder)


def test_pack_provided_text_is_escaped_in_the_report(shanghai_db, tmp_path):
    pack = _custom_cn(tmp_path, [
        (f'section_title = "{CN_TITLE}"', f"section_title = '{HOSTILE}'"),
        ('label = "Stay threshold"', f"label = '{HOSTILE}'"),
        ('window_label = "Berthing / unberthing"', f"window_label = '{HOSTILE}'"),
    ])
    db = tmp_path / "db.duckdb"
    shutil.copy(shanghai_db, db)
    html, _ = _html(db, pack)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 3  # heading, evidence label, listing header


def test_a_report_column_no_result_column_declares_is_refused_when_the_pack_loads(tmp_path):
    """Caught before any check or report: the pack's own file and line, the section and the
    column (engine/pack_spec.py)."""
    with pytest.raises(BerthcheckError) as raised:
        _custom_cn(tmp_path, [('columns = ["port_area", "shore_power_minutes"]',
                               'columns = ["port_area", "berth_kva"]')])
    message = str(raised.value)
    assert "pack.toml, line " in message and "[report]" in message and "'berth_kva'" in message


# --- CARB keeps its presentation --------------------------------------------------------------


def test_carb_listing_keeps_ready_to_work_and_has_no_chapter_of_its_own(sample_month_checked,
                                                                        tmp_path):
    db = copy_store(sample_month_checked[0], tmp_path / "carb.duckdb")  # the run stored: read
    html, model = _html(db, "carb-at-berth-2020")
    assert model["pack_chapter"] is None and 'id="pack"' not in html
    assert "Ready to Work / Pilot on Board</th>" in html
    assert "Times are port-local; the window is Ready to Work + 2 h to Pilot on Board − 1 h." in html
    first = model["noncompliant"]["detailed"][0]
    assert (first["window_from"], first["window_to"]) == (first["ready_to_work"],
                                                         first["pilot_on_board"])
    assert first["columns"] == []
    terms = {t["term"] for t in model["glossary"]["terms"]}
    assert {"VIE", "TIE", "Ready to Work", "CARB At-Berth"} <= terms and "AFIR" not in terms
    assert "VIE used" in html  # the allowance tiles: the pack has VIE / TIE holders


def test_only_columns_the_pack_names_must_be_in_its_results(tmp_path):
    """A pack that names no time column gets arrival / departure where its results have them
    and a dash where not; a column it names itself must be there."""
    from types import SimpleNamespace

    import polars as pl

    from berthcheck.report.data import _check_columns
    from berthcheck.report.pack_spec import ReportSpec

    run = SimpleNamespace(pack=SimpleNamespace(path=tmp_path, label="x@1.0.0"))
    results = pl.DataFrame({"visit_id": ["V1"], "port_area": ["coastal"]})
    _check_columns(run, ReportSpec(columns=("port_area",)), results)  # no arrival: fine
    with pytest.raises(BerthcheckError, match="'ready_to_work'"):
        _check_columns(run, ReportSpec(window_columns=("ready_to_work", "pilot_on_board")),
                       results)


def test_emissions_a_pack_leaves_empty_are_shown_as_not_available_not_zero():
    """A pack may return shore_power_hours NULL (docs/packs.md 6): the emissions that need it
    are then empty, and the report said 'Emitted at berth 0.0 kg' beside an excess of tonnes."""
    import polars as pl

    from berthcheck.report import fmt
    from berthcheck.report.emissions_section import emissions

    results = pl.DataFrame({"visit_id": ["V1", "V2"], "excess_nox_kg": [2.0, 3.0],
                            "at_berth_nox_kg": pl.Series([None, None], dtype=pl.Float64),
                            "avoided_nox_kg": pl.Series([None, 1.5], dtype=pl.Float64)})
    row = emissions(None, results.drop("avoided_nox_kg"))["rows"][0]
    assert row["excess_text"] == fmt.mass_kg(5.0)
    assert (row["at_berth"], row["at_berth_text"]) == (None, fmt.DASH)


def test_a_pack_table_without_a_description_is_listed_without_a_stray_full_stop(shanghai_db,
                                                                                 tmp_path):
    anchor = '[[result_columns]]\nname = "port_area"'
    pack = _custom_cn(tmp_path, [(anchor, '[tables.areas]\ncolumns = ["area"]\n'
                                  'rows = [["coastal"]]\ncitation = "Measures Art. 11"\n\n'
                                  + anchor)])
    db = tmp_path / "db.duckdb"
    shutil.copy(shanghai_db, db)
    text = _text(_html(db, pack)[0])
    assert "table areas 1 row Measures Art. 11" in text


# --- r16-FQ: a shipping line reads from the listing why a call fell short and its penalty -----


def _fueleu_listing(visits: list[dict], findings: list[dict]) -> dict:
    from berthcheck.report import visit_sections

    pack = load_pack("fueleu-art6")
    rules = {r.id: r for r in pack.rules}
    return visit_sections.noncompliant(visits, findings, rules, "EUR", report_spec(pack))


def _fueleu_visit(visit_id: str, **kw) -> dict:
    v = {"visit_id": visit_id, "vessel_name": "EURO ONE", "imo": "9321483", "terminal": "ECT",
         "berth": "E1", "port": "NLRTM", "port_timezone": "Europe/Amsterdam",
         "arrival": "2030-06-03T04:00:00Z", "departure": "2030-06-04T04:00:00Z",
         "verdict": "non_compliant", "basis": "uncontrolled", "responsible": "vessel",
         "uncontrolled_hours": 3.5, "penalty": None, "non_compliant_hours_billed": 4.0,
         "power_demand_kw": None}
    v.update(kw)
    return v


def _fueleu_finding(visit_id: str, rule_id: str, **evidence) -> dict:
    ev = {"from": "2030-06-03T04:00:00Z", "to": "2030-06-04T04:00:00Z", **evidence}
    return {"visit_id": visit_id, "rule_id": rule_id, "finding_id": f"{rule_id}-{visit_id}",
            "severity": "violation", "minutes": 210.0, "message": "", "evidence_data": ev}


def test_the_fueleu_listing_says_why_a_call_fell_short_and_why_it_has_no_penalty():
    # Rotterdam, 24 h at berth, OPS 08:30 -> 05:00 local: 150 min late + 60 min early = 3.5 h,
    # billed 4 h: 1.5 x 1 000 x 4 = EUR 6 000 (P); the same call without a known power demand
    # has no penalty (U), and the listing says why instead of a bare dash.
    shortfall = {"late_connection_minutes": 150.0, "gap_minutes": 0.0,
                 "early_disconnection_minutes": 60.0}
    listing = _fueleu_listing(
        [_fueleu_visit("P", penalty=6000.0, power_demand_kw=1000.0), _fueleu_visit("U")],
        [_fueleu_finding("P", "FE06", **shortfall), _fueleu_finding("U", "FE06", **shortfall)])
    rows = {r["visit_id"]: r for r in listing["detailed"]}
    (reason,) = rows["P"]["reasons"]
    assert reason["detail"] == ("late connection 150\u00a0min, "
                                "early disconnection 60\u00a0min")  # no-break spaces
    assert reason["when"]  # the interval is still shown
    assert (rows["P"]["penalty"], rows["P"]["penalty_basis"]) == ("EUR 6,000.00",
                                                                 "1,000\u00a0kW × 4\u00a0h")
    assert rows["U"]["penalty_basis"] == "not computed: power demand at berth unknown"


def test_the_fueleu_listing_names_the_times_a_partly_excused_stay_answers_for():
    """FE05's interval is the whole stay (24 h): the listing gave it with "excused 300 min"
    and the times the ship answers for only in the message, which the listing does not show.
    Evidence `not_excused` (docs/packs.md 5) lists them; the listing shows them in port time
    after the excused minutes."""
    pieces = [{"from": "2030-06-03T04:00:00Z", "to": "2030-06-03T08:00:00Z"},
              {"from": "2030-06-03T13:00:00Z", "to": "2030-06-04T04:00:00Z"}]
    listing = _fueleu_listing(
        [_fueleu_visit("P")],
        [_fueleu_finding("P", "FE05", excused_minutes=300.0, not_excused=pieces)])
    (reason,) = listing["detailed"][0]["reasons"]
    assert reason["detail"].startswith("excused 300\u00a0min; not excused ")
    assert "06:00" in reason["detail"] and "10:00" in reason["detail"]
    assert "15:00" in reason["detail"] and reason["detail"].count("06:00") == 2

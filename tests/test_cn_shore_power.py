"""China's shore-power pack (cn-shore-power) beyond its rule fixtures: the built-in Chinese ports
and their `port_area` (store migration 12, loaded overrides), the committed Shanghai sample month
(what the generator makes, and what the pack finds in it), and `demo --pack`."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine import load_pack
from berthcheck.ingest.load import load_files
from berthcheck.sample import generate
from tests.basis_table import basis_problems
from tests.conftest import edited_pack_copy, pdf_chapter_text
from tests.scenario_batches import CaseBatch, prove_cases

REPO = Path(__file__).resolve().parent.parent
SHANGHAI = REPO / "sample_data" / "cn-shanghai-2026-10"
REGENERATE = ("regenerate it: berthcheck sample --out sample_data/cn-shanghai-2026-10 "
              "--port CNSHA --visits 150")
CN_PORTS = {"CNSHA": "coastal", "CNNGB": "coastal", "CNSZX": "coastal", "CNCAN": "coastal",
            "CNTAO": "coastal", "CNTSN": "coastal", "CNNKG": "inland", "CNWUH": "inland"}
runner = CliRunner()
# the pack and version every run names (read from pack.toml: a version bump is no test edit)
CN_PACK = f"cn-shore-power@{load_pack('cn-shore-power').version}"
CN_CHAPTER = "China: shore power at berth (MOT Measures, Art. 11)"  # pack.toml [report]

# one worker runs this file with test_demo: both read conftest's `shanghai_demo`, which it then
# makes once (tests/scheduling.py)
WORK_UNIT = "shanghai-demo"

# the fixture cases (tests/rules/CN*.yml) the tests below read for their messages, checked
# together once (tests/scenario_batches.py), not each in a store of its own
CASES = CaseBatch()
for _rule, _name in (
    ("CN08", "late_connection_and_early_disconnection"),
    ("CN08", "capture_only_for_part_of_the_window"),
    ("CN08", "shore_power_and_capture_for_part_of_the_window"),
    ("CN02", "berth_with_an_empty_shore_power_cell_is_insufficient_data"),
    ("CN08", "stretch_times_to_the_second_at_shenzhen"),
    ("CN06", "fault_covering_part_of_the_late_connection"),
    ("CN07", "a_session_only_in_the_allowance_on_a_ship_its_row_calls_unequipped"),
    ("CN07", "no_shore_power_is_uncontrolled_over_the_window"),
    ("CN08", "a_berth_the_table_lists_without_supply_that_supplied_is_judged"),
    ("CN07", "a_storm_and_a_terminal_fault_over_part_of_a_window_without_shore_power"),
    ("CN06", "a_supply_failure_inside_a_gap_between_sessions"),
    ("CN10", "a_session_metered_at_zero_kwh_is_named"),
    ("CN02", "a_port_without_port_area_judges_the_stays_its_area_cannot_change"),
):
    CASES.add("cn-shore-power", _rule, _name)


@pytest.fixture(scope="module", autouse=True)
def _cases_checked_once():
    CASES.check()


def test_its_cases_checked_together_are_their_own_checks():
    prove_cases(CASES)


# --- ports -----------------------------------------------------------------------------------


def _cn_ports(con) -> dict[str, tuple]:
    rows = store.run(con, "SELECT port, timezone, country, port_area, source FROM ports "
                          "WHERE port LIKE 'CN%' ORDER BY port")
    return {r[0]: r[1:] for r in rows}


def test_built_in_chinese_ports_have_zone_country_and_area():
    con = store.connect(":memory:")
    try:
        ports = _cn_ports(con)
    finally:
        con.close()
    assert ports == {p: ("Asia/Shanghai", "CN", area, "built-in") for p, area in CN_PORTS.items()}


def test_an_older_database_gains_port_area_and_the_chinese_ports(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(store, "MIGRATIONS", [m for m in store.MIGRATIONS if m[0] <= 11])
    con = store.connect(path)
    # a database of that release never had the Chinese rows
    store.run(con, "DELETE FROM ports_builtin WHERE port LIKE 'CN%'")
    assert store.schema_version(con) == 11
    con.close()
    monkeypatch.undo()
    con = store.connect(path)
    try:
        assert store.schema_version(con) == store.MIGRATIONS[-1][0]
        assert _cn_ports(con) == {
            p: ("Asia/Shanghai", "CN", area, "built-in") for p, area in CN_PORTS.items()}
        # the other built-in ports are untouched (one row each, no area)
        assert store.scalar(con, "SELECT count(*) FROM ports WHERE port = 'NLRTM' "
                                 "AND afir_art9 AND port_area IS NULL") == 1
    finally:
        con.close()


def _load_ports(con, tmp_path, text: str):
    path = tmp_path / "ports.csv"
    path.write_text(text, encoding="utf-8")
    return load_files(con, "ports", [path])


def test_a_ports_file_renaming_shanghai_keeps_its_area(tmp_path):
    con = store.connect(":memory:")
    try:
        _load_ports(con, tmp_path, "port,name,timezone\nCNSHA,Shanghai Yangshan,Asia/Shanghai\n")
        assert _cn_ports(con)["CNSHA"] == ("Asia/Shanghai", "CN", "coastal", "user")
        _load_ports(con, tmp_path, "port,timezone,port_area\nCNXMN,Asia/Shanghai,Coastal\n")
        assert _cn_ports(con)["CNXMN"] == ("Asia/Shanghai", "CN", "coastal", "user")
    finally:
        con.close()


def test_port_area_in_chinese_is_read_as_coastal_or_inland(tmp_path):
    # A Chinese ports list writes the Measures' own words: 沿海(港口) coastal, 内河(港口) inland.
    # They were refused as "not one of the accepted values".
    con = store.connect(":memory:")
    try:
        _load_ports(con, tmp_path, "port,name,timezone,port_area\n"
                    "CNXMN,厦门港,Asia/Shanghai,沿海\nCNNTG,南通港,Asia/Shanghai,内河港口\n")
        ports = _cn_ports(con)
        assert ports["CNXMN"][2] == "coastal" and ports["CNNTG"][2] == "inland"
    finally:
        con.close()


def test_an_unknown_port_area_is_a_load_error_naming_file_row_and_column(tmp_path):
    path = tmp_path / "ports.csv"
    path.write_text("port,timezone,port_area\nCNXMN,Asia/Shanghai,harbour\n", encoding="utf-8")
    result = runner.invoke(app, ["load", "ports", str(path), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 1
    assert "ports.csv" in result.output and "row 2" in result.output
    assert "port_area" in result.output and "harbour" in result.output
    assert "Traceback" not in result.output


# --- the Shanghai sample month ------------------------------------------------------------------


def test_committed_shanghai_sample_is_what_the_generator_makes(tmp_path):
    made = generate(tmp_path / "cn", port="CNSHA", visits=150)
    committed = sorted(p.name for p in SHANGHAI.glob("*.csv"))
    assert committed == sorted(p.name for p in made.values()), REGENERATE
    for path in made.values():
        assert (SHANGHAI / path.name).read_bytes() == path.read_bytes(), (
            f"{SHANGHAI / path.name} differs from a fresh generation; {REGENERATE}")
    assert (SHANGHAI / "README.md").is_file()


def test_the_shanghai_generator_refuses_dirty(tmp_path):
    result = runner.invoke(app, ["sample", "--out", str(tmp_path), "--port", "CNSHA", "--dirty"])
    assert result.exit_code != 0 and "Los Angeles" in result.output


@pytest.fixture(scope="module")
def shanghai(shanghai_month_checked):
    """The month's October checked under the Chinese pack: conftest's `shanghai_month_checked`
    (once per worker, its run stored), where this module checked it once more. Results and
    findings are read, never a run id. Read only."""
    return shanghai_month_checked[1]


def test_every_visit_departing_in_october_is_judged(shanghai):
    visits = list(csv.DictReader(open(SHANGHAI / "visits.csv", encoding="utf-8")))
    october = {v["visit_id"] for v in visits if v["departure"].startswith("2026-10")}
    assert set(shanghai.results["visit_id"]) == october
    assert len(october) == 150


def test_the_sample_exercises_every_rule_but_missing_data(shanghai):
    rules = Counter(shanghai.findings["rule_id"])
    assert set(rules) == {f"CN0{i}" for i in range(1, 10)} - {"CN02"}, rules
    verdicts = Counter(shanghai.results["verdict"])
    assert verdicts["insufficient_data"] == 0
    assert all(verdicts[v] > 0 for v in ("compliant", "non_compliant", "exempt", "not_applicable"))
    rows = shanghai.results.select("visit_id", "verdict", "basis").iter_rows()
    assert basis_problems("cn-shore-power", rows) == []


def test_the_sample_verdicts_follow_the_rule(shanghai):
    visits = {v["visit_id"]: v for v in csv.DictReader(open(SHANGHAI / "visits.csv",
                                                            encoding="utf-8"))}
    berths = {(b["terminal"], b["berth"]): b["shore_power"] == "true"
              for b in csv.DictReader(open(SHANGHAI / "berths.csv", encoding="utf-8"))}
    for row in shanghai.results.iter_rows(named=True):
        v = visits[row["visit_id"]]
        if v["vessel_type"] == "tanker":
            assert (row["verdict"], row["basis"]) == ("not_applicable", "not_regulated_type")
        elif v["shore_power_capable"] == "false":
            assert (row["verdict"], row["basis"]) == ("not_applicable", "no_receiving_equipment")
        elif not berths[(v["terminal"], v["berth"])]:
            assert (row["verdict"], row["basis"]) == ("not_applicable", "berth_without_supply")
        if row["verdict"] == "non_compliant":
            assert row["responsible"] == "vessel" and row["uncontrolled_hours"] > 0
            assert row["penalty"] is None
    # the two scripted feeders either side of the 3-hour coastal threshold
    by_minutes: dict[float, list[str]] = {}
    for vid, v in visits.items():
        minutes = (datetime.fromisoformat(v["departure"])
                   - datetime.fromisoformat(v["arrival"])).total_seconds() / 60
        by_minutes.setdefault(minutes, []).append(vid)
    results = {r["visit_id"]: r for r in shanghai.results.iter_rows(named=True)}
    assert {results[v]["basis"] for v in by_minutes[180.0]
            if results[v]["verdict"] != "not_applicable"} == {"short_visit"}
    assert any(results[v]["verdict"] == "compliant" for v in by_minutes[181.0])


def test_load_and_check_commands_run_the_pack_on_the_sample(tmp_path):
    db = str(tmp_path / "cn.duckdb")
    for kind, name in (("berths", "berths"), ("visits", "visits"),
                       ("shore-power", "shore_power"), ("capture", "capture"),
                       ("events", "events")):
        result = runner.invoke(app, ["load", kind, str(SHANGHAI / f"{name}.csv"), "--db", db])
        assert result.exit_code == 0, result.output
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["check", "--pack", "cn-shore-power", "--period", "2026-10",
                                 "--db", db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert CN_PACK in result.output
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert len(rows) == 150 and {r["pack"] for r in rows} == {CN_PACK}


# a zone other than this process's: Shanghai's own, unless this process is in it
OTHER_ZONE = ("Asia/Shanghai" if time.localtime().tm_gmtoff != 8 * 3600
              else "America/Los_Angeles")


def test_results_are_byte_identical_in_any_time_zone(shanghai_month, tmp_path):
    """Port-local arithmetic (Asia/Shanghai start instants, thresholds) never depends on the
    machine's zone: the check in this process and in another process in another zone
    (Asia/Shanghai) give the same files."""
    outputs = []
    for tz in (None, OTHER_ZONE):  # None: this process, its own zone
        folder = tmp_path / (tz or "here").replace("/", "_")
        folder.mkdir()
        shutil.copy(shanghai_month, folder / "db.duckdb")
        args = ["check", "--db", "db.duckdb", "--pack", "cn-shore-power", "--period", "2026-10",
                "--out", "results.csv"]
        if tz is None:
            with pytest.MonkeyPatch.context() as patch:
                patch.chdir(folder)
                result = runner.invoke(app, args)
            assert result.exit_code == 0, result.output
        else:
            env = {k: v for k, v in os.environ.items()
                   if k not in ("BERTHCHECK_DB", "BERTHCHECK_RULES_DIR")}
            env.update(TZ=tz, PYTHONPATH=str(REPO))
            done = subprocess.run([sys.executable, "-m", "berthcheck", *args], cwd=folder,
                                  env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr + done.stdout
        outputs.append({n: (folder / n).read_bytes() for n in ("results.csv", "findings.csv")})
    assert outputs[0] == outputs[1]
    assert outputs[0]["results.csv"].count(b"\n") == 151  # the header and 150 visits


def test_demo_runs_the_shanghai_month_end_to_end(shanghai_demo, demo_pages):
    # `demo --pack cn-shore-power --out DIR`, run once per worker (conftest): read only
    result, folder = shanghai_demo["result"], shanghai_demo["out"]
    assert result.exit_code == 0, result.output
    assert str(SHANGHAI) in result.output and CN_PACK in result.output
    assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
    rows = list(csv.DictReader(open(folder / "results.csv", encoding="utf-8")))
    assert len(rows) == 150
    # the pack's own chapter (pack.toml [report]) with its findings' evidence under the pack's
    # labels ([evidence.*]), in the PDF itself: that chapter's pages (its bookmark), 4 of 20
    text = pdf_chapter_text(folder / "report.pdf", CN_CHAPTER)
    squashed = re.sub(r"\s+", "", text.replace("\x00", ""))  # pypdf: some runs come as UTF-16
    assert re.sub(r"\s+", "", CN_CHAPTER) in squashed
    for words in ("Findings by rule, with their evidence", "Stay threshold: 3 h",
                  "berth_without_supply"):
        assert re.sub(r"\s+", "", words) in squashed, words
    # the pack's window label heads the non-compliant visits' time column (pack.toml
    # [report]), a chapter before its own: the chapter's first page held it only while that
    # table ran onto it
    assert any("Berthing / unberthing" in page for page in demo_pages)


@pytest.fixture(scope="module")
def demo_pages(shanghai_demo) -> list[str]:
    """The Shanghai demo's PDF read back by pypdf once for this file: each page's text, one
    space between words (pypdf: some runs come as UTF-16, with NULs)."""
    from pypdf import PdfReader

    reader = PdfReader(shanghai_demo["out"] / "report.pdf")
    return [" ".join(page.extract_text().replace("\x00", "").split()) for page in reader.pages]


def test_a_heading_and_its_introduction_start_the_page_of_their_table(demo_pages):
    # the pack chapter's "Columns of this rule pack" and its one-line introduction ended page 6
    # of the Shanghai demo while their table started page 7: a heading whose table is on the
    # next page
    (page,) = [text for text in demo_pages if "Columns of this rule pack" in text]
    assert "Whether the port is coastal or inland" in page  # the table's first row


def test_the_emissions_table_is_not_split_across_pages(demo_pages):
    # its 8 pollutants were split 1 | 7: the heading and NOx at the foot of page 3, the other
    # rows under a repeated header on page 4
    (page,) = [text for text in demo_pages if "Excess (non-compliance)" in text]
    for pollutant in ("NOx", "PM2.5", "ROG", "CO", "DPM", "PM10"):
        assert f" {pollutant} " in page, pollutant


def test_the_appendix_lines_end_inside_the_right_margin(shanghai_demo):
    # the appendix's lines (the pack's own columns after the visit's) were made 160 characters
    # long, where 157 of its 7.5 pt mono fit a landscape letter line: "Shore power minutes" and
    # every row's last column ran about 10 pt into the right margin
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    font = TTFont(REPO / "reports" / "templates" / "fonts" / "DejaVuSansMono.ttf")
    advance = font["hmtx"]["a"][0] / font["head"].unitsPerEm  # every glyph's, in em
    reader = PdfReader(shanghai_demo["out"] / "report.pdf")
    margin = 14 / 25.4 * 72  # report.css @page, in pt
    ends = []
    for page in reader.pages[-4:]:  # the appendix, landscape (150 visits: 4 pages)
        width = float(page.mediabox.width)
        assert width > float(page.mediabox.height)

        def visitor(text, cm, tm, font, size, width=width):
            if font and "Mono" in str(font.get("/BaseFont")) and text.strip():
                # WeasyPrint's text space: CSS px (cm scales them by 0.75 to pt)
                end = cm[0] * (tm[4] + len(text.rstrip("\n")) * advance * size)
                ends.append((width - margin - end, text.strip()[:20]))

        page.extract_text(visitor_text=visitor)
    assert len(ends) > 150  # the header on each page and one line per visit
    assert min(ends)[0] >= 0, min(ends)


def test_demo_refuses_a_pack_without_a_sample_month(tmp_path):
    result = runner.invoke(app, ["demo", "--pack", "no-such-pack", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "cn-shore-power" in result.output and "Traceback" not in result.output


def test_a_shanghai_month_under_the_default_pack_says_which_pack_judges_it(shanghai_month,
                                                                          tmp_path):
    """`check` without --pack runs CARB's pack (the documented default): a Shanghai month came
    out all not_applicable with no word that another built-in pack covers those ports."""
    from tests.conftest import copy_store

    db = copy_store(shanghai_month, tmp_path / "sh.duckdb")
    hint = ("every visit in scope is not_applicable under carb-at-berth-2020; the ports in "
            "scope are under cn-shore-power: `--pack cn-shore-power` judges them")
    default = runner.invoke(app, ["check", "--db", str(db), "--period", "2026-10", "--json"])
    assert default.exit_code == 0, default.output
    assert f"warning: {hint}" in default.stderr
    assert hint in default.stdout  # `--json` lists it among its warnings
    chosen = runner.invoke(app, ["check", "--db", str(db), "--period", "2026-10",
                                 "--pack", "cn-shore-power"])
    assert chosen.exit_code == 0 and "not_applicable under" not in chosen.stderr


def test_a_shanghai_report_under_the_default_pack_says_which_pack_judges_it(
        shanghai_month_checked, tmp_path):
    """`report` without --pack runs CARB's pack, as `check` does: a Shanghai month gave a CARB
    report of 150 not_applicable visits without the warning `check` prints. PDF and HTML, with
    --quiet or not, warn alike, and so does `--run` of the same run (berthcheck/run_warnings.py:
    a run's warnings are the same wherever it is read; the hint's --pack is for a new report)."""
    from tests.conftest import copy_store

    # the loaded month with its run under cn-shore-power stored once per worker (conftest):
    # the last report, under that pack, reads it
    db = copy_store(shanghai_month_checked[0], tmp_path / "sh.duckdb")
    hint = ("warning: every visit in scope is not_applicable under carb-at-berth-2020; the "
            "ports in scope are under cn-shore-power: `--pack cn-shore-power` judges them")
    html = runner.invoke(app, ["report", "--db", str(db), "--period", "2026-10",
                               "--out", str(tmp_path / "r.html")])
    assert html.exit_code == 0, html.output
    assert hint in html.stderr and hint not in html.stdout
    run_id = re.search(r"run (\S+)\) in", html.stdout).group(1)  # type: ignore[union-attr]
    pdf = runner.invoke(app, ["report", "--db", str(db), "--period", "2026-10", "--quiet",
                              "--appendix", "none", "--out", str(tmp_path / "r.pdf")])
    assert pdf.exit_code == 0, pdf.output
    assert hint in pdf.stderr and "stored run" in pdf.stdout  # the same run, read back
    stored = runner.invoke(app, ["report", "--db", str(db), "--run", run_id,
                                 "--out", str(tmp_path / "run.html")])
    assert stored.exit_code == 0, stored.output
    assert hint in stored.stderr
    chosen = runner.invoke(app, ["report", "--db", str(db), "--period", "2026-10",
                                 "--pack", "cn-shore-power", "--out", str(tmp_path / "c.html")])
    assert chosen.exit_code == 0, chosen.output
    assert "not_applicable under" not in chosen.stderr


@pytest.mark.parametrize(("case_name", "opening"), [
    # tests/rules/CN08.yml, hand computations there
    ("late_connection_and_early_disconnection",
     "shore power for only part of the window 2026-10-03 07:00 to 2026-10-04 01:00 "
     "Asia/Shanghai: 15.50 of 18.00 h under control; 2.50 h uncontrolled (late connection "
     "90 min: 2026-10-03 07:00 to 2026-10-03 08:30; early disconnection 60 min: 2026-10-04 "
     "00:00 to 2026-10-04 01:00)"),
    ("capture_only_for_part_of_the_window",
     "capture for only part of the window 2026-10-03 07:00 to 2026-10-04 01:00 "
     "Asia/Shanghai: 15.50 of 18.00 h under control; 2.50 h uncontrolled (late connection "
     "90 min: 2026-10-03 07:00 to 2026-10-03 08:30; early disconnection 60 min: 2026-10-04 "
     "00:00 to 2026-10-04 01:00)"),
    ("shore_power_and_capture_for_part_of_the_window",
     "shore power and capture for only part of the window 2026-10-03 07:00 to 2026-10-04 "
     "01:00 Asia/Shanghai: 16.50 of 18.00 h under control; 1.50 h uncontrolled (gap 30 min: "
     "2026-10-03 12:00 to 2026-10-03 12:30; early disconnection 60 min: 2026-10-04 00:00 to "
     "2026-10-04 01:00)"),
])
def test_cn08_message_names_what_controlled_the_window(case_name, opening):
    """CN08 said "shore power for only part of the window" when the only control in the
    window was a capture session (counted as an effective alternative measure): the message
    names shore power, capture or both; its verdict and numbers are as before."""
    outcome = CASES.outcome("cn-shore-power", "CN08", case_name)
    (found,) = [r for r in outcome.findings.iter_rows(named=True) if r["rule_id"] == "CN08"]
    assert found["message"].startswith(opening), found["message"]


def test_an_empty_berths_shore_power_cell_is_unknown_not_false():
    """An empty `shore_power` cell in a berths file was stored as false (the loader's default),
    so the berth's visits were berth_without_supply (not_applicable): unknown is not "no". It
    is stored NULL and the visit is insufficient_data, CN02 saying the cell is empty
    (tests/rules/CN02.yml, berth_with_an_empty_shore_power_cell_is_insufficient_data)."""
    outcome = CASES.outcome("cn-shore-power", "CN02",
                            "berth_with_an_empty_shore_power_cell_is_insufficient_data")
    verdicts = {r["visit_id"]: (r["verdict"], r["berth_shore_power"])
                for r in outcome.results.iter_rows(named=True)}
    assert verdicts == {"V1": ("insufficient_data", None), "V2": ("not_applicable", False),
                        "V3": ("non_compliant", True)}
    (found,) = [r for r in outcome.findings.iter_rows(named=True) if r["rule_id"] == "CN02"]
    assert found["message"] == (
        "berth YSA/Y1 at CNSHA has an empty shore_power cell in the berths table: whether it "
        "can supply shore power is unknown; load its berths row with shore_power true or false")


def test_cn08_title_covers_what_its_message_can_name():
    """CN08's message names shore power, capture, or both (1.1.3), but its title said
    "Shore power used for only part of the window", which a capture-only finding contradicted
    in the report's and `rules list`'s rule table: the title names both controls."""
    rule = next(r for r in load_pack("cn-shore-power").rules if r.id == "CN08")
    assert "shore power" in rule.title.lower() and "capture" in rule.title.lower(), rule.title



def _messages_in(fixture_rule: str, case_name: str, rule: str) -> dict[str, str]:
    """The messages of `rule`'s findings, by visit, in the fixture case `case_name` of
    tests/rules/<fixture_rule>.yml."""
    outcome = CASES.outcome("cn-shore-power", fixture_rule, case_name)
    return {r["visit_id"]: r["message"] for r in outcome.findings.iter_rows(named=True)
            if r["rule_id"] == rule}


FINE = "; the ship is liable to a fine of RMB 10000-100000 (Marine Environment Protection Law Art. 110)"


def test_cn08_names_each_uncontrolled_stretch_with_its_times_to_the_second():
    """CN08 gave the minutes of late connection, gaps and early disconnection but no time of
    any of them, nor the window's: an inspector holding the finding against the ship's and the
    supplier's records of shore-power start and end (Art. 18) had to work the times out. Each
    stretch is now named with its port-local times, to the second (tests/rules/CN08.yml,
    stretch_times_to_the_second_at_shenzhen; hand computation there), and one partly excused
    says how much of it was (CN06.yml, fault_covering_part_of_the_late_connection: late
    connection 07:00-12:00, 120 min of it excused by the fault 07:00-09:00, 180 min left)."""
    shenzhen = _messages_in("CN08", "stretch_times_to_the_second_at_shenzhen", "CN08")
    assert shenzhen == {"V1": (
        "shore power for only part of the window 2026-10-03 07:00 to 2026-10-04 01:00 "
        "Asia/Shanghai: 17.82 of 18.00 h under control; 0.18 h uncontrolled (late connection "
        "10.5 min: 2026-10-03 07:00 to 2026-10-03 07:10:30; early disconnection 0.0167 min: "
        "2026-10-04 00:59:59 to 2026-10-04 01:00)" + FINE)}
    excused = _messages_in("CN06", "fault_covering_part_of_the_late_connection", "CN08")
    assert "2.00 h excused; 3.00 h uncontrolled (late connection 180 min: 2026-10-03 07:00 " \
           "to 2026-10-03 12:00 less 120 min excused, uncontrolled 2026-10-03 09:00 to " \
           "2026-10-03 12:00)" in excused["V1"], excused


def test_cn07_says_when_shore_power_ran_only_outside_the_window():
    """A ship on shore power only in the connection allowance (06:00-06:59) got "no shore
    power used", which its own meter records contradict: it says "no shore power in the
    window", names the 59 minutes outside it, and the visits row the session contradicts
    (tests/rules/CN07.yml, a_session_only_in_the_allowance_on_a_ship_its_row_calls_unequipped).
    A ship with no session at all still reads "no shore power used"."""
    messages = _messages_in(
        "CN07", "a_session_only_in_the_allowance_on_a_ship_its_row_calls_unequipped", "CN07")
    assert messages == {"V1": (
        "no shore power in the window: 18.00 h of the window 2026-10-03 07:00 to 2026-10-04 "
        "01:00 Asia/Shanghai not on shore power and not excused (the ship's 59 min of shore "
        "power ran only outside it, in the connection or disconnection allowance)" + FINE
        + "; the visits row says shore_power_capable false, but the shore-power session shows "
          "receiving equipment")}
    plain = _messages_in("CN07", "no_shore_power_is_uncontrolled_over_the_window", "CN07")
    assert plain["V1"].startswith("no shore power used: 18.00 h of the window"), plain


def test_a_berth_that_supplied_shore_power_is_judged_and_the_message_names_the_row():
    """A berth the berths table lists without supply (or does not list) where the ship was on
    shore power was berth_without_supply (not_applicable) or missing_berth_shore_power
    (insufficient_data), so a ship that disconnected five hours early there went unjudged; the
    session shows the berth could supply (tests/rules/CN08.yml,
    a_berth_the_table_lists_without_supply_that_supplied_is_judged): judged, and CN08 names the
    row to correct."""
    messages = _messages_in(
        "CN08", "a_berth_the_table_lists_without_supply_that_supplied_is_judged", "CN08")
    assert messages["V1"].endswith(
        FINE + "; the berths table says there is no shore-power supply at berth YSA/Y1, but the "
               "shore-power session shows the berth supplied it"), messages
    assert messages["V2"].endswith(
        FINE + "; the berths table does not list berth YSA/Y3, but the shore-power session "
               "shows the berth supplied it"), messages


def test_cn03_on_a_stay_over_the_threshold_without_a_window_says_so(tmp_path):
    """With a connection allowance of 2.5 h (a pack copy; the default is 1 h), a 210-minute
    Shanghai stay is over the 3-hour threshold but its window [arrival + 2.5 h, departure -
    1 h) is empty (2.5 + 1 = 3.5 h = 210 min): exempt as the pack documents, but CN03 said
    "at berth 210 min at a coastal port, not more than 3.0 h". It says the allowances leave no
    window; a stay of exactly 3 h still reads "not more than"."""
    from berthcheck.engine.pack_fixtures import run_case

    folder = edited_pack_copy(
        REPO / "rules" / "cn-shore-power", tmp_path / "cn-shore-power", "pack.toml",
        "[parameters.connection_allowance_hours]\nvalue = 1.0",
        "[parameters.connection_allowance_hours]\nvalue = 2.5")
    defaults = {"port": "CNSHA", "terminal": "YSA", "berth": "Y1", "shore_power_capable": True,
                "arrival": "2026-10-03 06:00", "ready_to_work": None, "pilot_on_board": None}
    spec = {"tables": {"visits": [
        {"visit_id": "OVER", "departure": "2026-10-03 09:30"},
        {"visit_id": "EXACT", "imo": "9321483", "berth": "Y2", "departure": "2026-10-03 09:00"}]}}
    outcome = run_case(spec, load_pack(str(folder)), defaults)
    assert {(r["visit_id"], r["verdict"], r["basis"])
            for r in outcome.results.iter_rows(named=True)} == {
        ("OVER", "exempt", "short_visit"), ("EXACT", "exempt", "short_visit")}
    messages = {r["visit_id"]: r["message"] for r in outcome.findings.iter_rows(named=True)
                if r["rule_id"] == "CN03"}
    assert messages == {
        "OVER": "at berth 210 min at a coastal port, more than 3.0 h, but the connection and "
                "disconnection allowances (2.5 h + 1.0 h) leave no window in which shore power "
                "is required",
        "EXACT": "at berth 180 min at a coastal port, not more than 3.0 h: shore power is "
                 "encouraged, not required (Art. 11)"}


def test_cn03_at_an_inland_port_says_an_inland_port():
    """A two-hour stay at Nanjing (built in as inland) read "at berth 120 min at a inland
    port": the article followed the port's area as a word (pack 1.1.9 says "an inland port";
    a coastal port still reads "a coastal port", above)."""
    from berthcheck.engine.pack_fixtures import run_case

    defaults = {"port": "CNNKG", "terminal": "NJT", "berth": "N1", "shore_power_capable": True,
                "arrival": "2026-10-03 06:00", "ready_to_work": None, "pilot_on_board": None}
    spec = {"tables": {"visits": [{"visit_id": "NKG", "departure": "2026-10-03 08:00"}]}}
    outcome = run_case(spec, load_pack("cn-shore-power"), defaults)
    assert [(r["verdict"], r["basis"]) for r in outcome.results.iter_rows(named=True)] == [
        ("exempt", "short_visit")]
    assert [r["message"] for r in outcome.findings.iter_rows(named=True)
            if r["rule_id"] == "CN03"] == [
        "at berth 120 min at an inland port, not more than 2.0 h: shore power is encouraged, "
        "not required (Art. 11)"]


def test_cn07_names_the_uncontrolled_times_when_exceptions_excused_part_of_the_window():
    """A ship with no shore power whose window a storm and a terminal fault excused in part
    read "6.00 h of the window 2026-10-03 07:00 to 2026-10-04 01:00 ... not on shore power and
    not excused": the inspector could not tell which 6 of the 18 hours the ship answers for. It
    names them and the hours excused (tests/rules/CN07.yml,
    a_storm_and_a_terminal_fault_over_part_of_a_window_without_shore_power: excused 08:00-20:00,
    uncontrolled 07:00-08:00 and 20:00-01:00)."""
    messages = _messages_in(
        "CN07", "a_storm_and_a_terminal_fault_over_part_of_a_window_without_shore_power", "CN07")
    assert messages == {"V1": (
        "no shore power used: 6.00 h of the window 2026-10-03 07:00 to 2026-10-04 01:00 "
        "Asia/Shanghai not on shore power and not excused (2026-10-03 07:00 to 2026-10-03 08:00 "
        "and 2026-10-03 20:00 to 2026-10-04 01:00; 12.00 h excused)" + FINE)}


def test_cn08_names_the_uncontrolled_part_of_a_partly_excused_stretch():
    """A supply failure 11:55-14:30 inside a gap 12:00-15:00 between two sessions: CN08 said
    "15.00 of 18.00 h under control; 0.50 h uncontrolled (gap 30 min: 12:00 to 15:00 less 150
    min excused)", whose hours do not add up and which names no time of the 30 minutes. It says
    2.50 h excused, and the uncontrolled 14:30 to 15:00 (tests/rules/CN06.yml,
    a_supply_failure_inside_a_gap_between_sessions)."""
    messages = _messages_in("CN06", "a_supply_failure_inside_a_gap_between_sessions", "CN08")
    assert messages == {"V1": (
        "shore power for only part of the window 2026-10-03 07:00 to 2026-10-04 01:00 "
        "Asia/Shanghai: 15.00 of 18.00 h under control; 2.50 h excused; 0.50 h uncontrolled "
        "(gap 30 min: 2026-10-03 12:00 to 2026-10-03 15:00 less 150 min excused, uncontrolled "
        "2026-10-03 14:30 to 2026-10-03 15:00)" + FINE)}


def test_a_session_metered_at_zero_kwh_is_named_and_still_counted():
    """A ship connected over the whole window whose session was metered at 0 kWh was compliant
    without a word: the connection times count as use, but the meter says no energy carried
    the ship's load, which an inspector must see before relying on the verdict (Art. 18
    records the energy used). CN10 names the session, its times and the minutes of the window
    it covers; the verdict stays (tests/rules/CN10.yml, a_session_metered_at_zero_kwh_is_named:
    06:30-01:30 covers W 07:00-01:00, 1 080 min)."""
    messages = _messages_in("CN10", "a_session_metered_at_zero_kwh_is_named", "CN10")
    assert messages == {"V1": (
        "shore-power session S1 (2026-10-03 06:30 to 2026-10-04 01:30 Asia/Shanghai) metered "
        "0 kWh but counts as shore power for 1080 min of the window: a connection that "
        "delivered no energy did not carry the ship's load; check the meter and the Art. 18 "
        "records")}


def test_a_port_without_port_area_judges_the_stays_its_area_cannot_change():
    """A Chinese port loaded without port_area made every stay there insufficient_data, a
    20-hour one and a 90-minute one too, although only a stay over 2 h and not over 3 h
    depends on whether the port is coastal or inland (tests/rules/CN02.yml,
    a_port_without_port_area_judges_the_stays_its_area_cannot_change). The messages say why
    each was judged or not."""
    name = "a_port_without_port_area_judges_the_stays_its_area_cannot_change"
    cn07 = _messages_in("CN02", name, "CN07")
    assert cn07 == {"V1": (
        "no shore power used: 18.00 h of the window 2026-10-03 07:00 to 2026-10-04 01:00 "
        "Asia/Shanghai not on shore power and not excused" + FINE
        + "; port CNXMN has no port_area (coastal or inland), but the stay of 1200 min is over "
          "both the coastal (3.0 h) and the inland (2.0 h) threshold")}
    cn03 = _messages_in("CN02", name, "CN03")
    assert cn03["V2"] == (
        "at berth 90 min at a port without port_area (CNXMN), not more than 2.0 h, the lower "
        "of the coastal (3.0 h) and inland (2.0 h) thresholds: shore power is encouraged, not "
        "required (Art. 11)")
    cn02 = _messages_in("CN02", name, "CN02")
    assert cn02 == {"V3": (
        "port CNXMN has no port_area (coastal or inland), and the stay of 180 min is over one "
        "of the coastal (3.0 h) and inland (2.0 h) thresholds but not the other: whether the "
        "duty applies cannot be decided; load a ports row with port_area")}


def test_cn06_names_the_times_each_exception_excused():
    """CN06 said "ops_unavailable excused 150 min of the window not on shore power (events
    E1)": an inspector holding it against the Art. 18 record of the fault's time had to work
    out which 150 minutes. It names them, port-local (tests/rules/CN06.yml,
    a_supply_failure_inside_a_gap_between_sessions: the fault 11:55-14:30 excuses 12:00-14:30
    of the gap; CN07.yml, a_storm_and_a_terminal_fault_over_part_of_a_window_without_shore_power:
    each kind its own time, overlapping 12:00-14:00)."""
    gap = _messages_in("CN06", "a_supply_failure_inside_a_gap_between_sessions", "CN06")
    assert gap == {"V1": "ops_unavailable excused 150 min of the window not on shore power: "
                         "2026-10-03 12:00 to 2026-10-03 14:30 (events E1)"}
    outcome = CASES.outcome(
        "cn-shore-power", "CN07",
        "a_storm_and_a_terminal_fault_over_part_of_a_window_without_shore_power")
    assert sorted(r["message"] for r in outcome.findings.iter_rows(named=True)
                  if r["rule_id"] == "CN06") == [
        "emergency excused 360 min of the window not on shore power: 2026-10-03 08:00 to "
        "2026-10-03 14:00 (events E1)",
        "ops_unavailable excused 480 min of the window not on shore power: 2026-10-03 12:00 to "
        "2026-10-03 20:00 (events E2)"]

"""The port's Wharfinger visit counts (`export wharfinger`, § 93130.13(d)) loaded back as
`visit-counts` give a terminal the same TIE allowance as the pack's own count of the same
visits (a port-year declared complete in `coverage`): what the line's check says and what the
port will report agree.

The scenario, hand-computed. USLAX, terminal T1, 2025 (port-local): 28 container visits, one of
them (C00) with an innovative-concept event for 2 hours of its 20-hour stay, and 10 articulated
tug barge visits. The pack's count of T1's 2025 visits (pack 60_allowance): the container
visits less C00, a visit under an innovative concept (§ 93130.11(a)(1)), and no tug barge (not an
ocean-going vessel, § 93130.2(b)(7)) = 27. TIEs 2026: 5 % × 27 = 1.35 -> 1 (nearest whole number).
2026: three container visits N0-N2, each with a TIE claim and no control: N0 is honoured,
N1 and N2 exceed the allowance of 1 (AB10). The port declares its 2026 complete too (its TIE
claims of the year are all loaded); the line cannot, so its N0, within the same allowance of 1,
is not honoured (AB26, pack 1.2.12: other lines' claims at T1 in 2026 may be missing) while the
allowance it reads, 1 from the counts, is the port's.

Before: the export counted C00 as a visit (it looked for innovative_concept in the verdict's
basis, which a partial claim never reaches), and the pack added the tug barges' row of the
counts to T1's: 28 + 10 = 38 -> 5 % = 1.9 -> 2, so N1 was honoured from the port's counts and
not from the port's visits.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.engine import check, load_pack
from berthcheck.engine.scope import parse_scope
from berthcheck.export.wharfinger import export_wharfinger
from berthcheck.ingest.load import load_files
from tests.conftest import write_csv

IMOS = ["9321483", "9074729", "9176187", "9289001", "9337638", "9243356", "9214185",
        "9789908", "9802097"]


def _visit(visit_id: str, imo: str, vessel_type: str, arrival: dt.datetime) -> dict[str, str]:
    def local(t: dt.datetime) -> str:
        return t.strftime("%Y-%m-%d %H:%M")

    return {"visit_id": visit_id, "imo": imo, "vessel_name": f"SHIP {visit_id}",
            "vessel_type": vessel_type, "fleet": "F", "operator": "O", "port": "USLAX",
            "terminal": "T1", "berth": "B1", "arrival": local(arrival),
            "ready_to_work": local(arrival + dt.timedelta(hours=1)),
            "departure": local(arrival + dt.timedelta(hours=20)),
            "shore_power_capable": "yes", "commissioned": "true"}


VISITS_2025 = (
    [_visit(f"C{i:02d}", IMOS[i % 9], "container", dt.datetime(2025, 1, 1, 6)
            + dt.timedelta(days=10 * i)) for i in range(28)]
    + [_visit(f"A{i:02d}", IMOS[(i + 3) % 9], "articulated_tug_barge",
              dt.datetime(2025, 1, 4, 6) + dt.timedelta(days=10 * i)) for i in range(10)])
EVENTS_2025 = [{"visit_id": "C00", "kind": "innovative_concept", "start": "2025-01-01 08:00",
                "end": "2025-01-01 10:00", "reference": "IC-1"}]
VISITS_2026 = [_visit(f"N{i}", IMOS[i], "container", dt.datetime(2026, 4, 1 + 3 * i, 6))
               for i in range(3)]
EVENTS_2026 = [{"visit_id": f"N{i}", "kind": "tie", "start": "", "end": "",
                "reference": f"TIE-{i}"} for i in range(3)]
TERMINALS = [{"port": "USLAX", "terminal": "T1", "vessel_type": "container", "year": str(y),
              "regulated": "true"} for y in (2025, 2026)]
EXPECTED_2026 = {"N0": ("compliant", "tie"), "N1": ("non_compliant", "uncontrolled"),
                 "N2": ("non_compliant", "uncontrolled")}


def _load(con, folder: Path, tables: list[tuple[str, list[dict[str, str]]]]) -> None:
    for i, (kind, rows) in enumerate(tables):
        load_files(con, kind, [write_csv(folder / f"{i}-{kind}.csv", rows)])


def _check_2026(con):
    outcome = check(con, load_pack("carb-at-berth-2020"),
                    scope=parse_scope("2026", None, None, None, None, None))
    return outcome.results, outcome.findings


def _verdicts_2026(con) -> dict[str, tuple[str, str]]:
    results, _ = _check_2026(con)
    return {r["visit_id"]: (r["verdict"], r["basis"]) for r in results.iter_rows(named=True)}


@pytest.fixture(scope="module")
def port_store(tmp_path_factory):
    """The port's store: 2025 declared complete, the 2026 claims; its 2025 Wharfinger data."""
    folder = tmp_path_factory.mktemp("port")
    con = store.connect(folder / "port.duckdb")
    try:
        _load(con, folder, [("visits", VISITS_2025), ("visits", VISITS_2026),
                            ("events", EVENTS_2025), ("events", EVENTS_2026),
                            ("coverage", [{"kind": "port", "holder": "USLAX", "year": "2025"},
                                          {"kind": "port", "holder": "USLAX", "year": "2026"}]),
                            ("terminals", TERMINALS)])
        export_wharfinger(con, year="2025", port="USLAX", out=folder / "wharfinger.csv")
        verdicts = _verdicts_2026(con)
    finally:
        con.close()
    return folder, verdicts


def test_the_counts_leave_out_a_visit_with_an_innovative_concept_claim(port_store):
    folder, _ = port_store
    rows = {r["visit_id"]: r for r in csv.DictReader((folder / "wharfinger.csv").open())}
    assert rows["C00"]["innovative_concept"] == "true"
    assert {v for v, r in rows.items() if r["innovative_concept"] == "true"} == {"C00"}
    counts = [(c["vessel_type"], c["visits"], c["innovative_concept_visits"])
              for c in csv.DictReader((folder / "wharfinger-visit_counts.csv").open())]
    # the tug barges stay in the Wharfinger data (the port reports every visit)
    assert counts == [("articulated_tug_barge", "10", "0"), ("container", "27", "1")]


def test_the_ports_counts_give_the_allowance_its_visits_give(port_store, tmp_path):
    folder, from_visits = port_store
    assert from_visits == EXPECTED_2026
    con = store.connect(tmp_path / "line.duckdb")
    try:
        _load(con, tmp_path, [("visits", VISITS_2026), ("events", EVENTS_2026),
                              ("terminals", TERMINALS)])
        load_files(con, "visit-counts", [folder / "wharfinger-visit_counts.csv"])
        results, findings = _check_2026(con)
        # the same allowance (1, from the counts) and the same order of claims; N0 is not
        # honoured only because the line's 2026 is not a complete record of T1's claims
        assert {r["visit_id"]: (r["verdict"], r["basis"]) for r in results.iter_rows(named=True)} \
            == {**EXPECTED_2026, "N0": ("non_compliant", "uncontrolled")}
        claims = {(r["visit_id"], r["rule_id"]): json.loads(r["evidence"])
                  for r in findings.iter_rows(named=True) if r["rule_id"] in ("AB10", "AB26")}
        assert sorted(claims) == [("N0", "AB26"), ("N1", "AB10"), ("N2", "AB10")]
        assert {(e["claim_number"], e["allowance"], e["allowance_source"])
                for e in claims.values()} == {(1, 1, "visit_counts"), (2, 1, "visit_counts"),
                                              (3, 1, "visit_counts")}
    finally:
        con.close()


# Low activity (§ 93130.10(a)) counts every visit a terminal receives, innovative-concept visits
# among them. USLAX, terminal T2, container: low activity in 2024 (a terminals row); 20 visits in
# 2024 and 20 in 2025, one each year under an innovative concept (2 h of its stay). 20 and 20:
# two consecutive years at 20 or more -> regulated from 2026-01-01, so L26, a 2026 visit with
# no control, is non_compliant. The Wharfinger counts say 19 + 1 innovative-concept visit each
# year; read as 19 (until pack 1.2.11 and the visit-counts column innovative_concept_visits),
# T2 stayed low activity and L26 was exempt from the port's own counts.
def _at_t2(row: dict[str, str]) -> dict[str, str]:
    return {**row, "terminal": "T2"}


LOW_VISITS = [_at_t2(_visit(f"L{y % 100}{i:02d}", IMOS[i % 9], "container",
                            dt.datetime(y, 1, 2, 6) + dt.timedelta(days=15 * i)))
              for y in (2024, 2025) for i in range(20)]
LOW_EVENTS = [{"visit_id": f"L{y % 100}00", "kind": "innovative_concept",
               "start": f"{y}-01-02 08:00", "end": f"{y}-01-02 10:00", "reference": f"IC-{y}"}
              for y in (2024, 2025)]
LOW_2026 = [_at_t2(_visit("L26", IMOS[0], "container", dt.datetime(2026, 5, 4, 6)))]
LOW_TERMINALS = [{"port": "USLAX", "terminal": "T2", "vessel_type": "container", "year": "2024",
                  "regulated": "false"}]


def test_the_ports_counts_give_the_terminal_status_its_visits_give(tmp_path):
    port = store.connect(tmp_path / "port.duckdb")
    try:
        _load(port, tmp_path, [("visits", LOW_VISITS + LOW_2026), ("events", LOW_EVENTS),
                               ("terminals", LOW_TERMINALS)]
              + [("coverage", [{"kind": "port", "holder": "USLAX", "year": str(y)}])
                 for y in (2024, 2025)])
        for year in (2024, 2025):
            export_wharfinger(port, year=str(year), port="USLAX",
                              out=tmp_path / f"wharfinger-{year}.csv")
        from_visits = _verdicts_2026(port)["L26"]
    finally:
        port.close()
    assert from_visits == ("non_compliant", "uncontrolled")
    counts = tmp_path / "wharfinger-2025-visit_counts.csv"
    assert [(c["visits"], c["innovative_concept_visits"])
            for c in csv.DictReader(counts.open())] == [("19", "1")]
    line = store.connect(tmp_path / "line.duckdb")
    try:
        _load(line, tmp_path, [("visits", LOW_2026), ("terminals", LOW_TERMINALS)])
        load_files(line, "visit-counts", [tmp_path / f"wharfinger-{y}-visit_counts.csv"
                                          for y in (2024, 2025)])
        assert store.run(line, "SELECT year, visits, innovative_concept_visits FROM visit_counts "
                               "ORDER BY year") == [(2024, 19, 1), (2025, 19, 1)]
        assert _verdicts_2026(line)["L26"] == from_visits
    finally:
        line.close()


def test_an_older_store_gains_the_column(tmp_path, monkeypatch):
    """A store made before migration 17 (no innovative_concept_visits) opens, gains the column
    and loads the Wharfinger file's counts with it."""
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(store, "MIGRATIONS", [m for m in store.MIGRATIONS if m[0] <= 16])
    con = store.connect(path)
    # migration 7 builds visit_counts from today's kinds: take the column away, as a store of
    # that release never had it
    store.run(con, "DROP VIEW visit_counts")
    store.run(con, "ALTER TABLE visit_counts_versions DROP COLUMN innovative_concept_visits")
    store.run(con, "CREATE VIEW visit_counts AS SELECT * FROM visit_counts_versions "
                   "WHERE _replaced_by IS NULL")
    assert store.schema_version(con) == 16
    con.close()
    monkeypatch.undo()
    con = store.connect(path)
    try:
        assert store.schema_version(con) == store.MIGRATIONS[-1][0]
        load_files(con, "visit-counts", [write_csv(tmp_path / "counts.csv", [
            {"year": "2025", "holder_kind": "terminal", "holder": "T1", "port": "USLAX",
             "vessel_type": "container", "visits": "19", "source": "wharfinger",
             "innovative_concept_visits": "1"}])])
        assert store.run(con, "SELECT visits, innovative_concept_visits FROM visit_counts") \
            == [(19, 1)]
    finally:
        con.close()


def test_an_empty_innovative_concept_count_leaves_a_rows_hash_as_it_was(tmp_path):
    """Counts stored before the column hash a row text without it; the same row loaded now
    (the column empty) must hash the same, or loading the same counts file again in an
    upgraded store would replace its rows (a new batch the runs' manifests see)."""
    from berthcheck.ingest.kinds import KINDS, storage_name
    from berthcheck.seals import row_text_sql

    row = {"year": "2025", "holder_kind": "terminal", "holder": "T1", "port": "USLAX",
           "vessel_type": "container", "visits": "19", "source": "wharfinger"}
    con = store.connect(":memory:")
    try:
        load_files(con, "visit-counts", [write_csv(tmp_path / "old.csv", [row])])
        columns = [storage_name(c.name) for c in KINDS["visit-counts"].columns
                   if c.name != "innovative_concept_visits"]
        before = store.run(con, f"SELECT sha256({row_text_sql([*columns, 'extra'])}) "  # noqa: S608
                                "FROM visit_counts")[0][0]
        assert store.run(con, "SELECT _row_hash FROM visit_counts")[0][0] == before
        # a value is part of the row's content
        load_files(con, "visit-counts", [write_csv(tmp_path / "new.csv", [
            {**row, "innovative_concept_visits": "1"}])], replace=True)
        assert store.run(con, "SELECT _row_hash FROM visit_counts")[0][0] != before
    finally:
        con.close()

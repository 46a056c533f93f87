"""The sample generator: deterministic, realistic in the ways the rules care about, and the
committed sample_data/ is exactly what it produces."""

from __future__ import annotations

import csv
import importlib.util
import itertools
import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from berthcheck.ingest.kinds import (
    EVENT_KINDS,
    VESSEL_TYPE_ALIASES,
    VESSEL_TYPES,
    normalise_token,
)
from berthcheck.sample import FILES, generate, imo_check_digit, imo_is_valid

LA = ZoneInfo("America/Los_Angeles")
REPO = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO / "sample_data"
REGENERATE = (
    "regenerate it: berthcheck sample --out sample_data --visits 200 --seed 2026 --force, and "
    "python -c \"from pathlib import Path; from berthcheck.sample import generate; "
    "generate(Path('sample_data/dirty'), dirty=True)\""
)
TIME_COLUMNS = {
    "visits": ("arrival", "ready_to_work", "pilot_on_board", "departure", "reported_at"),
    "shore_power": ("connected", "disconnected"),
    "capture": ("started", "ended"),
    "events": ("start", "end"),
}
TRUE, FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


# --- helpers -------------------------------------------------------------------------------


def read(folder: Path, stem: str) -> list[dict[str, str]]:
    with open(folder / f"{stem}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def instant(text: str, tz: ZoneInfo = LA) -> datetime:
    """A time as the contract reads it: with an offset/Z exact, else local time at the port."""
    if "T" in text:
        return datetime.fromisoformat(text).astimezone(UTC)
    return datetime.fromisoformat(text).replace(tzinfo=tz).astimezone(UTC)


def naive_problem(text: str, tz: ZoneInfo = LA) -> str | None:
    """'ambiguous' / 'nonexistent' for a naive local time the contract rejects, else None."""
    if "T" in text:
        return None
    wall = datetime.fromisoformat(text)
    early, late = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        back = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        return "nonexistent" if back != wall else "ambiguous"
    return None


def vessel_type(text: str) -> str | None:
    token = normalise_token(text)
    for value in VESSEL_TYPES:
        if normalise_token(value) == token:
            return value
    return VESSEL_TYPE_ALIASES.get(token)


def hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate(out)
    return out


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dirty")
    generate(out, dirty=True)
    return out


# --- determinism and the committed files ------------------------------------------------------


def test_returns_one_file_per_kind_with_the_contract_headers(tmp_path):
    paths = generate(tmp_path, visits=20)
    assert set(paths) == set(FILES)
    for stem, kind in FILES.items():
        assert paths[stem] == tmp_path / f"{stem}.csv"
        raw = paths[stem].read_bytes()
        assert b"\r" not in raw
        header = raw.decode("utf-8").split("\n", 1)[0]
        # every contract column but the optional ones no sample fills (port_call,
        # innovative_concept_visits)
        assert header.split(",") == list(kind.sample_column_names), stem
        assert set(kind.column_names) - set(kind.sample_column_names) <= {
            "port_call", "innovative_concept_visits"}


def test_every_row_has_the_headers_width(tmp_path):
    # the visits rows were one cell short (call_purpose) and the events rows too
    # (approval_ref), in every layout: a reader that pads short rows hid it
    for layout in ({}, {"dirty": True}, {"port": "NLRTM", "month": "2030-06"},
                   {"port": "CNSHA"}):
        out = tmp_path / "-".join(f"{k}{v}" for k, v in layout.items())
        for stem, path in generate(out, visits=40, **layout).items():
            rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
            assert {len(r) for r in rows[1:]} <= {len(rows[0])}, (layout, stem)


def test_same_arguments_give_byte_identical_files(tmp_path):
    for dirty_flag in (False, True):
        a, b = tmp_path / f"a{dirty_flag}", tmp_path / f"b{dirty_flag}"
        generate(a, dirty=dirty_flag)
        generate(b, dirty=dirty_flag)
        names = sorted(p.name for p in a.iterdir())
        assert names == sorted(p.name for p in b.iterdir())
        for name in names:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    other = tmp_path / "other_seed"
    generate(other, seed=2027)
    assert (other / "visits.csv").read_bytes() != (tmp_path / "aFalse" / "visits.csv").read_bytes()


def test_committed_sample_data_is_what_the_generator_makes(tmp_path):
    fresh, fresh_dirty = tmp_path / "s", tmp_path / "s" / "dirty"
    generate(fresh, visits=200, seed=2026)
    generate(fresh_dirty, dirty=True)
    for committed, made in ((SAMPLE_DATA, fresh), (SAMPLE_DATA / "dirty", fresh_dirty)):
        made_names = sorted(p.name for p in made.iterdir() if p.is_file())
        committed_names = sorted(
            p.name for p in committed.glob("*")
            if p.is_file() and (p.suffix == ".csv" or committed.name == "dirty")
        )
        assert committed_names == made_names, f"{committed} has other files; {REGENERATE}"
        for name in made_names:
            assert (committed / name).read_bytes() == (made / name).read_bytes(), (
                f"{committed / name} differs from a fresh generation; {REGENERATE}"
            )
    assert (SAMPLE_DATA / "README.md").is_file()


# --- realism ---------------------------------------------------------------------------------


def test_imo_numbers_carry_a_valid_check_digit(clean):
    assert imo_check_digit("907472") == 9  # the textbook example, IMO 9074729
    assert imo_is_valid("9074729") and not imo_is_valid("9074728")
    imos = [v["imo"] for v in read(clean, "visits")]
    assert all(imo_is_valid(i) for i in imos)
    repeat = Counter(imos)
    assert max(repeat.values()) >= 3, "some vessels should call repeatedly"


def test_vessel_type_mix_and_stays(clean):
    visits = read(clean, "visits")
    types = [vessel_type(v["vessel_type"]) for v in visits]
    assert None not in types
    mix = Counter(types)
    # articulated tug barges (not ocean-going, never regulated) are not in the sample month
    assert set(mix) == set(VESSEL_TYPES) - {"articulated_tug_barge"}
    assert 0.40 <= mix["container"] / len(types) <= 0.65
    assert mix["tanker"] > mix["passenger"] > mix["other"]
    aliases = {v["vessel_type"] for v in visits} - set(VESSEL_TYPES)
    assert {"cruise", "Ro-Ro", "vehicle carrier"} <= aliases
    stays = defaultdict(list)
    for v, t in zip(visits, types, strict=True):
        stays[t].append(hours(instant(v["arrival"]), instant(v["departure"])))
    assert 24 <= statistics.median(stays["container"]) <= 80
    assert all(20 <= h <= 96 for h in stays["container"])
    assert all(8 <= h < 24 for h in stays["passenger"])
    assert all(12 <= h <= 30 for h in stays["roro"])
    assert all(24 <= h <= 48 for h in stays["tanker"])


def test_row_rules_of_the_contract_hold(clean):
    for v in read(clean, "visits"):
        arr, dep = instant(v["arrival"]), instant(v["departure"])
        assert arr < dep and dep - arr <= timedelta(days=60)
        if v["ready_to_work"]:
            assert arr <= instant(v["ready_to_work"]) < dep
        if v["pilot_on_board"]:
            assert arr < instant(v["pilot_on_board"]) <= dep
        assert re.fullmatch(r"[A-Z]{5}", v["port"])
        assert v["shore_power_capable"] in TRUE | FALSE
        assert v["commissioned"] in TRUE | FALSE | {""}
        assert v["nox_tier"] in {"", "0", "1", "2", "3"}
        assert float(v["gross_tonnage"]) > 0
    assert sum("T" in v["arrival"] for v in read(clean, "visits")) >= 10  # explicit offsets
    assert all(float(s["energy_kwh"]) >= 0 for s in read(clean, "shore_power") if s["energy_kwh"])


def test_sessions_and_events_lie_within_their_visit_and_do_not_overlap(clean):
    visits = {v["visit_id"]: v for v in read(clean, "visits")}
    for stem, start, end in (("shore_power", "connected", "disconnected"),
                             ("capture", "started", "ended"), ("events", "start", "end")):
        spans = defaultdict(list)
        for row in read(clean, stem):
            v = visits[row["visit_id"]]
            if not row[start]:
                assert not row[end] and stem == "events"
                continue
            s, e = instant(row[start]), instant(row[end])
            assert instant(v["arrival"]) <= s < e <= instant(v["departure"]), row
            spans[row["visit_id"]].append((s, e))
        if stem != "events":
            for intervals in spans.values():
                intervals.sort()
                assert all(a[1] <= b[0] for a, b in itertools.pairwise(intervals)), intervals


@pytest.mark.parametrize(("visits", "month"), [(200, "2026-10"), (37, "2026-03")])
def test_exactly_the_asked_number_of_calls_depart_in_the_month(tmp_path, visits, month):
    generate(tmp_path, visits=visits, month=month)
    y, m = int(month[:4]), int(month[5:])
    start = datetime(y, m, 1, tzinfo=LA)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=LA)
    departures = [instant(v["departure"]) for v in read(tmp_path, "visits")]
    inside = [d for d in departures if start <= d < end]
    assert len(inside) == visits
    assert 1 <= len(departures) - visits <= 3
    assert all(end <= d < end + timedelta(days=3) for d in departures if d not in inside)


def test_a_call_crosses_the_fall_back_change(clean):
    change = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # 02:00 PDT -> 01:00 PST
    crossing = {
        v["visit_id"] for v in read(clean, "visits")
        if instant(v["arrival"]) < change < instant(v["departure"])
    }
    assert crossing
    sessions = [s for s in read(clean, "shore_power") if s["visit_id"] in crossing]
    assert any(instant(s["connected"]) < change < instant(s["disconnected"]) for s in sessions)
    # a time in the repeated hour is written with its offset, and is in that hour
    repeated = [
        c["started"] for c in read(clean, "capture")
        if c["visit_id"] in crossing and c["started"].startswith("2026-11-01T01:")
    ]
    assert repeated and repeated[0].endswith("-07:00")


def test_naive_times_never_fall_in_a_gap_or_the_repeated_hour(clean, tmp_path):
    generate(tmp_path, visits=300, month="2026-03", seed=7)  # contains the spring gap
    for folder in (clean, tmp_path):
        for stem, columns in TIME_COLUMNS.items():
            for row in read(folder, stem):
                for col in columns:
                    if row[col]:
                        assert naive_problem(row[col]) is None, (folder, stem, col, row[col])
    # the checker itself can tell (else this test could not fail)
    assert naive_problem("2026-11-01 01:30") == "ambiguous"
    assert naive_problem("2026-03-08 02:30") == "nonexistent"


def test_reports_exceptions_and_reference_tables(clean):
    visits = read(clean, "visits")
    reported = [v for v in visits if v["reported_at"]]
    cutoff = datetime(2026, 11, 21, tzinfo=LA)
    assert all(instant(v["reported_at"]) < cutoff for v in reported)
    assert any(hours(instant(v["departure"]), instant(v["reported_at"])) > 30 * 24
               for v in reported)
    assert len(reported) < len(visits)
    assert any(not v["ready_to_work"] for v in visits)
    assert any(not v["pilot_on_board"] for v in visits)

    events = read(clean, "events")
    assert {e["kind"] for e in events} <= set(EVENT_KINDS)
    kinds = Counter(e["kind"] for e in events)
    assert kinds["vie"] >= 2 and kinds["tie"] >= 1 and kinds["remediation"] >= 1
    assert any(e["kind"] == "commissioning" and not e["start"] and not e["end"] for e in events)
    assert any(e["kind"] == "emergency" and e["start"] and e["end"] for e in events)
    # some fleet uses more VIEs than it was granted
    fleet_of = {v["visit_id"]: v["fleet"] for v in visits}
    used = Counter(fleet_of[e["visit_id"]] for e in events if e["kind"] == "vie")
    granted = {a["holder"]: int(a["granted"]) for a in read(clean, "allowances")
               if a["holder_kind"] == "fleet"}
    assert set(used) <= set(granted)
    assert any(n > granted[f] for f, n in used.items())
    tie_terminals = {v["terminal"] for v in visits
                     if v["visit_id"] in {e["visit_id"] for e in events if e["kind"] == "tie"}}
    assert tie_terminals <= {a["holder"] for a in read(clean, "allowances")
                             if a["holder_kind"] == "terminal"}

    # capture: an approval that ended mid-month is used after it ended; one system is unlisted
    caecs = {c["system_id"]: c for c in read(clean, "caecs")}
    capture = read(clean, "capture")
    expired = [c for c in capture if caecs.get(c["system_id"], {}).get("approved_to")
               and instant(c["started"]).date().isoformat() > caecs[c["system_id"]]["approved_to"]]
    assert expired
    assert any(c["system_id"] not in caecs for c in capture)
    assert any(not c["nox_outlet_ppm"] for c in capture)

    berths = read(clean, "berths")
    listed = {(b["terminal"], b["berth"]) for b in berths}
    assert {(v["terminal"], v["berth"]) for v in visits} <= listed
    assert all(b["ops_available"] == b["shore_power"] for b in berths)
    assert any(t["regulated"] == "false" for t in read(clean, "terminals"))

    # untrusted text reaches every renderer: &, <, quotes and non-ASCII in names and notes
    text = " ".join(v["vessel_name"] + v["operator"] for v in visits)
    notes = " ".join(e["note"] for e in events)
    assert "&" in text and '"' in text and any(ord(ch) > 127 for ch in text)
    assert all(ch in notes for ch in '&<"') and any(ord(ch) > 127 for ch in notes)


# --- the dirty variant -----------------------------------------------------------------------


def planted(folder: Path) -> list[dict[str, str]]:
    rows = []
    for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[2].isdigit():
            code, file, row, column, value, why = cells
            rows.append({"code": code, "file": file, "row": int(row), "column": column,
                         "value": value.strip("`"), "why": why})
    return rows


def cell_rows(folder: Path, file: str) -> list[dict[str, str]]:
    return read(folder, file.removesuffix(".csv"))


def test_dirty_sample_contains_each_planted_problem(dirty):
    problems = planted(dirty)
    assert 8 <= len(problems) <= 12
    assert len({p["code"] for p in problems}) == len(problems), "one problem of each kind"
    assert {p["code"] for p in problems} == {
        "bad_imo", "unknown_type", "departure_before_arrival", "ambiguous_time",
        "nonexistent_time", "bad_bool", "bad_port", "duplicate_id", "negative_energy",
        "overlapping_sessions", "unknown_visit",
    }
    visit_ids = {v["visit_id"] for v in read(dirty, "visits")}
    for p in problems:
        rows = cell_rows(dirty, p["file"])
        row = rows[p["row"] - 2]  # header is row 1
        value = row[p["column"]]
        assert value == p["value"], p
        code = p["code"]
        if code == "bad_imo":
            assert len(value) == 7 and value.isdigit() and not imo_is_valid(value)
        elif code == "unknown_type":
            assert vessel_type(value) is None
        elif code == "departure_before_arrival":
            assert instant(value) < instant(row["arrival"])
        elif code == "ambiguous_time":
            assert naive_problem(value) == "ambiguous"
        elif code == "nonexistent_time":
            assert naive_problem(value) == "nonexistent"
        elif code == "bad_bool":
            assert value.lower() not in TRUE | FALSE
        elif code == "bad_port":
            assert not re.fullmatch(r"[A-Z]{5}", value)
        elif code == "duplicate_id":
            same = [r for r in rows if r["visit_id"] == value]
            assert len(same) == 2 and same[0] != same[1]
        elif code == "negative_energy":
            assert float(value) < 0
        elif code == "overlapping_sessions":
            mine = (instant(row["connected"]), instant(row["disconnected"]))
            others = [(instant(r["connected"]), instant(r["disconnected"])) for r in rows
                      if r["visit_id"] == row["visit_id"] and r is not row]
            assert any(s < mine[1] and mine[0] < e for s, e in others)
        elif code == "unknown_visit":
            assert value not in visit_ids
        else:  # pragma: no cover
            pytest.fail(f"unchecked problem {code}")


def test_dirty_sample_is_the_clean_one_plus_the_planted_rows(clean, dirty):
    problems = planted(dirty)
    for stem in FILES:
        clean_rows = Counter(map(tuple, csv.reader(open(clean / f"{stem}.csv", encoding="utf-8"))))
        with open(dirty / f"{stem}.csv", encoding="utf-8") as fh:
            dirty_rows = list(csv.reader(fh))
        changed = {n for n, r in enumerate(dirty_rows, 1) if clean_rows[tuple(r)] == 0}
        expected = {p["row"] for p in problems if p["file"] == f"{stem}.csv"}
        assert changed == expected, stem


# --- the loader ----------------------------------------------------------------------------

LOAD_ORDER = (("berths", "berths"), ("caecs", "caecs"), ("terminals", "terminals"),
              ("allowances", "allowances"), ("visits", "visits"),
              ("shore-power", "shore_power"), ("capture", "capture"), ("events", "events"))


def _loader():
    if importlib.util.find_spec("berthcheck.ingest.load") is None:
        pytest.skip("berthcheck.ingest.load is not written yet")
    from berthcheck import store
    from berthcheck.ingest.load import load_files

    return store, load_files


def test_clean_sample_loads_without_a_rejected_row(clean, tmp_path):
    store, load_files = _loader()
    con = store.connect(tmp_path / "sample.duckdb")
    try:
        for kind, stem in LOAD_ORDER:
            report = load_files(con, kind, [clean / f"{stem}.csv"])
            assert not report.errors
            assert report.inserted == len(read(clean, stem)), kind
        # the loader read every time as the generator meant it (naive = port-local time)
        stored = dict(store.run(con, "SELECT visit_id, departure FROM visits"))
        for v in read(clean, "visits"):
            assert stored[v["visit_id"]] == instant(v["departure"]), v["visit_id"]
    finally:
        con.close()


def test_loader_reports_every_planted_problem(dirty, tmp_path):
    store, load_files = _loader()
    con = store.connect(tmp_path / "dirty.duckdb")
    try:
        reported = set()
        for kind, stem in LOAD_ORDER:
            report = load_files(con, kind, [dirty / f"{stem}.csv"], quarantine=True)
            reported |= {(e.file, e.row) for e in report.errors}
    finally:
        con.close()
    missing = [p for p in planted(dirty) if (p["file"], p["row"]) not in reported]
    assert not missing



@pytest.mark.parametrize("visits", [6, 8, 10])
def test_a_small_shanghai_month_keeps_every_scenario_that_has_a_call(visits):
    """Each kind's scripted scenarios fall on calls a fraction of the way through the kind's
    calls; where two fell on one call (a small month) the Shanghai sample's later scenario
    replaced the earlier, so a 10-visit month had 4 of its 5 container scenarios, while Los
    Angeles and Rotterdam move the later one to the next call. Every scenario that has a call
    left is now placed, as at the other ports."""
    from collections import Counter

    from berthcheck.sample_cn import _SCENARIOS, CnGenerator

    for seed in (1, 7, 2026):
        plan = CnGenerator(visits=visits, seed=seed, month="2026-10", port="CNSHA")._plan()
        calls = Counter(kind for _dep, kind, _scenario in plan)
        placed = Counter(kind for _dep, kind, scenario in plan if scenario)
        assert {k: placed[k] for k in _SCENARIOS} == \
            {k: min(calls[k], len(v)) for k, v in _SCENARIOS.items()}, seed

"""One parametrised test runs every rule fixture (tests/rules/<RULE_ID>.yml), sqlfluff style.

A fixture file names its rule (and its pack, `pack:`, default carb-at-berth-2020) and a list of
cases. Each case gives input rows per kind (times
as ISO text: with an offset = instant, naive = local time at the visit's port) and the
hand-computed expectations:

    expect:    {visit_id: {verdict, basis, controlled_hours, ..., findings}}   (keys compared)
    findings:  [{visit_id, minutes?}]   every finding of THIS file's rule, exactly

Conveniences, so each case states only what matters to it:
  * visit rows are merged onto the file's `visit_defaults:` (if any), merged onto
    tests.helpers_store.visit() (a regulated container visit at
    USLAX: arrival 2026-10-03 06:00, ready_to_work 08:00, pilot_on_board 10-04 18:00,
    departure 10-04 19:00 local, so W = [10-03 10:00, 10-04 17:00) = 31 h);
  * `repeat: n` on a visit row makes n copies (ids <id>-1..n), each one day later;
  * without a `terminals` key every visit's terminal is listed regulated=true for its type and
    year; without a `berths` key every berth has shore power and capture;
  * `plug_in_all: true` adds a shore power session arrival -> departure to every visit that
    has none;
  * `period` limits the reported visits (earlier years can be loaded as history);
  * `load: {kind: csv text}` loads files through the real loader first (berthcheck load), for
    cases about what loading does (e.g. a ports file overriding a built-in port).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
import yaml

from berthcheck import store
from berthcheck.engine import check, load_pack
from berthcheck.engine.pack import available_packs
from berthcheck.ingest.load import load_files
from tests.basis_table import basis_problems
from tests.helpers_store import _PORT_TZ, parse_instant, put_tables, visit

FIXTURES = Path(__file__).parent / "rules"
TIMESTAMP_COLUMNS = ("arrival", "ready_to_work", "pilot_on_board", "departure", "reported_at")
FLOAT_KEYS = ("controlled_hours", "uncontrolled_hours", "excused_hours", "penalty",
              "non_compliant_hours", "non_compliant_hours_billed", "power_demand_kw")
DEFAULT_PACK = "carb-at-berth-2020"


def _cases():
    for path in sorted(FIXTURES.glob("*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert spec["rule"] == path.stem, f"{path.name}: rule id must match the file name"
        pack = spec.get("pack", DEFAULT_PACK)
        defaults = spec.get("visit_defaults") or {}
        for case in spec["cases"]:
            yield pytest.param(pack, spec["rule"], case, defaults,
                               id=f"{spec['rule']}:{case['name']}")


def _shift(value, days: int):
    if value in (None, ""):
        return value
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed + dt.timedelta(days=days)).isoformat()


def _expand_visits(rows: list[dict], defaults: dict | None = None) -> list[dict]:
    out = []
    for row in rows:
        row = {**(defaults or {}), **row}
        repeat = row.pop("repeat", None)
        if repeat is None:
            out.append(visit(**row))
            continue
        for k in range(repeat):
            copy = {c: (_shift(v, k) if c in TIMESTAMP_COLUMNS else v) for c, v in row.items()}
            copy["visit_id"] = f"{row['visit_id']}-{k + 1}"
            out.append(visit(**copy))
    return out


def _local_year(row: dict) -> int:
    return parse_instant(row["departure"], _PORT_TZ.get(row["port"])).astimezone(
        __import__("zoneinfo").ZoneInfo(_PORT_TZ.get(row["port"], "UTC"))
    ).year


def build_tables(case: dict, visit_defaults: dict | None = None) -> dict[str, list[dict]]:
    tables = {k: list(v or []) for k, v in case.get("tables", {}).items()}
    visits = _expand_visits(tables.get("visits", []), visit_defaults)
    tables["visits"] = visits
    if "terminals" not in tables:
        keys = sorted({(v["port"], v["terminal"], v["vessel_type"], _local_year(v)) for v in visits})
        tables["terminals"] = [
            {"port": p, "terminal": t, "vessel_type": ty, "year": y, "regulated": True}
            for p, t, ty, y in keys
        ]
    if "berths" not in tables:
        keys = sorted({(v["port"], v["terminal"], v["berth"]) for v in visits})
        tables["berths"] = [
            {"port": p, "terminal": t, "berth": b, "shore_power": True, "capture_available": True}
            for p, t, b in keys
        ]
    if case.get("plug_in_all"):
        have = {s["visit_id"] for s in tables.get("shore-power", [])}
        tables.setdefault("shore-power", [])
        tables["shore-power"] += [
            {"session_id": f"SP-{v['visit_id']}", "visit_id": v["visit_id"],
             "connected": v["arrival"], "disconnected": v["departure"]}
            for v in visits if v["visit_id"] not in have
        ]
    return tables


def _load_files(con, files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for kind, text in files.items():
            path = Path(folder) / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            load_files(con, kind, [path])


def run_case(case: dict, pack: str = DEFAULT_PACK, visit_defaults: dict | None = None):
    # a file, not ":memory:": the suite starts each new file as a copy of one migrated
    # template (conftest), where an in-memory store would run every migration again
    with tempfile.TemporaryDirectory() as folder:
        con = store.connect(Path(folder) / "case.duckdb")
        try:
            _load_files(con, case.get("load") or {})
            put_tables(con, build_tables(case, visit_defaults))
            return check(con, load_pack(pack), period=case.get("period"), store_run=False)
        finally:
            con.close()


def _iso(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


@pytest.mark.parametrize(("pack", "rule_id", "case", "visit_defaults"), list(_cases()))
def test_rule_case(pack: str, rule_id: str, case: dict, visit_defaults: dict):
    # the engine validates every invariant (pandera) on the way
    outcome = run_case(case, pack, visit_defaults)
    rows = {r["visit_id"]: r for r in outcome.results.iter_rows(named=True)}
    # the contract's basis/verdict table holds for every result, not only the expected ones
    assert basis_problems(pack, [(v, r["verdict"], r["basis"]) for v, r in rows.items()]) == []
    for visit_id, expected in (case.get("expect") or {}).items():
        assert visit_id in rows, f"{visit_id} missing from results"
        got = rows[visit_id]
        for key, want in expected.items():
            have = got[key]
            if key in FLOAT_KEYS and want is not None:
                assert have is not None and have == pytest.approx(want, abs=1e-6), (
                    f"{visit_id}.{key}: {have} != {want}"
                )
            elif key in ("window_start", "window_end") and want is not None:
                assert _iso(have) == _iso(parse_instant(want, _PORT_TZ.get(got["port"]))), (
                    f"{visit_id}.{key}: {have} != {want}"
                )
            else:
                assert have == want, f"{visit_id}.{key}: {have!r} != {want!r}"
    if "findings" in case:
        mine = outcome.findings.filter(outcome.findings["rule_id"] == rule_id)
        want = case["findings"] or []
        got_ids = sorted(mine["visit_id"].to_list())
        assert got_ids == sorted(f["visit_id"] for f in want), (
            f"{rule_id} findings on {got_ids}: {mine['message'].to_list()}"
        )
        if want and all("minutes" in f for f in want):
            got = sorted(zip(mine["visit_id"], [round(m, 4) for m in mine["minutes"]], strict=True))
            assert got == sorted((f["visit_id"], round(f["minutes"], 4)) for f in want)


@pytest.mark.parametrize("pack_id", available_packs())
def test_every_rule_has_a_fixture_with_cases(pack_id: str):
    pack = load_pack(pack_id)
    for rule in pack.rules:
        path = FIXTURES / f"{rule.id}.yml"
        assert path.is_file(), f"no fixture for {rule.id}"
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert spec.get("pack", DEFAULT_PACK) == pack_id, f"{path.name}: pack must be {pack_id}"
        assert len(spec["cases"]) >= 2, f"{rule.id}: give at least two cases"
        names = [c["name"] for c in spec["cases"]]
        assert len(names) == len(set(names)), f"{rule.id}: case names must be unique"

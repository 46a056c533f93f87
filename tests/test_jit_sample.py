"""The sample month round-trips CSV -> DCSA JIT -> load -> check to the same verdicts, hours and
responsible parties (`berthcheck sample --format dcsa-jit`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.demo import SAMPLE_PERIOD
from berthcheck.engine import check
from berthcheck.ingest.adapters import load_adapter
from berthcheck.ingest.load import load_files
from berthcheck.sample_jit import convert

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
COMPARED = ("verdict", "basis", "window_start", "window_end", "controlled_hours",
            "uncontrolled_hours", "excused_hours", "responsible", "violation_days")


@pytest.fixture(scope="module")
def both(sample_month_checked, tmp_path_factory):
    root = tmp_path_factory.mktemp("jit-sample")
    # the CSV side: the sample month as `load_sample` loads it, checked (conftest's check of
    # that load, once per worker)
    from_csv = sample_month_checked[1].results
    jit_dir = root / "jit"
    files = convert(SAMPLE, jit_dir)
    con = store.connect(root / "jit.duckdb")
    try:
        for kind in ("berths", "terminals", "caecs", "allowances"):
            load_files(con, kind, [files[kind]])
        report = load_adapter(con, "dcsa-jit", [files["jit"]], details=files["details"],
                              aliases=files["terminal_aliases"])
        load_files(con, "capture", [files["capture"]])
        load_files(con, "events", [files["events"]])
        from_jit = check(con, period=SAMPLE_PERIOD).results
        ids = dict(store.run(con, "SELECT visit_id, json_extract_string(extra, "
                                  "'$.dcsa_jit.terminalCallReference') FROM visits"))
    finally:
        con.close()
    return from_csv, from_jit, ids, report, jit_dir


def _rows(frame, rename=None):
    cols = [c for c in COMPARED if c in frame.columns]
    out = {}
    for r in frame.select(["visit_id", *cols]).iter_rows(named=True):
        key = rename[r["visit_id"]] if rename else r["visit_id"]
        out[key] = {c: r[c] for c in cols}
    return out


def test_every_visit_has_the_same_verdict_hours_and_responsible(both):
    from_csv, from_jit, ids, report, _dir = both
    visits_in_csv = len((SAMPLE / "visits.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert not report.open_visits and report.files[0].inserted == visits_in_csv
    assert _rows(from_jit, ids) == _rows(from_csv)
    verdicts = {r["verdict"] for r in _rows(from_csv).values()}
    assert {"compliant", "non_compliant", "insufficient_data"} <= verdicts  # a real test


def test_jit_lineage_points_at_the_timestamp(both):
    *_rest, jit_dir = both
    payload = json.loads((jit_dir / "jit.json").read_text(encoding="utf-8"))
    assert set(payload) == {"portCalls", "terminalCalls", "portCallServices", "timestamps"}
    assert all(t["classifierCode"] == "ACT" for t in payload["timestamps"])
    assert all(t["dateTime"][-6:] in ("-07:00", "-08:00") for t in payload["timestamps"])


def test_the_conversion_is_deterministic(tmp_path, both):
    *_rest, jit_dir = both
    again = convert(SAMPLE, tmp_path / "again")
    for name, path in again.items():
        assert path.read_bytes() == (jit_dir / path.name).read_bytes(), name

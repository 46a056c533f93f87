"""Engine: pack declarations, parameter binding, finding identity, performance."""

from __future__ import annotations

import re
import subprocess
import sys

from berthcheck import store
from berthcheck.engine import check, load_pack
from berthcheck.engine.pack import PARAM_RE, strip_comments
from tests.helpers_store import put_tables, visit


def test_pack_declares_every_parameter_with_citation():
    pack = load_pack()
    assert pack.label == "carb-at-berth-2020@1.2.15"
    for p in pack.parameters.values():
        assert p.citation.strip()
        if not p.confirmed:
            assert p.note and "UNCONFIRMED" in p.note
    for t in pack.tables.values():
        assert t.citation.strip()
    # the UNCONFIRMED items of the research notes stay parameters
    assert "whole_visit_exception_kinds" in pack.unconfirmed()
    assert "table allowance_percent" in pack.unconfirmed()


def _all_sql(pack):
    return [(rel, sql) for rel, sql in pack.stages] + [(r.id, r.sql) for r in pack.rules] + [
        ("assemble", pack.assemble)
    ]


def test_parameters_are_bound_never_pasted():
    pack = load_pack()
    used = set()
    for name, sql in _all_sql(pack):
        code = strip_comments(sql)
        used |= set(PARAM_RE.findall(code))
        # no date literals, no thresholds / percentages / windows written into the SQL
        assert not re.search(r"\d{4}-\d{2}-\d{2}", code), name
        assert not re.search(r"\b(20|30|0\.05|0\.15|5\.0|15\.0|7200)\b", code), name
        assert not re.search(r"INTERVAL\s+'?\d+'?\s+HOUR", code, re.I), name
    scalar = set(pack.parameters)
    assert used <= scalar
    assert scalar - used == set(), f"declared but unused: {scalar - used}"
    for rule in pack.rules:
        for key in ("id", "name", "title", "section", "severity", "description", "compliant",
                    "non_compliant"):
            assert getattr(rule, key)


def _store_with_visits(n: int):
    con = store.connect(":memory:")
    visits, sessions = [], []
    for i in range(n):
        day = 1 + i % 28
        visits.append(visit(
            f"V{i:04d}", terminal=f"T{i % 4}", berth=f"B{i % 9}",
            arrival=f"2026-10-{day:02d} 06:00", ready_to_work=f"2026-10-{day:02d} 08:00",
            pilot_on_board=f"2026-10-{day:02d} 22:00", departure=f"2026-10-{day:02d} 23:00",
        ))
        sessions.append({"visit_id": f"V{i:04d}", "session_id": f"S{i}",
                         "connected": f"2026-10-{day:02d} 10:{i % 50:02d}",
                         "disconnected": f"2026-10-{day:02d} 20:{i % 40:02d}"})
    put_tables(con, {"visits": visits, "shore-power": sessions})
    return con


def test_finding_ids_are_stable_within_and_across_processes(tmp_path):
    code = (
        "import sys; sys.path.insert(0, {!r})\n"
        "from tests.test_engine import _store_with_visits\n"
        "from berthcheck.engine import check\n"
        "con = _store_with_visits(30)\n"
        "r = check(con, period='2026-10', store_run=False)\n"
        "print(r.run_id); print(','.join(r.findings['finding_id'].to_list()))\n"
    ).format(str(__import__("pathlib").Path(__file__).parent.parent))
    # this process (its own zone), then another in a zone of its own (west of UTC: local dates
    # a day behind at the period's edges); tests/test_determinism.py checks the sample month
    # in a process east of UTC (Asia/Tokyo) the same way
    here = check(_store_with_visits(30), period="2026-10", store_run=False)
    outputs = [f"{here.run_id}\n{','.join(here.findings['finding_id'].to_list())}\n"]
    for tz in ("America/Los_Angeles",):
        env = {"TZ": tz, "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()[1].split(",")) > 30


def test_session_time_zone_does_not_change_results():
    con = _store_with_visits(20)
    a = check(con, period="2026-10", store_run=False)
    store.run(con, "SET TimeZone = 'Asia/Tokyo'")
    try:
        b = check(con, period="2026-10", store_run=False)
    finally:
        store.run(con, "SET TimeZone = 'UTC'")
    assert a.findings["finding_id"].to_list() == b.findings["finding_id"].to_list()
    assert a.results.drop("window_start", "window_end", "arrival", "ready_to_work",
                          "pilot_on_board", "departure").equals(
        b.results.drop("window_start", "window_end", "arrival", "ready_to_work",
                       "pilot_on_board", "departure"))


def test_a_check_runs_as_many_statements_for_200_visits_as_for_20(monkeypatch):
    """No per-visit work outside SQL: the statements a check runs do not grow with the visits.
    (How long a check takes is the benchmark's: benchmarks/run.py, never a timed unit test.)"""
    real_run, real_fetch, real_arrow = store.run, store.fetch_polars, store.fetch_arrow
    statements = {}
    for n in (20, 200):
        seen: list[str] = []

        def counted_run(con, sql, params=None, seen=seen):
            seen.append(sql)
            return real_run(con, sql, params)

        def counted_fetch(con, sql, params=None, seen=seen, small=False):
            seen.append(sql)
            return real_fetch(con, sql, params, small=small)

        def counted_arrow(con, sql, params=None, seen=seen, small=False):
            seen.append(sql)
            return real_arrow(con, sql, params, small=small)

        con = _store_with_visits(n)
        monkeypatch.setattr(store, "run", counted_run)
        monkeypatch.setattr(store, "fetch_polars", counted_fetch)
        monkeypatch.setattr(store, "fetch_arrow", counted_arrow)
        outcome = check(con, period="2026-10")
        monkeypatch.undo()
        assert outcome.results.height == n
        assert outcome.findings.height > 0  # the rules ran on these visits
        statements[n] = len(seen)
    assert statements[20] > 50  # the counting saw the pipeline's statements
    assert statements[200] == statements[20], statements

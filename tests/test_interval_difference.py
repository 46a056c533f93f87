"""The engine's interval-difference macro (engine/pack_macros.py, docs/packs.md section 3): the
parts of each whole interval no hole covers, which CARB's violation days and the Chinese pack's
"uncontrolled 14:30 to 15:00" both read (issue 16 item 5: one macro, not the same SQL twice)."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from berthcheck.engine.pack_macros import define_macros

RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    define_macros(connection)
    yield connection
    connection.close()


def _difference(con, wholes, holes):
    """The macro's rows for (visit, part, s, e) wholes and holes, sorted."""
    con.execute("CREATE OR REPLACE TEMP TABLE whole (visit_id VARCHAR, part VARCHAR, s INT, e INT)")
    con.execute("CREATE OR REPLACE TEMP TABLE hole AS FROM whole")
    if wholes:
        con.executemany("INSERT INTO whole VALUES (?, ?, ?, ?)", wholes)
    if holes:
        con.executemany("INSERT INTO hole VALUES (?, ?, ?, ?)", holes)
    return con.sql("SELECT visit_id, part, whole_s, whole_e, s, e "
                   "FROM bc_interval_difference(whole, hole) ORDER BY ALL").fetchall()


def _pieces(con, whole, holes):
    """The pieces (s, e) of one whole [s, e) of visit V, part a, less holes [s, e) of the same."""
    rows = _difference(con, [("V", "a", *whole)], [("V", "a", s, e) for s, e in holes])
    assert all(r[2:4] == tuple(whole) for r in rows), rows  # each piece names its whole
    return [r[4:] for r in rows]


@pytest.mark.parametrize(("holes", "pieces"), [
    ([], [(0, 10)]),                                        # nothing to take away
    ([(2, 4), (6, 8)], [(0, 2), (4, 6), (8, 10)]),          # merged holes, as a pack unions them
    ([(4, 7), (2, 5), (3, 4)], [(0, 2), (7, 10)]),          # unmerged: overlapping, nested
    ([(2, 6), (2, 6), (3, 5)], [(0, 2), (6, 10)]),          # repeated
    ([(2, 4), (4, 6)], [(0, 2), (6, 10)]),                  # touching holes leave no piece
    ([(2, 9), (3, 4)], [(0, 2), (9, 10)]),                  # a later hole inside an earlier one
    ([(-5, 2), (8, 20)], [(2, 8)]),                         # holes beyond the whole's ends
    ([(-3, 0), (10, 12), (20, 30)], [(0, 10)]),             # touching or outside: no cut
    ([(0, 3), (7, 10)], [(3, 7)]),                          # holes on the whole's own ends
    ([(-1, 11)], []),                                       # all of it covered: no row
    ([(0, 10)], []),
    ([(5, 5)], [(0, 10)]),                                  # a zero-length hole cuts nothing
    ([(5, 5), (5, 6)], [(0, 5), (6, 10)]),
])
def test_hand_cases(con, holes, pieces):
    assert _pieces(con, (0, 10), holes) == pieces


def test_holes_cut_only_their_own_visit_and_part_and_each_whole_on_its_own(con):
    wholes = [("V", "a", 0, 10), ("V", "a", 5, 15),         # overlapping wholes: not merged
              ("V", "a", 0, 10),                            # an identical row: the same whole
              ("V", "b", 0, 10), ("W", "a", 0, 10),
              ("V", "a", 20, 20)]                           # a zero-length whole: no piece
    holes = [("V", "a", 3, 7), ("V", "b", 0, 1), ("X", "a", 0, 10)]
    assert _difference(con, wholes, holes) == [
        ("V", "a", 0, 10, 0, 3), ("V", "a", 0, 10, 7, 10),
        ("V", "a", 5, 15, 7, 15),
        ("V", "b", 0, 10, 1, 10),
        ("W", "a", 0, 10, 0, 10),
    ]
    assert _difference(con, [], holes) == []
    assert _difference(con, wholes[:1], []) == [("V", "a", 0, 10, 0, 10)]
    # NULL keys match as values, as the union groups them
    assert _difference(con, [(None, None, 0, 10)], [(None, None, 2, 3)]) == [
        (None, None, 0, 10, 0, 2), (None, None, 0, 10, 3, 10)]


def test_with_queries_and_timestamps(con):
    rows = con.sql("""
        WITH w AS (SELECT 7 AS visit_id, 0 AS part,
                          TIMESTAMPTZ '2026-10-03 12:00+00' AS s,
                          TIMESTAMPTZ '2026-10-03 15:00+00' AS e),
             x AS (SELECT * FROM (VALUES
                 (7, 0, TIMESTAMPTZ '2026-10-03 11:00+00', TIMESTAMPTZ '2026-10-03 13:00+00'),
                 (7, 0, TIMESTAMPTZ '2026-10-03 12:30+00', TIMESTAMPTZ '2026-10-03 14:30+00'))
                 t(visit_id, part, s, e))
        SELECT epoch(whole_s), epoch(s - whole_s), epoch(e - s)
        FROM bc_interval_difference(w, x)""").fetchall()
    assert rows == [(1791028800.0, 9000.0, 1800.0)]  # 14:30 to 15:00


def _brute_force(wholes, holes):
    """Minute by minute: each distinct whole's minutes no hole of its visit and part covers, in
    runs of consecutive minutes."""
    out = []
    for visit, part, s, e in sorted(set(wholes)):
        covered = {m for v, p, hs, he in holes if (v, p) == (visit, part) for m in range(hs, he)}
        run = None
        for m in range(s, e):
            if m in covered:
                if run:
                    out.append((visit, part, s, e, *run))
                run = None
            else:
                run = (run[0], m + 1) if run else (m, m + 1)
        if run:
            out.append((visit, part, s, e, *run))
    return sorted(out)


def test_equals_a_minute_by_minute_brute_force(con):
    # small integer minutes so that holes repeat, nest, touch each other and the wholes' ends
    rng = random.Random(24)
    wholes, holes = [], []
    for visit in range(300):
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            s = rng.randint(0, 20)
            wholes.append((f"V{visit}", rng.choice(["a", "b"]), s, s + rng.choice([0, 1, 5, 10, 20])))
        for _ in range(rng.choice([0, 0, 1, 2, 3, 6])):
            s = rng.randint(-5, 35)
            holes.append((f"V{visit}", rng.choice(["a", "b"]), s, s + rng.choice([0, 1, 2, 4, 8, 30])))
    assert _difference(con, wholes, holes) == _brute_force(wholes, holes)


def test_packs_use_the_macro_for_the_difference():
    """CARB's violation days and the Chinese pack's open times read the engine's macro, not a
    copy of its SQL (a lag or lead over excused intervals within a stretch)."""
    for path, table in ((RULES / "carb-at-berth-2020" / "stages" / "70_outcome.sql",
                         "bc_uncontrolled_piece"),
                        (RULES / "cn-shore-power" / "stages" / "40_excuses.sql", "cn_open_text")):
        text = path.read_text()
        statement = text[text.index(f"TABLE {table} AS"):]
        statement = statement[:statement.index(";\n")]
        assert "bc_interval_difference(" in statement, path
        assert " OVER " not in statement, path


def test_the_docs_example_runs(con):
    """docs/packs.md section 3's example of the macro, on a stretch 12:00-15:00 excused
    11:00-13:00 and 12:30-14:30 (overlapping holes, as given)."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "packs.md").read_text()
    start = text.index("```sql\nWITH whole AS")
    sql = text[start + len("```sql\n"):text.index("```", start + 6)]
    con.execute("CREATE OR REPLACE TEMP TABLE pn_stretch AS SELECT 'V1' AS visit_id, "
                "TIMESTAMP '2026-01-01 12:00' AS s, TIMESTAMP '2026-01-01 15:00' AS e, "
                "9000 AS excused_seconds")
    con.execute("CREATE OR REPLACE TEMP TABLE pn_excuse AS SELECT * FROM (VALUES "
                "('V1', TIMESTAMP '2026-01-01 11:00', TIMESTAMP '2026-01-01 13:00'), "
                "('V1', TIMESTAMP '2026-01-01 12:30', TIMESTAMP '2026-01-01 14:30')) t(visit_id, s, e)")
    assert [(r[0], r[2]) for r in con.sql(sql).fetchall()] == [("V1", "14:30-15:00")]

"""The engine's interval-union macro (engine/pack_macros.py) and the packs' use of it (issue 16
item 5), and the packs' `seconds_between`, which must equal `epoch(b - a)` bit for bit."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from berthcheck.engine.pack import split_statements
from berthcheck.engine.pack_macros import ENGINE_MACROS, define_macros
from berthcheck.engine.pack_spec import PackFileError
from berthcheck.engine.pack_sql import check_stage, protected_names

RULES = Path(__file__).resolve().parent.parent / "rules"
PACKS = ("carb-at-berth-2020", "fueleu-art6", "cn-shore-power")


def _reference_union(rows):
    """Touching or overlapping [s, e) intervals merged, per visit and part (plain Python)."""
    groups = defaultdict(list)
    for visit, part, s, e in rows:
        groups[(visit, part)].append((s, e))
    out = []
    for (visit, part), intervals in groups.items():
        merged: list[list[int]] = []
        for s, e in sorted(intervals):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        out += [(visit, part, s, e) for s, e in merged]
    return sorted(out)


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    define_macros(connection)
    yield connection
    connection.close()


def test_union_equals_the_plain_merge_per_visit_and_part(con):
    # duplicates, zero-length pieces, touching and nested ones: the cases where two window
    # passes (each sorting ties its own way) could split or join islands differently
    rng = random.Random(16)
    rows = []
    for visit in range(400):
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8])):
            s = rng.randint(0, 30)
            rows.append((f"V{visit}", rng.choice(["a", "b"]), s, s + rng.choice([0, 0, 1, 2, 5, 10])))
    con.execute("CREATE OR REPLACE TEMP TABLE piece (visit_id VARCHAR, part VARCHAR, s INT, e INT)")
    con.executemany("INSERT INTO piece VALUES (?, ?, ?, ?)", rows)
    got = con.sql("SELECT visit_id, part, s, e FROM bc_interval_union(piece) ORDER BY ALL").fetchall()
    assert got == _reference_union(rows)
    # a WITH query works as input, with timestamps, and touching intervals merge
    merged = con.sql("""
        WITH p AS (SELECT * FROM (VALUES
            ('V1', 0, TIMESTAMPTZ '2026-01-01 00:00+00', TIMESTAMPTZ '2026-01-01 01:00+00'),
            ('V1', 0, TIMESTAMPTZ '2026-01-01 01:00+00', TIMESTAMPTZ '2026-01-01 02:00+00'),
            ('V1', 0, TIMESTAMPTZ '2026-01-01 03:00+00', TIMESTAMPTZ '2026-01-01 04:00+00'))
            t(visit_id, part, s, e))
        SELECT epoch(e - s) FROM bc_interval_union(p) ORDER BY s""").fetchall()
    assert merged == [(7200.0,), (3600.0,)]


@pytest.mark.parametrize("pack", PACKS)
def test_pack_seconds_between_is_epoch_of_the_difference(pack):
    """The packs compute seconds from microseconds (cheaper than subtracting two TIMESTAMPTZ);
    the value must be epoch(b - a) to the bit, or hours and finding evidence could change."""
    connection = duckdb.connect()
    try:
        connection.execute("SET TimeZone = 'UTC'")  # as in the sandbox
        define_macros(connection)  # the engine's, before the pack's stages, as in the sandbox
        for statement in split_statements((RULES / pack / "stages" / "00_macros.sql").read_text()):
            connection.execute(statement)
        connection.execute("""
            CREATE TEMP TABLE t AS
            SELECT a, a + to_microseconds(CAST((random() - 0.3) * d AS BIGINT)) AS b
            FROM (SELECT setseed(0.16)) s,
                 (SELECT TIMESTAMPTZ '2020-01-01 00:00+00'
                         + to_microseconds(CAST(random() * 3e14 AS BIGINT)) AS a,
                         [1e6, 1e9, 1e11, 1e13][1 + i % 4] AS d
                  FROM range(50000) r(i))""")
        differ = connection.sql("SELECT count(*) FROM t "
                                "WHERE seconds_between(a, b) IS DISTINCT FROM epoch(b - a)").fetchall()
        assert differ == [(0,)]
    finally:
        connection.close()


def test_packs_use_the_macro_for_every_union():
    for pack in PACKS:
        for path in sorted((RULES / pack / "stages").glob("*.sql")):
            text = path.read_text()
            assert "UNBOUNDED PRECEDING AND 1 PRECEDING" not in text, (
                f"{path}: an interval union written out; use bc_interval_union")
        uses = sum(p.read_text().count("bc_interval_union(")
                   for p in (RULES / pack / "stages").glob("*.sql"))
        assert uses >= 3, pack


def test_a_stage_may_not_redefine_an_engine_macro():
    protected = protected_names([])
    for name in ENGINE_MACROS:
        with pytest.raises(PackFileError, match=f"may not write {name}"):
            check_stage(Path("stages/10_x.sql"),
                        f"CREATE OR REPLACE TEMP MACRO {name}(t) AS TABLE SELECT 1;", protected)
    check_stage(Path("stages/10_x.sql"), "CREATE OR REPLACE TEMP MACRO my_union(t) AS 1;", protected)

"""Keyed history (docs/packs.md, `history_keys`; engine/history_keys.py): a scoped check hands
a pack only the history rows its key table names, when a statement first reads them. That
the CARB pack's keys cover what it reads is tests/test_scope_pushdown.py's (a scoped check
gives each visit what the whole check gives); here the matching itself and the pack file."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from berthcheck.engine import check, load_pack
from berthcheck.engine.history_keys import (
    HistoryKeyError,
    KeyedHistory,
    Pending,
    key_groups,
    matching_rows,
    read_keys,
)
from berthcheck.engine.pack_fixtures import case_store
from tests.test_scope_pushdown import CLAIMS_ACROSS_MONTHS


@pytest.fixture
def stores():
    """A store with four visits, and a sandbox to read keys from."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("""CREATE TABLE visits AS SELECT * FROM (VALUES
        ('V1', 'A', 'LA', TIMESTAMPTZ '2025-03-01 00:00:00+00', 'x'),
        ('V2', 'A', 'LB', TIMESTAMPTZ '2026-03-01 00:00:00+00', 'x'),
        ('V3', 'B', 'LA', TIMESTAMPTZ '2025-12-31 23:00:00+00', 'x'),
        ('V4', NULL, 'LA', TIMESTAMPTZ '2026-01-01 00:00:00+00', 'x'))
        t(visit_id, imo, port, departure, secret)""")
    sandbox = duckdb.connect(":memory:")
    sandbox.execute("SET TimeZone = 'UTC'")
    yield con, sandbox
    sandbox.close()
    con.close()


PENDING = Pending("visits", ("visit_id", "imo", "port", "departure"), "keys")


def _ids(con, sandbox, keys_sql: str) -> list[str]:
    sandbox.execute(f"CREATE OR REPLACE TABLE keys AS {keys_sql}")
    keys = read_keys(sandbox, PENDING, "pack.toml [pack]")
    table = matching_rows(con, PENDING, key_groups(keys, PENDING.columns))
    assert table.column_names == list(PENDING.columns)  # the declared columns only
    return sorted(table["visit_id"].to_pylist())


def test_a_key_row_names_rows_by_its_columns_that_are_not_null(stores):
    con, sandbox = stores
    # equality on a column the view hands over; NULL in a key column is "any"
    assert _ids(con, sandbox, "SELECT 'A' AS imo, NULL AS port") == ["V1", "V2"]
    assert _ids(con, sandbox, "SELECT 'A' AS imo, 'LB' AS port") == ["V2"]
    # a NULL history value equals no key
    assert _ids(con, sandbox, "SELECT * FROM (VALUES ('A'), ('B')) t(imo)") == ["V1", "V2", "V3"]


def test_a_key_bounding_a_range_hands_over_the_rows_within_the_span_of_the_ranges(stores):
    con, sandbox = stores
    # at least the rows named: every row whose departure lies within the span of the ranged
    # key rows (earliest `_from` to latest `_until`), whatever their other key columns
    year = ("SELECT 'LA' AS port, TIMESTAMPTZ '2025-01-01 00:00:00+00' AS departure_from, "
            "TIMESTAMPTZ '2026-01-01 00:00:00+00' AS departure_until")
    assert _ids(con, sandbox, year) == ["V1", "V3"]
    # the equality keys add the rows they name outside that span, each row once
    both = ("SELECT port, NULL AS imo, departure_from, departure_until FROM (" + year  # noqa: S608
            + ") UNION ALL SELECT NULL, 'A', NULL, NULL")
    assert _ids(con, sandbox, both) == ["V1", "V2", "V3"]
    a_and_b = ("SELECT port, NULL AS imo, departure_from, departure_until FROM (" + year  # noqa: S608
               + ") UNION ALL SELECT NULL, 'A', NULL, NULL UNION ALL SELECT NULL, 'B', NULL, NULL")
    assert _ids(con, sandbox, a_and_b) == ["V1", "V2", "V3"]
    # a range open on one side: the span is too
    since = "SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' AS departure_from"
    assert _ids(con, sandbox, since) == ["V2", "V4"]
    until = "SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' AS departure_until"
    assert _ids(con, sandbox, until) == ["V1", "V3"]
    # two ranges: from the first's start to the second's end (a superset: V3 and V4 between)
    two = ("SELECT * FROM (VALUES (TIMESTAMPTZ '2025-03-01 00:00:00+00', "
           "TIMESTAMPTZ '2025-03-02 00:00:00+00'), (TIMESTAMPTZ '2026-03-01 00:00:00+00', "
           "TIMESTAMPTZ '2026-03-02 00:00:00+00')) t(departure_from, departure_until)")
    assert _ids(con, sandbox, two) == ["V1", "V2", "V3", "V4"]
    # a key table holding range columns but no ranged row: the equality rows decide
    assert _ids(con, sandbox, "SELECT 'B' AS imo, CAST(NULL AS TIMESTAMPTZ) AS departure_from") \
        == ["V3"]


def test_ranges_on_two_columns_hand_the_history_over_whole(stores):
    con, sandbox = stores
    con.execute("ALTER TABLE visits ADD COLUMN arrival TIMESTAMPTZ")
    con.execute("UPDATE visits SET arrival = departure - INTERVAL 1 DAY")
    pending = Pending("visits", ("visit_id", "imo", "arrival", "departure"), "keys")
    sandbox.execute("CREATE TABLE keys AS SELECT * FROM (VALUES "
                    "(TIMESTAMPTZ '2026-03-01 00:00:00+00', NULL), "
                    "(NULL, TIMESTAMPTZ '2025-04-01 00:00:00+00')) t(arrival_from, departure_until)")
    groups = key_groups(read_keys(sandbox, pending, "pack.toml [pack]"), pending.columns)
    assert sorted(matching_rows(con, pending, groups)["visit_id"].to_pylist()) \
        == ["V1", "V2", "V3", "V4"]


def test_no_key_row_names_no_row_and_a_key_setting_nothing_names_every_row(stores):
    con, sandbox = stores
    assert _ids(con, sandbox, "SELECT 'A' AS imo WHERE false") == []
    assert _ids(con, sandbox, "SELECT CAST(NULL AS VARCHAR) AS imo") == ["V1", "V2", "V3", "V4"]
    # columns that are not the view's (or `_from`/`_until` of one) are not read: `secret`
    # is not among the declared columns
    assert _ids(con, sandbox, "SELECT 'x' AS secret, 'B' AS imo") == ["V3"]
    assert _ids(con, sandbox, "SELECT 'x' AS secret") == ["V1", "V2", "V3", "V4"]


def test_a_view_keyed_by_another_history_view_is_handed_over_after_it(stores):
    con, sandbox = stores
    con.execute("CREATE TABLE events AS SELECT * FROM (VALUES ('E1', 'V1'), ('E2', 'V3'), "
                "('E3', 'V2')) t(event_id, visit_id)")
    sandbox.execute("CREATE TABLE keys AS SELECT 'B' AS imo")
    keyed = KeyedHistory(con, sandbox, "pack.toml [pack]", {
        "history_events": Pending("events", ("event_id", "visit_id"), "history_visits"),
        "history_visits": Pending("visits", ("visit_id", "imo"), "keys"),
    })
    keyed.before("SELECT 1")  # names neither: nothing handed over
    assert len(keyed.pending) == 2
    keyed.before("SELECT * FROM history_events")
    assert keyed.pending == {}
    assert sandbox.sql("SELECT event_id FROM history_events").fetchall() == [("E2",)]
    assert sandbox.sql("SELECT visit_id FROM history_visits").fetchall() == [("V3",)]


def test_a_key_table_not_made_in_time_names_pack_toml(stores):
    con, sandbox = stores
    keyed = KeyedHistory(con, sandbox, "pack p@1: rules/p/pack.toml [pack]",
                         {"history_visits": PENDING})
    with pytest.raises(HistoryKeyError, match=r"pack\.toml \[pack\] history_keys\.visits names "
                                              r"keys, which no statement made before"):
        keyed.before("SELECT count(*) FROM history_visits")


def _carb_with(tmp_path, old: str, new: str) -> str:
    from berthcheck.resources import builtin_rules_dir

    folder = tmp_path / "carb-at-berth-2020"
    shutil.copytree(builtin_rules_dir() / "carb-at-berth-2020", folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(folder)


KEYS = 'history_keys = { visits = "bc_history_key", events = "history_visits" }'


@pytest.mark.parametrize(("keys", "says"), [
    ('history_keys = { capture = "bc_history_key" }', "capture is not a view [pack] history"),
    ('history_keys = { visits = "bc history" }', "must be a table of history view"),
    ('history_keys = "visits"', "must be a table of history view"),
])
def test_a_malformed_history_keys_is_refused_naming_pack_toml(tmp_path, keys, says):
    from berthcheck.engine.pack_spec import PackFileError

    with pytest.raises(PackFileError, match=r"pack\.toml: \[pack\] history_keys") as raised:
        load_pack(_carb_with(tmp_path, KEYS, keys))
    assert says in str(raised.value)


def test_history_keys_need_judges_scope_visits(tmp_path):
    from berthcheck.engine.pack_spec import PackFileError

    with pytest.raises(PackFileError, match='history_keys needs judges = "scope_visits"'):
        load_pack(_carb_with(tmp_path, '\njudges = "scope_visits"', '\njudges = "scope_years"'))


def test_a_scoped_check_whose_key_table_is_missing_fails_naming_pack_toml(tmp_path):
    pack = load_pack(_carb_with(tmp_path, '"bc_history_key"', '"bc_no_such_key"'))
    with case_store(":memory:", CLAIMS_ACROSS_MONTHS) as con:
        with pytest.raises(HistoryKeyError, match="pack.toml") as raised:
            check(con, pack, period="2026-06", store_run=False)
        assert "bc_no_such_key" in str(raised.value)
        assert raised.value.exit_code == 2
        # the unscoped check hands the history over whole, as a view: no key is read
        assert check(con, pack, store_run=False).results.height


def test_too_many_keys_hand_the_history_over_whole(stores, monkeypatch):
    import berthcheck.engine.history_keys as history_keys

    con, sandbox = stores
    pending = Pending("visits", ("visit_id", "imo", "port", "departure"), "keys")
    sandbox.execute("CREATE TABLE keys AS SELECT * FROM (VALUES ('A'), ('B')) t(imo)")
    assert len(key_groups(read_keys(sandbox, pending, "pack.toml [pack]"), pending.columns)) == 1
    monkeypatch.setattr(history_keys, "KEY_ROWS", 1)
    assert key_groups(read_keys(sandbox, pending, "pack.toml [pack]"), pending.columns) == [None]

"""Issue 16, the check's tail: the typed digests' faster SQL still writes the documented text
(docs/reliability.md), whatever the rows hold and the session's time zone, sorted or read in
order; and the assemble's own trailing ORDER BY is cut only where it cannot pick rows."""

from __future__ import annotations

import datetime as dt
import importlib

import duckdb
import polars as pl
import pytest

from berthcheck.engine import digest, manifest, record, results_frame
from berthcheck.engine.results_query import unordered
from tests.conftest import returns_recorded
from tests.test_manifest_v2 import _digest

UTC = dt.UTC


def _frame() -> pl.DataFrame:
    """Rows in no particular order, with every kind of value the digest formats, and text
    that must be escaped in some rows only."""
    return pl.DataFrame(
        {
            "visit_id": ["V3", "V1", "V\u00e9", "V2", "V0"],
            "note": ["plain", "tab\there", None, "back\\slash", "line\nfeed\rcr"],
            "other": ["x", "y", "z", None, "w"],
            "hours": [1.5, -0.0000005, None, 2.0000005, 123456.789012],
            "count": [1, None, -3, 0, 2**40],
            "flag": [True, False, None, True, False],
            "at": [dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
                   dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC), None,
                   dt.datetime(2026, 11, 1, 9, 30, 0, 5, tzinfo=UTC),
                   dt.datetime(2000, 2, 29, 0, 0, tzinfo=UTC)],
            "day": [dt.date(2026, 6, 1), None, dt.date(1999, 12, 31), dt.date(2026, 1, 1),
                    dt.date(2026, 2, 2)],
        },
        schema_overrides={"at": pl.Datetime("us", "UTC")},
    )


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_typed_digest_is_the_documented_text_sorted_or_read_in_order(zone):
    frame = _frame()
    columns = list(frame.columns)
    want = _digest(frame, columns, ["visit_id"])
    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = '{zone}'")
        con.register("unsorted", frame)
        con.register("in_order", frame.sort("visit_id"))
        assert digest.typed_sha256(con, "unsorted", ("visit_id",)) == want
        assert digest.typed_sha256(con, "in_order", ("visit_id",), ordered=True) == want
        # read in order without sorting: the rows' order is what is hashed, so it must be right
        assert digest.typed_sha256(con, "unsorted", ("visit_id",), ordered=True) != want
    finally:
        con.close()


def test_findings_digest_in_order_of_three_keys_equals_the_sorted_one():
    findings = pl.DataFrame({
        "finding_id": ["b", "a", "c", "d"], "rule_id": ["R2", "R1", "R1", "R10"],
        "visit_id": ["V1", "V1", "V0", "V1"], "severity": ["info"] * 4,
        "message": ["m\tx", "m", "m", "\u00e9"], "evidence": ["{}", '{"a":1}', "{}", "{}"],
        "minutes": [1.0, None, 2.5, 0.25],
    })
    columns = manifest.finding_columns()
    want = _digest(findings, columns, list(digest.FINDING_ORDER))
    con = duckdb.connect()
    try:
        con.register("unsorted", findings)
        con.register("in_order", findings.sort(list(digest.FINDING_ORDER)))
        assert digest.typed_sha256(con, "unsorted", digest.FINDING_ORDER) == want
        assert digest.typed_sha256(con, "in_order", digest.FINDING_ORDER, ordered=True) == want
    finally:
        con.close()


@pytest.mark.parametrize(("sql", "want"), [
    ("SELECT a FROM t ORDER BY a;", "SELECT a FROM t"),
    ("SELECT a FROM t\n-- last\nORDER BY a DESC, b", "SELECT a FROM t"),
    ("SELECT a FROM x UNION ALL SELECT a FROM y ORDER BY 1", "SELECT a FROM x UNION ALL SELECT a FROM y"),
    # an ORDER BY that picks rows, or one that is not the statement's, is kept
    ("SELECT a FROM t ORDER BY a LIMIT 3", "SELECT a FROM t ORDER BY a LIMIT 3"),
    ("SELECT a FROM t ORDER BY a OFFSET 1", "SELECT a FROM t ORDER BY a OFFSET 1"),
    ("SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b", "SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b"),
    ("SELECT a, list(b ORDER BY c) AS l FROM t GROUP BY a", "SELECT a, list(b ORDER BY c) AS l FROM t GROUP BY a"),
    ("SELECT a, row_number() OVER (ORDER BY a) FROM t", "SELECT a, row_number() OVER (ORDER BY a) FROM t"),
    ("SELECT 'x ORDER BY y' AS a, \"order by\" FROM t", "SELECT 'x ORDER BY y' AS a, \"order by\" FROM t"),
    ("SELECT a FROM (SELECT a FROM t ORDER BY a) s", "SELECT a FROM (SELECT a FROM t ORDER BY a) s"),
])
def test_a_trailing_order_by_is_cut_only_where_it_only_orders(sql, want):
    assert unordered(sql) == want


def test_the_cut_query_returns_the_same_rows():
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE t AS SELECT i % 7 AS a, i AS b FROM range(50) r(i)")
        for sql in ("SELECT a, b FROM t ORDER BY b DESC",
                    "SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b DESC"):
            assert (sorted(con.sql(unordered(sql)).fetchall())
                    == sorted(con.sql(sql).fetchall()))
    finally:
        con.close()


def test_results_read_in_batches_and_the_sandbox_closed_before_the_sort(monkeypatch):
    """A check reads the results a batch at a time and closes the sandbox (handing its memory
    back) before polars sorts them; read in batches of 7 rows, with the sandbox dropping what
    nothing still reads and the rows sorted a few columns at a time, the same frames and
    digests."""
    from berthcheck.engine import check as check_module
    from tests.test_engine import _store_with_visits

    engine = importlib.import_module("berthcheck.engine.check")
    sandboxes, closed_at_sort = [], []
    engine_sandbox, engine_checked = engine.open_pack_sandbox, engine.checked_assembled

    def sandbox(*args, **kwargs):
        made = engine_sandbox(*args, **kwargs)
        sandboxes.append(made[0])
        return made

    def checked(pack, results):
        try:
            sandboxes[-1].execute("SELECT 1")
            closed_at_sort.append(False)
        except duckdb.Error:  # a closed connection
            closed_at_sort.append(True)
        return engine_checked(pack, results)

    monkeypatch.setattr(engine, "open_pack_sandbox", sandbox)
    monkeypatch.setattr(engine, "checked_assembled", checked)
    sandbox_module = importlib.import_module("berthcheck.engine.sandbox")
    released = returns_recorded(monkeypatch, sandbox_module, "release_unread")
    con = _store_with_visits(60)
    try:
        whole = check_module(con, period="2026-10", store_run=False)
        monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 7)
        monkeypatch.setattr(engine, "RELEASE_ROWS", 0)  # and the sandbox drops what is unread
        # and sorted 3 columns at a time, as a big check is
        monkeypatch.setattr(results_frame, "SORT_APART_ROWS", 0)
        monkeypatch.setattr(results_frame, "SORT_GROUP_COLUMNS", 3)
        batched = check_module(con, period="2026-10", store_run=False)
    finally:
        con.close()
    assert closed_at_sort == [True, True]
    # a small scope keeps its tables; from RELEASE_ROWS the two passes drop unread ones
    assert len(released) == 2 and all(released), released
    assert batched.results.height == 60 and batched.findings.height
    assert batched.results.equals(whole.results) and batched.findings.equals(whole.findings)
    assert batched.results.schema == whole.results.schema
    assert batched.manifest["results_sha256"] == whole.manifest["results_sha256"]
    assert batched.manifest["findings_sha256"] == whole.manifest["findings_sha256"]


def test_what_no_rule_view_or_macro_reads_leaves_the_sandbox():
    """After the pack's stages the inputs leave the sandbox, except those a rule, the assemble
    query, a view or a macro the pack made still reads (a name in a comment or among the
    words of a quoted text is not a read; a quoted name alone, as `query_table` takes it, is)."""
    from berthcheck.engine.sandbox import release_unread

    sandbox = duckdb.connect(":memory:")
    try:
        for name in ("visits", "shore_power", "events", "capture", "berths", "history_visits"):
            sandbox.register(name, pl.DataFrame({"visit_id": ["V1"]}).to_arrow())
        sandbox.execute("CREATE TEMP VIEW bc_sessions AS SELECT * FROM shore_power")
        sandbox.execute("CREATE TEMP MACRO bc_has_event(v) AS "
                        "(SELECT count(*) > 0 FROM events e WHERE e.visit_id = v)")
        sandbox.execute("CREATE TEMP TABLE bc_visit AS SELECT * FROM visits")
        dropped = release_unread(
            sandbox,
            ["-- reads visits\nSELECT 'capture session' AS m, v.* FROM bc_visit v",
             "SELECT * FROM bc_sessions WHERE bc_has_event(visit_id)",
             "SELECT 'no capture here' AS m FROM bc_visit",
             "SELECT count(*) FROM query_table('main.berths')"],
            among=["visits", "shore_power", "events", "capture", "berths", "history_visits"])
        left = {r[0] for r in sandbox.execute(
            "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal").fetchall()}
        assert sandbox.execute("SELECT count(*) FROM bc_sessions").fetchall() == [(1,)]
    finally:
        sandbox.close()
    assert sorted(dropped) == ["capture", "history_visits", "visits"]
    assert left == {"bc_sessions", "shore_power", "events", "berths"}


def test_macro_bodies_are_read_once_and_again_after_a_statement_that_defines_one():
    """The releases between stages share the macro bodies (`MacroDefinitions`): read from the
    catalog once, and again after a stage statement that creates a macro, whose reads then
    keep their table."""
    from berthcheck.engine.sandbox import MacroDefinitions, release_unread

    sandbox = duckdb.connect(":memory:")
    macros = MacroDefinitions()
    try:
        for name in ("events", "capture", "berths"):
            sandbox.register(name, pl.DataFrame({"visit_id": ["V1"]}).to_arrow())
        sandbox.execute("CREATE TEMP MACRO bc_has_event(v) AS "
                        "(SELECT count(*) > 0 FROM events e WHERE e.visit_id = v)")
        assert release_unread(sandbox, ["SELECT 1"], among=["berths"], macros=macros) \
            == ["berths"]
        statement = ("CREATE TEMP MACRO bc_captured(v) AS "
                     "(SELECT count(*) > 0 FROM capture c WHERE c.visit_id = v)")
        sandbox.execute(statement)
        macros.saw("CREATE TEMP TABLE bc_x AS SELECT 1")  # defines none: bodies still known
        assert len(macros.read(sandbox)) == 1
        macros.saw(statement)
        dropped = release_unread(sandbox, ["SELECT 1"], among=["events", "capture"],
                                 macros=macros)
    finally:
        sandbox.close()
    assert dropped == []  # each is read by a macro, the second defined after the first read


def test_before_the_results_query_only_what_it_reads_stays():
    """Every table and view the results query (or a view it keeps) does not read goes; a
    view it reads keeps the table under it."""
    from berthcheck.engine.sandbox import release_unread

    sandbox = duckdb.connect(":memory:")
    try:
        for name in ("bc_visit", "bc_outcome", "bc_piece", "_bc_findings"):
            sandbox.execute(f"CREATE TEMP TABLE {name} AS SELECT 'V1' AS visit_id")
        sandbox.execute("CREATE TEMP VIEW bc_days AS SELECT * FROM bc_piece")
        sandbox.execute("CREATE TEMP VIEW bc_unused AS SELECT * FROM bc_visit")
        dropped = release_unread(sandbox, [
            "SELECT * FROM bc_outcome o JOIN bc_days d USING (visit_id) "
            "LEFT JOIN (SELECT visit_id FROM _bc_findings) f USING (visit_id)"])
        rows = sandbox.execute("SELECT count(*) FROM bc_days").fetchall()
    finally:
        sandbox.close()
    assert sorted(dropped) == ["bc_unused", "bc_visit"]
    assert rows == [(1,)]


def test_a_stored_runs_digests_are_its_frames_and_its_tables_digests():
    """The manifest's version-3 digests, made from the check's polars frames, are those of
    the rows as stored (the run tables read by DuckDB as Arrow, as `audit verify` reads
    them) and of the frames read back (`load_run`); `audit verify` passes."""
    from berthcheck import audit
    from berthcheck.engine import check as check_module
    from berthcheck.engine import runs
    from tests.test_engine import _store_with_visits

    con = _store_with_visits(60)
    try:
        outcome = check_module(con, period="2026-10")
        want = (outcome.manifest["results_sha256"], outcome.manifest["findings_sha256"])
        assert outcome.manifest["manifest_version"] == 3
        assert runs.stored_hashes(con, outcome.run_id) == want
        results, findings = runs.load_run(con, outcome.run_id)
        assert manifest.output_hashes(results, findings, ordered=False) == want
        assert manifest.output_hashes(results.reverse(), findings.reverse(),
                                      ordered=False) == want
        assert audit.verify(con, outcome.run_id).ok
    finally:
        con.close()
    assert results.height == 60 and findings.height


def test_a_big_run_stored_beside_its_digests_is_the_run_stored_after_them(monkeypatch):
    """From APART_DIGEST_ROWS result rows a check writes the run while a second thread digests
    the frames on its own connection: the same run id, digests, manifest and stored rows as
    one after the other, and `audit verify` passes on it."""
    import threading

    from berthcheck import audit
    from berthcheck.engine import check as check_module
    from berthcheck.engine import runs
    from tests.test_engine import _store_with_visits

    threads_seen = []
    real_hashes = manifest.output_hashes

    def hashes(*args, **kwargs):
        threads_seen.append(threading.current_thread() is not threading.main_thread())
        return real_hashes(*args, **kwargs)

    monkeypatch.setattr(manifest, "output_hashes", hashes)
    stored = {}
    for mode, rows in (("after", 10**9), ("beside", 0)):
        con = _store_with_visits(60)
        try:
            monkeypatch.setattr(record, "APART_DIGEST_ROWS", rows)
            outcome = check_module(con, period="2026-10")
            results, findings = runs.load_run(con, outcome.run_id)
            assert audit.verify(con, outcome.run_id).ok
            stored[mode] = (outcome.run_id, outcome.manifest, results, findings)
        finally:
            con.close()
    # the checks' digests: "after" on the main thread, "beside" off it (verify: on the main
    # thread after each)
    assert threads_seen == [False, False, True, False]
    (id_a, manifest_a, results_a, findings_a), (id_b, manifest_b, results_b, findings_b) = (
        stored["after"], stored["beside"])
    assert id_a == id_b and results_a.height == 60 and findings_a.height
    assert manifest_a == manifest_b
    assert results_a.equals(results_b) and findings_a.equals(findings_b)


def test_a_frame_sorted_a_few_columns_at_a_time_is_the_sorted_frame(monkeypatch):
    """`results_frame.sorted_frame` joins the batches and gathers a few columns at a time in the order of the
    keys: the same frame, column order and types as one sort, whatever the number of
    columns per group or batches."""
    import random

    monkeypatch.setattr(results_frame, "SORT_APART_ROWS", 0)
    ids = [f"V{n:03d}\u00e9" if n % 7 == 0 else f"V{n:03d}" for n in range(200)]
    random.Random(16).shuffle(ids)
    frame = pl.DataFrame({
        "visit_id": ids,
        "hours": [None if n % 5 == 0 else n / 3 for n in range(200)],
        "count": list(range(200)),
        "flag": [n % 2 == 0 for n in range(200)],
        "note": [f"n{n}" * (n % 4) for n in range(200)],
        "at": [dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(hours=n) for n in range(200)],
    })
    want = frame.sort("visit_id")
    for group in (1, 4, 6, 10):
        monkeypatch.setattr(results_frame, "SORT_GROUP_COLUMNS", group)
        for parts in ([frame], [frame.slice(0, 50), frame.slice(50, 70), frame.slice(120)]):
            got = results_frame.sorted_frame(parts, ("visit_id",))
            assert got.equals(want) and got.schema == want.schema
            assert got.n_chunks() == 1 and parts == []  # one chunk; the batches let go
    assert frame["visit_id"].to_list() == ids  # the batches' frame itself is not changed


def _runs_stored(con) -> tuple[int, int, int, int]:
    return con.execute(
        "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM run_results), "
        "(SELECT count(*) FROM run_findings), (SELECT count(*) FROM duckdb_tables() "
        "WHERE table_name LIKE 'run_columns_%')").fetchall()[0]


def test_a_big_run_is_validated_beside_its_inserts_and_stored_only_once_valid(monkeypatch):
    """From APART_DIGEST_ROWS result rows the outputs' validation runs on a thread of its own
    while the run is written; the transaction commits only once it passed. Outputs that
    fail are never stored and their error is the one raised (as when validation came
    first), also when the writing failed too; a writing failure alone is raised as before."""
    import threading

    from berthcheck.engine import check as check_fn
    from berthcheck.engine import runs
    from berthcheck.engine.pack_spec import PackFileError
    from berthcheck.errors import BerthcheckError
    from tests.test_engine import _store_with_visits

    engine = importlib.import_module("berthcheck.engine.check")
    real_validate = engine.validate_pack_outputs
    seen = []

    def validate(pack, results, findings, validate_outputs, *, fail=False):
        seen.append(threading.current_thread() is threading.main_thread())
        real_validate(pack, results, findings, validate_outputs)
        if fail:
            raise PackFileError("the results break the pack contract (test)")

    monkeypatch.setattr(record, "APART_DIGEST_ROWS", 0)
    monkeypatch.setattr(engine, "validate_pack_outputs", validate)
    con = _store_with_visits(40)
    try:  # valid: validated off the main thread, stored, and verified as before
        outcome = check_fn(con, period="2026-10")
        assert seen == [False]
        assert _runs_stored(con) == (1, 40, outcome.findings.height, 1)
        assert outcome.findings.height
    finally:
        con.close()

    def failing(*args):
        validate(*args, fail=True)

    real_write = runs.write_run

    def write_failing(*args, **kwargs):
        real_write(*args, **kwargs)  # the rows written, then a failure before the commit
        raise BerthcheckError("the store refused the run (test)")

    monkeypatch.setattr(engine, "validate_pack_outputs", failing)
    for write, want in ((real_write, "break the pack contract"),
                        (write_failing, "break the pack contract")):
        monkeypatch.setattr(runs, "write_run", write)
        con = _store_with_visits(40)
        try:
            with pytest.raises(PackFileError, match=want):
                check_fn(con, period="2026-10")
            assert _runs_stored(con) == (0, 0, 0, 0)  # nothing of the run is left
        finally:
            con.close()
    # valid outputs, a failing write: the write's error, nothing stored
    monkeypatch.setattr(engine, "validate_pack_outputs", validate)
    con = _store_with_visits(40)
    try:
        with pytest.raises(BerthcheckError, match="the store refused the run"):
            check_fn(con, period="2026-10")
        assert _runs_stored(con) == (0, 0, 0, 0)
    finally:
        con.close()

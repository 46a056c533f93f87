"""store.run parses each statement text once per process (`store.parsed`): the same results
and the same error messages as DuckDB running the text, on any connection."""

from __future__ import annotations

import duckdb
import pytest

from berthcheck import store


def test_a_text_is_parsed_once_and_runs_on_any_connection_with_its_own_parameters():
    sql = "SELECT $n::INTEGER * 2 AS doubled, $t::VARCHAR AS tag"
    first, second = duckdb.connect(), duckdb.connect()
    assert store.run(first, sql, {"n": 2, "t": "a"}) == [(4, "a")]
    assert store.run(second, sql, {"n": 5, "t": "b"}) == [(10, "b")]
    assert store.parsed(sql) is store.parsed(sql)  # kept, not parsed again
    assert not isinstance(store.parsed(sql), str)


def test_positional_parameters_and_no_parameters():
    con = duckdb.connect()
    assert store.run(con, "SELECT ? + 1", [41]) == [(42,)]
    assert store.run(con, "SELECT ? + 1", [1]) == [(2,)]
    assert store.run(con, "SELECT 7") == [(7,)]


@pytest.mark.parametrize("sql", [
    "SELECT nope FROM range(2)",            # a binder error, with its LINE and caret
    "SELEC 1",                              # a parser error: the text is run as it is
    "SELECT * FROM missing_table",          # a catalog error
])
def test_errors_read_as_duckdb_writes_them_for_the_text(sql):
    with pytest.raises(duckdb.Error) as direct:
        duckdb.connect().execute(sql).fetchall()
    with pytest.raises(duckdb.Error) as through_run:
        store.run(duckdb.connect(), sql)
    assert type(through_run.value) is type(direct.value)
    assert str(through_run.value) == str(direct.value)


def test_a_text_of_several_statements_runs_them_all_as_before():
    con = duckdb.connect()
    sql = "CREATE TEMP TABLE t AS SELECT 1 AS x; INSERT INTO t VALUES (2); SELECT sum(x) FROM t"
    assert isinstance(store.parsed(sql), str)
    assert store.run(con, sql) == [(3,)]


def test_a_kept_statement_sees_the_connection_as_it_is_now():
    # a parse tree holds names, not tables: the same text reads each connection's own table
    sql = "SELECT count(*) FROM t"
    a, b = duckdb.connect(), duckdb.connect()
    store.run(a, "CREATE TABLE t AS SELECT * FROM range(3)")
    store.run(b, "CREATE TABLE t AS SELECT * FROM range(5)")
    assert store.run(a, sql) == [(3,)]
    assert store.run(b, sql) == [(5,)]
    store.run(a, "INSERT INTO t SELECT * FROM range(4)")
    assert store.run(a, sql) == [(7,)]

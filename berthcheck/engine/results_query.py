"""The results query: the pack's assembled rows (its final ORDER BY cut) and the emission
columns from the emission inputs, in the contract's order; small scopes plan its parts once
(`planned_once`); the contract's row checks on what the assemble returned
(`checked_assembled`); the pack label and per-visit findings list, added to the sorted
frame (`with_engine_columns`)."""

from __future__ import annotations

import re

from berthcheck import store
from berthcheck.engine.judged_visits import period_filters
from berthcheck.engine.pack_binding import bind
from berthcheck.engine.pack_columns import check_assemble_output  # issue 20: the contract
from berthcheck.engine.pack_model import Pack
from berthcheck.engine.pack_text import strip_comments
from berthcheck.engine.scope import Scope


def planned_once(sandbox, name: str, query: str, values: dict) -> str:
    """`query`'s rows as the temporary table `name` (returned, to be read instead).

    Reading a query through DuckDB's relation API binds it twice (once for its columns, once
    to run it), and the results query held the assemble query, whose columns are probed
    first: the assemble was bound three times and planned twice. On a small scope planning
    is nearly all of the cost (the results query of a rule fixture case: 28 of 31 ms CPU
    planning), so there each is planned once, its rows kept in a table read back at no
    planning cost. Not at a million visits: the table would be a copy of the results
    (memory, engine/results_frame.py). DuckDB keeps every type in such a table, `"NULL"`
    included, so the contract's column checks see what the query returned."""
    sql = f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM ({query})"  # noqa: S608 - engine names; pack SQL, sandboxed
    store.run(sandbox, sql, bind(sql, values))
    return name


_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
# with these, the ORDER BY decides which rows come out, not only their order
_ORDER_MATTERS = re.compile(r"\b(LIMIT|OFFSET|FETCH|DISTINCT\s+ON)\b", re.IGNORECASE)


def _top_level(text: str) -> str:
    """`text` with everything inside quotes or parentheses blanked (same length), so that a
    keyword found in it is one of the statement itself."""
    out, depth, quote = [], 0, ""
    for ch in text:
        if quote:
            out.append(" ")
            if ch == quote:
                quote = ""  # a doubled quote closes and reopens: the same
        elif ch in "'\"":
            quote = ch
            out.append(" ")
        elif ch == "(":
            depth += 1
            out.append(" ")
        elif ch == ")":
            depth -= 1
            out.append(" ")
        else:
            out.append(ch if depth == 0 else " ")
    return "".join(out)


def unordered(sql: str) -> str:
    """A pack query without its final ORDER BY, which the results query re-imposes anyway:
    DuckDB otherwise sorts the assembled rows twice (a tenth of the results query). Only a
    statement-level ORDER BY at the very end is cut, and never one that picks rows (LIMIT,
    OFFSET, DISTINCT ON)."""
    text = strip_comments(sql).strip().rstrip(";").rstrip()
    if "$$" in text:  # dollar-quoted text: not scanned, kept as written
        return text
    top = _top_level(text)
    found = list(_ORDER_BY.finditer(top))
    if not found or _ORDER_MATTERS.search(top):
        return text
    return text[:found[-1].start()].rstrip()


def checked_assembled(pack: Pack, results):
    """The pack contract's row checks (nulls, declared columns, bases) over the columns the
    pack's assemble returned; conformed columns (e.g. an all-NULL column typed) replace them."""
    from berthcheck.emissions import EMISSION_COLUMNS

    engine_made = {"pack", "findings", *EMISSION_COLUMNS}
    assembled = [c for c in results.columns if c not in engine_made]
    conformed = check_assemble_output(pack, results.select(assembled),
                                      consumed=("stay_hours", "shore_power_hours",
                                                "capture_hours"))
    return results.with_columns(conformed.get_columns())


def _attributes(con, scope: Scope, sessions: str) -> tuple[str, list[str]]:
    """The emission inputs' query and columns (`visit_attributes_sql`); `sessions`: the
    sessions summed (the store's, or the sandbox's cut)."""
    from berthcheck.emissions import visit_attributes_sql

    if scope == Scope(None, None, None):  # every visit is in an unbounded scope
        return visit_attributes_sql(con, sessions=sessions)
    # the scope's rows only (read from the row groups near its period), their sessions
    # summed before the join
    return visit_attributes_sql(con, "_bc_scope", near=period_filters(scope)[0],
                                sessions=sessions)


def emission_inputs(con, scope: Scope, kept: dict, *, small: bool = False):
    """The emission inputs of the visits in scope (`visit_attributes_sql`'s rows) and their
    column names: their metered energy summed from the sessions the sandbox cut to the
    judged visits (`kept`), when it cut them, instead of from every stored session. Every
    visit in scope is judged (engine/judged_visits.py) and the cut holds all sessions of each
    visit it names, so the sums are the same; a month on the 1M decade no longer scans the
    stored sessions a second time (emission inputs 53-72 -> 24-34 ms CPU). `small`: a scope of
    few visits, whose rows are read with one bind (`store.fetch_arrow`)."""
    sessions = kept.get("shore_power")
    if sessions is None:
        sql, columns = _attributes(con, scope, "shore_power")
        return store.fetch_arrow(con, sql, small=small), columns
    sql, columns = _attributes(con, scope, "_bc_kept_sessions")
    con.register("_bc_kept_sessions", sessions)
    try:
        return store.fetch_arrow(con, sql, small=small), columns
    finally:
        con.unregister("_bc_kept_sessions")


def results_statement(sandbox, pack: Pack, factors, assembled: str, values: dict,
                      attribute_columns: list[str]) -> tuple[str, dict[str, object]]:
    """The results query: the assembled rows (`assembled`, a subquery of the pack's SQL) with
    the emission columns, in the contract's order without `pack` and `findings`, which
    `evaluate` adds (`with_engine_columns`) (rows in no order: `evaluate` sorts them by
    `visit_id`, whose values are unique, with the bytes of their UTF-8 as DuckDB would)."""
    from berthcheck.emission_stage import emissions_query
    from berthcheck.emissions import EMISSION_COLUMNS
    from berthcheck.engine.output_columns import RESULT_COLUMNS

    # the assembled columns and their types, read through `execute` (no row: `small`), which
    # binds the assemble query once where `sandbox.sql(...)` bound it twice (200 000 visits:
    # 7.2 -> 3.8 ms CPU); the same polars frame of no rows
    probe = f"SELECT * FROM {assembled} LIMIT 0"  # noqa: S608 - pack SQL, sandboxed
    names = store.fetch_polars(sandbox, probe, bind(probe, values) or None, small=True)
    # issue 20: a missing, undeclared or mistyped column is a message before the results
    # query could fail on it; nulls, declared columns and bases are checked on the rows
    check_assemble_output(pack, names)
    names = names.columns
    kept = [c for c in names if c not in ("pack", "findings")]
    cast = {"penalty": "DOUBLE", "violation_days": "BIGINT"}
    quoted = {c: store.quote_ident(c) for c in kept}
    select = ", ".join(
        f"CAST(a.{quoted[c]} AS {cast[c]}) AS {quoted[c]}" if c in cast else f"a.{quoted[c]}"
        for c in kept
    )
    listed = f"(SELECT {select} FROM {assembled} a)"  # noqa: S608 - quoted; pack SQL, sandboxed
    sql, params = emissions_query(factors, listed, kept, "_bc_em_attrs", attribute_columns)
    extras = [c for c in kept if c not in RESULT_COLUMNS and c not in EMISSION_COLUMNS]
    order = ", ".join(store.quote_ident(c)
                      for c in (*RESULT_COLUMNS, *EMISSION_COLUMNS, *extras)
                      if c not in ("pack", "findings"))
    statement = f"SELECT {order} FROM ({sql})"  # noqa: S608 - the caller sorts
    return statement, bind(statement, {**values, **params})


def fetched_findings(sandbox, *, small: bool = False):
    """The rules' findings (`_bc_findings`) as a polars frame in the digest's order: by
    visit, rule and finding id, text by its UTF-8 bytes and NULLs last, as DuckDB's `ORDER BY
    visit_id, rule_id, finding_id` gave them. Sorted by polars on the three keys: DuckDB's
    sort carried every finding's message and evidence with it (100 778 findings: 0.09-0.12
    -> 0.06-0.07 CPU s). `small`: a small check's, read with one bind (`store.fetch_polars`)."""
    from berthcheck.engine.output_columns import FINDING_ORDER

    return store.fetch_polars(sandbox, "SELECT * FROM _bc_findings", small=small).sort(
        list(FINDING_ORDER), nulls_last=True)


def with_engine_columns(results, findings, label: str):
    """`results` (sorted by `visit_id`, unique) with the contract's `pack` (`label`, the
    pack's name@version) and `findings` columns in their places: each visit's distinct rule
    ids, sorted, joined by ';' ('' for none). `findings` comes sorted by visit_id and
    rule_id (`evaluate` reads it so) and has no finding of a visit without a result row
    (`evaluate` refuses those first).

    The label was a constant of the results query: a text DuckDB wrote out for every row,
    copied out of its batch, into polars and gathered by the sort (1M: about 0.2 CPU s).

    Made here rather than in the results query: there it was a grouping of the findings by
    the text `visit_id` with a small sort per visit (`list_sort(list_distinct(list()))`)
    and a hash join to every result row, about 0.5 CPU s of DuckDB's operators at a million
    visits; here, on the two sorted frames, it is a run of distinct pairs, a list per visit
    with findings and a binary search of those visits in the results' ids (about 0.1 s)."""
    import polars as pl

    from berthcheck.engine.output_columns import RESULT_COLUMNS

    ids = results.get_column("visit_id")
    column = pl.repeat("", ids.len(), dtype=pl.String, eager=True).alias("findings")
    if findings.height:
        visit, rule = pl.col("visit_id"), pl.col("rule_id")
        # sorted: a pair unlike the one before is a visit's next distinct rule, in order
        lists = (findings.lazy().select(visit, rule)
                 .filter(((visit != visit.shift(1)) | (rule != rule.shift(1))).fill_null(True))
                 .group_by(visit, maintain_order=True).agg(rule)  # (a list, then joined:
                 .with_columns(rule.list.join(";", ignore_nulls=True))  # 4x str.join's speed)
                 .collect())
        at = ids.search_sorted(lists.get_column("visit_id"), side="left")
        column = column.scatter(at, lists.get_column("rule_id"))
    results.insert_column(RESULT_COLUMNS.index("pack"),
                          pl.repeat(label, ids.len(), dtype=pl.String, eager=True).alias("pack"))
    return results.insert_column(RESULT_COLUMNS.index("findings"), column)

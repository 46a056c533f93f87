"""Keyed history: hand a pack only the history rows its keys name, when it first reads them.

A `judges = "scope_visits"` pack reads `history_<view>` across every stored visit, but its
provisions need few of those rows: the CARB pack's terminal-year and allowance counts read
only the port-years and fleet-years coverage declares complete, its commissioning history
only the claimants' vessels. A month's check on a decade copied the whole history into the
sandbox (996 909 rows x 9 columns, about 0.18 s CPU) and scanned it there.

`[pack] history_keys = { view = "table" }` (docs/packs.md) names a table the pack's stages
make (or another history view) whose rows say which history rows it reads. The engine does
not hand `history_<view>` over when the sandbox opens but just before the first statement
that names it: the key table is read then (a few rows), and the store hands over the rows
that match a key row -- at least those; the pack still filters exactly, so an unscoped check
(the history a view over the whole input, no copy) gives the same answers.

A key row matches a history row when each of its non-NULL columns agrees: a column the view
has (among its declared columns), by equality; `<column>_from` / `<column>_until`, the
half-open range [from, until) on that column. Other columns of the key table are not read.
Key rows are grouped by which columns they set, one semi-join per group; a group that sets
nothing matches every row. Values travel bound (Arrow), never pasted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from berthcheck import store
from berthcheck.errors import BerthcheckError

FROM, UNTIL = "_from", "_until"
# more key rows than this name much of a history: it is handed over whole (a superset), which
# costs less than matching (the events of every visit of a store whose every port-year is
# declared complete: 50 ms to match a million visit ids against 3-5 ms to copy them whole)
KEY_ROWS = 100_000


class HistoryKeyError(BerthcheckError):
    """A pack's history keys cannot be read (names pack.toml)."""

    exit_code = 2


@dataclass
class Pending:
    """A history view not handed over yet: its store view, columns and key table."""

    view: str
    columns: tuple[str, ...]
    keys: str


@dataclass
class KeyedHistory:
    """The keyed history views of one check, handed over one by one when first read.

    `con` is the store, `sandbox` the pack's; `where` names the pack's file for messages."""

    con: Any
    sandbox: Any
    where: str
    pending: dict[str, Pending] = field(default_factory=dict)  # by history_<view> name
    handed: dict[str, Any] = field(default_factory=dict)  # the keyed views handed over

    def before(self, sql: str) -> None:
        """Hand over each pending history view that `sql` names (before it runs)."""
        if not self.pending:
            return
        from berthcheck.engine.sandbox import _words

        named = _words([sql])
        for name in [n for n in self.pending if n.lower() in named]:
            self._hand_over(name, self.pending.pop(name))

    def _hand_over(self, name: str, pending: Pending) -> None:
        if pending.keys in self.pending:  # keyed by another history view: that one first
            self._hand_over(pending.keys, self.pending.pop(pending.keys))
        keys = self.handed.get(pending.keys)
        if keys is None:
            keys = read_keys(self.sandbox, pending, self.where)
        table = matching_rows(self.con, pending, key_groups(keys, pending.columns))
        self.sandbox.register(name, table)
        self.handed[name] = table


def read_keys(sandbox, pending: Pending, where: str):
    """The key table's distinct rows, as Arrow (one query of the sandbox)."""
    import duckdb

    try:
        return sandbox.sql(f"SELECT DISTINCT * FROM {store.quote_ident(pending.keys)}").arrow() \
            .read_all()  # noqa: S608 - a pack identifier, quoted
    except duckdb.CatalogException:
        raise HistoryKeyError(
            f"{where} history_keys.{pending.view} names {pending.keys}, which no statement "
            f"made before the first that reads history_{pending.view}") from None


def _says(column: str, columns: tuple[str, ...]) -> bool:
    """Whether a key column names history rows: a history column, or `<column>_from/_until`."""
    return (column in columns or (column.endswith(FROM) and column[:-len(FROM)] in columns)
            or (column.endswith(UNTIL) and column[:-len(UNTIL)] in columns))


def key_groups(keys, columns: tuple[str, ...]) -> list:
    """The key rows (Arrow) in groups, one per set of non-NULL columns that name history
    rows, each holding only those columns; an empty list: no key row, so no history row; a
    list holding None: a key row that sets none of them, so every row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    used = [c for c in keys.column_names if _says(c, columns)]
    if not keys.num_rows:
        return []
    if keys.num_rows > KEY_ROWS:  # so many keys name much of the history: all of it
        return [None]
    if not used:
        return [None]
    keys = keys.select(used)
    code = None  # bit i set: the row sets used[i]
    for i, column in enumerate(used):
        bit = pc.multiply(pc.cast(pc.is_valid(keys[column]), pa.int64()), 1 << i)
        code = bit if code is None else pc.add(code, bit)
    groups = []
    for value in sorted(pc.unique(code).to_pylist()):
        if value == 0:
            return [None]
        rows = keys.filter(pc.equal(code, value))
        group = _one_match(rows.select([c for i, c in enumerate(used) if value >> i & 1]))
        if group is None:
            return [None]
        groups.append(group)
    return groups




def _one_match(group):
    """A ranged group's key rows rewritten so that a history row meets at most one of them
    (so each group is one LEFT JOIN, no row repeated), naming the same rows; None when that
    cannot be done here (ranges on two columns): then the whole
    history. Equality alone: as it is. A range on one column: per value of the
    other columns, overlapping or touching ranges merged ([a, b) and [b, c) are [a, c)),
    a lone `_from` the least, a lone `_until` the greatest.

    A correlated EXISTS per group made DuckDB group the history by its key columns first
    (a departure is nearly unique: 0.65-0.73 s CPU at 1M visits for a store whose every
    port-year is declared complete, against 0.18 s for copying it whole)."""
    import pyarrow as pa

    bounded = {c[:-len(FROM)] for c in group.column_names if c.endswith(FROM)} | \
        {c[:-len(UNTIL)] for c in group.column_names if c.endswith(UNTIL)}
    # a range's bounds in the order [from, until] (or the one given)
    bounds = sorted((c for c in group.column_names if c.endswith((FROM, UNTIL))),
                    key=lambda c: c.endswith(UNTIL))
    others = [c for c in group.column_names if c not in bounds]
    if not bounded:  # equality alone: matched by EXISTS (`matching_rows`), as it is
        return group
    if len(bounded) > 1:
        return None
    columns = group.to_pydict()
    spans: dict[tuple, list[list]] = {}
    for i in range(group.num_rows):
        key = tuple(columns[c][i] for c in others)
        spans.setdefault(key, []).append([columns[c][i] for c in bounds])
    out: dict[str, list] = {c: [] for c in group.column_names}
    for key, ranges in spans.items():
        if len(bounds) == 2:  # [from, until): merged where they overlap or touch
            ranges.sort()
            joined = [ranges[0]]
            for start, end in ranges[1:]:
                if start <= joined[-1][1]:
                    joined[-1][1] = max(joined[-1][1], end)
                else:
                    joined.append([start, end])
        else:
            only = [r[0] for r in ranges]
            joined = [[min(only) if bounds[0].endswith(FROM) else max(only)]]
        for row in joined:
            for c, v in zip(others, key, strict=True):
                out[c].append(v)
            for c, v in zip(bounds, row, strict=True):
                out[c].append(v)
    return pa.table(out, schema=group.schema)


def matching_rows(con, pending: Pending, groups: list):
    """The store's rows of the view (its declared columns) that match a key group, as Arrow."""
    select = ", ".join(store.quote_ident(c) for c in pending.columns) or "*"
    sql = f"SELECT {select} FROM {store.quote_ident(pending.view)} h"  # noqa: S608 - catalog names
    if not groups:
        return con.sql(sql + " WHERE false").arrow().read_all()
    if any(g is None for g in groups):
        return con.sql(sql).arrow().read_all()
    joins, hits, registered, params = [], [], [], []
    for i, group in enumerate(groups):
        alias = f"_bc_history_key_{i}"
        con.register(alias, group)
        registered.append(alias)
        conditions = []
        for column in group.column_names:
            q = store.quote_ident(column)
            if column in pending.columns:
                conditions.append(f"k{i}.{q} = h.{q}")
            elif column.endswith(FROM):
                conditions.append(f"h.{store.quote_ident(column[:-len(FROM)])} >= k{i}.{q}")
            else:
                conditions.append(f"h.{store.quote_ident(column[:-len(UNTIL)])} < k{i}.{q}")
        if all(c in pending.columns for c in group.column_names):
            # equality alone: a semi-join, whose cost is grouping the history by these
            # columns (an IMO: some thousands of values in a million rows)
            hits.append(f"EXISTS (SELECT 1 FROM {alias} k{i} "  # noqa: S608
                        f"WHERE {' AND '.join(conditions)})")
            continue
        # a range: each group meets a history row at most once (`_one_match`), so a join
        # repeats no row; an EXISTS here grouped the history by the ranged column
        # (a departure is nearly unique)
        joins.append(f"LEFT JOIN (SELECT *, true AS _bc_hit FROM {alias}) k{i} "  # noqa: S608
                     f"ON {' AND '.join(conditions)}")
        hits.append(f"k{i}._bc_hit")
    # constants DuckDB tests against each row group's range (a month's keys read the row
    # groups of that month): a superset of the keys' own ranges
    bounded = []
    for column, (low, high) in _constant_bounds(groups).items():
        q = store.quote_ident(column)
        bounded.append(f"h.{q} >= ? AND h.{q} < ?")
        params += [low, high]
    where = " AND ".join([*bounded, "(" + " OR ".join(hits) + ")"])
    select = ", ".join(f"h.{store.quote_ident(c)}" for c in pending.columns)
    query = (f"SELECT {select} FROM {store.quote_ident(pending.view)} h "  # noqa: S608
             + " ".join(joins) + f" WHERE {where}")
    try:
        return con.sql(query, params=params or None).arrow().read_all()
    finally:
        for alias in registered:
            con.unregister(alias)


def _constant_bounds(groups: list) -> dict[str, tuple]:
    """Per column that every group bounds on both sides: the least `from` and the greatest
    `until` of all key rows (bound values)."""
    import pyarrow.compute as pc

    columns = None
    for group in groups:
        ranged = {c[:-len(FROM)] for c in group.column_names
                  if c.endswith(FROM) and c[:-len(FROM)] + UNTIL in group.column_names}
        columns = ranged if columns is None else columns & ranged
    bounds = {}
    for column in sorted(columns or ()):
        lows = [pc.min(g[column + FROM]).as_py() for g in groups]
        highs = [pc.max(g[column + UNTIL]).as_py() for g in groups]
        bounds[column] = (min(lows), max(highs))
    return bounds

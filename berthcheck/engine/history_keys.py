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
nothing matches every row. Values travel bound (Arrow), never pasted into SQL. What is
handed over is a superset: where key groups bound a range, every row within the span of
their ranges (`matching_rows`), and the whole view where they bound two columns or the keys
are many (`key_groups`): matching those exactly cost more than copying.
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
        from berthcheck.engine.sandbox import sql_words

        named = sql_words([sql])
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


def _range_of(column: str, columns: tuple[str, ...]) -> tuple[str, str] | None:
    """(history column, FROM or UNTIL) for a key column `<column>_from/_until` that bounds a
    history column; None for any other (a history column itself is never a bound)."""
    if column in columns:
        return None
    for side in (FROM, UNTIL):
        if column.endswith(side) and column[:-len(side)] in columns:
            return column[:-len(side)], side
    return None


def _says(column: str, columns: tuple[str, ...]) -> bool:
    """Whether a key column names history rows: a history column, or `<column>_from/_until`."""
    return column in columns or _range_of(column, columns) is not None


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
        groups.append(keys.filter(pc.equal(code, value)).select(
            [c for i, c in enumerate(used) if value >> i & 1]))
    return groups


def _span(ranged: list, columns: tuple[str, ...]) -> tuple[str, Any, Any] | None:
    """The history column the ranged key groups bound and the span of their ranges: the
    earliest `_from` and the latest `_until` (None: a group open on that side); None when
    they bound more than one column, or no side at all."""
    import pyarrow.compute as pc

    bounded = {found[0] for g in ranged for c in g.column_names
               if (found := _range_of(c, columns)) is not None}
    if len(bounded) != 1:
        return None
    column = bounded.pop()
    ends: list[Any] = []
    for side, pick in ((FROM, pc.min), (UNTIL, pc.max)):
        name = column + side
        if not all(name in g.column_names for g in ranged):  # a range open on this side
            ends.append(None)
            continue
        values = [pick(g[name]).as_py() for g in ranged]
        ends.append(min(values) if side == FROM else max(values))
    if ends == [None, None]:
        return None
    return column, ends[0], ends[1]


def matching_rows(con, pending: Pending, groups: list):
    """The store's rows of the view (its declared columns) that match a key group, as Arrow:
    a superset. Key groups bounding a range on one column (CARB's port-years declared
    complete) hand over every row within the span of their ranges, read by constants DuckDB
    tests against each row group's range (the stored decade's other years are skipped), and
    the other groups the rows they name outside that span (each row once). Matching the
    ranges exactly cost more than it saved: at 1M visits with every port-year and fleet-year
    declared complete, a correlated EXISTS grouped the history by departure (0.65-0.73 s
    CPU), one LEFT JOIN per group over merged ranges took 0.5 s for CARB's two ranged
    groups, copying it whole 0.19 s. The span's rows are a copy of what lies in it only: on
    the 1M decade with every port's 2025 declared complete, June 2026's check is handed
    100 192 rows (and the claimants' vessels' 515 visits outside 2025), 0.11 CPU s where the
    whole history was 0.21-0.23."""
    select = ", ".join(store.quote_ident(c) for c in pending.columns) or "*"
    sql = f"SELECT {select} FROM {store.quote_ident(pending.view)} h"  # noqa: S608 - catalog names
    if not groups:
        return con.sql(sql + " WHERE false").arrow().read_all()
    if any(g is None for g in groups):
        return con.sql(sql).arrow().read_all()
    ranged = [g for g in groups
              if any(_range_of(c, pending.columns) for c in g.column_names)]
    equal = [g for g in groups if not any(g is r for r in ranged)]
    if not ranged:
        return _semi_joined(con, sql, "", [], equal)
    span = _span(ranged, pending.columns)
    if span is None:  # ranges on two columns: the whole history (a superset)
        return con.sql(sql).arrow().read_all()
    column, since, until = span
    quoted = f"h.{store.quote_ident(column)}"
    inside = " AND ".join([*([f"{quoted} >= ?"] if since is not None else []),
                           *([f"{quoted} < ?"] if until is not None else [])])
    params = [v for v in (since, until) if v is not None]
    rows = con.sql(f"{sql} WHERE {inside}", params=params).arrow().read_all()
    if not equal:
        return rows
    # the rows the other groups name outside the span (inside it they are handed over
    # already): the span's complement as constants too, so a span holding the whole stored
    # history leaves nothing to scan here
    outside = " OR ".join([*([f"{quoted} < ?"] if since is not None else []),
                           *([f"{quoted} >= ?"] if until is not None else []),
                           f"{quoted} IS NULL"])
    more = _semi_joined(con, sql, f"({outside}) AND ", params, equal)
    import pyarrow as pa

    return pa.concat_tables([rows, more.cast(rows.schema)])


def _semi_joined(con, sql: str, where: str, params: list, groups: list):
    """`sql`'s rows passing `where` (a prefix, with `params`) that match a key group of
    equality keys, as Arrow."""
    tests, registered = [], []
    for i, group in enumerate(groups):
        alias = f"_bc_history_key_{i}"
        con.register(alias, group)
        registered.append(alias)
        equal = " AND ".join(f"k.{store.quote_ident(c)} = h.{store.quote_ident(c)}"
                             for c in group.column_names)
        # a semi-join, whose cost is grouping the history by these columns (an IMO: some
        # thousands of values in a million rows)
        tests.append(f"EXISTS (SELECT 1 FROM {alias} k WHERE {equal})")  # noqa: S608
    try:
        return con.sql(f"{sql} WHERE {where}({' OR '.join(tests)})",
                       params=params or None).arrow().read_all()
    finally:
        for alias in registered:
            con.unregister(alias)

"""Several fixture cases in one check: how the test suite checks the built-in packs' cases
(tests/test_rule_fixtures.py, tests/test_scope_pushdown.py). Test code, so it lives with the
tests and is not shipped in the package (nothing in berthcheck uses it).

A case's check costs about 0.3 CPU s, nearly all of it the engine's fixed cost (planning the
pack's statements), not its few rows, and the suite checks ~170 cases. Here the cases' rows
go into one store, each case's identities made its own (`_namespaced`: every value by which a
pack groups, joins or numbers visits gets the case's prefix), cases with the same
`together_key` are checked together, and each case reads its own share (`case_share`).
`berthcheck rules test` (pack_fixtures.run_fixtures) still checks each case alone: a
third-party pack may read visits in ways the prefixes do not separate.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from berthcheck.engine.pack_fixtures import Case, build_tables

if TYPE_CHECKING:
    import polars as pl

# The columns of each kind that name something shared across visits (a visit, vessel, fleet,
# operator, terminal, session, event, capture system, allowance, count or coverage holder). The
# port is not among them (it sets the time zone and the regulation): rows that speak of a
# whole port (a port's coverage, a ports row) are the same for every case checked together
# (they are part of `together_key`), and a case with files through the loader is checked alone.
_OWN_IDS = {
    "visits": ("visit_id", "imo", "vessel_name", "fleet", "operator", "terminal", "port_call"),
    "shore-power": ("visit_id", "session_id", "meter_id"),
    "capture": ("visit_id", "session_id", "system_id"),
    "events": ("visit_id", "event_id"),
    "berths": ("terminal",),
    "terminals": ("terminal",),
    "caecs": ("system_id",),
    "allowances": ("holder",),
    "visit-counts": ("holder",),
    "coverage": ("holder",),
    "ports": (),
}
# the column naming a holder's kind; its holder gets the prefix only for these kinds
_HOLDER_KIND = {"allowances": "holder_kind", "visit-counts": "holder_kind", "coverage": "kind"}
_OWN_HOLDERS = frozenset({"fleet", "operator", "terminal"})
# kinds whose being empty means something to a pack (no CAEC list: any capture system counts;
# with only prefixed rows in the others, a case without allowances or counts finds none for
# its own holders either way: checked, every batched case's results equal its own check's)
_EMPTY_MEANS = ("caecs",)


class _RolledBack(Exception):
    """Raised on leaving `cases_rows_together`: rolls its transaction back."""


@dataclass(frozen=True)
class CaseResult:
    """A case's share of a check made with other cases: its visits' results and findings,
    with the case's prefix taken out of every text again (`case_problems` reads these)."""

    results: pl.DataFrame
    findings: pl.DataFrame


def _own(kind: str, row: dict) -> bool:
    """Whether the row belongs to its case (prefixed) or speaks of a whole port (shared)."""
    if kind == "ports":
        return False
    column = _HOLDER_KIND.get(kind)
    return column is None or row.get(column) in _OWN_HOLDERS


def _shared_rows(tables: dict) -> tuple:
    return tuple(sorted((kind, tuple(sorted(row.items(), key=lambda kv: kv[0])))
                        for kind, rows in tables.items() for row in rows or []
                        if not _own(kind, row)))


def together_key(case: Case) -> tuple | None:
    """The cases with the same key can be checked together (`run_cases_together`): the same
    period, the same of the kinds whose emptiness a pack reads, and the same port-wide rows.
    None: a case whose rows the prefixes cannot keep apart from other cases' rows (files
    through the loader), checked alone."""
    spec = case.spec
    tables = spec.get("tables") or {}
    if spec.get("load") or any(kind not in _OWN_IDS for kind in tables):
        return None
    return (spec.get("period"), tuple(k for k in _EMPTY_MEANS if tables.get(k)),
            repr(_shared_rows(tables)))


def _namespaced(tables: dict[str, list[dict]], prefix: str) -> dict[str, list[dict]]:
    out = {}
    for kind, rows in tables.items():
        own = _OWN_IDS[kind]
        out[kind] = [{c: (f"{prefix}{v}" if c in own and v not in (None, "") else v)
                      for c, v in row.items()} if _own(kind, row) else row for row in rows]
    return out


def _prefix(number: int) -> str:
    # digits and a tilde: no upper()/lower() changes it, and the same prefix keeps a case's
    # own values in their order (a suffix would not: "V1~" sorts after "V10~")
    return f"{number:03d}~"


def case_share(frame, number: int):
    """The rows of case `number` (its position in `cases_rows_together`) in a frame of results
    or findings of the cases checked together, with its prefix taken out of every text."""
    import polars as pl

    prefix = _prefix(number)
    mine = frame.filter(pl.col("visit_id").str.starts_with(prefix))
    return mine.with_columns(pl.col(pl.String).str.replace_all(prefix, "", literal=True))


@contextlib.contextmanager
def cases_rows_together(con, cases: list[Case]) -> Iterator:
    """The rows of several cases in `con` (an empty store), each case's identities under its
    own prefix (`_namespaced`), for the body only (rolled back on leaving, as
    pack_fixtures.case_rows). The cases must share what `together_key` says besides the
    period."""
    from berthcheck import store
    from berthcheck.engine.fixture_store import put_tables

    keys = {together_key(c) for c in cases}
    if None in keys or len({k[1:] for k in keys if k is not None}) != 1:
        raise ValueError("cases checked together must be kept apart by their prefixes")
    merged: dict[str, list[dict]] = {}
    for n, case in enumerate(cases):
        tables = _namespaced(build_tables(case.spec, case.visit_defaults), _prefix(n))
        for kind, rows in tables.items():
            # the port-wide rows, the same in every case here (`together_key`), once
            merged.setdefault(kind, []).extend(
                r for r in rows if _own(kind, r) or n == 0)
    with contextlib.suppress(_RolledBack), store.transaction(con):
        put_tables(con, merged)
        yield con
        raise _RolledBack


def run_cases_together(cases: list[Case], pack, con) -> dict[int, CaseResult]:
    """Check cases of one pack with one `together_key` in one check, as `run_case` checks
    one: the rows in `con` (`cases_rows_together`, left empty), then each case's share. Keyed
    by the cases' positions in `cases`."""
    from berthcheck.engine.check import check

    if len({together_key(c) for c in cases}) != 1:
        raise ValueError("cases checked together share a period")
    with cases_rows_together(con, cases):
        outcome = check(con, pack, period=cases[0].spec.get("period"), notes=True,
                        store_run=False, record=False)
    return {n: CaseResult(case_share(outcome.results, n), case_share(outcome.findings, n))
            for n in range(len(cases))}

"""Which stored visits a pack judges for a scope, as a query over the store.

A pack that reads history (allowance years, commissioning claims) judges more visits than
the scope holds; one that does not, only the scope's. The query runs on the store before the
sandbox is made, and its constant period bounds let DuckDB skip the row groups of other
months (engine/pack_sandbox.py `open_pack_sandbox`, and the emission inputs' scan).
"""

from __future__ import annotations

import datetime as dt

from berthcheck.engine.pack import Pack
from berthcheck.engine.scope import Scope
from berthcheck.ingest.kinds import MAX_STAY_DAYS
from berthcheck.store import quote_ident


def judged_visits_sql(pack: Pack, scope: Scope,
                      columns: tuple[str, ...] | None = ("visit_id", "departure")) -> str | None:
    """A query over the store of (a superset of) the visits the pack judges, or None for
    every visit: these columns of their stored rows (None: every column), each row once. The
    scope's visits are `_bc_scope`, with their departure and port-local year (`SCOPE_SQL`).
    With the columns the sandbox hands over, its rows are the pack's `visits` themselves, not
    found again by a second scan (engine/sandbox.py).

    scope_years: the port-local years of departure the scope's visits touch. scope_visits:
    the scope's visits, and the visits that carry an event, depart in those years and arrive
    no later than the scope's last departure (claims numbered in a holder's year, in order of
    departure or arrival, count them). A UTC range two days wider than the years holds them
    whatever the port's zone, and needs no per-row zone conversion. A superset is enough: the
    pack reads the rows of the visits it judges only.

    A scope with a period also bounds every scan of the stored visits by constants (UTC, a
    day or two wider than any zone): DuckDB tests them against each row group's range and
    skips the rest of the decade (the bounds found from the scope's rows cannot be pushed
    into the scan). A month on the 1M decade: 48 -> 9 ms CPU. The scope's visits and the
    earlier event-carrying ones are read in one scan (an OR), not two and a UNION."""
    if pack.judges not in ("scope_years", "scope_visits") or scope == Scope(None, None, None):
        return None
    near, since_year, until_year, arrived = period_filters(scope)
    # the scope's years and last departure, from its rows (`SCOPE_SQL` gives them)
    bounds = ("WITH y AS (SELECT min(year) AS y0, max(year) AS y1, max(departure) AS last "
              "FROM _bc_scope) ")
    since = "v.departure >= make_timestamptz(y.y0, 1, 1, 0, 0, 0, 'UTC') - INTERVAL 2 DAY"
    select = ", ".join(f"v.{quote_ident(c)}" for c in columns) if columns else "v.*"
    if pack.judges == "scope_visits":
        # every visit of the scope departs near the period, so since New Year of its first
        # year too: that constant bounds the one scan of both kinds
        where = (f"WHERE {since_year} AND (({near} AND v.visit_id IN "  # noqa: S608 - constants
                 "(SELECT visit_id FROM _bc_scope)) "
                 f"OR ({arrived} AND {since} AND v.arrival <= y.last "
                 "AND v.visit_id IN (SELECT visit_id FROM events)))")
        return bounds + _with_port_call_stays(select, where, scope)
    until = "v.departure < make_timestamptz(y.y1 + 1, 1, 1, 0, 0, 0, 'UTC') + INTERVAL 2 DAY"
    return bounds + (f"SELECT {select} FROM visits v, y "  # noqa: S608 - quoted catalog names
                     f"WHERE {since_year} AND {until_year} AND {since} AND {until}")


def _with_port_call_stays(select: str, where: str, scope: Scope) -> str:
    """The visits `where` picks (`select` of `visits v, y`) and the other stays of the port calls its visits are stays of (visits'
    `port_call` at their port: the same value at another port is another call): FuelEU judges a call as a whole, so a check of June judges a call shifting
    berth across 30 June with its July stay, as a check of the year does. The loader keeps a
    call within MAX_STAY_DAYS from first arrival to last departure (ingest/cross_rows.py), so
    its other stays depart after New Year of the scope's first year less that and two days,
    and arrive before the period's end plus as much: constants that bound the scan as the
    period's do. Only stays with a `port_call` are read (none in a store loaded before the
    column: then the branch adds no row)."""
    bounds = _period_literals(scope)
    if bounds is None:
        reach = "TRUE"
    else:
        _t0, t1, first_year, _last_year = bounds
        reach = (f"v.departure >= make_timestamptz({first_year}, 1, 1, 0, 0, 0, "
                 f"'UTC') - INTERVAL {MAX_STAY_DAYS + 2} DAY "
                 f"AND v.arrival < {t1} + INTERVAL {MAX_STAY_DAYS + 2} DAY")
    keyed = (f"SELECT {select}, v.port AS _bc_port, v.port_call AS _bc_port_call "  # noqa: S608
             f"FROM visits v, y {where}")
    return (f", judged AS ({keyed}) SELECT * EXCLUDE (_bc_port, _bc_port_call) FROM judged "  # noqa: S608
            f"UNION ALL SELECT {select} FROM visits v WHERE v.port_call IS NOT NULL AND {reach} "
            "AND (v.port, v.port_call) IN (SELECT _bc_port, _bc_port_call FROM judged "
            "WHERE _bc_port_call IS NOT NULL) "
            "AND v.visit_id NOT IN (SELECT visit_id FROM judged)")


def period_filters(scope: Scope) -> tuple[str, str, str, str]:
    """Constant UTC filters on the stored visits `v` implied by the scope's period (all TRUE
    without one): departing near the period (a day wider than any zone), departing since New
    Year of its first year (two days earlier), departing before New Year after its last year
    (two days later), arrived before the period's end (a day later). SQL literals made from
    the scope's datetimes and years, never from text a user gave."""
    bounds = _period_literals(scope)
    if bounds is None:
        return "TRUE", "TRUE", "TRUE", "TRUE"
    t0, t1, first_year, last_year = bounds
    return (f"v.departure >= {t0} - INTERVAL 1 DAY AND v.departure < {t1} + INTERVAL 1 DAY",
            f"v.departure >= make_timestamptz({first_year}, 1, 1, 0, 0, 0, 'UTC') "
            "- INTERVAL 2 DAY",
            f"v.departure < make_timestamptz({last_year + 1}, 1, 1, 0, 0, 0, 'UTC') "
            "+ INTERVAL 2 DAY",
            f"v.arrival < {t1} + INTERVAL 1 DAY")


def _period_literals(scope: Scope) -> tuple[str, str, int, int] | None:
    """The scope's bounds as UTC timestamp literals (its datetimes read as UTC) and its first
    and last years; None without a period."""
    if scope.start is None or scope.end is None:
        return None
    start, end = scope.start, scope.end
    if not (isinstance(start, dt.datetime) and isinstance(end, dt.datetime)):
        raise TypeError("a scope's bounds are datetimes")
    return (f"timezone('UTC', TIMESTAMP '{start.isoformat(sep=' ')}')",
            f"timezone('UTC', TIMESTAMP '{end.isoformat(sep=' ')}')",
            int(start.year), int(end.year))

"""Which visits a check reports on: a period (by port-local departure) and filters."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

from berthcheck.errors import UsageError

# ASCII digits only: `\d` also matches full-width and Arabic-Indic ones, which int() reads,
# so "２０２６-10" was a period of its own (another label, another run id) for 2026-10.
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_QUARTER = re.compile(r"^([0-9]{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^([0-9]{4})$")


@dataclass(frozen=True)
class Scope:
    """Half-open local-time bounds [start, end) on the visit's port-local departure."""

    period: str | None  # label as given ("2026-10", "2026-Q4", "2026", "2026-10-01..2026-10-15")
    start: dt.datetime | None  # naive, port-local
    end: dt.datetime | None
    port: str | None = None
    terminal: str | None = None
    fleet: str | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["start"] = self.start.isoformat() if self.start else None
        d["end"] = self.end.isoformat() if self.end else None
        return d

    @classmethod
    def from_dict(cls, stored: dict) -> Scope:
        """The scope `as_dict` wrote (a run's record, its manifest's `scope`)."""
        def instant(value):
            return dt.datetime.fromisoformat(value) if value else None

        return cls(period=stored.get("period"), start=instant(stored.get("start")),
                   end=instant(stored.get("end")), port=stored.get("port"),
                   terminal=stored.get("terminal"), fleet=stored.get("fleet"))

    def describe(self) -> str:
        parts = [f"period {self.period}" if self.period else "all loaded visits"]
        for name in ("port", "terminal", "fleet"):
            if getattr(self, name):
                parts.append(f"{name} {getattr(self, name)}")
        return ", ".join(parts)


# Periods berthcheck reports on (the inputs' plausibility bounds, ingest/kinds.py): a year
# outside them is a typo (9999-12, 0000-01), not a period, and would overflow date arithmetic.
PERIOD_YEARS = (1990, 2100)


def _check_year(text: str, option: str, given: str) -> None:
    if text.isascii() and text.isdigit() and not PERIOD_YEARS[0] <= int(text) <= PERIOD_YEARS[1]:
        raise UsageError(f"{option} {given!r}: the year must be between {PERIOD_YEARS[0]} and "
                         f"{PERIOD_YEARS[1]}")


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} must be a date YYYY-MM-DD, not {text!r}") from None


# The scope options, each matched against one column of the loaded visits.
SCOPE_OPTIONS = ("port", "terminal", "fleet")


def check_combination(port: str | None, terminal: str | None, fleet: str | None) -> None:
    """One rule for `check` and `report`: at most one of --port, --terminal and --fleet (a
    scope has one subject, which the report names on every page)."""
    if sum(1 for x in (port, terminal, fleet) if x) > 1:
        raise UsageError("give at most one of --port, --terminal and --fleet")


def parse_scope(
    period: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    port: str | None = None,
    terminal: str | None = None,
    fleet: str | None = None,
) -> Scope:
    for option, value in (("--period", period), ("--from", date_from), ("--to", date_to),
                          ("--port", port), ("--terminal", terminal), ("--fleet", fleet)):
        # an empty value (`--fleet "$FLEET"` with FLEET unset) would otherwise read as no
        # option at all: a check of every loaded visit under the name of a scope
        if value is not None and not value.strip():
            raise UsageError(f"{option} is empty ({value!r}): give a value, or leave {option} "
                             "out")
    check_combination(port, terminal, fleet)
    if period and (date_from or date_to):
        raise UsageError("give either --period or --from/--to, not both")
    start = end = None
    label = None
    if period:
        period = period.strip()
        _check_year(period[:4], "--period", period)
        if m := _MONTH.match(period):
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12:
                raise UsageError(f"bad month in --period {period!r}")
            start = dt.datetime(year, month, 1)
            end = dt.datetime(year + (month == 12), month % 12 + 1, 1)
        elif m := _QUARTER.match(period):
            year, q = int(m.group(1)), int(m.group(2))
            start = dt.datetime(year, 3 * q - 2, 1)
            end = dt.datetime(year + (q == 4), (3 * q) % 12 + 1, 1)
            period = f"{year}-Q{q}"
        elif m := _YEAR.match(period):
            year = int(m.group(1))
            start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
        else:
            raise UsageError(f"--period must be YYYY-MM, YYYY-Qn or YYYY, not {period!r}")
        label = period
    elif date_from or date_to:
        if not (date_from and date_to):
            raise UsageError("--from and --to go together")
        date_from, date_to = date_from.strip(), date_to.strip()  # as --period's
        d0, d1 = _date(date_from, "--from"), _date(date_to, "--to")
        _check_year(str(d0.year), "--from", date_from)
        _check_year(str(d1.year), "--to", date_to)
        if d1 < d0:
            raise UsageError("--to is before --from")
        start = dt.datetime.combine(d0, dt.time())
        end = dt.datetime.combine(d1 + dt.timedelta(days=1), dt.time())  # --to is inclusive
        label = f"{d0.isoformat()}..{d1.isoformat()}"
    return Scope(
        period=label,
        start=start,
        end=end,
        port=port.strip().upper() if port else None,
        terminal=terminal.strip() if terminal else None,
        fleet=fleet.strip() if fleet else None,
    )


# Each port's bounds as instants, a day wider than any zone's offset: the exact port-local
# test (a zone conversion per visit) then runs only on the visits near the period, so a
# month's scope on a decade converts a month of departures, not the store's. The same bounds
# in UTC, a day wider, come first as constants: DuckDB tests them in the scan of the stored
# visits against each row group's departure range and skips the groups outside (the port's
# bounds come from a join and cannot be pushed there): a month's scope on the 1M decade
# 36 -> 10 ms CPU. With `$years` (a bounded scope) each visit's departure and port-local year
# of departure come too: the visits a pack judges follow from them (engine/judged_visits.py)
# without reading the scope's visits again.
SCOPE_SQL = """
WITH b AS (
    SELECT p.port, coalesce(p.timezone, 'UTC') AS tz,
        timezone(coalesce(p.timezone, 'UTC'), CAST($start AS TIMESTAMP)) - INTERVAL 1 DAY AS t0,
        timezone(coalesce(p.timezone, 'UTC'), CAST($end AS TIMESTAMP)) + INTERVAL 1 DAY AS t1
    FROM ports p
)
SELECT v.visit_id,
    CASE WHEN CAST($years AS BOOLEAN) THEN v.departure END AS departure,
    CASE WHEN CAST($years AS BOOLEAN)
         THEN year(timezone(coalesce(b.tz, 'UTC'), v.departure)) END AS year
FROM visits v
LEFT JOIN b ON b.port = v.port
WHERE (CAST($start AS TIMESTAMP) IS NULL
       OR v.departure >= timezone('UTC', CAST($start AS TIMESTAMP)) - INTERVAL 1 DAY)
  AND (CAST($end AS TIMESTAMP) IS NULL
       OR v.departure < timezone('UTC', CAST($end AS TIMESTAMP)) + INTERVAL 1 DAY)
  AND (CAST($start AS TIMESTAMP) IS NULL
       OR (v.departure >= coalesce(b.t0, timezone('UTC', CAST($start AS TIMESTAMP)) - INTERVAL 1 DAY)
           AND timezone(coalesce(b.tz, 'UTC'), v.departure) >= CAST($start AS TIMESTAMP)))
  AND (CAST($end AS TIMESTAMP) IS NULL
       OR (v.departure < coalesce(b.t1, timezone('UTC', CAST($end AS TIMESTAMP)) + INTERVAL 1 DAY)
           AND timezone(coalesce(b.tz, 'UTC'), v.departure) < CAST($end AS TIMESTAMP)))
  AND (CAST($port AS VARCHAR) IS NULL OR v.port = CAST($port AS VARCHAR))
  AND (CAST($terminal AS VARCHAR) IS NULL OR v.terminal = CAST($terminal AS VARCHAR))
  AND (CAST($fleet AS VARCHAR) IS NULL OR v.fleet = CAST($fleet AS VARCHAR))
"""


# an unbounded scope is every stored visit, read as such: SCOPE_SQL's conditions all hold
# without bounds, and its LEFT JOIN gives each visit one row (a port is one row of `ports`),
# but DuckDB took 8-9 ms of CPU to plan that join with the `ports` view (a UNION of the loaded
# and built-in ports) for every unscoped check, and 1.5 ms to plan this
ALL_VISITS_SQL = "SELECT visit_id FROM visits"


def scope_query(scope: Scope) -> tuple[str, dict | None]:
    """The query of the visit ids in `scope` and its parameters: SCOPE_SQL (with each visit's
    departure and port-local year when bounded), or ALL_VISITS_SQL for an unbounded scope."""
    if scope == Scope(None, None, None):
        return ALL_VISITS_SQL, None
    return SCOPE_SQL, scope_params(scope)


def scope_params(scope: Scope) -> dict:
    return {
        "start": scope.start,
        "end": scope.end,
        "port": scope.port,
        "terminal": scope.terminal,
        "fleet": scope.fleet,
        "years": scope != Scope(None, None, None),
    }


def _folded(text: str) -> str:
    """Scope values match ignoring case and spaces ("han ocean  container fleet")."""
    return "".join(text.casefold().split())


def fleet_key(name: str) -> str:
    """A fleet's name as the CARB pack matches it (its `fleet_key` macro): lower case, no
    spaces, so "PACIFIC MERIDIAN  LINES" in an allowances file is the visits' "Pacific
    Meridian Lines" (docs/regulations-carb.md 8)."""
    return "".join(name.lower().split())


def _closest(given: str, known: list[str], n: int = 5) -> list[str]:
    """Known values most like `given` (difflib's ratio over the whole value and over its
    start, so a truncated "Han Ocean" still finds "Han Ocean Container Fleet")."""
    from difflib import SequenceMatcher

    g = _folded(given)
    scored = []
    for k in known:
        f = _folded(k)
        score = max(SequenceMatcher(None, g, f).ratio(),
                    SequenceMatcher(None, g, f[: len(g)]).ratio())
        if score >= 0.6:
            scored.append((-score, k))
    return [k for _s, k in sorted(scored)[:n]]


def resolve_value(con, option: str, given: str | None, *, table: str = "visits",
                  column: str | None = None, what: str = "visit",
                  load_hint: str | None = "load visits first") -> str | None:
    """The value an option names (`--fleet`, `--provider`, ...) as the loaded rows spell it:
    the one loaded value equal to it ignoring case and spaces. An empty value, one no loaded
    row has (naming the closest known values) and one several loaded values match are usage
    errors: a typo must never give a silently empty check, report or export. `check`,
    `report` and every export match their options here. `table` and `column` come from the
    code, never from the user."""
    from berthcheck import store

    if given is None:
        return None
    if not given.strip():  # `--fleet "$FLEET"` with FLEET unset
        raise UsageError(f"{option} is empty ({given!r}): give a value, or leave {option} out")
    column = column or option.lstrip("-")
    known = [
        row[0] for row in store.run(
            con,
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
            f"ORDER BY {column}",
        )
    ]
    if given in known:
        return given
    matches = [k for k in known if _folded(k) == _folded(given)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(
            f"{option} {given!r} is ambiguous: the loaded {what}s spell it "
            + ", ".join(repr(m) for m in matches) + "; give one exactly (the others' "
            f"{what}s are then not in it), or load the {what}s again with one spelling "
            "(`--replace`)"
        )
    if not known:
        raise UsageError(f"{option} {given!r}: no loaded {what} has a {column}"
                         + (f"; {load_hint}" if load_hint else ""))
    close = _closest(given, known)
    hint = (
        "closest known: " + ", ".join(repr(c) for c in close)
        if close
        else f"known: {', '.join(repr(k) for k in known[:10])}"
        + (f" and {len(known) - 10} more" if len(known) > 10 else "")
    )
    raise UsageError(f"{option} {given!r} matches no loaded {what}; {hint}")


def other_spellings(con, scope: Scope) -> list[str]:
    """Warnings for a scope value that the loaded visits also spell otherwise (`--fleet
    'Pacific Meridian Lines'` where some visits say 'PACIFIC MERIDIAN LINES'): the scope holds
    the visits spelled as given only, which is otherwise a quietly partial check. The CARB pack
    counts a fleet's VIEs over every spelling (docs/regulations-carb.md 8)."""
    lines = []
    for option in ("port", "terminal", "fleet"):
        line = spelt_otherwise(con, option, getattr(scope, option))
        if line:
            lines.append(line)
    return lines


def spelt_otherwise(con, column: str, value: str | None) -> str | None:
    """The warning for visits whose `column` (`--column`) spells `value` otherwise, or None.
    `column` comes from the code, never from the user."""
    from berthcheck import store

    if not value:
        return None
    rows = store.run(
        con, f"SELECT {column}, count(*) FROM visits WHERE {column} IS NOT NULL "  # noqa: S608
        f"AND {column} <> ? GROUP BY {column} ORDER BY {column}", [value])
    others = [(spelling, n) for spelling, n in rows if _folded(spelling) == _folded(value)]
    if not others:
        return None
    return (f"--{column} {value!r}: the loaded visits also spell it "
            + ", ".join(f"{s!r} ({n} visit{'s' if n != 1 else ''})" for s, n in others)
            + "; those visits are not in this scope: load them again with one spelling "
            "(`berthcheck load visits FILE --replace`)")


def resolve_scope(con, scope: Scope) -> Scope:
    """The scope with each of --port / --terminal / --fleet replaced by the value as the loaded
    visits spell it (`resolve_value`)."""
    from dataclasses import replace

    def spelled(option: str) -> str | None:
        return resolve_value(con, f"--{option}", getattr(scope, option) or None,
                             load_hint=None if option == "fleet" else "load visits first")

    return replace(scope, port=spelled("port"), terminal=spelled("terminal"),
                   fleet=spelled("fleet"))

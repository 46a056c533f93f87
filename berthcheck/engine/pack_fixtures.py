"""A pack's fixture cases: hand-computed expectations its author checks with
`berthcheck rules test PACK` (docs/packs.md, "Fixtures").

A fixture file (`PACK/tests/<RULE_ID>.yml`; the built-in packs keep theirs in the repository's
`tests/rules/`) names its rule (and its pack, `pack:`) and a list of cases. Each case gives input
rows per kind (times as ISO text: with an offset = instant, naive = local time at the visit's
port) and the expectations:

    expect:    {visit_id: {verdict, basis, controlled_hours, ..., any result column}}
    findings:  [{visit_id, minutes?}]   every finding of THIS file's rule, exactly

Conveniences, so each case states only what matters to it:
  * visit rows are merged onto the file's `visit_defaults:` (if any), merged onto
    fixture_store.visit() (a container visit at USLAX: arrival 2026-10-03 06:00,
    ready_to_work 08:00, pilot_on_board 10-04 18:00, departure 10-04 19:00 local);
  * `repeat: n` on a visit row makes n copies (ids <id>-1..n), each one day later;
  * without a `terminals` key every visit's terminal is listed regulated=true for its type and
    years (of its arrival and of its departure); without a `berths` key every berth has shore power and capture;
  * `plug_in_all: true` adds a shore power session arrival -> departure to every visit that
    has none;
  * `period` limits the reported visits (earlier years can be loaded as history);
  * `load: {kind: csv text}` loads files through the real loader first (berthcheck load).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import tempfile
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck.engine.fixture_spec import check_case, check_file
from berthcheck.engine.pack_spec import PackFileError, read_pack_file
from berthcheck.errors import BerthcheckError

TIMESTAMP_COLUMNS = ("arrival", "ready_to_work", "pilot_on_board", "departure", "reported_at")
DEFAULT_PACK = "carb-at-berth-2020"
HOURS_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Case:
    file: Path
    rule: str
    name: str
    spec: dict
    visit_defaults: dict = field(default_factory=dict)


@dataclass
class CaseOutcome:
    case: Case
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def fixture_files(pack) -> list[Path]:
    """The pack's own `tests/*.yml`; for a built-in pack in a source checkout also the
    repository's tests/rules/*.yml that name it."""
    from berthcheck.resources import REPO_DIR

    files = sorted((pack.path / "tests").glob("*.yml"))
    shared = REPO_DIR / "tests" / "rules"
    if not pack.custom and shared.is_dir():
        files += [p for p in sorted(shared.glob("*.yml")) if _pack_of(p) == pack.id]
    return files


def _read(path: Path) -> dict:
    import yaml

    # libyaml's loader when PyYAML has it: the same documents, about ten times faster (every
    # fixture file is read when the suite collects its cases)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        spec = yaml.load(read_pack_file(path), Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise PackFileError(f"{path}{line}: not valid YAML: "
                            f"{getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(spec, dict):
        raise PackFileError(f"{path}: a fixture file is a mapping with rule and cases")
    return spec


def _pack_of(path: Path) -> str:
    return _pack_named(path, *_stamp(path))


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=1024)
def _pack_named(path: Path, _mtime_ns: int, _size: int) -> str:
    """The pack a shared fixture file names, read once per version of the file (each pack's
    listing reads every shared file)."""
    return str(_read(path).get("pack", DEFAULT_PACK))


def load_cases(pack) -> list[Case]:
    """Every case of every fixture file of the pack; a malformed file -> PackFileError."""
    known = {r.id for r in pack.rules}
    out = []
    for path in fixture_files(pack):
        spec = _read(path)
        rule = spec.get("rule")
        if rule != path.stem:
            raise PackFileError(f"{path}: rule {rule!r} must match the file name ({path.stem})")
        if rule not in known:
            raise PackFileError(f"{path}: rule {rule} is not a rule of pack {pack.id}")
        if spec.get("pack", pack.id) != pack.id:
            raise PackFileError(f"{path}: pack {spec.get('pack')!r} is not {pack.id}")
        check_file(path, spec)
        defaults = spec.get("visit_defaults") or {}
        cases = spec.get("cases")
        if not isinstance(cases, list) or not cases:
            raise PackFileError(f"{path}: cases must be a non-empty list")
        names = set()
        for i, case in enumerate(cases, start=1):
            if not isinstance(case, dict) or not isinstance(case.get("name"), str):
                raise PackFileError(f"{path}: case {i} needs a name")
            if case["name"] in names:
                raise PackFileError(f"{path}: case name {case['name']!r} is used twice")
            names.add(case["name"])
            check_case(path, case, defaults)
            out.append(Case(path, rule, case["name"], case, defaults))
    return out


def _shift(value, days: int):
    if value in (None, ""):
        return value
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed + dt.timedelta(days=days)).isoformat()


def _expand_visits(rows: list[dict], defaults: dict | None = None) -> list[dict]:
    from berthcheck.engine.fixture_store import visit

    out = []
    for row in rows:
        row = {**(defaults or {}), **row}
        repeat = row.pop("repeat", None)
        if repeat is None:
            out.append(visit(**row))
            continue
        for k in range(repeat):
            copy = {c: (_shift(v, k) if c in TIMESTAMP_COLUMNS else v) for c, v in row.items()}
            copy["visit_id"] = f"{row['visit_id']}-{k + 1}"
            out.append(visit(**copy))
    return out


def _local_year(row: dict, zones: dict[str, str] | None = None,
                column: str = "departure") -> int:
    from berthcheck.engine.fixture_store import _PORT_TZ, parse_instant

    zone = (_PORT_TZ if zones is None else zones).get(str(row["port"]))
    instant = parse_instant(row[column], zone)
    assert instant is not None
    return instant.astimezone(zoneinfo.ZoneInfo(zone or "UTC")).year


def build_tables(case: dict, visit_defaults: dict | None = None,
                 zones: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """The case's rows per kind; `zones`: port -> time zone (default: the built-in ports')."""
    tables = {k: list(v or []) for k, v in case.get("tables", {}).items()}
    visits = _expand_visits(tables.get("visits", []), visit_defaults)
    tables["visits"] = visits
    if "terminals" not in tables:
        # the arrival year too: a visit across 1 January takes its arrival year's status
        years = sorted({(v["port"], v["terminal"], v["vessel_type"], _local_year(v, zones, c))
                        for v in visits for c in ("arrival", "departure")})
        tables["terminals"] = [
            {"port": p, "terminal": t, "vessel_type": ty, "year": y, "regulated": True}
            for p, t, ty, y in years
        ]
    if "berths" not in tables:
        keys = sorted({(v["port"], v["terminal"], v["berth"]) for v in visits})
        tables["berths"] = [
            {"port": p, "terminal": t, "berth": b, "shore_power": True, "capture_available": True}
            for p, t, b in keys
        ]
    if case.get("plug_in_all"):
        have = {s["visit_id"] for s in tables.get("shore-power", [])}
        tables.setdefault("shore-power", [])
        tables["shore-power"] += [
            {"session_id": f"SP-{v['visit_id']}", "visit_id": v["visit_id"],
             "connected": v["arrival"], "disconnected": v["departure"]}
            for v in visits if v["visit_id"] not in have
        ]
    return tables


def _load_files(con, files: dict[str, str]) -> None:
    from berthcheck.ingest.load import load_files

    with tempfile.TemporaryDirectory() as folder:
        for kind, text in files.items():
            path = Path(folder) / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            load_files(con, kind, [path])


def _put_case(con, case: dict, visit_defaults: dict | None) -> None:
    """The case's rows into `con`: its `load:` files through the real loader, then its
    tables (`build_tables`)."""
    import polars as pl

    from berthcheck.engine.fixture_store import port_zones, put_tables

    _load_files(con, case.get("load") or {})
    try:  # a port the case loaded has its zone for the rows' local times
        tables = build_tables(case, visit_defaults, port_zones(con))
        put_tables(con, tables)
    except (ValueError, KeyError, TypeError, pl.exceptions.PolarsError) as exc:
        # a row the shape check let through but that cannot be stored (a local time at a
        # port of no known zone, a text where a boolean goes): the case's message, not a bug
        first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise PackFileError(f"case {case.get('name')!r}: its rows cannot be stored: "
                            f"{first}") from None


@contextlib.contextmanager
def case_store(path, case: dict, visit_defaults: dict | None = None) -> Iterator:
    """A store at `path` (a file or ":memory:") holding the case's rows, open: its `load:`
    files through the real loader, then its tables (`build_tables`). Closed on leaving."""
    from berthcheck import store

    con = store.connect(path)
    try:
        _put_case(con, case, visit_defaults)
        yield con
    finally:
        con.close()


def write_case(path: Path, case: dict, visit_defaults: dict | None = None) -> Path:
    """Write the case's rows into a store file at `path` (see `case_store`); returns `path`."""
    with case_store(path, case, visit_defaults):
        pass
    return path


class _Discard(Exception):
    """Raised on leaving `case_rows`: rolls its transaction back."""


@contextlib.contextmanager
def case_rows(con, case: dict, visit_defaults: dict | None = None) -> Iterator:
    """The case's rows in `con`, an open store without input rows, for the body only: written
    (as `case_store` writes them) in a transaction rolled back on leaving, so the store is
    empty again for the next case. Many cases in a row then share one store instead of a new
    database file each (about a fifth of a small case's cost)."""
    from berthcheck import store

    with contextlib.suppress(_Discard), store.transaction(con):
        _put_case(con, case, visit_defaults)
        yield con
        raise _Discard


@contextlib.contextmanager
def cases_store() -> Iterator:
    """An empty store in a temporary folder, for `case_rows`; removed on leaving."""
    from berthcheck import store

    # a file, not ":memory:": the test suite starts each new file as a copy of one migrated
    # template (tests/conftest.py), where an in-memory store would run every migration again
    with tempfile.TemporaryDirectory() as folder:
        con = store.connect(Path(folder) / "cases.duckdb")
        try:
            yield con
        finally:
            con.close()


def run_case(case: dict, pack, visit_defaults: dict | None = None, con=None):
    """Check the case's rows against the pack (not stored); the engine validates every
    invariant on the way. `con`: an empty store to check it in (`cases_store`), left empty;
    without one, a store of its own."""
    from berthcheck.engine.check import check

    if con is None:
        with cases_store() as own:
            return run_case(case, pack, visit_defaults, own)
    with case_rows(con, case, visit_defaults):
        # a case compares results and findings only: no run id or manifest to make.
        # Notes on: a note rule's cases state its findings like any rule's, and the engine
        # then checks each note's column against them (engine/pack_notes.py)
        return check(con, pack, period=case.get("period"), notes=True, store_run=False,
                     record=False)


def _iso(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _local(value: dt.datetime, zone: str | None) -> str:
    """An instant as a failed case shows it: local time at the visit's port (the case's own
    spelling) with its UTC ISO text; UTC alone where the port's zone is unknown."""
    from zoneinfo import ZoneInfo

    if not zone:
        return _iso(value)
    local = value.astimezone(ZoneInfo(zone))
    text = local.strftime("%Y-%m-%d %H:%M" + (":%S" if local.second else ""))
    return f"{text} at {zone} ({_iso(value)})"


def _same(have, want) -> bool:
    if isinstance(want, float) and not isinstance(want, bool):
        return (isinstance(have, (int, float)) and not isinstance(have, bool)
                and math.isclose(have, want, rel_tol=0, abs_tol=HOURS_TOLERANCE))
    return have == want


def case_problems(pack, case: Case, outcome) -> list[str]:
    """What the outcome of a case does not match of its expectations."""
    from berthcheck.engine.bases import basis_problems, pack_basis_table
    from berthcheck.engine.fixture_store import _PORT_TZ, parse_instant

    spec = case.spec
    rows = {r["visit_id"]: r for r in outcome.results.iter_rows(named=True)}
    problems = basis_problems(pack_basis_table(pack),
                              [(v, r["verdict"], r["basis"]) for v, r in rows.items()])
    for visit_id, expected in (spec.get("expect") or {}).items():
        if visit_id not in rows:
            problems.append(_missing(visit_id, case))
            continue
        got = rows[visit_id]
        for key, want in (expected or {}).items():
            if key not in got:
                problems.append(f"{visit_id}.{key}: no such result column")
                continue
            have = got[key]
            if isinstance(have, dt.datetime) and isinstance(want, (str, dt.datetime)):
                # an instant: ISO text, without an offset local time at the visit's port (its
                # zone as the results give it, else the built-in port's)
                zone = got.get("port_timezone") or _PORT_TZ.get(str(got.get("port") or ""))
                try:
                    wanted = parse_instant(want, zone)
                except ValueError as exc:
                    problems.append(f"{visit_id}.{key}: expected {want!r}, which is not an "
                                    f"instant here ({exc}; give it with an offset, e.g. "
                                    "2026-10-03T06:00:00+09:00)")
                    continue
                if _iso(have) != _iso(wanted):
                    # both as a pack author reads them: local at the port, and in UTC
                    problems.append(f"{visit_id}.{key}: got {_local(have, zone)}, expected "
                                    f"{want!r} ({_iso(wanted)})")
                continue
            elif (isinstance(have, dt.date) and not isinstance(have, dt.datetime)
                  and isinstance(want, str | dt.date)):
                # a DATE column: a YAML date or ISO text ("2026-10-04"), as written
                wanted_day = want if isinstance(want, str) else want.isoformat()
                if have.isoformat() != wanted_day:
                    problems.append(f"{visit_id}.{key}: got {have.isoformat()}, expected "
                                    f"{wanted_day!r}")
                continue
            elif isinstance(want, int) and not isinstance(want, bool) \
                    and isinstance(have, float):
                ok = _same(have, float(want))
            else:
                ok = _same(have, want)
            if not ok:
                problems.append(f"{visit_id}.{key}: got {have!r}, expected {want!r}")
    if "findings" in spec:
        mine = outcome.findings.filter(outcome.findings["rule_id"] == case.rule)
        want_rows = spec["findings"] or []
        got_ids = sorted(mine["visit_id"].to_list())
        if got_ids != sorted(f["visit_id"] for f in want_rows):
            problems.append(f"{case.rule} findings on {got_ids}, expected on "
                            f"{sorted(f['visit_id'] for f in want_rows)}")
        elif want_rows and all("minutes" in f for f in want_rows):
            got = sorted(zip(mine["visit_id"], [None if m is None else round(m, 4)
                                                for m in mine["minutes"]], strict=True))
            expected_minutes = sorted((f["visit_id"], None if f["minutes"] is None
                                       else round(f["minutes"], 4)) for f in want_rows)
            if got != expected_minutes:
                problems.append(f"{case.rule} finding minutes {got}, expected {expected_minutes}")
    return problems


def _missing(visit_id: str, case: Case) -> str:
    """Why an expected visit has no result: a visit the case's `period:` leaves out, or one no
    visit row of the case has (its rows expanded as the case loaded them), says so."""
    spec = case.spec
    rows = (spec.get("tables") or {}).get("visits") or []
    ids = {row["visit_id"] for row in _expand_visits(rows, case.visit_defaults)}
    if visit_id in ids and spec.get("period") is not None:
        return (f"{visit_id} missing from results: the case's period {spec['period']} leaves it "
                "out (a visit belongs to the period of its port-local departure)")
    if visit_id not in ids and not spec.get("load"):
        return f"{visit_id} missing from results: no visit row of the case has that visit_id"
    return f"{visit_id} missing from results"


def run_fixtures(pack) -> list[CaseOutcome]:
    """Run every case of the pack; a case the engine refuses is a failed case with the
    engine's message, so one broken case does not hide the others. A pack statement that
    cannot run whatever the rows (PackCannotRun: a syntax error, an unknown table) is the
    pack's error, raised once, as `check` raises it (exit 2), not a failure of every case."""
    from berthcheck.engine.sandbox import PackCannotRun

    out = []
    with cases_store() as con:  # one store, each case's rows rolled back after its check
        for case in load_cases(pack):
            try:
                outcome = run_case(case.spec, pack, case.visit_defaults, con)
            except PackCannotRun:
                raise
            except BerthcheckError as exc:
                out.append(CaseOutcome(case, [str(exc)]))
                continue
            out.append(CaseOutcome(case, case_problems(pack, case, outcome)))
    return out

"""What the sample generators (sample_la_*.py for Los Angeles, sample_eu.py for the FuelEU
port, sample_cn.py for Shanghai) share about a port-month: its calendar (local month bounds and
midnights in epoch minutes, the strings the files hold), the seeded draws, where the scripted
calls fall among a kind's calls, and the auxiliary loads at berth that seed `aux_power_kw`
(the ships themselves: sample_ships.py). Deterministic: only `random.Random(seed)` draws."""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from berthcheck import atomic
from berthcheck.errors import UsageError
from berthcheck.ingest.kinds import Kind
from berthcheck.resources import reference_dir

# Starcrest 2016 auxiliary load at berth (kW), reference section 3.3, to seed aux_power_kw
AUX_KW = {"passenger": 6004, "reefer": 890, "roro": 800, "tanker": 750, "bulk": 150,
           "general_cargo": 722, "other": 228}
CONTAINER_AUX_KW = (  # (TEU upper bound, kW)
    (2000, 429), (3000, 1035), (4000, 516), (5000, 1161), (6000, 945), (7000, 990),
    (8000, 2456), (9000, 902), (10000, 1037), (11000, 1450), (12000, 1500), (13000, 1780),
    (14000, 982), (15000, 1500), (17000, 1000), (10**9, 1000),
)

TWO = tuple(f"{i:02d}" for i in range(60))

K = TypeVar("K")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

def port_timezone(port: str) -> ZoneInfo:
    with open(reference_dir() / "ports.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["port"] == port:
                return ZoneInfo(row["timezone"])
    raise UsageError(f"--port {port!r} is not in the built-in ports table (a UN/LOCODE such as "
                     "USLAX, NLRTM or CNSHA)")


def epoch_minute(dt: datetime) -> int:
    return int(dt.timestamp()) // 60


class Clock:
    """Epoch minutes (UTC) -> the strings the files hold. Cached per 15-minute block, since
    every zone offset is a multiple of 15 minutes."""

    def __init__(self, tz: ZoneInfo):
        self.tz = tz
        self._blocks: dict[int, tuple[str, str, int, str, bool]] = {}
        self._hours: dict[int, str] = {}

    def _fill(self, block: int) -> tuple[str, str, int, str, bool]:
        loc = (EPOCH + timedelta(minutes=block * 15)).astimezone(self.tz)
        naive = loc.replace(tzinfo=None)
        ambiguous = (
            naive.replace(tzinfo=self.tz, fold=0).utcoffset()
            != naive.replace(tzinfo=self.tz, fold=1).utcoffset()
        )
        off = int((loc.utcoffset() or timedelta(0)).total_seconds()) // 60  # aware: never None
        sign = "-" if off < 0 else "+"
        suffix = f":00{sign}{abs(off) // 60:02d}:{abs(off) % 60:02d}"
        entry = (f"{loc:%Y-%m-%d %H}:", f"{loc:%Y-%m-%dT%H}:", loc.minute, suffix, ambiguous)
        self._blocks[block] = entry
        return entry

    def local(self, minute: int, explicit: bool = False) -> str:
        """Naive local `YYYY-MM-DD HH:MM`, or with the offset when asked or when the naive
        time would be ambiguous (fall-back hour)."""
        block = minute // 15
        entry = self._blocks.get(block) or self._fill(block)
        mm = TWO[entry[2] + minute - block * 15]
        if explicit or entry[4]:
            return entry[1] + mm + entry[3]
        return entry[0] + mm

    def utc(self, minute: int) -> str:
        hour = minute // 60
        prefix = self._hours.get(hour)
        if prefix is None:
            prefix = self._hours[hour] = f"{EPOCH + timedelta(hours=hour):%Y-%m-%dT%H}:"
        return prefix + TWO[minute - hour * 60] + ":00Z"

    def is_ambiguous(self, minute: int) -> bool:
        block = minute // 15
        return (self._blocks.get(block) or self._fill(block))[4]

class PortMonth:
    """What every generator shares: the seeded draws and the month's calendar at the port
    (local month bounds in minutes, visit-id prefix and width)."""

    def __init__(self, *, visits: int, seed: int, month: str, port: str):
        self.n = visits
        self.rng = random.Random(seed)
        self.port = port
        self.tz = port_timezone(port)
        self.clock = Clock(self.tz)
        year, mon = int(month[:4]), int(month[5:])
        self.year = year
        self.first_day = date(year, mon, 1)
        nxt = date(year + (mon == 12), mon % 12 + 1, 1)
        self.days = (nxt - self.first_day).days
        self.start = epoch_minute(datetime(year, mon, 1, tzinfo=self.tz))
        self.end = epoch_minute(datetime(nxt.year, nxt.month, 1, tzinfo=self.tz))
        self.prefix = f"{port[2:]}-{month[2:4]}{month[5:]}-"
        self.width = max(5, len(str(visits + 10)) + 1)

    def midnight(self, day: int) -> int:
        """The epoch minute of the month's `day` (0 = the 1st) at 00:00 local time."""
        return epoch_minute(datetime.combine(self.first_day + timedelta(days=day),
                                             datetime.min.time()).replace(tzinfo=self.tz))


def scripted_calls(counts: Mapping[K, int], plan: Mapping[K, Sequence[tuple[float, str]]]
                   ) -> dict[tuple[K, int], str]:
    """(kind, ordinal among the kind's calls in departure order) -> scenario: each of a
    kind's `(fraction, scenario)` falls on the call that fraction of the way through the
    kind's calls. Two falling on the same call (a small month): the later moves to the next
    free call (the Shanghai sample's later one replaced the earlier until session 24, so a
    small month lost scenarios; its bundled 150-visit month is the same either way)."""
    out: dict[tuple[K, int], str] = {}
    for kind, items in plan.items():
        n = counts[kind]
        for frac, name in items:
            k = int(n * frac)
            while (kind, k) in out and k < n:
                k += 1
            if k < n:
                out[(kind, k)] = name
    return out

def write_month(out_dir: Path, kinds: Mapping[str, Kind],
                rows: Mapping[str, list[list[str]]]) -> dict[str, Path]:
    """Each stem's `<stem>.csv` in `out_dir`: the kind's sample columns, then its rows, `\\n`
    line endings; all the files or none (berthcheck.atomic). Returns {stem: path}."""
    paths = {}
    with atomic.FileSet(what="sample data") as files:
        for stem, kind in kinds.items():
            path = paths[stem] = out_dir / f"{stem}.csv"
            w = csv.writer(files.open(path), lineterminator="\n")
            w.writerow(kind.sample_column_names)
            w.writerows(rows[stem])
    return paths


def interrupted(rng: random.Random, start: int, end: int, gap_low: int,
                gap_span: int) -> list[tuple[int, int]]:
    """A session from `start` to `end` (minutes) broken once: a break of `gap_low` up to
    `gap_low + gap_span - 1` minutes, 30 to 70 % of the way; unbroken when either piece would
    last under 30 minutes."""
    gap = gap_low + int(rng.random() * gap_span)
    mid = start + int((end - start) * rng.uniform(0.3, 0.7))
    if mid - start >= 30 and end - (mid + gap) >= 30:
        return [(start, mid), (mid + gap, end)]
    return [(start, end)]


def draw(x: float, shares: tuple[tuple[float, str], ...]) -> str:
    for bound, name in shares:
        if x < bound:
            return name
    return "ok"

def aux_default(vtype: str, teu: int) -> int:
    if vtype == "container":
        return next(kw for bound, kw in CONTAINER_AUX_KW if teu < bound)
    return AUX_KW[vtype]

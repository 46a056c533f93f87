"""`berthcheck sample`: a deterministic generator of realistic at-berth data.

It writes one month of Port of Los Angeles calls (the month of *departure*, port-local time)
as the CSV files `berthcheck load` reads: visits, shore power and capture sessions, events,
and the reference tables (berths, approved capture systems, VIE/TIE allowances, terminal
overrides). Same arguments -> byte-identical files: only `random.Random(seed)` draws, no wall
clock, rows in a fixed order, `\\n` line endings and fixed number formats.

What is realistic and what is invented (see also sample_data/README.md):

* Terminals and berth numbers follow POLA's layout (container terminals, the World Cruise
  Center, the WWL vehicle terminal, the liquid-bulk terminals, LAXT, Pasha). Which berths have
  shore power or barge capture is simplified.
* Operators, fleets, vessels and IMO numbers are fictional (IMO numbers are random but carry a
  valid check digit). Executive Order numbers `EO-AB-SAMPLE-..` are invented.
* Stays: container 1-3 days (POLA averages ~55 h, reference 5), cruise 8-12 h turnaround,
  ro-ro 12-30 h, tanker 24-48 h (the last three are unsourced placeholders).
* Loads: shore power draws 900-2 500 kW (container) and 6-11 MW (cruise, reference 5);
  capture inlet NOx 800-1 200 ppm, outlet 20-80 ppm (illustrative, not sourced).

The generator streams: visits are drawn in departure order and written as they are made, so
a million visits need little memory and stay linear in time.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import math
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from berthcheck import atomic
from berthcheck.errors import UsageError
from berthcheck.ingest.kinds import (
    ALLOWANCES,
    BERTHS,
    CAECS,
    CAPTURE,
    COVERAGE,
    EVENTS,
    SHORE_POWER,
    TERMINALS,
    VISIT_COUNTS,
    VISITS,
)
from berthcheck.sample_cn import CN_PORTS, generate_cn
from berthcheck.sample_eu import EU_FILES, EU_LAYOUTS, EuGenerator
from berthcheck.sample_month import (
    EPOCH,
    NAME_WORDS,
    TIER_CUM,
    PortMonth,
    aux_default,
    draw,
    epoch_minute,
)
from berthcheck.sample_ships import check_digit as _check_digit
from berthcheck.sample_ships import imo_check_digit

FILES = {  # file stem -> the kind it loads as
    "berths": BERTHS,
    "caecs": CAECS,
    "terminals": TERMINALS,
    "allowances": ALLOWANCES,
    "visits": VISITS,
    "shore_power": SHORE_POWER,
    "capture": CAPTURE,
    "events": EVENTS,
    # the history the sample stands on: the previous year's counts behind its allowances, and
    # which years its visits cover completely (none: one month is never a complete year)
    "visit_counts": VISIT_COUNTS,
    "coverage": COVERAGE,
}

# Today, as far as the sample is concerned: no visit report is dated after this.
REPORT_CUTOFF = datetime(2026, 11, 20, 23, 59)

# --- the port: terminals and berths (POLA layout; codes are short forms) ----------------------
# code, name, berths, shore power, berths with barge/land capture service
_TERMINALS = (
    ("WCC", "World Cruise Center", ("B91", "B92", "B93"), True, ()),
    ("WBCT", "West Basin Container Terminal", ("B100", "B102", "B121", "B126", "B131"), True,
     ("B121",)),
    ("KMLT", "Kinder Morgan Liquids Terminal", ("B118",), False, ("B118",)),
    ("TRAPAC", "TraPac", ("B136", "B139", "B144", "B147"), True, ()),
    ("P66", "Phillips 66 Marine Terminal", ("B148", "B149", "B151"), False,
     ("B148", "B149", "B151")),
    ("VALERO", "Valero Marine Terminal", ("B164",), False, ("B164",)),
    ("SHELL", "Shell Mormon Island Terminal", ("B167", "B168", "B169"), False,
     ("B167", "B168", "B169")),
    ("PASHA", "Pasha Stevedoring & Terminals", ("B174", "B177", "B181"), False, ()),
    ("WWL", "WWL Vehicle Services", ("B195", "B198", "B199"), False, ("B195", "B198", "B199")),
    ("SAR", "SA Recycling", ("B210",), False, ()),
    ("YTI", "Yusen Terminals", ("B212", "B214", "B217", "B220", "B225"), True, ()),
    ("EVERPORT", "Everport Terminal Services", ("B226", "B229", "B232", "B236"), True, ()),
    ("LAXT", "Los Angeles Export Terminal", ("B300",), False, ()),
    ("FMS", "Fenix Marine Services", ("B302", "B303", "B304", "B305"), True, ()),
    ("APMT", "APM Terminals Pier 400", ("B401", "B402", "B403", "B404", "B405", "B406"), True,
     ("B404",)),
)
_CONTAINER_TERMINALS = ("APMT", "FMS", "YTI", "EVERPORT", "TRAPAC", "WBCT")
_TYPE_TERMINALS = {  # where each vessel type can berth, in order of fallback
    "container": _CONTAINER_TERMINALS,
    "reefer": ("TRAPAC", "EVERPORT", "WBCT"),
    "passenger": ("WCC",),
    "roro": ("WWL", "PASHA"),
    "tanker": ("SHELL", "P66", "VALERO", "KMLT"),
    "bulk": ("LAXT", "SAR"),
    "general_cargo": ("PASHA",),
    "other": ("PASHA",),
}

# --- vessel types: mix, stays, timing ----------------------------------------------------------
TYPES = ("container", "passenger", "reefer", "roro", "tanker", "bulk", "general_cargo", "other")
_TYPE_WEIGHTS = (52, 8, 3, 9, 16, 5, 5, 2)
# stay in hours: low, high, mode (triangular); container's mode grows with TEU (see _stay)
_STAY_H = {
    "container": (22, 84, 40),
    "passenger": (8, 12, 10),
    "reefer": (18, 60, 30),
    "roro": (12, 30, 18),
    "tanker": (24, 48, 32),
    "bulk": (36, 110, 60),
    "general_cargo": (24, 72, 40),
    "other": (6, 48, 20),
}
_CALLS_PER_VESSEL = {  # calls a vessel makes in the month, on average (sets the pool size)
    "container": 1.15, "passenger": 4.0, "reefer": 1.3, "roro": 1.3,
    "tanker": 1.5, "bulk": 1.05, "general_cargo": 1.2, "other": 1.5,
}
_MIN_TURN_DAYS = {  # a vessel does not call again sooner than this
    "container": 14, "passenger": 3, "reefer": 10, "roro": 10,
    "tanker": 7, "bulk": 20, "general_cargo": 14, "other": 5,
}
_POOL_CAP = 4000
_SHORE_POWER_SHARE = {"container": 0.90, "passenger": 0.95, "reefer": 0.70, "roro": 0.05}
# TEU bins (Starcrest size bins) and how often each calls
_TEU_BINS = (
    (1000, 2000, 3), (2000, 3000, 3), (3000, 4000, 4), (4000, 5000, 7), (5000, 6000, 6),
    (6000, 7000, 8), (7000, 8000, 7), (8000, 9000, 12), (9000, 10000, 10), (10000, 11000, 8),
    (11000, 12000, 6), (12000, 13000, 6), (13000, 14000, 7), (14000, 15000, 6),
    (15000, 17000, 4), (17000, 20000, 3),
)
_TEU_TOTAL = sum(b[2] for b in _TEU_BINS)
_GT_RANGE = {  # gross tonnage, non-container
    "passenger": (48000, 170000), "reefer": (6000, 15000), "roro": (38000, 75000),
    "tanker": (24000, 84000), "bulk": (18000, 45000), "general_cargo": (6500, 26000),
    "other": (2800, 12000),
}
# what shore power carries while connected (kW)
_SP_LOAD_KW = {"container": (900, 2500), "passenger": (6000, 11000), "reefer": (700, 1300),
               "roro": (800, 1400)}

# --- operators (fictional) -----------------------------------------------------------------------
# code, name, fleet name stem, vessel type, name prefix, share of the type's calls, home terminals
_OPERATORS = (
    ("MPL", "Meridian Pacific Lines", "Meridian Pacific", "container", "MERIDIAN", 22,
     ("APMT", "FMS")),
    ("OCL", "Ocean Crescent Line", "Ocean Crescent", "container", "CRESCENT", 18,
     ("YTI", "EVERPORT")),
    ("HNC", "Hanse Nordic Container", "Hanse Nordic", "container", "HANSE", 14,
     ("TRAPAC", "WBCT")),
    ("FSM", "Formosa Star Marine", "Formosa Star", "container", "FORMOSA", 14,
     ("EVERPORT", "WBCT")),
    ("HOS", "Han Ocean Shipping", "Han Ocean", "container", "HAN", 12, ("FMS", "APMT")),
    ("TPX", "Trans-Pacific Express", "Trans-Pacific Express", "container", "TPX", 12,
     ("WBCT", "YTI")),
    ("NAA", 'Naviera "Andes Austral" S.A.', "Andes Austral", "container", "ANDES", 8,
     ("TRAPAC", "FMS")),
    ("CSL", "Coral Sea Lines", "Coral Sea", "container", "CORAL", 0, ("WBCT",)),  # scripted
    ("PHC", "Pacific Horizon Cruises", "Pacific Horizon", "passenger", "PACIFIC", 50, ("WCC",)),
    ("SCL", "Solara Cruise Line", "Solara", "passenger", "SOLARA", 30, ("WCC",)),
    ("AZV", "Azure Coast Voyages", "Azure Coast", "passenger", "AZURE", 20, ("WCC",)),
    ("PFR", "Polar Fruit Reefers", "Polar Fruit", "reefer", "POLAR", 60, ("TRAPAC", "EVERPORT")),
    ("CFC", "Cool Fresh Carriers", "Cool Fresh", "reefer", "FRESH", 40, ("EVERPORT", "WBCT")),
    ("NCC", "Nordlys Car Carriers", "Nordlys", "roro", "NORDLYS", 55, ("WWL",)),
    ("OAE", "Orient Auto Express", "Orient Auto", "roro", "ORIENT", 45, ("WWL",)),
    ("GST", "Golden Strait Tankers", "Golden Strait", "tanker", "GOLDEN", 40, ("SHELL", "P66")),
    ("WPC", "Westcoast Product Carriers", "Westcoast", "tanker", "WESTCOAST", 35,
     ("VALERO", "KMLT")),
    ("ACM", "Aegean Crest Maritime", "Aegean Crest", "tanker", "AEGEAN", 25,
     ("P66", "SHELL", "KMLT")),
    ("BAB", "Blue Anchor Bulk", "Blue Anchor", "bulk", "BLUE", 100, ("LAXT", "SAR")),
    ("HBS", "Harbor Breakbulk Services", "Harbor Breakbulk", "general_cargo", "HARBOR", 100,
     ("PASHA",)),
    ("PHL", "Pacific Heavy Lift", "Pacific Heavy Lift", "other", "HEAVY", 100, ("PASHA",)),
)
_FLEET_WORD = {"container": "Container", "passenger": "Cruise", "reefer": "Reefer",
               "roro": "Ro-Ro", "tanker": "Tanker"}
_SMALL_FLEET_PREVIOUS_YEAR = 24  # Coral Sea: 5 % of 24 = 1.2 -> 1 VIE

# --- approved capture systems (fictional Executive Orders) -------------------------------------
_SYS_BARGE_A = "EO-AB-SAMPLE-01"
_SYS_BARGE_B = "EO-AB-SAMPLE-02"
_SYS_EXPIRING = "EO-AB-SAMPLE-03"
_SYS_LAND = "EO-AB-SAMPLE-04"
_SYS_UNLISTED = "EO-AB-SAMPLE-99"
_PROVIDER = {
    _SYS_BARGE_A: "STAX Engineering",
    _SYS_BARGE_B: "Clean Air Engineering-Maritime",
    _SYS_EXPIRING: "Clean Air Engineering-Maritime",
    _SYS_LAND: "STAX Engineering",
    _SYS_UNLISTED: "Harborline Emissions Services",
}
_UTC_PROVIDERS = ("Clean Air Engineering-Maritime",)  # its logger exports UTC (`Z`) times

_RANDOM_IMOS = 45000  # beyond this many ships, IMO numbers come from a fixed sequence
_HOMES = {  # (vessel type, preferred terminal) -> terminals to try, preferred first
    (vtype, first): (first, *[t for t in terminals if t != first])
    for vtype, terminals in _TYPE_TERMINALS.items() for first in terminals
}
_ISO_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def imo_is_valid(imo: str) -> bool:
    return len(imo) == 7 and imo.isdigit() and imo_check_digit(imo[:6]) == int(imo[6])


@dataclass(slots=True)
class _Vessel:
    imo: str
    name: str
    vtype: str
    op_code: str
    operator: str
    fleet: str
    home: tuple[str, ...]  # terminals, preferred first
    gt: int
    teu: int
    tier: str
    capable: bool
    first_timer: bool = False  # shore power not yet commissioned here before its first call
    last_dep: int = -(10**9)


@dataclass
class _Problem:
    code: str
    file: str
    row: int
    column: str
    value: str
    why: str


@dataclass
class _State:
    """Counters the stream keeps."""

    rows: dict[str, int] = field(default_factory=dict)  # file stem -> last row number written
    fleet_vies: dict[str, int] = field(default_factory=dict)
    terminal_visits: dict[str, int] = field(default_factory=dict)
    tie_terminals: list[str] = field(default_factory=list)
    problems: list[_Problem] = field(default_factory=list)


def would_overwrite(out_dir: Path, *, port: str = "USLAX", dirty: bool = False) -> list[Path]:
    """The files `generate` would write that already exist in `out_dir` (`sample --out`
    refuses to overwrite them without --force)."""
    stems = EU_FILES if port in EU_LAYOUTS else tuple(FILES)
    names = [f"{stem}.csv" for stem in stems] + (["README.md"] if dirty else [])
    return [Path(out_dir) / n for n in names if (Path(out_dir) / n).exists()]


def generate(
    out_dir: Path,
    *,
    visits: int = 200,
    seed: int = 2026,
    month: str = "2026-10",
    port: str = "USLAX",
    dirty: bool = False,
) -> dict[str, Path]:
    """Write one month of sample data into `out_dir`; return {file stem: path}.

    `visits` calls depart in `month` (port-local time); two more arrive at the end of the month
    and leave just after it, across a DST change when there is one (2026-10: US DST ends
    2026-11-01). `dirty=True` plants about a dozen data-quality problems, each listed with
    its file, row and column in a README.md written beside the files.

    `port` picks the layout: an EU port with a layout of its own (NLRTM, Rotterdam: the FuelEU
    Maritime Art. 6 sample, berthcheck/sample_eu.py), a Chinese one (CNSHA, Shanghai: the
    cn-shore-power sample, berthcheck/sample_cn.py) or, for any other port, the Los Angeles
    layout.
    """
    if visits < 0:
        raise UsageError("visits must be >= 0")
    if not _ISO_MONTH.match(month):
        raise UsageError(f"month must look like YYYY-MM, not {month!r}")
    if port in CN_PORTS:  # China's shore-power sample (berthcheck/sample_cn.py)
        if dirty:
            raise UsageError("--dirty is available for the Los Angeles layout only")
        return generate_cn(Path(out_dir), visits=visits, seed=seed, month=month, port=port)
    if port in EU_LAYOUTS:
        if dirty:
            raise UsageError("--dirty is available for the Los Angeles layout only")
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        return EuGenerator(visits=visits, seed=seed, month=month, port=port).run(out_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = _Generator(visits=visits, seed=seed, month=month, port=port, dirty=dirty)
    paths = gen.run(out_dir)
    if dirty:
        _write_dirty_readme(out_dir / "README.md", gen.state.problems, gen)
    return paths


class _Generator(PortMonth):
    def __init__(self, *, visits: int, seed: int, month: str, port: str, dirty: bool):
        super().__init__(visits=visits, seed=seed, month=month, port=port)
        self.seed = seed
        self.month = month
        self.dirty = dirty
        cutoff = datetime(REPORT_CUTOFF.year, REPORT_CUTOFF.month, REPORT_CUTOFF.day,
                          REPORT_CUTOFF.hour, REPORT_CUTOFF.minute, tzinfo=self.tz)
        self.report_cap = epoch_minute(cutoff) if self.start <= epoch_minute(cutoff) else None
        self.expiry = self.first_day + timedelta(days=14)  # EO-AB-SAMPLE-03 ends on the 15th
        self.terminals = {t[0]: t for t in _TERMINALS}
        self.shore_berths = {b for t in _TERMINALS if t[3] for b in t[2]}
        self.capture_berths = {b for t in _TERMINALS for b in t[4]}
        self.berth_free: dict[str, int] = {b: -(10**9) for t in _TERMINALS for b in t[2]}
        self.state = _State()
        self.seq = 0

    # --- set-up ---------------------------------------------------------------------------
    def _draw_types(self) -> list[int]:
        """Each call's departure minute and type, as sortable ints (minute * 8 + type)."""
        rng = self.rng
        cum, total = [], 0
        for w in _TYPE_WEIGHTS:
            total += w
            cum.append(total)
        span = self.end - self.start
        # local midnight of each day, read off the offset at noon (after any 02:00 change)
        noon_base = [
            epoch_minute(datetime.combine(self.first_day + timedelta(days=d), datetime.min.time())
                    .replace(hour=12, tzinfo=self.tz)) - 720
            for d in range(self.days)
        ]
        passenger = TYPES.index("passenger")
        codes = []
        rand = rng.random
        for _ in range(self.n):
            x = rand() * total
            t = 0
            while cum[t] <= x:
                t += 1
            if t == passenger:  # cruise ships sail late afternoon
                minute = noon_base[int(rand() * self.days)] + 16 * 60 + int(rand() * 151)
            else:
                minute = self.start + int(rand() * span)
            codes.append(minute * 8 + t)
        codes.sort()
        return codes

    def _build_fleet(self, counts: dict[str, int]) -> None:
        rng = self.rng
        self.used_imo: set[int] = set()
        self.imo_sequence = 0
        self.pools: dict[str, list[_Vessel]] = {t: [] for t in TYPES}
        self.type_ops: dict[str, list[tuple]] = {}
        self.op_cum: dict[str, list[int]] = {}
        self.names: dict[str, tuple[list[str], list[int]]] = {}  # op -> (words, [next])
        self.idle: dict[str, deque[tuple[int, _Vessel]]] = {t: deque() for t in TYPES}
        self.tries = 5 if self.n <= 20000 else 2  # random picks before the queue
        self.reserved: dict[str, _Vessel] = {}
        self.granted: dict[str, int] = {}  # fleet -> VIEs granted for the year
        self.fleet_previous_year: dict[str, int] = {}  # fleet -> its visits the year before
        for vtype in TYPES:
            ops = self.type_ops[vtype] = [op for op in _OPERATORS if op[3] == vtype and op[5]]
            self.op_cum[vtype] = list(itertools.accumulate(op[5] for op in ops))
            n_type = counts[vtype]
            share_total = sum(op[5] for op in ops)
            size = min(_POOL_CAP, max(len(ops), math.ceil(n_type / _CALLS_PER_VESSEL[vtype])))
            for op in ops:
                for _ in range(max(1, round(size * op[5] / share_total))):
                    self.pools[vtype].append(self._new_vessel(op))
                if vtype in _FLEET_WORD:
                    # a plausible previous-year count of the fleet's California visits
                    expected = n_type * op[5] / share_total
                    previous_year = round(expected * 12 * rng.uniform(0.85, 1.15))
                    fleet = f"{op[2]} {_FLEET_WORD[vtype]} Fleet"
                    self.granted[fleet] = _round_half_up(previous_year * 0.05)
                    self.fleet_previous_year[fleet] = previous_year
        ops = {op[0]: op for op in _OPERATORS}
        # scripted ships: the small fleet, a first-time caller, names downstream must escape
        for key, op, word in (
            ("coral1", "CSL", "ENDEAVOUR"), ("coral2", "CSL", "MERIDA"),
            ("newcomer", "TPX", "AURELIA"), ("anna", "MPL", "ANNA & LUCIA"),
            ("luebeck", "HNC", "LÜBECK"),
        ):
            v = self.reserved[key] = self._new_vessel(ops[op], word)
            v.capable, v.first_timer = True, False
        self.reserved["newcomer"].first_timer = True
        self.granted["Coral Sea Container Fleet"] = _round_half_up(
            _SMALL_FLEET_PREVIOUS_YEAR * 0.05
        )
        self.fleet_previous_year["Coral Sea Container Fleet"] = _SMALL_FLEET_PREVIOUS_YEAR

    def _new_imo(self) -> str | None:
        """A unique IMO number with a valid check digit; None when all are taken."""
        if self.imo_sequence == 0 and len(self.used_imo) < _RANDOM_IMOS:
            # 9xxxxxx like most ships in service, drawn at random
            rand = self.rng.random
            while True:
                six = 900000 + int(rand() * 90000)
                if six not in self.used_imo:
                    self.used_imo.add(six)
                    return f"{six}{_check_digit(six)}"
        # benchmark-sized fleets: walk 100000..899999 in a fixed scrambled order, no repeats
        k = self.imo_sequence
        if k >= 800000:
            return None
        self.imo_sequence += 1
        six = 100000 + k * 350377 % 800000
        return f"{six}{_check_digit(six)}"

    def _new_vessel(self, op: tuple, word: str | None = None) -> _Vessel | None:
        rng = self.rng
        rand = rng.random
        code, opname, stem, vtype, prefix, _share, homes = op
        imo = self._new_imo()
        if imo is None:
            return None
        if word is None:  # the operator's next name: PREFIX WORD, then PREFIX WORD 2, ...
            if code not in self.names:
                words = list(NAME_WORDS)
                rng.shuffle(words)
                self.names[code] = (words, [0])
            words, counter = self.names[code]
            j = counter[0]
            counter[0] += 1
            word = words[j % len(words)] + (f" {j // len(words) + 1}" if j >= len(words) else "")
        if vtype == "container":
            x = rand() * _TEU_TOTAL
            for size_bin in _TEU_BINS:
                x -= size_bin[2]
                if x < 0:
                    break
            lo, hi = size_bin[0], size_bin[1]
            teu = lo + int(rand() * (hi - lo) / 10) * 10
            gt = int(teu * (9.4 + 1.8 * rand())) // 10 * 10
        else:
            teu = 0
            lo, hi = _GT_RANGE[vtype]
            gt = lo + int(rand() * (hi - lo) / 10) * 10
        x = rand() * 100
        tier = "0" if x < TIER_CUM[0] else "1" if x < TIER_CUM[1] else \
            "2" if x < TIER_CUM[2] else "3"
        capable = rand() < _SHORE_POWER_SHARE.get(vtype, 0.0)
        if vtype == "roro":  # a fifth of the car carriers use Pasha's low-activity berths
            first = "PASHA" if rand() < 0.2 else "WWL"
        else:
            first = homes[int(rand() * len(homes))]
        home = _HOMES[vtype, first]
        fleet = ""
        independent = vtype == "container" and rand() < 0.04  # chartered, in no fleet
        if vtype in _FLEET_WORD and not independent:
            fleet = f"{stem} {_FLEET_WORD[vtype]} Fleet"
        return _Vessel(
            imo=imo, name=f"{prefix} {word}", vtype=vtype, op_code=code,
            operator=opname, fleet=fleet, home=home, gt=gt, teu=teu, tier=tier,
            capable=capable, first_timer=capable and rand() < 0.03,
        )

    def _scenarios(self, counts: dict[str, int]) -> dict[tuple[int, int], str]:
        """(type index, ordinal among that type's calls) -> scripted scenario."""
        plan = {
            "container": (
                (0.10, "coral_late_vie"), (0.20, "commissioning"), (0.25, "no_rtw"),
                (0.35, "gap_emergency"), (0.40, "no_pob"), (0.45, "anna"),
                (0.55, "coral_never_vie"), (0.62, "luebeck"), (0.70, "tie"), (0.85, "research"),
            ),
            "passenger": ((0.3, "alias:cruise"), (0.5, "early_emergency"), (0.8, "no_pob")),
            "reefer": ((0.5, "alias:refrigerated cargo"),),
            "roro": ((0.2, "alias:Ro-Ro"), (0.6, "alias:vehicle carrier")),
            "tanker": (
                (0.3, "late_remediation"), (0.45, "unlisted_system"), (0.6, "capture_gap"),
                (0.8, "expired_system"), (0.9, "missing_ppm"),
            ),
            "general_cargo": ((0.5, "alias:General Cargo"),),
        }
        out: dict[tuple[int, int], str] = {}
        for vtype, items in plan.items():
            t, n_t = TYPES.index(vtype), counts[vtype]
            for frac, name in items:
                k = int(n_t * frac)
                while (t, k) in out and k < n_t:
                    k += 1
                if k < n_t:
                    out[(t, k)] = name
        return out

    # --- the stream -----------------------------------------------------------------------
    def run(self, out_dir: Path) -> dict[str, Path]:
        codes = self._draw_types()
        counts = dict.fromkeys(TYPES, 0)
        for c in codes:
            counts[TYPES[c & 7]] += 1
        self._build_fleet(counts)
        scenarios = self._scenarios(counts)
        paths = {stem: out_dir / f"{stem}.csv" for stem in FILES}
        # every file appears complete, together, or none does (berthcheck.atomic)
        files = atomic.FileSet(what="sample data")
        handles = {stem: files.open(p) for stem, p in paths.items()}
        failed = True
        try:
            self.w = {}
            for stem, fh in handles.items():
                self.w[stem] = csv.writer(fh, lineterminator="\n")
                self.w[stem].writerow(FILES[stem].column_names)
                self.state.rows[stem] = 1
            self.w_visits = self.w["visits"].writerow
            self.w_sp = self.w["shore_power"].writerow
            self.w_capture = self._count_capture
            self._write_berths()
            self._write_caecs()
            self.dirty_next = 0
            ordinals = [0] * len(TYPES)
            for code in codes:
                t = code & 7
                self._visit(code >> 3, TYPES[t], scenarios.get((t, ordinals[t])))
                ordinals[t] += 1
            self._dst_calls()
            if self.dirty:
                self._orphan_capture()
            self._write_terminals()
            self._write_allowances()
            failed = False
        finally:
            files.__exit__(RuntimeError if failed else None, None, None)
        return paths

    def _pick_vessel(self, vtype: str, arr: int, *, plug: bool = False) -> _Vessel:
        """A ship of the type that is not at berth elsewhere then (nor just left); a new one
        joins the pool when a few random tries find none. `plug`: shore power, commissioned."""
        pool = self.pools[vtype]
        gap = _MIN_TURN_DAYS[vtype] * 1440
        rand, size = self.rng.random, len(pool)
        for _ in range(self.tries):
            v = pool[int(rand() * size)]
            if v.last_dep + gap <= arr and (not plug or (v.capable and not v.first_timer)):
                return v
        # the ship that left longest ago (calls are made in order of departure, so the queue
        # of (departure, ship) stays sorted; entries of ships that called again are stale)
        idle = self.idle[vtype]
        while idle and idle[0][1].last_dep != idle[0][0]:
            idle.popleft()
        if idle and not plug and idle[0][0] + gap <= arr:
            return idle.popleft()[1]
        ops, cum = self.type_ops[vtype], self.op_cum[vtype]
        while True:
            op = ops[bisect.bisect_right(cum, rand() * cum[-1])]
            fresh = self._new_vessel(op)
            if fresh is None:  # every IMO number is taken: reuse a ship after all
                return v
            pool.append(fresh)
            if not plug or (fresh.capable and not fresh.first_timer):
                return fresh

    def _pick_berth(self, v: _Vessel, arr: int, dep: int) -> tuple[str, str]:
        free = self.berth_free
        terminals = self.terminals
        chosen = None
        for term in v.home:
            for b in terminals[term][2]:
                if free[b] <= arr:
                    chosen = (term, b)
                    break
            if chosen:
                break
        if chosen is None:  # all busy: the home terminal's berth that frees first
            term = v.home[0]
            chosen = (term, min(terminals[term][2], key=lambda b: (free[b], b)))
        free[chosen[1]] = max(free[chosen[1]], dep)
        return chosen

    def _visit(self, dep: int, vtype: str, scen: str | None, fixed: dict | None = None) -> None:
        """Make one call and write its rows. `fixed` pins times, vessel, sessions (DST calls)."""
        rng = self.rng
        rand = rng.random
        st = self.state
        fixed = fixed or {}
        if fixed:
            arr, rtw, pob = fixed["arr"], fixed["rtw"], fixed["pob"]
        else:
            lo, hi, mode = _STAY_H[vtype]
            arr = dep - int(rng.triangular(lo * 60, hi * 60, mode * 60))
            if vtype == "passenger":
                rtw, pob = arr + 30 + int(rand() * 31), dep - 30 - int(rand() * 31)
            else:
                rtw, pob = arr + 30 + int(rand() * 151), dep - 30 - int(rand() * 61)
        if scen in _RESERVED:
            vessel = self.reserved[_RESERVED[scen]]
        else:
            vessel = fixed.get("vessel") or self._pick_vessel(vtype, arr)
        if vessel.last_dep < dep:
            vessel.last_dep = dep
            if scen not in _RESERVED:
                self.idle[vtype].append((dep, vessel))
        term, berth = self._pick_berth(vessel, arr, dep)
        st.terminal_visits[term] = st.terminal_visits.get(term, 0) + 1
        self.seq += 1
        vid = self.prefix + str(self.seq).zfill(self.width)

        is_commissioned = False
        if vessel.capable:
            is_commissioned = not vessel.first_timer
            vessel.first_timer = False  # commissioned during (or before) this call

        # --- control: shore power or capture ---------------------------------------------
        sp_sessions: list[tuple[int, int]] = []
        cc_sessions: list[tuple[int, int]] = []
        pattern = "none"
        sp_possible = vessel.capable and berth in self.shore_berths and vtype in _SP_LOAD_KW
        if sp_possible and (is_commissioned or scen == "commissioning"):
            pattern = _SP_SCENARIO_PATTERN.get(scen) or draw(rand(), _SP_PATTERNS)
            sp_sessions = fixed.get("sessions") or self._sessions(
                pattern, arr, rtw, pob, dep, vtype == "passenger")
            if not sp_sessions:
                pattern = "never"
        elif berth in self.capture_berths and (
            vtype in ("tanker", "roro") or (vtype == "container" and not vessel.capable)
        ):
            if rand() < _CAPTURE_SERVED[vtype] or scen in _CC_SCENARIO_PATTERN or fixed:
                pattern = _CC_SCENARIO_PATTERN.get(scen) or draw(rand(), _CC_PATTERNS)
                cc_sessions = fixed.get("sessions") or self._sessions(
                    pattern, arr, rtw, pob, dep, False)

        # --- events ----------------------------------------------------------------------
        events: list[tuple[str, int | None, int | None, str, str]] = []
        if scen in ("coral_late_vie", "coral_never_vie"):
            events.append(self._vie(vessel, "Shore power receptacle fault on board; fleet "
                                    "representative assigned a VIE"))
        elif scen == "tie":
            st.tie_terminals.append(term)
            n_tie = st.tie_terminals.count(term)
            events.append(("tie", None, None, f"TIE-{self.year}-{term}-{n_tie:03d}",
                           f"AMP vault at berth {berth} out of service (terminal equipment "
                           "repair)"))
        elif scen == "gap_emergency" and len(sp_sessions) == 2:
            events.append(("emergency", sp_sessions[0][1] - 10, sp_sessions[1][0] + 5,
                           "EMG-SAMPLE-01",
                           'Utility event: SCE "Flex Alert" load shed <stage 2> & vessel back on '
                           "auxiliary engines; logged by chief engineer J. Müller"))
        elif scen == "early_emergency" and sp_sessions and sp_sessions[-1][1] < pob - 60:
            events.append(("emergency", sp_sessions[-1][1], pob - 60, "EMG-SAMPLE-02",
                           "Gale warning: master ordered shore power cables disconnected "
                           "for the safety of crew and terminal staff"))
        elif scen == "commissioning":
            events.append(("commissioning", None, None, f"COMM-{term}-{self.year}-01",
                           "First call of this vessel at the terminal; shore power "
                           "commissioned and connected successfully"))
        elif scen == "research":
            events.append(("research", None, None, f"RES-SAMPLE-{self.year}-01",
                           "Participating in an approved at-berth emissions research "
                           "programme (illustrative)"))
        elif scen == "late_remediation" and cc_sessions and cc_sessions[0][0] > rtw + 120:
            events.append(("remediation", rtw + 120, cc_sessions[0][0],
                           f"RF-SAMPLE-{self.year}-0001",
                           "Capture barge delayed by another call; remediation fund payment"))
        elif (pattern in ("late", "early", "never") and vtype in ("container", "reefer")
              and vessel.fleet and rand() < 0.35
              and st.fleet_vies.get(vessel.fleet, 0) < self.granted.get(vessel.fleet, 0)):
            events.append(self._vie(vessel, _VIE_NOTES[pattern]))

        # --- the visit row -----------------------------------------------------------------
        explicit = rand() < 0.10
        fmt = self.clock.local
        out_type = vtype
        if scen and scen.startswith("alias:"):
            out_type = scen[6:]
        elif vtype in _RANDOM_ALIAS and rand() < 0.02:
            out_type = _RANDOM_ALIAS[vtype]
        missing_rtw = scen == "no_rtw" or (not scen and not fixed and rand() < 0.015)
        missing_pob = scen == "no_pob" or (not scen and not fixed and rand() < 0.02)
        aux = ""
        if rand() < 0.15:
            aux = str(int(aux_default(vtype, vessel.teu) * rng.uniform(0.8, 1.25)) // 10 * 10)
        boiler = ""
        if rand() < (0.15 if vtype == "tanker" else 0.01):
            kw = rng.uniform(2400, 3400) if vtype == "tanker" else rng.uniform(250, 650)
            boiler = str(int(kw) // 10 * 10)
        yes, no = ("yes", "no") if self.seq % 61 == 17 else ("true", "false")
        row = [
            vid, vessel.imo, vessel.name, out_type, vessel.fleet, vessel.operator, self.port,
            term, berth, fmt(arr, explicit), "" if missing_rtw else fmt(rtw, explicit),
            "" if missing_pob else fmt(pob, explicit), fmt(dep, explicit),
            yes if vessel.capable else no,
            (yes if is_commissioned else no) if vessel.capable else "",
            vessel.tier if rand() > 0.02 else "", str(vessel.gt),
            str(vessel.teu) if vessel.teu else "", aux, boiler, self._reported(dep),
            # tanker size for the Starcrest load bins: deadweight about 1.7 x gross tonnage
            str(vessel.gt * 17 // 100 * 10) if vtype == "tanker" else "", "", "",
        ]
        quiet = not (sp_sessions or cc_sessions or events or scen or fixed)
        if self.dirty:
            self._emit_visit(row, quiet)
        else:
            self.w_visits(row)

        # --- session and event rows ----------------------------------------------------------
        for k, (s, e) in enumerate(sp_sessions, 1):
            lo_kw, hi_kw = _SP_LOAD_KW[vtype]
            kw = rng.uniform(lo_kw, hi_kw)
            energy = "" if rand() < 0.02 else f"{kw * (e - s) / 60 * rng.uniform(0.92, 1.08):.1f}"
            ex = rand() < 0.08
            meter = f"AMP-{berth}-HV" if vtype == "passenger" else f"AMP-{berth}"
            sp_row = [f"{vid}-SP{k}", vid, fmt(s, ex), fmt(e, ex), energy, meter]
            if self.dirty:
                self._emit_sp(sp_row, len(sp_sessions) == 1 and pattern == "ok" and not fixed)
            else:
                self.w_sp(sp_row)
        if cc_sessions:
            system = fixed.get("system") or _SYSTEM_SCENARIO.get(scen)
            if system is None:
                x = rand()
                if vtype == "roro":
                    system = _SYS_LAND if x < 0.5 else _SYS_BARGE_A if x < 0.9 else _SYS_EXPIRING
                else:
                    system = (_SYS_BARGE_A if x < 0.5 else _SYS_BARGE_B if x < 0.87
                              else _SYS_EXPIRING if x < 0.97 else _SYS_UNLISTED)
            provider = _PROVIDER[system]
            for k, (s, e) in enumerate(cc_sessions, 1):
                if provider in _UTC_PROVIDERS:
                    start, end = self.clock.utc(s), self.clock.utc(e)
                else:
                    ex = rand() < 0.08
                    start, end = fmt(s, ex), fmt(e, ex)
                inlet = f"{rng.uniform(800, 1200):.0f}"
                outlet = f"{rng.uniform(20, 80):.1f}"
                if scen == "missing_ppm" and k == 1:
                    outlet = ""
                elif rand() < 0.04:
                    inlet, outlet = ("", "") if rand() < 0.5 else (inlet, "")
                self.w_capture([f"{vid}-CC{k}", vid, system, provider, start, end, inlet,
                                outlet])
        for k, (kind, s, e, ref, note) in enumerate(events, 1):
            ex = rand() < 0.08
            self._write("events", [
                f"{vid}-EV{k}", vid, kind, "" if s is None else fmt(s, ex),
                "" if e is None else fmt(e, ex), ref, note,
            ])

    def _vie(self, vessel: _Vessel, note: str) -> tuple[str, None, None, str, str]:
        st = self.state
        n = st.fleet_vies.get(vessel.fleet, 0) + 1
        st.fleet_vies[vessel.fleet] = n
        return ("vie", None, None, f"VIE-{self.year}-{vessel.op_code}-{n:03d}", note)

    def _sessions(self, pattern: str, arr: int, rtw: int, pob: int, dep: int,
                  quick: bool) -> list[tuple[int, int]]:
        """Control sessions for one visit, inside [arrival, departure], not overlapping."""
        if pattern in ("never", "none"):
            return []
        rand = self.rng.random
        start = rtw + (20 + int(rand() * 41) if quick else 30 + int(rand() * 91))
        end = pob - 20 - int(rand() * 41)  # in the last hour before the pilot boards: on time
        if pattern == "late":
            start = rtw + 120 + 10 + int(rand() * 351)
        elif pattern == "early":
            end = pob - 60 - 10 - int(rand() * 171)
        start, end = max(start, arr + 5), min(end, dep - 5)
        if end - start < 30:
            return []
        if pattern == "gap":
            gap = 15 + int(rand() * 226)
            mid = start + int((end - start) * self.rng.uniform(0.3, 0.7))
            if mid - start >= 30 and end - (mid + gap) >= 30:
                return [(start, mid), (mid + gap, end)]
        return [(start, end)]

    def _reported(self, dep: int) -> str:
        rand = self.rng.random
        x = rand()
        if x < 0.10:
            return ""  # not reported yet
        if x < 0.14:
            when = dep + 31 * 1440 + int(rand() * 14 * 1440)
        else:
            when = dep + 1440 + int(rand() * 24 * 1440)
        if self.report_cap is not None and when > self.report_cap:
            return ""
        return self.clock.local(when)

    # --- the two calls across the month's end (and DST change) -----------------------------
    def _dst_calls(self) -> None:
        """Two calls that arrive before the month ends and leave just after it (so they belong
        to the next month), across the zone's offset change when one falls there."""
        t = self._transition_near(self.end)
        ref = t if t is not None else self.end
        after = max(ref, self.end)
        rng = self.rng
        # a container ship plugged in across the change
        dep = after + 8 * 60 + rng.randint(0, 50)
        arr = ref - 36 * 60 - rng.randint(0, 50)
        v = self._pick_vessel("container", arr, plug=True)
        self._visit(dep, "container", None, fixed={
            "arr": arr, "rtw": arr + 90, "pob": dep - 60, "vessel": v,
            "sessions": [(arr + 150, dep - 100)]})
        # a tanker whose capture starts in the repeated hour (so it is written with its offset)
        rtw = ref - 100
        pob = ref + 20 * 60 + 10
        self._visit(ref + 21 * 60, "tanker", None, fixed={
            "arr": rtw - 100, "rtw": rtw, "pob": pob, "system": _SYS_BARGE_A,
            "vessel": self._pick_vessel("tanker", rtw - 100),
            "sessions": [(ref - 25, pob - 40)]})

    def _transition_near(self, minute: int) -> int | None:
        """The UTC minute of a zone offset change within two days of `minute`, if any."""
        def offset(m: int):
            return (EPOCH + timedelta(minutes=m)).astimezone(self.tz).utcoffset()

        lo, hi = minute - 2 * 1440, minute + 2 * 1440
        if offset(lo) == offset(hi):
            return None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if offset(mid) == offset(lo):
                lo = mid
            else:
                hi = mid
        return hi

    # --- writing ---------------------------------------------------------------------------
    def _write(self, stem: str, row: list[str]) -> int:
        """Write a row and return its row number (header = 1). The hot path of a clean run
        writes visits, sessions and capture rows straight to their writers instead; row
        numbers matter only for the dirty README, and capture's orphan row is written last
        after counting the file's rows."""
        self.w[stem].writerow(row)
        self.state.rows[stem] += 1
        return self.state.rows[stem]

    def _emit_visit(self, row: list[str], quiet: bool) -> None:
        if not (self.dirty and quiet and self.dirty_next < len(_VISIT_PROBLEMS)
                and self.seq >= (self.dirty_next + 1) * self.n // 12):
            self._write("visits", row)
            return
        code = _VISIT_PROBLEMS[self.dirty_next]
        self.dirty_next += 1
        col = VISITS.column_names.index
        plant = self._plant_visit(code, row, col)
        if plant is None:
            self._write("visits", row)
            return
        column, why = plant
        if code == "duplicate_id":
            self._write("visits", row)
            dup = list(row)
            dup[col("berth")] = _other_berth(self.terminals[row[col("terminal")]][2],
                                             row[col("berth")])
            dup[col("reported_at")] = ""
            n = self._write("visits", dup)
            self._problem(code, "visits", n, column, dup[col(column)], why)
            return
        n = self._write("visits", row)
        self._problem(code, "visits", n, column, row[col(column)], why)

    def _plant_visit(self, code: str, row: list[str], col) -> tuple[str, str] | None:
        if code == "bad_imo":
            imo = row[col("imo")]
            row[col("imo")] = imo[:6] + str((int(imo[6]) + 3) % 10)
            return "imo", "check digit does not match the first six digits"
        if code == "unknown_type":
            row[col("vessel_type")] = "submarine"
            return "vessel_type", "not a vessel type of the contract nor an accepted alias"
        if code == "departure_before_arrival":
            arr = row[col("arrival")]
            m = self._parse_local(arr)
            row[col("departure")] = self.clock.local(m - 180, "T" in arr)
            row[col("ready_to_work")] = row[col("pilot_on_board")] = ""
            return "departure", "departure is three hours before arrival"
        if code == "ambiguous_time":
            t = self._fall_back_after(self.start)
            if t is None:
                return None
            wall = (EPOCH + timedelta(minutes=t + 30)).astimezone(self.tz)
            row[col("reported_at")] = f"{wall:%Y-%m-%d %H:%M}"
            return "reported_at", ("naive local time in the repeated fall-back hour: it happens "
                                   "twice, so it names no single instant")
        if code == "nonexistent_time":
            gap = self._spring_gap_after(self.start)
            if gap is None:
                return None
            row[col("reported_at")] = gap
            return "reported_at", ("naive local time inside the spring-forward gap: clocks jump "
                                   "from 02:00 to 03:00, so it never happened")
        if code == "bad_bool":
            row[col("shore_power_capable")] = "maybe"
            return "shore_power_capable", "not a boolean (true/false/yes/no/y/n/1/0)"
        if code == "bad_port":
            row[col("port")] = self.port[2:]
            return "port", "not a UN/LOCODE (5 characters: country + location)"
        if code == "duplicate_id":
            return "visit_id", ("visit_id already used by the row above, with a different berth "
                                "(different content)")
        raise AssertionError(code)

    def _emit_sp(self, row: list[str], single_ok: bool) -> None:
        st = self.state
        if self.dirty and single_ok:
            done = {p.code for p in st.problems}
            if "negative_energy" not in done and self.seq >= self.n // 4 and row[4]:
                row[4] = "-" + row[4]
                n = self._write("shore_power", row)
                self._problem("negative_energy", "shore_power", n, "energy_kwh", row[4],
                              "metered energy must be >= 0")
                return
            if "overlapping_sessions" not in done and self.seq >= self.n // 2:
                self._write("shore_power", row)
                s = self._parse_local(row[2])
                e = self._parse_local(row[3])
                second = [row[0][:-1] + "2", row[1], self.clock.local(s + 120),
                          self.clock.local(min(s + 300, e - 10)), "", row[5]]
                n = self._write("shore_power", second)
                self._problem("overlapping_sessions", "shore_power", n, "connected", second[2],
                              f"overlaps session {row[0]} of the same visit (row {n - 1})")
                return
        self._write("shore_power", row)

    def _count_capture(self, row: list[str]) -> None:
        self.w["capture"].writerow(row)
        self.state.rows["capture"] += 1

    def _orphan_capture(self) -> None:
        vid = f"{self.prefix}{'9' * self.width}"
        m = self.end - 30 * 60
        row = [f"{vid}-CC1", vid, _SYS_BARGE_A, _PROVIDER[_SYS_BARGE_A],
               self.clock.local(m - 600), self.clock.local(m), "1010", "41.0"]
        n = self._write("capture", row)
        self._problem("unknown_visit", "capture", n, "visit_id", vid,
                      "no visit with this visit_id exists")

    def _problem(self, code, file, row, column, value, why) -> None:
        self.state.problems.append(_Problem(code, f"{file}.csv", row, column, value, why))

    def _parse_local(self, text: str) -> int:
        """Back from a string this generator wrote to epoch minutes."""
        if "T" in text:
            return epoch_minute(datetime.fromisoformat(text.replace("Z", "+00:00")))
        return epoch_minute(datetime.fromisoformat(text).replace(tzinfo=self.tz))

    def _fall_back_after(self, minute: int) -> int | None:
        """UTC minute where the first fall-back after `minute` starts repeating local time."""
        for day in range(0, 400, 2):
            t = self._transition_near(minute + day * 1440 + 1440)
            if t is not None:
                before = (EPOCH + timedelta(minutes=t - 1)).astimezone(self.tz).utcoffset()
                after = (EPOCH + timedelta(minutes=t)).astimezone(self.tz).utcoffset()
                if after < before:
                    return t  # local time repeats from here (the second pass)
        return None

    def _spring_gap_after(self, minute: int) -> str | None:
        """A naive local time that does not exist: the middle of the next spring-forward gap."""
        for day in range(0, 400, 2):
            t = self._transition_near(minute + day * 1440 + 1440)
            if t is not None:
                before = (EPOCH + timedelta(minutes=t - 1)).astimezone(self.tz).utcoffset()
                after = (EPOCH + timedelta(minutes=t)).astimezone(self.tz).utcoffset()
                if after > before:
                    wall = (EPOCH + timedelta(minutes=t)).astimezone(self.tz).replace(
                        tzinfo=None) - (after - before) / 2
                    return f"{wall:%Y-%m-%d %H:%M}"
        return None

    # --- reference tables ----------------------------------------------------------------------
    def _write_berths(self) -> None:
        for code, _name, berths, shore, capture in sorted(_TERMINALS):
            for b in sorted(berths, key=lambda x: int(x[1:])):
                flag = "true" if shore else "false"
                self._write("berths", [self.port, code, b, flag,
                                       "true" if b in capture else "false", flag])

    def _write_caecs(self) -> None:
        y = self.year
        rows = [
            (_SYS_BARGE_A, "Barge capture system A (fictional EO, sample data)",
             date(y - 2, 1, 1), None),
            (_SYS_BARGE_B, "Barge capture system B (fictional EO, sample data)",
             date(y - 3, 1, 1), None),
            (_SYS_EXPIRING, "Barge capture system C, approval ended mid-month (fictional EO)",
             date(y - 1, 2, 1), self.expiry),
            (_SYS_LAND, "Land-based capture system for ro-ro (fictional EO, sample data)",
             date(y - 1, 6, 15), None),
        ]
        for sid, name, start, end in rows:
            self._write("caecs", [sid, name, start.isoformat(), end.isoformat() if end else ""])

    def _write_terminals(self) -> None:
        # A port's environmental team knows which terminals are regulated for which vessel
        # types this year, so the sample says so instead of leaving the status to be assumed;
        # Pasha is a low-activity terminal for ro-ro.
        low_activity = {("PASHA", "roro")}
        rows = sorted(
            (term, vtype)
            for vtype in ("container", "reefer", "passenger", "roro", "tanker")
            for term in _TYPE_TERMINALS[vtype]
        )
        for term, vtype in rows:
            regulated = "false" if (term, vtype) in low_activity else "true"
            self._write("terminals", [self.port, term, vtype, str(self.year), regulated])

    def _write_allowances(self) -> None:
        st = self.state
        for fleet in sorted(self.granted):
            self._write("allowances", [str(self.year), "fleet", fleet, str(self.granted[fleet]),
                                       ""])
        terms = sorted({"TRAPAC", "YTI", "EVERPORT", *st.tie_terminals})
        terminal_previous_year = {}
        for term in terms:
            previous_year = round(st.terminal_visits.get(term, 0) * 12 * self.rng.uniform(0.9, 1.1))
            terminal_previous_year[term] = previous_year
            granted = max(1, _round_half_up(previous_year * 0.05))
            # a TIE belongs to a terminal at its port (17 CCR 93130.11)
            self._write("allowances", [str(self.year), "terminal", term, str(granted),
                                       self.port])
        self._write_history(terminal_previous_year)

    def _write_history(self, terminal_previous_year: dict[str, int]) -> None:
        """The previous year's counts the allowances were granted from, as a port and CARB
        report them (visit-counts), and the coverage of the loaded visits: none, since one
        month is never a complete year, so the loaded visits are never read as a count."""
        previous = str(self.year - 1)
        for fleet in sorted(self.fleet_previous_year):
            self._write("visit_counts", [previous, "fleet", fleet, "", "",
                                         str(self.fleet_previous_year[fleet]), "carb-jan7"])
        for term in sorted(terminal_previous_year):
            self._write("visit_counts", [previous, "terminal", term, self.port, "",
                                         str(terminal_previous_year[term]), "wharfinger"])


_RESERVED = {"coral_late_vie": "coral1", "coral_never_vie": "coral2", "commissioning": "newcomer",
             "anna": "anna", "luebeck": "luebeck"}
_SP_SCENARIO_PATTERN = {
    "coral_late_vie": "late", "coral_never_vie": "never", "gap_emergency": "gap", "tie": "never",
    "research": "never", "early_emergency": "early", "commissioning": "ok",
}
_CC_SCENARIO_PATTERN = {"late_remediation": "late", "capture_gap": "gap", "unlisted_system": "ok",
                        "expired_system": "ok", "missing_ppm": "ok"}
_SYSTEM_SCENARIO = {"unlisted_system": _SYS_UNLISTED, "expired_system": _SYS_EXPIRING}
# how control goes when it is attempted: cumulative shares, the rest is on time ("ok")
_SP_PATTERNS = ((0.04, "never"), (0.08, "late"), (0.11, "early"), (0.14, "gap"))
_CC_PATTERNS = ((0.06, "late"), (0.09, "early"), (0.12, "gap"))
_CAPTURE_SERVED = {"tanker": 0.88, "roro": 0.85, "container": 0.7}
_VIE_NOTES = {
    "late": "Late connection: crew delayed plugging in; VIE assigned by the fleet representative",
    "early": "Early disconnection for a cable fault; VIE assigned by the fleet representative",
    "never": "Vessel did not connect (shore power breaker defect); VIE assigned by the fleet",
}
_RANDOM_ALIAS = {"passenger": "Cruise", "roro": "PCTC", "reefer": "Refrigerated Cargo",
                 "general_cargo": "general cargo"}
_VISIT_PROBLEMS = (
    "bad_imo", "unknown_type", "departure_before_arrival", "ambiguous_time",
    "nonexistent_time", "bad_bool", "bad_port", "duplicate_id",
)


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def _other_berth(berths: tuple[str, ...], berth: str) -> str:
    others = [b for b in berths if b != berth]
    return others[0] if others else berth + "A"


def _write_dirty_readme(path: Path, problems: list[_Problem], gen: _Generator) -> None:
    lines = [
        "# Dirty sample: planted data-quality problems",
        "",
        f"Generated by `berthcheck.sample.generate(..., visits={gen.n}, seed={gen.seed}, "
        f"month=\"{gen.month}\", port=\"{gen.port}\", dirty=True)`. The files are the clean "
        "sample with the problems below mixed in; every other row is valid. Row numbers are "
        "as in the file (the header is row 1). Naive times are local time at the port "
        f"({gen.tz.key}).",
        "",
        "| problem | file | row | column | value | why |",
        "|---|---|---|---|---|---|",
    ]
    for p in problems:
        value = p.value.replace("|", "\\|")
        lines.append(f"| {p.code} | {p.file} | {p.row} | {p.column} | `{value}` | {p.why} |")
    atomic.write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"), what="sample README")


# ================================================================================================
# The EU sample (FuelEU Maritime Art. 6, issue 7): one month at the Port of Rotterdam.
#
# What is realistic and what is invented (see also sample_data/eu-rotterdam-2030-06/README.md):
# * Terminal names follow Rotterdam's layout (Maasvlakte II: RWG, APM Terminals; Maasvlakte I:
#   ECT Delta, Euromax; the cruise terminal on the Wilhelminakade; the Hoek van Holland ferry
#   terminal; Europoort ro-ro and liquid bulk). Berth codes, and which berths have OPS in 2030,
#   are invented.
# * Operators, ships and IMO numbers are fictional (the same fictional lines as the Los Angeles
#   sample where they run the same trades). Shares of OPS-capable ships, OPS patterns and the
#   exception events are illustrative, not sourced.
# * Sizes, stays and loads are plausible placeholders: container ships 4 000-24 000 TEU (GT about
#   10 x TEU), feeders 300-3 000 TEU, cruise ships 8-12 h, a ro-pax ferry on a daily schedule.
# The calls exercise every rule of the fueleu-art6 pack: full, late, early and interrupted OPS
# use, ships without OPS equipment, berths without OPS (ops_unavailable), an incompatible
# installation, zero-emission technology, unscheduled calls, emergencies, a week-long OPS outage
# at the ferry berth (more unavailability exceptions than the yearly limit allows), short
# ferry stays, a feeder below 5 000 GT, a call without gross tonnage and one without any size.
# ================================================================================================

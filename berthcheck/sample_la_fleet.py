"""The Los Angeles sample's fleet: each call's departure and vessel type, the operators' ships
(IMO numbers, names, sizes, tiers, shore power), the fleets' allowances, and picking a ship
and a berth for a call."""

from __future__ import annotations

import bisect
import itertools
import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from berthcheck.sample_la_port import (
    CALLS_PER_VESSEL,
    FLEET_WORD,
    GT_RANGE,
    HOMES,
    MIN_TURN_DAYS,
    OPERATORS,
    POOL_CAP,
    SHORE_POWER_SHARE,
    SMALL_FLEET_PREVIOUS_YEAR,
    TEU_BINS,
    TEU_TOTAL,
    TYPE_WEIGHTS,
    TYPES,
)
from berthcheck.sample_la_stream import LaStream
from berthcheck.sample_month import epoch_minute
from berthcheck.sample_ships import OperatorNames, draw_imo, draw_tier, gt_of_teu, in_tens
from berthcheck.sample_ships import check_digit as _check_digit

_RANDOM_IMOS = 45000  # beyond this many ships, IMO numbers come from a fixed sequence


@dataclass(slots=True)
class Vessel:
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


class LaFleet(LaStream):
    """The Los Angeles generator's fleet: set up by `_build_fleet` before the stream, then
    asked for a ship and a berth per call."""

    def _draw_types(self) -> list[int]:
        """Each call's departure minute and type, as sortable ints (minute * 8 + type)."""
        rng = self.rng
        cum, total = [], 0
        for w in TYPE_WEIGHTS:
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
        self.pools: dict[str, list[Vessel]] = {t: [] for t in TYPES}
        self.type_ops: dict[str, list[tuple]] = {}
        self.op_cum: dict[str, list[int]] = {}
        self.names = OperatorNames()
        self.idle: dict[str, deque[tuple[int, Vessel]]] = {t: deque() for t in TYPES}
        self.tries = 5 if self.n <= 20000 else 2  # random picks before the queue
        self.reserved: dict[str, Vessel] = {}
        self.granted: dict[str, int] = {}  # fleet -> VIEs granted for the year
        self.fleet_previous_year: dict[str, int] = {}  # fleet -> its visits the year before
        for vtype in TYPES:
            ops = self.type_ops[vtype] = [op for op in OPERATORS if op[3] == vtype and op[5]]
            self.op_cum[vtype] = list(itertools.accumulate(op[5] for op in ops))
            n_type = counts[vtype]
            share_total = sum(op[5] for op in ops)
            size = min(POOL_CAP, max(len(ops), math.ceil(n_type / CALLS_PER_VESSEL[vtype])))
            for op in ops:
                for _ in range(max(1, round(size * op[5] / share_total))):
                    vessel = self._new_vessel(op)
                    # the pools stay far below _RANDOM_IMOS ships: numbers never run out here
                    assert vessel is not None
                    self.pools[vtype].append(vessel)
                if vtype in FLEET_WORD:
                    # a plausible previous-year count of the fleet's California visits
                    expected = n_type * op[5] / share_total
                    previous_year = round(expected * 12 * rng.uniform(0.85, 1.15))
                    fleet = f"{op[2]} {FLEET_WORD[vtype]} Fleet"
                    self.granted[fleet] = round_half_up(previous_year * 0.05)
                    self.fleet_previous_year[fleet] = previous_year
        by_code = {op[0]: op for op in OPERATORS}
        # scripted ships: the small fleet, a first-time caller, names downstream must escape
        for key, op_code, word in (
            ("coral1", "CSL", "ENDEAVOUR"), ("coral2", "CSL", "MERIDA"),
            ("newcomer", "TPX", "AURELIA"), ("anna", "MPL", "ANNA & LUCIA"),
            ("luebeck", "HNC", "LÜBECK"),
        ):
            v = self._new_vessel(by_code[op_code], word)
            assert v is not None  # the first ships drawn
            self.reserved[key] = v
            v.capable, v.first_timer = True, False
        self.reserved["newcomer"].first_timer = True
        self.granted["Coral Sea Container Fleet"] = round_half_up(
            SMALL_FLEET_PREVIOUS_YEAR * 0.05
        )
        self.fleet_previous_year["Coral Sea Container Fleet"] = SMALL_FLEET_PREVIOUS_YEAR

    def _new_imo(self) -> str | None:
        """A unique IMO number with a valid check digit; None when all are taken."""
        if self.imo_sequence == 0 and len(self.used_imo) < _RANDOM_IMOS:
            # 9xxxxxx like most ships in service, drawn at random
            return draw_imo(self.rng.random, self.used_imo, 900000, 90000)
        # benchmark-sized fleets: walk 100000..899999 in a fixed scrambled order, no repeats
        k = self.imo_sequence
        if k >= 800000:
            return None
        self.imo_sequence += 1
        six = 100000 + k * 350377 % 800000
        return f"{six}{_check_digit(six)}"

    def _new_vessel(self, op: tuple, word: str | None = None) -> Vessel | None:
        rng = self.rng
        rand = rng.random
        code, opname, stem, vtype, prefix, _share, homes = op
        imo = self._new_imo()
        if imo is None:
            return None
        if word is None:  # the operator's next name: PREFIX WORD, then PREFIX WORD 2, ...
            word = self.names.next(rng, code)
        if vtype == "container":
            x = rand() * TEU_TOTAL
            for size_bin in TEU_BINS:
                x -= size_bin[2]
                if x < 0:
                    break
            teu = in_tens(rand, size_bin[0], size_bin[1])
            gt = gt_of_teu(rand, teu)
        else:
            teu = 0
            gt = in_tens(rand, *GT_RANGE[vtype])
        tier = draw_tier(rand)
        capable = rand() < SHORE_POWER_SHARE.get(vtype, 0.0)
        if vtype == "roro":  # a fifth of the car carriers use Pasha's low-activity berths
            first = "PASHA" if rand() < 0.2 else "WWL"
        else:
            first = homes[int(rand() * len(homes))]
        home = HOMES[vtype, first]
        fleet = ""
        independent = vtype == "container" and rand() < 0.04  # chartered, in no fleet
        if vtype in FLEET_WORD and not independent:
            fleet = f"{stem} {FLEET_WORD[vtype]} Fleet"
        return Vessel(
            imo=imo, name=f"{prefix} {word}", vtype=vtype, op_code=code,
            operator=opname, fleet=fleet, home=home, gt=gt, teu=teu, tier=tier,
            capable=capable, first_timer=capable and rand() < 0.03,
        )

    def _pick_vessel(self, vtype: str, arr: int, *, plug: bool = False) -> Vessel:
        """A ship of the type that is not at berth elsewhere then (nor just left); a new one
        joins the pool when a few random tries find none. `plug`: shore power, commissioned."""
        pool = self.pools[vtype]
        gap = MIN_TURN_DAYS[vtype] * 1440
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

    def _pick_berth(self, v: Vessel, arr: int, dep: int) -> tuple[str, str]:
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


def round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))

"""`berthcheck sample --port CNSHA`: a month of calls at the Port of Shanghai for the
`cn-shore-power` pack (China's MOT shore-power Measures, Art. 11).

Deterministic like the other sample months: only `random.Random(seed)` draws, no wall clock,
rows in a fixed order, `\\n` line endings. Asia/Shanghai has no daylight saving, so every time
is written as naive local time.

What is realistic and what is invented (see also sample_data/cn-shanghai-2026-10/README.md):

* Terminal names follow Shanghai's layout (Yangshan deep-water port phases I to IV,
  Waigaoqiao container terminals, the Wusongkou international cruise terminal, the Haitong
  ro-ro terminal, Waigaoqiao liquid bulk, Luojing dry bulk). Berth codes, and which berths can
  supply shore power, are invented; liquid-bulk berths have none (the Measures' Arts. 5-6 leave
  oil, gas and chemical terminals out).
* Operators, ships and IMO numbers are fictional (IMO numbers carry a valid check digit).
  Shares of ships with receiving equipment, connection patterns and the events are illustrative,
  not sourced. Stays and sizes are plausible placeholders.

The calls exercise every rule of the pack: stays over and under the 3-hour coastal threshold,
tankers, ships without receiving equipment, berths without supply, late, early and interrupted
connections, ships that never connect, temporary faults of the terminal's and the ship's
facilities, a typhoon warning (emergency), zero-emission technology (batteries), a capture
session, and an event the rule does not count.
"""

from __future__ import annotations

from pathlib import Path

from berthcheck.ingest.kinds import BERTHS, CAPTURE, EVENTS, SHORE_POWER, VISITS, Kind
from berthcheck.sample_month import PortMonth, draw, interrupted, scripted_calls, write_month
from berthcheck.sample_ships import Ship as _Ship
from berthcheck.sample_ships import draw_imo, gt_of_teu, in_tens, numbered, pick_ship
from berthcheck.sample_ships import weighted_choice as _weighted

CN_PORTS = ("CNSHA",)  # ports with a layout of their own here
FILES: dict[str, Kind] = {
    "berths": BERTHS, "visits": VISITS, "shore_power": SHORE_POWER, "capture": CAPTURE,
    "events": EVENTS,
}

# terminal code, name, berths, berths able to supply shore power
_LAYOUT = (
    ("YS1", "Yangshan Phase I", ("YS101", "YS102", "YS103", "YS104"),
     ("YS101", "YS102", "YS103", "YS104")),
    ("YS2", "Yangshan Phase II", ("YS201", "YS202", "YS203"), ("YS201", "YS202")),
    ("YS4", "Yangshan Phase IV (automated)", ("YS401", "YS402", "YS403", "YS404"),
     ("YS401", "YS402", "YS403", "YS404")),
    ("WGQ", "Waigaoqiao container terminals", ("WG1", "WG2", "WG3", "WG4", "WG5"),
     ("WG1", "WG2", "WG3")),
    ("WSK", "Wusongkou international cruise terminal", ("WS1", "WS2"), ("WS1", "WS2")),
    ("HTR", "Haitong ro-ro terminal", ("HT1", "HT2"), ("HT1",)),
    ("GQL", "Waigaoqiao liquid bulk", ("GQ1", "GQ2"), ()),
    ("LJB", "Luojing dry bulk", ("LJ1", "LJ2", "LJ3"), ("LJ1",)),
)
# kind -> (contract vessel type, terminals in order of preference)
_KINDS = {
    "container": ("container", ("YS1", "YS2", "YS4", "WGQ")),
    "feeder": ("container", ("WGQ",)),
    "cruise": ("passenger", ("WSK",)),
    "roro": ("roro", ("HTR",)),
    "tanker": ("tanker", ("GQL",)),
    "bulk": ("bulk", ("LJB",)),
}
_KIND_ORDER = ("container", "feeder", "cruise", "roro", "tanker", "bulk")
_WEIGHTS = (48, 18, 6, 8, 10, 10)
_STAY_H = {  # triangular low, high, mode (hours)
    "container": (10, 48, 22), "feeder": (2, 9, 4), "cruise": (8, 14, 10),
    "roro": (6, 20, 10), "tanker": (20, 48, 30), "bulk": (30, 96, 50),
}
_TURN_DAYS = {"container": 14, "feeder": 3, "cruise": 5, "roro": 7, "tanker": 7, "bulk": 20}
_CAPABLE = {"container": 0.88, "feeder": 0.7, "cruise": 0.8, "roro": 0.5, "tanker": 0.2,
            "bulk": 0.35}
_KW = {"container": (900, 2500), "feeder": (250, 600), "cruise": (6000, 11000),
       "roro": (700, 1400), "bulk": (150, 400)}
_TEU = {"container": (4000, 24000), "feeder": (300, 1800)}
_GT = {"cruise": (48000, 170000), "roro": (38000, 75000), "tanker": (24000, 84000),
       "bulk": (18000, 45000)}
# how a capable ship at a berth with supply uses it: cumulative shares, the rest "ok"
_PATTERNS = ((0.07, "late"), (0.12, "early"), (0.15, "gap"), (0.20, "never"))
_OPERATORS = {  # kind -> ((operator, fleet stem, ship-name prefix), ...)
    "container": (("Donghai Container Lines", "Donghai", "DONGHAI"),
                  ("Meridian Pacific Lines", "Meridian Pacific", "MERIDIAN"),
                  ("Formosa Star Marine", "Formosa Star", "FORMOSA")),
    "feeder": (("Huangpu Feeder Services", "Huangpu", "HUANGPU"),),
    "cruise": (("Jade Sea Cruises", "Jade Sea", "JADE SEA"),
               ("Pacific Horizon Cruises", "Pacific Horizon", "PACIFIC")),
    "roro": (("Eastern Star Car Carriers", "Eastern Star", "EASTERN STAR"),),
    "tanker": (("Golden Strait Tankers", "Golden Strait", "GOLDEN"),),
    "bulk": (("Blue Anchor Bulk", "Blue Anchor", "BLUE ANCHOR"),),
}
_WORDS = ("AMBER", "BAMBOO", "CORAL", "DAWN", "EAGLE", "FORTUNE", "GARNET", "HARMONY",
          "IVORY", "JASPER", "LOTUS", "MAPLE", "NOVA", "ORCHID", "PEARL", "QUARTZ", "RIVER",
          "SAPPHIRE", "TIDE", "UNITY", "VISTA", "WILLOW", "ZENITH")
# scripted calls: (kind, fraction of the kind's calls) -> scenario
_SCENARIOS = {
    "container": ((0.10, "terminal_fault"), (0.20, "ship_fault"), (0.30, "typhoon"),
                  (0.40, "batteries"), (0.50, "capture"), (0.60, "vie_claim"),
                  (0.70, "batteries_part")),
    "cruise": ((0.5, "cruise_ok"),),
    "feeder": ((0.3, "three_hours"), (0.6, "three_hours_one"),),
}


class CnGenerator(PortMonth):
    """A month of calls at a Chinese port. Times are minutes since the Unix epoch (UTC)."""

    def __init__(self, *, visits: int, seed: int, month: str, port: str):
        super().__init__(visits=visits, seed=seed, month=month, port=port)
        self.terminals = {t[0]: t for t in _LAYOUT}
        self.supply = {b for t in _LAYOUT for b in t[3]}
        self.berth_free = {b: -(10**9) for t in _LAYOUT for b in t[2]}
        self.used_imo: set[int] = set()
        self.pools: dict[str, list[_Ship]] = {k: [] for k in _KINDS}
        self.named: dict[str, int] = {}
        self.rows: dict[str, list[dict[str, str]]] = {stem: [] for stem in FILES}
        self.seq = 0

    def _local(self, minute: int) -> str:
        return self.clock.local(minute)  # naive: Shanghai keeps no daylight saving

    # --- ships -----------------------------------------------------------------------------
    def _ship(self, kind: str) -> _Ship:
        rng = self.rng
        operator, stem, prefix = _OPERATORS[kind][int(rng.random() * len(_OPERATORS[kind]))]
        j = self.named.get(prefix, 0)
        self.named[prefix] = j + 1
        name = f"{prefix} {numbered(_WORDS, j)}"
        teu = gt = None
        if kind in _TEU:
            teu = in_tens(rng.random, *_TEU[kind])
            gt = gt_of_teu(rng.random, teu)
        else:
            gt = in_tens(rng.random, *_GT[kind])
        x = rng.random() * 100
        tier = "1" if x < 35 else "2" if x < 85 else "3"
        capable = rng.random() < _CAPABLE[kind]
        aux = int(rng.uniform(7000, 12000)) // 10 * 10 if kind == "cruise" else None
        fleet = f"{stem} Fleet" if kind in ("container", "cruise") else ""
        imo = draw_imo(rng.random, self.used_imo, 940000, 50000)
        return _Ship(imo=imo, name=name, kind=kind, operator=operator, fleet=fleet,
                     gt=gt, teu=teu, tier=tier, capable=capable, aux_kw=aux)

    def _pick(self, kind: str, arr: int, capable: bool) -> _Ship:
        return pick_ship(self.rng.random, self.pools[kind], _TURN_DAYS[kind] * 1440, arr,
                         capable, lambda: self._ship(kind))

    def _berth(self, terminals: tuple[str, ...], arr: int, dep: int,
               want_supply: bool) -> tuple[str, str]:
        chosen = None
        first = int(self.rng.random() * len(terminals))
        for term in terminals[first:] + terminals[:first]:
            free = [b for b in self.terminals[term][2] if self.berth_free[b] <= arr
                    and (not want_supply or b in self.supply)]
            if free:
                chosen = (term, free[int(self.rng.random() * len(free))])
                break
        if chosen is None:  # all busy: the berth of the first terminal that frees first
            term = terminals[0]
            options = [b for b in self.terminals[term][2] if not want_supply or b in self.supply]
            options = options or list(self.terminals[term][2])
            chosen = (term, min(options, key=lambda b: (self.berth_free[b], b)))
        self.berth_free[chosen[1]] = max(self.berth_free[chosen[1]], dep)
        return chosen

    # --- the month -------------------------------------------------------------------------
    def _plan(self) -> list[tuple[int, str, str | None]]:
        rng = self.rng
        drawn = []
        for _ in range(self.n):
            kind = _weighted(rng, _KIND_ORDER, _WEIGHTS)
            if kind == "cruise":  # cruise ships sail in the late afternoon
                dep = self.midnight(int(rng.random() * self.days)) + 16 * 60 \
                    + int(rng.random() * 121)
            else:
                dep = self.start + int(rng.random() * (self.end - self.start))
            drawn.append((dep, kind))
        drawn.sort()
        counts = {k: sum(1 for _d, kk in drawn if kk == k) for k in _KIND_ORDER}
        scripted = scripted_calls(counts, _SCENARIOS)
        ordinal = dict.fromkeys(_KIND_ORDER, 0)
        plan = []
        for dep, kind in drawn:
            plan.append((dep, kind, scripted.get((kind, ordinal[kind]))))
            ordinal[kind] += 1
        return plan

    def run(self, out_dir: Path) -> dict[str, Path]:
        for term, _name, berths, supply in sorted(_LAYOUT):
            for b in berths:
                self.rows["berths"].append({
                    "port": self.port, "terminal": term, "berth": b,
                    "shore_power": "true" if b in supply else "false",
                    "capture_available": "true" if b == "YS203" else "false",
                    "ops_available": "false",
                })
        for dep, kind, scen in self._plan():
            self._call(dep, kind, scen)
        # one call arrives at the end of the month and leaves after it (next month's period)
        self._call(self.end + 9 * 60 + 40, "container", None, arr=self.end - 12 * 60)
        return write_month(out_dir, FILES, {
            stem: [[row.get(c, "") for c in kind.sample_column_names] for row in self.rows[stem]]
            for stem, kind in FILES.items()})

    def _call(self, dep: int, kind: str, scen: str | None, arr: int | None = None) -> None:
        rng = self.rng
        vtype, terminals = _KINDS[kind]
        if arr is None:
            if scen == "three_hours":
                arr = dep - 180
            elif scen == "three_hours_one":
                arr = dep - 181
            else:
                lo, hi, mode = _STAY_H[kind]
                arr = dep - int(rng.triangular(lo * 60, hi * 60, mode * 60))
        needs_supply = scen is not None  # scripted calls: equipment on board, a berth with supply
        ship = self._pick(kind, arr, capable=needs_supply)
        ship.last_dep = max(ship.last_dep, dep)
        term, berth = self._berth(terminals, arr, dep, want_supply=needs_supply)
        self.seq += 1
        vid = self.prefix + str(self.seq).zfill(self.width)

        pattern = "none"
        if ship.capable and berth in self.supply and kind != "tanker":
            pattern = draw(rng.random(), _PATTERNS)
        scripted_pattern = {
            "terminal_fault": "late_fault", "ship_fault": "late_fault", "typhoon": "none",
            "batteries": "none", "capture": "none", "vie_claim": "never",
            "batteries_part": "late_fault", "cruise_ok": "ok", "three_hours": "never",
            "three_hours_one": "ok",
        }
        if scen in scripted_pattern:
            pattern = scripted_pattern[scen]
        sessions = self._sessions(pattern, arr, dep)
        events: list[tuple[str, int | None, int | None, str, str]] = []
        late_end = sessions[0][0] if sessions else None
        if scen == "terminal_fault" and late_end is not None:
            events.append(("ops_unavailable", arr + 60, late_end, f"SP-FAULT-{berth}",
                           "Shore-power cable reel fault at the berth; repaired before "
                           "connection (terminal fault record)"))
        elif scen == "ship_fault" and late_end is not None:
            events.append(("ops_incompatible", arr + 60, arr + 60 + (late_end - arr - 60) // 2,
                           f"SHIP-FAULT-{ship.imo}",
                           "Ship's receiving panel breaker fault; repaired by the crew, then "
                           "connected (engine log)"))
        elif scen == "typhoon":
            events.append(("emergency", None, None, f"TYPHOON-{self.year}-{self.seq:03d}",
                           "Typhoon warning: shore-power cables not connected for the ship's "
                           "safety (MSA weather notice)"))
        elif scen == "batteries":
            events.append(("zero_emission_tech", None, None, f"BATT-{ship.imo}",
                           "Battery energy storage carried the ship's load at berth; "
                           "generators off"))
        elif scen == "batteries_part" and late_end is not None:
            events.append(("zero_emission_tech", arr, late_end, f"BATT-{ship.imo}",
                           "Batteries carried the load from all fast until the shore-power "
                           "connection"))
        elif scen == "vie_claim":
            events.append(("vie", None, None, f"VIE-{self.year}-{self.seq:03d}",
                           "Vessel incident event claimed under another port's rules"))
        if scen == "capture":
            self.rows["capture"].append({
                "session_id": f"{vid}-CC1", "visit_id": vid, "system_id": "SH-EXH-01",
                "provider": "Shanghai Harbour Clean Air Services",
                "started": self._local(arr + 40), "ended": self._local(dep - 30),
                "nox_inlet_ppm": str(900 + int(rng.random() * 300)),
                "nox_outlet_ppm": str(20 + int(rng.random() * 60)),
            })

        capable = ship.capable or needs_supply
        self.rows["visits"].append({
            "visit_id": vid, "imo": ship.imo, "vessel_name": ship.name, "vessel_type": vtype,
            "fleet": ship.fleet, "operator": ship.operator, "port": self.port,
            "terminal": term, "berth": berth, "arrival": self._local(arr),
            "departure": self._local(dep), "shore_power_capable": "true" if capable else "false",
            "nox_tier": ship.tier, "gross_tonnage": str(ship.gt) if ship.gt else "",
            "teu": str(ship.teu) if ship.teu else "",
            "aux_power_kw": str(ship.aux_kw) if ship.aux_kw else "",
        })
        lo_kw, hi_kw = _KW.get(kind, (500, 1500))
        for k, (s, e) in enumerate(sessions, 1):
            kw = ship.aux_kw * rng.uniform(0.85, 1.0) if ship.aux_kw else rng.uniform(lo_kw, hi_kw)
            self.rows["shore_power"].append({
                "session_id": f"{vid}-SP{k}", "visit_id": vid, "connected": self._local(s),
                "disconnected": self._local(e), "energy_kwh": f"{kw * (e - s) / 60:.1f}",
                "meter_id": f"SP-{berth}",
            })
        for k, (kind_, ev_s, ev_e, ref, note) in enumerate(events, 1):
            self.rows["events"].append({
                "event_id": f"{vid}-EV{k}", "visit_id": vid, "kind": kind_,
                "start": "" if ev_s is None else self._local(ev_s),
                "end": "" if ev_e is None else self._local(ev_e), "reference": ref, "note": note,
            })

    def _sessions(self, pattern: str, arr: int, dep: int) -> list[tuple[int, int]]:
        """Shore-power sessions for one call. "ok" connects within the first hour after all
        fast and disconnects in the last hour (the pack's allowances); "late" connects after
        the first hour, "late_fault" between 2 and 4 hours after it, "early" disconnects more
        than an hour before departure, "gap" is interrupted."""
        if pattern in ("none", "never"):
            return []
        rand = self.rng.random
        start = arr + 20 + int(rand() * 36)
        end = dep - 15 - int(rand() * 41)
        if pattern == "late":
            start = arr + 65 + int(rand() * 120)
        elif pattern == "late_fault":
            start = arr + 120 + int(rand() * 121)
        elif pattern == "early":
            end = dep - 70 - int(rand() * 90)
        if end - start < 30:
            return []
        if pattern == "gap":
            return interrupted(self.rng, start, end, 20, 100)
        return [(start, end)]


def generate_cn(out_dir: Path, *, visits: int, seed: int, month: str, port: str) -> dict[str, Path]:
    """Write one month of calls at `port` (one of CN_PORTS) into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return CnGenerator(visits=visits, seed=seed, month=month, port=port).run(out_dir)

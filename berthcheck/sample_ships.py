"""What every sample generator draws its ships with: IMO numbers with a valid check digit, a
weighted choice that costs one `rng.random()` draw, the ships' names (an operator's prefix and
a word, numbered once the words run out), NOx tiers, sizes in steps of ten, the ship record a
month's calls share and picking a ship of a pool for a call. The Los Angeles (sample_la_*.py),
Rotterdam (sample_eu.py) and Shanghai (sample_cn.py) generators use these, so their random
streams are drawn the same way."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TIER_CUM = (3, 43, 88, 100)  # NOx tier 0: 3 %, I: 40 %, II: 45 %, III: 12 %

NAME_WORDS = (
    "ATLAS", "AURORA", "BEACON", "CASCADIA", "CORONA", "DELTA", "EMERALD", "FORTUNE",
    "GALAXY", "HARMONY", "HORIZON", "IRIS", "JADE", "KESTREL", "LIBERTY", "LUMEN",
    "MAGNOLIA", "NEPTUNE", "OPAL", "ORION", "PEGASUS", "PHOENIX", "PIONEER", "POLARIS",
    "QUEST", "RADIANCE", "SAPPHIRE", "SERENITY", "SIRIUS", "SPIRIT", "SUMMIT", "TRIUMPH",
    "UNITY", "VALOR", "VEGA", "VENTURE", "VOYAGER", "ZENITH", "AMBER", "BOREAS",
    "CALYPSO", "DAWN", "ECLIPSE", "FALCON", "GRACE", "HALCYON", "INSPIRATION", "JUBILEE",
    "KINGSTON", "LYRA", "MISTRAL", "NOVA", "OCEANIA", "PACIFICA", "RAINIER", "SEQUOIA",
    "TAHOE", "TEMPEST", "TRITON", "VISTA", "WILLOW", "YOSEMITE", "ACACIA", "BALBOA",
    "CORAL BAY", "DIAMOND", "ELEGANCE", "FREEDOM", "GLORY", "HOPE", "INFINITY", "JUPITER",
    "LEGEND", "MAJESTY", "NOBLE", "OSPREY", "PRESTIGE", "RESOLVE", "SOVEREIGN", "TRADER",
)


def imo_check_digit(first_six: str) -> int:
    """The IMO check digit: d1..d6 weighted 7..2, sum mod 10."""
    return sum(int(d) * w for d, w in zip(first_six, (7, 6, 5, 4, 3, 2), strict=True)) % 10


def _weighted_digits(n: int, weights: tuple[int, int, int]) -> int:
    return sum(int(d) * w for d, w in zip(f"{n:03d}", weights, strict=True))


# The check digit of a six-digit number from two 1000-entry tables: generating a year of
# calls draws hundreds of thousands of IMO numbers.
_CHECK_HI = tuple(_weighted_digits(n, (7, 6, 5)) for n in range(1000))  # digits 1-3
_CHECK_LO = tuple(_weighted_digits(n, (4, 3, 2)) for n in range(1000))  # digits 4-6


def check_digit(six: int) -> int:
    """`imo_check_digit` of a six-digit number."""
    return (_CHECK_HI[six // 1000] + _CHECK_LO[six % 1000]) % 10


def draw_imo(rand: Callable[[], float], used: set[int], low: int, span: int) -> str:
    """A new IMO number whose first six digits lie in `low` .. `low + span - 1`, drawn until
    one is not in `used` (which it joins), with its check digit."""
    while True:
        six = low + int(rand() * span)
        if six not in used:
            used.add(six)
            return f"{six}{check_digit(six)}"


def numbered(words: Sequence[str], j: int) -> str:
    """A ship's `j`-th name word (from 0): the words in order, then `WORD 2`, `WORD 3`, ..."""
    return words[j % len(words)] + (f" {j // len(words) + 1}" if j >= len(words) else "")


class OperatorNames:
    """Each operator names its ships from its own order of NAME_WORDS, shuffled with the
    month's draws when the operator names its first ship."""

    def __init__(self) -> None:
        self._orders: dict[str, tuple[list[str], list[int]]] = {}  # code -> (words, [next])

    def next(self, rng: random.Random, code: str) -> str:
        if code not in self._orders:
            words = list(NAME_WORDS)
            rng.shuffle(words)
            self._orders[code] = (words, [0])
        words, counter = self._orders[code]
        j = counter[0]
        counter[0] += 1
        return numbered(words, j)


def draw_tier(rand: Callable[[], float]) -> str:
    """A NOx tier, "0" to "3", with TIER_CUM's shares (one draw)."""
    x = rand() * 100
    return "0" if x < TIER_CUM[0] else "1" if x < TIER_CUM[1] else \
        "2" if x < TIER_CUM[2] else "3"


def in_tens(rand: Callable[[], float], lo: int, hi: int) -> int:
    """A size from `lo` up to `hi`, in steps of ten (one draw)."""
    return lo + int(rand() * (hi - lo) / 10) * 10


def gt_of_teu(rand: Callable[[], float], teu: int) -> int:
    """A container ship's gross tonnage: 9.4 to 11.2 times its TEU, in tens (one draw)."""
    return int(teu * (9.4 + 1.8 * rand())) // 10 * 10


def weighted_choice(rng: random.Random, items, weights):
    """One of `items`, drawn with the given weights (one `rng.random()` draw)."""
    x = rng.random() * sum(weights)
    for item, w in zip(items, weights, strict=True):
        x -= w
        if x < 0:
            return item
    return items[-1]


@dataclass(slots=True)
class Ship:
    """A ship of a generated month: it calls repeatedly, never before its last departure."""

    imo: str
    name: str
    kind: str
    operator: str
    fleet: str
    gt: int | None
    teu: int | None
    tier: str
    capable: bool
    aux_kw: int | None  # given on the visit when set
    last_dep: int = -(10**9)


def pick_ship(rand: Callable[[], float], pool: list[Ship], gap: int, arr: int, capable: bool,
              new_ship: Callable[[], Ship]) -> Ship:
    """A ship of `pool` not at berth when it arrives at `arr` (nor left less than `gap`
    minutes before); `capable`: one with shore-power equipment. A new ship (`new_ship`)
    joins the pool when five random tries find none."""
    for _ in range(5):
        if not pool:
            break
        v = pool[int(rand() * len(pool))]
        if v.last_dep + gap <= arr and (v.capable or not capable):
            return v
    while True:
        v = new_ship()
        pool.append(v)
        if v.capable or not capable:
            return v

"""What every sample generator draws its ships with: IMO numbers with a valid check digit, a
weighted choice that costs one `rng.random()` draw, and the ship record a month's calls
share. The Los Angeles/Rotterdam generator (sample.py) and the Shanghai one (sample_cn.py)
both use these, so their random streams are drawn the same way."""

from __future__ import annotations

import random
from dataclasses import dataclass


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

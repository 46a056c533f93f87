"""A cited value: a number, flag or name a computation reads, with the source it rests on,
whether that source was confirmed, a note and a unit. A rule pack's `[parameters.<name>]`
(engine/pack.py) and the emission factors' conventions in `factors.toml`
(emission_factors.py) are both read into these: one shape, so a field added to one is there
for the other. It imports nothing of berthcheck: the engine imports the emission modules, so
neither side's module could hold it without an import circle."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    name: str
    value: object
    citation: str
    confirmed: bool = True
    note: str | None = None
    unit: str | None = None

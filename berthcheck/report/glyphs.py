"""Text the PDF report cannot draw: characters none of its shipped fonts has.

The report embeds only the fonts shipped in `reports/templates/fonts/` (DejaVu: Latin, Greek,
Cyrillic and more, but no Chinese, Japanese or Korean). A character none of them has prints
from a system font if the machine has one, and otherwise as an empty box, while the PDF's text
layer (copy, search) still holds it. A Shanghai terminal named in Chinese, or a Nagoya vessel
in Japanese, would so read as boxes with nothing saying why: the report says which texts hold
such characters (its data-quality chapter) and the CLI warns, so a reader knows the boxes are
the fonts, not the data, and that the attached per-visit results hold the text exactly.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from berthcheck.resources import templates_dir

FONT_DIR = "fonts"
LISTED = 10  # texts named in the report and the warning; the count says how many in all

# not drawn as glyphs: controls, format characters (joiners, marks of direction), separators
_NOT_DRAWN = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


@functools.cache
def drawable() -> frozenset[int]:
    """The code points some shipped font has a glyph for."""
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for path in sorted((templates_dir() / FONT_DIR).glob("*.ttf")):
        with TTFont(path, lazy=True) as font:
            points.update(font.getBestCmap() or {})
    return frozenset(points)


def _undrawable(text: str, have: frozenset[int]) -> bool:
    return any(ord(c) not in have and unicodedata.category(c) not in _NOT_DRAWN for c in text)


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def code_points(text: str) -> str:
    """`text` with each character no shipped font has written as its code point (`U+4E38`),
    so the report can print what it cannot draw."""
    have = drawable()
    return "".join(
        c if ord(c) in have or unicodedata.category(c) in _NOT_DRAWN else f"<U+{ord(c):04X}>"
        for c in text)


@dataclass(frozen=True)
class Undrawable:
    text: str
    column: str | None = None  # the per-visit results' column holding it, if one does
    visit_id: str | None = None  # the first visit (by id) whose column holds it

    def describe(self) -> str:
        if self.column == "visit_id":  # the visit is the text itself: name it once
            return f"visit_id {self.text!r}"
        if self.column:
            return f"{self.column} {self.text!r} (visit {self.visit_id})"
        return repr(self.text)


def undrawable_texts(model: dict, results=None) -> list[Undrawable]:
    """The texts of the report holding a character no shipped font draws: first each distinct
    value of a per-visit results column (by column, then value; with the first visit holding
    it), then any other text of the report's model that holds none of those values (a pack's
    text, a port's name), in code-point order."""
    have = drawable()
    placed = _in_results(results, have) if results is not None else []
    values = {u.text for u in placed}
    others = sorted({
        t for t in _texts(model)
        if _undrawable(t, have) and not any(v in t for v in values)})
    return [*placed, *(Undrawable(t) for t in others)]


def _in_results(results, have: frozenset[int]) -> list[Undrawable]:
    import polars as pl

    if "visit_id" not in results.columns:
        return []
    found: list[Undrawable] = []
    for column, dtype in results.schema.items():
        if dtype != pl.String:
            continue
        texts = sorted(t for t in results[column].drop_nulls().unique().to_list()
                       if _undrawable(t, have))
        if not texts:
            continue
        if column == "visit_id":  # a visit id is its own first visit (and polars refuses
            first = {t: t for t in texts}  # to group a column by itself)
        else:
            first = dict(results.filter(pl.col(column).is_in(texts))
                         .group_by(column).agg(pl.col("visit_id").min()).iter_rows())
        found.extend(Undrawable(t, column, first[t]) for t in texts)
    return found


def listing(found: Iterable[Undrawable]) -> list[dict]:
    """The report's rows: where, the text with its undrawable characters as code points."""
    return [{"column": u.column or "", "visit_id": u.visit_id or "", "text": code_points(u.text)}
            for u in list(found)[:LISTED]]


REPORT_TAIL = ("The per-visit results attached to the PDF hold them exactly; the report's "
               "data-quality chapter lists them")


def warning(found: list[Undrawable], tail: str = REPORT_TAIL) -> str | None:
    """The CLI's warning for a PDF holding texts its fonts cannot draw (None: there is none);
    `tail` says where the reader finds them intact."""
    if not found:
        return None
    named = "; ".join(u.describe() for u in found[:3])
    more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
    return (f"warning: {len(found)} text{'s' if len(found) != 1 else ''} in the PDF "
            f"{'hold' if len(found) != 1 else 'holds'} "
            "characters its fonts cannot draw (it embeds the shipped DejaVu fonts, which have "
            "no Chinese, Japanese or Korean): they print from a system font if this machine "
            f"has one, else as empty boxes: {named}{more}. {tail}")

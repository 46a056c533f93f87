"""Where two JSON values differ, by JSON path (`$.parameters.x`): what an audit message names
instead of printing two whole records side by side."""

from __future__ import annotations

import json
from typing import Any

LONGEST_VALUE = 80  # characters of a value shown; a longer one is cut with `...`


def json_differences(a: Any, b: Any, path: str = "$") -> list[tuple[str, Any, Any]]:
    """(path, value in a, value in b) of every leaf that differs, in key order; a key on one
    side only is `MISSING` on the other. Lists are compared item by item."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            out += json_differences(a.get(key, MISSING), b.get(key, MISSING),
                                    f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += json_differences(x, y, f"{path}[{i}]")
        return out
    return [] if a == b and type(a) is type(b) else [(path, a, b)]


class _Missing:
    def __repr__(self) -> str:
        return "missing"


MISSING: Any = _Missing()


def shown(value: Any) -> str:
    """A value as JSON text (`2.0`, `"USLGB"`, `null`), `missing`, or cut short."""
    text = repr(value) if value is MISSING else json.dumps(value, ensure_ascii=False,
                                                           sort_keys=True, default=str)
    return text if len(text) <= LONGEST_VALUE else text[:LONGEST_VALUE - 3] + "..."


def difference_lines(a: Any, b: Any, a_name: str, b_name: str, path: str = "$") -> list[str]:
    """One line per differing leaf: `$.scope.port is null in the record, "USLGB" in the
    manifest`."""
    return [f"{p} is {shown(x)} in {a_name}, {shown(y)} in {b_name}"
            for p, x, y in json_differences(a, b, path)]

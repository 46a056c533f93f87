"""A pack's files and parameters at two moments, their differences in words (used by
`audit verify` against the pack now and by `audit diff` between two runs)."""

from __future__ import annotations

import json

from berthcheck.audit.values import short_digest, two_digests


def flat_parameters(params: dict) -> dict[str, str]:
    out = {f"parameter {k}": json.dumps(v, sort_keys=True)
           for k, v in (params.get("parameters") or {}).items()}
    out.update({f"table {k}": json.dumps(v, sort_keys=True)
                for k, v in (params.get("tables") or {}).items()})
    return out


def changed_parameters(a: dict, b: dict) -> list[str]:
    fa, fb = flat_parameters(a), flat_parameters(b)
    out = []
    for name in sorted(set(fa) | set(fb)):
        if fa.get(name) != fb.get(name):
            if name.startswith("parameter "):
                out.append(f"{name}: {fa.get(name, 'absent')} -> {fb.get(name, 'absent')}")
            else:
                out.append(f"{name}: rows differ")
    return out


def file_changes(then: dict[str, str], now: dict[str, str], a_when: str = "at the run",
                 b_when: str = "now") -> list[str]:
    """Each file added, removed or changed from `then` to `now`, said of the two as `a_when`
    and `b_when` (verify: the run and now; diff: run A and run B)."""
    out = []
    for rel in sorted(set(then) | set(now)):
        a, b = then.get(rel), now.get(rel)
        if a == b:
            continue
        if a is None:
            out.append(f"file {rel} added (not in the pack {a_when})")
        elif b is None:
            out.append(f"file {rel} removed (sha256 {short_digest(a)}... {a_when})")
        else:
            sa, sb = two_digests(a, b)
            out.append(f"file {rel} changed (sha256 {sa} {a_when}, {sb} {b_when})")
    return out

"""The pack's sandbox for a check (engine/sandbox.py): the objects its SQL names, cut to the
visits it judges (engine/judged_visits.py); a scope_visits pack's history views also whole,
its keyed history views handed over when first read (engine/history_keys.py)."""

from __future__ import annotations

import re
from functools import lru_cache

from berthcheck.engine.judged_visits import judged_visits_sql
from berthcheck.engine.pack_model import Pack
from berthcheck.engine.pack_text import strip_comments
from berthcheck.engine.scope import Scope


def _reads(pack: Pack, readable: list[str]) -> list[str]:
    """The readable objects the pack's SQL names (the rest stay out of its sandbox)."""
    words = _words_of(tuple(sql for _, sql in pack.stages), tuple(r.sql for r in pack.rules),
                      pack.assemble)
    return [name for name in readable if name.lower() in words]


@lru_cache(maxsize=64)
def _words_of(stages: tuple[str, ...], rules: tuple[str, ...], assemble: str) -> frozenset[str]:
    """The words of a pack's SQL, lower-cased, found once per pack text."""
    text = "\n".join([*stages, *rules, assemble])
    return frozenset(w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*",
                                                   strip_comments(text)))


def _judged_query(pack: Pack, scope: Scope):
    """The judged visits' query for the sandbox, made for the columns of `visits` it hands
    over (engine/judged_visits.py), or None for every visit."""
    if judged_visits_sql(pack, scope) is None:
        return None
    return lambda columns: judged_visits_sql(pack, scope, columns)


def open_pack_sandbox(con, pack: Pack, scope: Scope, extra: dict | None = None,
                      kept: dict | None = None, *, small: bool = False):
    """The pack's sandbox: what it reads, cut to the visits it judges; a scope_visits pack's
    history views also whole (as history_<view>, the declared columns). Returns it and the
    names of the inputs handed to it, and its keyed history views still to hand over
    (`[pack] history_keys`, engine/history_keys.py). `extra`, `kept`, `small`: as in
    `open_sandbox`."""
    import duckdb

    from berthcheck.engine.history_keys import KeyedHistory
    from berthcheck.engine.pack_sql import HISTORY_PREFIX
    from berthcheck.engine.sandbox import PackError, check_inputs, open_sandbox, readable_columns

    catalog = readable_columns(con)  # the readable objects and their columns, read once
    readable = list(catalog)
    reads = _reads(pack, readable)
    check_inputs(con, pack.inputs, readable, f"pack {pack.label}: {pack.file_of('pack.toml')} "
                                             "[pack]", catalog=catalog)
    if pack.judges != "scope_visits":
        sandbox = open_sandbox(con, reads, visits_sql=_judged_query(pack, scope),
                               whole=pack.history, inputs=pack.inputs, extra=extra, kept=kept,
                               catalog=catalog, small=small)
        return sandbox, reads, KeyedHistory(con, sandbox, "")
    history = {name: pack.history_columns.get(name, ()) for name in pack.history}
    check_inputs(con, dict(sorted(history.items())), readable,
                 f"pack {pack.label}: {pack.file_of('pack.toml')} [pack]", key="history",
                 catalog=catalog)
    later: dict = {}
    try:
        sandbox = open_sandbox(con, reads, visits_sql=_judged_query(pack, scope),
                               history=history, history_keys=pack.history_keys,
                               later=later, inputs=pack.inputs, extra=extra, kept=kept,
                               catalog=catalog, small=small)
        keyed = KeyedHistory(con, sandbox, f"pack {pack.label}: {pack.file_of('pack.toml')} "
                                           "[pack]", later)
        return sandbox, [*reads, *(HISTORY_PREFIX + name for name in history)], keyed
    except duckdb.BinderException as exc:  # a declared history column the view does not have
        raise PackError(f"pack {pack.label}: {pack.file_of('pack.toml')} [pack] history: "
                        f"{str(exc).strip().splitlines()[0]}") from None

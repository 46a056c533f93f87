"""The rule pack an export takes when no `--pack` is given: the one built-in pack that covers
the ports of the visits in scope; and the warning `check` and `report` give when their pack
judges none of the visits in scope while that pack is another (`other_pack_hint`).

`check` and `report` default to CARB's pack (the documented default, kept for scripts); an
indicators package, though, is handed to partner ports under its pack's name, and a Rotterdam
or Shanghai port's indicators computed under CARB At-Berth (every visit `not_applicable`)
would be compared as if they meant something. So:

* the ports of the visits in scope (the period and `--port`; when the scope holds no visit, the
  ports of every loaded visit, `--port` kept) choose the pack;
* ports that one built-in pack covers: that pack (ports no built-in pack covers, beside them,
  add no regime);
* ports of several regimes, or only ports no built-in pack covers: a usage error asking for
  `--pack` and naming the ports;
* nothing loaded for the scope at all: CARB's pack, as before.

Which ports a pack covers follows each pack's own reading: CARB At-Berth the `ports` table's
`carb_at_berth` flag; FuelEU Art. 6 and China's shore-power pack the port's country (the ports
table's, else the UN/LOCODE's first two letters) in the country lists of the pack's own
parameters, so this module holds no second copy of them.
"""

from __future__ import annotations

from berthcheck import store
from berthcheck.errors import UsageError

DEFAULT_PACK = "carb-at-berth-2020"  # `check`'s and `report`'s default
# pack id -> the parameters listing the countries whose ports it covers (None: the ports
# table's carb_at_berth flag)
REGIMES: dict[str, tuple[str, ...] | None] = {
    "carb-at-berth-2020": None,
    "fueleu-art6": ("member_state_countries", "outermost_region_countries", "eea_countries"),
    "cn-shore-power": ("covered_countries",),
}

_PORTS_SQL = """
SELECT DISTINCT v.port,
    coalesce(nullif(trim(p.country), ''), substr(v.port, 1, 2)) AS country,
    coalesce(p.carb_at_berth, false) AS carb_at_berth
FROM visits v LEFT JOIN ports p ON p.port = v.port
WHERE (CAST($port AS VARCHAR) IS NULL OR v.port = CAST($port AS VARCHAR))
  AND ({within})
ORDER BY v.port
"""


def _ports(con, scope, whole_store: bool) -> list[tuple[str, str, bool]]:
    from berthcheck.engine.scope import SCOPE_SQL, scope_params

    if whole_store:
        sql, params = _PORTS_SQL.format(within="true"), {"port": scope.port}
    else:
        within = f"v.visit_id IN (SELECT visit_id FROM ({SCOPE_SQL}))"  # noqa: S608 - constants
        sql, params = _PORTS_SQL.format(within=within), scope_params(scope)
    return [(str(port), str(country), bool(carb)) for port, country, carb
            in store.run(con, sql, params)]


def _covering(ports: list[tuple[str, str, bool]]) -> tuple[dict[str, list[str]], list[str]]:
    """(pack id -> the ports it covers, the ports no built-in pack covers)."""
    from berthcheck.engine.pack import load_pack

    countries: dict[str, set[str]] = {}
    for pack_id, names in REGIMES.items():
        if names is not None:
            values = load_pack(pack_id).parameter_values()
            listed = [values.get(n) for n in names]
            countries[pack_id] = {str(c) for v in listed if isinstance(v, list | tuple)
                                  for c in v}
    covering: dict[str, list[str]] = {}
    uncovered = []
    for port, country, carb in ports:
        packs = [p for p, names in REGIMES.items()
                 if (carb if names is None else country in countries[p])]
        for p in packs:
            covering.setdefault(p, []).append(port)
        if not packs:
            uncovered.append(port)
    return covering, uncovered


def pack_for_scope(con, scope) -> str:
    """The built-in pack the ports in `scope` call for (see the module's docstring)."""
    return chosen_pack(con, scope)[0]


def chosen_pack(con, scope) -> tuple[str, str]:
    """`pack_for_scope`'s pack, and whose it is, in words for a note: "the ports in scope"
    only when the scope holds visits (a month without any takes the loaded visits' ports)."""
    whose, why = "the ports in scope", ""
    ports = _ports(con, scope, whole_store=False)
    if not ports:
        ports = _ports(con, scope, whole_store=True)
        whose = f"port {scope.port}" if scope.port else "the loaded visits' ports"
        why = ", no visit being in scope"
    if not ports:
        return DEFAULT_PACK, "berthcheck's default pack, no visit being loaded"
    covering, uncovered = _covering(ports)
    if len(covering) == 1:  # ports under no built-in pack beside them add no regime
        return next(iter(covering)), f"the rule pack of {whose}{why}"
    whose += " (no visit in scope)" if why else ""
    if not covering:
        raise UsageError(
            f"give --pack: no built-in rule pack covers {whose} ("
            + ", ".join(uncovered) + "); to compare with a partner port, give the pack its "
            "package names ($.berthcheck.pack in its datapackage.json, e.g. --pack "
            f"{DEFAULT_PACK}); see `berthcheck rules list` and docs/packs.md")
    listed = "; ".join(f"{p} ({', '.join(ports_)})" for p, ports_ in sorted(covering.items()))
    raise UsageError(
        f"give --pack (or --port): {whose} are under several rule packs: {listed}; "
        "an indicators package holds one pack's numbers")


def all_not_applicable(pack_id: str, visits: int | None = None) -> str:
    """The opening of a warning that a pack judged none of the visits in scope: `check`'s and
    `report`'s hint and `export carb-visit-report`'s warning say it in these words."""
    which = "every visit" if visits is None else f"every one of the {visits} visit(s)"
    return f"{which} in scope is not_applicable under {pack_id}"


def other_pack_hint(con, scope, pack_id: str, results) -> str | None:
    """A warning for a check whose every visit in scope is `not_applicable` under `pack_id`
    while the built-in pack the ports in scope call for is another (a Shanghai month checked
    under CARB's default pack): which `--pack` judges them. None otherwise, or when the ports
    call for no single pack."""
    import polars as pl

    if not results.height or results.filter(pl.col("verdict") != "not_applicable").height:
        return None
    try:
        wanted = pack_for_scope(con, scope)
    except UsageError:
        return None
    if wanted == pack_id:
        return None
    return (f"{all_not_applicable(pack_id)}; the ports in scope are under {wanted}: "
            f"`--pack {wanted}` judges them")

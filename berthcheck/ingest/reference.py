"""Reference tables that ship with built-in rows (today: `ports`), as the loader sees them.

A loaded row that overrides a built-in row keeps every built-in column the file does not carry:
a ports file that only renames Rotterdam must not switch off its `afir_art9` flag. An empty cell
in a column the file does carry means empty (the column's default where it has one). The fill
happens at load time, so the stored row is the complete row the rules read and an auditor sees.

A port's country is the first two letters of its UN/LOCODE unless the row gives one; either
way it must be an ISO 3166-1 alpha-2 code (berthcheck/reference/countries.csv, generated from
Debian's iso-codes 4.15.0, which follows the ISO 3166 Maintenance Agency), so that a typo is an
error instead of a port silently "not covered".
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from functools import lru_cache

import polars as pl

from berthcheck.errors import RowError
from berthcheck.ingest.kinds import Kind
from berthcheck.ingest.read import ROW
from berthcheck.resources import reference_dir

_LOCODE = r"^[A-Z]{2}[A-Z2-9]{3}$"


def _builtin_ports() -> list[dict[str, object]]:
    from berthcheck.store import builtin_ports  # the store owns the CSV's reading

    rows = builtin_ports()
    for row in rows:
        text = str(row.get("ops_required_from") or "").strip()
        row["ops_required_from"] = dt.date.fromisoformat(text) if text else None
        row["name"] = row["name"] or None
        row["port_area"] = str(row.get("port_area") or "").strip() or None
        row["afir_art9_ship_type"] = str(row.get("afir_art9_ship_type") or "").strip() or None
    return rows


# kind name -> its built-in rows (typed as the loader types cells), keyed by the kind's key
BUILTIN_ROWS: dict[str, Callable[[], list[dict[str, object]]]] = {"ports": _builtin_ports}


@lru_cache(maxsize=1)
def iso_countries() -> frozenset[str]:
    with open(reference_dir() / "countries.csv", newline="", encoding="utf-8") as fh:
        return frozenset(r["alpha_2"] for r in csv.DictReader(fh))


def _builtin_frame(kind: Kind, typed: pl.DataFrame) -> pl.DataFrame | None:
    provider = BUILTIN_ROWS.get(kind.name)
    if provider is None:
        return None
    cols = [c.name for c in kind.columns]
    rows = provider()
    return pl.DataFrame(
        {c: [r.get(c) for r in rows] for c in cols},
        schema={c: typed.schema[c] for c in cols},
    )


def fill_from_builtin(typed: pl.DataFrame, kind: Kind, present: frozenset[str]) -> pl.DataFrame:
    """Columns the file does not carry take the built-in row's value (rows overriding one)."""
    builtin = _builtin_frame(kind, typed)
    if builtin is not None:
        absent = [c.name for c in kind.columns if c.name not in present and c.name not in kind.key]
        if absent:
            keys = list(kind.key)
            marked = builtin.select(
                *keys, *[pl.col(c).alias(f"__b_{c}") for c in absent],
                pl.lit(True).alias("__builtin"),
            )
            typed = typed.join(marked, on=keys, how="left").sort(ROW)
            typed = typed.with_columns(
                [pl.when(pl.col("__builtin")).then(pl.col(f"__b_{c}")).otherwise(pl.col(c)).alias(c)
                 for c in absent]
            ).drop([f"__b_{c}" for c in absent] + ["__builtin"])
    if kind.name == "ports":
        # the contract's default: the UN/LOCODE's first two letters
        country = pl.col("country").str.strip_chars().str.to_uppercase()
        typed = typed.with_columns(
            pl.coalesce(country, pl.col("port").str.slice(0, 2)).alias("country")
        )
    return typed


def row_errors(typed: pl.DataFrame, kind: Kind, label: str) -> list[RowError]:
    """A port whose country is not an ISO 3166-1 alpha-2 code (given, or read off its code)."""
    if kind.name != "ports":
        return []
    known = sorted(iso_countries())
    shaped = pl.col("port").is_not_null() & pl.col("port").str.contains(_LOCODE)
    bad = typed.filter(shaped & ~pl.col("country").is_in(known))
    errors = []
    for row, port, country, raw, port_cell in bad.select(
            ROW, "port", "country", "_raw_country", "_raw_port").iter_rows():
        if raw is not None and raw.strip():
            errors.append(RowError(label, row, "country", raw,
                                   "not an ISO 3166-1 alpha-2 country code (e.g. NL, ES, NO)"))
        else:
            errors.append(RowError(
                label, row, "port", port_cell or port,  # as written (`xxabc`), not upper-cased
                f"its first two letters {country!r} are not an ISO 3166-1 country code; "
                "check the UN/LOCODE or give the country column"))
    return errors


# the FuelEU pack's parameters listing the countries whose ports it reads (engine/pack_choice.py)
_FUELEU_COUNTRY_LISTS = ("member_state_countries", "outermost_region_countries", "eea_countries")


def _fueleu_countries() -> list[str]:
    from berthcheck.engine.pack import load_pack  # read only when a ports row needs it

    values = load_pack("fueleu-art6").parameter_values()
    listed = [values.get(name) for name in _FUELEU_COUNTRY_LISTS]
    return sorted({str(c) for v in listed if isinstance(v, list | tuple) for c in v})


def flag_warnings(typed: pl.DataFrame, kind: Kind, label: str,
                  present: frozenset[str]) -> list[RowError]:
    """Ports rows whose AFIR Art. 9 cells likely do not say what was meant: a port added in a
    Member State or EEA country whose `afir_art9` is not given, and a row naming an
    `afir_art9_ship_type` while its `afir_art9` is false.

    The afir_art9 cell's default is false (docs/contract.md), so such a port is "not an AFIR Art. 9
    port": FuelEU Art. 6 then covers its calls only under a Member State decision
    (`ops_required_from`) or, from 2035, at quays with OPS. A team adding a TEN-T port without
    the column would see its calls "not covered" without a word: the row is loaded as written
    and warned about. A built-in port's row keeps its flag when the column is absent, and says
    what it changed when the cell is empty (`override_notes`), so only added ports are read."""
    if kind.name != "ports" or typed.is_empty():
        return []
    return _unset_afir_warnings(typed, label, present) + _idle_ship_type_warnings(typed, label)


def _idle_ship_type_warnings(typed: pl.DataFrame, label: str) -> list[RowError]:
    """A ports row naming the ship type AFIR Art. 9 covers it for while its `afir_art9` is
    false: the type says nothing then (no type is covered), which the row likely did not mean."""
    idle = typed.filter(pl.col("afir_art9_ship_type").is_not_null() & ~pl.col("afir_art9"))
    return [RowError(label, row, "afir_art9_ship_type", ship_type,
                     f"port {port}: afir_art9 is false, so AFIR Art. 9 covers the port for no "
                     f"ship type and {ship_type} is not read; write afir_art9 true if AFIR "
                     f"Art. 9 covers it for {ship_type} ships")
            for row, port, ship_type in
            idle.select(ROW, "port", "afir_art9_ship_type").iter_rows()]


def _unset_afir_warnings(typed: pl.DataFrame, label: str,
                         present: frozenset[str]) -> list[RowError]:
    given = (pl.col("_raw_afir_art9").cast(pl.Utf8).str.strip_chars().fill_null("") != ""
             if "afir_art9" in present else pl.lit(False))
    builtin = [str(r["port"]) for r in _builtin_ports()]
    added = typed.filter(pl.col("port").is_not_null() & ~pl.col("port").is_in(builtin)
                         & ~given)
    if added.is_empty():
        return []
    added = added.filter(pl.col("country").is_in(_fueleu_countries()))
    why = "empty" if "afir_art9" in present else "the file has no afir_art9 column"
    reason = (f"{why}: read as false (not a port where AFIR Art. 9 requires OPS), so "
              "fueleu-art6 covers its calls only from a Member State decision "
              "(ops_required_from) or, from 2035, at quays with OPS; write true or false")
    return [RowError(label, row, "afir_art9", "", f"port {port} ({country}), {reason}")
            for row, port, country in added.select(ROW, "port", "country").iter_rows()]


def _shown(value) -> str:
    return "empty" if value is None else repr(value.isoformat() if isinstance(value, dt.date)
                                              else value)


def override_notes(typed: pl.DataFrame, kind: Kind) -> list[str]:
    """One line per loaded row that overrides a built-in row: which columns it changed."""
    builtin = _builtin_frame(kind, typed)
    if builtin is None or typed.is_empty():
        return []
    keys = list(kind.key)
    cols = [c.name for c in kind.columns if c.name not in kind.key]
    by_key = {tuple(r[k] for k in keys): r for r in builtin.iter_rows(named=True)}
    notes = []
    for row in typed.sort(keys).iter_rows(named=True):
        old = by_key.get(tuple(row[k] for k in keys))
        if old is None:
            continue
        changed = [f"{c} {_shown(old[c])} -> {_shown(row[c])}" for c in cols if old[c] != row[c]]
        label = "/".join(str(row[k]) for k in keys)
        notes.append(f"overrides built-in {kind.name.rstrip('s')} {label}: "
                     + ("; ".join(changed) if changed else "no column changed"))
    return notes

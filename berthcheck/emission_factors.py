"""The emission factor tables under `rules/factors/` (CSV tables, each row citing its source;
conventions and computed factors in `factors.toml`): read, checked, hashed, given to the SQL
stage as frames, and printed for `berthcheck rules show factors` (data contract 5;
docs/emission-factors.md). berthcheck/emissions.py holds what is computed from them."""

from __future__ import annotations

import csv
import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from berthcheck.cited import Parameter
from berthcheck.errors import BerthcheckError, UsageError
from berthcheck.ingest.kinds import VESSEL_TYPES
from berthcheck.resources import PACKAGE_DIR, REPO_DIR, rules_dir

POLLUTANTS = ("nox", "pm10", "pm25", "dpm", "rog", "co", "so2", "co2")
ENGINE_SPEEDS = ("MSD", "HSD")
NOX_TIERS = (0, 1, 2, 3)
SIZE_METRICS = ("teu", "dwt", "passengers", "none")

_TABLE_COLUMNS = {
    "aux_boiler_loads": ("vessel_type", "size_metric", "bin_from", "bin_to", "aux_kw",
                         "boiler_kw", "category", "source", "confirmed", "note"),
    "aux_emission_factors": ("pollutant", "engine_speed", "nox_tier", "fuel", "g_per_kwh",
                             "source", "confirmed", "note"),
    "boiler_emission_factors": ("pollutant", "fuel", "g_per_kwh", "source", "confirmed", "note"),
    "caecs_residual": ("pollutant", "applies_to", "g_per_kwh", "source", "confirmed", "note"),
}
_FLOAT_COLUMNS = ("bin_from", "bin_to", "aux_kw", "boiler_kw", "g_per_kwh")
_REQUIRED_PARAMETERS = (
    "fuel_sulphur_percent", "aux_bsfc_g_per_kwh", "boiler_bsfc_g_per_kwh", "carbon_factor",
    "pm_nominal_g_per_kwh", "pm_fsc", "pm_mwr", "pm25_share_of_pm10", "so2_sulphur_conversion",
    "dpm_share_of_pm10", "rog_per_hc", "default_aux_engine_speed", "default_nox_tier",
    "capture_treats_boiler_exhaust", "capture_residual_pm10_from_pm25",
)


# --- the factor tables ------------------------------------------------------------------------


FactorParameter = Parameter  # a convention of factors.toml: a pack parameter's shape


@dataclass(frozen=True)
class FactorTable:
    name: str
    file: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[dict, ...]


@dataclass(frozen=True)
class Factors:
    id: str
    version: str
    title: str
    citation: str
    path: Path
    parameters: dict[str, FactorParameter]
    tables: dict[str, FactorTable]
    hash: str

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def value(self, name: str):
        return self.parameters[name].value

    def unconfirmed(self) -> list[str]:
        out = [n for n, p in self.parameters.items() if not p.confirmed]
        out += [f"table {t.name}" for t in self.tables.values()
                if any(not r["confirmed"] for r in t.rows)]
        return out

    # Computed factors (docs/emission-factors.md 1): the formulas of ShipEF with the constants above.
    def _formula_factors(self, bsfc_name: str) -> dict[str, tuple[float, str]]:
        s = self.value("fuel_sulphur_percent")
        bsfc = self.value(bsfc_name)
        nom, fsc, mwr = (self.value(n) for n in ("pm_nominal_g_per_kwh", "pm_fsc", "pm_mwr"))
        share, dpm = self.value("pm25_share_of_pm10"), self.value("dpm_share_of_pm10")
        conv, carbon = self.value("so2_sulphur_conversion"), self.value("carbon_factor")
        pm10 = nom + s * bsfc * fsc * mwr * 0.0001
        return {
            "pm10": (pm10, f"computed: PM10 = PMnom + S x BSFC x FSC x MWR x 0.0001 = {nom:g} + "
                           f"{s:g} x {bsfc:g} x {fsc:g} x {mwr:g} x 0.0001 (ShipEF calcEF_PM.r; "
                           f"factors.toml)"),
            "pm25": (share * pm10, f"computed: PM2.5 = {share:g} x PM10 (ShipEF calcEF_PM.r)"),
            "dpm": (dpm * pm10, f"computed: DPM = {dpm:g} x PM10 (dpm_share_of_pm10, "
                                f"UNCONFIRMED convention)"),
            "so2": (bsfc * 2 * conv * s / 100, f"computed: SO2 = BSFC x 2 x {conv:g} x S / 100 "
                                               f"= {bsfc:g} x 2 x {conv:g} x {s:g} / 100 "
                                               f"(ShipEF calcEF_SO2.r)"),
            "co2": (bsfc * carbon, f"computed: CO2 = BSFC x carbon factor = {bsfc:g} x "
                                   f"{carbon:g} (ShipEF CO2ConversionFactor.rda)"),
        }

    def aux_factor_rows(self) -> list[dict]:
        """Every auxiliary-engine factor used: the table's rows plus the computed ones."""
        rows = [dict(r) for r in self.tables["aux_emission_factors"].rows]
        derived = self._formula_factors("aux_bsfc_g_per_kwh")
        unconfirmed = {"dpm": not self.parameters["dpm_share_of_pm10"].confirmed}
        rog = self.value("rog_per_hc")
        for speed in ENGINE_SPEEDS:
            for pollutant, (value, source) in derived.items():
                rows.append(_computed(pollutant, value, source,
                                      not unconfirmed.get(pollutant, False), engine_speed=speed))
            for hc in [r for r in rows if r["pollutant"] == "hc" and r["engine_speed"] == speed]:
                rows.append(_computed(
                    "rog", rog * hc["g_per_kwh"],
                    f"computed: ROG = {rog:g} x HC ({hc['g_per_kwh']:g}) (rog_per_hc, "
                    f"UNCONFIRMED convention)",
                    self.parameters["rog_per_hc"].confirmed and hc["confirmed"],
                    engine_speed=speed))
        return rows

    def boiler_factor_rows(self) -> list[dict]:
        rows = [dict(r) for r in self.tables["boiler_emission_factors"].rows]
        for pollutant, (value, source) in self._formula_factors("boiler_bsfc_g_per_kwh").items():
            confirmed = pollutant != "dpm" or self.parameters["dpm_share_of_pm10"].confirmed
            rows.append(_computed(pollutant, value, source, confirmed))
        rog = self.value("rog_per_hc")
        for hc in [r for r in rows if r["pollutant"] == "hc"]:
            rows.append(_computed("rog", rog * hc["g_per_kwh"],
                                  f"computed: ROG = {rog:g} x HC ({hc['g_per_kwh']:g}) "
                                  f"(rog_per_hc, UNCONFIRMED convention)",
                                  self.parameters["rog_per_hc"].confirmed))
        return rows

    def residual_rows(self) -> list[dict]:
        rows = [dict(r) for r in self.tables["caecs_residual"].rows]
        if self.value("capture_residual_pm10_from_pm25"):
            share, dpm = self.value("pm25_share_of_pm10"), self.value("dpm_share_of_pm10")
            for pm25 in [r for r in rows if r["pollutant"] == "pm25"]:
                pm10 = pm25["g_per_kwh"] / share
                for pollutant, value, text in (
                    ("pm10", pm10, f"PM10 = PM2.5 {pm25['g_per_kwh']:g} / {share:g}"),
                    ("dpm", dpm * pm10, f"DPM = {dpm:g} x PM10 residual"),
                ):
                    row = _computed(pollutant, value,
                                    f"computed: {text} (capture_residual_pm10_from_pm25, "
                                    f"UNCONFIRMED convention)", False)
                    row["applies_to"] = pm25["applies_to"]
                    rows.append(row)
        return rows


def _computed(pollutant, value, source, confirmed, **extra) -> dict:
    return {"pollutant": pollutant, "fuel": "MGO", "g_per_kwh": value,
            "source": source, "confirmed": bool(confirmed), "note": None,
            **({"nox_tier": None} if "engine_speed" in extra else {}), **extra}


def factors_dir() -> Path:
    """`rules/factors` beside the packs; the shipped copy if a packs override lacks it."""
    for candidate in (rules_dir() / "factors", PACKAGE_DIR / "_rules" / "factors",
                      REPO_DIR / "rules" / "factors"):
        if (candidate / "factors.toml").is_file():
            return candidate
    raise BerthcheckError("the emission factor tables (rules/factors/factors.toml) are missing")


def _cell(column: str, text: str):
    text = (text or "").strip()
    if column == "confirmed":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"confirmed must be true or false, not {text!r}")
        return text.lower() == "true"
    if text == "":
        return None
    if column in _FLOAT_COLUMNS:
        return float(text)
    if column == "nox_tier":
        return int(text)
    return text


def _read_table(folder: Path, name: str, spec: dict) -> FactorTable:
    path = folder / spec["file"]
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        columns = tuple(reader.fieldnames or ())
        if columns != _TABLE_COLUMNS[name]:
            raise BerthcheckError(
                f"{path}: columns must be {', '.join(_TABLE_COLUMNS[name])}, not {', '.join(columns)}"
            )
        rows = []
        for number, raw in enumerate(reader, start=2):
            try:
                row = {c: _cell(c, raw[c]) for c in columns}
            except (TypeError, ValueError) as exc:
                raise BerthcheckError(f"{path} row {number}: {exc}") from None
            if not row["source"]:
                raise BerthcheckError(f"{path} row {number}: every factor row must name its source")
            for c in ("aux_kw", "boiler_kw", "g_per_kwh", "bin_from", "bin_to"):
                if row.get(c) is not None and row[c] < 0:
                    raise BerthcheckError(f"{path} row {number}: {c} must not be negative")
            rows.append(row)
    return FactorTable(name, spec["file"], spec.get("description", ""), columns, tuple(rows))


def _folder_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_factors(folder: Path | None = None) -> Factors:
    """Read and check the factor tables (cached per folder and content)."""
    folder = Path(folder) if folder is not None else factors_dir()
    return _load_factors(folder, _folder_hash(folder))


@lru_cache(maxsize=8)
def _load_factors(folder: Path, content_hash: str) -> Factors:
    toml_path = folder / "factors.toml"
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BerthcheckError(f"cannot read {toml_path}: {exc}") from None
    meta = data["factors"]
    params = {
        name: FactorParameter(name, spec["value"], spec["citation"], spec.get("confirmed", True),
                              spec.get("note"), spec.get("unit"))
        for name, spec in data.get("parameters", {}).items()
    }
    tables = {}
    for name, spec in data.get("tables", {}).items():
        if name not in _TABLE_COLUMNS:
            raise BerthcheckError(f"{toml_path}: unknown table {name!r}")
        tables[name] = _read_table(folder, name, spec)
    factors = Factors(meta["id"], meta["version"], meta["title"], meta.get("citation", ""),
                      folder, params, tables, content_hash)
    _check_factors(factors, toml_path)
    return factors


def _check_factors(f: Factors, where: Path) -> None:
    def fail(message: str):
        raise BerthcheckError(f"{where}: {message}")

    missing = [t for t in _TABLE_COLUMNS if t not in f.tables]
    if missing:
        fail(f"tables missing: {', '.join(missing)}")
    missing = [p for p in _REQUIRED_PARAMETERS if p not in f.parameters]
    if missing:
        fail(f"parameters missing: {', '.join(missing)}")
    for p in f.parameters.values():
        if not str(p.citation).strip():
            fail(f"parameter {p.name} has no citation")
        if not p.confirmed and "UNCONFIRMED" not in (p.note or ""):
            fail(f"parameter {p.name} is unconfirmed: its note must say UNCONFIRMED and why")
    if f.value("default_aux_engine_speed") not in ENGINE_SPEEDS:
        fail(f"default_aux_engine_speed must be one of {', '.join(ENGINE_SPEEDS)}")
    if f.value("default_nox_tier") not in NOX_TIERS:
        fail("default_nox_tier must be 0, 1, 2 or 3")

    loads = f.tables["aux_boiler_loads"].rows
    for row in loads:
        if row["vessel_type"] not in VESSEL_TYPES:
            fail(f"aux_boiler_loads: unknown vessel type {row['vessel_type']!r}")
        if row["size_metric"] not in SIZE_METRICS:
            fail(f"aux_boiler_loads: size_metric must be one of {', '.join(SIZE_METRICS)}")
        if row["aux_kw"] is None or row["boiler_kw"] is None:
            fail(f"aux_boiler_loads: {row['category']}: aux_kw and boiler_kw are required")
    for vtype in VESSEL_TYPES:
        own = [r for r in loads if r["vessel_type"] == vtype]
        if sum(r["size_metric"] == "none" for r in own) != 1:
            fail(f"aux_boiler_loads: vessel type {vtype} needs exactly one row with size_metric none")
        bins = sorted((r for r in own if r["size_metric"] != "none"), key=lambda r: r["bin_from"])
        if len({r["size_metric"] for r in bins}) > 1:
            fail(f"aux_boiler_loads: vessel type {vtype} mixes size metrics")
        for a, b in zip(bins, bins[1:], strict=False):
            if a["bin_to"] is None or a["bin_to"] > b["bin_from"]:
                fail(f"aux_boiler_loads: {vtype} bins overlap at {b['bin_from']:g}")
        for r in bins:
            if r["bin_from"] is None or (r["bin_to"] is not None and r["bin_to"] <= r["bin_from"]):
                fail(f"aux_boiler_loads: {r['category']}: bin_from < bin_to required")

    aux = f.tables["aux_emission_factors"].rows
    for speed in ENGINE_SPEEDS:
        for tier in NOX_TIERS:
            if sum(r["pollutant"] == "nox" and r["engine_speed"] == speed
                   and r["nox_tier"] == tier for r in aux) != 1:
                fail(f"aux_emission_factors: need one nox row for {speed} tier {tier}")
        for pollutant in ("co", "hc"):
            if sum(r["pollutant"] == pollutant and r["engine_speed"] == speed for r in aux) != 1:
                fail(f"aux_emission_factors: need one {pollutant} row for {speed}")
    boiler = f.tables["boiler_emission_factors"].rows
    for pollutant in ("nox", "co", "hc"):
        if sum(r["pollutant"] == pollutant for r in boiler) != 1:
            fail(f"boiler_emission_factors: need one {pollutant} row")
    residual = f.tables["caecs_residual"].rows
    for r in residual:
        if r["pollutant"] not in POLLUTANTS or r["applies_to"] not in ("aux_engine", "boiler"):
            fail(f"caecs_residual: unknown pollutant or applies_to in {r}")
    if f.value("capture_treats_boiler_exhaust") and not any(
        r["applies_to"] == "boiler" for r in residual
    ):
        fail("capture_treats_boiler_exhaust = true needs caecs_residual rows for applies_to boiler")


def factors_hash() -> str:
    """sha256 over the factor files (for run records: the factors are inputs of the results)."""
    return load_factors().hash


# --- the factors as frames for the SQL stage (berthcheck/emission_stage.py) -----------------


def aux_factor_frame(f: Factors):
    """One row per (engine_speed, nox_tier) with ef_<pollutant> columns (g/kWh)."""
    import polars as pl

    rows = f.aux_factor_rows()
    records = []
    for speed in ENGINE_SPEEDS:
        own = {r["pollutant"]: r["g_per_kwh"] for r in rows
               if r["engine_speed"] == speed and r["pollutant"] != "nox"}
        for tier in NOX_TIERS:
            nox = next(r["g_per_kwh"] for r in rows if r["pollutant"] == "nox"
                       and r["engine_speed"] == speed and r["nox_tier"] == tier)
            records.append({"_em_speed": speed, "_em_tier": tier, "ef_nox": nox,
                            **{f"ef_{p}": own[p] for p in POLLUTANTS if p != "nox"}})
    return pl.DataFrame(records, schema={"_em_speed": pl.Utf8, "_em_tier": pl.Int64,
                                         **{f"ef_{p}": pl.Float64 for p in POLLUTANTS}})


def residuals(f: Factors, applies_to: str) -> dict[str, float]:
    return {r["pollutant"]: r["g_per_kwh"] for r in f.residual_rows()
            if r["applies_to"] == applies_to}


# --- printing the tables (berthcheck rules show factors) ---------------------------------------

FACTOR_VIEWS = ("aux_boiler_loads", "aux_emission_factors", "boiler_emission_factors",
                "caecs_residual", "conventions")


def factor_names() -> tuple[str, ...]:
    return ("factors", *FACTOR_VIEWS)


def _text_table(columns: list[str], rows: list[dict]) -> list[str]:
    """Aligned columns; each row's source is a numbered reference listed below the table."""
    sources: list[str] = []
    notes: list[tuple[int, str]] = []
    shown = [c for c in columns if c not in ("source", "note")]
    cells = []
    for i, row in enumerate(rows, 1):
        src = row["source"]
        if src not in sources:
            sources.append(src)
        line = {c: "" if row.get(c) is None else (f"{row[c]:g}" if isinstance(row[c], float)
                                                   else str(row[c]).lower() if isinstance(row[c], bool)
                                                   else str(row[c])) for c in shown}
        line["#"] = str(i)
        line["src"] = f"[{sources.index(src) + 1}]"
        cells.append(line)
        if row.get("note"):
            notes.append((i, row["note"]))
    header = ["#", *shown, "src"]
    widths = {c: max(len(c), *(len(r[c]) for r in cells)) if cells else len(c) for c in header}
    out = ["  " + "  ".join(c.ljust(widths[c]) for c in header).rstrip()]
    out += ["  " + "  ".join(r[c].ljust(widths[c]) for c in header).rstrip() for r in cells]
    out.append("  sources:")
    out += [f"    [{k}] {s}" for k, s in enumerate(sources, 1)]
    if notes:
        out.append("  notes:")
        out += [f"    #{i}: {n}" for i, n in notes]
    return out


def describe_factors(name: str = "factors") -> list[str]:
    """Lines printing one factor table (or all of them, name "factors") with its sources."""
    wanted = name.strip().lower()
    if wanted not in factor_names():
        raise UsageError(f"unknown factor table {name!r}; one of {', '.join(factor_names())}")
    f = load_factors()
    views = FACTOR_VIEWS if wanted == "factors" else (wanted,)
    lines = [f"{f.label} — {f.title}", f"{f.citation}", f"folder: {f.path}", ""]
    for view in views:
        if view == "conventions":
            lines.append("conventions (factors.toml parameters):")
            for p in f.parameters.values():
                flag = "" if p.confirmed else "  [UNCONFIRMED]"
                unit = f" ({p.unit})" if p.unit else ""
                lines.append(f"  {p.name} = {p.value!r}{unit}{flag}")
                lines.append(f"      source: {p.citation}")
                if p.note:
                    lines.append(f"      note: {' '.join(p.note.split())}")
            lines.append("")
            continue
        table = f.tables[view]
        rows = {"aux_emission_factors": f.aux_factor_rows,
                "boiler_emission_factors": f.boiler_factor_rows,
                "caecs_residual": f.residual_rows}.get(view, lambda t=table: list(t.rows))()
        lines.append(f"table {view} ({table.file}): {table.description}")
        lines += _text_table(list(table.columns), rows)
        lines.append("")
    return lines[:-1] if lines and lines[-1] == "" else lines


def factor_table_lines() -> list[str]:
    """The factor tables in brief (for `berthcheck rules list`)."""
    f = load_factors()
    computed = {"aux_emission_factors": len(f.aux_factor_rows()),
                "boiler_emission_factors": len(f.boiler_factor_rows()),
                "caecs_residual": len(f.residual_rows())}
    lines = [f"emission factors {f.label} — {f.title}",
             "  (berthcheck rules show factors | rules show TABLE prints them with sources)"]
    unconfirmed = f.unconfirmed()
    for name, t in f.tables.items():
        more = computed.get(name, len(t.rows)) - len(t.rows)
        extra = f" + {more} computed" if more else ""
        flag = "  [contains UNCONFIRMED rows]" if f"table {name}" in unconfirmed else ""
        lines.append(f"  table {name}: {len(t.rows)} rows{extra}{flag}")
    lines.append("  table conventions: the factors.toml parameters")
    for name, p in f.parameters.items():
        flag = "" if p.confirmed else "  [UNCONFIRMED]"
        lines.append(f"    {name} = {p.value!r}{flag}")
    return lines

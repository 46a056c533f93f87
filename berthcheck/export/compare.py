"""Two or more ports' indicator packages side by side, as HTML or PDF with charts.

Each package is read and checked by `package_read` (a partner's file: untrusted), and every
package must have been made with the same pack id, version and pack files (numbers computed
under other definitions are not comparable: refused with a clear message). The page is laid
out by the report's renderer (`berthcheck.report.render`: shipped fonts, the safe URL fetcher,
escaped text) from this module's own template `compare.html.j2`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck import __version__
from berthcheck.errors import BerthcheckError, UsageError
from berthcheck.export.indicators import CSV_NAME, PACKAGE_NAME, RESOURCE
from berthcheck.export.package_read import Package, package_names, read_package

__all__ = ["Package", "build_model", "compare_packages", "draw", "read_package"]

TEMPLATE = "compare.html.j2"


@dataclass
class CompareOutcome:
    path: Path
    packages: int
    rows: int
    format: str
    undrawable: list = field(default_factory=list)  # report.glyphs.Undrawable (PDF only)
    warnings: list[str] = field(default_factory=list)
    sha256: str = ""  # of the page written
    pack: tuple[str, str] = ("", "")  # the packages' pack id and version
    compared: list[dict] = field(default_factory=list)  # each package's facts (--json)


def package_facts(p: Package) -> dict:
    """What `compare --json` says of a package: where its numbers come from."""
    b = p.descriptor.get("berthcheck") or {}
    return {"source": p.source, "title": p.descriptor.get("title"), "run_id": b.get("run_id"),
            "period": b.get("period"), "port": b.get("port"), "version": b.get("version"),
            "pack_hash": b.get("pack_hash"), "time_zones": b.get("time_zones"),
            "ports": sorted({str(r["port"]) for r in p.rows}),
            "months": sorted({str(r["month"]) for r in p.rows}), "rows": len(p.rows)}


def zones_text(descriptor: dict) -> str:
    zones = (descriptor.get("berthcheck") or {}).get("time_zones")
    if zones is None:
        return "not stated"
    return ", ".join(f"{port}: {tz}" for port, tz in sorted(zones.items())) or "no port"


def _refuse_repeats(packages: list[Package]) -> None:
    """The same package given twice would show its port twice, as if two ports. The same is
    the same CSV of the same run, port and period: two ports' months of no visit have the same
    CSV (its header), and are two packages."""
    first: dict[tuple, Package] = {}
    for p in packages:
        b = p.descriptor.get("berthcheck") or {}
        key = (p.csv_sha256, b.get("run_id"), b.get("port"), b.get("period"))
        if key in first:
            raise UsageError(f"{first[key].source} and {p.source} are the same package "
                             "(the same indicators.csv of the same run); give each port's "
                             "package once")
        first[key] = p


def check_same_definitions(packages: list[Package]) -> tuple[str, str]:
    definitions = {p.definition for p in packages}
    if len(definitions) > 1:
        # which berthcheck wrote each: the partner behind learns which release to install
        listed = "; ".join(f"{p.source}: {p.definition[0]}@{p.definition[1]}"
                           + (f", written by berthcheck {p.descriptor['berthcheck']['version']}"
                              if p.descriptor["berthcheck"].get("version") else "")
                           for p in packages)
        raise BerthcheckError(
            "the packages were computed with different definitions and cannot be compared "
            f"({listed}); export every port's indicators with the same rule pack and version: "
            "the same berthcheck release, or the other port's copy of the pack folder given as "
            "`export indicators --pack PATH`")
    hashes = {p.descriptor["berthcheck"].get("pack_hash") for p in packages} - {None}
    if len(hashes) > 1:  # packages written before the hash was recorded are not held to it
        listed = "; ".join(f"{p.source}: sha256 {p.descriptor['berthcheck']['pack_hash'][:12]}"
                           for p in packages if p.descriptor["berthcheck"].get("pack_hash"))
        raise BerthcheckError(
            f"the packages name the same pack, {packages[0].definition[0]}@"
            f"{packages[0].definition[1]}, but were computed with different rule files "
            f"($.berthcheck.pack_hash: {listed}): a pack edited without a new version (or its "
            "files rewritten, e.g. their line endings); export every port's indicators with "
            "the same pack files")
    return packages[0].definition


_UNREGULATED = ("not_applicable", "exempt", "insufficient_data")


def _unregulated(port: str, month: str, a: dict) -> str | None:
    """Why a port-month with visits has no rate and no uncontrolled hours: its visits by
    verdict (a partner port the pack does not cover: all not_applicable), so `–` is read as
    nothing required, not as 0 %."""
    if a["regulated"] or not a["visits"]:
        return None
    split = ", ".join(f"{int(a[v])} {v}" for v in _UNREGULATED if v in a)
    return (f"{port} {month}: none of its {int(a['visits'])} visits is regulated"
            + (f": {split}" if split else ""))


_MASS_COLUMNS = ("at_berth_nox", "avoided_nox", "avoided_co2")


def _mass_column(lines: list[dict], key: str) -> str:
    """One unit for a column of kilograms, named in its header, and each line's `<key>_text`
    in it: t when a value reaches 10 t, else kg (each value in the unit that kept it short put
    Los Angeles' `55.9 t` beside Nagoya's `9,170 kg` in one column)."""
    top = max((abs(ln[key]) for ln in lines), default=0.0)
    for ln in lines:
        value = ln[key]
        ln[f"{key}_text"] = (f"{value / 1000:,.1f}" if top >= 10_000
                             else f"{value:,.0f}" if top >= 100 else f"{value:,.1f}")
    return "t" if top >= 10_000 else "kg"


def _rate(compliant: float, regulated: float) -> float | None:
    return round(100.0 * compliant / regulated, 1) if regulated else None


def build_model(packages: list[Package]) -> dict:
    from berthcheck.report import fmt

    pack, version = check_same_definitions(packages)
    # a port and month that more than one package holds (an all-ports package beside that
    # port's own, two exports of a port) is shown per package, under its name: never summed
    holders: dict[tuple[str, str], set[str]] = {}
    for p in packages:
        for r in p.rows:
            holders.setdefault((r.get("port") or "", r.get("month") or ""), set()).add(p.source)

    def port_text(p: Package, port: str, month: str) -> str:
        return f"{p.source}: {port}" if len(holders[(port, month)]) > 1 else port

    lines: list[dict] = []  # one per package, port and month
    types: dict[tuple, dict] = {}
    for p in packages:
        per: dict[tuple[str, str], dict[str, float]] = {}
        for r in p.rows:
            key = (r.get("port") or "", r.get("month") or "")
            a = per.setdefault(key, {"visits": 0, "regulated": 0, "compliant": 0,
                                     "uncontrolled": 0.0, "shore_power_hours": 0.0,
                                     "capture_hours": 0.0, "shore_power_kwh": 0.0,
                                     "at_berth_nox": 0.0, "avoided_nox": 0.0,
                                     "avoided_co2": 0.0})
            a["visits"] += r.get("visits") or 0
            a["regulated"] += r.get("regulated_visits") or 0
            for verdict in _UNREGULATED:  # a package may lack them (not compared): then unsaid
                if f"{verdict}_visits" in r:
                    a[verdict] = a.get(verdict, 0) + (r[f"{verdict}_visits"] or 0)
            a["compliant"] += r.get("compliant_visits") or 0
            a["uncontrolled"] += r.get("uncontrolled_hours") or 0.0
            a["shore_power_hours"] += r.get("shore_power_hours") or 0.0
            a["capture_hours"] += r.get("capture_hours") or 0.0
            a["shore_power_kwh"] += r.get("shore_power_kwh") or 0.0
            a["at_berth_nox"] += r.get("at_berth_nox_kg") or 0.0
            a["avoided_nox"] += r.get("avoided_nox_kg") or 0.0
            a["avoided_co2"] += r.get("avoided_co2_kg") or 0.0
            port, month = r.get("port") or "", r.get("month") or ""
            shown = port_text(p, port, month)
            t = types.setdefault((port, month, shown, r.get("vessel_type") or ""),
                                 {"visits": 0, "regulated": 0, "compliant": 0})
            t["visits"] += r.get("visits") or 0
            t["regulated"] += r.get("regulated_visits") or 0
            t["compliant"] += r.get("compliant_visits") or 0
            for verdict in _UNREGULATED:  # unsaid where the package lacks the column
                if f"{verdict}_visits" in r:
                    t[verdict] = t.get(verdict, 0) + (r[f"{verdict}_visits"] or 0)
        for (port, month), a in sorted(per.items()):
            rate = _rate(int(a["compliant"]), int(a["regulated"]))
            lines.append({
                "package": p.source, "run_id": (p.descriptor.get("berthcheck") or {}).get("run_id"),
                "port": port, "port_text": port_text(p, port, month), "month": month,
                "label": f"{port} {month}",
                "visits": a["visits"], "regulated": a["regulated"], "rate": rate,
                "rate_text": f"{rate:.1f} %" if rate is not None else fmt.DASH,
                # nothing regulated: no control window, so no uncontrolled hours to count
                # (a "0.0" beside Los Angeles' read as every hour controlled)
                "uncontrolled": a["uncontrolled"],
                "uncontrolled_text": fmt.DASH if not a["regulated"] and not a["uncontrolled"]
                else fmt.hours(a["uncontrolled"]),
                "shore_power_text": fmt.hours(a["shore_power_hours"]),
                "capture_text": fmt.hours(a["capture_hours"]),
                "kwh_text": fmt.integer(a["shore_power_kwh"]),
                "at_berth_nox": a["at_berth_nox"], "avoided_nox": a["avoided_nox"],
                "avoided_co2": a["avoided_co2"],
                "unregulated_text": _unregulated(port_text(p, port, month), month, a),
            })
    mass_units = {key: _mass_column(lines, key) for key in _MASS_COLUMNS}
    seen: dict[str, int] = {}
    for ln in lines:
        seen[ln["label"]] = seen.get(ln["label"], 0) + 1
    for ln in lines:  # the same port and month in two packages: say which package
        if seen[ln["label"]] > 1:
            ln["label"] = f"{ln['package']}: {ln['label']}"
    # in the side-by-side table's order (the packages as given), then by vessel type
    rank = {(ln["port_text"], ln["month"]): i for i, ln in enumerate(lines)}
    type_rows = []
    for (port, month, shown, vtype), t in sorted(
            types.items(), key=lambda kv: (rank[(kv[0][2], kv[0][1])], kv[0])):
        rate = _rate(t["compliant"], t["regulated"])
        type_rows.append({"port": port, "port_text": shown, "month": month, "vessel_type": vtype,
                          "visits": t["visits"], "regulated": t["regulated"],
                          **{v: t.get(v) for v in _UNREGULATED},
                          "rate_text": f"{rate:.1f} %" if rate is not None else fmt.DASH})
    months = sorted({str(ln["month"]) for ln in lines if ln["month"]})
    last = months[-1] if months else "1980-01"
    year_n, month_n = (int(x) for x in last.split("-"))
    end = dt.datetime(year_n + (month_n == 12), month_n % 12 + 1, 1, tzinfo=dt.UTC)
    ports = list(dict.fromkeys(str(ln["port"]) for ln in lines))  # in the tables' order
    runs = [str((p.descriptor.get("berthcheck") or {}).get("run_id")) for p in packages]
    meta = {
        "title": "At-Berth Indicators Compared",
        "period_title": ", ".join(months) or "no months",
        "scope_text": "Ports: " + ", ".join(ports),
        "run_id": ", ".join(runs),
        "pack_label": f"{pack}@{version}",
        "version": __version__,
        "epoch": int(end.timestamp()),
        "date_iso": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "results_name": "berthcheck-indicators-compared.csv",
    }
    sources = [{"source": p.source, "run_id": runs[i], "title": p.descriptor.get("title"),
                "zones": zones_text(p.descriptor), "rows": len(p.rows)}
               for i, p in enumerate(packages)]
    return {"meta": meta, "lines": lines, "types": type_rows, "packages": sources,
            "mass_units": mass_units}


def draw(model: dict) -> dict:
    from berthcheck.report import charts, fmt

    labels = [ln["label"] for ln in model["lines"]]
    uncontrolled = [ln["uncontrolled_text"] for ln in model["lines"]]
    unit = model["mass_units"]["avoided_nox"]
    return {
        # a port-month without regulated visits has no rate: its bar says so, never "0 %"
        "rate": charts.columns("Compliance rate (compliant / regulated visits)", labels,
                               [ln["rate"] or 0.0 for ln in model["lines"]], y_title="%",
                               value_texts=[fmt.DASH if ln["rate"] is None else f"{ln['rate']:.1f}"
                                            for ln in model["lines"]],
                               note=f"{fmt.DASH}: no regulated visits, so no compliance rate"
                               if any(ln["rate"] is None for ln in model["lines"]) else None),
        "uncontrolled": charts.columns("Uncontrolled hours", labels,
                                       [ln["uncontrolled"] for ln in model["lines"]],
                                       y_title="hours",
                                       value_texts=[t if t == fmt.DASH or ln["uncontrolled"]
                                                    else "" for ln, t in zip(
                                                        model["lines"], uncontrolled, strict=True)],
                                       note=f"{fmt.DASH}: no regulated visits, so no control "
                                       "window to count" if fmt.DASH in uncontrolled else None),
        # in the table's unit for the column, each bar labelled as its cell reads
        "avoided": charts.columns(f"NOx avoided by control ({unit})", labels,
                                  [ln["avoided_nox"] / (1000 if unit == "t" else 1)
                                   for ln in model["lines"]], y_title=unit,
                                  value_texts=[ln["avoided_nox_text"] for ln in model["lines"]]),
    }


_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # a spreadsheet's number, never a formula


def _cell(text: str | None, value) -> str:
    """A package's cell as it wrote it; formula-safe (`cells.neutralise`) unless it is a number
    in plain decimal notation (`-3.5000` stays a number for a spreadsheet, not text)."""
    from berthcheck.cells import neutralise

    if text is None:  # a column another of the packages has
        return ""
    if (isinstance(value, int | float) and not isinstance(value, bool)
            and _PLAIN_NUMBER.fullmatch(text)):
        return text
    return neutralise(text) or ""


def combined_csv(packages: list[Package]) -> bytes:
    """Every package's rows, with the package named, for the PDF's attachment: each cell as
    the package wrote it (`0.0000` stays `0.0000`), text cells formula-safe."""
    from berthcheck.cells import neutralise

    names: list[str] = []
    for p in packages:
        for r in p.rows:
            names += [k for k in r if k not in names]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # the zone each row's month is counted in, as its package states it: the attachment is
    # read on its own, away from the page's list of packages
    at = names.index("port") + 1 if "port" in names else len(names)
    writer.writerow(["package", *names[:at], "time_zone", *names[at:]])
    for p in packages:
        zones = (p.descriptor.get("berthcheck") or {}).get("time_zones") or {}
        for r, text in zip(p.rows, p.texts, strict=True):
            cells = [neutralise(p.source)] + [_cell(text.get(k), r.get(k)) for k in names]
            writer.writerow([*cells[:at + 1], neutralise(str(zones.get(r.get("port"), ""))),
                             *cells[at + 1:]])
    return buffer.getvalue().encode("utf-8")


def compare_packages(paths: list[Path], out: Path, *, mkdir: bool = False) -> CompareOutcome:
    from berthcheck import atomic
    from berthcheck.report import glyphs, render

    out = Path(out)
    fmt_ = out.suffix.lower()
    if fmt_ not in (".pdf", ".html"):
        raise UsageError(f"--out {str(out)!r}: the extension must be .pdf or .html")
    if len(paths) < 2:
        raise UsageError("give two or more indicator packages to compare")
    if not mkdir:  # a missing folder is a typo until --mkdir, as for every output (exit 2)
        atomic.check_parent(out, what="comparison")
    packages = [read_package(Path(p), n) for p, n in zip(paths, package_names(paths),
                                                          strict=True)]
    check_same_definitions(packages)
    _refuse_repeats(packages)
    model = build_model(packages)
    # a package's title or names in Chinese or Japanese (a Nagoya partner's): the PDF's fonts
    # have no glyph for them, as for the report (report/glyphs.py); a browser has its own
    undrawable = glyphs.undrawable_texts(model) if fmt_ == ".pdf" else []
    model["undrawable"] = glyphs.listing(undrawable)
    drawn = draw(model)
    folder = render.templates_dir()
    template = render.environment().get_template(TEMPLATE)
    css = "" if fmt_ == ".pdf" else (folder / render.STYLESHEET).read_text(encoding="utf-8")
    html = template.render(m=model, charts=drawn, for_pdf=fmt_ == ".pdf", inline_css=css)
    if fmt_ == ".html":
        data = html.encode("utf-8")
    else:
        meta = model["meta"]
        data = render.render_pdf(html, meta, (meta["results_name"], combined_csv(packages),
                                              "Indicator rows of every package compared")).data
    # the folder is made (with --mkdir) only once the packages were read and the page built
    atomic.write_bytes(out, data, mkdir=mkdir, what="comparison")
    return CompareOutcome(out, len(packages), len(model["lines"]), fmt_[1:], undrawable,
                          _warnings(packages), hashlib.sha256(data).hexdigest(),
                          packages[0].definition, [package_facts(p) for p in packages])


def _warnings(packages: list[Package]) -> list[str]:
    """What of a package was not compared, said rather than dropped unseen."""
    out = []
    for p in packages:
        out += p.warnings
        if p.unread:
            out.append(f"{p.source}: not read: {', '.join(p.unread)} (compare reads "
                       f"{PACKAGE_NAME} and {CSV_NAME}, resource {RESOURCE!r}, only)")
        if not p.rows:
            out.append(f"{p.source}: {CSV_NAME} holds no rows: none of its ports is on the page")
    # a port whose months two packages count in two zones: one "2026-10" is two months
    zones: dict[str, dict[str, list[str]]] = {}
    for p in packages:
        stated = (p.descriptor.get("berthcheck") or {}).get("time_zones") or {}
        for port in dict.fromkeys(str(r["port"]) for r in p.rows):
            if port in stated:
                zones.setdefault(port, {}).setdefault(str(stated[port]), []).append(p.source)
    for port, by_zone in zones.items():
        if len(by_zone) > 1:
            listed = ", ".join(f"{z} ({', '.join(names)})" for z, names in by_zone.items())
            out.append(f"{port}'s months are counted in {len(by_zone)} time zones: {listed}; "
                       "its months cover other hours in each package")
    return out

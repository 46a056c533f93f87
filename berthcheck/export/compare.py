"""Two or more ports' indicator packages side by side, as HTML or PDF with charts.

Each package (a FILE.zip or a folder written by `export indicators`) is read and checked: its
`datapackage.json` must name the berthcheck pack and version, its CSV must match the sha256
the descriptor records, and every package must have been made with the same pack id and
version (numbers computed under other definitions are not comparable: refused with a clear
message). A package is a partner's file, so untrusted: its cells are typed and held to the
constraints of berthcheck's own indicator fields (never the package's word for them), and a
cell that breaks one is refused naming the package, row, column and value. The page is laid out by the report's renderer (`berthcheck.report.render`: shipped
fonts, the safe URL fetcher, escaped text) from this module's own template `compare.html.j2`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck import __version__
from berthcheck.errors import BerthcheckError, UsageError
from berthcheck.export.files import write_atomic
from berthcheck.export.indicators import (
    COLUMNS,
    CSV_NAME,
    PACKAGE_NAME,
    PATTERNS,
    RESOURCE,
    schema_field,
)

TEMPLATE = "compare.html.j2"
MAX_PACKAGE_BYTES = 50_000_000
# A package is typed and checked by berthcheck's own indicator fields, as `export indicators`
# declares them, not by what the package says of itself.
_FIELDS = {c.name: schema_field(c) for c in COLUMNS}
# the fields compare reads (build_model): a package without one cannot be compared
_COMPARED = ("port", "month", "vessel_type", "visits", "compliant_visits", "regulated_visits",
             "uncontrolled_hours", "shore_power_hours", "capture_hours", "shore_power_kwh",
             "at_berth_nox_kg", "avoided_nox_kg", "avoided_co2_kg")
_YEARMONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass
class Package:
    source: str  # the file or folder name, for messages
    descriptor: dict
    rows: list[dict]
    csv_sha256: str  # two packages with the same CSV are the same package
    unread: list[str] = field(default_factory=list)  # zip members and resources not read

    @property
    def definition(self) -> tuple[str, str]:
        b = self.descriptor.get("berthcheck") or {}
        return str(b.get("pack")), str(b.get("pack_version"))


@dataclass
class CompareOutcome:
    path: Path
    packages: int
    rows: int
    format: str
    undrawable: list = field(default_factory=list)  # report.glyphs.Undrawable (PDF only)
    warnings: list[str] = field(default_factory=list)


def _read_members(path: Path) -> tuple[dict[str, bytes], list[str]]:
    """The package's two files, and the names of the zip's other members (never read)."""
    if path.is_dir():
        return {name: (path / name).read_bytes() for name in (PACKAGE_NAME, CSV_NAME)
                if (path / name).is_file()}, []
    if path.suffix.lower() != ".zip" or not path.is_file():
        raise UsageError(f"{path}: give an indicators FILE.zip or a folder holding "
                         f"{PACKAGE_NAME}")
    try:
        with zipfile.ZipFile(path) as archive:
            out = {}
            for name in (PACKAGE_NAME, CSV_NAME):
                if name in archive.namelist():
                    if archive.getinfo(name).file_size > MAX_PACKAGE_BYTES:
                        raise BerthcheckError(f"{path.name}: {name} is too large")
                    out[name] = archive.read(name)
            others = sorted(n for n in archive.namelist()
                            if n not in (PACKAGE_NAME, CSV_NAME) and not n.endswith("/"))
            return out, others
    except zipfile.BadZipFile as exc:  # no zip, a truncated one, or a member's CRC wrong
        raise BerthcheckError(f"{path.name}: not a readable zip file ({exc}); it may be "
                              "truncated or damaged: ask its port for the package again") from None
    except (zlib.error, EOFError) as exc:  # a member's compressed bytes damaged
        raise BerthcheckError(f"{path.name}: a member of the zip is damaged ({exc}); ask its "
                              "port for the package again") from None
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, or an unknown compression
        raise BerthcheckError(f"{path.name}: cannot be read: {exc}; `export indicators` "
                              "writes a plain zip") from None


def read_package(path: Path) -> Package:
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    members, unread = _read_members(path)
    name = path.name
    if PACKAGE_NAME not in members:
        raise BerthcheckError(f"{name}: no {PACKAGE_NAME}")
    try:
        descriptor = json.loads(members[PACKAGE_NAME].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BerthcheckError(f"{name}: {PACKAGE_NAME} is not JSON: {exc}") from None
    except RecursionError:  # arrays in arrays thousands deep: no descriptor is
        raise BerthcheckError(f"{name}: {PACKAGE_NAME} is not a package descriptor: its JSON "
                              "is nested too deeply") from None
    if not isinstance(descriptor, dict):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: $ must be an object")
    _require_text(name, descriptor, "$.title", "title")  # shown on the page as it is
    b = descriptor.get("berthcheck")
    if not isinstance(b, dict) or not b.get("pack") or not b.get("pack_version"):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: $.berthcheck.pack and "
                              "$.berthcheck.pack_version are required (made by `berthcheck "
                              "export indicators`?)")
    # compared as the packages' definitions, or shown on the page: text, as export writes
    for key in ("pack", "pack_version", "pack_hash", "run_id", "period", "port"):
        _require_text(name, b, f"$.berthcheck.{key}", key)
    _check_time_zones(name, b.get("time_zones"))
    resources = descriptor.get("resources")
    resource = next((r for r in resources if isinstance(r, dict) and r.get("name") == RESOURCE),
                    None) if isinstance(resources, list) else None
    if resource is None:
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: $.resources has no resource named "
                              f"{RESOURCE!r}")
    unread += [f"resource {r.get('name')!r}" if isinstance(r, dict) else f"$.resources[{j}]"
               for j, r in enumerate(resources) if r is not resource]
    data = members.get(CSV_NAME)
    if data is None:
        raise BerthcheckError(f"{name}: no {CSV_NAME}")
    expected = str(resource.get("hash") or "")
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if expected != actual:
        raise BerthcheckError(f"{name}: {CSV_NAME} does not match the sha256 its "
                              f"{PACKAGE_NAME} records ($.resources[{RESOURCE}].hash); the "
                              "package was changed after it was written")
    schema = resource.get("schema")
    listed = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(listed, list):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: $.resources[{RESOURCE}].schema.fields "
                              "must be a list")
    _check_declared_types(name, listed)
    rows = _typed_rows(name, data)
    # every row names the pack, version and run it came from: one the descriptor does not
    # name was computed otherwise, whatever the descriptor (which compare holds) says
    for i, row in enumerate(rows, start=2):
        for key in ("pack", "pack_version", "run_id"):
            if key in row and b.get(key) is not None and row[key] != b[key]:
                raise BerthcheckError(f"{name}: {CSV_NAME}, row {i}, column {key}: "
                                      f"{row[key]!r}: the package's {PACKAGE_NAME} says "
                                      f"{b[key]!r} ($.berthcheck.{key})")
        if b.get("port") is not None and row["port"] != b["port"]:
            raise BerthcheckError(f"{name}: {CSV_NAME}, row {i}, column port: {row['port']!r}: "
                                  f"the package is {b['port']!r}'s ($.berthcheck.port)")
        if not _in_period(row["month"], b.get("period")):
            raise BerthcheckError(f"{name}: {CSV_NAME}, row {i}, column month: "
                                  f"{row['month']!r}: outside the package's period "
                                  f"{b['period']!r} ($.berthcheck.period)")
    return Package(name, descriptor, rows, hashlib.sha256(data).hexdigest(), unread)


def _in_period(month: str, period: str | None) -> bool:
    """Whether YYYY-MM lies in an export's --period (YYYY-MM, YYYY-Qn or YYYY); a period of
    another form (or none) is not held to."""
    if not period:
        return True
    if re.fullmatch(r"[0-9]{4}-Q[1-4]", period):
        quarter = int(period[-1])
        return month[:4] == period[:4] and (int(month[5:7]) - 1) // 3 + 1 == quarter
    if re.fullmatch(r"[0-9]{4}(-[0-9]{2})?", period):
        return month.startswith(period)
    return True


def _json_kind(value) -> str:
    return ("an object" if isinstance(value, dict) else "an array"
            if isinstance(value, list) else json.dumps(value))


def _require_text(name: str, holder: dict, path: str, key: str) -> None:
    """`holder[key]`, when given (null counts as not given), must be text."""
    value = holder.get(key)
    if value is not None and not isinstance(value, str):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {path} must be text, not "
                              f"{_json_kind(value)}")


def _check_time_zones(name: str, zones) -> None:
    """`$.berthcheck.time_zones` (port -> the IANA zone its months are counted in) is shown
    beside the port; a package made before berthcheck wrote it has none (shown so)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    path = "$.berthcheck.time_zones"
    if zones is None:
        return
    if not isinstance(zones, dict):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {path} must be an object (port -> IANA "
                              f"time zone), not {_json_kind(zones)}")
    for port, tz in zones.items():
        _require_text(name, zones, f"{path}.{port}", port)
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {path}.{port}: {tz!r}: not an IANA "
                                  "time zone (e.g. Asia/Tokyo)") from None


def zones_text(descriptor: dict) -> str:
    zones = (descriptor.get("berthcheck") or {}).get("time_zones")
    if zones is None:
        return "not stated"
    return ", ".join(f"{port}: {tz}" for port, tz in sorted(zones.items())) or "no port"


def _check_declared_types(name: str, listed: list) -> None:
    """A field the package declares with another type than berthcheck's own indicators field
    was not written by `export indicators` (or was edited): its numbers mean something else."""
    for j, f in enumerate(listed):
        if not isinstance(f, dict):
            raise BerthcheckError(
                f"{name}: {PACKAGE_NAME}: $.resources[{RESOURCE}].schema.fields[{j}] must be "
                f"an object (a field's name, type, ...), not {_json_kind(f)}")
        if str(f.get("name")) not in _FIELDS:
            continue
        ours = _FIELDS[str(f.get("name"))]["type"]
        if f.get("type") != ours:
            raise BerthcheckError(
                f"{name}: {PACKAGE_NAME}: $.resources[{RESOURCE}].schema.fields[{j}].type: "
                f"{f.get('type')!r}: berthcheck's indicators field {f.get('name')} is {ours!r}")


def _typed_rows(name: str, data: bytes) -> list[dict]:
    """The CSV's rows, each cell typed by berthcheck's own indicator fields (never by the
    package's word for it) and held to their constraints: every problem names the package,
    row (the header is row 1), column and value."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise BerthcheckError(f"{name}: {CSV_NAME}: not UTF-8 text (byte {exc.start}, row "
                              f"{line}); a package is written in UTF-8") from None
    records = csv.reader(io.StringIO(text, newline=""))
    header = next(records, [])
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:  # one of the two would be read and the other dropped unseen
        raise BerthcheckError(f"{name}: {CSV_NAME}, row 1 (header): column "
                              f"{', '.join(twice)} given twice")
    missing = [c for c in _COMPARED if c not in header]
    if missing:
        raise BerthcheckError(f"{name}: {CSV_NAME}: no column {', '.join(missing)} (header, "
                              "row 1); compare reads it")
    rows: list[dict] = []
    seen: dict[tuple, int] = {}
    for i, cells in enumerate(records, start=2):
        if len(cells) != len(header):
            raise BerthcheckError(f"{name}: {CSV_NAME}, row {i}: {len(cells)} cells, the header "
                                  f"has {len(header)}")
        row = {key: _typed_cell(f"{name}: {CSV_NAME}, row {i}, column {key}", key, value)
               for key, value in zip(header, cells, strict=True)}
        primary = (row["port"], row["month"], row["vessel_type"])
        if primary in seen:
            raise BerthcheckError(
                f"{name}: {CSV_NAME}, row {i}: port, month and vessel_type "
                f"{', '.join(repr(k) for k in primary)} repeat row {seen[primary]}")
        seen[primary] = i
        rows.append(row)
    return rows


def _typed_cell(where: str, key: str, value: str):
    spec = _FIELDS.get(key)
    if spec is None:  # a column berthcheck does not write: kept as text, never read
        return value or None
    constraints = spec.get("constraints") or {}
    if value == "":
        if constraints.get("required"):
            raise BerthcheckError(f"{where}: empty; the field is required")
        return None
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], value):
        raise BerthcheckError(f"{where}: {value!r}: {PATTERNS[key][1]}")
    if "enum" in constraints and value not in constraints["enum"]:
        raise BerthcheckError(f"{where}: {value!r}: not one of the data contract's {key} "
                              f"values ({', '.join(constraints['enum'])})")
    kind = spec["type"]
    if kind == "yearmonth":
        if not _YEARMONTH.fullmatch(value):
            raise BerthcheckError(f"{where}: {value!r}: not a month (YYYY-MM)")
        return value
    if kind not in ("integer", "number"):
        return value
    number: float
    if kind == "integer":
        if not _INTEGER.fullmatch(value):
            raise BerthcheckError(f"{where}: {value!r}: not an integer")
        number = int(value)
    else:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise BerthcheckError(f"{where}: {value!r}: not a number")
    if "minimum" in constraints and number < constraints["minimum"]:
        raise BerthcheckError(f"{where}: {value!r}: below the minimum {constraints['minimum']}")
    if "maximum" in constraints and number > constraints["maximum"]:
        raise BerthcheckError(f"{where}: {value!r}: above the maximum {constraints['maximum']}")
    return number


def _refuse_repeats(packages: list[Package]) -> None:
    """The same package given twice would show its port twice, as if two ports."""
    first: dict[str, Package] = {}
    for p in packages:
        if p.csv_sha256 in first:
            raise UsageError(f"{first[p.csv_sha256].source} and {p.source} are the same package "
                             "(the same indicators.csv); give each port's package once")
        first[p.csv_sha256] = p


def check_same_definitions(packages: list[Package]) -> tuple[str, str]:
    definitions = {p.definition for p in packages}
    if len(definitions) > 1:
        listed = "; ".join(f"{p.source}: {p.definition[0]}@{p.definition[1]}" for p in packages)
        raise BerthcheckError(
            "the packages were computed with different definitions and cannot be compared "
            f"({listed}); export every port's indicators with the same rule pack and version")
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
                "at_berth_nox_text": fmt.mass_kg(a["at_berth_nox"]),
                "avoided_nox": a["avoided_nox"], "avoided_nox_text": fmt.mass_kg(a["avoided_nox"]),
                "avoided_co2_text": fmt.mass_kg(a["avoided_co2"]),
            })
    seen: dict[str, int] = {}
    for ln in lines:
        seen[ln["label"]] = seen.get(ln["label"], 0) + 1
    for ln in lines:  # the same port and month in two packages: say which package
        if seen[ln["label"]] > 1:
            ln["label"] = f"{ln['package']}: {ln['label']}"
    type_rows = []
    for (port, month, shown, vtype), t in sorted(types.items()):
        rate = _rate(t["compliant"], t["regulated"])
        type_rows.append({"port": port, "port_text": shown, "month": month, "vessel_type": vtype,
                          "visits": t["visits"], "regulated": t["regulated"],
                          "rate_text": f"{rate:.1f} %" if rate is not None else fmt.DASH})
    months = sorted({str(ln["month"]) for ln in lines if ln["month"]})
    last = months[-1] if months else "1980-01"
    year_n, month_n = (int(x) for x in last.split("-"))
    end = dt.datetime(year_n + (month_n == 12), month_n % 12 + 1, 1, tzinfo=dt.UTC)
    ports = sorted({str(ln["port"]) for ln in lines})
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
    return {"meta": meta, "lines": lines, "types": type_rows, "packages": sources}


def draw(model: dict) -> dict:
    from berthcheck.report import charts, fmt

    labels = [ln["label"] for ln in model["lines"]]
    uncontrolled = [ln["uncontrolled_text"] for ln in model["lines"]]
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
        "avoided": charts.columns("NOx avoided by control (kg)", labels,
                                  [ln["avoided_nox"] for ln in model["lines"]],
                                  y_title="kg", value_format=lambda v: fmt.integer(v)),
    }


def combined_csv(packages: list[Package]) -> bytes:
    """Every package's rows, with the package named, for the PDF's attachment."""
    from berthcheck.cells import neutralise

    names: list[str] = []
    for p in packages:
        for r in p.rows:
            names += [k for k in r if k not in names]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["package", *names])
    for p in packages:
        for r in p.rows:
            writer.writerow([neutralise(p.source)] + [
                "" if r.get(k) is None else neutralise(str(r[k])) if isinstance(r.get(k), str)
                else r[k] for k in names])
    return buffer.getvalue().encode("utf-8")


def compare_packages(paths: list[Path], out: Path) -> CompareOutcome:
    from berthcheck.report import glyphs, render

    out = Path(out)
    fmt_ = out.suffix.lower()
    if fmt_ not in (".pdf", ".html"):
        raise UsageError(f"--out {str(out)!r}: the extension must be .pdf or .html")
    if len(paths) < 2:
        raise UsageError("give two or more indicator packages to compare")
    packages = [read_package(Path(p)) for p in paths]
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
    try:
        write_atomic(out, data)
    except OSError as exc:
        raise BerthcheckError(f"cannot write {out}: {exc.strerror or exc}") from None
    return CompareOutcome(out, len(packages), len(model["lines"]), fmt_[1:], undrawable,
                          _warnings(packages))


def _warnings(packages: list[Package]) -> list[str]:
    """What of a package was not compared, said rather than dropped unseen."""
    out = []
    for p in packages:
        if p.unread:
            out.append(f"{p.source}: not read: {', '.join(p.unread)} (compare reads "
                       f"{PACKAGE_NAME} and {CSV_NAME}, resource {RESOURCE!r}, only)")
        if not p.rows:
            out.append(f"{p.source}: {CSV_NAME} holds no rows: none of its ports is on the page")
    return out

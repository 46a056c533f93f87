"""Reading a partner's indicators package (a FILE.zip or a folder written by `export
indicators`) for `compare`: untrusted input, so every part is checked before a number is used.

Its `datapackage.json` must name the berthcheck pack and version (text, as export writes
them), its CSV must match the sha256 the descriptor records, and its cells are typed and held
to the constraints of berthcheck's own indicator fields (never the package's word for them),
each row to the pack, run, port and period its descriptor names. Every refusal names the
package, and the JSON path or the row, column and value.
"""

from __future__ import annotations

import csv
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
from berthcheck.errors import CONTROL, BerthcheckError, UsageError, escaped_controls
from berthcheck.export.indicators import (
    COLUMNS,
    CSV_NAME,
    PACKAGE_NAME,
    PATTERNS,
    RESOURCE,
    VERDICT_COUNTS,
    schema_field,
)

MAX_PACKAGE_BYTES = 50_000_000
# A package is typed and checked by berthcheck's own indicator fields, as `export indicators`
# declares them, not by what the package says of itself.
_FIELDS = {c.name: schema_field(c) for c in COLUMNS}
# the fields compare reads (build_model): a package without one cannot be compared
_COMPARED = ("port", "month", "vessel_type", "visits", "compliant_visits", "regulated_visits",
             "uncontrolled_hours", "shore_power_hours", "capture_hours", "shore_power_kwh",
             "at_berth_nox_kg", "avoided_nox_kg", "avoided_co2_kg")
_YEARMONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_PERIOD = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?")
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass
class Package:
    source: str  # the file or folder name, for messages
    descriptor: dict
    rows: list[dict]
    csv_sha256: str  # two packages with the same CSV are the same package
    unread: list[str] = field(default_factory=list)  # zip members and resources not read
    warnings: list[str] = field(default_factory=list)  # what else of it was not compared
    # each row's cells as the package wrote them (`rows` holds them typed): the PDF's attached
    # CSV gives them so, `74.6000` where the package has it, not the float's `74.6`
    texts: list[dict[str, str]] = field(default_factory=list)

    @property
    def definition(self) -> tuple[str, str]:
        b = self.descriptor.get("berthcheck") or {}
        return str(b.get("pack")), str(b.get("pack_version"))


def _name(path: Path) -> str:
    """The name messages and the page give a package: `.` (the folder one is in) by its
    folder's name."""
    return path.name if path.name not in ("", ".", "..") else path.resolve().name


def _refuse_size(label: str, name: str, size: int) -> None:
    if size > MAX_PACKAGE_BYTES:
        raise BerthcheckError(f"{label}: {name} is {size / 1e6:.1f} MB, above the "
                              f"{MAX_PACKAGE_BYTES / 1e6:.0f} MB an indicators package may hold")


def _read_members(path: Path, label: str) -> tuple[dict[str, bytes], list[str]]:
    """The package's two files, and the names of the zip's other members (never read)."""
    if path.is_dir():
        found = [name for name in (PACKAGE_NAME, CSV_NAME) if (path / name).is_file()]
        for name in found:  # the zip's limit, before anything is read into memory
            _refuse_size(label, name, (path / name).stat().st_size)
        return {name: (path / name).read_bytes() for name in found}, []
    if path.suffix.lower() != ".zip" or not path.is_file():
        raise UsageError(f"{path}: give an indicators FILE.zip or a folder holding "
                         f"{PACKAGE_NAME}")
    try:
        with zipfile.ZipFile(path) as archive:
            out = {}
            names = archive.namelist()
            for name in (PACKAGE_NAME, CSV_NAME):
                if names.count(name) > 1:  # zipfile reads the last, other tools the first
                    raise BerthcheckError(f"{label}: the zip holds {name} "
                                          f"{names.count(name)} times; a package holds each of "
                                          "its files once")
                if name in names:
                    _refuse_size(label, name, archive.getinfo(name).file_size)
                    out[name] = archive.read(name)
            others = sorted(n for n in archive.namelist()
                            if n not in (PACKAGE_NAME, CSV_NAME) and not n.endswith("/"))
            return out, others
    except zipfile.BadZipFile as exc:  # no zip, a truncated one, or a member's CRC wrong
        raise BerthcheckError(f"{label}: not a readable zip file ({exc}); it may be "
                              "truncated or damaged: ask its port for the package again") from None
    except (zlib.error, EOFError) as exc:  # a member's compressed bytes damaged
        raise BerthcheckError(f"{label}: a member of the zip is damaged ({exc}); ask its "
                              "port for the package again") from None
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, or an unknown compression
        raise BerthcheckError(f"{label}: cannot be read: {exc}; `export indicators` "
                              "writes a plain zip") from None


def _where_it_is(path: Path, members: list[str]) -> str:
    """Where a package without a top-level descriptor has one: the package's folder zipped
    again ("Send to > Compressed folder"), or the folder an unzip made around it."""
    if path.is_dir():
        inner = sorted(d.name for d in path.iterdir()
                       if d.is_dir() and (d / PACKAGE_NAME).is_file())
        if not inner:
            return ""
        return (f" in the folder; its folder {inner[0]} holds one: give {path / inner[0]}"
                if len(inner) == 1 else
                f" in the folder; its folders {', '.join(inner)} hold one each: give each")
    nested = [n for n in members if n.endswith("/" + PACKAGE_NAME)]
    if not nested:
        return ""
    return (f" at the top of the zip; it holds {', '.join(nested)}: a folder was zipped, not "
            "the package's files (unzip it and give the folder, or ask its port for the zip "
            "`export indicators` wrote)")


def package_names(paths: list[Path]) -> list[str]:
    """The name each package goes by on the page and in messages: its file or folder name,
    or the path as given where two packages' names are alike (`lax/indicators.zip` beside
    `ngo/indicators.zip`)."""
    names = [_name(Path(p)) for p in paths]
    return [str(p) if len({str(q) for q, m in zip(paths, names, strict=True) if m == n}) > 1
            else n for p, n in zip(paths, names, strict=True)]


def read_package(path: Path, name: str | None = None) -> Package:
    """`name`: what messages call it (`package_names`), by default its file or folder name."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    name = name or _name(path)
    members, unread = _read_members(path, name)
    if PACKAGE_NAME not in members:
        raise BerthcheckError(f"{name}: no {PACKAGE_NAME}{_where_it_is(path, unread)}")
    try:
        # a BOM (the partner's descriptor saved by Notepad) is no content (RFC 8259 8.1)
        descriptor = json.loads(members[PACKAGE_NAME].decode("utf-8-sig"))
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
    for key in ("pack", "pack_version", "pack_hash", "run_id", "period", "port", "version"):
        _require_text(name, b, f"$.berthcheck.{key}", key)
    if b.get("period") is not None and not _PERIOD.fullmatch(b["period"]):
        # its rows' months are held to it: a period of no known form held them to nothing
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: $.berthcheck.period: {b['period']!r}: "
                              "not a period (YYYY-MM, YYYY-Qn or YYYY, as `export indicators "
                              "--period` takes)")
    _check_time_zones(name, b.get("time_zones"))
    resources = descriptor.get("resources")
    resources = resources if isinstance(resources, list) else []
    resource = next((r for r in resources if isinstance(r, dict) and r.get("name") == RESOURCE),
                    None)
    if resource is None:
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: $.resources has no resource named "
                              f"{RESOURCE!r}")
    unread += [f"resource {r.get('name')!r}" if isinstance(r, dict) else f"$.resources[{j}]"
               for j, r in enumerate(resources) if r is not resource]
    _check_resource_text(name, resource)
    data = members.get(CSV_NAME)
    if data is None:
        raise BerthcheckError(f"{name}: no {CSV_NAME}")
    expected = _recorded_sha256(name, resource)
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if expected != actual:
        raise BerthcheckError(f"{name}: {CSV_NAME} does not match the sha256 its "
                              f"{PACKAGE_NAME} records ($.resources[{RESOURCE}].hash): it was "
                              "changed after it was written (opened and saved in a "
                              "spreadsheet?); ask its port for the package again")
    _check_bytes(name, resource.get("bytes"), len(data))
    schema = resource.get("schema")
    listed = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(listed, list):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: $.resources[{RESOURCE}].schema.fields "
                              "must be a list")
    _check_declared_types(name, listed)
    declared = [str(f.get("name")) for f in listed]
    rows, texts = _typed_rows(name, data, declared)
    warnings = _newer_package(name, b.get("version"), declared)
    zones = b.get("time_zones")
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
        if zones is not None and row["port"] not in zones:
            # its months would be read in another port's zone, or in none said
            raise BerthcheckError(f"{name}: {CSV_NAME}, row {i}, column port: {row['port']!r}: "
                                  f"no time zone for it in {PACKAGE_NAME}'s "
                                  "$.berthcheck.time_zones (which names "
                                  f"{', '.join(sorted(zones)) or 'no port'}); its months are "
                                  "counted in the port's own zone")
        if not _in_period(row["month"], b.get("period")):
            raise BerthcheckError(f"{name}: {CSV_NAME}, row {i}, column month: "
                                  f"{row['month']!r}: outside the package's period "
                                  f"{b['period']!r} ($.berthcheck.period)")
    return Package(name, descriptor, rows, hashlib.sha256(data).hexdigest(), unread, warnings,
                   texts)


_SHA256 = re.compile(r"sha256:[0-9a-fA-F]{64}")


def _recorded_sha256(name: str, resource: dict) -> str:
    """The sha256 of indicators.csv its descriptor records (`sha256:<hex>`, as `export
    indicators` writes it), lower case. A hash of another JSON type, none, or one of another
    algorithm is said as such: it is the descriptor's fault, not a CSV changed since."""
    path = f"{_RESOURCE_PATH}.hash"
    _require_text(name, resource, path, "hash")
    value = resource.get("hash")
    what = f"compare checks {CSV_NAME} against the sha256 `export indicators` records there"
    if value is None:
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {path} is missing: {what} "
                              "('sha256:' and 64 hex digits)")
    if not _SHA256.fullmatch(value):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {path}: {value!r}: not 'sha256:' and "
                              f"64 hex digits; {what}")
    return value.lower()


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"[0-9]+", text.split("+")[0])[:3])


def _newer_package(name: str, version: str | None, declared: list[str]) -> list[str]:
    """A partner on a newer berthcheck is compared, not refused (two ports upgrade on their
    own days): on the fields this version writes, each of them typed and checked as its own;
    the newer version and any column this one does not know are said."""
    out = []
    if version is not None and _version_key(version) > _version_key(__version__):
        out.append(f"{name}: made by berthcheck {version}, newer than this one ({__version__}): "
                   "compared on the indicators this version writes")
    unknown = [c for c in declared if c not in _FIELDS]
    if unknown:
        out.append(f"{name}: not read: column {', '.join(repr(c) for c in unknown)} (a field "
                   f"berthcheck {__version__} does not write; its definition is the package's "
                   f"{PACKAGE_NAME})")
    return out


_RESOURCE_PATH = f"$.resources[{RESOURCE}]"


def _check_resource_text(name: str, resource: dict) -> None:
    """The resource names the file compare reads and its encoding, as `export indicators`
    writes them: a partner's validator reads the file `path` names, so a package whose `path`
    is another file was checked there on other rows than compare's."""
    for key in ("path", "encoding"):
        _require_text(name, resource, f"{_RESOURCE_PATH}.{key}", key)
    path = resource.get("path")
    if path != CSV_NAME:
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {_RESOURCE_PATH}.path: {path!r}: not "
                              f"{CSV_NAME}, the file `export indicators` writes and compare reads")
    encoding = resource.get("encoding")
    if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {_RESOURCE_PATH}.encoding: "
                              f"{encoding!r}: not utf-8, the encoding of a package's CSV")


def _check_bytes(name: str, declared, size: int) -> None:
    """`bytes`, when given, is the CSV's size (a Frictionless validator holds it so)."""
    if declared is None:
        return
    if isinstance(declared, bool) or not isinstance(declared, int):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {_RESOURCE_PATH}.bytes must be an "
                              f"integer, not {_json_kind(declared)}")
    if declared != size:
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {_RESOURCE_PATH}.bytes: {declared}: "
                              f"{CSV_NAME} has {size} bytes; the package was changed after it "
                              "was written")


def _check_header(name: str, header: list[str], declared: list[str]) -> None:
    """The CSV's columns are the fields the table schema lists, in its order (a Frictionless
    validator's missing-, extra- and incorrect-label): a column is typed by its field."""
    where = f"{name}: {CSV_NAME}, row 1 (header)"
    for j, field_name in enumerate(declared):
        if field_name not in header:
            raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {_RESOURCE_PATH}.schema.fields[{j}] "
                                  f"({field_name}): no such column in {CSV_NAME}")
    for k, column in enumerate(header, start=1):
        if column not in declared:
            raise BerthcheckError(f"{where}, column {column or f'{k} has no name'}: not a field of "
                                  f"{_RESOURCE_PATH}.schema.fields (the table schema lists "
                                  "every column)")
    for j, (column, field_name) in enumerate(zip(header, declared, strict=False)):
        if column != field_name:
            raise BerthcheckError(f"{where}, column {j + 1} is {column!r}, "
                                  f"{_RESOURCE_PATH}.schema.fields[{j}] is {field_name!r}: the "
                                  "columns must be in the schema's order")


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
    """`holder[key]`, when given (null counts as not given), must be text, without a control
    character (C0 but tab, LF and CR; DEL; C1)."""
    value = holder.get(key)
    if value is not None and not isinstance(value, str):
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {path} must be text, not "
                              f"{_json_kind(value)}")
    found = CONTROL.search(value) if isinstance(value, str) else None
    if found is not None and isinstance(value, str):
        # a partner's title (shown on the page as it is) holding a NUL, an ESC or a C1
        # control reached the comparison's HTML and PDF invisible
        raise BerthcheckError(f"{name}: {PACKAGE_NAME}: {path}: "
                              f"{escaped_controls(value)!r}: holds the control character "
                              f"U+{ord(found.group()):04X}, which no text holds")


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


def _typed_rows(name: str, data: bytes,
                declared: list[str]) -> tuple[list[dict], list[dict[str, str]]]:
    """The CSV's rows, each cell typed by berthcheck's own indicator fields (never by the
    package's word for it) and held to their constraints: every problem names the package,
    row (the header is row 1), column and value. With them, each row's cells as written."""
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
    _check_header(name, header, declared)
    rows: list[dict] = []
    texts: list[dict[str, str]] = []
    seen: dict[tuple, int] = {}
    for i, cells in enumerate(records, start=2):
        if not cells:  # a spreadsheet's save may leave one at the end
            raise BerthcheckError(f"{name}: {CSV_NAME}, row {i} is empty (a blank line); the "
                                  "CSV `export indicators` writes has none")
        if len(cells) != len(header):
            raise BerthcheckError(f"{name}: {CSV_NAME}, row {i}: {len(cells)} cells, the header "
                                  f"has {len(header)}")
        row = {key: _typed_cell(f"{name}: {CSV_NAME}, row {i}, column {key}", key, value)
               for key, value in zip(header, cells, strict=True)}
        _check_sums(f"{name}: {CSV_NAME}, row {i}", row, dict(zip(header, cells, strict=True)))
        primary = (row["port"], row["month"], row["vessel_type"])
        if primary in seen:
            raise BerthcheckError(
                f"{name}: {CSV_NAME}, row {i}: port, month and vessel_type "
                f"{', '.join(repr(k) for k in primary)} repeat row {seen[primary]}")
        seen[primary] = i
        rows.append(row)
        texts.append(dict(zip(header, cells, strict=True)))
    return rows, texts


_VERDICT_COLUMNS = [f"{v}_visits" for v in VERDICT_COUNTS]


def _check_sums(where: str, row: dict, text: dict[str, str]) -> None:
    """The counts add up as the indicators' definitions say (docs/interchange.md): visits are
    every visit by verdict, regulated visits compliant + non-compliant, the rate compliant /
    regulated x 100 (written with 4 decimals), and no rate without regulated visits. Held only
    where the package has the columns (a package may lack those compare does not read)."""
    if all(k in row for k in _VERDICT_COLUMNS):
        total = sum(row[k] for k in _VERDICT_COLUMNS)
        if row["visits"] != total:
            raise BerthcheckError(f"{where}, column visits: {text['visits']!r}: not the sum of "
                                  f"the verdict counts ({' + '.join(_VERDICT_COLUMNS)} = "
                                  f"{total})")
    if "non_compliant_visits" not in row:
        return
    regulated = row["compliant_visits"] + row["non_compliant_visits"]
    if row["regulated_visits"] != regulated:
        raise BerthcheckError(f"{where}, column regulated_visits: {text['regulated_visits']!r}: "
                              f"not compliant_visits + non_compliant_visits ({regulated})")
    if "compliance_rate" not in row:
        return
    rate = row["compliance_rate"]
    if not regulated:
        if rate is not None:
            raise BerthcheckError(f"{where}, column compliance_rate: "
                                  f"{text['compliance_rate']!r}: not empty, as it is without "
                                  "regulated visits")
        return
    expected = round(100.0 * row["compliant_visits"] / regulated, 4)
    if rate is None:
        raise BerthcheckError(f"{where}, column compliance_rate: empty, though regulated_visits "
                              f"is {regulated} ({expected:.4f} expected)")
    if abs(rate - expected) > 0.00011:  # the written cell's rounding, and a float's
        raise BerthcheckError(f"{where}, column compliance_rate: {text['compliance_rate']!r}: "
                              "not compliant_visits / regulated_visits x 100 "
                              f"({expected:.4f})")


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

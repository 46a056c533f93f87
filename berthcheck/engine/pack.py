"""Rule packs as data: `rules/<pack>/pack.toml` plus one SQL file per rule.

A rule file starts with a header of SQL comments, `-- key: value`, continued on lines
indented by two or more spaces after `--`:

    -- id: AB06
    -- name: control.late_connection
    -- title: ...
    -- section: 17 CCR § ...
    -- severity: violation
    -- description: ...
    --   continued ...
    -- compliant: ...
    -- non_compliant: ...

The rest of the file is one SELECT returning `visit_id, message, evidence, minutes`.
Parameters are written `$name` and bound at run time; they are never pasted into the text.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck.engine.pack_spec import (
    Basis,
    EvidenceLabel,
    PackFileError,
    ReportSpec,
    ResultColumn,
)
from berthcheck.errors import UsageError

SEVERITIES = ("info", "warning", "violation")
JUDGES = ("all", "scope_years", "scope_visits")
HEADER_KEYS = ("id", "name", "title", "section", "severity", "description", "compliant",
               "non_compliant")
PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_HEADER_LINE = re.compile(r"^--\s?([a-z_]+):\s?(.*)$")
_CONT_LINE = re.compile(r"^--\s{2,}(.*)$")


@dataclass(frozen=True)
class Parameter:
    name: str
    value: object
    citation: str
    confirmed: bool = True
    note: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class ParamTable:
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    citation: str
    description: str = ""
    note: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    title: str
    section: str
    severity: str
    description: str
    compliant: str
    non_compliant: str
    sql: str  # the query (header removed)
    path: Path

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(sorted(set(PARAM_RE.findall(strip_comments(self.sql)))))


@dataclass(frozen=True)
class Pack:
    id: str
    version: str
    title: str
    regulation: str
    citation: str
    path: Path
    parameters: dict[str, Parameter]
    tables: dict[str, ParamTable]
    stages: tuple[tuple[str, str], ...]  # (relative path, sql)
    rules: tuple[Rule, ...]
    assemble: str
    hash: str = field(default="")
    # `[pack] currency` (ISO 4217, e.g. "EUR"): the unit of the results' `penalty` column, for
    # packs that define a penalty (FuelEU); None = the pack has no penalty.
    currency: str | None = None
    # not one of the packs shipped with berthcheck (a folder given by $BERTHCHECK_RULES_DIR):
    # runs, reports and manifests say "custom pack" and record its folder and hash
    custom: bool = False
    assemble_file: str = "assemble.sql"
    # `[pack] judges`: "all" (default) = every loaded visit is judged, so the pack's sandbox
    # holds every visit's rows; "scope_years" = only the visits of the port-local years the
    # scope touches (scope_visits), so rows of other visits are left out of the sandbox except
    # in the `[pack] history` objects, which the pack reads across all visits; "scope_visits" =
    # the visits in scope and the earlier visits of their years that carry an event
    # (judged_visits), the history objects handed over whole as history_<name> (docs/packs.md)
    judges: str = "all"
    history: tuple[str, ...] = ()
    # `[pack] history` as a table (view -> columns): the columns handed over whole; a view
    # given in a list (or with no columns) is handed over with all its columns
    history_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # `[pack] history_keys` (view -> a table the stages make, or another history_<view>): the
    # history view is handed over when first read, only the rows its key table names
    # (engine/history_keys.py)
    history_keys: dict[str, str] = field(default_factory=dict)
    # `[pack] notes` (issue 16 item 7): {rule id: result column}. A note rule says something
    # about a visit that is not a finding to act on (CARB AB01: why a visit is not applicable);
    # a check runs it as findings only when asked (`check --notes`), otherwise its text is the
    # result column, which assemble.sql makes
    notes: dict[str, str] = field(default_factory=dict)
    # `[pack] inputs` (view -> columns): the only columns of that view the sandbox is handed
    # (a view not listed: all of them), so a million visits' unread columns are not copied
    inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # what the pack declares beyond its SQL (docs/packs.md; engine/pack_spec.py)
    result_columns: tuple[ResultColumn, ...] = ()
    bases: tuple[Basis, ...] = ()
    evidence_labels: dict[str, EvidenceLabel] = field(default_factory=dict)
    report: ReportSpec = ReportSpec()

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def display(self) -> str:
        """The label people read: a custom pack is never shown under a built-in's name alone."""
        if self.custom:
            return f"{self.label} (custom pack {self.path}, sha256 {self.hash[:12]}...)"
        return self.label

    def file_of(self, relative: str) -> Path:
        return self.path / relative

    def rule(self, rule_id: str) -> Rule:
        wanted = rule_id.strip().lower()
        for rule in self.rules:
            if wanted in (rule.id.lower(), rule.name.lower()):
                return rule
        raise UsageError(f"unknown rule {rule_id!r} in pack {self.id}; see `berthcheck rules list`")

    def rules_run(self, notes: bool) -> tuple[Rule, ...]:
        """The rules a check runs: every rule with `notes`, else all but the note rules."""
        if notes or not self.notes:
            return self.rules
        return tuple(r for r in self.rules if r.id not in self.notes)

    def parameter_values(self) -> dict[str, object]:
        return {name: p.value for name, p in self.parameters.items()}

    def unconfirmed(self) -> list[str]:
        out = [n for n, p in self.parameters.items() if not p.confirmed]
        for t in self.tables.values():
            if "confirmed" in t.columns:
                i = t.columns.index("confirmed")
                if any(not row[i] for row in t.rows):
                    out.append(f"table {t.name}")
        return out


def strip_comments(sql: str) -> str:
    """Remove `--` comments (our SQL never has `--` inside string literals)."""
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def split_statements(sql: str) -> list[str]:
    """Split a stage file into statements at semicolons that end a line."""
    return list(_statements(sql))


@functools.lru_cache(maxsize=1024)
def _statements(sql: str) -> tuple[str, ...]:
    """split_statements, once per stage text (every check splits the same stage files)."""
    body = strip_comments(sql)
    parts = re.split(r";[ \t]*(?:\n|$)", body)
    return tuple(p.strip() for p in parts if p.strip())


def parse_header(text: str, path: Path) -> tuple[dict[str, str], str]:
    header: dict[str, str] = {}
    key = None
    lines = text.splitlines()
    body_start = len(lines)
    for i, line in enumerate(lines):
        if not line.startswith("--"):
            body_start = i
            break
        cont = _CONT_LINE.match(line)
        m = _HEADER_LINE.match(line)
        if cont and key is not None:
            header[key] += " " + cont.group(1).strip()
        elif m:
            key = m.group(1)
            header[key] = m.group(2).strip()
        else:
            raise PackFileError(f"{path}: cannot read header line {i + 1}: {line!r}")
    missing = [k for k in HEADER_KEYS if not header.get(k)]
    if missing:
        raise PackFileError(f"{path}: header lacks {', '.join(missing)}")
    if header["severity"] not in SEVERITIES:
        raise PackFileError(f"{path}: severity must be one of {', '.join(SEVERITIES)}")
    return header, "\n".join(lines[body_start:]).strip()


def available_packs() -> list[str]:
    """Ids of the packs found by id: built-in (or $BERTHCHECK_RULES_DIR) and $BERTHCHECK_PACKS."""
    from berthcheck.engine.pack_paths import available

    return [s.id for s in available()]


def _pack_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def load_pack(pack_id: str = "carb-at-berth-2020", folder: Path | None = None) -> Pack:
    """Read a pack's declarations. `pack_id` is an id or a folder path (docs/packs.md); an
    unknown pack or a pack file that breaks the contract -> UsageError (PackFileError) naming
    the file and, where it can, the line."""
    from berthcheck.engine.pack_paths import is_path, resolve

    by_id = folder is None and not is_path(pack_id.strip())
    folder = folder or resolve(pack_id).folder
    toml_path = folder / "pack.toml"
    if not toml_path.is_file():
        raise UsageError(f"unknown pack {pack_id!r}: no pack.toml in {folder}")
    # a pack read before, byte for byte the same files: the same Pack (its files are hashed
    # anyway, for the run id; parsing and checking them again cost each check about 6 ms)
    digest = _pack_hash(folder)
    key = (by_id, str(folder), digest)
    if key in _LOADED:
        return _LOADED[key]
    pack = _parse_pack(folder, toml_path, by_id, digest)
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[key] = pack
    return pack


# packs parsed in this process, by (found by id, folder, hash of its files); a handful at most
_LOADED: dict[tuple[bool, str, str], Pack] = {}
_LOADED_MAX = 32


def _parse_pack(folder: Path, toml_path: Path, by_id: bool, digest: str) -> Pack:
    """The pack in `folder` (load_pack), its files' hash already made."""
    from berthcheck.engine import pack_sql
    from berthcheck.engine.pack_paths import PACK_ID, inside
    from berthcheck.engine.pack_spec import (
        PackFileError,
        SpecReader,
        check_parameter,
        input_columns,
        parse_spec,
    )

    text = toml_path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackFileError(f"{toml_path}: not valid TOML: {exc}") from None
    reader = SpecReader(toml_path, text)
    meta = reader.table(data, "pack", "", r"^\s*\[pack\]")
    for key in ("id", "version", "title", "regulation", "assemble"):
        reader.text_of(meta, key, "[pack]", r"^\s*\[pack\]")
    if not PACK_ID.fullmatch(meta["id"]):
        raise reader.fail(f"[pack] id {meta['id']!r} is not lower-case letters, digits and '-'",
                          r"^\s*id\s*=")
    if by_id and meta["id"] != folder.name:
        raise reader.fail(f"[pack] id {meta['id']!r} differs from its folder's name "
                          f"{folder.name!r}; a pack found by id lives in a folder of that name",
                          r"^\s*id\s*=")
    if not re.fullmatch(r"\d+\.\d+\.\d+", meta["version"]):
        raise reader.fail(f"[pack] version {meta['version']!r} is not MAJOR.MINOR.PATCH",
                          r"^\s*version\s*=")
    raw_params = reader.table(data, "parameters", "", None)
    for name, spec in raw_params.items():
        check_parameter(reader, name, spec)
    params = {
        name: Parameter(
            name=name,
            value=spec["value"],
            citation=spec["citation"],
            confirmed=spec.get("confirmed", True),
            note=spec.get("note"),
            unit=spec.get("unit"),
        )
        for name, spec in raw_params.items()
    }
    tables = {}
    for name, spec in reader.table(data, "tables", "", None).items():
        pattern = rf"^\s*\[tables\.{re.escape(name)}\]"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise reader.fail(f"table name {name!r} is not an identifier", pattern)
        if not isinstance(spec, dict) or not isinstance(spec.get("columns"), list) \
                or not isinstance(spec.get("rows"), list):
            raise reader.fail(f"table {name} needs columns and rows (lists)", pattern)
        reader.text_of(spec, "citation", f"table {name}", pattern)
        columns = tuple(spec["columns"])
        rows = tuple(tuple(r) if isinstance(r, list) else (r,) for r in spec["rows"])
        for r in rows:
            if len(r) != len(columns):
                raise reader.fail(f"table {name} row {list(r)} does not match columns "
                                  f"{list(columns)}", pattern)
        tables[name] = ParamTable(name, columns, rows, spec["citation"],
                                  spec.get("description", ""), spec.get("note"))
    for key in ("stages", "rules"):
        if not isinstance(meta.get(key, []), list):
            raise reader.fail(f"[pack] {key} must be a list", rf"^\s*{key}\s*=")
    protected = pack_sql.protected_names(tables)
    stages = []
    for rel in meta.get("stages", []):
        path = inside(folder, rel, f"{toml_path} [pack] stages")
        sql = path.read_text(encoding="utf-8")
        pack_sql.check_stage(path, sql, protected)
        stages.append((rel, sql))
    rules = []
    seen: dict[str, str] = {}
    for rule_id in meta.get("rules", []):
        pattern = rf"[\"']{re.escape(str(rule_id))}[\"']"
        if not isinstance(rule_id, str) or not re.fullmatch(r"[A-Za-z0-9_]+", rule_id):
            raise reader.fail(f"[pack] rules: {rule_id!r} is not a rule id (letters, digits, _)",
                              r"^\s*rules\s*=")
        if rule_id.lower() in seen:
            raise reader.fail(f"[pack] rules: rule id {rule_id} is listed twice", pattern)
        path = inside(folder, f"{rule_id}.sql", f"{toml_path} [pack] rules ({rule_id})")
        header, body = parse_header(path.read_text(encoding="utf-8"), path)
        if header["id"] != rule_id:
            raise PackFileError(f"{path}: header id {header['id']} does not match file name")
        if header["name"].lower() in seen.values():
            raise PackFileError(f"{path}: rule name {header['name']} is used twice")
        seen[rule_id.lower()] = header["name"].lower()
        pack_sql.check_query(path, body, f"rule {rule_id}")
        rules.append(Rule(sql=body, path=path, **{k: header[k] for k in HEADER_KEYS}))
    assemble_path = inside(folder, meta["assemble"], f"{toml_path} [pack] assemble")
    assemble = assemble_path.read_text(encoding="utf-8")
    pack_sql.check_query(assemble_path, assemble, "assemble")
    spec = parse_spec(data, toml_path, text)
    pack = Pack(
        id=meta["id"],
        version=meta["version"],
        title=meta["title"],
        regulation=meta["regulation"],
        citation=meta.get("citation", ""),
        currency=meta.get("currency"),
        path=folder,
        parameters=params,
        tables=tables,
        stages=tuple(stages),
        rules=tuple(rules),
        assemble=assemble,
        hash=digest,
        custom=is_custom(folder),
        assemble_file=meta["assemble"],
        judges=meta.get("judges", "all"),
        history=tuple(meta.get("history", ())),
        history_columns=_history_columns(meta.get("history", ()), toml_path),
        history_keys=_history_keys(meta, toml_path),
        notes=_notes(reader, meta, rules, spec.result_columns),
        inputs=input_columns(reader, meta),
        result_columns=spec.result_columns,
        bases=spec.bases,
        evidence_labels=spec.evidence_labels,
        report=spec.report,
    )
    if pack.judges not in JUDGES:
        raise PackFileError(f"{toml_path}: judges must be one of {', '.join(JUDGES)}, "
                            f"not {pack.judges!r}")
    _check_parameters(pack)
    return pack


def _history_columns(history, toml_path: Path) -> dict[str, tuple[str, ...]]:
    """`[pack] history`: a list of views, or a table of view -> the columns the pack reads."""
    if isinstance(history, dict):
        for name, columns in history.items():
            if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
                raise PackFileError(f"{toml_path}: [pack] history.{name} must be a list of "
                                    "column names")
        return {name: tuple(columns) for name, columns in history.items()}
    if not (isinstance(history, (list, tuple)) and all(isinstance(h, str) for h in history)):
        raise PackFileError(f"{toml_path}: [pack] history must be a list of view names or a "
                            "table of view = [columns]")
    return {}


def _history_keys(meta: dict, toml_path: Path) -> dict[str, str]:
    """`[pack] history_keys`: a table of history view -> the name of its key table, for a
    `judges = "scope_visits"` pack's declared history views only."""
    keys = meta.get("history_keys", {})
    if not isinstance(keys, dict) or not all(
            isinstance(v, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v) for v in keys.values()):
        raise PackFileError(f"{toml_path}: [pack] history_keys must be a table of history view "
                            "= \"key table name\"")
    if keys and meta.get("judges") != "scope_visits":
        raise PackFileError(f"{toml_path}: [pack] history_keys needs judges = \"scope_visits\"")
    history = meta.get("history", ())
    for name in keys:
        if name not in history:
            raise PackFileError(f"{toml_path}: [pack] history_keys.{name}: {name} is not a "
                                "view [pack] history declares")
    return dict(keys)


def _notes(reader, meta: dict, rules: list[Rule], columns) -> dict[str, str]:
    """`[pack] notes = { RULE_ID = "column" }`: each rule listed in `rules`, of severity info
    (a warning or violation is something to act on, never hidden by default), its column a
    declared VARCHAR result column used by one note only."""
    from berthcheck.engine.pack_spec import IDENTIFIER

    notes = meta.get("notes", {})
    if not isinstance(notes, dict):
        raise reader.fail("[pack] notes must be a table of rule id = result column, e.g. "
                          'notes = { AB01 = "not_applicable_reason" }', r"^\s*notes\s*=")
    by_id = {r.id: r for r in rules}
    declared = {c.name: c for c in columns}
    out: dict[str, str] = {}
    for rule_id, column in notes.items():
        at = rf"^\s*notes\s*=.*\b{re.escape(rule_id)}\b"
        rule = by_id.get(rule_id)
        if rule is None:
            raise reader.fail(f"[pack] notes: {rule_id!r} is not a rule of the pack "
                              f"([pack] rules: {', '.join(by_id) or 'none'})", at)
        if rule.severity != "info":
            raise reader.fail(f"[pack] notes: rule {rule_id} has severity {rule.severity}; only "
                              "an info rule may be a note", at)
        if not isinstance(column, str) or not IDENTIFIER.fullmatch(column):
            raise reader.fail(f"[pack] notes: {rule_id} = {column!r}: the value must name a "
                              "result column", at)
        kind = declared.get(column)
        if kind is None or kind.type != "VARCHAR":
            what = "is not declared" if kind is None else f"is {kind.type}"
            raise reader.fail(f"[pack] notes: {rule_id} = {column!r}: the column {what}; a "
                              "note's text is a VARCHAR column declared in [[result_columns]]",
                              at)
        if column in out.values():
            raise reader.fail(f"[pack] notes: column {column!r} is the text of two notes", at)
        out[rule_id] = column
    return out


def is_custom(folder: Path) -> bool:
    """True unless `folder` is one of the packs shipped with berthcheck."""
    from berthcheck.resources import builtin_rules_dir

    try:
        shipped = builtin_rules_dir().resolve()
    except FileNotFoundError:
        return True
    return Path(folder).resolve().parent != shipped


def _check_parameters(pack: Pack) -> None:
    files = [(rel, sql) for rel, sql in pack.stages]
    files += [(r.path.name, r.sql) for r in pack.rules] + [(pack.assemble_file, pack.assemble)]
    for rel, text in files:
        unknown = set(PARAM_RE.findall(strip_comments(text))) - set(pack.parameters)
        if unknown:
            raise PackFileError(f"{pack.file_of(rel)}: uses parameters {sorted(unknown)} that "
                                f"{pack.file_of('pack.toml')} does not declare")


def parameters_json(pack: Pack) -> dict:
    """Every parameter and table as plain data (for run records and `rules list`)."""
    return {
        "parameters": {n: _jsonable(p.value) for n, p in sorted(pack.parameters.items())},
        "tables": {
            n: [dict(zip(t.columns, map(_jsonable, row), strict=True)) for row in t.rows]
            for n, t in sorted(pack.tables.items())
        },
    }

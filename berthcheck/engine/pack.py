"""Rule packs as data: `rules/<pack>/pack.toml` plus one SQL file per rule, read into a
`Pack` (engine/pack_model.py) by `load_pack`. The SQL files' text (a rule file's header,
comments, statements, `$name` parameters) is engine/pack_text.py's; the `[pack]` table's
history and notes engine/pack_meta.py's; what pack.toml declares beyond its SQL
engine/pack_spec.py's.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

from berthcheck.cited import Parameter
from berthcheck.engine.pack_hash import pack_hash
from berthcheck.engine.pack_meta import history_columns, history_keys, notes
from berthcheck.engine.pack_model import Pack, ParamTable, Rule
from berthcheck.engine.pack_spec import PackFileError
from berthcheck.engine.pack_text import (
    HEADER_KEYS,
    PARAM_RE,
    SEVERITIES,
    parameter_names,
    parse_header,
    split_statements,
    strip_comments,
)
from berthcheck.errors import UsageError

# the pack's names as they were when all of them lived here: its readers import them from here
__all__ = [
    "HEADER_KEYS",
    "JUDGES",
    "PARAM_RE",
    "SEVERITIES",
    "Pack",
    "PackFileError",
    "ParamTable",
    "Parameter",
    "Rule",
    "available_packs",
    "is_custom",
    "load_pack",
    "parameters_json",
    "parse_header",
    "split_statements",
    "strip_comments",
]

JUDGES = ("all", "scope_years", "scope_visits")


def available_packs() -> list[str]:
    """Ids of the packs found by id: built-in (or $BERTHCHECK_RULES_DIR) and $BERTHCHECK_PACKS."""
    from berthcheck.engine.pack_paths import available

    return [s.id for s in available()]


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def load_pack(pack_id: str = "carb-at-berth-2020", folder: Path | None = None, *,
              named_by: str = "--pack") -> Pack:
    """Read a pack's declarations. `pack_id` is an id or a folder path (docs/packs.md); an
    unknown pack or a pack file that breaks the contract -> UsageError (PackFileError) naming
    the file and, where it can, the line. `named_by`: how the command took the pack (its
    option or argument), for the messages."""
    from berthcheck.engine.pack_paths import is_path, resolve

    by_id = folder is None and not is_path(pack_id.strip())
    folder = folder or resolve(pack_id, named_by).folder
    toml_path = folder / "pack.toml"
    if not toml_path.is_file():
        raise UsageError(f"unknown pack {pack_id!r}: no pack.toml in {folder}")
    # a pack read before, byte for byte the same files: the same Pack (its files are hashed
    # anyway, for the run id; parsing and checking them again cost each check about 6 ms)
    digest = pack_hash(folder)  # its own files only (engine/pack_hash.py)
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
        PACK_KEYS,
        TOP_LEVEL_KEYS,
        PackFileError,
        SpecReader,
        check_parameter,
        input_columns,
        parse_spec,
        parse_table,
        read_pack_file,
    )

    text = read_pack_file(toml_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackFileError(f"{toml_path}: not valid TOML: {exc}") from None
    reader = SpecReader(toml_path, text)
    reader.known_keys(data, TOP_LEVEL_KEYS, "pack.toml", None, what="table")
    meta = reader.table(data, "pack", "", r"^\s*\[pack\]")
    reader.known_keys(meta, PACK_KEYS, "[pack]", r"^\s*\[pack\]")
    for key in ("id", "version", "title", "regulation", "assemble"):
        reader.text_of(meta, key, "[pack]", r"^\s*\[pack\]")
    if not PACK_ID.fullmatch(meta["id"]):
        raise reader.fail(f"[pack] id {meta['id']!r} is not lower-case letters, digits and '-'",
                          r"^\s*id\s*=")
    if by_id and meta["id"] != folder.name:
        raise reader.fail(f"[pack] id {meta['id']!r} differs from its folder's name "
                          f"{folder.name!r}; a pack found by id lives in a folder of that name",
                          r"^\s*id\s*=")
    reader.text_of(meta, "citation", "[pack]", r"^\s*\[pack\]", required=False)
    currency = reader.text_of(meta, "currency", "[pack]", r"^\s*currency\s*=", required=False)
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
        raise reader.fail(f"[pack] currency {currency!r} is not an ISO 4217 code (three capital "
                          "letters, e.g. USD, EUR, JPY)", r"^\s*currency\s*=")
    if meta.get("judges", "all") not in JUDGES:
        raise reader.fail(f"[pack] judges must be one of {', '.join(JUDGES)}, "
                          f"not {meta['judges']!r}", r"^\s*judges\s*=")
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
        columns, rows = parse_table(reader, name, spec, pattern)
        tables[name] = ParamTable(name, columns, rows, spec["citation"],
                                  spec.get("description", ""), spec.get("note"))
    for key in ("stages", "rules"):
        if not isinstance(meta.get(key, []), list):
            raise reader.fail(f"[pack] {key} must be a list", rf"^\s*{key}\s*=")
    if not meta.get("rules"):  # the findings are one UNION ALL of the rules: none is no query
        raise reader.fail("[pack] rules must list at least one rule id (its file is "
                          "<RULE_ID>.sql)", r"^\s*rules\s*=" if "rules" in meta else
                          r"^\s*\[pack\]")
    protected = pack_sql.protected_names(tables)
    custom = is_custom(folder, meta["id"], digest)
    who = f"{'custom pack' if custom else 'pack'} {meta['id']}@{meta['version']}"
    stages = []
    for rel in meta.get("stages", []):
        path = inside(folder, rel, f"{toml_path} [pack] stages")
        sql = read_pack_file(path)
        pack_sql.check_reach(path, sql, who)
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
        rule_text = read_pack_file(path)
        header, body = parse_header(rule_text, path)
        pack_sql.check_reach(path, rule_text, who)
        if header["id"] != rule_id:
            raise PackFileError(f"{path}: header id {header['id']} does not match file name")
        if header["name"].lower() in seen.values():
            raise PackFileError(f"{path}: rule name {header['name']} is used twice")
        seen[rule_id.lower()] = header["name"].lower()
        pack_sql.check_query(path, body, f"rule {rule_id}")
        rules.append(Rule(sql=body, path=path, **{k: header[k] for k in HEADER_KEYS}))
    assemble_path = inside(folder, meta["assemble"], f"{toml_path} [pack] assemble")
    assemble = read_pack_file(assemble_path)
    pack_sql.check_reach(assemble_path, assemble, who)
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
        custom=custom,
        assemble_file=meta["assemble"],
        judges=meta.get("judges", "all"),
        history=tuple(meta.get("history", ())),
        history_columns=history_columns(meta.get("history", ()), toml_path),
        history_keys=history_keys(meta, toml_path),
        notes=notes(reader, meta, rules, spec.result_columns),
        inputs=input_columns(reader, meta),
        result_columns=spec.result_columns,
        bases=spec.bases,
        evidence_labels=spec.evidence_labels,
        report=spec.report,
    )
    _check_parameters(pack)
    return pack


def is_custom(folder: Path, pack_id: str | None = None, digest: str | None = None) -> bool:
    """True unless `folder` is one of the packs shipped with berthcheck, or a copy of one that
    is byte for byte the same (`pack_id` the shipped pack's id, `digest` the folder's pack
    hash equal to the shipped pack's): the same files are the same pack, recorded and
    labelled by its id (its runs have the same run id as the shipped pack's anyway)."""
    from berthcheck.engine.pack_paths import PACK_ID
    from berthcheck.resources import builtin_rules_dir

    try:
        shipped = builtin_rules_dir().resolve()
    except FileNotFoundError:
        return True
    if Path(folder).resolve().parent == shipped:
        return False
    if pack_id is None or digest is None or not PACK_ID.fullmatch(pack_id):
        return True
    original = shipped / pack_id
    return not ((original / "pack.toml").is_file() and pack_hash(original) == digest)


def _check_parameters(pack: Pack) -> None:
    files = [(rel, sql) for rel, sql in pack.stages]
    files += [(r.path.name, r.sql) for r in pack.rules] + [(pack.assemble_file, pack.assemble)]
    for rel, text in files:
        unknown = parameter_names(text) - set(pack.parameters)
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

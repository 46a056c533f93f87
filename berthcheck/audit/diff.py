"""`audit diff`: two stored runs compared visit by visit, each changed verdict, basis, hours,
responsible party, penalty or violation days with its cause (scope, input rows named, pack,
both, berthcheck version)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from berthcheck import store
from berthcheck.audit.as_of import as_of_predicate
from berthcheck.audit.changes import changed_parameters, file_changes
from berthcheck.audit.manifests import manifest_for
from berthcheck.audit.pack_record import RUNS, recorded_changes
from berthcheck.audit.values import (
    COMPARED_FIELDS,
    HOURS_DECIMALS,
    MAX_ROWS_SHOWN,
    MONEY_DECIMALS,
    WHEN_BOTH_HOLD,
    as_text,
    two_digests,
)
from berthcheck.ingest.kinds import KINDS, Kind
from berthcheck.seals import _content_columns, _key_sql

# How a changed row of each input table reaches a visit (for `audit diff`).
_ATTRIBUTION = {
    "visits": ("visit_id",),
    "shore_power": ("visit_id",),
    "capture": ("visit_id", "system_id"),
    "events": ("visit_id",),
    "berths": ("port", "terminal", "berth"),
    "terminals": ("port", "terminal", "vessel_type"),
    "allowances": ("holder_kind", "holder"),
    "caecs": ("system_id",),
    "ports_user": ("port",),
    "visit_counts": ("holder_kind", "holder"),
    "coverage": ("kind", "holder"),
}
OTHERS_NAMED = 3  # another visit's changed rows named in a note (the inputs list them all)
# the input tables whose rows belong to one visit (a changed row names that visit)
_PER_VISIT_TABLES = ("visits", "shore_power", "capture", "events")


# `audit diff --csv`: one line per difference, in the order the text lists them (scope,
# manifest, pack lines; changed input tables; changed visits), each with both run ids; a visit's
# compared fields as `<field>_a` / `<field>_b`
DIFF_CSV_COLUMNS = ["run_a", "run_b", "item", "detail", "table", "rows_a", "rows_b",
                    "rows_changed", "visit_id", "cause", "changed",
                    *(f"{f}_{side}" for f in COMPARED_FIELDS for side in ("a", "b")),
                    "input_rows"]


# --- small helpers ------------------------------------------------------------------------------


@dataclass
class RowChange:
    table: str
    key: str
    change: str  # added | removed | changed
    before: dict | None  # lineage of the version in run A's state
    after: dict | None
    columns: dict[str, list] = field(default_factory=dict)  # column -> [before, after]
    attrs: list[dict] = field(default_factory=list)  # attribution values (before/after)

    def as_dict(self) -> dict:
        return {"table": self.table, "key": self.key, "change": self.change,
                "before": self.before, "after": self.after, "columns": self.columns}

    def describe(self) -> str:
        def where(side):
            text = f"{side['source_file']} row {side['source_row']}, batch {side['batch_id']}"
            if side.get("source_path"):  # e.g. the JIT timestamp that gave a changed time
                paths = json.loads(side["source_path"])
                named = [f"{c}: {paths[c]}" for c in self.columns if isinstance(paths.get(c), str)]
                if named:
                    text += " [" + "; ".join(named) + "]"
            return text

        if self.change == "added":
            return f"{self.table} {self.key!r} added ({where(self.after)})"
        if self.change == "removed":
            return f"{self.table} {self.key!r} removed (was {where(self.before)})"
        cols = "; ".join(f"{c} {v[0] or '-'} -> {v[1] or '-'}" for c, v in self.columns.items())
        return (f"{self.table} {self.key!r} changed: {cols or 'same values, new version'} "
                f"(was {where(self.before)}; now {where(self.after)})")


@dataclass
class VisitChange:
    visit_id: str
    before: dict | None
    after: dict | None
    fields: list[str]
    cause: str  # scope | input | pack | both | berthcheck | unexplained
    rows: list[RowChange]
    note: str = ""

    def as_dict(self) -> dict:
        return {"visit_id": self.visit_id, "before": self.before, "after": self.after,
                "changed": self.fields, "cause": self.cause,
                "rows": [r.as_dict() for r in self.rows], "note": self.note}


@dataclass
class FindingChanges:
    """Two runs' findings: how many each has, how many are the same finding (visit, rule,
    message) under another id (a finding's id carries the pack's version), and each finding
    of one run only."""
    a: int = 0
    b: int = 0
    other_ids: int = 0
    only_in_a: list[dict] = field(default_factory=list)
    only_in_b: list[dict] = field(default_factory=list)
    # a finding of one id in both runs whose message, severity or minutes differ (its id is
    # made from rule, pack version, visit and evidence: a reworded rule keeps it)
    changed: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "other_ids": self.other_ids,
                "only_in_a": self.only_in_a, "only_in_b": self.only_in_b,
                "changed": self.changed}

    def one_side_lines(self) -> list[tuple[dict, str]]:
        """Each finding of one run only, by visit and rule, run A's before run B's (a message
        that changed reads as the one line after the other)."""
        both = sorted(((f["visit_id"], f["rule_id"], side, f["finding_id"]), f)
                      for side, found in (("A", self.only_in_a), ("B", self.only_in_b))
                      for f in found)
        return [(f, f"{f['visit_id']}: {f['rule_id']} only in run {key[2]} (finding "
                    f"{f['finding_id']}): {f['message']}") for key, f in both]

    def changed_lines(self) -> list[tuple[dict, str]]:
        """Each finding of one id in both runs that differs, by visit and rule, with each
        column that differs as `<column> <run A's> -> <run B's>`."""
        return [(f, f"{f['visit_id']}: {f['rule_id']} differs between the runs (finding "
                    f"{f['finding_id']}): " + "; ".join(
                        f"{c} {_finding_cell(a)} -> {_finding_cell(b)}"
                        for c, (a, b) in f["fields"].items()))
                for f in sorted(self.changed, key=lambda f: (f["visit_id"], f["rule_id"],
                                                             f["finding_id"]))]

    def lines(self) -> list[str]:
        if (not (self.other_ids or self.only_in_a or self.only_in_b or self.changed)
                and self.a == self.b):
            return [f"findings: unchanged ({self.a})"]
        head = f"findings: {self.a} in run A, {self.b} in run B"
        if self.other_ids:
            n = self.other_ids
            head += (f"; {n} of the same visit, rule and message under "
                     f"{'another id' if n == 1 else 'other ids'} (a finding's id carries the "
                     "pack's version)")
        if self.changed:
            n = len(self.changed)
            head += (f"; {n} of the same id {'differs' if n == 1 else 'differ'} in message, "
                     "severity or minutes")
        shown = self.one_side_lines() + self.changed_lines()
        out = [head] + [f"  {line}" for _, line in shown[:MAX_ROWS_SHOWN]]
        if len(shown) > MAX_ROWS_SHOWN:
            out.append(f"  ... and {len(shown) - MAX_ROWS_SHOWN} more")
        return out


def _finding_changes(con, run_a: str, run_b: str) -> FindingChanges:
    from collections import Counter

    def read(run_id):
        rows = store.run(
            con, "SELECT finding_id, visit_id, rule_id, message, severity, minutes "
            "FROM run_findings WHERE run_id = ? ORDER BY visit_id, rule_id, finding_id",
            [run_id])
        return ({r[0]: r[1:4] for r in rows},
                {r[0]: dict(zip(_FINDING_COLUMNS, r[3:], strict=True)) for r in rows})

    (fa, cells_a), (fb, cells_b) = read(run_a), read(run_b)
    only_a = {k: v for k, v in fa.items() if k not in fb}
    only_b = {k: v for k, v in fb.items() if k not in fa}
    changed = []
    for fid in sorted(set(fa) & set(fb)):
        a, b = cells_a[fid], cells_b[fid]
        fields = {c: [a[c], b[c]] for c in _FINDING_COLUMNS if a[c] != b[c]}
        if fields:
            changed.append({"visit_id": fb[fid][0], "rule_id": fb[fid][1], "finding_id": fid,
                            "fields": fields})
    # the same (visit, rule, message) on both sides under other ids: as many as pair up
    left = Counter(only_a.values()) & Counter(only_b.values())
    renamed = sum(left.values())

    def rest(only):
        pairs = Counter(left)
        out = []
        for fid, key in only.items():
            if pairs[key] > 0:
                pairs[key] -= 1
                continue
            out.append({"visit_id": key[0], "rule_id": key[1], "finding_id": fid,
                        "message": key[2]})
        return out

    return FindingChanges(len(fa), len(fb), renamed, rest(only_a), rest(only_b),
                          changed)


# a finding's columns compared between two runs besides its visit and rule (its id is
# made from those, the pack's version and its evidence)
_FINDING_COLUMNS = ("message", "severity", "minutes")


def _finding_cell(value) -> str:
    return "-" if value is None else (as_text(value) or "-")


@dataclass
class DiffReport:
    run_a: dict
    run_b: dict
    pack_changes: list[str]
    input_tables: dict[str, dict]
    visits: list[VisitChange]
    unchanged: int
    scope_changes: list[str] = field(default_factory=list)  # period / port / terminal / fleet
    # e.g. manifest version 1 -> 2: ids and hashes defined anew, not an input change
    manifest_changes: list[str] = field(default_factory=list)
    # `check --notes` on in one run only: the same verdicts, but other findings and another id
    notes_changed: bool = False
    findings: FindingChanges | None = None
    # visits in scope whose own rows changed while none of their compared fields did (a
    # corrected meter reading): each visit with those rows, so every changed row of a visit
    # in scope is named somewhere
    rows_only: list[tuple[str, list[RowChange]]] = field(default_factory=list)

    @property
    def pack_changed(self) -> bool:
        return bool(self.pack_changes)

    @property
    def differs(self) -> bool:
        """Anything differs: scope, pack, inputs, a visit's results, or `check --notes` (the
        findings) (`audit diff` exits 1). A manifest version alone does not: the same results
        and findings, hashed another way."""
        return bool(self.scope_changes or self.pack_changes or self.input_tables or self.visits
                    or self.notes_changed)

    def as_dict(self) -> dict:
        def run(m):
            return {"run_id": m["run_id"], "pack": f"{m['pack']['id']}@{m['pack']['version']}",
                    "pack_hash": m["pack"]["hash"], "custom_pack": _custom_path(m),
                    "period": m.get("period"),
                    "scope": m.get("scope"), "as_of_batch": m["as_of_batch"],
                    "berthcheck_version": m.get("berthcheck_version")}

        return {
            "run_a": run(self.run_a), "run_b": run(self.run_b),
            "scope_changed": bool(self.scope_changes), "scope_changes": self.scope_changes,
            "manifest_changes": self.manifest_changes,
            "differs": self.differs,
            "notes_changed": self.notes_changed,
            "pack_changed": self.pack_changed, "pack_changes": self.pack_changes,
            "inputs_changed": self.input_tables,
            "visits_changed": [v.as_dict() for v in self.visits],
            "visits_unchanged": self.unchanged,
            "visits_rows_changed": [{"visit_id": v, "rows": [r.as_dict() for r in rows]}
                                    for v, rows in self.rows_only],
            "findings_changed": (self.findings or FindingChanges()).as_dict(),
        }

    def csv_rows(self) -> list[dict]:
        """The differences as flat rows (`DIFF_CSV_COLUMNS`); none when the runs do not differ."""
        runs = {"run_a": self.run_a["run_id"], "run_b": self.run_b["run_id"]}
        out = [{**runs, "item": item, "detail": line}
               for item, lines in (("scope", self.scope_changes),
                                   ("manifest", self.manifest_changes),
                                   ("pack", self.pack_changes))
               for line in lines]
        out += [{**runs, "item": "input", "table": t, "rows_a": v.get("rows_before"),
                 "rows_b": v.get("rows_after"), "rows_changed": v.get("rows_changed")}
                for t, v in sorted(self.input_tables.items())]
        for v in self.visits:
            a, b = v.before or {}, v.after or {}
            out.append({**runs, "item": "visit", "detail": v.note, "visit_id": v.visit_id,
                        "cause": v.cause, "changed": v.fields,
                        **{f"{f}_a": a.get(f) for f in COMPARED_FIELDS},
                        **{f"{f}_b": b.get(f) for f in COMPARED_FIELDS},
                        "input_rows": [f"{r.table} {r.key} {r.change}" for r in v.rows]})
        for visit, rows in self.rows_only:
            out.append({**runs, "item": "visit_rows", "detail": _ROWS_ONLY_DETAIL,
                        "visit_id": visit, "cause": "input", "changed": [],
                        "input_rows": [f"{r.table} {r.key} {r.change}" for r in rows]})
        found = self.findings or FindingChanges()
        out += [{**runs, "item": "finding", "visit_id": f["visit_id"], "detail": line}
                for f, line in found.one_side_lines() + found.changed_lines()]
        return out

    def lines(self) -> list[str]:
        out = []
        for tag, m in (("A", self.run_a), ("B", self.run_b)):
            custom = _custom_path(m)
            out.append(f"run {tag} {m['run_id']}: {m['pack']['id']}@{m['pack']['version']}"
                       f"{f' (custom pack {custom})' if custom else ''}, period {m.get('period') or 'all'}, inputs as of load batch "
                       f"{m['as_of_batch']}, berthcheck {m.get('berthcheck_version')}")
        if self.scope_changes:  # the first cause: the runs do not cover the same visits
            out.append("scope: different; the runs do not cover the same visits")
            out += [f"  {c}" for c in self.scope_changes]
        if self.manifest_changes:
            out.append("manifest: changed")
            out += [f"  {c}" for c in self.manifest_changes]
        if self.pack_changes:
            out.append("pack: changed")
            out += [f"  {c}" for c in self.pack_changes]
        else:
            out.append("pack: unchanged")
        if self.input_tables:
            out.append("inputs: " + ", ".join(
                f"{t} ({v['rows_changed']} row{'s' if v['rows_changed'] != 1 else ''} changed)"
                if v.get("rows_changed") is not None else f"{t} (changed)"
                for t, v in sorted(self.input_tables.items())))
        else:
            out.append("inputs: unchanged")
        n = len(self.visits)
        out.append(f"{n} visit{'s' if n != 1 else ''} changed, {self.unchanged} unchanged")
        for v in self.visits:
            a, b = v.before or {}, v.after or {}
            if not v.before:
                head = f"{v.visit_id}: only in run B ({b.get('verdict')})"
            elif not v.after:
                head = f"{v.visit_id}: only in run A ({a.get('verdict')})"
            else:
                head = f"{v.visit_id}: " + "; ".join(
                    f"{f} {as_text(a.get(f)) or '-'} -> {as_text(b.get(f)) or '-'}"
                    for f in v.fields)
            out.append(f"  {head}  [cause: {v.cause}]")
            out += [f"      {r.describe()}" for r in v.rows[:MAX_ROWS_SHOWN]]
            if len(v.rows) > MAX_ROWS_SHOWN:
                out.append(f"      ... and {len(v.rows) - MAX_ROWS_SHOWN} more rows")
            if v.note:
                out.append(f"      {v.note}")
        if self.rows_only:
            n = len(self.rows_only)
            out.append(f"{n} visit{'s' if n != 1 else ''} whose own rows changed, but not "
                       f"{'their' if n != 1 else 'its'} verdict, basis, hours, responsible "
                       "party, penalty or violation days:")
            for visit, rows in self.rows_only[:MAX_ROWS_SHOWN]:
                out.append(f"  {visit}")
                out += [f"      {r.describe()}" for r in rows[:MAX_ROWS_SHOWN]]
                if len(rows) > MAX_ROWS_SHOWN:
                    out.append(f"      ... and {len(rows) - MAX_ROWS_SHOWN} more rows")
            if n > MAX_ROWS_SHOWN:
                out.append(f"  ... and {n - MAX_ROWS_SHOWN} more visits")
        out += (self.findings or FindingChanges()).lines()
        return out


def _custom_path(manifest: dict) -> str | None:
    """The folder a run's pack was read from when it is not a pack shipped with berthcheck
    (`runs list`'s "custom pack FOLDER"), else None."""
    pack = manifest["pack"]
    return (pack.get("path") or "") if pack.get("custom") else None


def _stored_results(con, run_id: str) -> dict[str, dict]:
    cols = ", ".join(COMPARED_FIELDS)
    return {
        r[0]: dict(zip(COMPARED_FIELDS, r[1:], strict=True))
        for r in store.run(
            con, f"SELECT visit_id, {cols} FROM run_results WHERE run_id = ?",  # noqa: S608
            [run_id],
        )
    }


def _holds(results: dict[str, dict], field_name: str) -> bool:
    """The run recorded the field for some visit (violation days: a CARB run from the version
    that added them; an older run, or another pack's, holds none)."""
    return any(r[field_name] is not None for r in results.values())


def _same(field_name: str, a, b) -> bool:
    if field_name.endswith("_hours") and a is not None and b is not None:
        return round(a, HOURS_DECIMALS) == round(b, HOURS_DECIMALS)
    if field_name == "penalty" and a is not None and b is not None:
        return round(a, MONEY_DECIMALS) == round(b, MONEY_DECIMALS)
    return a == b


def _row_changes(con, kind: Kind, batch_a: int, batch_b: int) -> list[RowChange]:
    columns = _content_columns(kind)
    attrs = [c for c in _ATTRIBUTION.get(kind.table, ()) if c in columns]
    pick = ", ".join(
        [f"{_key_sql(kind)} AS _key"] + [store.quote_ident(c) for c in columns]
        + ["_row_hash", "_batch_id", "_source_file", "_source_row", "_source_path"]
    )
    rows = store.run(
        con,
        f"""WITH a AS (SELECT {pick} FROM {kind.table}_versions WHERE {as_of_predicate(batch_a)}),
                 b AS (SELECT {pick} FROM {kind.table}_versions WHERE {as_of_predicate(batch_b)})
            SELECT a, b FROM a FULL OUTER JOIN b ON a._key = b._key
            WHERE a._row_hash IS DISTINCT FROM b._row_hash
            ORDER BY coalesce(a._key, b._key)""",  # noqa: S608 - our names
    )
    out = []
    for a, b in rows:
        # the missing side of the outer join comes back as a struct of NULLs
        a = a if a and a["_row_hash"] is not None else None
        b = b if b and b["_row_hash"] is not None else None

        def lineage(side):
            if side is None:
                return None
            out = {"batch_id": side["_batch_id"], "source_file": side["_source_file"],
                   "source_row": side["_source_row"], "row_hash": side["_row_hash"]}
            if side.get("_source_path"):  # an adapter's row: where each value came from
                out["source_path"] = side["_source_path"]
            return out

        change = "added" if a is None else "removed" if b is None else "changed"
        cols = {}
        if a is not None and b is not None:
            for c in columns:
                if as_text(a[c]) != as_text(b[c]):
                    cols[c] = [as_text(a[c]), as_text(b[c])]
        out.append(RowChange(
            table=kind.table, key=(a or b)["_key"], change=change, before=lineage(a),
            after=lineage(b), columns=cols,
            attrs=[{c: side[c] for c in attrs} for side in (a, b) if side is not None],
        ))
    return out


def _visit_facts(con, visit_ids: list[str], batches: tuple[int, int]) -> dict[str, dict]:
    """For each visit: its attribution values in either state (port, terminal, ...) and the
    capture systems it used."""
    facts: dict[str, dict] = {v: {"keys": set(), "systems": set()} for v in visit_ids}
    if not visit_ids:
        return facts
    for batch in batches:
        for vid, port, terminal, berth, fleet, vtype in store.run(
            con,
            "SELECT visit_id, port, terminal, berth, fleet, vessel_type FROM visits_versions "  # noqa: S608
            f"WHERE {as_of_predicate(batch)} AND list_contains(?, visit_id)",
            [visit_ids],
        ):
            keys = facts[vid]["keys"]
            keys.add(("berths", (port, terminal, berth)))
            keys.add(("terminals", (port, terminal, vtype)))
            keys.add(("ports_user", (port,)))
            if fleet:
                keys.add(("allowances", ("fleet", fleet)))
            keys.add(("allowances", ("terminal", terminal)))
        for vid, system in store.run(
            con,
            "SELECT visit_id, system_id FROM capture_versions "  # noqa: S608
            f"WHERE {as_of_predicate(batch)} AND list_contains(?, visit_id)",
            [visit_ids],
        ):
            facts[vid]["systems"].add(system)
    for vid, f in facts.items():
        for system in f["systems"]:
            f["keys"].add(("caecs", (system,)))
        f["keys"].add(("visits", (vid,)))
        for t in ("shore_power", "capture", "events"):
            f["keys"].add((t, (vid,)))
    return facts


def _row_keys(change: RowChange) -> set[tuple]:
    """The attribution keys a changed row touches, e.g. ("berths", (port, terminal, berth))."""
    cols = _ATTRIBUTION.get(change.table, ())
    out: set[tuple] = set()
    for side in change.attrs:
        if change.table == "capture":  # a session feeds its own visit only
            out.add(("capture", (side.get("visit_id"),)))
        else:
            out.add((change.table, tuple(side.get(c) for c in cols)))
    return out


def diff(con, run_a: str, run_b: str) -> DiffReport:
    """Visits whose verdict, basis, hours, responsible party, penalty or violation days (when
    both runs hold them) differ between two stored runs, each with its cause: an input change (the rows that feed the visit, named), a
    pack change, or both."""
    ma, mb = manifest_for(con, run_a), manifest_for(con, run_b)
    ra, rb = _stored_results(con, run_a), _stored_results(con, run_b)

    pack_changes = []
    if (ma["pack"]["id"], ma["pack"]["version"]) != (mb["pack"]["id"], mb["pack"]["version"]):
        pack_changes.append(f"pack {ma['pack']['id']}@{ma['pack']['version']} -> "
                            f"{mb['pack']['id']}@{mb['pack']['version']}")
    files_notes: list[str] = []
    if ma["pack"]["id"] != mb["pack"]["id"]:
        # two packs, not two states of one: every file of each would read as removed or added
        pack_changes[0] += ": different packs, whose files and parameters are not compared one by one"
    else:
        files_changed, files_notes = recorded_changes(ma["pack"], mb["pack"])
        pack_changes += files_changed
        pack_changes += changed_parameters(ma.get("parameters") or {}, mb.get("parameters") or {})
    if ma.get("factors") and mb.get("factors"):  # rule data too, though outside the pack
        pack_changes += [f"emission factors: {c}" for c in file_changes(
            ma["factors"]["files"], mb["factors"]["files"], *RUNS)]
    # hashes made over different files (files_notes) are not compared: the files were
    if not pack_changes and not files_notes and ma["pack"]["hash"] != mb["pack"]["hash"]:
        ha, hb = two_digests(ma["pack"]["hash"], mb["pack"]["hash"])
        pack_changes.append(f"pack hash {ha} -> {hb}")
    version_changed = ma.get("berthcheck_version") != mb.get("berthcheck_version")
    scope_changes = _scope_changes(ma.get("scope") or {}, mb.get("scope") or {})

    batch_a, batch_b = int(ma["as_of_batch"] or 0), int(mb["as_of_batch"] or 0)
    va, vb = int(ma.get("manifest_version") or 1), int(mb.get("manifest_version") or 1)
    manifest_changes = list(files_notes)
    if va != vb and min(va, vb) >= 2:  # versions 2 and 3 fingerprint the inputs alike
        manifest_changes.append(
            f"manifest version {va} -> {vb}: result and finding hashes and so run ids are "
            "computed differently; the input fingerprints are the same and compared as they are")
    elif va != vb:
        manifest_changes.append(
            f"manifest version {va} -> {vb}: input fingerprints, result and finding hashes and "
            "so run ids are computed differently; the inputs are compared row by row instead")
    notes_changed = bool(ma.get("notes")) != bool(mb.get("notes"))
    if notes_changed:  # `check --notes`: findings, not verdicts
        manifest_changes.append(
            f"check --notes {'on' if ma.get('notes') else 'off'} -> "
            f"{'on' if mb.get('notes') else 'off'}: the pack's note rules ran as findings in run "
            f"{'A' if ma.get('notes') else 'B'} only (so the run ids and findings differ)")
    input_tables: dict[str, dict] = {}
    changes: list[RowChange] = []
    for table in sorted(set(ma["inputs"]) | set(mb["inputs"])):
        a, b = ma["inputs"].get(table) or {}, mb["inputs"].get(table) or {}
        kind = next((k for k in KINDS.values() if k.table == table), None)
        both = ("sha256", "content_sha256") if va == vb else ("sha256",)
        if all(a.get(f) == b.get(f) for f in both):
            continue
        if kind is None:  # built-in reference data (hashed the same way in every version)
            input_tables[table] = {"rows_before": a.get("rows"), "rows_after": b.get("rows"),
                                   "rows_changed": None}
            continue
        rows = _row_changes(con, kind, batch_a, batch_b)
        if va != vb and not rows and a.get("rows") == b.get("rows"):
            continue  # digests of different versions: the rows themselves are the same
        changes += rows
        input_tables[table] = {"rows_before": a.get("rows"), "rows_after": b.get("rows"),
                               "rows_changed": len(rows)}

    compared = [f for f in COMPARED_FIELDS
                if f not in WHEN_BOTH_HOLD or (_holds(ra, f) and _holds(rb, f))]
    changed_ids = []
    for visit in sorted(set(ra) | set(rb)):
        a, b = ra.get(visit), rb.get(visit)
        if a is None or b is None:
            changed_ids.append((visit, compared if a or b else []))
            continue
        fields = [f for f in compared if not _same(f, a[f], b[f])]
        if fields:
            changed_ids.append((visit, fields))
    facts = _visit_facts(con, [v for v, _ in changed_ids], (batch_a, batch_b))
    touched = [(c, _row_keys(c)) for c in changes]

    visits = []
    for visit, fields in changed_ids:
        own = [c for c, keys in touched if keys & facts[visit]["keys"]]
        elsewhere = bool(input_tables) and (
            len(own) < len(changes)
            or any(t.endswith(store.BUILTIN_SUFFIX) for t in input_tables))
        note = ""
        in_one_only = ra.get(visit) is None or rb.get(visit) is None
        if scope_changes and in_one_only:
            cause = "scope"
            note = "the visit is in the scope of one run only (" + "; ".join(scope_changes) + ")"
        elif own and pack_changes:
            cause = "both"
        elif own:
            cause = "input"
        elif pack_changes and elsewhere:
            cause = "both"
            note = ("no row of this visit changed; other inputs changed too ("
                    + ", ".join(sorted(input_tables)) + ")")
        elif pack_changes:
            cause = "pack"
        elif elsewhere:
            cause = "input"
            note = ("no row of this visit changed; other rows did (" + _others(changes, own,
                                                                               input_tables)
                    + "), which can change allowance counts and low-activity status")
        elif version_changed:
            cause = "berthcheck"
            note = (f"berthcheck {ma.get('berthcheck_version')} -> {mb.get('berthcheck_version')}")
        else:
            cause = "unexplained"
            note = "neither the inputs nor the pack differ; run `berthcheck audit verify` on both"
        visits.append(VisitChange(visit, _plain(ra.get(visit)), _plain(rb.get(visit)), fields,
                                  cause, own, note))
    unchanged = len(set(ra) & set(rb)) - sum(1 for v in visits if v.before and v.after)
    return DiffReport(ma, mb, pack_changes, input_tables, visits, unchanged, scope_changes,
                      manifest_changes, notes_changed, _finding_changes(con, run_a, run_b),
                      _rows_only(changes, set(ra) & set(rb), {v.visit_id for v in visits}))


_ROWS_ONLY_DETAIL = ("its own rows changed, but not its verdict, basis, hours, responsible "
                     "party, penalty or violation days")


def _rows_only(changes: list[RowChange], in_both: set[str],
               listed: set[str]) -> list[tuple[str, list[RowChange]]]:
    """Each visit of both runs, not listed as changed, whose own rows (visit, sessions,
    events; either version's `visit_id`) changed, with those rows, by visit id."""
    out: dict[str, list[RowChange]] = {}
    for change in changes:
        if change.table not in _PER_VISIT_TABLES:
            continue
        ids = {str(side["visit_id"]) for side in change.attrs if side.get("visit_id")}
        for visit in sorted(ids & in_both - listed):
            out.setdefault(visit, []).append(change)
    return sorted(out.items())


def _others(changes: list[RowChange], own: list[RowChange], tables: dict) -> str:
    """The changed rows that are not a visit's own, named (the first few, in the order listed
    under the inputs), or the changed tables' names where no row is listed (built-in data)."""
    others = [c for c in changes if c not in own]
    if not others:
        return ", ".join(sorted(tables))
    named = "; ".join(f"{c.table} {c.key!r} {c.change}" for c in others[:OTHERS_NAMED])
    more = len(others) - OTHERS_NAMED
    return named + (f"; and {more} more" if more > 0 else "")


def _scope_changes(a: dict, b: dict) -> list[str]:
    """How two runs' scopes differ, in words ("period 2026-10 -> 2026-11")."""
    out = []
    for key in ("period", "port", "terminal", "fleet"):
        if a.get(key) != b.get(key):
            out.append(f"{key} {a.get(key) or 'all'} -> {b.get(key) or 'all'}")
    if not out and (a.get("start"), a.get("end")) != (b.get("start"), b.get("end")):
        out.append(f"dates {a.get('start')}..{a.get('end')} -> {b.get('start')}..{b.get('end')}")
    return out


def _plain(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {k: (round(v, HOURS_DECIMALS) if isinstance(v, float) else v) for k, v in row.items()}

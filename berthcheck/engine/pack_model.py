"""A pack as data (engine/pack.py reads it): its parameters and tables, its rules, stages and
assemble query, and what pack.toml declares about them (docs/packs.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from berthcheck.cited import Parameter
from berthcheck.engine.pack_spec import (
    Basis,
    EvidenceLabel,
    ReportSpec,
    ResultColumn,
)
from berthcheck.engine.pack_text import parameter_names
from berthcheck.errors import UsageError


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
        from berthcheck.engine.pack_spec import read_pack_file

        return read_pack_file(self.path)

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(sorted(parameter_names(self.sql)))


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

"""What `audit verify` found: what matched, each mismatch with its details, notes; as lines
and as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from berthcheck.audit.values import MAX_ROWS_SHOWN


@dataclass
class Mismatch:
    what: str  # pack | inputs | load_batches | results | findings | run_id | record | ...
    subject: str  # file, table, visit, ...
    message: str
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"what": self.what, "subject": self.subject, "message": self.message,
                "details": self.details}


@dataclass
class VerifyReport:
    run_id: str
    manifest: dict
    mismatches: list[Mismatch] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # the manifest's keys in which the file given (`--manifest`) differs from the database's
    # manifest of the run: what the recomputation or the store differs from in them is the
    # file, said so, not "the run" (the file may be what was edited)
    from_file: set[str] = field(default_factory=set)

    def then(self, *keys: str) -> str:
        """How a value of the reference is named: "at the run", or "in the file given" where
        the file given differs from the database's manifest in one of `keys`."""
        return "in the file given" if self.from_file.intersection(keys) else "at the run"

    def whose(self, key: str) -> str:
        """What a value now differs from: "the run's", or "what the file given records" where
        the file given differs from the database's manifest in `key`."""
        return "what the file given records" if key in self.from_file else "the run's"

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def lines(self) -> list[str]:
        m = self.manifest
        custom = (f" (custom pack {m['pack'].get('path')})" if m["pack"].get("custom") else "")
        out = [
            f"run {self.run_id}: {m['pack']['id']}@{m['pack']['version']}{custom}, "
            f"period {m.get('period') or 'all'}, inputs as of load batch {m['as_of_batch']}"
        ]
        out += [f"  ok        {line}" for line in self.matched]
        for mm in self.mismatches:
            out.append(f"  MISMATCH  {mm.message}")
            shown = mm.details[:MAX_ROWS_SHOWN]
            out += [f"              {d}" for d in shown]
            if len(mm.details) > len(shown):
                out.append(f"              ... and {len(mm.details) - len(shown)} more")
        out += [f"  note      {n}" for n in self.notes]
        if self.ok:
            out.append("verified: recomputing the run from its inputs as they stood then gives "
                       "the same hashes")
        else:
            n = len(self.mismatches)
            out.append(f"NOT verified: {n} mismatch{'es' if n != 1 else ''}")
        return out

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "verified": self.ok, "matched": self.matched,
                "mismatches": [mm.as_dict() for mm in self.mismatches], "notes": self.notes}

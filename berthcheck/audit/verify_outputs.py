"""`audit verify`'s account of the outputs: the recomputed run id, results and findings
against the run's, naming each visit and column, each finding that differs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

from berthcheck.audit.values import HOURS_DECIMALS, as_text, short_digest, two_digests
from berthcheck.audit.verify_report import Mismatch
from berthcheck.side_by_side import two_texts


def _csv_rows(frame) -> dict[str, dict[str, str]]:
    from berthcheck.engine.export import csv_bytes

    reader = csv.DictReader(io.StringIO(csv_bytes(frame).decode("utf-8")))
    return {row["visit_id"]: row for row in reader}


def _cell(value: str | None):
    """A CSV cell made comparable: numbers as floats, instants in UTC (a run's stored extra
    columns come back from JSON as text)."""
    if not value:
        return None
    try:
        return round(float(value), HOURS_DECIMALS)
    except ValueError:
        pass
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return as_text(parsed) if parsed.tzinfo is not None else value


def _shown(value: str | None) -> str:
    cell = _cell(value)
    if cell is None:
        return "-"
    return (as_text(cell) or "-") if isinstance(cell, float) else str(cell)


def _same_cell(a: str | None, b: str | None) -> bool:
    return a == b or _cell(a) == _cell(b)


def compare_outputs(con, report, run_id, reference, recomputed, results, findings, *,
                    stored_readable: bool = True) -> None:
    """The recomputation against the run's manifest: run id, summary, results and findings
    hashes; where a hash differs, the stored rows against the recomputed ones, visit by
    visit (not where the run's stored manifest, which says how they are stored, cannot be
    read: the hashes alone are then compared)."""
    from berthcheck.engine.runs import load_run

    compare_summary(report, run_id, reference, recomputed)

    if recomputed.get("run_id") != reference.get("run_id"):
        why = ("berthcheck versions differ" if recomputed.get("berthcheck_version")
               != reference.get("berthcheck_version") else "see the differences above")
        note = (f"the recomputed run id is {recomputed.get('run_id')} ({why})")
        if report.mismatches:
            report.notes.append(note)
        elif recomputed.get("berthcheck_version") != reference.get("berthcheck_version"):
            report.notes.append(note)
        else:
            report.mismatches.append(Mismatch("run_id", run_id, note))
    unread = ["the run's stored rows are not read to name what differs (see the note on its "
              "stored manifest)"]
    stored: list = []  # the run's stored (results, findings), read once when a hash differs

    def stored_run():
        if not stored:
            stored.extend(load_run(con, run_id))
        return stored

    def hash_mismatch(what: str, differ: str, details: list[str]) -> Mismatch:
        then_sha, now_sha = two_digests(reference.get(f"{what}_sha256"),
                                        recomputed[f"{what}_sha256"])
        return Mismatch(what, run_id,
                        f"{what}: sha256 {then_sha} {report.then(f'{what}_sha256')}, {now_sha} "
                        f"recomputed{differ}", details)

    if recomputed["results_sha256"] == reference.get("results_sha256"):
        report.matched.append(f"results: {recomputed['visits']} visits "
                              f"(sha256 {short_digest(recomputed['results_sha256'])}...)")
    elif not stored_readable:
        report.mismatches.append(hash_mismatch("results", "", unread))
    else:
        then, now = _csv_rows(stored_run()[0]), _csv_rows(results)
        details = []
        # a pack's id@version is every result's `pack` cell: a run of an earlier version
        # differs in it on every visit, which is said once (the pack line names the change),
        # so the visits judged otherwise are not lost among the rest
        packs: Counter[tuple[str, str]] = Counter()
        pack_only = 0
        for visit in sorted(set(then) | set(now)):
            a, b = then.get(visit), now.get(visit)
            if a is None:
                details.append(f"{visit}: not in the run's results, in the recomputed ones")
            elif b is None:
                details.append(f"{visit}: in the run's results, not in the recomputed ones")
            else:
                cols = [c for c in b if c in a and not _same_cell(a[c], b[c])]
                if not cols:
                    continue
                if "pack" in cols:
                    packs[(a["pack"], b["pack"])] += 1
                    cols.remove("pack")
                    if not cols:
                        pack_only += 1
                        continue
                details.append(f"{visit}: " + "; ".join(
                    f"{c} {_shown(a[c])} -> {_shown(b[c])}" for c in cols[:6]))
        n = len(details) + pack_only  # one detail line per visit that differs otherwise
        details += [f"{k} visit{'s' if k != 1 else ''}: pack {pa} -> {pb}"
                    for (pa, pb), k in sorted(packs.items())]
        differ = (f"; {n} visits differ" if n != 1 else "; 1 visit differs") if n else ""
        if pack_only:
            differ += (f", {pack_only} of them only in the pack that judged them (its version)"
                       if pack_only < n else ", only in the pack that judged them (its version)")
        report.mismatches.append(hash_mismatch("results", differ, details))
    if recomputed["findings_sha256"] == reference.get("findings_sha256"):
        report.matched.append(f"findings: {recomputed['findings']} "
                              f"(sha256 {short_digest(recomputed['findings_sha256'])}...)")
    elif not stored_readable:
        report.mismatches.append(hash_mismatch("findings", "", unread))
    else:
        then_only, now_only, changed = _findings_apart(stored_run()[1], findings)
        # a finding's id carries the pack's version: a run of an earlier version has every
        # finding under another id, counted here so the findings really gained or lost show
        renamed = _same_but_id(then_only, now_only)
        details = [f"{v}: finding {f} ({r}) only in the run"
                   for v, f, r, m in sorted(then_only) if (v, r, m) not in renamed]
        details += [f"{v}: finding {f} ({r}) only recomputed"
                    for v, f, r, m in sorted(now_only) if (v, r, m) not in renamed]
        details += changed
        if renamed:
            n = sum(renamed.values())
            details.append(f"{n} finding{'s' if n != 1 else ''} under other ids, of the same "
                           "visit, rule and message (a finding's id carries the pack's version)")
        report.mismatches.append(hash_mismatch("findings", "", details))


def compare_summary(report, run_id, reference, recomputed) -> None:
    """The run's summary (visits, findings, counts by verdict: what `runs list` and `runs
    show` print; the report counts the results themselves) against the recomputation's,
    where the results or findings it counts hash as the run's: the summary is outside those
    hashes and the run id, so counts edited alike in the record and its manifest were
    otherwise "verified"."""
    from berthcheck.json_diff import json_differences, shown

    fields = []
    if recomputed["results_sha256"] == reference.get("results_sha256"):
        fields += ["visits", "counts"]
    if recomputed["findings_sha256"] == reference.get("findings_sha256"):
        fields.append("findings")
    details = []
    for field in sorted(fields, key=["counts", "visits", "findings"].index):
        for path, then, now in json_differences(reference.get(field), recomputed.get(field),
                                                f"$.{field}"):
            where = f"{path} is " if path != f"$.{field}" else ""  # a count by verdict
            details.append(f"{field}: {where}{shown(then)} {report.then(field)}, {shown(now)} "
                           "recomputed")
    if details and report.from_file.intersection(fields):
        report.mismatches.append(Mismatch(
            "summary", run_id, "the summary in the file given (visits, findings, counts) is "
            "not what the run's results recompute to", details))
    elif details:
        report.mismatches.append(Mismatch(
            "summary", run_id, "the run's summary (what `runs list` and `runs show` "
            "print) is not what its results recompute to", details))


# a finding's columns besides its visit and id; its id is made from its rule, the pack's
# version, its visit and its evidence (docs/contract.md "Finding ids"), so a rule whose message,
# severity or minutes changed gives a finding of the same id that differs in those
FINDING_COLUMNS = ("rule_id", "severity", "message", "minutes", "evidence")


def _findings_apart(then, now) -> tuple[set, set, list[str]]:
    """(visit, finding id, rule, message) of the findings only in the run's, only in the
    recomputed ones; and a line for each finding of one id in both that differs in a column,
    naming the column with its value at the run and recomputed (it was listed as a finding
    only in the run and one only recomputed, the same id twice, or, where only its severity
    or minutes differed, not at all)."""
    columns = [c for c in FINDING_COLUMNS if c in then.columns and c in now.columns]

    def rows(frame) -> set:
        return set(zip(frame["visit_id"].to_list(), frame["finding_id"].to_list(),
                       *(frame[c].to_list() for c in columns), strict=True))

    a, b = rows(then), rows(now)
    then_only, now_only = a - b, b - a
    by_id_then = {row[1]: row for row in then_only}
    by_id_now = {row[1]: row for row in now_only}
    # an id once on each side is one finding that changed (an id twice on a side, were a
    # pack to give two findings one id, is left to the lines of findings on one side)
    once = ({f for f, n in Counter(r[1] for r in then_only).items() if n == 1}
            & {f for f, n in Counter(r[1] for r in now_only).items() if n == 1})
    both = sorted(once, key=lambda f: (by_id_then[f][0], f))
    changed = []
    for fid in both:
        ra, rb = by_id_then[fid], by_id_now[fid]
        cells = []
        for column, x, y in zip(columns, ra[2:], rb[2:], strict=True):
            if x != y:
                shown_a, shown_b = two_texts("-" if x is None else as_text(x) or "-",
                                             "-" if y is None else as_text(y) or "-")
                cells.append(f"{column} {shown_a} at the run, {shown_b} recomputed")
        changed.append(f"{ra[0]}: finding {fid} ({ra[2]}) differs: " + "; ".join(cells))
    rule, message = columns.index("rule_id") + 2, columns.index("message") + 2

    def apart(only: set, same: set) -> set:
        return {(r[0], r[1], r[rule], r[message]) for r in only if r[1] not in same}

    return apart(then_only, set(both)), apart(now_only, set(both)), changed


def _same_but_id(then_only: set, now_only: set) -> dict[tuple, int]:
    """(visit, rule, message) -> how many findings of it are on both sides under other ids."""
    a = Counter((v, r, m) for v, _, r, m in then_only)
    b = Counter((v, r, m) for v, _, r, m in now_only)
    return {k: n for k, n in a.items() if b[k] == n}


# --- diff ---------------------------------------------------------------------------------------

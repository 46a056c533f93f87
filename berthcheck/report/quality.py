"""The data-quality section: quarantined rows, load warnings, visits with insufficient data, the
assumptions the check made, the pack's UNCONFIRMED values and the load batches, as of the run's
last input batch."""

from __future__ import annotations

import re

from berthcheck import store
from berthcheck.report import fmt
from berthcheck.report.run import ReportRun
from berthcheck.report.visit_sections import TABLE_LIMIT, visit_head
from berthcheck.report.words import basis_text

LIST_LIMIT = 60  # rows of quarantine / warnings listed in an unscoped report

# An instant as the loader writes it into a warning (`2026-09-29T15:52:00+00:00`)
ISO_INSTANT = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")


def _local_instants(text: str | None, tz: str | None) -> str:
    """The loader's UTC instants in `text` as port-local times with their zone (UTC where the
    report spans several zones)."""
    return ISO_INSTANT.sub(lambda m: fmt.local_time(m.group(0), tz), text or "")


# The loader's tables of rows it named (file, row, column, value), with the column saying why
INPUT_ROW_TABLES = {"quarantine": "reason", "load_warnings": "message"}


def _input_rows(con, table: str, cutoff: int) -> list[dict]:
    """The first `LIST_LIMIT` rows of one of `INPUT_ROW_TABLES` up to batch `cutoff`, each with
    its file, row, column and value."""
    text = INPUT_ROW_TABLES[table]
    sql = (f"SELECT kind, source_file, source_row, column_name, value, {text} "  # noqa: S608
           f"FROM {table} WHERE batch_id <= ? "  # - names from INPUT_ROW_TABLES, values bound
           f"ORDER BY batch_id, source_row, column_name, {text}, value LIMIT ?")
    return [
        {"kind": k, "file": f, "row": r, "column": c or fmt.DASH, "value": v or "", text: why}
        for k, f, r, c, v, why in store.run(con, sql, [cutoff, LIST_LIMIT])
    ]


def assumptions(finding_rows: list[dict], rules: dict) -> list[dict]:
    """The warnings the check gave, one row per rule: the visits it gave them for (a rule
    warns once per capture session, count or claim: 54 warnings of AB15 were on 50 visits,
    and the column headed "Visits" said 54) and the first message as its example."""
    by_rule: dict[str, dict] = {}
    for f in finding_rows:
        if f["severity"] != "warning":
            continue
        a = by_rule.setdefault(f["rule_id"], {
            "rule_id": f["rule_id"],
            "title": rules[f["rule_id"]].title if f["rule_id"] in rules else f["rule_id"],
            "visit_ids": set(), "example": f["message"]})
        a["visit_ids"].add(f["visit_id"])
    return [{"rule_id": a["rule_id"], "title": a["title"], "n": len(a["visit_ids"]),
             "example": a["example"]} for _, a in sorted(by_rule.items())]


def quality(con, run: ReportRun, visits: list[dict], finding_rows: list[dict], rules: dict,
             scope_kind: str) -> dict:
    detailed = scope_kind == "all"
    # Only the loads up to the run's last input batch: a later load cannot change the report of
    # this run (the same run renders the same document).
    cutoff = max((v.get("max_batch_id") or 0 for v in run.inputs.values()), default=0)
    quarantine_counts = [
        {"kind": k, "reason": r, "n": n}
        for k, r, n in store.run(
            con, "SELECT kind, reason, count(*) FROM quarantine WHERE batch_id <= ? "
                 "GROUP BY kind, reason ORDER BY kind, count(*) DESC, reason LIMIT ?",
            [cutoff, LIST_LIMIT])
    ] if detailed else [
        {"kind": k, "reason": None, "n": n}
        for k, n in store.run(
            con, "SELECT kind, count(*) FROM quarantine WHERE batch_id <= ? GROUP BY kind "
                 "ORDER BY kind", [cutoff])
    ]
    quarantine_rows = _input_rows(con, "quarantine", cutoff) if detailed else []
    reasons_total = (store.scalar(
        con, "SELECT count(*) FROM (SELECT DISTINCT kind, reason FROM quarantine "
             "WHERE batch_id <= ?)", [cutoff]) or 0) if detailed else 0
    quarantined_total = store.scalar(
        con, "SELECT count(*) FROM quarantine WHERE batch_id <= ?", [cutoff]) or 0
    quarantined_rows_total = store.scalar(
        con, "SELECT count(*) FROM (SELECT DISTINCT batch_id, source_row FROM quarantine "
             "WHERE batch_id <= ?)", [cutoff]) or 0
    # rows, not problems, of each kind: the summary says what the loads kept out
    quarantined_kinds = [
        {"kind": k, "rows": n}
        for k, n in store.run(
            con, "SELECT kind, count(DISTINCT (batch_id, source_row)) AS n FROM quarantine "
                 "WHERE batch_id <= ? GROUP BY kind ORDER BY n DESC, kind", [cutoff])
    ]
    warnings_total = store.scalar(
        con, "SELECT count(*) FROM load_warnings WHERE batch_id <= ?", [cutoff]) or 0
    warning_counts = [
        {"kind": k, "message": m if detailed else None, "n": n}
        for k, m, n in store.run(
            con, "SELECT kind, message, count(*) FROM load_warnings WHERE batch_id <= ? "
                 "GROUP BY kind, message ORDER BY kind, count(*) DESC, message LIMIT 40", [cutoff])
    ] if detailed else [
        {"kind": k, "message": None, "n": n}
        for k, n in store.run(
            con, "SELECT kind, count(*) FROM load_warnings WHERE batch_id <= ? GROUP BY kind "
                 "ORDER BY kind", [cutoff])
    ]
    # each warning's file, row, column and value, so that the officer can find what the load
    # changed (a session clipped to its visit's stay), its instants in port-local time
    zones = {v.get("port_timezone") for v in visits if v.get("port_timezone")}
    tz = zones.pop() if len(zones) == 1 else None
    warning_rows = [{**w, "value": _local_instants(w["value"], tz),
                     "message": _local_instants(w["message"], tz)}
                    for w in _input_rows(con, "load_warnings", cutoff)
                    ] if detailed else []
    per_visit_warn: dict[str, list[str]] = {}
    for f in finding_rows:
        if f["severity"] == "warning":
            per_visit_warn.setdefault(f["visit_id"], []).append(f["message"])
    lacking = [v for v in visits if v["verdict"] == "insufficient_data"]
    insufficient = [
        {**visit_head(v), "why": basis_text(v.get("basis")),
         "warnings": per_visit_warn.get(v["visit_id"], [])}
        for v in lacking[:TABLE_LIMIT]
    ]
    unconfirmed = []
    for name in run.pack.unconfirmed():
        if name.startswith("table "):
            t = run.pack.tables[name.removeprefix("table ")]
            unconfirmed.append({"name": name, "note": t.note or t.description})
        else:
            p = run.pack.parameters[name]
            unconfirmed.append({"name": name, "note": p.note or p.citation})
    batches = [
        {"batch": b, "kind": k, "file": f, "sha": sha[:16], "rows": rows_in, "inserted": ins,
         "quarantined": q, "warnings": w}
        for b, k, f, sha, rows_in, ins, q, w in store.run(
            con, "SELECT batch_id, kind, source_file, content_sha256, rows_in_file, "
                 "rows_inserted, rows_quarantined, warnings FROM load_batches WHERE batch_id <= ? "
                 "ORDER BY batch_id", [cutoff])
    ]
    return {
        "detailed": detailed,
        "quarantined_total": quarantined_total,
        "quarantined_rows_total": quarantined_rows_total,
        "quarantined_kinds": quarantined_kinds,
        "quarantine_counts": quarantine_counts,
        "quarantine_reasons_more": max(0, reasons_total - len(quarantine_counts)),
        "quarantine_rows": quarantine_rows,
        "quarantine_more": max(0, quarantined_total - len(quarantine_rows)),
        "warnings_total": warnings_total,
        "warning_counts": warning_counts,
        "warning_rows": warning_rows,
        "warnings_more": max(0, warnings_total - len(warning_rows)),
        "insufficient": insufficient,
        "insufficient_more": len(lacking) - len(insufficient),
        "assumptions": assumptions(finding_rows, rules),
        "unconfirmed": unconfirmed,
        "batches": batches,
        # texts the PDF's fonts cannot draw: found by render_run over the whole model
        # (report/glyphs.py), once it is complete; none for an HTML page
        "undrawable": {"n": 0, "rows": []},
    }

"""CARB Wharfinger records (17 CCR § 93130.13(d)) -> visits, and the port-year declared complete.

A California port sends CARB, each January, one record per vessel visit of the year before:
vessel name and type, the operating company (name, address, email, phone), IMO number, berth
used, and the date and time the vessel was first tied to the berth and finally released, in
port-local time. The layout is read by header like any `load` file (CSV, Parquet, XLSX);
see docs/interchange.md.

Each record becomes a visit without `ready_to_work` (Wharfinger data has none: a visit that
had to control emissions gets `insufficient_data`, never a guess). The terminal is the loaded
`berths` table's terminal for that berth (Wharfinger data names only the berth), the port a
`port` column or, failing that, the one port whose berths table has that berth. Since the
records are the port's whole year, the load declares that port-year complete in `coverage`
unless told not to.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from berthcheck import store
from berthcheck.errors import RowError
from berthcheck.ingest.kinds import COVERAGE, VISITS, Column, Kind
from berthcheck.ingest.load import AdapterSource, _load_one
from berthcheck.ingest.read import ROW, RawTable, ReadOptions, read_table


def _t(name: str, required: bool = False, *aliases: str) -> Column:
    return Column(name, "text", required, aliases=aliases)


# The § 93130.13(d) fields, with the headers ports use for them and those `export wharfinger`
# writes (so its file loads back). All text here: typing and checks are the visits kind's own,
# after the mapping.
WHARFINGER = Kind(
    name="wharfinger",
    table="",  # not stored as such: its rows become visits
    key=("imo", "tied_up"),
    columns=(
        _t("vessel_name", True, "vessel", "ship_name", "name"),
        _t("vessel_type", True, "type", "ship_type"),
        _t("operator", False, "operating_company", "company", "company_name", "vessel_operator",
           "operator_name", "vessel_operator_name"),
        _t("operator_address", False, "company_address", "address", "vessel_operator_address"),
        _t("operator_email", False, "company_email", "email", "vessel_operator_email"),
        _t("operator_phone", False, "company_phone", "phone", "telephone",
           "vessel_operator_phone"),
        _t("imo", True, "imo_number", "imo_no", "vessel_imo"),
        _t("berth", True, "berth_used", "berth_code"),
        _t("tied_up", True, "tied_up_at", "date_time_tied_up", "date/time_tied_up", "initially_tied", "tied",
           "arrival", "first_line", "tied_local"),
        _t("released", True, "released_at", "date_time_released", "date/time_released", "released_from_berth",
           "departure", "last_line", "released_local"),
        _t("port", False, "port_code", "unlocode", "locode"),
        _t("terminal", False, "terminal_code"),
    ),
)
# a visits column -> the Wharfinger column it came from (for messages)
_SOURCE_COLUMN = {"arrival": "tied_up", "departure": "released", "visit_id": "tied_up"}
_CONTACT = ("operator_address", "operator_email", "operator_phone")


def _berth_lookup(con) -> dict[tuple[str | None, str], list[tuple[str, str]]]:
    """berth -> [(port, terminal)], keyed both by (port, berth) and (None, berth)."""
    out: dict[tuple[str | None, str], list[tuple[str, str]]] = {}
    for port, terminal, berth in store.run(con, "SELECT port, terminal, berth FROM berths "
                                                "ORDER BY port, terminal, berth"):
        key = berth.strip().upper()
        out.setdefault((port, key), []).append((port, terminal))
        out.setdefault((None, key), []).append((port, terminal))
    return out


def _visit_id(port: str | None, imo: str | None, tied_up: str | None, row: int) -> str:
    """Stable from the record itself: reloading the same file gives the same ids."""
    digits = re.sub(r"\D", "", tied_up or "")[:12]
    if not (port and imo and len(digits) == 12):
        return f"WHF-row-{row}"  # the record's own problems are reported on its columns
    number = re.sub(r"\D", "", imo)
    return f"WHF-{port}-{number}-{digits}"


def to_visits(con, path: Path, read_options: ReadOptions | None = None,
              ) -> tuple[list[dict], list[int], list[RowError], RawTable]:
    raw = read_table(path, WHARFINGER, read_options)
    label = raw.path.name
    berths = _berth_lookup(con)
    rows, numbers, errors = [], [], []
    for record in raw.frame.iter_rows(named=True):
        n = record[ROW]
        berth = (record["berth"] or "").strip()
        port = (record["port"] or "").strip().upper().replace(" ", "") or None
        terminal = (record["terminal"] or "").strip() or None
        if berth and terminal is None:
            places = berths.get((port, berth.upper()), [])
            if len({p for p, _t in places}) > 1 and port is None:
                errors.append(RowError(label, n, "berth", berth, "this berth is in the berths "
                                       "table of several ports; add a port column"))
            elif len(places) > 1:
                errors.append(RowError(label, n, "berth", berth, "this berth belongs to several "
                                       "terminals in the berths table; add a terminal column"))
            elif not places:
                errors.append(RowError(label, n, "berth", berth, "not in the loaded berths table"
                                       + (f" for {port}" if port else "") + "; load berths "
                                       "first or add port and terminal columns"))
            else:
                port, terminal = port or places[0][0], places[0][1]
        extra = json.loads(record["extra"]) if record["extra"] else {}
        extra.update({c: record[c] for c in _CONTACT if record[c]})
        rows.append({
            "visit_id": _visit_id(port, record["imo"], record["tied_up"], n),
            "imo": record["imo"], "vessel_name": record["vessel_name"],
            "vessel_type": record["vessel_type"], "operator": record["operator"],
            "port": port, "terminal": terminal, "berth": berth or None,
            "arrival": record["tied_up"], "departure": record["released"],
            "extra": json.dumps({"wharfinger": extra}, sort_keys=True, ensure_ascii=False),
        })
        numbers.append(n)
    return rows, numbers, errors, raw


def _declared_years(con, visit_ids: list[str]) -> list[tuple[str, int]]:
    """(port, year of port-local departure) of these visits as now stored."""
    if not visit_ids:
        return []
    store.register(con, "_whf_ids", pl.DataFrame({"visit_id": visit_ids}))
    try:
        rows = store.run(con, """
            SELECT DISTINCT v.port, CAST(date_part('year', timezone(p.timezone, v.departure))
                                         AS INTEGER)
            FROM visits v JOIN _whf_ids i USING (visit_id) JOIN ports p ON p.port = v.port
            ORDER BY 1, 2""")
    finally:
        con.unregister("_whf_ids")
    return [(port, int(year)) for port, year in rows]


def load_wharfinger(con, files: list[Path], *, replace: bool = False, quarantine: bool = False,
                    errors_out: Path | None = None, coverage: bool = True,
                    read_options: ReadOptions | None = None):
    from berthcheck.ingest.adapters import AdapterReport, _finish, text_table

    reports, all_errors, declared = [], [], []
    with store.transaction(con):
        for path in files:
            rows, numbers, errors, raw = to_visits(con, Path(path), read_options)
            label = raw.path.name
            table = text_table(VISITS, rows, None, label=label, path=raw.path,
                               file_format=f"wharfinger-{raw.file_format}", sha256=raw.sha256)
            # the file's own row numbers, so every message points at the Wharfinger row
            table.frame = table.frame.with_columns(pl.Series(ROW, numbers, dtype=pl.Int64))
            table.problems = raw.problems  # its cells holding a control character

            def locate(err: RowError) -> RowError:
                return RowError(err.file, err.row, _SOURCE_COLUMN.get(err.column, err.column),
                                err.value, err.reason)

            unplaced = {e.row for e in errors if e.column == "berth"}

            def keep(err: RowError, unplaced=unplaced) -> bool:
                # a berth that placed nowhere already says why port and terminal are empty
                return not (err.row in unplaced and err.column in ("port", "terminal"))

            report, errs = _load_one(con, raw.path, VISITS, replace, quarantine,
                                     source=AdapterSource(table, errors, locate, keep=keep))
            report.rows_in_file = len(rows)
            reports.append(report)
            all_errors += errs
            if coverage and not (errs and not quarantine):
                bad = {e.row for e in errs}
                good = [r["visit_id"] for r, n in zip(rows, numbers, strict=True) if n not in bad]
                years = _declared_years(con, good)
                declared += years
                cov = text_table(COVERAGE, [{"kind": "port", "holder": p, "year": str(y)}
                                            for p, y in years], None, label=label,
                                 path=raw.path, file_format="wharfinger-coverage",
                                 sha256=raw.sha256)
                cov_report, cov_errs = _load_one(con, raw.path, COVERAGE, replace, quarantine,
                                                 source=AdapterSource(cov))
                cov_report.file = f"{label} [coverage]"
                reports.append(cov_report)
                all_errors += cov_errs
        _finish(all_errors, ", ".join(Path(p).name for p in files), quarantine, errors_out)
    report = AdapterReport("wharfinger", reports, sorted(all_errors) if quarantine else [])
    report.coverage = sorted(set(declared))
    return report

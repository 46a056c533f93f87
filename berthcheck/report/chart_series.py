"""Two charts' series computed from the visits: uncontrolled hours over the period by port-local
departure date, and the delay from Ready to Work to the first control."""

from __future__ import annotations

import datetime as dt
from typing import cast

from berthcheck.engine.scope import Scope
from berthcheck.report import fmt
from berthcheck.report.period import MONTHS
from berthcheck.report.run import ReportRun, fetch_for_visits
from berthcheck.report.values import number_or_zero


def _local_departure_hours(results) -> list[tuple[dt.date, float]]:
    """(port-local departure date, uncontrolled hours) summed per date, per time zone in
    polars (a Python conversion per visit is seconds at 200 000 visits)."""
    import polars as pl

    if not results.height:
        return []
    frame = results.select(
        pl.col("departure"), pl.col("port_timezone").fill_null("UTC").alias("_tz"),
        pl.col("uncontrolled_hours").fill_null(0).alias("_h"))
    if not isinstance(frame.schema["departure"], pl.Datetime):
        return [(d, number_or_zero(h)) for d, h in (
            (fmt.local_date(v, tz), h) for v, tz, h in frame.iter_rows()) if d is not None]
    sums: dict[dt.date, float] = {}
    for (tz,), part in frame.group_by("_tz"):
        departure = part["departure"]
        if departure.dtype.time_zone is None:  # type: ignore[union-attr]
            departure = departure.dt.replace_time_zone("UTC")
        local = part.with_columns(departure.dt.convert_time_zone(str(tz)).dt.date().alias("_d"))
        for d, h in local.drop_nulls("_d").group_by("_d").agg(pl.col("_h").sum()).iter_rows():
            sums[d] = sums.get(d, 0.0) + h
    return sorted(sums.items())


def over_time(scope: Scope, results) -> dict:
    """Uncontrolled hours by the visits' port-local departure date, in days (a month or less),
    weeks (up to a quarter) or months."""
    dates = _local_departure_hours(results)
    if scope.start is not None and scope.end is not None:
        first, last = scope.start.date(), (scope.end - dt.timedelta(days=1)).date()
    elif dates:
        first, last = min(d for d, _ in dates), max(d for d, _ in dates)
    else:
        return {"unit": "day", "buckets": []}
    span = (last - first).days + 1
    if span <= 31:
        unit = "day"

        def key(d: dt.date) -> dt.date:
            return d
    elif span <= 93:
        unit = "week"

        def key(d: dt.date) -> dt.date:
            return d - dt.timedelta(days=d.weekday())
    else:
        unit = "month"

        def key(d: dt.date) -> dt.date:
            return d.replace(day=1)
    buckets: dict[dt.date, float] = {}
    d = first
    while d <= last:
        buckets.setdefault(key(d), 0.0)
        d += dt.timedelta(days=1)
    for d, h in dates:
        k = key(d)
        if k in buckets:
            buckets[k] += h
    ordered = sorted(buckets.items())
    labels = []
    for k, _ in ordered:
        if unit == "day":
            labels.append(str(k.day))
        elif unit == "week":
            labels.append(k.strftime("%m-%d"))
        else:
            labels.append(MONTHS[k.month - 1][:3])
    return {"unit": unit, "labels": labels, "values": [h for _, h in ordered],
            "buckets": ordered}


DELAY_BINS = (30, 60, 90, 120, 150, 180, 240, 360, 720)  # upper edges (minutes), inclusive


def _delay_label(i: int) -> str:
    def hm(m: int) -> str:
        return f"{m // 60}:{m % 60:02d}"

    if i == 0:
        return f"≤ {hm(DELAY_BINS[0])}"
    if i == len(DELAY_BINS):
        return f"> {DELAY_BINS[-1] // 60} h"
    return f"{hm(DELAY_BINS[i - 1])}{fmt.DASH}{hm(DELAY_BINS[i])}"


def delays(con, run: ReportRun, visits: list[dict]) -> dict | None:
    """Minutes from Ready to Work to the first control (shore power connected or capture
    started) for the visits judged on control."""
    all_judged = [v for v in visits if v["verdict"] in ("compliant", "non_compliant")]
    if not any(v.get("ready_to_work") for v in all_judged):
        # nothing to measure from: the pack's window does not start at Ready to Work (FuelEU
        # and cn-shore-power judge the stay from arrival), so its visits carry none; counting
        # them as visits without a window said that every judged call was a short visit
        return None
    # CARB's judged visits without a window are its short visits (W empty), left out; a pack
    # that gives no window at all (a deadline, not time uncontrolled: docs/packs.md 6) has
    # every judged visit measured, where none was and the bars all read 0
    windows = any(v.get("window_start") for v in all_judged)
    judged = {v["visit_id"]: v for v in all_judged
              if v.get("ready_to_work") and (v.get("window_start") or not windows)}
    first = fetch_for_visits(
        con,
        "SELECT x.visit_id, min(x.t) AS first_control FROM ("
        "  SELECT visit_id, connected AS t FROM shore_power"
        "  UNION ALL SELECT visit_id, started AS t FROM capture) x "
        "JOIN _bc_report_visits s ON s.visit_id = x.visit_id "
        "GROUP BY x.visit_id ORDER BY x.visit_id",
        judged,
    )
    counts = [0] * (len(DELAY_BINS) + 1)
    never = len(judged)
    for visit_id, t in first.iter_rows():
        never -= 1
        # both instants are there: a session's start is a required column, and the judged
        # visits above have a Ready to Work
        first_control = cast(dt.datetime, fmt.as_utc(t))
        ready = cast(dt.datetime, fmt.as_utc(judged[visit_id]["ready_to_work"]))
        delay = (first_control - ready).total_seconds() / 60
        i = 0
        while i < len(DELAY_BINS) and delay > DELAY_BINS[i] + 1e-9:
            i += 1
        counts[i] += 1
    limit_hours = run.pack.parameter_values().get("connect_after_ready_to_work_hours")
    limit_index = None
    if limit_hours is not None:
        limit_min = float(cast(float, limit_hours)) * 60  # a number in every pack that has it
        limit_index = sum(1 for edge in DELAY_BINS if edge <= limit_min)
    return {
        "labels": [_delay_label(i) for i in range(len(counts))],
        "counts": counts,
        "never": never,
        "judged": len(judged),
        "short": len(all_judged) - len(judged),  # judged visits without a control window
        "windows": windows,  # False: the pack gives none, and every judged visit is measured
        "limit_index": limit_index,  # bars from this index on are beyond the limit
        "limit_hours": limit_hours,
    }

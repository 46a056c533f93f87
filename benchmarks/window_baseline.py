"""The core window arithmetic of the CARB At-Berth check, twice, for the benchmark's comparison.

Per visit with a ready-to-work time: the control window W = [ready_to_work + 2 h,
coalesce(pilot_on_board, departure) - 1 h); the union of its shore-power and capture sessions
clipped to W (controlled seconds); the rest of W (uncontrolled seconds); and the part of the
uncontrolled time covered by the union of excusing events clipped to W (excused seconds).

This is the heart of what `engine.check` does, without the rest (applicability, terminal
status, capture approval, allowances, rules, findings, emissions, validation, the stored run),
so it is a floor for the check's time, not the same computation:

* `duckdb_core`: one DuckDB query over Parquet files, a fresh connection (start-up included);
* `pandas_core`: a straightforward pandas `groupby().apply()` with a Python function per visit.
"""

from __future__ import annotations

import time
from pathlib import Path

HOURS = 3600.0


def parameters() -> dict:
    from berthcheck.engine.pack import load_pack

    values = load_pack("carb-at-berth-2020").parameter_values()
    return {
        "after_ready": float(values["connect_after_ready_to_work_hours"]) * HOURS,
        "before_pilot": float(values["disconnect_before_pilot_on_board_hours"]) * HOURS,
        "excusing": list(values["excusing_event_kinds"]),
    }


def pandas_installed() -> bool:
    """pandas is in the `bench` extra only (`make bench`): the suite's environment, like a
    user's, has no pandas, so pandera there imports no pandas either."""
    import importlib.util

    return importlib.util.find_spec("pandas") is not None


def export_inputs(con, folder: Path, *, as_pandas: bool = True) -> dict | None:
    """Write visits, sessions and events as Parquet (UTC, naive timestamps); return them as
    pandas frames for the pandas baseline (None when `as_pandas` is false)."""
    folder.mkdir(parents=True, exist_ok=True)
    queries = {
        "visits": "SELECT visit_id, CAST(arrival AS TIMESTAMP) AS arrival, "
                  "CAST(ready_to_work AS TIMESTAMP) AS ready_to_work, "
                  "CAST(pilot_on_board AS TIMESTAMP) AS pilot_on_board, "
                  "CAST(departure AS TIMESTAMP) AS departure FROM visits ORDER BY visit_id",
        "sessions": "SELECT visit_id, CAST(connected AS TIMESTAMP) AS s, "
                    "CAST(disconnected AS TIMESTAMP) AS e FROM shore_power "
                    "UNION ALL SELECT visit_id, CAST(started AS TIMESTAMP), "
                    "CAST(ended AS TIMESTAMP) FROM capture ORDER BY visit_id, s",
        "events": "SELECT visit_id, kind, CAST(start_time AS TIMESTAMP) AS s, "
                  "CAST(end_time AS TIMESTAMP) AS e FROM events ORDER BY visit_id",
    }
    for name, sql in queries.items():
        con.execute(f"COPY ({sql}) TO '{folder / name}.parquet' (FORMAT parquet)")  # noqa: S608
    if not as_pandas:
        return None
    import pandas as pd

    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in queries}


CORE_SQL = """
WITH v AS (
    SELECT visit_id, arrival, departure,
        ready_to_work + to_seconds(CAST($after_ready AS BIGINT)) AS ws,
        coalesce(pilot_on_board, departure) - to_seconds(CAST($before_pilot AS BIGINT)) AS we
    FROM read_parquet($visits) WHERE ready_to_work IS NOT NULL
),
pieces AS (  -- sessions and excusing events, clipped to W
    SELECT v.visit_id, 'c' AS what, greatest(x.s, v.ws) AS s, least(x.e, v.we) AS e
    FROM v JOIN read_parquet($sessions) x ON x.visit_id = v.visit_id
    WHERE x.s < v.we AND x.e > v.ws
    UNION ALL
    SELECT v.visit_id, 'x', greatest(coalesce(x.s, v.arrival), v.ws),
        least(coalesce(x.e, v.departure), v.we)
    FROM v JOIN read_parquet($events) x ON x.visit_id = v.visit_id
    WHERE list_contains($excusing, x.kind)
      AND coalesce(x.s, v.arrival) < v.we AND coalesce(x.e, v.departure) > v.ws
),
marked AS (  -- a piece starts an island unless an earlier piece reaches it
    SELECT *, CASE WHEN coalesce(s > max(e) OVER (PARTITION BY visit_id, what ORDER BY s, e
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true)
              THEN 1 ELSE 0 END AS starts
    FROM pieces
),
islands AS (  -- union per visit and kind (gaps and islands)
    SELECT visit_id, what, min(s) AS s, max(e) AS e
    FROM (SELECT *, sum(starts) OVER (PARTITION BY visit_id, what ORDER BY s, e
                                      ROWS UNBOUNDED PRECEDING) AS island FROM marked)
    GROUP BY visit_id, what, island
),
controlled AS (
    SELECT visit_id, sum(epoch(e) - epoch(s)) AS seconds FROM islands WHERE what = 'c'
    GROUP BY visit_id
),
excuse AS (
    SELECT visit_id, sum(epoch(e) - epoch(s)) AS seconds FROM islands WHERE what = 'x'
    GROUP BY visit_id
),
both_ AS (  -- excused time that was controlled anyway
    SELECT c.visit_id, sum(epoch(least(c.e, x.e)) - epoch(greatest(c.s, x.s))) AS seconds
    FROM islands c JOIN islands x ON x.visit_id = c.visit_id AND c.what = 'c' AND x.what = 'x'
     AND c.s < x.e AND x.s < c.e
    GROUP BY c.visit_id
)
SELECT v.visit_id,
    coalesce(c.seconds, 0) AS controlled_s,
    greatest(epoch(v.we) - epoch(v.ws), 0) - coalesce(c.seconds, 0) AS uncontrolled_s,
    coalesce(x.seconds, 0) - coalesce(b.seconds, 0) AS excused_s
FROM v
LEFT JOIN controlled c ON c.visit_id = v.visit_id
LEFT JOIN excuse x ON x.visit_id = v.visit_id
LEFT JOIN both_ b ON b.visit_id = v.visit_id
ORDER BY v.visit_id
"""


def duckdb_core(folder: Path, params: dict) -> dict[str, tuple[float, float, float]]:
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(CORE_SQL, {
            "visits": str(folder / "visits.parquet"),
            "sessions": str(folder / "sessions.parquet"),
            "events": str(folder / "events.parquet"),
            "after_ready": int(params["after_ready"]),
            "before_pilot": int(params["before_pilot"]),
            "excusing": params["excusing"],
        }).fetchall()
    finally:
        con.close()
    return {v: (c, u, x) for v, c, u, x in rows}


def _union(intervals: list[tuple]) -> list[list]:
    merged: list[list] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return merged


def _per_visit(group):
    import pandas as pd

    first = group.iloc[0]
    ws, we = first["ws"], first["we"]
    control, excuse = [], []
    for what, s, e in zip(group["what"], group["s"], group["e"], strict=True):
        if what == "w" or pd.isna(s) or pd.isna(e):
            continue
        s, e = max(s, ws), min(e, we)
        if s < e:
            (control if what == "c" else excuse).append((s, e))
    c_union, x_union = _union(control), _union(excuse)
    controlled = sum((e - s).total_seconds() for s, e in c_union)
    both = sum(
        max((min(ce, xe) - max(cs, xs)).total_seconds(), 0.0)
        for cs, ce in c_union for xs, xe in x_union
    )
    excused = sum((e - s).total_seconds() for s, e in x_union) - both
    window = max((we - ws).total_seconds(), 0.0)
    return pd.Series({"controlled_s": controlled, "uncontrolled_s": window - controlled,
                      "excused_s": excused})


def pandas_core(frames: dict, params: dict):
    """One long frame (a window row per visit, its sessions and excusing events), then
    `groupby("visit_id").apply` with a Python function per visit."""
    import pandas as pd

    visits = frames["visits"].dropna(subset=["ready_to_work"]).copy()
    visits["ws"] = visits["ready_to_work"] + pd.Timedelta(seconds=params["after_ready"])
    visits["we"] = (visits["pilot_on_board"].fillna(visits["departure"])
                    - pd.Timedelta(seconds=params["before_pilot"]))
    window = visits[["visit_id", "ws", "we", "arrival", "departure"]]
    sessions = frames["sessions"].assign(what="c")
    events = frames["events"][frames["events"]["kind"].isin(params["excusing"])]
    events = events.merge(window[["visit_id", "arrival", "departure"]], on="visit_id")
    events = events.assign(s=events["s"].fillna(events["arrival"]),
                           e=events["e"].fillna(events["departure"]), what="x")
    rows = pd.concat([
        window[["visit_id"]].assign(what="w", s=pd.NaT, e=pd.NaT),
        sessions[["visit_id", "what", "s", "e"]],
        events[["visit_id", "what", "s", "e"]],
    ])
    rows = rows.merge(window[["visit_id", "ws", "we"]], on="visit_id")
    return rows.groupby("visit_id")[["what", "s", "e", "ws", "we"]].apply(_per_visit)


def timed_pandas(frames: dict, params: dict, cap: int):
    """(seconds, visits run, results) of the pandas baseline on at most `cap` visits."""
    visits = frames["visits"]
    if len(visits) > cap:
        keep = set(visits["visit_id"].iloc[:cap])
        frames = {name: f[f["visit_id"].isin(keep)] for name, f in frames.items()}
    started = time.perf_counter()
    result = pandas_core(frames, params)
    seconds = time.perf_counter() - started
    return seconds, len(frames["visits"]), result


def agree(core: dict, pandas_result, tolerance: float = 1e-3) -> bool:
    """The pandas results match the DuckDB query's for every visit pandas ran."""
    for visit_id, row in pandas_result.iterrows():
        want = core.get(visit_id)
        if want is None:
            return False
        got = (row["controlled_s"], row["uncontrolled_s"], row["excused_s"])
        if any(abs(a - b) > tolerance for a, b in zip(got, want, strict=True)):
            return False
    return True

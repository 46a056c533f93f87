"""berthcheck benchmark (issue 8): one port-month to a decade of every California port.

    python benchmarks/run.py                      # every size below (the full run, minutes)
    python benchmarks/run.py --visits 2500        # one size (a named size, or N visits)
    python benchmarks/run.py --ci                 # 300 visits in a port-year: what CI runs
                                                  # (`make test`; its month's report as HTML)

Each size runs in a fresh subprocess (so its peak memory is its own) against a fresh database:

* generate (once, cached under `--out`/data): `berthcheck.sample.generate` for every port and
  month of the size, concatenated into one file per kind (as a regulator's extract would be;
  reference tables de-duplicated on their keys);
* read / validate / store: `load_files` for every kind in demo order, split by wrapping the
  loader's own functions: read = `read_table`; validate = typing, pandera row checks and the
  cross-row SQL checks; store = the rest (content hashes, comparison with stored rows, insert);
* check: `engine.check` over every stored visit (stages, rules, emissions, pandera validation
  of the outputs, input fingerprint, manifest with its input seals, stored run);
* report: the PDF of one month (`build_report`), only where a reader would open it (<= 2 500
  visits by default): a PDF of a million visits is not a thing people read.

Alongside the check, the same core window arithmetic (control window, union of shore-power
and capture sessions, clipping, excused time) runs twice more over the same loaded rows: as
one DuckDB query over Parquet files, and as a plain pandas `groupby().apply()` per visit. The
pandas run is capped (`--pandas-cap`, rows): above the cap it runs on a prefix of the visits
and its time is scaled up linearly (marked `~`).

Reported per stage: wall seconds, visits per second and the peak resident memory of the
process so far (ru_maxrss, which includes polars' and DuckDB's native memory). Output: a table
on stdout and JSON (`--json`, default `<out>/bench.json`). Timings never fail the run; only
errors do.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

CA_PORTS = ("USLAX", "USLGB", "USOAK", "USSFO", "USSAN", "USHUE", "USRCH")
REFERENCE_KINDS = ("berths", "terminals", "caecs", "allowances")
REPORT_MAX_VISITS = 2_500


@dataclass(frozen=True)
class Size:
    name: str
    visits: int
    ports: tuple[str, ...]
    months: int  # consecutive months ending with `last`
    last: str = "2026-10"

    @property
    def per_month(self) -> int:
        return max(1, round(self.visits / (len(self.ports) * self.months)))


SIZES = (
    Size("port-month", 200, ("USLAX",), 1),
    Size("port-year", 2_500, ("USLAX",), 12),
    Size("state-year", 15_000, CA_PORTS, 12),
    Size("state-decade", 150_000, CA_PORTS, 120),
    Size("stress", 1_000_000, CA_PORTS, 120),
)
# `--ci` (part of `make test`, which should stay quick: issue 16) runs every stage and every
# path of the full run, at a size that only shows the run works: one port-year (twelve months,
# so a check across months) in one process, the report of its month as HTML (the same model and
# templates; laying out its PDF was 4 of the run's 10 CPU s, and the suite lays out and reads
# back the sample month's PDF anyway) and the pandas baseline on a prefix of the year (scaled
# up, marked `~`, as at the large sizes). A second size (a 50-visit month, for the report) was
# a second process whose imports and fixed costs were half of the CI run's CPU.
CI_SIZES = (
    Size("ci-port-year", 300, ("USLAX",), 12),
)
CI_REPORT_MAX = 300
CI_REPORT_FORMAT = "html"
CI_PANDAS_CAP = 100
PANDAS_CAP = 20_000


def size_for(visits: int) -> Size:
    for size in (*SIZES, *CI_SIZES):
        if size.visits == visits:
            return size
    return Size(f"custom-{visits}", visits, ("USLAX",), 1)


def months_ending(last: str, n: int) -> list[str]:
    year, month = int(last[:4]), int(last[5:])
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


# --- data -----------------------------------------------------------------------------------------


def generate_size(size: Size, root: Path) -> Path:
    """One file per kind for the whole size (cached: a `done` marker says it is complete)."""
    import polars as pl

    from berthcheck.demo import LOAD_ORDER
    from berthcheck.ingest.kinds import KINDS
    from berthcheck.sample import generate

    target = root / f"{size.name}-{size.visits}"
    if (target / "done").is_file():
        return target
    parts = target / "parts"
    months = months_ending(size.last, size.months)
    pieces: dict[str, list[Path]] = {}
    for p_index, port in enumerate(size.ports):
        seen_years: set[str] = set()
        for m_index, month in enumerate(months):
            folder = parts / port / month
            generate(folder, visits=size.per_month, seed=2026 + 1000 * p_index + m_index,
                     month=month, port=port)
            first_of_year = month[:4] not in seen_years
            seen_years.add(month[:4])
            for kind, name in LOAD_ORDER:
                if kind in REFERENCE_KINDS and not first_of_year:
                    continue
                if (folder / name).is_file():
                    pieces.setdefault(name, []).append(folder / name)
    for kind, name in LOAD_ORDER:
        files = pieces.get(name, [])
        if not files:
            continue
        if len(files) == 1:
            (target / name).write_bytes(files[0].read_bytes())
            continue
        if kind in REFERENCE_KINDS:
            frame = pl.concat(
                [pl.read_csv(f, infer_schema=False) for f in files], how="diagonal"
            ).unique(subset=list(KINDS[kind].key), keep="first", maintain_order=True)
            frame.write_csv(target / name)
            continue
        # big files: concatenate the text, one header (the generator writes the same header)
        with open(target / name, "wb") as out:
            for i, f in enumerate(files):
                with open(f, "rb") as fh:
                    header = fh.readline()
                    if i == 0:
                        out.write(header)
                    while chunk := fh.read(1 << 22):
                        out.write(chunk)
    for f in sorted(parts.rglob("*"), reverse=True):
        f.unlink() if f.is_file() else f.rmdir()
    parts.rmdir()
    (target / "done").write_text("ok\n")
    return target


# --- one size, in its own process ---------------------------------------------------------------


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def time_calls(owner, name: str, spent: dict[str, float], bucket: str,
               clock=time.perf_counter) -> None:
    """Replace `owner.name` with a wrapper adding each call's `clock` time to `spent[bucket]`
    (also used by benchmarks/report_bench.py, with CPU time)."""
    inner = getattr(owner, name)

    def timed(*args, **kwargs):
        started = clock()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[bucket] += clock() - started

    setattr(owner, name, timed)


class _Clock:
    """Wraps loader functions to split `load_files` time into read / validate / store."""

    def __init__(self):
        self.spent = {"read": 0.0, "prepare": 0.0, "cross": 0.0}

    def wrap(self, module, name: str, bucket: str):
        time_calls(module, name, self.spent, bucket)


def run_one(size: Size, data: Path, work: Path, report: str | None, pandas_cap: int,
            profile: bool = False, month: str | None = None) -> dict:
    from berthcheck import store
    from berthcheck.demo import LOAD_ORDER
    from berthcheck.engine import check
    from berthcheck.engine.timing import recording
    from berthcheck.ingest import load, prepare

    clock = _Clock()
    # each step is timed where it is called from: prepare reads, load prepares and cross-checks
    clock.wrap(prepare, "read_table", "read")
    clock.wrap(load, "prepare", "prepare")
    clock.wrap(load, "cross_row_checks", "cross")

    db = work / "bench.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    con = store.connect(db)
    stages: dict[str, dict] = {}
    started = time.perf_counter()
    per_kind = {}
    quarantined = 0
    for kind, name in LOAD_ORDER:
        path = data / name
        if path.is_file():
            t = time.perf_counter()
            # --quarantine: ports and months are generated independently, so now and then a
            # vessel is at two berths at once; those rows (and their sessions) are set aside
            loaded = load.load_files(con, kind, [path], quarantine=True)
            per_kind[kind] = round(time.perf_counter() - t, 3)
            quarantined += sum(f.quarantined for f in loaded.files)
    load_total = time.perf_counter() - started
    validate_s = clock.spent["prepare"] - clock.spent["read"] + clock.spent["cross"]
    stages["read"] = {"seconds": clock.spent["read"]}
    stages["validate"] = {"seconds": validate_s}
    stages["store"] = {"seconds": load_total - clock.spent["read"] - validate_s}
    for s in stages.values():
        s["peak_rss_mb"] = peak_rss_mb()
    visits = store.table_counts(con)["visits"]

    t = time.perf_counter()
    with recording() as check_stages:
        outcome = check(con)
    stages["check"] = {"seconds": time.perf_counter() - t, "peak_rss_mb": peak_rss_mb()}
    counts = outcome.verdict_counts()
    findings = outcome.findings.height
    # the check's frames (0.7 GB at a million visits) are not kept under the month check and
    # the baseline's own frames below: the peak line measures the load and the check
    del outcome
    month_check = None
    if month:  # the everyday check: one month of the same database
        t = time.perf_counter()
        with recording() as month_stages:
            month_outcome = check(con, period=month)
        month_check = {"period": month, "seconds": time.perf_counter() - t,
                       "visits": month_outcome.results.height, "stages": month_stages}
        del month_outcome
    if report:
        from berthcheck.report import build_report

        t = time.perf_counter()
        pdf = build_report(con, period="2026-10", out=work / f"report.{report}")  # pdf; html for --ci
        stages["report"] = {"seconds": time.perf_counter() - t, "peak_rss_mb": peak_rss_mb(),
                            "pages": pdf.pages}
    end_to_end = sum(s["seconds"] for s in stages.values())

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import window_baseline

    params = window_baseline.parameters()
    t = time.perf_counter()
    # the pandas baseline needs pandas (`make bench` installs it; `make test` does not)
    with_pandas = pandas_cap > 0 and window_baseline.pandas_installed()
    frames = window_baseline.export_inputs(con, work / "parquet", as_pandas=with_pandas)
    export_s = time.perf_counter() - t
    con.close()
    t = time.perf_counter()
    core = window_baseline.duckdb_core(work / "parquet", params)
    core_s = time.perf_counter() - t
    pandas_s, pandas_visits, pandas_rows = (
        window_baseline.timed_pandas(frames, params, pandas_cap) if frames is not None
        else (0.0, 0, None))
    # `--pandas-cap 0` (or no pandas) runs no pandas: no time to scale up, nothing to agree on
    ran_pandas = pandas_visits > 0
    pandas_extrapolated = ran_pandas and frames is not None and \
        pandas_visits < len(frames["visits"])
    pandas_full_s = (pandas_s * len(frames["visits"]) / pandas_visits
                     if ran_pandas and frames is not None else None)
    agree = window_baseline.agree(core, pandas_rows) if ran_pandas else None

    for s in stages.values():
        s["visits_per_second"] = visits / s["seconds"] if s["seconds"] else None
    return {
        "size": size.name,
        "visits": visits,
        "ports": len(size.ports),
        "months": size.months,
        "stages": stages,
        "load_by_kind_seconds": per_kind,
        "rows_quarantined": quarantined,
        "end_to_end_seconds": end_to_end,
        "peak_rss_mb": peak_rss_mb(),
        "verdicts": counts,
        "findings": findings,
        "check_stages": check_stages if profile else None,
        "month_check": month_check,
        "baseline": {
            "duckdb_core_seconds": core_s,
            "parquet_export_seconds": export_s,
            "pandas_installed": window_baseline.pandas_installed(),
            "pandas_seconds": pandas_full_s,
            "pandas_visits_run": pandas_visits,
            "pandas_extrapolated": pandas_extrapolated,
            "pandas_agrees_with_duckdb_core": agree,
            "pandas_over_check": (pandas_full_s / stages["check"]["seconds"]
                                  if pandas_full_s is not None else None),
            "check_over_duckdb_core": stages["check"]["seconds"] / core_s,
        },
    }


# --- the table ----------------------------------------------------------------------------------


def table(rows: list[dict]) -> str:
    head = (f"{'size':<13} {'visits':>9} {'stage':<9} {'wall s':>8} {'visits/s':>11} "
            f"{'peak MB':>8}")
    lines = [head, "-" * len(head)]
    for r in rows:
        for i, (stage, s) in enumerate(r["stages"].items()):
            vps = f"{s['visits_per_second']:,.0f}" if s["visits_per_second"] else "-"
            lines.append(f"{r['size'] if i == 0 else '':<13} "
                         f"{r['visits'] if i == 0 else '':>9} {stage:<9} {s['seconds']:>8.2f} "
                         f"{vps:>11} {s['peak_rss_mb']:>8.0f}")
        lines.append(f"{'':<13} {'':>9} {'total':<9} {r['end_to_end_seconds']:>8.2f} "
                     f"{r['visits'] / r['end_to_end_seconds']:>11,.0f} {r['peak_rss_mb']:>8.0f}")
    lines.append("")
    head = (f"{'size':<13} {'visits':>9} {'check s':>8} {'core SQL s':>10} {'pandas s':>10} "
            f"{'pandas/check':>12} {'check/core':>10} {'agree':>5}")
    lines += [head, "-" * len(head)]
    for r in rows:
        b = r["baseline"]
        mark = "~" if b["pandas_extrapolated"] else ""
        if b["pandas_seconds"] is None:
            pandas_s, pandas_ratio, agree = "not run", "-", "-"
        else:
            pandas_s = mark + format(b["pandas_seconds"], ".2f")
            pandas_ratio = mark + format(b["pandas_over_check"], ".1f")
            agree = "yes" if b["pandas_agrees_with_duckdb_core"] else "NO"
        lines.append(
            f"{r['size']:<13} {r['visits']:>9} {r['stages']['check']['seconds']:>8.2f} "
            f"{b['duckdb_core_seconds']:>10.2f} {pandas_s:>10} {pandas_ratio:>12} "
            f"{b['check_over_duckdb_core']:>10.1f} {agree:>5}"
        )
    if any(r["baseline"]["pandas_extrapolated"] for r in rows):
        lines.append("~ pandas ran on a prefix of the visits (--pandas-cap); time scaled linearly")
    if not all(r["baseline"].get("pandas_installed", True) for r in rows):
        lines.append("pandas not run: it is not installed (`make bench` installs the bench extra)")
    for r in rows:
        m = r.get("month_check")
        if m:
            full = r["stages"]["check"]["seconds"]
            lines += ["", f"{r['size']}: one-month check ({m['period']}, {m['visits']} visits) "
                      f"{m['seconds']:.2f} s = {100 * m['seconds'] / full:.0f} % of the full "
                      f"check ({full:.2f} s)"]
        for label, spent in (("full check", r.get("check_stages")),
                             ("month check", (m or {}).get("stages") if r.get("check_stages")
                              else None)):
            if not spent:
                continue
            total = sum(spent.values())
            lines += ["", f"{r['size']}: {label} by stage (s, % of the timed stages)"]
            lines += [f"  {name:<52} {s:>7.3f} {100 * s / total:>5.1f} %"
                      for name, s in spent.items()]
    return "\n".join(lines)


def machine() -> dict:
    import duckdb
    import polars

    return {
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "polars": polars.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, action="append",
                        help="size(s) to run (repeatable); default: every size")
    parser.add_argument("--ci", action="store_true", help="the CI sizes: " + ", ".join(f"{s.name} ({s.visits} visits)" for s in CI_SIZES))
    parser.add_argument("--out", type=Path, help="work folder (data cache, databases, JSON)")
    parser.add_argument("--json", type=Path, help="write the JSON here (default <out>/bench.json)")
    parser.add_argument("--report-max", type=int,
                        help=f"render the PDF only up to this many visits (default "
                             f"{REPORT_MAX_VISITS}; {CI_REPORT_MAX} with --ci)")
    parser.add_argument("--pandas-cap", type=int,
                        help=f"run the pandas baseline on at most this many visits (default "
                             f"{PANDAS_CAP}; {CI_PANDAS_CAP} with --ci)")
    parser.add_argument("--profile", action="store_true",
                        help="print the check's per-stage breakdown")
    parser.add_argument("--month", help="also check this one month (YYYY-MM) of the same "
                        "database, and print its time beside the full check")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:  # one size in this process: print its JSON
        spec = json.loads(args.child)
        size = Size(spec["name"], spec["visits"], tuple(spec["ports"]), spec["months"])
        result = run_one(size, Path(spec["data"]), Path(spec["work"]), spec["report"],
                         spec["pandas_cap"], spec.get("profile", False), spec.get("month"))
        print("BENCH-JSON " + json.dumps(result))
        return 0

    if args.report_max is None:
        args.report_max = CI_REPORT_MAX if args.ci else REPORT_MAX_VISITS
    if args.pandas_cap is None:
        args.pandas_cap = CI_PANDAS_CAP if args.ci else PANDAS_CAP
    out = args.out or Path(tempfile.gettempdir()) / "berthcheck-bench"
    out.mkdir(parents=True, exist_ok=True)
    visits = args.visits or ([s.visits for s in CI_SIZES] if args.ci else [s.visits for s in SIZES])
    rows = []
    for n in visits:
        size = size_for(n)
        t = time.perf_counter()
        data = generate_size(size, out / "data")
        print(f"# {size.name}: {n} visits, {len(size.ports)} port(s) x {size.months} month(s), "
              f"data ready in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
        work = out / "work" / size.name
        work.mkdir(parents=True, exist_ok=True)
        spec = {**asdict(size), "data": str(data), "work": str(work),
                "report": (CI_REPORT_FORMAT if args.ci else "pdf") if n <= args.report_max else None,
                "pandas_cap": args.pandas_cap,
                "profile": args.profile, "month": args.month}
        proc = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps(spec)],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            print(f"benchmark failed at {size.name}", file=sys.stderr)
            return 1
        line = next(x for x in proc.stdout.splitlines() if x.startswith("BENCH-JSON "))
        rows.append(json.loads(line.removeprefix("BENCH-JSON ")))
        print(f"# {size.name}: end to end {rows[-1]['end_to_end_seconds']:.2f} s, "
              f"check {rows[-1]['stages']['check']['seconds']:.2f} s, "
              f"peak {rows[-1]['peak_rss_mb']:.0f} MB", file=sys.stderr, flush=True)
    print(table(rows))
    document = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "sizes": rows}
    json_path = args.json or out / "bench.json"
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document))
    print(f"# JSON written to {json_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

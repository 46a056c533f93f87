"""`berthcheck demo`: the sample month, end to end, in a fresh database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from berthcheck import store
from berthcheck.errors import UsageError
from berthcheck.ingest.load import LoadReport, load_files
from berthcheck.resources import sample_data_dir

# Reference tables first, then visits, then what hangs off visits.
LOAD_ORDER = (
    ("berths", "berths.csv"),
    ("terminals", "terminals.csv"),
    ("caecs", "caecs.csv"),
    ("allowances", "allowances.csv"),
    ("visit-counts", "visit_counts.csv"),
    ("coverage", "coverage.csv"),
    ("visits", "visits.csv"),
    ("shore-power", "shore_power.csv"),
    ("capture", "capture.csv"),
    ("events", "events.csv"),
)
SAMPLE_PERIOD = "2026-10"
DEFAULT_PACK = "carb-at-berth-2020"
# pack -> (its sample month's folder under sample_data/, "" = the top; the period to check; the
# `berthcheck sample` arguments that make that month, used where the repository is not there)
DEMO_SAMPLES: dict[str, tuple[str, str, dict]] = {
    "carb-at-berth-2020": ("", SAMPLE_PERIOD, {}),
    "fueleu-art6": ("eu-rotterdam-2030-06", "2030-06", {"port": "NLRTM", "month": "2030-06"}),
    "cn-shore-power": ("cn-shanghai-2026-10", "2026-10", {"port": "CNSHA", "visits": 150}),
}


@dataclass
class DemoReport:
    db_path: Path
    source_dir: Path
    loads: list[LoadReport] = field(default_factory=list)
    outcome: object = None  # engine.CheckResult of the sample month
    results_path: Path | None = None
    findings_path: Path | None = None
    report_path: Path | None = None  # the sample month's PDF report


def refuse_a_store_not_made_by_demo(db_path: Path, out_dir: Path) -> None:
    """The demo deletes the database in its folder to start afresh: only one that holds nothing
    but sample months (every load batch read from the sample folders), never a port's own store
    (`demo --out .` beside ./berthcheck.duckdb, the default `--db`) or another file."""
    if not db_path.exists():
        return
    import duckdb

    folders = [sample_data_dir().resolve(), (out_dir / "sample_data").resolve()]
    try:
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            loaded = [str(p) for (p,) in con.execute(
                "SELECT DISTINCT source_path FROM load_batches").fetchall()]
        finally:
            con.close()
    except duckdb.Error:
        loaded = None  # not a DuckDB file, not berthcheck's, or in use: not ours to delete
    if loaded is None or not all(any(Path(p).resolve().is_relative_to(f) for f in folders)
                                 for p in loaded):
        raise UsageError(
            f"{db_path} exists and is not a database `berthcheck demo` made (it holds files "
            "loaded from elsewhere, or is not a berthcheck store); the demo starts from a fresh "
            "database and will not delete it: give another --out")


def sample_source(out_dir: Path, pack: str = DEFAULT_PACK) -> Path:
    """The committed sample month of the pack, or (installed without the repository) a fresh
    generation with the same arguments, which gives the same files."""
    folder, _period, args = _demo_sample(pack)
    committed = sample_data_dir() / folder if folder else sample_data_dir()
    if (committed / "visits.csv").is_file():
        return committed
    from berthcheck.sample import generate

    target = out_dir / "sample_data"
    generate(target, **args)
    return target


def _demo_sample(pack: str) -> tuple[str, str, dict]:
    if pack not in DEMO_SAMPLES:
        raise UsageError(f"no sample month for pack {pack!r}; --pack takes one of "
                         + ", ".join(sorted(DEMO_SAMPLES)))
    return DEMO_SAMPLES[pack]


def load_sample(con, source: Path) -> list[LoadReport]:
    reports = []
    for kind, name in LOAD_ORDER:
        path = source / name
        if path.is_file():
            reports.append(load_files(con, kind, [path]))
    return reports


# what a demo writes beside its database: an earlier demo's go with its database, and a demo
# that fails leaves none of those it wrote (they would describe a database that is not there)
OUTPUTS = ("report.pdf", "results.csv", "findings.csv")


def run_demo(out_dir: Path, pack: str = DEFAULT_PACK) -> DemoReport:
    """All or nothing: a demo that fails part-way (a load, the check, the PDF, the files;
    Ctrl-C) removes the database it made and the outputs it wrote, so the folder never holds a
    half-made demo that `check` or `report` would then read as the sample month."""
    period = _demo_sample(pack)[1]
    made_folder = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "berthcheck.duckdb"
    refuse_a_store_not_made_by_demo(db_path, out_dir)
    outputs = [out_dir / name for name in OUTPUTS]
    earlier = [db_path] + (outputs if db_path.exists() else [])  # only a demo's own outputs
    for stale in (*earlier, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)  # a fresh database every time
    written: list[Path] = []
    try:
        return _demo(out_dir, db_path, pack, period, written)
    except BaseException:
        store.remove_store_files(db_path)  # its connection is closed by now
        for output in written:  # never a file of that name the demo did not write
            output.unlink(missing_ok=True)
        if made_folder and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise


def _demo(out_dir: Path, db_path: Path, pack: str, period: str,
          written: list[Path]) -> DemoReport:
    source = sample_source(out_dir, pack)
    con = store.connect(db_path)
    try:
        report = DemoReport(db_path, source, load_sample(con, source))
        from berthcheck.engine import check
        from berthcheck.engine.export import frame_writer

        report.outcome = check(con, pack, period=period)
        from berthcheck.report import build_report

        # made from the run just stored (same inputs and scope), so it shows these results
        report.report_path = build_report(
            con, period=period, out=out_dir / "report.pdf", pack=pack
        ).path
        written.append(report.report_path)
    finally:
        con.close()
    report.results_path = out_dir / "results.csv"
    report.findings_path = out_dir / "findings.csv"
    from berthcheck import atomic

    atomic.write_all([frame_writer(report.outcome.results, report.results_path, "results"),
                      frame_writer(report.outcome.findings, report.findings_path, "findings")])
    written += [report.results_path, report.findings_path]
    return report


def demo_dict(report: DemoReport) -> dict:
    """What a demo made, as plain data (`demo --json`): the database, the sample files loaded,
    the run (its id, pack, version, scope and verdict counts, as `check --json` names them) and
    the files written, in the shape every command's `--json` names files in."""
    from berthcheck.engine.check import CheckResult
    from berthcheck.written_files import written_files

    outcome = cast(CheckResult, report.outcome)  # set by the demo that made the report
    return {
        "database": str(report.db_path),
        "sample_data": str(report.source_dir),
        "loaded": [{"kind": load.kind, "file": f.file, "rows_loaded": f.inserted}
                   for load in report.loads for f in load.files],
        "run_id": outcome.run_id,
        "pack": outcome.pack.id,
        "pack_version": outcome.pack.version,
        "scope": outcome.scope.as_dict(),
        "visits": outcome.results.height,
        "counts": outcome.verdict_counts(),
        "findings": outcome.findings.height,
        "written_files": written_files(
            [report.report_path, report.results_path, report.findings_path]),
    }

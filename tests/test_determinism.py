"""The same inputs give byte-identical result files in any process, folder and time zone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from berthcheck import store
from berthcheck.engine import check
from tests.conftest import copy_store

PERIOD = "2026-10"
FORMATS = (".csv", ".json", ".parquet")  # .xlsx embeds the workbook's creation time
REPO = Path(__file__).resolve().parents[1]

# One process: check the copied store once per format, writing results, findings and the
# manifest into the current folder (the CLI itself, in-process, so imports happen once).
SCRIPT = """
import sys
from berthcheck.cli import app
for ext in {formats!r}:
    try:
        app(["check", "--db", "db.duckdb", "--period", {period!r}, "--out", "results" + ext,
             "--manifest", "manifest" + ext + ".json"], standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise
"""


@pytest.fixture(scope="module")
def sample_db(sample_month, tmp_path_factory) -> Path:
    return copy_store(sample_month, tmp_path_factory.mktemp("det") / "sample.duckdb")


def _run_in_process(sample_db: Path, folder: Path, tz: str) -> dict[str, bytes]:
    folder.mkdir(parents=True)
    shutil.copy(sample_db, folder / "db.duckdb")
    env = {k: v for k, v in os.environ.items() if k not in ("BERTHCHECK_DB", "BERTHCHECK_RULES_DIR")}
    env["TZ"] = tz
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(formats=FORMATS, period=PERIOD)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    names = [f"{stem}{ext}" for ext in FORMATS for stem in ("results", "findings")]
    names += [f"manifest{ext}.json" for ext in FORMATS]
    return {name: (folder / name).read_bytes() for name in names}


def _run_here(sample_db: Path, folder: Path) -> dict[str, bytes]:
    """The same commands as SCRIPT, in this process (its own zone), from `folder`."""
    from typer.testing import CliRunner

    from berthcheck.cli import app

    folder.mkdir(parents=True)
    shutil.copy(sample_db, folder / "db.duckdb")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for ext in FORMATS:
            done = CliRunner().invoke(app, [
                "check", "--db", "db.duckdb", "--period", PERIOD, "--out", "results" + ext,
                "--manifest", "manifest" + ext + ".json"])
            assert done.exit_code == 0, done.output
    names = [f"{stem}{ext}" for ext in FORMATS for stem in ("results", "findings")]
    names += [f"manifest{ext}.json" for ext in FORMATS]
    return {name: (folder / name).read_bytes() for name in names}


# another zone than this process's (a zone east of UTC, unless this process is in it)
OTHER_ZONE = ("Asia/Tokyo" if time.localtime().tm_gmtoff != 9 * 3600
              else "America/Los_Angeles")


@pytest.fixture(scope="module")
def in_two_processes(sample_db, tmp_path_factory) -> dict[str, tuple[Path, dict[str, bytes]]]:
    """The CLI's check of the same store in this process and in another process in another
    zone, each from a folder of its own, writing every format; both tests below read these
    (one Python start: the other side of the comparison is this process)."""
    root = tmp_path_factory.mktemp("processes")
    here, other = root / "a" / "here", root / "elsewhere" / "other"
    return {"here": (here, _run_here(sample_db, here)),
            "other": (other, _run_in_process(sample_db, other, OTHER_ZONE))}


def test_result_files_are_byte_identical_across_time_zones_processes_and_folders(in_two_processes):
    (here_folder, here), (_, other) = in_two_processes["here"], in_two_processes["other"]
    for name in here:
        assert here[name] == other[name], f"{name} differs between this process and TZ={OTHER_ZONE}"
    # all formats come from one run, so one manifest
    assert here["manifest.csv.json"] == here["manifest.json.json"] == here["manifest.parquet.json"]
    results = pl.read_csv(here_folder / "results.csv")
    assert results.height > 100


@pytest.fixture(scope="module")
def checked_here(sample_month_checked):
    """The month checked in this process, in its own zone: conftest's `sample_month_checked`,
    the worker's check of the same loaded month (its run stored, which changes no id or
    digest), where this module checked it once more (issue 16). Read only."""
    return sample_month_checked[1]


def test_finding_ids_and_run_id_are_the_same_in_any_process(checked_here, in_two_processes):
    folder, other = in_two_processes["other"]  # not this process, nor its zone
    here = checked_here
    theirs = pl.read_csv(folder / "findings.csv")
    assert theirs["finding_id"].to_list() == here.findings["finding_id"].to_list()
    assert theirs["finding_id"].n_unique() == theirs.height > 50
    import json

    manifest = json.loads(other["manifest.csv.json"])
    assert manifest["run_id"] == here.run_id
    assert manifest["results_sha256"] == here.manifest["results_sha256"]
    assert manifest["findings_sha256"] == here.manifest["findings_sha256"]
    assert manifest["inputs"] == here.manifest["inputs"]


def test_session_time_zone_does_not_change_the_manifest(sample_db, checked_here, tmp_path):
    a = checked_here  # the same store checked with the session in UTC
    path = tmp_path / "db.duckdb"
    shutil.copy(sample_db, path)
    con = store.connect(path)
    try:
        assert store.scalar(con, "SELECT current_setting('TimeZone')") == "UTC"
        store.run(con, "SET TimeZone = 'Asia/Tokyo'")
        try:
            b = check(con, period=PERIOD, store_run=False)
        finally:
            store.run(con, "SET TimeZone = 'UTC'")
    finally:
        con.close()
    assert a.manifest["inputs"] == b.manifest["inputs"]
    assert a.manifest["findings_sha256"] == b.manifest["findings_sha256"]
    assert a.run_id == b.run_id


def test_xlsx_export_is_byte_identical(tmp_path):
    import time

    import polars as pl

    from berthcheck.engine.export import write_frame

    frame = pl.DataFrame({"visit_id": ["V1", "V2"], "uncontrolled_hours": [0.0, 1.25]})
    write_frame(frame, tmp_path / "a.xlsx")
    time.sleep(1.1)  # xlsx records a creation time unless it is fixed
    write_frame(frame, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()

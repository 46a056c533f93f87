"""Shared test helpers: a fresh database, CSV writing, and the CLI runner."""

from __future__ import annotations

import csv
import itertools
import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.collector import collect_the_oldest_less_often

VISIT_HEADER = [
    "visit_id", "imo", "vessel_name", "vessel_type", "port", "terminal", "berth",
    "arrival", "ready_to_work", "pilot_on_board", "departure", "shore_power_capable",
]


def good_visit(**overrides) -> dict[str, str]:
    row = {
        "visit_id": "V1",
        "imo": "9321483",
        "vessel_name": "EVER GIVEN",
        "vessel_type": "container",
        "port": "USLAX",
        "terminal": "TRAPAC",
        "berth": "B136",
        "arrival": "2026-10-01 06:00",
        "ready_to_work": "2026-10-01 08:00",
        "pilot_on_board": "2026-10-03 05:00",
        "departure": "2026-10-03 06:00",
        "shore_power_capable": "yes",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or list(rows[0].keys())
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


@pytest.fixture(scope="session", autouse=True)
def _migrated_template(tmp_path_factory):
    """Migrate the schema once per test session (per xdist worker) and start every new
    database of the suite as a copy of that file: most tests create a fresh store, and running
    every migration for each was a large share of the suite's time (issue 16); a test's
    ":memory:" store is such a copy in a file of its own. A database that
    already exists, a read-only open, or a missing folder go through `store.connect` as ever,
    which then finds the copy at the latest schema (or migrates whatever is newer)."""
    template = tmp_path_factory.mktemp("template") / "migrated.duckdb"
    store.connect(template).close()
    real_connect = store.connect
    migrations = store.MIGRATIONS
    private = tmp_path_factory.mktemp("in-memory")
    opened = itertools.count(1)

    def connect(db=None, *, read_only: bool = False):
        path = store.resolve_db_path(db)
        # a test that swaps the migrations (to build an old schema) gets them run as it asked
        if read_only or store.MIGRATIONS is not migrations:
            return real_connect(db, read_only=read_only)
        if str(path) == ":memory:":
            # a fresh private store, as ":memory:" gives, but copied from the template instead
            # of migrated again (the migrations themselves run once, on the template)
            path = private / f"memory-{next(opened)}.duckdb"
            shutil.copyfile(template, path)
            return real_connect(path)
        if not path.exists() and path.parent.is_dir() and not Path(f"{path}.wal").exists():
            shutil.copyfile(template, path)
        return real_connect(db, read_only=read_only)

    patch = pytest.MonkeyPatch()
    patch.setattr(store, "connect", connect)
    yield template
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def _cli_built_once():
    """`CliRunner.invoke` builds the click command tree from the Typer app on every call
    (typer.testing's `_get_command`: signature introspection of every command and option,
    about 16 ms of CPU for berthcheck's app), where a `berthcheck` process builds it once;
    the suite invokes the CLI some thousand times (issue 16). Built once per app per worker
    here: the tree is made of the same registered functions and options either way, and each
    invoke still parses its arguments in a fresh click context. (The private name is patched
    with `raising=True`: a Typer without it fails here, not silently.)"""
    import typer.main
    import typer.testing

    built: dict[int, tuple[object, object]] = {}

    def get_command(app):
        key = id(app)
        if key not in built:  # the app is kept with its command, so its id is not reused
            built[key] = (app, typer.main.get_command(app))
        return built[key][1]

    patch = pytest.MonkeyPatch()
    patch.setattr(typer.testing, "_get_command", get_command)
    yield
    patch.undo()


def rows_loaded_once(tmp_path_factory, name: str, kind: str, rows: list[dict[str, str]]) -> Path:
    """A store holding `rows` of `kind` (loaded from a CSV), in a file never opened again: a
    module's tests start from copies of it (`copy_store`) where each loaded the rows anew."""
    from berthcheck.ingest.load import load_files

    folder = tmp_path_factory.mktemp(name)
    path = folder / f"{name}.duckdb"
    con = store.connect(path)
    try:
        load_files(con, kind, [write_csv(folder / f"{name}.csv", rows)])
    finally:
        con.close()
    return path


def _loaded_once(tmp_path_factory, folder: Path, name: str) -> Path:
    """A bundled sample folder loaded into a store file that is never opened again."""
    from berthcheck.demo import load_sample

    path = tmp_path_factory.mktemp(name) / f"{name}.duckdb"
    con = store.connect(path)
    try:
        load_sample(con, folder)
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def sample_month(_migrated_template, tmp_path_factory) -> Path:
    """The bundled sample month (Los Angeles, 2026-10) loaded once per worker into a store
    file, which is never opened again: a module that starts from it takes a copy
    (`copy_store`), where each loaded it anew before (about 0.55 CPU s a load)."""
    from berthcheck.resources import sample_data_dir

    return _loaded_once(tmp_path_factory, sample_data_dir(), "sample-month")


def _checked_once(source: Path, tmp_path_factory, name: str, pack: str,
                  period: str) -> tuple[Path, object]:
    """A copy of the loaded month `source` with `period` checked under `pack` and its run
    stored, as `berthcheck check --pack PACK --period PERIOD` stores it; and that check's
    `CheckResult` (read only). The file is never opened again: take a copy (`copy_store`)."""
    from berthcheck.engine import check

    path = copy_store(source, tmp_path_factory.mktemp(name) / "checked.duckdb")
    con = store.connect(path)
    try:
        outcome = check(con, pack, period=period)
    finally:
        con.close()
    return path, outcome


@pytest.fixture(scope="session")
def sample_month_checked(sample_month, tmp_path_factory) -> tuple[Path, object]:
    """The sample month's store (a copy of `sample_month`) with October checked under the
    default pack and its run stored, as `berthcheck check --period 2026-10` stores it; and
    that check's `CheckResult` (read only). Made once per worker, for the tests to which that
    run is only a precondition (`runs list`, `audit verify`/`diff`, `report --run`, exports of
    the stored run): where each file checked the month again (0.6 CPU s a check, issue 16).
    The file is never opened again: take a copy (`copy_store`)."""
    from berthcheck.demo import DEFAULT_PACK, SAMPLE_PERIOD

    return _checked_once(sample_month, tmp_path_factory, "sample-checked", DEFAULT_PACK,
                         SAMPLE_PERIOD)


@pytest.fixture(scope="session")
def shanghai_month(_migrated_template, tmp_path_factory) -> Path:
    """The bundled Shanghai month (cn-shanghai-2026-10) loaded once per worker, like
    `sample_month`: take a copy (`copy_store`) to open it."""
    folder = Path(__file__).resolve().parent.parent / "sample_data" / "cn-shanghai-2026-10"
    return _loaded_once(tmp_path_factory, folder, "shanghai-month")


@pytest.fixture(scope="session")
def rotterdam_month(_migrated_template, tmp_path_factory) -> Path:
    """The bundled Rotterdam month (eu-rotterdam-2030-06) loaded once per worker, like
    `sample_month`: take a copy (`copy_store`) to open it."""
    folder = Path(__file__).resolve().parent.parent / "sample_data" / "eu-rotterdam-2030-06"
    return _loaded_once(tmp_path_factory, folder, "rotterdam-month")


@pytest.fixture(scope="session")
def rotterdam_month_checked(rotterdam_month, tmp_path_factory) -> tuple[Path, object]:
    """The Rotterdam month checked once per worker under FuelEU's pack, its run stored (like
    `sample_month_checked`): the FuelEU reports of test_report, test_report_board and
    test_report_officer read that stored run (a report reuses a stored run of its scope and
    inputs) and test_finding_ids its findings, where each checked the month itself (about
    0.5 CPU s a check, issue 16). Take a copy (`copy_store`)."""
    return _checked_once(rotterdam_month, tmp_path_factory, "rotterdam-checked", "fueleu-art6",
                         "2030-06")


@pytest.fixture(scope="session")
def shanghai_month_checked(shanghai_month, tmp_path_factory) -> tuple[Path, object]:
    """The Shanghai month checked once per worker under the Chinese pack, its run stored (like
    `sample_month_checked`): the reports of test_report_officer and test_report_pack read that
    stored run and test_finding_ids its findings, where each checked the month itself (issue
    16). Take a copy (`copy_store`)."""
    return _checked_once(shanghai_month, tmp_path_factory, "shanghai-checked", "cn-shore-power",
                         "2026-10")


@pytest.fixture(scope="session")
def sample_report(_migrated_template, tmp_path_factory) -> dict:
    """`berthcheck demo` run once per worker: the sample month loaded, checked (a stored run)
    and reported as PDF, with what its report was made of kept on the way (the real functions,
    watched): the `build_report` outcome, the run and model the report shows, the HTML handed
    to WeasyPrint and its laid-out document. test_report reads the demo's output and PDF,
    test_report_board the same model, HTML and letter layout, where each made its own before
    (a second load, check, model and PDF layout of the same month: about 5 s of CPU). The two
    files are one work unit (their `WORK_UNIT`, tests/scheduling.py), so one worker runs the
    demo for both."""
    import berthcheck.report
    from berthcheck.cli import app
    from berthcheck.report import data, render

    folder = tmp_path_factory.mktemp("report")
    built, models, layouts = [], [], []
    real_build, real_model, real_layout = (
        berthcheck.report.build_report, data.build_model, render.layout)

    def build_report(*args, **kwargs):
        built.append(real_build(*args, **kwargs))
        return built[-1]

    def build_model(con, run, *args, **kwargs):
        models.append((run, real_model(con, run, *args, **kwargs)))
        return models[-1][1]

    def layout(html, meta, *args, **kwargs):
        layouts.append((html, real_layout(html, meta, *args, **kwargs)))
        return layouts[-1][1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(berthcheck.report, "build_report", build_report)
        patch.setattr(data, "build_model", build_model)
        patch.setattr(render, "layout", layout)
        demo = CliRunner().invoke(app, ["demo", "--out", str(folder / "demo")],
                                  catch_exceptions=False)
    assert demo.exit_code == 0, demo.output
    (outcome,) = built  # one report, made of one model and one layout
    ((run, model),) = models
    ((html, document),) = layouts
    pages, pieces = pdf_text(outcome.path)
    return {"folder": folder, "db": folder / "demo" / "berthcheck.duckdb", "demo": demo,
            "outcome": outcome, "run": run, "model": model, "html": html, "document": document,
            "pages": pages, "pieces": pieces}


@pytest.fixture(scope="session")
def shanghai_demo(_migrated_template, tmp_path_factory) -> dict:
    """`berthcheck demo --pack cn-shore-power --out FOLDER/runs/demo --mkdir` run once per
    worker: test_cn_shore_power reads what it wrote (results, PDF), test_demo runs another
    pack's demo over a copy of its folder, where each ran this demo itself before (a load,
    check and PDF of the Shanghai month: about 5 CPU s). The two files are one work unit
    (their `WORK_UNIT`, tests/scheduling.py), so one worker runs it for both. Never written to:
    copy the folder to change it."""
    from berthcheck.cli import app

    out = tmp_path_factory.mktemp("shanghai-demo") / "runs" / "demo"  # its parent made by --mkdir
    result = CliRunner().invoke(app, ["demo", "--pack", "cn-shore-power", "--out", str(out),
                                      "--mkdir"])
    return {"result": result, "out": out}


def pdf_text(path: Path) -> tuple[list[str], list[list[tuple]]]:
    """A PDF read back by pypdf: each page's text, and each page's text pieces as pypdf's
    visitor sees them (text, current matrix, text matrix, font size). Reading the text is
    about 1.6 CPU s for the sample month's 23 pages (pure Python), so the demo's PDF is read
    once, here, for both report files, instead of once per reader of it."""
    from pypdf import PdfReader

    pages, pieces = [], []
    for page in PdfReader(path).pages:
        seen: list[tuple] = []

        def visitor(text, cm, tm, font, size, seen=seen):
            seen.append((text, tuple(cm), tuple(tm), size))

        pages.append(page.extract_text(visitor_text=visitor))
        pieces.append(seen)
    return pages, pieces


def pdf_chapter_text(path: Path, title: str) -> str:
    """The text of the pages a PDF's bookmark `title` spans (WeasyPrint bookmarks each
    heading), read back by pypdf: from the bookmark's page to the page where the next bookmark
    at its level or above starts, or the last page. pypdf reads about 0.08 CPU s a page, so a
    test about one chapter reads its few pages, not the whole report (20 pages for the
    Shanghai demo); a heading missing from the PDF fails here."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    flat: list[tuple[int, str, int]] = []  # (depth, title, first page), in document order

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                flat.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    where = [i for i, (_, name, _) in enumerate(flat) if name == title]
    assert where, (title, [name for _, name, _ in flat])
    depth, _, first = flat[where[0]]
    last = next((page for d, _, page in flat[where[0] + 1:] if d <= depth),
                len(reader.pages) - 1)
    return "\n".join(reader.pages[n].extract_text() for n in range(first, last + 1))


def returns_recorded(monkeypatch, module, name: str) -> list:
    """`module.name` still called, each call's return value appended to the list returned
    (tests watching what the engine releases between its steps)."""
    real, returned = getattr(module, name), []

    def recorded(*args, **kwargs):
        returned.append(real(*args, **kwargs))
        return returned[-1]

    monkeypatch.setattr(module, name, recorded)
    return returned


def edited_pack_copy(pack: Path, folder: Path, file: str, old: str, new: str) -> Path:
    """A copy of the pack folder `pack` at `folder` with the first `old` replaced by `new` in
    its `file` (which must hold `old`)."""
    shutil.copytree(pack, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def folder_findings_messages(runner: CliRunner, folder: Path, db_dir: Path,
                             period: str) -> dict[tuple[str, str], str]:
    """`load-dir` a hand-made folder into a new store, `check` the period with `--out`, and
    read the findings file: each finding's message by (visit_id, rule_id)."""
    from berthcheck.cli import app

    db = str(db_dir / "line.duckdb")
    loaded = runner.invoke(app, ["load-dir", str(folder), "--db", db, "--quiet"])
    assert loaded.exit_code == 0, loaded.output
    checked = runner.invoke(app, ["check", "--db", db, "--period", period, "--out",
                                  str(db_dir / "results.csv"), "--quiet"])
    assert checked.exit_code == 0, checked.output
    with open(db_dir / "findings.csv", newline="", encoding="utf-8") as fh:
        return {(f["visit_id"], f["rule_id"]): f["message"] for f in csv.DictReader(fh)}


def copy_store(source: Path, target: Path) -> Path:
    """A private copy of a closed store file (`sample_month`) at `target`."""
    shutil.copyfile(source, target)
    return target


def text_compressions(con, table: str) -> dict[str, list[str]]:
    """{column: the compressions its text segments use, sorted}, as stored in `table`: DuckDB's
    own pick, or the one the table's definition asks for (store_schema)."""
    return dict(store.run(
        con,
        "SELECT column_name, list(DISTINCT compression ORDER BY compression) "
        "FROM pragma_storage_info(?) WHERE segment_type = 'VARCHAR' GROUP BY column_name",
        [table],
    ))


def html_report(db: Path, pack, period: str) -> tuple[str, dict]:
    """The HTML report of `period` under `pack` from the store file `db` (its run stored
    there), and the model it shows."""
    from berthcheck.engine.scope import parse_scope
    from berthcheck.report import render_run
    from berthcheck.report.data import obtain_run

    con = store.connect(db)
    try:
        run = obtain_run(con, parse_scope(period, None, None, None, None, None), pack)
        rendered = render_run(con, run, "html")
    finally:
        con.close()
    return rendered.data.decode("utf-8"), rendered.model


@pytest.fixture(scope="session")
def cases_con(_migrated_template):
    """One empty store per worker for fixture cases: each case's rows go in, are checked and
    are rolled back (`pack_fixtures.case_rows`), instead of a new database file per case.
    Defined here, not in a test file, so that tests/scheduling.py still deals the cases out
    one by one."""
    from berthcheck.engine.pack_fixtures import cases_store

    with cases_store() as con:
        yield con


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def con(db_path: Path):
    connection = store.connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def snapshot(con) -> tuple:
    """Everything a load may change: row counts of every table and the load log."""
    tables = [
        r[0]
        for r in store.run(
            con,
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY 1",
        )
        # the files loads read, kept for the outputs' guard even when nothing else changed
        if r[0] != "loaded_paths"
    ]
    # every table's count in one statement: one query per table was a fifth of the property
    # tests' time (they take two snapshots per example)
    counted = dict(store.run(con, " UNION ALL ".join(
        f"SELECT {i}, count(*) FROM {t}" for i, t in enumerate(tables))))  # noqa: S608
    counts = tuple((t, counted[i]) for i, t in enumerate(tables))
    log = tuple(store.run(con, "SELECT * FROM load_batches ORDER BY batch_id"))
    return counts, log



class _XdistScheduling:
    """`-n N` (xdist's default `--dist load`): a file with shared fixtures goes to one worker,
    other tests one by one (tests/scheduling.py). Any other `--dist` is xdist's own."""

    @staticmethod
    def pytest_xdist_make_scheduler(config, log):
        if config.getvalue("dist") != "load":
            return None
        from tests.scheduling import SharedFixtureScheduling

        return SharedFixtureScheduling(config, log)


def pytest_configure(config):
    # a test process holds what a command does and more (the session fixtures' laid-out
    # report): full collections as rare as the CLI's (berthcheck/collector.py)
    collect_the_oldest_less_often()
    # registered only where xdist is loaded: a hook xdist does not define would stop a run
    # without it (`-p no:xdist`)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistScheduling(), "berthcheck-xdist-scheduling")


def pytest_terminal_summary(terminalreporter):
    """`make test` runs the CI benchmark beside the suite (it used one core for ~10 s before
    the suite started) and names its folder in BERTHCHECK_CI_BENCH: its table is printed here,
    once it has finished, so the suite's summary stays the last line. The Makefile fails the
    target when the benchmark failed (its `exit` file)."""
    folder = os.environ.get("BERTHCHECK_CI_BENCH")
    if not folder or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    done, table = Path(folder) / "exit", Path(folder) / "table.txt"
    deadline = time.monotonic() + 600
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    status = done.read_text(encoding="utf-8").strip() if done.exists() else "still running"
    terminalreporter.section(f"CI benchmark (benchmarks/run.py --ci, beside the suite; exit {status})")
    terminalreporter.write(table.read_text(encoding="utf-8") if table.exists() else "no output\n")

"""Which expensive work the test suite repeats: a pytest plugin and its summary (issue 16,
`make test` under 120 s; docs/scaling.md, "Where the check stands").

Every in-process `engine.check.check`, `ingest.load.load_files` and `report.render.render_pdf`
call is logged, one JSON line per call, with the test that made it and its CPU seconds: a
recorded check by its run id (the same inputs, pack and scope give the same id), a load by its
kind and the sha256 of its files, a PDF by the sha256 of its HTML. A call whose key an earlier
call already had is a repeat. Checks made in a CLI subprocess are not seen. A check is also
logged with the berthcheck module that asked for it (`via`: `berthcheck.audit.verify` for the
recomputation `audit verify` makes, `test` for a test calling `check` itself): a verify's
recomputation is that command's subject, so the summary counts the repeats of the other checks
apart, the ones a shared stored run might save.

    BERTHCHECK_CENSUS=/tmp/census python -m pytest -q -n 2 -p benchmarks.suite_census
    python benchmarks/suite_census.py /tmp/census

Nothing is written unless BERTHCHECK_CENSUS names a folder; it is a measuring tool, never
loaded by the suite itself.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

_TEST: dict[str, str | None] = {"nodeid": None}


def pytest_runtest_protocol(item, nextitem):  # noqa: ARG001 - pytest's hook signature
    _TEST["nodeid"] = item.nodeid


def _log():
    folder = Path(os.environ["BERTHCHECK_CENSUS"])
    folder.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return open(folder / f"census.{worker}.jsonl", "a", encoding="utf-8")  # noqa: SIM115


def _files_sha(paths) -> str:
    digest = hashlib.sha256()
    for path in paths:
        try:
            digest.update(Path(path).read_bytes())
        except OSError:
            digest.update(str(path).encode())
    return digest.hexdigest()[:16]


def pytest_configure(config):  # noqa: ARG001
    """Wrap the three functions before the test modules import them by name."""
    if not os.environ.get("BERTHCHECK_CENSUS"):
        return
    out = _log()

    def write(what: str, key: str | None, started: float, **extra) -> None:
        out.write(json.dumps({"what": what, "key": key, "test": _TEST["nodeid"],
                              "cpu": round(time.process_time() - started, 4), **extra}) + "\n")
        out.flush()

    check_module = importlib.import_module("berthcheck.engine.check")
    load_module = importlib.import_module("berthcheck.ingest.load")
    render_module = importlib.import_module("berthcheck.report.render")
    real_check, real_load = check_module.check, load_module.load_files
    real_render = render_module.render_pdf

    def check(*args, **kwargs):
        started = time.process_time()
        outcome = real_check(*args, **kwargs)
        # None: not recorded, never a repeat
        write("check", outcome.run_id, started, via=_caller())
        return outcome

    def load_files(con, kind, paths, *args, **kwargs):
        started = time.process_time()
        loaded = real_load(con, kind, paths, *args, **kwargs)
        write("load", f"{kind}:{_files_sha(paths)}", started)
        return loaded

    def render_pdf(html, meta, attachment):
        started = time.process_time()
        rendered = real_render(html, meta, attachment)
        write("pdf", hashlib.sha256(html.encode()).hexdigest()[:16], started)
        return rendered

    wrapped = {real_check: check, real_load: load_files, real_render: render_pdf}
    for name, module in list(sys.modules.items()):  # every module holding one by name
        if name == "berthcheck" or name.startswith("berthcheck."):
            for attr, value in list(vars(module).items()):
                if callable(value) and value in wrapped:
                    setattr(module, attr, wrapped[value])


VERIFY = "berthcheck.audit.verify"


def _caller() -> str:
    """The innermost berthcheck module (other than the engine's check) on the caller's stack,
    or "test" where the test itself called `check`."""
    frame = sys._getframe(2)  # noqa: SLF001 - the wrapper's caller
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("berthcheck.") and not name.startswith("berthcheck.engine.check"):
            return name
        frame = frame.f_back
    return "test"


def summary(folder: Path) -> str:
    """Calls, distinct keys, repeats and their CPU per kind of work, and the most repeated."""
    rows = [json.loads(line) for path in sorted(folder.glob("census.*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line]
    lines = []
    for what in ("check", "load", "pdf"):
        calls = [r for r in rows if r["what"] == what and r["key"] is not None]
        by_key: dict[str, list] = defaultdict(list)
        for r in calls:
            by_key[r["key"]].append(r)
        repeats = [r for group in by_key.values() for r in group[1:]]
        lines.append(f"{what}: {len(calls)} calls ({sum(r['cpu'] for r in calls):.1f} CPU s), "
                     f"{len(by_key)} distinct, {len(repeats)} repeats "
                     f"({sum(r['cpu'] for r in repeats):.1f} CPU s)")
        if what == "check":
            # `audit verify` recomputes a stored run by design: its repeats are that command's
            # subject, the others are what a shared stored run might save
            verifies = [r for r in repeats if r.get("via") == VERIFY]
            lines.append(f"  of the repeats: {len(verifies)} `audit verify` recomputing "
                         f"({sum(r['cpu'] for r in verifies):.1f} CPU s), "
                         f"{len(repeats) - len(verifies)} other checks "
                         f"({sum(r['cpu'] for r in repeats if r.get('via') != VERIFY):.1f} CPU s)")

        def saved(group: list) -> float:
            return sum(r["cpu"] for r in group[1:] if r.get("via") != VERIFY)

        for key, group in sorted(by_key.items(), key=lambda kv: -saved(kv[1]))[:5]:
            if saved(group) > 0:
                asked = [r for r in group if r.get("via") != VERIFY]
                files = Counter(r["test"].split("::")[0] for r in asked if r["test"])
                lines.append(f"  {key}: {len(group)} calls, {len(group) - len(asked)} of them "
                             f"verify's, the others in "
                             + ", ".join(f"{f} ({n})" for f, n in files.most_common(4)))
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(Path(sys.argv[1])))

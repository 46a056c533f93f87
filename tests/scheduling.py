"""How `pytest -n N` hands the suite to its workers (tests/conftest.py's
`pytest_xdist_make_scheduler`, used in place of xdist's `--dist load`).

xdist's `load` deals tests out one by one, so a file's module-scoped fixture (a loaded sample
month, a rendered PDF, a stored run: seconds each) was set up on every worker that got one of
its tests. Here a file that shares fixtures across its tests (a fixture of module, class,
package or session scope defined in it) is one unit of work, run by one worker; every other
file's tests are units of their own (178 rule fixture cases, the scope push-down checks), so
the workers stay balanced. xdist's `loadscope` machinery sends the largest units first and the
single tests last, which fill the tail. Each test still runs exactly once. Files that read
one session fixture's costly output (the demo's report: test_report and test_report_board) say
so by a module-level `WORK_UNIT = "name"`: every file naming the same unit goes to one worker,
which then makes that output once.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

SHARED_FIXTURE = re.compile(r"""scope\s*=\s*["'](module|class|package|session)["']""")
WORK_UNIT = re.compile(r"""^WORK_UNIT\s*=\s*["']([\w-]+)["']""", re.MULTILINE)


class SharedFixtureScheduling(LoadScopeScheduling):
    """A file with shared fixtures is one work unit; any other test is a unit of its own."""

    def __init__(self, config, log=None) -> None:
        super().__init__(config, log)
        self.root = Path(config.rootpath)

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        unit = _work_unit(self.root / path)
        if unit is not None:
            return f"unit:{unit}"
        return path if _shares_fixtures(self.root / path) else nodeid


@functools.cache
def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _shares_fixtures(path: Path) -> bool:
    text = _text(path)
    if text is None:
        return True  # not readable here: keep the file together, as loadfile would
    return bool(SHARED_FIXTURE.search(text))


def _work_unit(path: Path) -> str | None:
    """The unit a file names (`WORK_UNIT = "name"`) to share a worker with other files."""
    found = WORK_UNIT.search(_text(path) or "")
    return found.group(1) if found else None

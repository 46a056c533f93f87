"""Several hand-computed scenarios of a test file in one check (issue 16: the suite's CPU).

Scenario files (tests/test_emissions.py, ...) each put a few rows in a store of their own and
checked it; a check's cost is nearly all its fixed cost (planning the pack's statements, about
0.3-0.5 CPU s), not its rows. Here a file declares its scenarios at import
(`ScenarioBatch.scenarios` on a test, or `add`), and a module-scoped fixture checks them
(`ScenarioBatch.check`: the fixture also makes the file one unit of work, tests/scheduling.py,
so one worker checks them). Scenarios that can share a store go into one, each scenario's
identities under a prefix of its own (`fixture_batches._namespaced`: visit, vessel, fleet,
operator, terminal, port call, session, event, capture system and count holders, so that no
provision that reads other visits, such as a terminal's or fleet's counts, a vessel's earlier
commissioning or a holder's claims, sees another scenario's rows), and each test reads its own
scenario's share of the results and findings as its own check gives them: the prefix taken out
of every text (`case_share`), and the finding ids, which hash the visit id, made again from the
visit id without it, in the check's order (`_findings_share`).

Scenarios share a store only where nothing else can tell them apart (`_together_key`): the same
pack, period and check options; the same kinds given with rows (a pack may read an empty or
missing table, e.g. no terminals or berths table, otherwise than a table without the row it
looks for); the same port-wide rows (ports rows, a port's coverage: not prefixed, so they must
be the same rows in every scenario of the store); and every visit naming its ship, fleet and
line (an empty value is the same in every scenario, so the prefix cannot keep it apart). Any
other scenario is checked alone. `CaseBatch` does the same for the packs' fixture cases a file
checks again for their wording (the rule fixtures' own batching, tests/test_rule_fixtures.py).

Isolation is checked, not assumed. Each batched file has a test (`prove`, `prove_cases`) that
every visit of a shared check is one scenario's, that each share holds only its scenario's own
visits, and that one scenario of its largest shared check, checked alone, gives its share frame
for frame; with BERTHCHECK_PROVE_BATCHES=1 it compares every scenario so (done for every file
batched here on 2026-12-05: all equal). With BERTHCHECK_SCENARIOS_ALONE=1 every scenario is
checked alone in its own store, as the files did before, so a test that fails batched can be
run alone to see whether the batching is the cause.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.fixture_batches import _OWN_IDS, CaseResult, _namespaced, _own, _prefix, case_share

ALONE = "BERTHCHECK_SCENARIOS_ALONE"

# the visits' columns by which provisions group visits across the store (a ship's uses and
# commissioning history, a fleet's or line's claims): a scenario leaving one empty is checked
# alone, since the prefix keeps only values apart and every scenario's empty value is the same
_KEYED_BY = ("imo", "fleet", "operator")


@dataclass
class Scenario:
    tables: dict[str, list[dict]]
    period: str | None
    pack: str | Callable[[], object]
    options: dict = field(default_factory=dict)

    def pack_object(self):
        from berthcheck.engine import load_pack

        return self.pack() if callable(self.pack) else load_pack(self.pack)


def _shared_rows(tables: dict) -> str:
    return repr(sorted((kind, sorted(row.items(), key=lambda kv: kv[0]))
                       for kind, rows in tables.items() for row in rows or []
                       if not _own(kind, row)))


def _together_key(scenario: Scenario) -> tuple | None:
    """Scenarios with the same key share a store and a check; None: checked alone."""
    tables = scenario.tables
    if any(kind not in _OWN_IDS for kind in tables):
        return None
    if any(row.get(column) in (None, "") for row in tables.get("visits", [])
           for column in _KEYED_BY):
        return None  # an empty key would be one ship, fleet or line across scenarios
    pack = scenario.pack if isinstance(scenario.pack, str) else id(scenario.pack)
    return (pack, scenario.period, repr(sorted(scenario.options.items())),
            tuple(sorted(kind for kind, rows in tables.items() if rows)),
            _shared_rows(tables))


def _check(scenario: Scenario, tables: dict):
    from berthcheck import store
    from berthcheck.engine import check
    from tests.helpers_store import put_tables

    con = store.connect(":memory:")
    try:
        put_tables(con, tables)
        # results and findings are read, never a run id: no fingerprint or manifest to make
        return check(con, scenario.pack_object(), period=scenario.period, store_run=False,
                     record=False, **scenario.options)
    finally:
        con.close()


class ScenarioBatch:
    """A test file's scenarios, declared at import (`add`) and checked together once
    (`check`, from a module-scoped fixture so that one worker runs the file)."""

    def __init__(self) -> None:
        self.defined: list[Scenario] = []
        self._checked: dict[int, CaseResult] | None = None
        self.groups: list[list[int]] = []  # the scenarios checked together, by number
        self.heights: list[tuple] = []  # a shared check's scenarios, results and findings

    def add(self, tables: dict[str, list[dict]], period: str | None = "2026-10",
            pack: str | Callable[[], object] = "carb-at-berth-2020", **options) -> int:
        """A scenario's rows (kinds as in the CLI), its period, its pack (an id, or a
        function making a Pack) and `check` options; its number for `check()[number]`."""
        self.defined.append(Scenario(tables, period, pack, options))
        return len(self.defined) - 1

    def scenarios(self, *tables: dict[str, list[dict]], period: str | None = "2026-10",
                  pack: str | Callable[[], object] = "carb-at-berth-2020", **options):
        """A test's scenarios (`add` each), read by the test from its module's `scenario`
        fixture (`of`)."""
        numbers = tuple(self.add(t, period, pack, **options) for t in tables)

        def mark(function):
            function.scenario_numbers = numbers
            return function

        return mark

    def of(self, function, checked: dict[int, CaseResult]):
        """The shares of a test's scenarios (`scenarios`): one, or a tuple in their order."""
        shares = tuple(checked[n] for n in function.scenario_numbers)
        return shares[0] if len(shares) == 1 else shares

    def check(self) -> dict[int, CaseResult]:
        if self._checked is None:
            self._checked = self._check_all()
        return self._checked

    def alone(self, number: int) -> CaseResult:
        """Scenario `number` checked in a store of its own."""
        scenario = self.defined[number]
        outcome = _check(scenario, scenario.tables)
        return CaseResult(outcome.results, outcome.findings)

    def _check_all(self) -> dict[int, CaseResult]:
        checked: dict[int, CaseResult] = {}
        if os.environ.get(ALONE):
            self.groups = [[n] for n in range(len(self.defined))]
            return {n: self.alone(n) for n in range(len(self.defined))}
        groups: dict[tuple, list[int]] = {}
        for n, scenario in enumerate(self.defined):
            key = _together_key(scenario)
            groups.setdefault(("alone", n) if key is None else key, []).append(n)
        self.groups = list(groups.values())
        for members in self.groups:
            if len(members) == 1:
                checked[members[0]] = self.alone(members[0])
                continue
            merged: dict[str, list[dict]] = {}
            for k, n in enumerate(members):
                tables = _namespaced(self.defined[n].tables, _prefix(k))
                for kind, rows in tables.items():
                    # the port-wide rows, the same in every scenario here, once
                    merged.setdefault(kind, []).extend(r for r in rows if _own(kind, r) or k == 0)
            outcome = _check(self.defined[members[0]], merged)
            self.heights.append((members, outcome.results.height, outcome.findings.height))
            for k, n in enumerate(members):
                checked[n] = CaseResult(case_share(outcome.results, k),
                                        _findings_share(outcome, k))
        return checked


def _findings_share(outcome, number: int):
    """A scenario's findings as its own check gives them: a finding id hashes its visit id
    (engine/findings.py `finding_id`), so it is made again from the visit id without the
    prefix, and the findings put back in the check's order (visit, rule, finding id)."""
    import polars as pl

    from berthcheck.engine.findings import finding_id

    mine = case_share(outcome.findings, number)
    if mine.is_empty():
        return mine
    version = outcome.pack.version
    ids = [None if evidence is None else finding_id(rule, version, visit, evidence)
           for rule, visit, evidence
           in mine.select("rule_id", "visit_id", "evidence").iter_rows()]
    return (mine.with_columns(pl.Series("finding_id", ids, dtype=mine.schema["finding_id"]))
            .sort("visit_id", "rule_id", "finding_id", maintain_order=True))


PROVE = "BERTHCHECK_PROVE_BATCHES"


def prove(batch: ScenarioBatch, checked: dict[int, CaseResult]) -> None:
    """What a file's batched scenarios must give (each file's
    `test_its_batched_scenarios_are_their_own_checks`): every visit of a shared check is one
    scenario's, each scenario's share holds only its own visits, and a scenario checked alone
    gives its share, frame for frame: one scenario of the largest shared check on every run,
    every scenario with BERTHCHECK_PROVE_BATCHES=1."""
    from polars.testing import assert_frame_equal

    for members, results, findings in batch.heights:
        assert sum(checked[n].results.height for n in members) == results
        assert sum(checked[n].findings.height for n in members) == findings
    for n, scenario in enumerate(batch.defined):
        own = {row["visit_id"] for row in scenario.tables.get("visits", [])}
        assert set(checked[n].results["visit_id"]) <= own, n
        assert set(checked[n].findings["visit_id"]) <= own, n
    if os.environ.get(PROVE):
        compared = list(range(len(batch.defined)))
    else:
        largest = max(batch.groups, key=len, default=[])
        compared = largest[-1:] if len(largest) > 1 else []
    for n in compared:
        alone = batch.alone(n)
        assert_frame_equal(checked[n].results, alone.results)
        assert_frame_equal(checked[n].findings, alone.findings)


class CaseBatch:
    """The packs' fixture cases (tests/rules/*.yml) that a file checks again for what the
    rule fixtures do not compare (a message's wording, evidence), checked together once
    (`fixture_batches.run_cases_together`, as tests/test_rule_fixtures.py checks them) where
    `run_case` checked each in a store of its own. Declared at import (`add`); a case not
    declared, or one the prefixes cannot keep apart, is checked alone."""

    def __init__(self) -> None:
        self.wanted: list[tuple[str, str, str]] = []  # (pack id, fixture rule, case name)
        self._checked: dict[tuple[str, str, str], CaseResult] | None = None
        self.shared: list[tuple[str, str, str]] = []  # the cases checked with others
        self._cases: dict[str, list] = {}  # each pack's fixture cases, read once

    def add(self, pack_id: str, rule: str, name: str) -> None:
        if (pack_id, rule, name) not in self.wanted:
            self.wanted.append((pack_id, rule, name))

    def case(self, pack_id: str, rule: str, name: str):
        from berthcheck.engine import load_pack
        from berthcheck.engine.pack_fixtures import load_cases

        if pack_id not in self._cases:
            self._cases[pack_id] = load_cases(load_pack(pack_id))
        return next(c for c in self._cases[pack_id] if c.rule == rule and c.name == name)

    def alone(self, pack_id: str, rule: str, name: str) -> CaseResult:
        from berthcheck.engine import load_pack
        from berthcheck.engine.pack_fixtures import run_case

        case = self.case(pack_id, rule, name)
        outcome = run_case(case.spec, load_pack(pack_id), case.visit_defaults)
        return CaseResult(outcome.results, outcome.findings)

    def outcome(self, pack_id: str, rule: str, name: str) -> CaseResult:
        """The case's results and findings, as `run_case` gives them."""
        key = (pack_id, rule, name)
        checked = self.check()
        if key not in checked:
            checked[key] = self.alone(*key)
        return checked[key]

    def check(self) -> dict[tuple[str, str, str], CaseResult]:
        if self._checked is None:
            self._checked = self._check_all()
        return self._checked

    def _check_all(self) -> dict[tuple[str, str, str], CaseResult]:
        from berthcheck.engine import check, load_pack
        from berthcheck.engine.pack_fixtures import cases_store
        from tests.fixture_batches import cases_rows_together, together_key

        if os.environ.get(ALONE):
            return {key: self.alone(*key) for key in self.wanted}
        groups: dict[tuple, list] = {}
        for key in self.wanted:
            case = self.case(*key)
            group = together_key(case)
            groups.setdefault((key[0], group) if group is not None else key, []).append(
                (key, case))
        checked: dict[tuple[str, str, str], CaseResult] = {}
        with cases_store() as con:
            for members in groups.values():
                if len(members) == 1:
                    continue  # checked alone when asked for
                pack = load_pack(members[0][0][0])
                with cases_rows_together(con, [case for _, case in members]):
                    # as `run_case` checks a case (notes on, nothing stored)
                    outcome = check(con, pack, period=members[0][1].spec.get("period"),
                                    notes=True, store_run=False, record=False)
                for k, (key, _) in enumerate(members):
                    self.shared.append(key)
                    checked[key] = CaseResult(case_share(outcome.results, k),
                                              _findings_share(outcome, k))
        return checked


def prove_cases(batch: CaseBatch) -> None:
    """`prove` for a `CaseBatch`: the first case checked with others gives what its own check
    gives (every such case with BERTHCHECK_PROVE_BATCHES=1)."""
    from polars.testing import assert_frame_equal

    batch.check()
    together = batch.shared
    for key in together if os.environ.get(PROVE) else together[:1]:
        alone = batch.alone(*key)
        assert_frame_equal(batch.check()[key].results, alone.results)
        assert_frame_equal(batch.check()[key].findings, alone.findings)

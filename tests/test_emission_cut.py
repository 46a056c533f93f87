"""Issue 16, a scoped check's front: the emission inputs sum each visit's metered energy from
the sessions the sandbox already cut to the judged visits (engine/results_query.py `emission_inputs`),
not from a second scan of every stored session. Both ways must give the same results; the
pack is still handed only the session columns it lists (`[pack] inputs`)."""

from __future__ import annotations

import importlib

import pytest
from polars.testing import assert_frame_equal

from berthcheck import store
from berthcheck.engine import load_pack
from berthcheck.engine.check import check
from berthcheck.engine.judged_visits import judged_visits_sql
from berthcheck.engine.sandbox import open_sandbox
from berthcheck.engine.scope import SCOPE_SQL, parse_scope, scope_params
from tests.conftest import copy_store

check_module = importlib.import_module("berthcheck.engine.check")


@pytest.fixture(scope="module")
def sample_con(sample_month, tmp_path_factory):
    con = store.connect(copy_store(sample_month, tmp_path_factory.mktemp("em") / "s.duckdb"))
    try:
        yield con
    finally:
        con.close()


@pytest.fixture
def taken(monkeypatch) -> list[list[str]]:
    """The names of the sandbox's kept cuts each check handed its emission inputs."""
    seen: list[list[str]] = []
    real = check_module.emission_inputs

    def spy(con, scope, kept, *, small=False):
        seen.append(sorted(kept))
        return real(con, scope, kept, small=small)

    monkeypatch.setattr(check_module, "emission_inputs", spy)
    return seen


def test_the_cut_sessions_give_the_stored_sessions_emission_inputs(sample_con, monkeypatch,
                                                                    taken):
    cut = check(sample_con, "carb-at-berth-2020", period="2026-10", store_run=False)
    assert taken == [["shore_power"]]  # the sandbox's cut was used
    real_sandbox = check_module.open_pack_sandbox
    # nothing kept: the emission inputs read the store's sessions, as before
    monkeypatch.setattr(check_module, "open_pack_sandbox",
                        lambda con, pack, scope, extra=None, kept=None, small=False:
                        real_sandbox(con, pack, scope, small=small))
    stored = check(sample_con, "carb-at-berth-2020", period="2026-10", store_run=False)
    assert taken[-1] == []
    metered = cut.results["shore_power_energy_kwh_metered"]
    assert metered.null_count() < cut.results.height  # metered visits are in the month
    assert metered.null_count() > 0  # and visits without a metered session
    assert_frame_equal(cut.results, stored.results)
    assert_frame_equal(cut.findings, stored.findings)
    assert cut.manifest["results_sha256"] == stored.manifest["results_sha256"]


def test_an_unscoped_check_sums_the_stored_sessions(sample_con, taken):
    """No scope, no cut: every session is the pack's, handed over whole."""
    check(sample_con, "carb-at-berth-2020", store_run=False, record=False)
    assert taken == [[]]


def test_the_pack_gets_only_its_listed_session_columns(sample_con):
    pack = load_pack("carb-at-berth-2020")
    scope = parse_scope("2026-10")
    sample_con.register("_bc_scope", sample_con.sql(SCOPE_SQL, params=scope_params(scope))
                        .arrow().read_all())
    kept: dict = {}
    try:
        sandbox = open_sandbox(sample_con, ["visits", "shore_power"],
                               visits_sql=judged_visits_sql(pack, scope), inputs=pack.inputs,
                               extra={"shore_power": ("energy_kwh",)}, kept=kept)
    finally:
        sample_con.unregister("_bc_scope")
    try:
        handed = sandbox.sql("SELECT * FROM shore_power LIMIT 0").columns
    finally:
        sandbox.close()
    assert handed == list(pack.inputs["shore_power"])
    assert "energy_kwh" not in handed
    assert kept["shore_power"].column_names == [*pack.inputs["shore_power"], "energy_kwh"]
    assert kept["shore_power"].num_rows > 100

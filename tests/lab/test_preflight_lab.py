"""Knowing before touching the machine, on real lab machines: connect --dry-run catches the
seed's credential, role and provider rows with the real connect's code and changes nothing; a
machine an hour behind the cloud is told so; a copied disk finds itself while the original
keeps working and the cloud shows one connected resource."""

from __future__ import annotations

import pytest

from cmagent.lab import scenarios
from tests.lab.conftest import ROOT

pytestmark = ROOT


def test_the_dry_runs_cover_the_credential_role_and_provider_rows() -> None:
    dry = {s.name.removesuffix("-dry-run") for s in scenarios.PREFLIGHT_SCENARIOS
           if s.name.endswith("-dry-run")}
    second_table = {s.name for s in scenarios.AGENT_SCENARIOS
                    if s.seed == scenarios.SEED_TABLE_2 and s.code in (41, 42)}
    assert second_table <= dry


@pytest.mark.parametrize("scenario", scenarios.PREFLIGHT_SCENARIOS, ids=lambda s: s.name)
def test_preflight_scenario(lab, scenario) -> None:
    outcome = scenarios.run(lab, scenario)
    assert outcome.state == "matched", (outcome.problems, outcome.output)

"""Runs every conformance scenario (conformance/scenarios/*.json) through the Python SDK."""

from __future__ import annotations

from pathlib import Path

import pytest
from conformance import run_scenario
from conftest import CONFORMANCE
from cortex_server import CortexServer

SCENARIOS = sorted((CONFORMANCE / "scenarios").glob("*.json"))


def test_there_are_scenarios_for_every_area() -> None:
    areas = {path.name.split("-")[0] for path in SCENARIOS}
    assert areas >= {"memory", "context", "agent", "errors"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario(path: Path, server: CortexServer, api_keys: dict[str, str]) -> None:
    run_scenario(path, server.address, api_keys, SCENARIOS.index(path))

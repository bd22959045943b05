"""The fault tier's fixtures: one running platform per module, and the fault report started afresh."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults import report
from tests.faults.platform import FaultPlatform, running_platform


@pytest.fixture(scope="session", autouse=True)
def fresh_fault_report() -> None:
    """A run of fault scenarios replaces the previous run's report (other tiers leave it alone)."""
    report.reset()


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultPlatform]:
    with running_platform(tmp_path_factory.mktemp("faults")) as running:
        yield running

"""The fault suite's systems (tests/support/faults.py): one shared by the scenarios that leave it
whole, and one of its own for each scenario that breaks the broker or the database."""

from collections.abc import Iterator

import pytest

from tests.support.faults import FaultSystem, fault_system


@pytest.fixture(scope="package")
def shared_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultSystem]:
    """For scenarios that restore what they break (a service killed is started again)."""
    with fault_system(tmp_path_factory.mktemp("faults")) as system:
        yield system


@pytest.fixture
def own_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultSystem]:
    """For a scenario that kills or stops the broker or the database."""
    with fault_system(tmp_path_factory.mktemp("faults")) as system:
        yield system

"""The fault suite's systems (tests/support/faults.py): one shared by the scenarios that leave it
whole, one of its own for each scenario that breaks the broker or the database; and the Twilio
and OpenAI stand-ins that `balas run` talks to in the supervisor's scenarios."""

from collections.abc import Iterator

import pytest

from tests.support.faults import FaultSystem, fault_system
from tests.support.system_fixtures import openai_api, twilio_api

__all__ = ["openai_api", "own_system", "shared_system", "twilio_api"]


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

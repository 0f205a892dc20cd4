"""A `balas` command a person reads logs only warnings and errors unless `balas --verbose`
(tests/integration/test_woocommerce_sync.py and test_ask_command.py run them), `run` and
`infra` log as the services do, and a command run in-process leaves the logging as it was."""

import logging
from typing import Any

import structlog
import typer

from balas.cli import app
from balas.cli_support import PersonCommand
from shared.logging import NOISY, logging_configured
from shared.settings import Settings


def leaf_commands(group: typer.core.TyperGroup, path: str = "balas") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, command in group.commands.items():
        if isinstance(command, typer.core.TyperGroup):
            found |= leaf_commands(command, f"{path} {name}")
        else:
            found[f"{path} {name}"] = command
    return found


def test_every_command_but_the_services_logs_for_a_person() -> None:
    commands = leaf_commands(typer.main.get_command(app))  # type: ignore[arg-type]

    services = {
        path for path, command in commands.items() if not isinstance(command, PersonCommand)
    }

    assert services == {"balas run", "balas infra"}
    assert "balas woocommerce sync" in commands


def logging_state() -> tuple[object, ...]:
    root = logging.getLogger()
    return (
        list(root.handlers),
        root.level,
        [logging.getLogger(name).level for name in NOISY],
        structlog.get_config(),
        structlog.contextvars.get_contextvars(),
    )


def test_logging_configured_for_a_block_is_as_it_was_after_it() -> None:
    before = logging_state()

    with logging_configured(Settings().updated(log={"level": "DEBUG"}), "t"):
        assert logging.getLogger().level == logging.DEBUG
        assert structlog.contextvars.get_contextvars()["service"] == "t"

    assert logging_state() == before

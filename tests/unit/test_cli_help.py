"""`balas … --help` for every command: flags show no `<bool>` placeholder, as if they took a
value (typer's rich help puts one after every flag)."""

import pytest
import typer
from typer.testing import CliRunner

from balas.cli import app


def every_command(
    group: typer.core.TyperGroup, path: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, typer.core.TyperGroup):
            found += every_command(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = every_command(typer.main.get_command(app))  # type: ignore[arg-type]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda path: " ".join(path) or "balas")
def test_help_shows_flags_without_a_value_placeholder(command: tuple[str, ...]) -> None:
    shown = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"})

    assert shown.exit_code == 0, shown.output
    assert "--help" in shown.output
    assert "<bool>" not in shown.output

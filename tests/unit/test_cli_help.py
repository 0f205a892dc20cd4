"""`balas … --help` for every command: flags show no `<bool>` placeholder, as if they took a
value (typer's rich help puts one after every flag), and values are named in words (FILE...,
STORE, N), not with typer's Python types (`{files}...`, `<list[Path]>`, `<str>`)."""

import re

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


# What typer shows for a value of each type: `<str>`, `<list[Path]>`, `<int range>`, `<file>`.
PYTHON_TYPE = re.compile(
    r"<(?:list\[|str|int|float|bool|Path|path|file|dir|datetime|UUID|uuid|[\w.]+ range)"
)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda path: " ".join(path) or "balas")
def test_help_names_values_in_words(command: tuple[str, ...]) -> None:
    shown = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"}).output

    assert PYTHON_TYPE.search(shown) is None, shown
    assert "{" not in shown, shown
    assert "NoneType" not in shown, shown
    assert "typing." not in shown, shown


def test_values_are_named_for_a_person() -> None:
    def shown(*command: str) -> str:
        return CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"}).output

    adding = shown("kb", "add")
    assert "kb add [OPTIONS] FILE..." in adding
    assert "--store STORE" in adding
    assert "[OPTIONS] [LETTER_ID]..." in shown("dlq", "redrive")
    assert "--limit N" in shown("messages")
    assert "--role [owner|agent]" in shown("console", "add-user")
    assert "--from TIME" in shown("replay")

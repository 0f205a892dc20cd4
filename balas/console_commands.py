"""`balas console`: console accounts. `create-owner` is the first-run command; `add-user` adds
agents (or more owners). Passwords are prompted twice without echo, or read from
BALAS_OWNER_PASSWORD / BALAS_USER_PASSWORD for scripts, never from the command line (shell
history, process lists)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from balas.cli_support import cli_settings, command_group, console, with_db
from services.console.auth.roles import Role

if TYPE_CHECKING:  # the console's accounts (and argon2) load when a command runs
    from services.console.auth.users import User
    from services.console.team import Membership
    from shared import mongo

console_app = command_group("Console accounts: owners and agents.")

EmailOption = Annotated[str, typer.Option("--email", help="The user's e-mail (their login).")]
NameOption = Annotated[str, typer.Option("--name", help="The name colleagues see.")]


def _member(email: str, name: str, role: Role) -> Membership:
    """The new user's e-mail and name, checked before the password is asked for."""
    from pydantic import ValidationError

    from services.console.team import Membership

    try:
        return Membership(email=email, name=name, role=role)
    except ValidationError as invalid:
        for problem in invalid.errors():
            field = problem["loc"][-1]
            # the e-mail's pattern is the only one: name it, not the regular expression
            said = (
                "not an e-mail address like you@toko.example"
                if problem["type"] == "string_pattern_mismatch"
                else problem["msg"]
            )
            console.print(f"[red]{field}: {escape(said)}[/]")
        raise typer.Exit(1) from None


def _password(variable: str, email: str) -> str:
    """From the environment variable, else prompted twice; refused when weak."""
    from services.console.auth.passwords import weakness

    password = os.environ.get(variable)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = weakness(password, email)
    if problem:
        console.print(f"[red]password refused: {escape(problem)}[/]")
        raise typer.Exit(1)
    return password


async def _create(
    db: mongo.Database, member: Membership, password: str, stores: list[str]
) -> User | str:
    """The new user, or why not (the console's team rules: services/console/team.py)."""
    from services.console import collections as console_collections
    from services.console.audit import Actor
    from services.console.team import Team, TeamRefused
    from shared import mongo
    from shared.stores.collections import STORES

    cli = Actor(None, "balas console")  # how the audit log names a change made from the terminal
    settings = cli_settings()
    await mongo.ensure_indexes(db, settings, [console_collections.indexes])  # unique e-mails
    if not stores and member.role is Role.OWNER:
        stores = sorted([d["_id"] async for d in db[STORES].find({}, {"_id": 1})])
    try:
        return await Team(db, settings).add(cli, stores, member, password)
    except TeamRefused as refused:
        return str(refused)


def _report(outcome: User | str) -> None:
    if isinstance(outcome, str):
        console.print(f"[red]{escape(outcome)}[/]")
        raise typer.Exit(1)
    stores = ", ".join(outcome.store_ids) or "no store yet"
    console.print(f"{outcome.role} [bold]{escape(outcome.name)}[/] created, stores: {stores}")


@console_app.command("create-owner")
def create_owner(
    email: EmailOption,
    name: NameOption,
    store: Annotated[
        list[str] | None,
        typer.Option("--store", help="A store they own (repeat); default: every store now."),
    ] = None,
) -> None:
    """Create an owner (password: prompted, or BALAS_OWNER_PASSWORD)."""
    member = _member(email, name, Role.OWNER)
    password = _password("BALAS_OWNER_PASSWORD", member.email)
    _report(with_db(lambda db: _create(db, member, password, store or [])))


@console_app.command("add-user")
def add_user(
    email: EmailOption,
    name: NameOption,
    store: Annotated[list[str], typer.Option("--store", help="A store they work for (repeat).")],
    role: Annotated[Role, typer.Option(help="agent: the inbox; owner: everything.")] = Role.AGENT,
) -> None:
    """Add a user to stores (password: prompted, or BALAS_USER_PASSWORD)."""
    member = _member(email, name, role)
    password = _password("BALAS_USER_PASSWORD", member.email)
    _report(with_db(lambda db: _create(db, member, password, store)))

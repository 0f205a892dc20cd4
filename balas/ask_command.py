"""`balas ask`: what the bot would answer, through the responder's own answering.

A sandbox conversation: a new customer, no history, no phone number (so no order look-ups), and
nothing is stored or sent. It shows the answer, the passages and tool results it cites, and
whether it would hand over and why.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from balas.cli_support import (
    StoreOption,
    cli_settings,
    console,
    unknown_store,
    with_db,
    wrapping_table,
)

if TYPE_CHECKING:  # the answering path loads when a question is asked, not with the CLI
    from shared import mongo
    from shared.answering.draft import Draft


def ask(
    question: Annotated[str, typer.Argument(help="What the customer asks.")],
    store: StoreOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Ask the bot a question as a new customer would, without sending anything."""
    from shared.answering.answerer import Question, build_answerer
    from shared.events import utcnow
    from shared.stores.bot_settings import BotSettingsRepository
    from shared.stores.directory import StoreDirectory

    settings = cli_settings()

    async def answer(db: mongo.Database) -> dict[str, Any] | None:
        found = await StoreDirectory(db, ttl_seconds=0).by_id(store)
        if found is None:
            return None
        saved = await BotSettingsRepository(db).current(found)
        sandbox = Question(
            store=found,
            settings=saved.settings,
            text=question,
            asked_at=utcnow(),
            history=[{"direction": "inbound", "text": question}],
            new_conversation=True,
        )
        draft = await build_answerer(db, settings).answer(sandbox)
        return _result(draft, saved.version, llm=settings.llm.configured)

    result = with_db(answer)
    if result is None:
        raise unknown_store(store)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    _print(result)


def _result(draft: Draft, settings_version: int, llm: bool) -> dict[str, Any]:
    return {
        "answer": draft.text,
        "hand_over": draft.hand_over.value if draft.hand_over else None,
        "grounded": draft.grounded,
        "citations": [citation.model_dump(mode="json") for citation in draft.citations],
        "engine": "llm" if llm else "offline",
        "llm": draft.llm.model_dump(mode="json") if draft.llm else None,
        "settings_version": settings_version,
    }


def _print(result: dict[str, Any]) -> None:
    console.print(escape(result["answer"]))
    console.print()
    if result["citations"]:
        table = wrapping_table("cites", "source", "where", "snippet", title="sources")
        for citation in result["citations"]:
            table.add_row(
                citation["kind"],
                citation["filename"] or citation["ref"],
                citation["locator"] or "",
                escape(citation["snippet"][:80]),
            )
        console.print(table)
    else:
        console.print("cites nothing")
    hand_over = result["hand_over"]
    console.print(
        f"hands over to a person: [bold]{hand_over}[/]" if hand_over else "no hand-over",
        f"({result['engine']}, bot settings version {result['settings_version']})",
    )

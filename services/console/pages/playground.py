""" "Test the bot": a chat that runs the responder's real answering (services/responder/
answering.py, with the store's saved bot settings, its knowledge and the LLM when configured) in
a sandbox conversation, as `balas ask` does.

The sandbox lives in the browser: each question carries the turns before it, and nothing is
stored, published or sent. There is no customer number, so no order is ever looked up, and no
conversation, message or knowledge gap of the store is written.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from services.console.auth.deps import CurrentUser, StoreAccess
from services.console.deps import Context
from services.console.i18n import request_lang, t
from services.console.pages.templating import render_page
from shared.answering.answerer import Answerer, Question, build_answerer
from shared.events import Citation, utcnow
from shared.stores.bot_settings import BotSettingsRepository

router = APIRouter(prefix="/stores/{store_id}/playground", tags=["pages"])

MAX_TURNS = 20  # earlier turns of the sandbox conversation sent along


class Turn(BaseModel):
    role: Literal["customer", "bot"]
    text: Annotated[str, Field(max_length=4000)]
    grounded: bool = True


class SandboxQuestion(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    history: Annotated[list[Turn], Field(max_length=200)] = []


class SandboxAnswer(BaseModel):
    answer: str
    hand_over: str | None
    hand_over_label: str | None
    grounded: bool
    citations: list[Citation]
    engine: Literal["llm", "offline"]
    settings_version: int


def _answerer(request: Request, context: Context) -> Answerer:
    """One per app, so the retriever's per-store index is reused between questions."""
    state = request.app.state
    if not hasattr(state, "playground_answerer"):
        state.playground_answerer = build_answerer(context.db, context.settings)
    answerer: Answerer = state.playground_answerer
    return answerer


@router.get("", response_class=HTMLResponse)
async def playground_page(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    saved = await BotSettingsRepository(context.db).current(store)
    return await render_page(
        request,
        context.db,
        "playground.html",
        user=user,
        store_id=store.id,
        active="playground",
        values={
            "engine": "llm" if context.settings.llm.configured else "offline",
            "settings_version": saved.version,
        },
    )


@router.post("/ask")
async def ask(
    question: SandboxQuestion,
    request: Request,
    context: Context,
    user: CurrentUser,
    store: StoreAccess,
) -> SandboxAnswer:
    saved = await BotSettingsRepository(context.db).current(store)
    turns = question.history[-MAX_TURNS:]
    history = [
        {"direction": "inbound" if turn.role == "customer" else "outbound", "text": turn.text}
        for turn in turns
    ]
    draft = await _answerer(request, context).answer(
        Question(
            store=store,
            settings=saved.settings,
            text=question.text,
            asked_at=utcnow(),
            history=[*history, {"direction": "inbound", "text": question.text}],
            new_conversation=not turns,
            ungrounded_before=_ungrounded_streak(turns),
        )
    )
    lang = request_lang(request)
    reason = draft.hand_over.value if draft.hand_over else None
    return SandboxAnswer(
        answer=draft.text,
        hand_over=reason,
        hand_over_label=t(f"handover.{reason}", lang) if reason else None,
        grounded=draft.grounded,
        citations=draft.citations,
        engine="llm" if context.settings.llm.configured else "offline",
        settings_version=saved.version,
    )


def _ungrounded_streak(turns: list[Turn]) -> int:
    """The bot's latest replies in a row that cited nothing, as the responder counts them."""
    streak = 0
    for turn in reversed(turns):
        if turn.role != "bot":
            continue
        if turn.grounded:
            break
        streak += 1
    return streak

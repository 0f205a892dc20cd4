"""The knowledge page: upload (static/knowledge.js sends each file to the knowledge API with its
own progress bar), the documents with their live status, preview, replace and delete, and the
knowledge gaps, each with an "add answer" form that becomes a Markdown FAQ document.

The documents list is a fragment htmx reloads every two seconds while a document is queued or
processing, and whenever knowledge.js says something changed. Changing the knowledge is for the
store's owners (as in the API); agents see the page read-only.
"""

import io
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services.console.auth.deps import CurrentUser, OwnerOnly, StoreAccess
from services.console.deps import Context
from services.console.document_kinds import ACCEPTED_LIST, BADGES, PICKER_ACCEPT
from services.console.gap_clusters import SuggestedEntry
from services.console.gaps import suggested_entries
from services.console.i18n import Lang, request_lang, t
from services.console.pages.formatting import byte_size, number
from services.console.pages.inbox_views import date_time
from services.console.pages.templating import render_page, render_partial
from shared.knowledge.failures import FailureValue
from shared.knowledge.library import (
    Incoming,
    KnowledgeLibrary,
    UploadRefused,
    list_documents,
)
from shared.knowledge.models import DocumentStatus, KnowledgeDocument
from shared.stores.directory import Store

router = APIRouter(prefix="/stores/{store_id}/knowledge", tags=["pages"])

FAQ_PREFIX = "FAQ: "
GAP_DAYS = 30
PENDING = {DocumentStatus.QUEUED, DocumentStatus.PROCESSING}


class _Text:
    """A typed answer, read like an uploaded file by the knowledge library."""

    def __init__(self, text: str) -> None:
        self._data = io.BytesIO(text.encode())

    async def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    async def seek(self, offset: int) -> int:
        return self._data.seek(offset)


def faq_filename(question: str) -> str:
    return f"{FAQ_PREFIX}{' '.join(question.split())}"[:200]


def faq_markdown(question: str, answer: str) -> str:
    """A heading (so it is read as Markdown and cited by the question) and the answer."""
    return f"# {FAQ_PREFIX}{' '.join(question.split())}\n\n{answer.strip()}\n"


@router.get("", response_class=HTMLResponse)
async def knowledge_page(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    documents = await list_documents(context.db, store.id)
    max_bytes = context.settings.limits.knowledge_max_upload_bytes
    return await render_page(
        request,
        context.db,
        "knowledge.html",
        user=user,
        store_id=store.id,
        active="knowledge",
        values={
            **_documents_values(store, documents, user.is_owner, request_lang(request)),
            "gaps": await _open_gaps(context, store, documents),
            "max_bytes": max_bytes,
            "max_size": byte_size(max_bytes, request_lang(request)),
            "accepted_types": ACCEPTED_LIST,
            "picker_accept": PICKER_ACCEPT,
        },
    )


@router.get("/documents", response_class=HTMLResponse)
async def documents_fragment(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    documents = await list_documents(context.db, store.id)
    values = _documents_values(store, documents, user.is_owner, request_lang(request))
    return render_partial(request, "_knowledge_documents.html", values)


def _documents_values(
    store: Store, documents: list[KnowledgeDocument], can_edit: bool, lang: Lang
) -> dict[str, object]:
    """What the documents list needs, on the page and in its refreshes alike; times are the
    store's local time, as in the inbox."""
    return {
        "store_id": store.id,
        "documents": documents,
        "pending": _pending(documents),
        "can_edit": can_edit,
        "badges": BADGES,
        "local_time": lambda moment: date_time(moment, store.timezone),
        "failure_text": lambda document: failure_text(document, lang),
    }


def failure_text(document: KnowledgeDocument, lang: Lang) -> str | None:
    """Why the document's newest version failed, in `lang`; a document that failed before
    failure codes were stored shows the English reason it has."""
    if document.failure is None:
        return document.reason
    values = {name: _shown(name, value, lang) for name, value in document.failure.values.items()}
    return t(f"kb.failure.{document.failure.code.value}", lang, **values)


def _shown(name: str, value: FailureValue, lang: Lang) -> str:
    if isinstance(value, str):
        return value
    return byte_size(value, lang) if name.endswith("_bytes") else number(value, lang)


@router.post("/answers", dependencies=[OwnerOnly])
async def add_answer(
    context: Context,
    store: StoreAccess,
    question: Annotated[str, Form(min_length=3, max_length=300)],
    answer: Annotated[str, Form(min_length=1, max_length=5000)],
) -> RedirectResponse:
    """The admin's answer to a knowledge gap, as a Markdown document the enricher processes
    like any upload; the bot can use it once it is ready."""
    if not answer.strip():
        raise HTTPException(status_code=422, detail="write an answer first")
    library = KnowledgeLibrary(
        context.db, context.broker, context.settings.limits.knowledge_max_upload_bytes
    )
    incoming = Incoming(faq_filename(question), _Text(faq_markdown(question, answer)))
    try:
        await library.add(store.id, [incoming])
    except UploadRefused as refused:
        raise HTTPException(status_code=422, detail=str(refused)) from None
    return RedirectResponse(f"/stores/{store.id}/knowledge#documents", status_code=303)


def _pending(documents: list[KnowledgeDocument]) -> bool:
    return any(document.status in PENDING for document in documents)


async def _open_gaps(
    context: Context, store: Store, documents: list[KnowledgeDocument]
) -> list[SuggestedEntry]:
    """Suggested FAQ entries, without those already answered through this page."""
    answered = {d.filename for d in documents if d.filename.startswith(FAQ_PREFIX)}
    entries = await suggested_entries(store, context, GAP_DAYS)
    return [entry for entry in entries if faq_filename(entry.question) not in answered]

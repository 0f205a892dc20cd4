"""A store's knowledge documents: upload, replace, delete, list, and read what was extracted.

Every route names the store; a document of another store is not found (404), like an unknown
store. The work is shared with `balas kb` in shared/knowledge/library.py.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, Request, Response, UploadFile
from fastapi.responses import PlainTextResponse

from services.console.deps import Context, ExistingStore, OwnerOnly
from services.console.document_kinds import ACCEPTED_LIST
from services.console.i18n import Lang, request_lang, t
from services.console.limits import MAX_UPLOAD_FILES
from services.console.pages.formatting import byte_size
from shared.http_limits import FormLimits
from shared.knowledge.library import (
    DocumentNotFound,
    Incoming,
    KnowledgeLibrary,
    NoExtractedText,
    Refusal,
    UploadRefused,
    extracted_text,
    get_document,
    list_documents,
)
from shared.knowledge.models import KnowledgeDocument

router = APIRouter(prefix="/stores/{store_id}/knowledge", tags=["knowledge"])


def _library(context: Context) -> KnowledgeLibrary:
    return KnowledgeLibrary(
        context.db, context.broker, context.settings.limits.knowledge_max_upload_bytes
    )


Library = Annotated[KnowledgeLibrary, Depends(_library)]


@router.post(
    "",
    status_code=202,
    dependencies=[OwnerOnly],
    form_limits=FormLimits(max_files=MAX_UPLOAD_FILES),
)
async def upload(
    request: Request,
    context: Context,
    store: ExistingStore,
    library: Library,
    files: Annotated[list[UploadFile], File(description="One or more documents.")],
) -> list[KnowledgeDocument]:
    """Queue the files as new documents; one refused file (413, 415) refuses them all."""
    incoming = [Incoming(file.filename or "document", file) for file in files]
    try:
        return await library.add(store.id, incoming)
    except UploadRefused as refused:
        raise _refused(refused, context, request_lang(request)) from None


@router.get("")
async def list_store_documents(store: ExistingStore, context: Context) -> list[KnowledgeDocument]:
    return await list_documents(context.db, store.id)


@router.get("/{document_id}")
async def get_store_document(
    store: ExistingStore, context: Context, document_id: str
) -> KnowledgeDocument:
    try:
        return await get_document(context.db, store.id, document_id)
    except DocumentNotFound:
        raise _not_found(document_id) from None


@router.get("/{document_id}/text", response_class=PlainTextResponse)
async def get_extracted_text(store: ExistingStore, context: Context, document_id: str) -> str:
    """The text extracted from the version that answers customers."""
    try:
        return await extracted_text(context.db, store.id, document_id)
    except DocumentNotFound:
        raise _not_found(document_id) from None
    except NoExtractedText as missing:
        raise HTTPException(
            status_code=404, detail=f"no extracted text yet: the document is {missing}"
        ) from None


@router.put(
    "/{document_id}", status_code=202, dependencies=[OwnerOnly], form_limits=FormLimits(max_files=1)
)
async def replace_document(
    request: Request,
    context: Context,
    store: ExistingStore,
    library: Library,
    document_id: str,
    file: Annotated[UploadFile, File(description="The new version.")],
) -> KnowledgeDocument:
    """Queue a new version; the current one answers until the new one is ready."""
    try:
        return await library.replace(
            store.id, document_id, Incoming(file.filename or "document", file)
        )
    except UploadRefused as refused:
        raise _refused(refused, context, request_lang(request)) from None
    except DocumentNotFound:
        raise _not_found(document_id) from None


@router.delete("/{document_id}", status_code=204, dependencies=[OwnerOnly])
async def delete_document(store: ExistingStore, library: Library, document_id: str) -> Response:
    """Stops answering at once; its chunks and files are removed in the background."""
    try:
        await library.delete(store.id, document_id)
    except DocumentNotFound:
        raise _not_found(document_id) from None
    return Response(status_code=204)


def _refused(refused: UploadRefused, context: Context, lang: Lang) -> HTTPException:
    """413 if any file is too large, else 415; for each refused file the library's reason (for
    scripts) and `message`, the same in the caller's language (shown by the knowledge page)."""
    return HTTPException(
        status_code=413 if refused.too_large else 415,
        detail={
            "message": "nothing was stored: every file must be accepted",
            "files": [
                {**refusal.model_dump(), "message": _refusal_text(refusal, context, lang)}
                for refusal in refused.refusals
            ],
        },
    )


def _refusal_text(refusal: Refusal, context: Context, lang: Lang) -> str:
    if refusal.problem == "too_large":
        return t(
            "kb.too_large",
            lang,
            limit=byte_size(context.settings.limits.knowledge_max_upload_bytes, lang),
        )
    if refusal.problem == "empty":
        return t("kb.refused.empty", lang)
    return t("kb.refused.type", lang, types=ACCEPTED_LIST)


def _not_found(document_id: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"no document {document_id!r} in this store")

"""Why a document failed, on the console's knowledge page in the admin's language: an upload the
enricher cannot read is shown with the reason of its failure code in Indonesian or English,
values formatted the language's way; a document that failed before codes were stored shows the
English text it has."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from services.enricher.knowledge import on_knowledge_document_changed
from shared.knowledge.extraction import Limits
from shared.knowledge.failures import Failure
from shared.knowledge.library import Incoming, KnowledgeLibrary, document_event
from shared.knowledge.models import KNOWLEDGE_DOCUMENTS, DocumentStatus
from shared.mongo import Database
from tests.support.console import ConsoleApi
from tests.support.uploads import BytesSource

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py

# Each is accepted at upload (its type is recognised) and fails in the enricher.
DAMAGED_PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
DAMAGED_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LONG_CSV = b"product,price\n" + b"Kaos,75000\n" * 1001
LIMITS = Limits(max_rows=1000)

CASES = [
    (
        "katalog.pdf",
        DAMAGED_PDF,
        "PDF-nya rusak dan tidak bisa dibaca.",
        "The PDF is damaged and cannot be read.",
    ),
    (
        "harga.png",
        DAMAGED_PNG,
        "Gambarnya rusak dan tidak bisa dibaca.",
        "The image is damaged and cannot be read.",
    ),
    (
        "harga.csv",
        LONG_CSV,
        "Jumlah barisnya melebihi batas 1.000.",
        "More rows than the limit of 1,000.",
    ),
]


@pytest.mark.parametrize(("filename", "data", "indonesian", "english"), CASES)
async def test_a_failed_upload_shows_its_reason_in_the_consoles_language(
    db: Database,
    library: KnowledgeLibrary,
    console_api: ConsoleApi,
    sign_in: SignIn,
    filename: str,
    data: bytes,
    indonesian: str,
    english: str,
) -> None:
    client, store_id, _ = await sign_in()
    (document,) = await library.add(store_id, [Incoming(filename, BytesSource(data))])
    await on_knowledge_document_changed(document_event(document, "upload"), db, None, LIMITS)
    stored = await db[KNOWLEDGE_DOCUMENTS].find_one({"_id": document.id})
    assert stored is not None
    assert stored["status"] == DocumentStatus.FAILED.value
    # The code the console translates, and its English for `balas kb list` and the logs.
    assert stored["reason"] == Failure.model_validate(stored["failure"]).english()

    path = f"/stores/{store_id}/knowledge/documents"
    shown_id = await client.get(path, headers={"Accept-Language": "id-ID,id;q=0.9"})
    shown_en = await client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})

    assert indonesian in shown_id.text
    assert english not in shown_id.text
    assert english in shown_en.text
    assert indonesian not in shown_en.text


async def test_a_document_that_failed_before_reason_codes_shows_its_text(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    client, store_id, _ = await sign_in()
    now = datetime.now(UTC)
    await db[KNOWLEDGE_DOCUMENTS].insert_one(
        {
            "_id": "old-failure",
            "store_id": store_id,
            "filename": "lama.pdf",
            "content_type": "application/pdf",
            "size": 100,
            "status": "failed",
            "reason": "the PDF is damaged and cannot be read",
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
        }
    )

    path = f"/stores/{store_id}/knowledge/documents"
    for lang in ("id", "en"):
        shown = await client.get(path, headers={"Accept-Language": lang})
        assert shown.status_code == 200
        assert "the PDF is damaged and cannot be read" in shown.text

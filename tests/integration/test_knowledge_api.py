"""The console's knowledge routes, served with the real lifespan: upload, refusals, listing, store
isolation, replacement and deletion."""

import io
import zipfile

import pytest

from services.console.document_kinds import ACCEPTED_LIST
from services.enricher.knowledge import on_knowledge_document_changed
from shared import topics
from shared.events import KnowledgeDocumentChanged
from shared.knowledge.collections import KNOWLEDGE_FILES
from shared.knowledge.library import document_event
from shared.knowledge.models import KnowledgeDocument, load_active_chunks
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.support.console import ConsoleApi
from tests.support.kafka import records_mentioning

pytestmark = pytest.mark.slow

LIMIT = 4096
FAQ = b"# FAQ\n\nToko buka setiap hari pukul 09.00 sampai 21.00 WIB.\n"
PRICES = b"product,price\nKaos Polos,Rp 75.000\nKemeja Batik,Rp 180.000\n"
NOTES = b"Semua harga sudah termasuk PPN. Pembayaran lewat transfer bank atau QRIS.\n"
PROGRAM = b"\x7fELF\x02\x01\x01" + bytes(200)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A small upload limit, so "too large" needs no 20 MB file."""
    return settings.updated(limits={"knowledge_max_upload_bytes": LIMIT})


@pytest.fixture
async def stores(db: Database, store_id: str) -> tuple[str, str]:
    """Two stores of this test alone (events on the shared topic carry their ids)."""
    own, other = store_id, f"{store_id}-b"
    for number, id_ in enumerate((own, other), start=1):
        await save_store(db, Store(id=id_, name=id_, whatsapp_number=f"+62811000000{number}"))
    return own, other


def by_id(document: dict[str, object]) -> str:
    return str(document["id"])


def files(*named: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    # The declared content type is deliberately wrong: only the bytes decide.
    return [("files", (name, data, "application/octet-stream")) for name, data in named]


async def test_several_files_are_queued_and_listed(
    console_api: ConsoleApi, stores: tuple[str, str], settings: Settings
) -> None:
    store, _ = stores
    async with console_api.client() as http:
        uploaded = await http.post(
            f"/api/stores/{store}/knowledge",
            files=files(("faq.md", FAQ), ("harga.csv", PRICES), ("catatan.txt", NOTES)),
        )
        listed = await http.get(f"/api/stores/{store}/knowledge")

    assert uploaded.status_code == 202
    documents = [KnowledgeDocument.model_validate(d) for d in uploaded.json()]
    assert [(d.filename, d.content_type) for d in documents] == [
        ("faq.md", "text/markdown"),
        ("harga.csv", "text/csv"),
        ("catatan.txt", "text/plain"),
    ]
    assert {(d.status, d.version, d.active_version, d.size) for d in documents} == {
        ("queued", 1, None, len(FAQ)),
        ("queued", 1, None, len(PRICES)),
        ("queued", 1, None, len(NOTES)),
    }
    assert sorted(listed.json(), key=by_id) == sorted(uploaded.json(), key=by_id)
    events = [
        KnowledgeDocumentChanged.model_validate_json(value)
        for value in await records_mentioning(settings, topics.KNOWLEDGE_DOCUMENTS, store)
    ]
    published = {(e.document_id, e.version, e.action) for e in events if e.store_id == store}
    assert published == {(d.id, 1, "upload") for d in documents}


async def test_one_file_over_the_limit_refuses_the_whole_upload_with_413(
    console_api: ConsoleApi, stores: tuple[str, str], db: Database
) -> None:
    store, _ = stores
    async with console_api.client() as http:
        refused = await http.post(
            f"/api/stores/{store}/knowledge",
            files=files(("faq.md", FAQ), ("besar.txt", b"a" * (LIMIT + 1))),
        )
        listed = await http.get(f"/api/stores/{store}/knowledge")

    assert refused.status_code == 413
    (refusal,) = refused.json()["detail"]["files"]
    assert refusal["filename"] == "besar.txt"
    assert refusal["problem"] == "too_large"
    assert refusal["reason"] == "larger than the limit of 4,096 bytes"
    assert refusal["message"] == "Lebih besar dari batas unggahan 4 KB"  # Indonesian by default
    assert listed.json() == []  # the accepted file was not stored either
    assert await db[f"{KNOWLEDGE_FILES}.files"].count_documents({}) == 0


async def test_a_file_at_the_limit_is_accepted(
    console_api: ConsoleApi, stores: tuple[str, str]
) -> None:
    store, _ = stores
    async with console_api.client() as http:
        accepted = await http.post(
            f"/api/stores/{store}/knowledge", files=files(("pas.txt", b"a " * (LIMIT // 2)))
        )

    assert accepted.status_code == 202


async def test_an_unsupported_type_is_refused_with_415_and_the_reason(
    console_api: ConsoleApi, stores: tuple[str, str]
) -> None:
    store, _ = stores
    async with console_api.client() as http:
        refused = await http.post(
            f"/api/stores/{store}/knowledge",
            files=files(("faq.md", FAQ), ("katalog.pdf", PROGRAM)),  # named .pdf, is a program
        )
        listed = await http.get(f"/api/stores/{store}/knowledge")

    assert refused.status_code == 415
    (refusal,) = refused.json()["detail"]["files"]
    assert refusal["filename"] == "katalog.pdf"
    assert refusal["problem"] == "unsupported_type"
    assert "program" in refusal["reason"]
    assert listed.json() == []


@pytest.mark.parametrize(
    ("language", "refusal_start"),
    [("id", "Bukan berkas yang bisa dibaca bot"), ("en", "Not a file the bot can read")],
)
async def test_a_refusal_says_why_in_the_callers_language_with_the_accepted_types(
    console_api: ConsoleApi, stores: tuple[str, str], language: str, refusal_start: str
) -> None:
    store, _ = stores
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("foto.txt", "not a document")
    async with console_api.client() as http:
        refused = await http.post(
            f"/api/stores/{store}/knowledge",
            files=files(("arsip.zip", archive.getvalue())),
            headers={"Accept-Language": language},
        )

    assert refused.status_code == 415
    (refusal,) = refused.json()["detail"]["files"]
    assert refusal["message"].startswith(refusal_start)
    assert ACCEPTED_LIST in refusal["message"]


@pytest.mark.parametrize(
    ("language", "message"), [("id", "Berkasnya kosong"), ("en", "The file is empty")]
)
async def test_an_empty_file_is_refused_as_empty_not_as_a_type_the_bot_cannot_read(
    console_api: ConsoleApi, stores: tuple[str, str], language: str, message: str
) -> None:
    store, _ = stores
    async with console_api.client() as http:
        refused = await http.post(
            f"/api/stores/{store}/knowledge",
            files=files(("faq.md", FAQ), ("kosong.md", b""), ("spasi.txt", b" \n\t\n")),
            headers={"Accept-Language": language},
        )
        listed = await http.get(f"/api/stores/{store}/knowledge")

    assert refused.status_code == 415
    refusals = refused.json()["detail"]["files"]
    assert [(r["filename"], r["problem"], r["message"]) for r in refusals] == [
        ("kosong.md", "empty", message),
        ("spasi.txt", "empty", message),
    ]
    assert listed.json() == []


async def test_a_store_cannot_reach_another_stores_document(
    console_api: ConsoleApi, stores: tuple[str, str]
) -> None:
    own, other = stores
    async with console_api.client() as http:
        uploaded = await http.post(f"/api/stores/{own}/knowledge", files=files(("faq.md", FAQ)))
        document_id = uploaded.json()[0]["id"]
        path = f"/api/stores/{other}/knowledge/{document_id}"
        answers = [
            await http.get(path),
            await http.get(f"{path}/text"),
            await http.put(path, files={"file": ("faq.md", FAQ)}),
            await http.delete(path),
        ]
        unknown_store = await http.get(f"/api/stores/no-such-store/knowledge/{document_id}")
        still_there = await http.get(f"/api/stores/{own}/knowledge/{document_id}")
        others_list = await http.get(f"/api/stores/{other}/knowledge")

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert unknown_store.status_code == 404
    assert still_there.status_code == 200
    assert still_there.json()["version"] == 1  # the PUT through the other store changed nothing
    assert others_list.json() == []


async def test_the_extracted_text_is_served_once_the_document_is_ready(
    console_api: ConsoleApi, stores: tuple[str, str], db: Database
) -> None:
    store, _ = stores
    async with console_api.client() as http:
        uploaded = await http.post(f"/api/stores/{store}/knowledge", files=files(("faq.md", FAQ)))
        document = KnowledgeDocument.model_validate(uploaded.json()[0])
        before = await http.get(f"/api/stores/{store}/knowledge/{document.id}/text")
        await on_knowledge_document_changed(document_event(document, "upload"), db, None)
        text = await http.get(f"/api/stores/{store}/knowledge/{document.id}/text")
        ready = await http.get(f"/api/stores/{store}/knowledge/{document.id}")

    assert before.status_code == 404
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert "09.00 sampai 21.00" in text.text
    assert ready.json()["status"] == "ready"
    assert ready.json()["chunk_count"] >= 1


async def test_a_replacement_is_a_new_queued_version(
    console_api: ConsoleApi, stores: tuple[str, str], db: Database
) -> None:
    store, _ = stores
    async with console_api.client() as http:
        uploaded = await http.post(f"/api/stores/{store}/knowledge", files=files(("faq.md", FAQ)))
        document = KnowledgeDocument.model_validate(uploaded.json()[0])
        await on_knowledge_document_changed(document_event(document, "upload"), db, None)
        path = f"/api/stores/{store}/knowledge/{document.id}"
        replaced = await http.put(path, files={"file": ("faq-baru.txt", NOTES)})
        refused = await http.put(path, files={"file": ("x.pdf", PROGRAM)})
        shown = await http.get(path)

    assert replaced.status_code == 202
    assert refused.status_code == 415
    assert shown.json()["version"] == 2  # the refused replacement took no version
    assert shown.json()["filename"] == "faq-baru.txt"
    assert shown.json()["status"] == "queued"
    assert shown.json()["active_version"] == 1  # the first version answers meanwhile
    _, chunks = await load_active_chunks(db, store)
    assert {chunk.version for chunk in chunks} == {1}


async def test_a_deleted_document_is_gone_at_once(
    console_api: ConsoleApi, stores: tuple[str, str], db: Database
) -> None:
    store, _ = stores
    async with console_api.client() as http:
        uploaded = await http.post(f"/api/stores/{store}/knowledge", files=files(("faq.md", FAQ)))
        document = KnowledgeDocument.model_validate(uploaded.json()[0])
        await on_knowledge_document_changed(document_event(document, "upload"), db, None)
        path = f"/api/stores/{store}/knowledge/{document.id}"
        deleted = await http.delete(path)
        shown = await http.get(path)
        listed = await http.get(f"/api/stores/{store}/knowledge")
        again = await http.delete(path)  # its removal is pending: deleting again is fine

    assert deleted.status_code == 204
    assert shown.status_code == 404
    assert listed.json() == []
    assert again.status_code == 204
    assert await load_active_chunks(db, store) == (2, [])

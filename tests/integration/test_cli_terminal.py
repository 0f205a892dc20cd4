"""The `balas` commands in an 80-column terminal, against the session's servers: tables wrap
rather than cut (ids whole, so `kb rm` can take what `kb list` shows), and a server that does
not answer is one line saying what to do, not a traceback."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from balas import cli_support
from balas.cli import app
from services.kpi_aggregator.handlers import on_events
from shared import kafka
from shared.events import MessageReceived
from shared.infra import free_port
from shared.knowledge.collections import KNOWLEDGE_DOCUMENTS
from shared.knowledge.models import DocumentStatus, KnowledgeDocument
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.support import events

pytestmark = pytest.mark.slow

COLUMNS = 80


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_support.console, "width", COLUMNS)


def printed_lines(output: str) -> list[str]:
    return [line.rstrip() for line in output.splitlines()]


def test_a_refused_connection_is_one_line_saying_what_to_do(settings: Settings) -> None:
    closed = f"http://127.0.0.1:{free_port()}"

    sent = CliRunner().invoke(
        app, ["simulate", "Halo", "--ingest-url", closed], env=settings.as_environment()
    )

    assert sent.exit_code == 1
    assert "Traceback" not in sent.output
    refusal = " ".join(sent.output.splitlines()[1:])  # after the line saying who writes
    assert refusal.startswith(f"nothing answers at {closed}: is Balas running?")
    assert "`make run`" in refusal


async def test_the_kpi_tables_fit_80_columns_and_cut_no_word(
    settings: Settings, db: Database, store_id: str
) -> None:
    await save_store(db, Store(id=store_id, name="Toko", whatsapp_number="+6281100000007"))
    now = datetime.now(UTC) - timedelta(minutes=1)
    asked: MessageReceived = events.received(at=now, store_id=store_id)
    notified = events.notification_sent(at=now, store_id=store_id)
    await on_events([asked, events.reply_sent(asked, sent=False), notified], db)

    command = ["kpi", "show", "--store", store_id]
    env = settings.as_environment()
    shown = await asyncio.to_thread(lambda: CliRunner().invoke(app, command, env=env))

    assert shown.exit_code == 0, shown.output
    lines = printed_lines(shown.output)
    assert max(len(line) for line in lines) <= COLUMNS
    assert "…" not in shown.output
    words = shown.output.split()
    for header in ("inbound", "agent", "replies", "customers", "delivery", "failures", "paid"):
        assert header in words
    assert "notifications" in words  # the third table: what followed them
    assert "opted" in words
    assert f"{now:%Y-%m-%d %H:00}" in shown.output  # the hour on one line


def test_kb_list_shows_whole_ids_that_kb_rm_takes(
    settings: Settings, store_id: str, tmp_path: Path
) -> None:
    asyncio.run(kafka.ensure_topics(settings))
    env = settings.as_environment()
    runner = CliRunner()
    document = tmp_path / "kebijakan-pengembalian-barang-dan-penukaran-ukuran-sepatu.md"
    document.write_bytes(b"# Retur\n\nPenukaran ukuran dalam 7 hari.\n")
    store = ["--store", store_id]
    runner.invoke(
        app,
        ["store", "add", "--id", store_id, "--name", "Toko", "--number", "+6281100000009"],
        env=env,
    )
    runner.invoke(app, ["kb", "add", *store, str(document)], env=env)

    listed = runner.invoke(app, ["kb", "list", *store], env=env)
    rows = [line.split() for line in printed_lines(listed.output)]
    document_id = next(row[0] for row in rows if row and len(row[0]) == 16)
    removed = runner.invoke(app, ["kb", "rm", *store, document_id], env=env)

    assert listed.exit_code == 0, listed.output
    assert max(len(line) for line in printed_lines(listed.output)) <= COLUMNS
    assert "…" not in listed.output
    assert removed.exit_code == 0, removed.output
    assert f"deleted {document_id}" in removed.output


async def test_kb_list_gives_the_file_and_a_failure_reason_room_at_80_columns(
    settings: Settings, db: Database, store_id: str
) -> None:
    await save_store(db, Store(id=store_id, name="Toko", whatsapp_number="+6281100000006"))
    now = datetime.now(UTC)
    reason = "the spreadsheet has no readable cells: every sheet is empty or holds only images"
    for document in (
        KnowledgeDocument(
            id="00000000000008a1",
            store_id=store_id,
            filename="harga-grosir-2024.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            size=123_456,
            status=DocumentStatus.FAILED,
            reason=reason,
            version=2,
            active_version=1,
            chunk_count=3,
            created_at=now,
            updated_at=now,
        ),
        KnowledgeDocument(
            id="00000000000008a2",
            store_id=store_id,
            filename="katalog.pdf",
            content_type="application/pdf",
            size=9_876,
            status=DocumentStatus.READY,
            version=1,
            active_version=1,
            chunk_count=40,
            created_at=now,
            updated_at=now,
        ),
    ):
        await db[KNOWLEDGE_DOCUMENTS].insert_one(document.to_mongo())
    command = ["kb", "list", "--store", store_id]
    env = settings.as_environment()

    listed = await asyncio.to_thread(lambda: CliRunner().invoke(app, command, env=env))

    assert listed.exit_code == 0, listed.output
    assert max(len(line) for line in printed_lines(listed.output)) <= COLUMNS
    lines = [line.strip() for line in printed_lines(listed.output) if line.strip()]
    assert lines[0].split() == ["id", "file", "size", "status", "chunks"]
    failed = next(n for n, line in enumerate(lines) if line.startswith("00000000000008a1"))
    assert lines[failed].split() == [
        "00000000000008a1",
        "harga-grosir-2024.xlsx",
        "123,456",
        "failed",
        "3",
    ]
    assert lines[failed + 1].split()[:3] == ["the", "spreadsheet", "has"]  # under the file's name
    below = " ".join(" ".join(line.split()) for line in lines[failed + 1 :])
    assert reason in below.replace(" v1 answers", "")  # whole words, in order
    assert lines[failed + 1].split()[-2:] == ["v1", "answers"]  # the version that still answers
    assert ["00000000000008a2", "katalog.pdf", "9,876", "ready", "40"] in [
        line.split() for line in lines
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["messages"],
        ["kpi", "show"],
        ["kpi", "show", "--daily"],
        ["kpi", "facts", "--from", "2024-05-01", "--to", "2024-05-31"],
        ["store", "broadcast", "status"],
        ["kb", "list"],
    ],
    ids=" ".join,
)
def test_a_mistyped_store_is_named_not_shown_as_empty_tables(
    settings: Settings, command: list[str]
) -> None:
    shown = CliRunner().invoke(
        app, [*command, "--store", "toko-tidak-ada"], env=settings.as_environment()
    )

    assert shown.exit_code == 1, shown.output
    assert printed_lines(shown.output) == ["no store toko-tidak-ada"]


def listing(command: str, sentence: str) -> object:
    """`command` on a store of its own (`{store}`), which has nothing: it prints `sentence`."""
    return pytest.param(command.split(), sentence, id=command.replace(" --store {store}", ""))


@pytest.mark.parametrize(
    ("command", "sentence"),
    [
        listing("messages --store {store}", "No messages in store {store} yet."),
        listing("kpi show --store {store}", "No KPIs of store {store} in the last 24 hours."),
        listing(
            "kpi show --daily --store {store}", "No KPIs of store {store} in the last 14 days."
        ),
        listing("store broadcast status --store {store}", "No broadcasts in store {store} yet."),
        listing(
            "kb list --store {store}",
            "No documents in store {store} yet: `balas kb add` adds some.",
        ),
        listing("dlq list --topic stores.deleted", "No dead letters of stores.deleted."),
    ],
)
async def test_an_empty_listing_is_one_sentence_not_bare_headers(
    settings: Settings, db: Database, store_id: str, command: list[str], sentence: str
) -> None:
    await save_store(db, Store(id=store_id, name="Toko", whatsapp_number="+6281100000008"))
    arguments = [part.format(store=store_id) for part in command]
    env = settings.as_environment()

    shown = await asyncio.to_thread(lambda: CliRunner().invoke(app, arguments, env=env))

    assert shown.exit_code == 0, shown.output
    assert printed_lines(shown.output) == [sentence.format(store=store_id)]


def test_no_stores_is_one_sentence(settings: Settings) -> None:
    shown = CliRunner().invoke(app, ["store", "list"], env=settings.as_environment())

    assert shown.exit_code == 0, shown.output
    assert printed_lines(shown.output) == ["No stores yet: `balas store add` adds one."]

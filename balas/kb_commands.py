"""`balas kb`: a store's knowledge documents, through the same library as the console API."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, TypeVar

import typer
from rich.markup import escape
from rich.progress import Progress

from balas.cli_support import (
    StoreOption,
    cli_settings,
    command_group,
    console,
    print_listing,
    require_store,
    with_db,
    wrapping_table,
)

if TYPE_CHECKING:  # the knowledge library and Kafka's client load when a command runs
    from shared import mongo
    from shared.knowledge.library import KnowledgeLibrary, UploadRefused
    from shared.knowledge.models import KnowledgeDocument

kb_app = command_group("Knowledge documents the bot answers from.")

T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class _LocalFile:
    """A local file behind the two calls the library reads uploads with."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    async def read(self, size: int = -1) -> bytes:
        return self._handle.read(size)

    async def seek(self, offset: int) -> int:
        return self._handle.seek(offset)


def _change(store_id: str, work: Callable[[KnowledgeLibrary], Awaitable[T]]) -> T:
    """`work` on the store's library, with a started publisher; exit 1 if there is no store."""
    from shared import kafka, mongo
    from shared.knowledge.library import KnowledgeLibrary

    settings = cli_settings()

    async def go() -> T:
        client = mongo.connect(settings.mongodb.uri or "")
        try:
            db = client[settings.mongodb.database]
            await require_store(db, store_id)
            broker = kafka.make_broker(settings, "balas-kb")
            await broker.start()
            try:
                limit = settings.limits.knowledge_max_upload_bytes
                return await work(KnowledgeLibrary(db, broker, limit))
            finally:
                await broker.stop()
        finally:
            await client.close()

    return asyncio.run(go())


def _print_documents(documents: list[KnowledgeDocument], store: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps([document.model_dump(mode="json") for document in documents], indent=2))
        return
    # Five columns fit 80: the file column gets the room, a failure's reason goes under the
    # file's name rather than into a column of its own; the type and version are in --json.
    table = wrapping_table("id", "file", "size", "status", "chunks", whole=("id", "size", "status"))
    for document in documents:
        file = escape(document.filename)
        if document.reason:
            file = f"{file}\n[italic]{escape(document.reason)}[/]"
        status = document.status.value
        if document.active_version not in (None, document.version):
            status = f"{status}\nv{document.active_version} answers"
        table.add_row(document.id, file, f"{document.size:,}", status, str(document.chunk_count))
    print_listing(
        table, empty=f"No documents in store {escape(store)} yet: `balas kb add` adds some."
    )


@kb_app.command("add")
def kb_add(
    store: StoreOption,
    files: Annotated[
        list[Path],
        typer.Argument(help="Documents to add.", exists=True, dir_okay=False, readable=True),
    ],
    as_json: JsonOption = False,
) -> None:
    """Add documents (all or none); the enricher extracts and indexes them in the background."""
    from shared.knowledge.library import Incoming, UploadRefused

    async def add(library: KnowledgeLibrary) -> list[KnowledgeDocument]:
        with contextlib.ExitStack() as opened, Progress(console=console, disable=as_json) as bar:
            task = bar.add_task("storing", total=len(files))
            incoming = [
                Incoming(path.name, _LocalFile(opened.enter_context(path.open("rb"))))
                for path in files
            ]
            return await library.add(store, incoming, on_added=lambda _: bar.advance(task))

    try:
        added = _change(store, add)
    except UploadRefused as refused:
        _print_refusal(refused, as_json)
        raise typer.Exit(1) from None
    _print_documents(added, store, as_json)
    if not as_json:
        console.print(
            f"queued {len(added)}; `balas kb list --store {escape(store)}` shows progress"
        )


def _print_refusal(refused: UploadRefused, as_json: bool) -> None:
    if as_json:
        refusals: list[dict[str, Any]] = [r.model_dump() for r in refused.refusals]
        print(json.dumps({"error": "nothing was stored", "files": refusals}, indent=2))
        return
    console.print("[red]nothing was stored:[/]")
    for refusal in refused.refusals:
        console.print(f"  {escape(refusal.filename)}: {escape(refusal.reason)}")


@kb_app.command("list")
def kb_list(store: StoreOption, as_json: JsonOption = False) -> None:
    """List a store's documents with their status and chunk counts."""
    from shared.knowledge.library import list_documents

    async def documents(db: mongo.Database) -> list[KnowledgeDocument]:
        await require_store(db, store)
        return await list_documents(db, store)

    _print_documents(with_db(documents), store, as_json)


@kb_app.command("rm")
def kb_rm(
    store: StoreOption,
    document_id: Annotated[str, typer.Argument(help="An id from `balas kb list`.")],
    as_json: JsonOption = False,
) -> None:
    """Delete a document: it stops answering at once."""
    from shared.knowledge.library import DocumentNotFound

    async def delete(library: KnowledgeLibrary) -> None:
        await library.delete(store, document_id)

    try:
        _change(store, delete)
    except DocumentNotFound:
        if as_json:
            print(json.dumps({"error": f"no document {document_id} in store {store}"}))
        else:
            console.print(f"[red]no document {escape(document_id)} in store {escape(store)}[/]")
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps({"deleted": document_id}))
    else:
        console.print(f"deleted {escape(document_id)}")

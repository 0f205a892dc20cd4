"""Originals and extracted texts of knowledge documents, in the GridFS bucket `knowledge_files`.

File ids are deterministic (`<document>:<version>:original`, `...:text`), so writing one again
(a retried request, a redelivered event) replaces it instead of adding another.
"""

import contextlib
from typing import Literal

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile

from shared.knowledge.collections import KNOWLEDGE_FILES
from shared.mongo import Database

FileKind = Literal["original", "text"]


def file_id(document_id: str, version: int, kind: FileKind) -> str:
    return f"{document_id}:{version}:{kind}"


def _bucket(db: Database) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(db, bucket_name=KNOWLEDGE_FILES)


async def put_file(
    db: Database,
    store_id: str,
    document_id: str,
    version: int,
    kind: FileKind,
    filename: str,
    data: bytes,
) -> None:
    """Store (or replace) one file. GridFS cannot join a transaction, so writes are idempotent."""
    bucket, id_ = _bucket(db), file_id(document_id, version, kind)
    with contextlib.suppress(NoFile):  # also removes the chunks of an interrupted earlier write
        await bucket.delete(id_)
    metadata = {"store_id": store_id, "document_id": document_id, "version": version, "kind": kind}
    await bucket.upload_from_stream_with_id(id_, filename, data, metadata=metadata)


async def read_file(db: Database, document_id: str, version: int, kind: FileKind) -> bytes | None:
    try:
        stream = await _bucket(db).open_download_stream(file_id(document_id, version, kind))
    except NoFile:
        return None
    return await stream.read()


async def delete_files(
    db: Database, store_id: str, document_id: str, older_than: int | None = None
) -> None:
    """Every file of the document, or those of its versions before `older_than`."""
    bucket = _bucket(db)
    query: dict[str, object] = {
        "metadata.document_id": document_id,
        "metadata.store_id": store_id,
    }
    if older_than is not None:
        query["metadata.version"] = {"$lt": older_than}
    async for stored in bucket.find(query):
        with contextlib.suppress(NoFile):  # another worker removed it meanwhile
            await bucket.delete(stored._id)


async def delete_store_files(db: Database, store_id: str) -> int:
    """Every file of the store, with its chunks; how many files."""
    bucket, removed = _bucket(db), 0
    ids = [stored._id async for stored in bucket.find({"metadata.store_id": store_id})]
    for id_ in ids:
        with contextlib.suppress(NoFile):  # another run removed it meanwhile
            await bucket.delete(id_)
            removed += 1
    return removed

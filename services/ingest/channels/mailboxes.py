"""Stores' mailboxes read over IMAP: each new mail in a connected store's inbox becomes a
`MessageReceived` through the same claimed delivery as a webhook (docs/channels.md#e-mail).

One reader task per connected mailbox, in ingest beside the webhooks, so mail takes the same
receipts, Kafka-or-outbox delivery and relay. imapclient is blocking: a reader's IMAP calls run in
a thread of its own. It waits with IDLE where the server has it (new mail is read as soon as it
is announced) and polls otherwise.

Nothing is lost or repeated across restarts: a mail is read with BODY.PEEK (the store's own
client still shows it unread), claimed by its Message-ID and delivered, and only then flagged
with the `$BalasTaken` keyword, which the next search leaves out. A crash between the delivery
and the flag reads it again, and its claim makes it a duplicate. While a server cannot be
reached, its reader waits and tries again: the mail stays in the mailbox.
"""

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import structlog
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from pymongo.errors import PyMongoError

from services.ingest.channels import email_messages
from services.ingest.claimed_delivery import Taken, claim_and_deliver
from services.ingest.deps import IngestContext
from services.ingest.metrics import WEBHOOKS
from shared.conversations.media_download import MAIL_OVERHEAD
from shared.identity import masked
from shared.stores.directory import Store
from shared.stores.mailbox import MailboxError, open_imap

log = structlog.get_logger(__name__)
T = TypeVar("T")

ENDPOINT = "email"  # the webhook metric's endpoint label for mail
TAKEN = b"$BalasTaken"  # the keyword of a mail Balas accepted


class MailboxReaders:
    """Keeps one reader running per connected mailbox, as the stores say."""

    def __init__(self, context: IngestContext) -> None:
        self._context = context
        self._readers: dict[str, tuple[Store, asyncio.Task[None]]] = {}

    async def run(self) -> None:
        try:
            while True:
                with contextlib.suppress(PyMongoError):  # MongoDB away: keep what runs
                    self._follow(await self._context.stores.with_mailbox())
                # as soon as a mailbox is read, one connected (changed, removed) is followed
                await asyncio.sleep(self._context.settings.email.poll_seconds)
        finally:
            for _, task in self._readers.values():
                task.cancel()
            await asyncio.gather(*(t for _, t in self._readers.values()), return_exceptions=True)

    def _follow(self, stores: list[Store]) -> None:
        wanted = {store.id: store for store in stores}
        for store_id, (running, task) in list(self._readers.items()):
            if wanted.get(store_id) != running:  # removed or changed: stop the old reader
                task.cancel()
                del self._readers[store_id]
        for store_id, store in wanted.items():
            if store_id not in self._readers:
                reader = MailboxReader(self._context, store)
                self._readers[store_id] = (store, asyncio.create_task(reader.run()))


class MailboxReader:
    """Reads one store's inbox for as long as it runs."""

    def __init__(self, context: IngestContext, store: Store) -> None:
        assert store.email is not None  # only connected mailboxes are read
        self._context = context
        self._store = store
        self._mailbox = store.email
        self._settings = context.settings.email
        # A mail is read whole into memory: one carrying a file at the customers' media limit
        # (base64 and its text) is the largest read; anyone can send a bigger one.
        self._max_bytes = MAIL_OVERHEAD * context.settings.limits.customer_media_max_bytes
        # A thread of its own, which IDLE holds: never one of the event loop's shared few.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"imap-{store.id}")

    async def _blocking(self, call: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call, *args)

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self._session()
                except (OSError, IMAPClientError, MailboxError) as error:
                    WEBHOOKS.labels(ENDPOINT, "unreachable").inc()
                    log.warning(
                        "mailbox not read; trying again",
                        store=self._store.id,
                        error=f"{type(error).__name__}: {error}"[:300],
                    )
                except Exception as error:  # Kafka and MongoDB both away: the mail waits
                    log.warning(
                        "mail not taken; trying again",
                        store=self._store.id,
                        error=f"{type(error).__name__}: {error}"[:300],
                    )
                await asyncio.sleep(self._settings.poll_seconds)
        finally:
            self._thread.shutdown(wait=False)

    async def _session(self) -> None:
        password = self._context.secrets.decrypt(self._mailbox.imap.password)
        client = await self._blocking(
            open_imap, self._mailbox.imap, password, self._settings.timeout_seconds
        )
        try:
            folder = await self._blocking(client.select_folder, "INBOX")
            uid_validity = int(folder[b"UIDVALIDITY"])
            idle = b"IDLE" in await self._blocking(client.capabilities)
            while True:
                await self._take_new(client, uid_validity)
                if idle:
                    await self._blocking(_idle, client, self._settings.poll_seconds)
                else:
                    await asyncio.sleep(self._settings.poll_seconds)
        finally:
            # Closing the socket also ends an IDLE a worker thread still waits in.
            with contextlib.suppress(OSError, IMAPClientError):
                client.shutdown()

    async def _take_new(self, client: IMAPClient, uid_validity: int) -> None:
        """Every mail not taken yet, oldest first, each flagged once it is accepted."""
        since = self._mailbox.since.date()
        uids = await self._blocking(client.search, ["UNKEYWORD", TAKEN, "SINCE", since])
        sizes = await self._blocking(client.fetch, uids, ["RFC822.SIZE"]) if uids else {}
        for uid in sorted(uids):
            size = sizes.get(uid, {}).get(b"RFC822.SIZE")
            if isinstance(size, int) and size > self._max_bytes:  # never read, never answered
                WEBHOOKS.labels(ENDPOINT, "too_large").inc()
                log.warning(
                    "mail too large to read; left in the mailbox",
                    store=self._store.id,
                    uid=uid,
                    size=size,
                )
                await self._blocking(client.add_flags, [uid], [TAKEN])
                continue
            fetched = await self._blocking(client.fetch, [uid], ["BODY.PEEK[]"])
            raw = fetched.get(uid, {}).get(b"BODY[]")
            if not isinstance(raw, bytes):  # expunged meanwhile
                continue
            if await self._take(raw, uid_validity, uid):
                await self._blocking(client.add_flags, [uid], [TAKEN])

    async def _take(self, raw: bytes, uid_validity: int, uid: int) -> bool:
        """True once the mail needs no more reading: accepted, a duplicate, or not for the bot."""
        try:
            mail = email_messages.parse(raw)
        except Exception as error:  # never read again and again; it stays in the mailbox
            WEBHOOKS.labels(ENDPOINT, "malformed").inc()
            log.warning(
                "mail not readable; left in the mailbox",
                store=self._store.id,
                uid=uid,
                error=f"{type(error).__name__}: {error}"[:300],
            )
            return True
        if mail.sender == self._mailbox.address:  # our own reply, copied back in
            return True
        if mail.kind is not email_messages.MailKind.MESSAGE:  # recorded, never answered
            WEBHOOKS.labels(ENDPOINT, mail.kind.value).inc()
            log.info("machine mail not answered", store=self._store.id, kind=mail.kind.value)
            return True
        message_id = mail.message_id or f"<{self._store.id}.{uid_validity}.{uid}@balas.invalid>"
        event = email_messages.message_received(mail, message_id, self._store, (uid_validity, uid))
        # Claimed by Message-ID alone, the message's id everywhere after: a mail sent to two
        # stores of one installation is taken by the first reader only, never mixed up.
        taken = await claim_and_deliver(self._context, f"email:{message_id}", event)
        WEBHOOKS.labels(ENDPOINT, taken.value).inc()
        log.info("mail taken", outcome=taken.value, conversation=masked(event.conversation_id))
        return taken is not Taken.IN_PROGRESS


def _idle(client: IMAPClient, seconds: float) -> None:
    """Wait until the server announces a change, or `seconds` pass."""
    client.idle()
    try:
        client.idle_check(timeout=seconds)
    finally:
        client.idle_done()

"""The e-mail channel against real mail servers (tests/standins/mail_servers.py): Dovecot's
IMAP for a store's inbox, read by the running ingest (IDLE), and an SMTP server the responder
sends through, on the session's Kafka and MongoDB.

A customer's mail in becomes one event (a second copy with the same Message-ID is dropped),
with its quoted history cut; auto-replies and bounces are never published; the bot's answer
goes out over SMTP in the customer's thread; an agent's reply goes out by e-mail with no 24-hour
window; a refusal is recorded and an SMTP outage sends nothing until it ends.
"""

import json
import smtplib
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from pymongo import MongoClient
from typer.testing import CliRunner

from balas.cli import app
from services.ingest.app import create_app as create_ingest_app
from services.ingest.channels import email_messages
from services.ingest.channels.mailboxes import ENDPOINT, TAKEN
from services.ingest.metrics import WEBHOOKS
from services.ingest.receipts import Claim, WebhookReceipts
from services.responder.adapters.smtp_sender import EmailSenders, SmtpNothingSent
from services.responder.agent_commands import on_agent_command
from services.responder.agent_desk import AgentDesk
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received
from services.responder.media import MediaReader
from services.responder.repository import ConversationLog
from shared import topics
from shared.answering.answerer import build_answerer
from shared.channels import Channel
from shared.conversations.collections import MESSAGES
from shared.conversations.media_download import MediaFetcher
from shared.events import AgentCommandIssued, MessageReceived, agent_command_event_id, utcnow
from shared.mongo import Database
from shared.outages import dependency_down
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.bot_settings import BotSettingsRepository
from shared.stores.collections import STORES
from shared.stores.directory import MailServer, Store, StoreDirectory, save_store
from shared.stores.mailbox import MailboxError, check_logins
from tests.standins.mail_servers import Dovecot, SmtpStandIn, dovecot_available
from tests.standins.server import LoopbackServer
from tests.support.kafka import records_mentioning
from tests.support.stores import save_email_store
from tests.support.waiting import wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not dovecot_available(), reason="dovecot-imapd: make system-deps-test"),
]

PASSWORD = "rahasia-kotak-surat"
CUSTOMER = "budi.santoso@example.com"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpStandIn]:
    server = SmtpStandIn().start()
    yield server
    server.stop()


def test_the_smtp_stand_in_takes_mail_only_after_a_login(smtp: SmtpStandIn) -> None:
    """As a provider does: a sender that has not logged in is refused at MAIL FROM."""
    smtp.logins["cs@toko.example"] = "rahasia"
    with smtplib.SMTP("127.0.0.1", smtp.port, "toko.example", timeout=5) as client:
        client.ehlo()
        refused, _ = client.mail("cs@toko.example")
        client.login("cs@toko.example", "rahasia")
        taken, _ = client.mail("cs@toko.example")

    assert (refused, taken) == (530, 250)


@pytest.fixture
async def store(db: Database, settings: Settings, dovecot: Dovecot, smtp: SmtpStandIn) -> Store:
    store = await save_email_store(db, settings, dovecot.port, smtp.port, PASSWORD)
    assert store.email is not None
    dovecot.add_user(store.email.address, PASSWORD)
    smtp.logins[store.email.address] = PASSWORD
    return store


@pytest.fixture
def deps(db: Database, broker: KafkaBroker, settings: Settings) -> ResponderDeps:
    stores = StoreDirectory(db)
    return ResponderDeps(
        broker=broker,
        stores=stores,
        conversations=ConversationLog(db),
        answerer=build_answerer(db, settings),  # no LLM: a hand-over reply, sent all the same
        bot_settings=BotSettingsRepository(db),
        twilio=None,  # an e-mail conversation never needs Twilio
        status_callback_url="http://127.0.0.1/webhooks/twilio/status",
        history_messages=20,
        email=EmailSenders(settings, stores, secret_box(settings), db),
    )


def mail(text: str, message_id: str | None = None, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("From", f"Budi Santoso <{CUSTOMER}>")
    message["To"] = "cs@toko.example"
    message["Subject"] = headers.pop("Subject", "Pesanan #1042")
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


def customer_mail(store: Store, raw: bytes) -> MessageReceived:
    parsed = email_messages.parse(raw)
    assert parsed.message_id is not None
    return email_messages.message_received(parsed, parsed.message_id, store)


async def published_from(settings: Settings, store: Store) -> list[dict[str, object]]:
    values = await records_mentioning(settings, topics.WHATSAPP_INBOUND, store.id)
    found = [json.loads(value) for value in values]
    return [event for event in found if event.get("store_id") == store.id]


async def test_mail_in_is_published_once_without_its_history_and_machine_mail_never(
    settings: Settings, store: Store, dovecot: Dovecot, deps: ResponderDeps, smtp: SmtpStandIn
) -> None:
    assert store.email is not None
    address = store.email.address
    asked = mail(
        "Halo, kapan pesanan saya dikirim?\n\n"
        "On Mon, 7 Dec 2026 at 10:00, Toko <cs@toko.example> wrote:\n> Terima kasih\n\n"
        "-- \nBudi",
        References="<earlier@toko.example>",
    )
    dovecot.deliver(address, mail("I am away.", Auto_Submitted="auto-replied"))
    dovecot.deliver(address, mail("Undeliverable", From="MAILER-DAEMON@mx.example.com"))
    server = LoopbackServer(create_ingest_app(settings.updated(email={"poll_seconds": 2})))
    server.start()
    try:
        dovecot.deliver(address, asked)  # while ingest waits in IDLE
        dovecot.deliver(address, asked)  # the same mail again (same Message-ID)

        def all_taken() -> bool:
            flags = dovecot.flags(address)
            return len(flags) == 4 and all(TAKEN in f for f in flags)

        await wait_until(all_taken, "ingest to take every mail in the inbox")
    finally:
        server.stop()

    [event] = await published_from(settings, store)
    received = MessageReceived.model_validate(event)
    assert received.channel is Channel.EMAIL
    assert received.conversation_id == f"{store.id}:email:{CUSTOMER}"
    assert (received.channel_account, received.customer_number) == (address, CUSTOMER)
    assert received.text == "Halo, kapan pesanan saya dikirim?"
    assert received.subject == "Pesanan #1042"
    assert received.message_sid == email_messages.parse(asked).message_id
    assert all(b"\\Seen" not in flags for flags in dovecot.flags(address))  # still unread

    # the bot's answer to it goes out by e-mail, in the customer's thread, once
    await on_message_received(received, deps)
    await on_message_received(received, deps)  # redelivered
    [answer] = smtp.messages
    assert_threaded(answer, received)
    assert smtp.envelopes == [(address, [CUSTOMER])]


async def test_a_mail_over_the_size_limit_is_never_read_and_stays_in_the_mailbox(
    settings: Settings, store: Store, dovecot: Dovecot
) -> None:
    assert store.email is not None
    address = store.email.address
    small = settings.updated(email={"poll_seconds": 2}, limits={"customer_media_max_bytes": 2000})
    dovecot.deliver(address, mail("kak " * 2000))  # about 8 kB, over twice the 2 kB limit
    dovecot.deliver(address, mail("Halo, ready?"))
    too_large = WEBHOOKS.labels(ENDPOINT, "too_large")._value.get()
    server = LoopbackServer(create_ingest_app(small))
    server.start()
    try:

        def both_taken() -> bool:
            flags = dovecot.flags(address)
            return len(flags) == 2 and all(TAKEN in f for f in flags)

        await wait_until(both_taken, "ingest to take both mails")
    finally:
        server.stop()

    [event] = await published_from(settings, store)
    assert MessageReceived.model_validate(event).text == "Halo, ready?"
    assert WEBHOOKS.labels(ENDPOINT, "too_large")._value.get() == too_large + 1


def assert_threaded(answer: EmailMessage, received: MessageReceived) -> None:
    assert answer["Subject"] == "Re: Pesanan #1042"
    assert answer["In-Reply-To"] == received.message_sid
    assert answer["References"].split() == [*received.references, received.message_sid]
    assert answer["To"] == received.customer_number
    assert str(received.channel_account) in answer["From"]
    assert answer["Message-ID"].endswith(f"@{str(received.channel_account).split('@')[1]}>")
    assert answer["Auto-Submitted"] == "auto-replied"


async def test_the_reply_records_its_message_id_and_an_agents_reply_has_no_window(
    db: Database, store: Store, deps: ResponderDeps, smtp: SmtpStandIn
) -> None:
    received = customer_mail(store, mail("Bisa kirim ke Bandung?"))
    await on_message_received(received, deps)
    [bot_answer] = smtp.messages
    reply = await db[MESSAGES].find_one({"_id": f"reply:{received.message_sid}"})
    assert reply is not None
    assert (reply["state"], reply["twilio_sid"]) == ("sent", bot_answer["Message-ID"])

    command_id = uuid.uuid4().hex
    command = AgentCommandIssued(
        event_id=agent_command_event_id(command_id),
        occurred_at=utcnow() + timedelta(days=3),  # WhatsApp's window would have closed
        store_id=store.id,
        conversation_id=received.conversation_id,
        channel=Channel.EMAIL,
        command_id=command_id,
        agent_id="agent-1",
        command="reply",
        text="Bisa kak, ongkirnya Rp 25.000.",
    )
    await on_agent_command(command, deps, AgentDesk(db))

    agents = smtp.messages[-1]
    assert agents.get_body(("plain",)).get_content().strip() == "Bisa kak, ongkirnya Rp 25.000."
    html = agents.get_body(("html",)).get_content()
    assert "<p>Bisa kak, ongkirnya Rp 25.000.</p>" in html
    assert_threaded(agents, received)


async def test_a_refusal_is_recorded_and_an_outage_sends_nothing_until_it_ends(
    db: Database, store: Store, deps: ResponderDeps, smtp: SmtpStandIn
) -> None:
    refused = customer_mail(store, mail("Halo"))
    smtp.refuse_next = 1
    await on_message_received(refused, deps)
    reply = await db[MESSAGES].find_one({"_id": f"reply:{refused.message_sid}"})
    assert reply is not None
    assert (reply["state"], reply["not_sent_reason"]) == (
        "not_sent",
        "SMTP refused the message (550)",
    )

    later = customer_mail(store, mail("Halo lagi"))
    smtp.stop()
    with pytest.raises(SmtpNothingSent) as outage:
        await on_message_received(later, deps)
    assert dependency_down(outage.value) == "smtp"  # waited out, never dead-lettered
    smtp.start()
    await on_message_received(later, deps)  # the consumer's retry
    assert [m["In-Reply-To"] for m in smtp.messages] == [later.message_sid]


async def test_connecting_checks_both_logins_with_a_clear_reason(
    store: Store, smtp: SmtpStandIn
) -> None:
    assert store.email is not None
    await check_logins(store.email, PASSWORD, PASSWORD)
    with pytest.raises(MailboxError, match=r"IMAP 127\.0\.0\.1 refused the login"):
        await check_logins(store.email, "wrong", PASSWORD)
    with pytest.raises(MailboxError, match=r"SMTP 127\.0\.0\.1 refused the login"):
        await check_logins(store.email, PASSWORD, "wrong")
    away = store.email.model_copy(update={"imap": store.email.imap.model_copy(update={"port": 1})})
    with pytest.raises(MailboxError, match=r"IMAP 127\.0\.0\.1:1 could not be reached"):
        await check_logins(away, PASSWORD, PASSWORD)
    remote = MailServer(
        host="192.0.2.1", port=143, security="plain", user="x", password=store.email.imap.password
    )
    with pytest.raises(MailboxError, match="only allowed on loopback"):
        await check_logins(store.email.model_copy(update={"imap": remote}), PASSWORD, PASSWORD)


def test_connect_email_stores_checked_logins_encrypted_and_says_why_it_refuses(
    settings: Settings, dovecot: Dovecot, smtp: SmtpStandIn, bare_store: Store
) -> None:
    address = f"cs@{bare_store.id}.example"
    dovecot.add_user(address, PASSWORD)
    smtp.logins[address] = PASSWORD
    env = settings.as_environment()

    def connect(imap_password: str) -> str:
        command = ["store", "connect-email", "--store", bare_store.id, "--address", address]
        command += ["--imap-host", "127.0.0.1", "--imap-port", str(dovecot.port)]
        command += ["--smtp-host", "localhost", "--smtp-port", str(smtp.port)]
        command += ["--imap-security", "plain", "--smtp-security", "plain"]
        command += ["--imap-password", imap_password, "--smtp-password", PASSWORD]
        result = CliRunner().invoke(app, command, env=env)
        return f"{result.exit_code}\n" + " ".join(result.output.split())  # the console wraps

    refused = connect("guessed")
    assert refused.startswith("1\n")
    assert f"IMAP 127.0.0.1 refused the login of {address}" in refused
    assert "nothing was saved" in refused
    assert held(settings, bare_store.id).get("email") is None

    output = connect(PASSWORD)
    assert output.startswith("0\n"), output
    mailbox = held(settings, bare_store.id)["email"]
    assert (mailbox["address"], mailbox["imap"]["port"]) == (address, dovecot.port)
    assert PASSWORD not in str(mailbox)
    assert PASSWORD not in output


@pytest.fixture
async def bare_store(db: Database) -> Store:
    store = Store(
        id=f"s-{uuid.uuid4().hex[:6]}",
        name="Toko Batik Sari",
        whatsapp_number=f"+1555{uuid.uuid4().int % 10**7:07d}",
    )
    await save_store(db, store)
    return store


def held(settings: Settings, store_id: str) -> dict[str, Any]:
    """The store's document as saved (read synchronously: the CLI runs its own event loop)."""
    assert settings.mongodb.uri
    with MongoClient(settings.mongodb.uri) as client:
        document = client[settings.mongodb.database][STORES].find_one({"_id": store_id})
    assert document is not None
    return document


async def test_a_mail_accepted_before_a_crash_but_not_flagged_is_not_published_again(
    db: Database, settings: Settings, store: Store, dovecot: Dovecot
) -> None:
    assert store.email is not None
    raw = mail("Halo, ada stok?")
    message_id = email_messages.parse(raw).message_id
    dovecot.deliver(store.email.address, raw)
    # An earlier ingest claimed and published it, then died before flagging it taken.
    receipts = WebhookReceipts(db, timedelta(seconds=30))
    receipt = f"email:{message_id}"
    assert await receipts.claim(receipt) is Claim.NEW
    await receipts.accept(receipt)

    server = LoopbackServer(create_ingest_app(settings.updated(email={"poll_seconds": 2})))
    server.start()
    try:
        await wait_until(
            lambda: all(TAKEN in f for f in dovecot.flags(str(store.email.address))),
            "the restarted ingest to flag the mail taken",
        )
    finally:
        server.stop()
    assert await published_from(settings, store) == []


async def test_an_attachment_is_read_from_the_mailbox_when_the_bot_reads_the_mail(
    db: Database, settings: Settings, store: Store, dovecot: Dovecot, deps: ResponderDeps
) -> None:
    assert store.email is not None
    message = EmailMessage()
    message["From"] = CUSTOMER
    message["Subject"] = "Bukti transfer"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    message.set_content("Ini bukti transfernya.")
    message.add_related(b"\x89PNG logo", maintype="image", subtype="png", cid="<logo>")
    message.add_attachment(
        b"order,paid\n1042,TRF-88231\n", maintype="text", subtype="csv", filename="bukti.csv"
    )
    dovecot.deliver(store.email.address, message.as_bytes())
    server = LoopbackServer(create_ingest_app(settings.updated(email={"poll_seconds": 2})))
    server.start()
    try:
        await wait_until(
            lambda: all(TAKEN in f for f in dovecot.flags(str(store.email.address))),
            "ingest to take the mail",
        )
    finally:
        server.stop()
    [event] = await published_from(settings, store)
    received = MessageReceived.model_validate(event)
    [media] = received.media  # the file, not the signature's inline logo
    assert media.content_type == "text/csv"
    assert media.url.startswith(f"imap://{store.email.address}/INBOX;UIDVALIDITY=")

    reader = MediaReader(MediaFetcher(settings, deps.stores, secret_box(settings)), 1_000_000)
    await on_message_received(received, replace(deps, media=reader))

    stored = await db[MESSAGES].find_one({"_id": received.message_sid})
    assert stored is not None
    [attachment] = stored["media"]
    assert attachment["status"] == "read"
    assert "TRF-88231" in attachment["media_text"]


async def test_a_mailbox_down_when_ingest_starts_is_read_once_it_is_up(
    db: Database, settings: Settings, smtp: SmtpStandIn
) -> None:
    down = Dovecot()  # its port is known, nothing listens on it yet
    store = await save_email_store(db, settings, down.port, smtp.port, PASSWORD)
    assert store.email is not None
    failed_reads = WEBHOOKS.labels(ENDPOINT, "unreachable")
    before = failed_reads._value.get()
    server = LoopbackServer(create_ingest_app(settings.updated(email={"poll_seconds": 1})))
    server.start()
    try:
        await wait_until(lambda: failed_reads._value.get() > before, "a read to fail")
        down.start()  # the outage ends: the reader's next try gets in
        down.add_user(store.email.address, PASSWORD)
        down.deliver(store.email.address, mail("Halo, masih buka?"))
        await wait_until(
            lambda: all(TAKEN in f for f in down.flags(str(store.email.address))),
            "ingest to read the mailbox once it is up",
        )
    finally:
        server.stop()
        down.stop()
    [event] = await published_from(settings, store)
    assert event["text"] == "Halo, masih buka?"

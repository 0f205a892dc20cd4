"""A customer's e-mail through the running system: ingest reads it from the store's mailbox
(Dovecot, IMAP IDLE), the responder answers it over SMTP (aiosmtpd) in the customer's thread,
once however often the mail arrives; an out-of-office answer in the same mailbox is never
answered."""

import uuid
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from services.ingest.channels.email_messages import parse
from services.ingest.channels.mailboxes import TAKEN
from shared import mongo
from shared.conversations.collections import MESSAGES
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins.mail_servers import Dovecot, SmtpStandIn, dovecot_available
from tests.standins.twilio_api import TwilioStandIn
from tests.support.stores import save_email_store
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not dovecot_available(), reason="dovecot-imapd: make system-deps-test"),
]

PASSWORD = "e2e-mailbox-password"


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpStandIn]:
    server = SmtpStandIn().start()
    yield server
    server.stop()


def mail(sender: str, text: str, subject: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "cs@toko.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


async def test_an_email_is_answered_once_by_email_in_its_thread(
    system: RunningSystem,
    system_db: mongo.Database,
    dovecot: Dovecot,
    smtp: SmtpStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    settings: Settings = system.settings
    store: Store = await save_email_store(system_db, settings, dovecot.port, smtp.port, PASSWORD)
    assert store.email is not None
    address = store.email.address
    dovecot.add_user(address, PASSWORD)
    smtp.logins[address] = PASSWORD
    customer = f"c{uuid.uuid4().hex[:8]}@example.com"
    away = mail(customer, "I am out of the office.", "Out of office", Auto_Submitted="auto-replied")
    asked = mail(customer, "Halo, batik tulis ada ukuran L?\n\n> earlier words", "Batik tulis")

    for raw in (away, asked, asked):  # the question twice: a resend with the same Message-ID
        dovecot.deliver(address, raw)

    def all_taken() -> bool | None:
        flags = dovecot.flags(address)
        return (len(flags) == 3 and all(TAKEN in f for f in flags)) or None

    await eventually(all_taken)
    conversation = f"{store.id}:email:{customer}"

    async def sent_reply() -> dict | None:
        query = {"conversation_id": conversation, "direction": "outbound", "state": "sent"}
        return await system_db[MESSAGES].find_one(query)

    reply = await eventually(sent_reply)
    [answer] = smtp.messages
    question_id = parse(asked).message_id
    assert answer["To"] == customer
    assert answer["Subject"] == "Re: Batik tulis"
    assert answer["In-Reply-To"] == question_id
    assert answer["Message-ID"] == reply["twilio_sid"]
    assert (
        answer.get_body(("plain",)).get_content().strip()
        == "Terima kasih! Anda menulis: Halo, batik tulis ada ukuran L?"
    )
    assert twilio_api.sent_to(customer) == []  # answered on its own channel only
    inbound = system_db[MESSAGES].find({"conversation_id": conversation, "direction": "inbound"})
    assert [m["_id"] async for m in inbound] == [
        question_id
    ]  # the out-of-office never reached the bot

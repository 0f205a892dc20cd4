"""A customer's e-mail made into what the bot reads: the text written now, without the quoted
history or the signature, and machine mail (auto-replies, bounces) told apart."""

from email.message import EmailMessage

import pytest
from cryptography.fernet import Fernet

from services.ingest.channels.email_messages import (
    MAX_ATTACHMENTS,
    MAX_REFERENCES,
    MAX_SUBJECT_CHARS,
    MailKind,
    message_received,
    parse,
    written_now,
)
from shared.channels import TEXT_LIMITS, Channel
from shared.conversations.email_subject import NO_SUBJECT, reply_subject
from shared.events import utcnow
from shared.mail_parts import MailPart, mail_part, part_url
from shared.secrets import EncryptedSecret
from shared.stores.directory import EmailMailbox, MailServer, Store


def _mail(body: str, html: str | None = None, **headers: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = headers.pop("From", "Budi Santoso <Budi@Example.COM>")
    mail["To"] = "cs@toko.example"
    mail["Subject"] = headers.pop("Subject", "Pesanan saya")
    mail["Message-ID"] = "<m1@example.com>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    return mail.as_bytes()


def test_a_customers_mail_is_read_with_its_thread() -> None:
    raw = _mail(
        "Halo, kapan pesanan #1042 dikirim?",
        In_Reply_To="<r1@toko.example>",
        References="<m0@example.com> <r1@toko.example>",
    )
    mail = parse(raw)
    assert mail.kind is MailKind.MESSAGE
    assert mail.sender == "budi@example.com"
    assert mail.sender_name == "Budi Santoso"
    assert mail.subject == "Pesanan saya"
    assert mail.message_id == "<m1@example.com>"
    assert mail.text == "Halo, kapan pesanan #1042 dikirim?"
    assert mail.references == ["<m0@example.com>", "<r1@toko.example>"]


@pytest.mark.parametrize(
    "history",
    [
        "On Mon, 7 Dec 2026 at 10:00, Toko <cs@toko.example> wrote:\n> Terima kasih\n",
        "On Mon, 7 Dec 2026 at 10:00, Toko <cs@toko.example>\nwrote:\n> Terima kasih\n",
        "Pada Sen, 7 Des 2026 10.00, Toko <cs@toko.example> menulis:\n> Terima kasih\n",
        "> Terima kasih\n> Toko\n",
        "From: Toko <cs@toko.example>\nSent: Monday, 7 December 2026 10:00\nTo: Budi\n\nHi",
        "-----Original Message-----\nFrom: Toko\nHi",
        "-- \nBudi Santoso\nJl. Merdeka 1",
        "Sent from my iPhone",
        "Dikirim dari Yahoo Mail di Android",
    ],
)
def test_quoted_history_and_signatures_are_cut(history: str) -> None:
    assert written_now(f"Apakah masih ada stok?\n\n{history}") == "Apakah masih ada stok?"


def test_a_line_that_only_mentions_from_is_kept() -> None:
    text = "From: Jakarta, I ordered twice.\nPlease check."
    assert written_now(text) == text


def test_html_only_mail_is_made_text_without_its_blockquote() -> None:
    mail = EmailMessage()
    mail["From"] = "siti@example.com"
    mail["Subject"] = "Tanya"
    mail.set_content(
        "<html><body><p>Ukuran <b>M</b> ada?</p><div>Terima kasih</div>"
        "<blockquote>Earlier message</blockquote><style>p{}</style></body></html>",
        subtype="html",
    )
    parsed = parse(mail.as_bytes())
    assert parsed.text == "Ukuran M ada?\nTerima kasih"
    assert parsed.message_id is None


def test_plain_text_is_preferred_to_html() -> None:
    mail = parse(_mail("plain words", html="<p>html words</p>"))
    assert mail.text == "plain words"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"Subject": "Out of Office: Pesanan saya"},
        {"Subject": "Automatic reply: Pesanan saya"},
    ],
)
def test_auto_replies_are_recognised(headers: dict[str, str]) -> None:
    assert parse(_mail("I am away until Monday.", **headers)).kind is MailKind.AUTO_REPLY


def test_an_auto_submitted_no_is_a_person() -> None:
    assert parse(_mail("Halo", Auto_Submitted="no")).kind is MailKind.MESSAGE


def test_bounces_are_recognised() -> None:
    daemon = _mail("Delivery failed", From="MAILER-DAEMON@mx.example.com")
    assert parse(daemon).kind is MailKind.BOUNCE
    report = (
        b"From: mx@example.com\r\nMessage-ID: <b1@mx.example.com>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    assert parse(report).kind is MailKind.BOUNCE


def test_an_attachment_is_named_by_an_imap_url_and_read_back() -> None:
    part = MailPart(uid_validity=1796597468, uid=42, index=1)
    url = part_url("cs@toko.example", part)
    assert url == "imap://cs@toko.example/INBOX;UIDVALIDITY=1796597468/;UID=42/;SECTION=1"
    assert mail_part(url) == part
    assert mail_part("https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1") is None


@pytest.mark.parametrize(
    ("subject", "reply"),
    [("Pesanan #1042", "Re: Pesanan #1042"), ("RE: Pesanan", "RE: Pesanan"), ("  ", NO_SUBJECT)],
)
def test_a_reply_subject_never_stacks_re(subject: str, reply: str) -> None:
    assert reply_subject(subject) == reply


def test_a_question_that_starts_like_a_phones_line_is_kept() -> None:
    text = "Dikirim dari gudang mana?\nSaya di Surabaya."
    assert written_now(text) == text
    assert written_now("Halo\nDikirim dari gudang mana?\n\nTerima kasih") == (
        "Halo\nDikirim dari gudang mana?\n\nTerima kasih"
    )


def test_what_one_mail_puts_on_its_event_is_bounded() -> None:
    secret = EncryptedSecret(Fernet(Fernet.generate_key()).encrypt(b"password").decode())
    server = MailServer(host="127.0.0.1", port=143, security="plain", user="cs", password=secret)
    mailbox = EmailMailbox(address="cs@toko.example", imap=server, smtp=server, since=utcnow())
    store = Store(id="toko", name="Toko", whatsapp_number="+15550001111", email=mailbox)
    thread = " ".join(f"<m{n}@example.com>" for n in range(60))
    mail = parse(_mail("kak " * 10_000, Subject="Pesanan " * 100, References=thread))
    mail = mail.model_copy(update={"attachment_types": ["application/pdf"] * 50})

    event = message_received(mail, "<m1@example.com>", store, (7, 42))

    assert len(event.text) == TEXT_LIMITS[Channel.EMAIL]
    assert len(event.subject or "") == MAX_SUBJECT_CHARS
    assert event.references == mail.references[-MAX_REFERENCES:]
    assert event.references[-1] == "<m59@example.com>"
    assert len(event.media) == MAX_ATTACHMENTS

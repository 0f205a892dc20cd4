"""A customer's e-mail, as raw bytes from the store's mailbox, made into what the bot reads
(docs/channels.md#e-mail): who wrote, the subject, the text they wrote now (plain text preferred,
HTML made text; the quoted history and the signature cut off), and what kind of mail it is, so
auto-replies and bounces are recorded but never answered.
"""

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from enum import StrEnum

from pydantic import BaseModel
from selectolax.lexbor import LexborHTMLParser

from shared.channels import TEXT_LIMITS, Channel
from shared.events import Media, MessageReceived, event_id_for, utcnow
from shared.identity import conversation_id
from shared.mail_parts import MailPart, attachments, part_url
from shared.stores.directory import Store


class MailKind(StrEnum):
    MESSAGE = "message"  # a person wrote: the bot reads it
    AUTO_REPLY = "auto_reply"  # an out-of-office or other machine answer: never answered
    BOUNCE = "bounce"  # a delivery report: never answered


class InboundMail(BaseModel):
    message_id: str | None  # `<…>` as sent; None when the mail has none
    sender: str  # the address, lower-case
    sender_name: str | None
    subject: str
    text: str  # what the customer wrote now
    references: list[str]  # the thread before it: References, then In-Reply-To
    kind: MailKind
    attachment_types: list[str]  # the content type of each attached file, in order


_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_AUTO_SUBJECTS = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|auto:|"
    r"balasan otomatis|di luar kantor)",
    re.IGNORECASE,
)
_BOUNCERS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)


def parse(raw: bytes) -> InboundMail:
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(mail, EmailMessage)  # policy.default makes EmailMessage
    name, address = _sender(mail)
    references = _MESSAGE_ID.findall(str(mail.get("References", "")))
    references += [
        found
        for found in _MESSAGE_ID.findall(str(mail.get("In-Reply-To", "")))
        if found not in references
    ]
    ids = _MESSAGE_ID.findall(str(mail.get("Message-ID", "")))
    subject = " ".join(str(mail.get("Subject", "")).split())
    return InboundMail(
        message_id=ids[0] if ids else None,
        sender=address,
        sender_name=name or None,
        subject=subject,
        text=written_now(_body_text(mail)),
        references=references,
        kind=_kind(mail, address, subject),
        attachment_types=[part.get_content_type() for part in attachments(mail)],
    )


def _sender(mail: EmailMessage) -> tuple[str, str]:
    found = getaddresses([str(mail.get("Reply-To") or mail.get("From", ""))])
    name, address = found[0] if found else ("", "")
    return name.strip(), address.strip().lower()


def _kind(mail: EmailMessage, sender: str, subject: str) -> MailKind:
    if mail.get_content_type() == "multipart/report" or _BOUNCERS.match(sender) or not sender:
        return MailKind.BOUNCE
    auto_submitted = str(mail.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(mail.get("Precedence", "")).strip().lower()
    if (
        auto_submitted != "no"
        or any(h in mail for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"))
        or precedence in {"bulk", "auto_reply", "junk", "list"}
        or _AUTO_SUBJECTS.match(subject)
    ):
        return MailKind.AUTO_REPLY
    return MailKind.MESSAGE


def _body_text(mail: EmailMessage) -> str:
    """The plain-text body when there is one, else the HTML body made text."""
    body = mail.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = str(body.get_content())
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        payload = body.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return html_text(content) if body.get_content_type() == "text/html" else content


# Quoted history in HTML: Gmail's and Outlook's containers, and any blockquote.
_HTML_DROPPED = "script, style, head, blockquote, .gmail_quote, #divRplyFwdMsg, #appendonsend"
_HTML_BREAKS = "br, p, div, li, tr, h1, h2, h3, h4, h5, h6, table, ul, ol"


def html_text(html: str) -> str:
    tree = LexborHTMLParser(html)
    for node in tree.css(_HTML_DROPPED):
        node.decompose()
    for node in tree.css(_HTML_BREAKS):
        node.insert_after("\n")
    root = tree.body or tree.root
    text = root.text(deep=True) if root is not None else ""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Where the quoted history starts: a client's "On … wrote:" (in English or Indonesian, possibly
# wrapped onto the next line), a forwarded or Outlook header block, or the first quoted line.
_QUOTE_STARTS = (
    re.compile(r"^(on|pada)\b.*(wrote|menulis)\s*:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*(original message|pesan asli|forwarded message)", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^>"),
)
_OUTLOOK_HEADER = re.compile(r"^\**(from|dari)\s*:\**\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\**(sent|date|to|subject|dikirim|tanggal|kepada|subjek)\s*:", re.I)
_SIGNATURE_DELIMITER = re.compile(r"^--\s*$")
# A phone's or app's line ("Sent from my iPhone"); only a signature where the text ends, since
# "Dikirim dari gudang mana?" ("shipped from which warehouse?") is a customer's question.
_DEVICE_LINE = re.compile(
    r"^(sent from|dikirim dari|get outlook for|sent via)\b.{0,60}$", re.IGNORECASE
)


def written_now(text: str) -> str:
    """`text` without the history it quotes and without the sender's signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _starts_quote(stripped, _next(lines, index)) or _SIGNATURE_DELIMITER.match(stripped):
            break
        if _DEVICE_LINE.match(stripped) and any(kept) and _ends_text(lines, index + 1):
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _next(lines: list[str], index: int) -> str:
    return lines[index + 1].strip() if index + 1 < len(lines) else ""


def _ends_text(lines: list[str], start: int) -> bool:
    """Nothing but blank lines from `start` to the end or to the quoted history."""
    for index in range(start, len(lines)):
        stripped = lines[index].strip()
        if _starts_quote(stripped, _next(lines, index)):
            return True
        if stripped:
            return False
    return True


def _starts_quote(line: str, following: str) -> bool:
    if any(pattern.match(line) for pattern in _QUOTE_STARTS):
        return True
    # "On Mon, 7 Dec 2026 at 10:00, Budi <budi@example.com>" wrapped before "wrote:"
    wrapped = re.match(r"^(on|pada)\b", line, re.IGNORECASE) and re.match(
        r"^(wrote|menulis)\s*:\s*$", following, re.IGNORECASE
    )
    outlook = _OUTLOOK_HEADER.match(line) and _OUTLOOK_NEXT.match(following)
    return bool(wrapped or outlook)


# What one mail may put on the event, whatever its sender wrote: the bot reads at most this much.
MAX_ATTACHMENTS = 10
MAX_REFERENCES = 20  # the thread's latest Message-IDs: enough to thread a reply
MAX_SUBJECT_CHARS = 300


def message_received(
    mail: InboundMail, receipt_id: str, store: Store, found_at: tuple[int, int] | None = None
) -> MessageReceived:
    """The event of a customer's mail to `store`'s mailbox; `receipt_id` names it once.
    `found_at` (the inbox's UIDVALIDITY and the mail's UID) names its attachments."""
    assert store.email is not None  # only connected mailboxes are read
    media: list[Media] = []
    if found_at is not None:
        uid_validity, uid = found_at
        for index, content_type in enumerate(mail.attachment_types[:MAX_ATTACHMENTS]):
            part = MailPart(uid_validity=uid_validity, uid=uid, index=index)
            media.append(Media(url=part_url(store.email.address, part), content_type=content_type))
    return MessageReceived(
        event_id=event_id_for("email", receipt_id),
        occurred_at=utcnow(),
        store_id=store.id,
        conversation_id=conversation_id(store.id, mail.sender, Channel.EMAIL),
        channel=Channel.EMAIL,
        channel_account=store.email.address,
        message_sid=receipt_id,
        customer_number=mail.sender,
        store_number=store.whatsapp_number,
        profile_name=mail.sender_name,
        text=mail.text[: TEXT_LIMITS[Channel.EMAIL]],
        subject=mail.subject[:MAX_SUBJECT_CHARS],
        references=mail.references[-MAX_REFERENCES:],
        media=media,
    )

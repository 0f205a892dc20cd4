"""A customer's e-mail attachments, and how a message names one: an IMAP URL (RFC 5092's
form) of the mail in the store's inbox and the attachment's place among the mail's files.
ingest names them when it reads a mail; the responder fetches a named one from the mailbox when
the bot reads it, so the file never leaves the store's mailbox to be kept anywhere else.
"""

import re
from email.message import EmailMessage

from pydantic import BaseModel

_URL = re.compile(r"^imap://[^/]+/INBOX;UIDVALIDITY=(\d+)/;UID=(\d+)/;SECTION=(\d+)$")


class MailPart(BaseModel):
    uid_validity: int
    uid: int
    index: int  # among the mail's attachments, from 0


def attachments(mail: EmailMessage) -> list[EmailMessage]:
    """The files the customer attached: not the body, and not the images an HTML body shows
    inline (logos of a signature)."""
    return [
        part
        for part in mail.iter_attachments()
        if isinstance(part, EmailMessage)
        and not (part.get_content_disposition() == "inline" and part.get("Content-ID"))
    ]


def part_url(address: str, part: MailPart) -> str:
    return (
        f"imap://{address}/INBOX;UIDVALIDITY={part.uid_validity}/;UID={part.uid}"
        f"/;SECTION={part.index}"
    )


def mail_part(url: str) -> MailPart | None:
    """The attachment `url` names; None when it names none (a Twilio or Meta file)."""
    found = _URL.match(url)
    if found is None:
        return None
    uid_validity, uid, index = (int(group) for group in found.groups())
    return MailPart(uid_validity=uid_validity, uid=uid, index=index)

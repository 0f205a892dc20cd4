"""A store's mailbox: opening its IMAP and SMTP connections (blocking; callers run them in a
thread), checking both logins before the mailbox is connected, and keeping it in the store.

Mail travels encrypted (implicit TLS or STARTTLS, with the server's certificate checked); plain
text is only allowed to a loopback host, where nothing crosses a network.
"""

import asyncio
import imaplib
import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Callable

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from shared.mongo import Database
from shared.stores.collections import STORES
from shared.stores.directory import EmailMailbox, MailServer

TIMEOUT_SECONDS = 30.0  # the connect check's; the services use EMAIL_TIMEOUT_SECONDS


class MailboxError(Exception):
    """A server refused the login or could not be reached; the message says why, in one line
    fit for the admin."""


def _plain_allowed(server: MailServer) -> None:
    if server.security != "plain":
        return
    try:
        loopback = ipaddress.ip_address(socket.gethostbyname(server.host)).is_loopback
    except (OSError, ValueError):
        loopback = False
    if not loopback:
        raise MailboxError(f"{server.host}: plain text is only allowed on loopback; use TLS")


def open_imap(server: MailServer, password: str, timeout: float = TIMEOUT_SECONDS) -> IMAPClient:
    """A logged-in IMAP connection. Raises MailboxError, or OSError when the host is down."""
    _plain_allowed(server)
    context = ssl.create_default_context()
    client = IMAPClient(
        server.host,
        port=server.port,
        ssl=server.security == "tls",
        ssl_context=context,
        timeout=timeout,
    )
    try:
        if server.security == "starttls":
            client.starttls(context)
        client.login(server.user, password)
    except LoginError:
        client.shutdown()
        raise MailboxError(f"IMAP {server.host} refused the login of {server.user}") from None
    except (IMAPClientError, imaplib.IMAP4.error) as error:
        client.shutdown()
        raise MailboxError(f"IMAP {server.host} answered: {error}"[:300]) from None
    return client


def open_smtp(server: MailServer, password: str, timeout: float = TIMEOUT_SECONDS) -> smtplib.SMTP:
    """A logged-in SMTP connection. Raises MailboxError, or OSError when the host is down."""
    _plain_allowed(server)
    context = ssl.create_default_context()
    # The name we greet with (EHLO): the login's domain, not this machine's, whose reverse DNS
    # look-up smtplib would otherwise wait on at every connection.
    greeting = server.user.rpartition("@")[2] or "localhost"
    client: smtplib.SMTP
    if server.security == "tls":
        client = smtplib.SMTP_SSL(
            server.host, server.port, greeting, timeout=timeout, context=context
        )
    else:
        client = smtplib.SMTP(server.host, server.port, greeting, timeout=timeout)
    try:
        if server.security == "starttls":
            client.starttls(context=context)
        client.login(server.user, password)
    except smtplib.SMTPAuthenticationError:
        client.close()
        raise MailboxError(f"SMTP {server.host} refused the login of {server.user}") from None
    except smtplib.SMTPException as error:
        client.close()
        raise MailboxError(f"SMTP {server.host} answered: {error}"[:300]) from None
    return client


def _check(mailbox: EmailMailbox, imap_password: str, smtp_password: str) -> None:
    _reach("IMAP", mailbox.imap, lambda: open_imap(mailbox.imap, imap_password).logout())
    _reach("SMTP", mailbox.smtp, lambda: open_smtp(mailbox.smtp, smtp_password).quit())


def _reach(name: str, server: MailServer, log_in_and_out: Callable[[], object]) -> None:
    try:
        log_in_and_out()
    except OSError as error:  # ssl.SSLError too: a certificate that does not check out
        reason = f"{name} {server.host}:{server.port} could not be reached: {error}"
        raise MailboxError(reason[:300]) from None


async def check_logins(mailbox: EmailMailbox, imap_password: str, smtp_password: str) -> None:
    """Both servers accept their logins, or MailboxError says which did not and why."""
    await asyncio.to_thread(_check, mailbox, imap_password, smtp_password)


async def connect(db: Database, store_id: str, mailbox: EmailMailbox) -> bool:
    """Set the store's mailbox (ciphertext only); False if there is no such store.
    Raises DuplicateKeyError when another store reads this address."""
    result = await db[STORES].update_one(
        {"_id": store_id}, {"$set": {"email": mailbox.model_dump()}}
    )
    return result.matched_count == 1

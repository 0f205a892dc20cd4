"""Real mail servers on loopback for the e-mail channel's tests.

IMAP is Debian's Dovecot (`dovecot-imapd`, a test package of the Makefile), started from a
config written into a temp dir: mailboxes in Maildirs under it, users in a passwd-file each, plain
text on 127.0.0.1 only. Run as root, its login and mail processes run as `nobody` (Dovecot
refuses to serve mail as root); run as anyone else, as that user. Mail reaches a mailbox as it
does in life, through the server (IMAP APPEND), never by touching its files.

SMTP is aiosmtpd in-process: it takes the logins it is given (AUTH PLAIN/LOGIN over plain text
on loopback), records every message it accepts, and can refuse the next ones (a 5xx) or drop the
connection (nothing sent).
"""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from imapclient import IMAPClient

from shared.infra import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def dovecot_available() -> bool:
    return Path(DOVECOT).exists()


class Dovecot:
    def __init__(self) -> None:
        # Its own dir under /tmp, not pytest's (private to its user): `nobody` must reach it.
        self.root = Path(tempfile.mkdtemp(prefix="balas-dovecot-"))
        self.root.chmod(0o711)
        self.port = free_port()
        self._users: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None
        as_root = os.geteuid() == 0
        self._mail_user = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.geteuid())

    def start(self) -> "Dovecot":
        for folder in ("run", "state", "home", "passwd"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        os.chown(self.root / "home", self._mail_user.pw_uid, self._mail_user.pw_gid)
        (self.root / "dovecot.conf").write_text(self._config())
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "stderr.log").open("wb"),
        )
        deadline = time.monotonic() + 20
        while not _listening(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dovecot did not start: {self.log()}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=20)
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        return "".join(
            path.read_text(errors="replace")
            for path in (self.root / "stderr.log", self.root / "dovecot.log")
            if path.exists()
        )[-3000:]

    def add_user(self, address: str, password: str) -> None:
        # A file per user: a new file is read at once, where Dovecot may keep a rewritten one's
        # older copy for the rest of the second it last read it.
        self._users[address] = password
        (self.root / "passwd" / address).write_text(f"{address}:{{PLAIN}}{password}::::::\n")

    def client(self, address: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(address, self._users[address])
        return client

    def deliver(self, address: str, raw: bytes) -> None:
        """A mail arrives in `address`'s inbox."""
        client = self.client(address)
        try:
            client.append("INBOX", raw)
        finally:
            client.logout()

    def flags(self, address: str) -> list[tuple[bytes, ...]]:
        """The flags of every mail in `address`'s inbox, oldest first."""
        client = self.client(address)
        try:
            client.select_folder("INBOX", readonly=True)
            fetched = client.fetch(client.search("ALL"), ["FLAGS"])
            return [fetched[uid][b"FLAGS"] for uid in sorted(fetched)]
        finally:
            client.logout()

    def _config(self) -> str:
        root, user = self.root, self._mail_user
        group = grp.getgrgid(user.pw_gid).gr_name
        return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0  # the tests try wrong passwords: answered at once
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd/%u
}}
userdb {{
  driver = static
  args = uid={user.pw_uid} gid={user.pw_gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
  user = {user.pw_name}
}}
service anvil {{
  chroot =
  # No socket for auth's failure penalty: a test's next login is never held up by its last.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
default_login_user = {user.pw_name}
default_internal_user = {user.pw_name}
default_internal_group = {group}
"""


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class SmtpStandIn:
    """An SMTP server on loopback that takes `logins` (user -> password)."""

    logins: dict[str, str] = field(default_factory=dict)
    messages: list[EmailMessage] = field(default_factory=list)  # every accepted mail, in order
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)  # (from, recipients)
    refuse_next: int = 0  # the next sends are answered 550
    _lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = field(default_factory=free_port)  # kept across a stop and a start (an outage)
    _controller: Controller | None = None

    def start(self) -> "SmtpStandIn":
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            # Logins in plain text, as the tests' stores send them (`security="plain"`, which
            # Balas allows on loopback only). A login is required as at a provider, but by
            # `handle_MAIL`: aiosmtpd's own `auth_required` warns at every connection that
            # AUTH is not required over TLS. Offering STARTTLS, as providers do, would need a
            # change to Balas first: it checks a provider's certificate against the system's
            # authorities only, so it refuses one made at test time.
            auth_require_tls=False,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def _authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.logins.get(user) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    async def handle_MAIL(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not session.authenticated:  # what aiosmtpd's auth_required answers
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self.refuse_next:
                self.refuse_next -= 1
                return "550 5.7.1 message refused"
            content = envelope.content
            raw = content if isinstance(content, bytes) else str(content).encode()
            parsed = message_from_bytes(raw, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
            self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 2.0.0 OK"

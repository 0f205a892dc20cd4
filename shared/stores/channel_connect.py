"""Connecting a store to a channel (the WhatsApp Cloud API, Messenger, Instagram, e-mail), the
one path `balas store connect-*` and the console's set-up page both take: the credentials
checked against Meta's Graph API or the IMAP and SMTP logins, then kept encrypted, then Meta's
webhooks subscribed where its API allows it. A refused subscription is reported, not undone:
the credentials are right, and the store can subscribe in Meta's dashboard instead."""

from collections.abc import Awaitable
from typing import Literal, TypeVar

from pydantic import BaseModel, Field, SecretStr
from pymongo.errors import DuplicateKeyError

from shared.channels import Channel
from shared.events import utcnow
from shared.mongo import Database
from shared.routes import INSTAGRAM_PATH, MESSENGER_PATH, WHATSAPP_CLOUD_PATH
from shared.secrets import EncryptedSecret, SecretBox
from shared.settings import Settings
from shared.stores import mailbox, meta_messaging, whatsapp_cloud
from shared.stores.directory import (
    EmailMailbox,
    MailServer,
    MessagingAccount,
    WhatsAppCloudAccount,
)
from shared.stores.mailbox import MailboxError
from shared.stores.whatsapp_cloud import CloudApiError, subscribe_app

DIGITS = r"^[0-9]+$"
# The webhook fields subscribed at connect time, all that ingest reads: messages, postbacks,
# echoes (an admin answering from Meta's app) and receipts. An Instagram account's messages
# carry their own echoes and its read receipts are `messaging_seen`.
PAGE_FIELDS = {
    Channel.MESSENGER: "messages,messaging_postbacks,message_echoes,message_deliveries,"
    "message_reads",
    Channel.INSTAGRAM: "messages,messaging_postbacks,messaging_seen",
}
WEBHOOK_PATHS = {
    Channel.WHATSAPP_CLOUD: WHATSAPP_CLOUD_PATH,
    Channel.MESSENGER: MESSENGER_PATH,
    Channel.INSTAGRAM: INSTAGRAM_PATH,
}

Step = Literal["graph_api", "mailbox", "account"]
T = TypeVar("T")


class NotConnected(Exception):
    """Nothing was saved: `step` failed, `reason` says why in one line fit for the admin."""

    def __init__(self, step: Step, reason: str) -> None:
        super().__init__(reason)
        self.step = step
        self.reason = reason


class MetaCredentials(BaseModel):
    token: SecretStr = Field(min_length=1)
    app_secret: SecretStr = Field(min_length=1)
    verify_token: SecretStr = Field(min_length=1)


class CloudApiCredentials(MetaCredentials):
    phone_number_id: str = Field(pattern=DIGITS)
    business_account_id: str | None = Field(None, pattern=DIGITS)  # to subscribe its webhooks


class PageCredentials(MetaCredentials):
    account_id: str = Field(pattern=DIGITS)  # the Facebook page's or Instagram account's


Security = Literal["tls", "starttls", "plain"]


class MailboxCredentials(BaseModel):
    address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    user: str | None = None  # the login of both servers; the address when None
    imap_host: str = Field(min_length=1)
    imap_port: int = Field(993, ge=1, le=65535)
    imap_security: Security = "tls"
    imap_password: SecretStr = Field(min_length=1)
    smtp_host: str = Field(min_length=1)
    smtp_port: int = Field(465, ge=1, le=65535)
    smtp_security: Security = "tls"
    smtp_password: SecretStr = Field(min_length=1)


class Connected(BaseModel):
    channel: Channel
    account: str  # the number the Cloud API sends from, the page's or account's name, the address
    webhook_path: str | None  # where Meta posts this channel's webhooks (None: e-mail)
    subscribed: bool | None = None  # Meta's webhooks subscribed; None: not asked
    subscription_refused: str = ""  # Meta's reason, when it refused the subscription


async def connect_whatsapp_cloud(
    settings: Settings, db: Database, box: SecretBox, store_id: str, given: CloudApiCredentials
) -> Connected:
    token = given.token.get_secret_value()
    number = await _checked(
        whatsapp_cloud.check_phone_number(settings, given.phone_number_id, token)
    )
    account = WhatsAppCloudAccount(
        phone_number_id=given.phone_number_id,
        display_number=number,
        connected_at=utcnow(),
        **_encrypted(box, given),
    )
    await _kept(whatsapp_cloud.connect(db, store_id, account), store_id, "this phone number id")
    connected = Connected(
        channel=Channel.WHATSAPP_CLOUD, account=number, webhook_path=WHATSAPP_CLOUD_PATH
    )
    if given.business_account_id is None:
        return connected
    return await _subscribed(connected, settings, given.business_account_id, token, "")


async def connect_page(
    settings: Settings,
    db: Database,
    box: SecretBox,
    store_id: str,
    channel: Channel,  # Messenger or Instagram
    given: PageCredentials,
) -> Connected:
    token = given.token.get_secret_value()
    name = await _checked(meta_messaging.check_account(settings, channel, given.account_id, token))
    account = MessagingAccount(
        account_id=given.account_id, name=name, connected_at=utcnow(), **_encrypted(box, given)
    )
    await _kept(
        meta_messaging.connect(db, store_id, channel, account), store_id, f"this {channel} account"
    )
    connected = Connected(channel=channel, account=name, webhook_path=WEBHOOK_PATHS[channel])
    fields = PAGE_FIELDS[channel]
    return await _subscribed(connected, settings, given.account_id, token, fields)


async def connect_mailbox(
    db: Database, box: SecretBox, store_id: str, given: MailboxCredentials
) -> Connected:
    login = given.user or given.address
    imap_password = given.imap_password.get_secret_value()
    smtp_password = given.smtp_password.get_secret_value()
    account = EmailMailbox(
        address=given.address.strip().lower(),
        imap=MailServer(
            host=given.imap_host,
            port=given.imap_port,
            security=given.imap_security,
            user=login,
            password=box.encrypt(imap_password),
        ),
        smtp=MailServer(
            host=given.smtp_host,
            port=given.smtp_port,
            security=given.smtp_security,
            user=login,
            password=box.encrypt(smtp_password),
        ),
        since=utcnow(),
    )
    try:
        await mailbox.check_logins(account, imap_password, smtp_password)
    except MailboxError as error:
        raise NotConnected("mailbox", str(error)) from None
    await _kept(mailbox.connect(db, store_id, account), store_id, "this address")
    return Connected(channel=Channel.EMAIL, account=account.address, webhook_path=None)


def _encrypted(box: SecretBox, given: MetaCredentials) -> dict[str, EncryptedSecret]:
    return {
        "access_token": box.encrypt(given.token.get_secret_value()),
        "app_secret": box.encrypt(given.app_secret.get_secret_value()),
        "verify_token": box.encrypt(given.verify_token.get_secret_value()),
    }


async def _checked(check: Awaitable[T]) -> T:
    try:
        return await check
    except CloudApiError as error:
        raise NotConnected("graph_api", str(error)) from None


async def _kept(saving: Awaitable[bool], store_id: str, what: str) -> None:
    try:
        saved = await saving
    except DuplicateKeyError:
        raise NotConnected("account", f"another store already uses {what}") from None
    if not saved:
        raise NotConnected("account", f"no store {store_id}: create it with `balas store add`")


async def _subscribed(
    connected: Connected, settings: Settings, object_id: str, token: str, fields: str
) -> Connected:
    try:
        await subscribe_app(settings, object_id, token, fields)
    except CloudApiError as refused:
        return connected.model_copy(
            update={"subscribed": False, "subscription_refused": str(refused)}
        )
    return connected.model_copy(update={"subscribed": True})

"""Stores: who owns which WhatsApp number, and how its bot speaks."""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from pymongo.errors import PyMongoError

from shared.channels import Channel
from shared.mongo import Database
from shared.secrets import EncryptedSecret
from shared.stores.collections import (
    CLOUD_PHONE_NUMBER_ID,
    EMAIL_ADDRESS,
    INSTAGRAM_ACCOUNT_ID,
    MESSENGER_PAGE_ID,
    STORES,
)

# Where a store keeps its account on each of Meta's page-messaging channels.
MESSAGING_ACCOUNT_IDS = {
    Channel.MESSENGER: MESSENGER_PAGE_ID,
    Channel.INSTAGRAM: INSTAGRAM_ACCOUNT_ID,
}

# The store's bot defaults until its owner saves bot settings (shared/stores/bot_settings.py).
DEFAULT_SYSTEM_PROMPT = (
    "You are the friendly customer-service assistant of {store_name}, an online shop. "
    "Answer briefly and politely in the customer's language (Indonesian or English). "
    "Never invent prices, stock, orders or policies; if you do not know, say so and offer a human."
)
DEFAULT_FALLBACK_REPLY = (
    "Terima kasih atas pesan Anda! Tim kami akan segera membalas. / "
    "Thank you for your message! Our team will reply shortly."
)


class WooCommerceConnection(BaseModel):
    """How Balas reaches a store's WooCommerce: its REST API credentials and the secret that
    signs its webhooks, all encrypted (shared/secrets.py); repr and dumps show ciphertext only."""

    url: str
    consumer_key: EncryptedSecret
    consumer_secret: EncryptedSecret
    webhook_secret: EncryptedSecret


class TwilioAccount(BaseModel):
    """A store's own Twilio account; its auth token is encrypted like every store secret.
    A store without one uses the global TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."""

    account_sid: str
    auth_token: EncryptedSecret


class WhatsAppCloudAccount(BaseModel):
    """A store's number on Meta's WhatsApp Cloud API: its phone number id (which names the store
    in every webhook), the number it shows, and its secrets, encrypted like every store secret:
    the access token sends, the app secret signs webhooks, the verify token answers Meta's
    subscription handshake."""

    phone_number_id: str
    display_number: str  # E.164
    access_token: EncryptedSecret
    app_secret: EncryptedSecret
    verify_token: EncryptedSecret
    connected_at: datetime | None = None  # None: connected before this was kept


class MessagingAccount(BaseModel):
    """A store's Facebook page (Messenger) or Instagram professional account: its id, which
    names the store in every webhook and sends its replies, the name Meta shows, and its
    secrets, encrypted like every store secret: the page access token sends, the app secret
    signs webhooks, the verify token answers Meta's subscription handshake."""

    account_id: str
    name: str
    access_token: EncryptedSecret
    app_secret: EncryptedSecret
    verify_token: EncryptedSecret
    connected_at: datetime | None = None  # None: connected before this was kept


class MailServer(BaseModel):
    """One of a mailbox's servers. `security`: `tls` (implicit TLS), `starttls`, or `plain`,
    which only a loopback host may use (tests and local relays)."""

    host: str
    port: int
    security: Literal["tls", "starttls", "plain"]
    user: str
    password: EncryptedSecret


class EmailMailbox(BaseModel):
    """A store's mailbox: customers' mail is read from its IMAP inbox and answered through its
    SMTP server from `address`. Only mail that arrived from `since` on is read (not the mailbox's
    whole history)."""

    address: str  # lower-case
    imap: MailServer
    smtp: MailServer
    since: datetime


class PluginToken(BaseModel):
    """The store's WordPress plugin token, as a SHA-256 hex digest: the token itself is shown
    once when made (shared/stores/plugin_tokens.py) and never stored."""

    sha256: str
    created_at: datetime


class WordPressConnection(BaseModel):
    """What the store's WordPress plugin told Balas on its last connect call."""

    site_url: str
    plugin_version: str
    connected_at: datetime


class Store(BaseModel):
    id: str = Field(alias="_id")
    name: str
    whatsapp_number: str
    number_bought: bool = False  # Balas bought it at onboarding: deleting the store may release it
    timezone: str = "Asia/Jakarta"
    currency: str = "IDR"  # ISO 4217
    default_country: str = "ID"  # ISO 3166-1 alpha-2: customers' numbers written without +
    # The bot's defaults until bot settings are saved (bot_settings.default_settings).
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    fallback_reply: str = DEFAULT_FALLBACK_REPLY
    woocommerce: WooCommerceConnection | None = None
    twilio: TwilioAccount | None = None  # None: the global Twilio account
    whatsapp_cloud: WhatsAppCloudAccount | None = None  # None: not on the Cloud API
    messenger: MessagingAccount | None = None  # None: not on Messenger
    instagram: MessagingAccount | None = None  # None: not on Instagram
    email: EmailMailbox | None = None  # None: no mailbox connected
    plugin_token: PluginToken | None = None  # None: the WordPress plugin cannot connect
    wordpress: WordPressConnection | None = None

    model_config = {"populate_by_name": True}

    def messaging_account(self, channel: Channel) -> MessagingAccount | None:
        """The store's account on Messenger or Instagram; None on another channel."""
        if channel is Channel.MESSENGER:
            return self.messenger
        return self.instagram if channel is Channel.INSTAGRAM else None


class StoreDirectory:
    """Cached look-ups of stores by id and by WhatsApp number; misses always ask MongoDB.

    With `on_outage` (ingest, which must accept webhooks while MongoDB is down), a store seen
    before is answered from its last-known copy when MongoDB fails or does not answer in time,
    and `on_outage` is called to count it; a store never seen still raises. Whenever MongoDB
    answers, its answer wins.
    """

    def __init__(
        self,
        db: Database,
        ttl_seconds: float = 30.0,
        on_outage: Callable[[], None] | None = None,
    ) -> None:
        self._collection = db[STORES]
        self._ttl = ttl_seconds
        self._on_outage = on_outage
        self._cache: dict[str, tuple[float, Store]] = {}  # expired entries are the last-known

    async def by_number(self, whatsapp_number: str) -> Store | None:
        return await self._lookup(f"number:{whatsapp_number}", {"whatsapp_number": whatsapp_number})

    async def by_id(self, store_id: str) -> Store | None:
        return await self._lookup(f"id:{store_id}", {"_id": store_id})

    async def by_phone_number_id(self, phone_number_id: str) -> Store | None:
        """The store whose Cloud API number has this phone number id."""
        query = {CLOUD_PHONE_NUMBER_ID: phone_number_id}
        return await self._lookup(f"cloud:{phone_number_id}", query)

    async def on_cloud_api(self) -> list[Store]:
        """Every store connected to the Cloud API (Meta's handshake names no store)."""
        found = self._collection.find({CLOUD_PHONE_NUMBER_ID: {"$exists": True}})
        return [Store.model_validate(document) async for document in found]

    async def by_messaging_account(self, channel: Channel, account_id: str) -> Store | None:
        """The store whose page (Messenger) or Instagram account has this id."""
        query = {MESSAGING_ACCOUNT_IDS[channel]: account_id}
        return await self._lookup(f"{channel.value}:{account_id}", query)

    async def on_messaging(self, channel: Channel) -> list[Store]:
        """Every store connected to Messenger or Instagram (the handshake names no store)."""
        found = self._collection.find({MESSAGING_ACCOUNT_IDS[channel]: {"$exists": True}})
        return [Store.model_validate(document) async for document in found]

    async def with_mailbox(self) -> list[Store]:
        """Every store with a connected mailbox (ingest reads each)."""
        found = self._collection.find({EMAIL_ADDRESS: {"$exists": True}})
        return [Store.model_validate(document) async for document in found]

    async def _lookup(self, cache_key: str, query: dict[str, str]) -> Store | None:
        cached = self._cache.get(cache_key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            document = await self._collection.find_one(query)
        except PyMongoError:
            if cached is None or self._on_outage is None:
                raise
            self._on_outage()
            # Trusted for another TTL, so the look-ups that follow do not each wait out
            # MongoDB's timeout.
            self._remember(cache_key, cached[1])
            return cached[1]
        if document is None:
            self._cache.pop(cache_key, None)  # gone: never a last-known copy again
            return None
        store = Store.model_validate(document)
        self._remember(cache_key, store)
        return store

    def forget(self, store_id: str) -> None:
        """A deleted store: not even a last-known copy (with its encrypted secrets) stays."""
        self._cache = {
            key: (until, store)
            for key, (until, store) in self._cache.items()
            if store.id != store_id
        }

    def _remember(self, cache_key: str, store: Store) -> None:
        self._cache[cache_key] = (time.monotonic() + self._ttl, store)


async def save_store(db: Database, store: Store) -> None:
    document = store.model_dump(by_alias=True)
    await db[STORES].replace_one({"_id": store.id}, document, upsert=True)


async def connect_woocommerce(
    db: Database, store_id: str, connection: WooCommerceConnection
) -> bool:
    """Set the store's WooCommerce section (ciphertext only); False if there is no such store."""
    result = await db[STORES].update_one(
        {"_id": store_id}, {"$set": {"woocommerce": connection.model_dump()}}
    )
    return result.matched_count == 1


async def ensure_demo_store(db: Database, store_id: str, whatsapp_number: str) -> bool:
    """Create the demo store on a fresh database, so `balas simulate` works at once."""
    if await db[STORES].count_documents({}, limit=1):
        return False
    await save_store(db, Store(id=store_id, name="Toko Demo", whatsapp_number=whatsapp_number))
    return True

"""Stores as a test needs them, saved in the database the system under test reads."""

import uuid
from datetime import timedelta
from typing import Any

from pymongo import MongoClient

from shared import mongo
from shared.channels import Channel
from shared.events import utcnow
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import (
    EmailMailbox,
    MailServer,
    MessagingAccount,
    Store,
    WhatsAppCloudAccount,
    WooCommerceConnection,
    save_store,
)


async def save_new_store(db: mongo.Database) -> Store:
    """A store with a fresh id and number, connected to nothing yet."""
    created = Store(
        id=f"s-{uuid.uuid4().hex[:6]}",
        name="Toko Batik Sari",
        whatsapp_number=f"+1555{uuid.uuid4().int % 10**7:07d}",
    )
    await save_store(db, created)
    return created


def stored_document(settings: Settings, store_id: str) -> dict[str, Any]:
    """The store's document as saved, read synchronously (for after a CLI command, which runs
    its own event loop)."""
    assert settings.mongodb.uri
    with MongoClient(settings.mongodb.uri) as client:
        document = client[settings.mongodb.database][STORES].find_one({"_id": store_id})
    assert document is not None
    return document


async def save_woocommerce_store(
    db: mongo.Database,
    settings: Settings,
    webhook_secret: str,
    url: str = "https://toko.example",
) -> Store:
    """A new store, with its own id and number, connected to the WooCommerce shop at `url`
    (key `ck_test`, secret `cs_test`) whose webhooks are signed with `webhook_secret`; its
    secrets encrypted as onboarding encrypts them."""
    box = secret_box(settings)
    store = Store(
        id=f"woo-{uuid.uuid4().hex[:8]}",
        name="Toko Batik Sari",
        whatsapp_number=f"+1555{uuid.uuid4().int % 10**7:07d}",
        woocommerce=WooCommerceConnection(
            url=url,
            consumer_key=box.encrypt("ck_test"),
            consumer_secret=box.encrypt("cs_test"),
            webhook_secret=box.encrypt(webhook_secret),
        ),
    )
    await save_store(db, store)
    return store


async def save_cloud_store(
    db: mongo.Database,
    settings: Settings,
    phone_number_id: str,
    access_token: str,
    app_secret: str,
    verify_token: str = "balas-verify",
) -> Store:
    """A new store, with its own id and Twilio number, connected to the WhatsApp Cloud API
    with this phone number id and secrets, encrypted as onboarding encrypts them."""
    box = secret_box(settings)
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    store = Store(
        id=f"cloud-{uuid.uuid4().hex[:8]}",
        name="Toko Batik Sari",
        whatsapp_number=number,
        whatsapp_cloud=WhatsAppCloudAccount(
            phone_number_id=phone_number_id,
            display_number=number,
            access_token=box.encrypt(access_token),
            app_secret=box.encrypt(app_secret),
            verify_token=box.encrypt(verify_token),
        ),
    )
    await save_store(db, store)
    return store


async def save_messaging_store(
    db: mongo.Database,
    settings: Settings,
    channel: Channel,
    account_id: str,
    access_token: str,
    app_secret: str,
    verify_token: str = "balas-verify",
) -> Store:
    """A new store, with its own id and Twilio number, connected to Messenger (a page) or
    Instagram (an account) with this id and secrets, encrypted as onboarding encrypts them."""
    box = secret_box(settings)
    account = MessagingAccount(
        account_id=account_id,
        name="Toko Batik Sari",
        access_token=box.encrypt(access_token),
        app_secret=box.encrypt(app_secret),
        verify_token=box.encrypt(verify_token),
    )
    store = Store.model_validate(
        {
            "_id": f"{channel.value[:4]}-{uuid.uuid4().hex[:8]}",
            "name": "Toko Batik Sari",
            "whatsapp_number": f"+1555{uuid.uuid4().int % 10**7:07d}",
            channel.value: account,
        }
    )
    await save_store(db, store)
    return store


async def save_email_store(
    db: mongo.Database, settings: Settings, imap_port: int, smtp_port: int, password: str
) -> Store:
    """A new store with its own id, number and mailbox address, whose mailbox is read from the
    IMAP server and sends through the SMTP server on these loopback ports, both logged into as
    the address with `password` (encrypted as `balas store connect-email` encrypts it)."""
    box = secret_box(settings)
    store_id = f"mail-{uuid.uuid4().hex[:8]}"
    address = f"cs@{store_id}.example"

    def server(port: int) -> MailServer:
        secret = box.encrypt(password)
        return MailServer(
            host="127.0.0.1", port=port, security="plain", user=address, password=secret
        )

    store = Store(
        id=store_id,
        name="Toko Batik Sari",
        whatsapp_number=f"+1555{uuid.uuid4().int % 10**7:07d}",
        email=EmailMailbox(
            address=address,
            imap=server(imap_port),
            smtp=server(smtp_port),
            since=utcnow() - timedelta(days=1),
        ),
    )
    await save_store(db, store)
    return store

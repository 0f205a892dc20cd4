"""Connecting a store to Messenger (its Facebook page) or Instagram (its professional account):
the page access token checked by reading the page or account from the Graph API, then the
credentials kept encrypted in the store. As on the Cloud API, the app secret and the verify
token are proven by Meta itself, on the subscription handshake and on every signed webhook."""

from pydantic import BaseModel, ValidationError

from shared.channels import Channel
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import MessagingAccount
from shared.stores.whatsapp_cloud import CloudApiError, read_graph_object


class _Account(BaseModel):
    id: str
    name: str | None = None  # a page's
    username: str | None = None  # an Instagram account's


async def check_account(settings: Settings, channel: Channel, account_id: str, token: str) -> str:
    """The name Meta shows for the page or Instagram account `account_id`, read with `token`."""
    fields = "id,name" if channel is Channel.MESSENGER else "id,username"
    found = await read_graph_object(settings, account_id, token, fields)
    try:
        account = _Account.model_validate_json(found)
    except ValidationError:
        raise CloudApiError(f"the Graph API's answer names no {channel} account") from None
    name = account.name or account.username
    if account.id != account_id or not name:
        raise CloudApiError(f"the token does not reach {channel} account {account_id}")
    return name


async def connect(db: Database, store_id: str, channel: Channel, account: MessagingAccount) -> bool:
    """Set the store's account on `channel` (ciphertext only); False if there is no such store.
    Raises DuplicateKeyError when another store has this page or account."""
    result = await db[STORES].update_one(
        {"_id": store_id}, {"$set": {channel.value: account.model_dump()}}
    )
    return result.matched_count == 1

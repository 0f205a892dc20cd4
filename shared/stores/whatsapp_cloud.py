"""Connecting a store to Meta's WhatsApp Cloud API: its credentials checked against the Graph
API (the phone number id read with the access token), then kept encrypted in the store.

The app secret and the verify token cannot be checked from here: Meta proves them when it
subscribes ingest's webhook URL (the handshake echoes only for a store's verify token) and on
every signed webhook (docs/channels.md).
"""

import httpx
from pydantic import BaseModel, ValidationError

from shared.mongo import Database
from shared.phones import normalise
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import WhatsAppCloudAccount


class CloudApiError(Exception):
    """The Graph API refused the credentials or could not be reached; the message says why, in
    one line fit for the admin."""


class _PhoneNumber(BaseModel):
    id: str
    display_phone_number: str
    verified_name: str = ""


async def check_phone_number(settings: Settings, phone_number_id: str, token: str) -> str:
    """The number (E.164) that `phone_number_id` sends from, read with `token`."""
    found = await read_graph_object(
        settings, phone_number_id, token, "display_phone_number,verified_name"
    )
    try:
        number = _PhoneNumber.model_validate_json(found)
    except ValidationError:
        raise CloudApiError("the Graph API's answer names no phone number") from None
    digits = "".join(c for c in number.display_phone_number if c.isdigit())
    e164 = normalise("+" + digits)
    if e164 is None:
        raise CloudApiError(f"the Graph API shows {number.display_phone_number!r}, not a number")
    return e164


async def read_graph_object(settings: Settings, object_id: str, token: str, fields: str) -> bytes:
    """The Graph API's JSON of `object_id` (a phone number, page or Instagram account), read
    with `token`; CloudApiError, saying why in one line, when Meta refuses or is not reached."""
    return await _call_graph(settings, "GET", object_id, token, {"fields": fields})


async def subscribe_app(settings: Settings, object_id: str, token: str, fields: str = "") -> None:
    """Subscribe the Meta app to the webhooks of `object_id` (a page, an Instagram account or a
    WhatsApp Business Account), for `fields` where the object takes them; CloudApiError when
    Meta refuses."""
    params = {"subscribed_fields": fields} if fields else {}
    await _call_graph(settings, "POST", f"{object_id}/subscribed_apps", token, params)


async def _call_graph(
    settings: Settings, method: str, path: str, token: str, params: dict[str, str]
) -> bytes:
    cloud = settings.whatsapp_cloud
    url = f"{cloud.graph_api_base_url.rstrip('/')}/{cloud.graph_api_version}/{path}"
    try:
        async with httpx.AsyncClient(timeout=cloud.timeout_seconds) as http:
            answer = await http.request(
                method, url, params=params, headers={"Authorization": f"Bearer {token}"}
            )
    except httpx.HTTPError as error:
        raise CloudApiError(f"the Graph API could not be reached: {type(error).__name__}") from None
    if answer.status_code == 401:
        raise CloudApiError("Meta refused the access token (401): is it valid and unexpired?")
    if answer.status_code != 200:
        raise CloudApiError(f"the Graph API answered {answer.status_code}: {_message_of(answer)}")
    return answer.content


def _message_of(answer: httpx.Response) -> str:
    try:
        return str(answer.json()["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return answer.text[:200]


async def connect(db: Database, store_id: str, account: WhatsAppCloudAccount) -> bool:
    """Set the store's Cloud API account (ciphertext only); False if there is no such store.
    Raises DuplicateKeyError when another store has this phone number id."""
    result = await db[STORES].update_one(
        {"_id": store_id}, {"$set": {"whatsapp_cloud": account.model_dump()}}
    )
    return result.matched_count == 1

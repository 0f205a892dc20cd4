"""Sending through Meta's Graph API with the store's bearer token: WhatsApp messages (the
WhatsApp Cloud API, `POST /{version}/{phone_number_id}/messages`), and Messenger and Instagram
messages (the Send API, `POST /{version}/{page_or_instagram_id}/messages`).

The Graph API has no idempotency key and no listing of sent messages, so an attempt whose fate
is unknown (a timeout, a 5xx, a dropped connection) cannot be looked up afterwards the way a
Twilio send is (send_recovery.py): the caller must not send it again (sending.py). Only errors
that prove nothing went out (no connection made, a 429) are `NothingSent`, safe to retry.
"""

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from services.responder.metrics import GRAPH_ERRORS
from shared.answering.draft import fit_for_whatsapp
from shared.channels import ECHO_MARK, TEXT_LIMITS, Channel
from shared.conversations.service_window import FreeText
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import StoreDirectory

RATE_LIMITED = 429
CAPTION_MAX_CHARS = 1024  # what the Cloud API takes under an image, and as a button's body
MAX_BUTTONS = 3  # reply buttons of one interactive message
BUTTON_TITLE_MAX_CHARS = 20
# Meta's throttling codes, which it may answer with a 400: the app's, the account's, the number's
# throughput, and too many messages to one customer at once. Nothing was sent; later it will be.
THROTTLED = {4, 80007, 130429, 131056}


class GraphRefused(Exception):
    """The Graph API answered a definite no (a 4xx other than 429); sending again will not help."""


class NothingSent(Exception):
    """The Graph API certainly did not send (no connection, or throttled): retry later. The
    consumer waits it out as an outage (shared/outages.py) rather than dead-lettering it."""

    outage = "graph_api"


class _SentMessage(BaseModel):
    id: str


class _SendAnswer(BaseModel):
    messages: list[_SentMessage]


class GraphSender:
    """Sends from one store's Cloud API number."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient, token: str) -> None:
        cloud = settings.whatsapp_cloud
        self._base = f"{cloud.graph_api_base_url.rstrip('/')}/{cloud.graph_api_version}"
        self._http = http
        self._headers = {"Authorization": f"Bearer {token}"}

    async def send(
        self,
        *,
        to: str,
        sender: str,
        body: str,
        status_callback: str,
        media_urls: Sequence[str] = (),
        quick_replies: Sequence[str] = (),
        reference: str | None = None,
    ) -> str:
        """`sender` is the phone number id; statuses come by webhook, so `status_callback` is
        unused. Returns the message's `wamid`. `reference`: our id of the message, which Meta
        echoes in its status webhooks (`biz_opaque_callback_data`).

        With `media_urls`, the message is the first image with `body` as its caption: the Cloud
        API takes one image per message, and a second message could not be sent exactly once
        (its outcome cannot be looked up), so the other products are in the caption's text."""
        if media_urls:
            image = {"link": media_urls[0], "caption": fit_for_whatsapp(body, CAPTION_MAX_CHARS)}
            message: dict[str, object] = {"type": "image", "image": image}
        elif quick_replies:  # a tap comes back as a message whose text is the button's title
            message = _with_buttons(body, quick_replies)
        else:
            message = {"type": "text", "text": {"body": body}}
        return await self._post(sender, to, message, reference)

    async def send_template(
        self,
        *,
        to: str,
        sender: str,
        content_sid: str,
        variables: dict[str, str],
        status_callback: str,
        reference: str | None = None,
    ) -> str:
        """An approved template (outside the 24-hour window), named `name:language`; its
        body's parameters are `variables` in the order of their keys ("1", "2", ...)."""
        name, _, language = content_sid.partition(":")
        ordered = sorted(variables.items(), key=lambda item: (len(item[0]), item[0]))
        template: dict[str, object] = {"name": name, "language": {"code": language or "id"}}
        if ordered:
            parameters = [{"type": "text", "text": value} for _, value in ordered]
            template["components"] = [{"type": "body", "parameters": parameters}]
        return await self._post(sender, to, {"type": "template", "template": template}, reference)

    async def _post(
        self, phone_number_id: str, to: str, message: dict[str, object], reference: str | None
    ) -> str:
        payload: dict[str, object] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.removeprefix("+"),
            **message,
            **({"biz_opaque_callback_data": reference} if reference else {}),
        }
        answer = await post_to_graph(
            self._http, f"{self._base}/{phone_number_id}/messages", payload, self._headers
        )
        try:
            return _SendAnswer.model_validate_json(answer.content).messages[0].id
        except (ValidationError, IndexError) as error:
            raise httpx.DecodingError("Graph API answered without a message id") from error


async def post_to_graph(
    http: httpx.AsyncClient, url: str, payload: dict[str, object], headers: dict[str, str]
) -> httpx.Response:
    """Meta's successful answer to a send; GraphRefused for a definite no, NothingSent when
    certainly nothing went out, any other error when the send's fate is unknown."""
    try:
        answer = await http.post(url, json=payload, headers=headers)
    except httpx.ConnectError as error:  # no connection: the request never left
        GRAPH_ERRORS.labels("transport").inc()
        raise NothingSent(f"Graph API not reachable: {type(error).__name__}") from error
    except httpx.HTTPError:
        GRAPH_ERRORS.labels("transport").inc()
        raise
    code, reason = _error_of(answer)
    if answer.status_code == RATE_LIMITED or code in THROTTLED:
        GRAPH_ERRORS.labels("throttled").inc()
        raise NothingSent(f"Graph API throttled the send ({code or answer.status_code})")
    if 400 <= answer.status_code < 500:
        GRAPH_ERRORS.labels("refused").inc()
        raise GraphRefused(f"Graph API error {code or answer.status_code}: {reason}")
    answer.raise_for_status()  # a 5xx: its fate is unknown
    return answer


def _error_of(answer: httpx.Response) -> tuple[int | None, str]:
    """Meta's error code and message, when the answer is an error that has them."""
    if answer.is_success:
        return None, ""
    try:
        error = answer.json()["error"]
        return int(error["code"]), str(error["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return None, answer.text[:300]


class _SendApiAnswer(BaseModel):
    message_id: str


class PageSender:
    """Sends from one store's Facebook page (Messenger) or Instagram account, to a customer's
    page-scoped id, as Meta's window allows (shared/conversations/service_window.py)."""

    def __init__(
        self, settings: Settings, http: httpx.AsyncClient, token: str, channel: Channel
    ) -> None:
        cloud = settings.whatsapp_cloud
        self._base = f"{cloud.graph_api_base_url.rstrip('/')}/{cloud.graph_api_version}"
        self._http = http
        self._headers = {"Authorization": f"Bearer {token}"}
        self._channel = channel

    async def send(
        self,
        *,
        to: str,
        sender: str,
        body: str,
        status_callback: str,
        media_urls: Sequence[str] = (),
        free_text: FreeText = FreeText.RESPONSE,
    ) -> str:
        """`sender` is the page or Instagram account id, `to` the customer's scoped id; receipts
        come by webhook, so `status_callback` is unused. Text only: product photos would be a
        second message, which could not be sent exactly once (its links are in the text).
        Returns Meta's message id."""
        message: dict[str, object] = {"text": fit_for_whatsapp(body, TEXT_LIMITS[self._channel])}
        if self._channel is Channel.MESSENGER:
            message["metadata"] = ECHO_MARK  # Instagram's echoes are known by message id
        payload: dict[str, object] = {
            "recipient": {"id": to},
            "messaging_type": free_text.value,
            "message": message,
        }
        if free_text is FreeText.HUMAN_AGENT:
            payload["tag"] = "HUMAN_AGENT"
        url = f"{self._base}/{sender}/messages"
        answer = await post_to_graph(self._http, url, payload, self._headers)
        try:
            return _SendApiAnswer.model_validate_json(answer.content).message_id
        except ValidationError as error:
            raise httpx.DecodingError("Graph API answered without a message id") from error

    async def send_template(
        self,
        *,
        to: str,
        sender: str,
        content_sid: str,
        variables: dict[str, str],
        status_callback: str,
    ) -> str:
        """Messenger and Instagram have no approved templates (the console refuses them)."""
        raise GraphRefused(f"{self._channel} has no message templates")


class GraphSenders:
    """The Graph API sender of each store connected to the Cloud API, Messenger or Instagram,
    on one HTTP client."""

    def __init__(self, settings: Settings, stores: StoreDirectory, secrets: SecretBox) -> None:
        self._settings = settings
        self._stores = stores
        self._secrets = secrets
        self._http = httpx.AsyncClient(timeout=settings.whatsapp_cloud.timeout_seconds)

    async def for_store(self, store_id: str) -> GraphSender | None:
        """None when the store is not connected to the Cloud API."""
        store = await self._stores.by_id(store_id)
        if store is None or store.whatsapp_cloud is None:
            return None
        token = self._secrets.decrypt(store.whatsapp_cloud.access_token)
        return GraphSender(self._settings, self._http, token)

    async def for_messaging(self, store_id: str, channel: Channel) -> PageSender | None:
        """None when the store is not connected to `channel` (Messenger or Instagram)."""
        store = await self._stores.by_id(store_id)
        account = store.messaging_account(channel) if store else None
        if account is None:
            return None
        token = self._secrets.decrypt(account.access_token)
        return PageSender(self._settings, self._http, token, channel)

    async def close(self) -> None:
        await self._http.aclose()


def _with_buttons(body: str, titles: Sequence[str]) -> dict[str, Any]:
    """An interactive message with reply buttons: at most 3, titles of at most 20 characters,
    a body of at most 1,024."""
    buttons = [
        {"type": "reply", "reply": {"id": f"reply-{n}", "title": title[:BUTTON_TITLE_MAX_CHARS]}}
        for n, title in enumerate(titles[:MAX_BUTTONS])
    ]
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": fit_for_whatsapp(body, CAPTION_MAX_CHARS)},
            "action": {"buttons": buttons},
        },
    }

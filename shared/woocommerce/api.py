"""A store's WooCommerce REST API (`wc/v3`), asynchronously, with retries and human errors.

Built on the `woocommerce` package (requests underneath), each call in a worker thread. Over
https it authenticates with HTTP basic auth; over plain http it signs every request with OAuth 1.0a
in the query string (what the package does, and the only scheme WooCommerce accepts over http).

Rate limits (429, honouring `Retry-After`), server errors (5xx) and network failures are retried
with jittered exponential backoff up to a limit; everything else fails at once. Every failure is a
`WooCommerceUnreachable` whose message says what is wrong in words an admin can act on, and
never carries a URL with credentials: requests puts them in exception texts and urllib3 logs
them at DEBUG, so exceptions are not chained and urllib3's request lines are redacted.
"""

import asyncio
import email.utils
import hashlib
import hmac
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
import structlog
from woocommerce import API

from shared import outages
from shared.consumer import RetryPolicy
from shared.outbound import ForbiddenUrl, check_public_url

log = structlog.get_logger(__name__)

PER_PAGE = 100  # WooCommerce's maximum
MAX_RETRY_AFTER_SECONDS = 120.0  # a longer Retry-After (maintenance mode says 600) fails at once
DEFAULT_RETRY = RetryPolicy(max_attempts=6, backoff_seconds=1.0, backoff_max_seconds=30.0)
USER_AGENT = "Balas/0.1 (+WooCommerce REST API client)"
_MEDIA_TYPE = re.compile(r"[a-z]+/[a-z0-9.+-]{1,60}")

WEBHOOK_TOPICS: tuple[str, ...] = (
    "order.created",
    "order.updated",
    "order.deleted",
    "order.restored",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "product.created",
    "product.updated",
    "product.deleted",
    "product.restored",
)
"""Every topic ingest takes (services/ingest/woocommerce_forms.py)."""

_CREDENTIALS = re.compile(r"\b((?:oauth_)?consumer_(?:key|secret)|oauth_signature)=[^&\s\"']*")


class _RedactCredentials(logging.Filter):
    """Blanks credentials in urllib3's DEBUG request lines (`"GET /...?consumer_key=..."`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _CREDENTIALS.search(message):
            record.msg, record.args = _CREDENTIALS.sub(r"\1=***", message), None
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactCredentials())


class WooCommerceUnreachable(Exception):
    """WooCommerce could not be used; the message is the reason, fit to show to an admin.

    `outage` names WooCommerce when it was down (no answer, 5xx, 429) rather than refusing:
    a consumer then waits for the shop instead of dead-lettering the event (shared/outages.py).
    """

    def __init__(self, reason: str, status: int | None = None, *, down: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.outage = outages.WOOCOMMERCE if down else None


class Page(NamedTuple):
    number: int
    total_pages: int
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: Mapping[str, str]
    body: Any


class _Retryable(Exception):
    """A failure worth another attempt: `delay` is the server's Retry-After, if it gave one."""

    def __init__(self, reason: str, status: int | None = None, delay: float | None = None):
        super().__init__(reason)
        self.reason, self.status, self.delay = reason, status, delay


def webhook_name(topic: str, secret: str) -> str:
    """The name Balas gives its webhooks. WooCommerce never returns a webhook's secret, so the
    name carries a short fingerprint of it: a webhook whose name differs gets the secret again."""
    fingerprint = hmac.new(secret.encode(), b"balas webhook", hashlib.sha256).hexdigest()[:10]
    return f"Balas {topic} [{fingerprint}]"


class WooCommerceApi:
    def __init__(
        self,
        url: str,
        consumer_key: str,
        consumer_secret: str,
        timeout: float = 20.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        allow_private: bool = False,
    ) -> None:
        self.url = url.rstrip("/")
        self._retry = retry
        self._allow_private = allow_private
        self._api = API(
            url=self.url,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            version="wc/v3",
            timeout=timeout,
            user_agent=USER_AGENT,
        )
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"WooCommerceApi({self.url!r})"

    # -- the checks an admin needs when connecting a store ----------------------------------

    async def check(self) -> None:
        """Can Balas read this store's orders, customers and products? Raises with the reason."""
        for endpoint in ("orders", "customers", "products"):
            await self._call("GET", endpoint, {"per_page": 1}, attempts=2)

    # -- reading --------------------------------------------------------------------------

    async def pages(
        self,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        start_page: int = 1,
        per_page: int = PER_PAGE,
    ) -> AsyncIterator[Page]:
        """The listing's pages from `start_page` on, as long as `X-WP-TotalPages` says there are
        more (re-read on every page, since the listing may grow while it is read)."""
        number = start_page
        while True:
            query = {**(params or {}), "page": number, "per_page": per_page}
            answer = await self._call("GET", endpoint, query)
            if not isinstance(answer.body, list):
                raise WooCommerceUnreachable(f"{self.url}: {endpoint} did not answer a list")
            items = [item for item in answer.body if isinstance(item, dict)]
            total = _int_header(answer.headers, "X-WP-TotalPages")
            if total is None:  # not a WordPress answer after all: stop at a short page
                total = number + 1 if len(items) == per_page else number
            if items:
                yield Page(number, total, items)
            if not items or number >= total:
                return
            number += 1

    # -- one order (the order actions, docs/actions.md) --------------------------------------

    async def order(self, order_id: int) -> dict[str, Any]:
        """The order as WooCommerce holds it now."""
        return _object(await self._call("GET", f"orders/{int(order_id)}"), self.url)

    async def update_order(self, order_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Write `changes` to the order; the order as it is afterwards."""
        return _object(await self._call("PUT", f"orders/{int(order_id)}", data=changes), self.url)

    async def order_notes(self, order_id: int) -> list[str]:
        """The texts of the order's notes, newest first."""
        answer = await self._call("GET", f"orders/{int(order_id)}/notes")
        notes = answer.body if isinstance(answer.body, list) else []
        return [str(note.get("note", "")) for note in notes if isinstance(note, dict)]

    async def add_order_note(self, order_id: int, note: str) -> None:
        """A private note on the order (the shop's staff see it, the customer does not)."""
        data = {"note": note, "customer_note": False}
        await self._call("POST", f"orders/{int(order_id)}/notes", data=data)

    # -- webhooks -------------------------------------------------------------------------

    async def ensure_webhooks(
        self, delivery_url: str, secret: str, topics: Sequence[str] = WEBHOOK_TOPICS
    ) -> list[int]:
        """One active webhook per topic delivering to `delivery_url`, signed with `secret`; the
        ids, in the order of `topics`. Creates what is missing and updates ours whose status or
        secret (by its fingerprint in the name) differ; a second run writes nothing."""
        existing: list[dict[str, Any]] = []
        async for page in self.pages("webhooks", {"status": "all"}):
            existing.extend(page.items)
        ids = []
        for topic in topics:
            name = webhook_name(topic, secret)
            ours = [
                hook
                for hook in existing
                if hook.get("delivery_url") == delivery_url and hook.get("topic") == topic
            ]
            if not ours:
                wanted = {"name": name, "topic": topic, "delivery_url": delivery_url}
                created = await self._call("POST", "webhooks", data={**wanted, "secret": secret})
                ids.append(int(created.body["id"]))
                log.info("woocommerce webhook created", topic=topic, webhook_id=ids[-1])
                continue
            for hook in ours:
                if hook.get("status") != "active" or hook.get("name") != name:
                    change = {"name": name, "secret": secret, "status": "active"}
                    await self._call("PUT", f"webhooks/{int(hook['id'])}", data=change)
                    log.info("woocommerce webhook updated", topic=topic, webhook_id=hook["id"])
            ids.append(int(ours[0]["id"]))
        return ids

    async def remove_webhooks(self, delivery_path: str) -> int:
        """Delete every webhook delivering to `delivery_path` on any host (the path names the
        store, and PUBLIC_BASE_URL may have changed since); how many. A rerun deletes none."""
        ours: list[int] = []
        async for page in self.pages("webhooks", {"status": "all"}):
            ours += [
                int(hook["id"])
                for hook in page.items
                if urlsplit(str(hook.get("delivery_url", ""))).path == delivery_path
            ]
        for webhook_id in ours:
            # Webhooks have no trash: WooCommerce refuses a delete without force.
            await self._call("DELETE", f"webhooks/{webhook_id}", {"force": "true"})
            log.info("woocommerce webhook deleted", webhook_id=webhook_id)
        return len(ours)

    # -- one call, retried ----------------------------------------------------------------

    async def _call(
        self,
        method: str,
        endpoint: str,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        attempts: int | None = None,
    ) -> _Answer:
        limit = attempts or self._retry.max_attempts
        for attempt in range(1, limit + 1):
            try:
                return await asyncio.to_thread(self._send, method, endpoint, params, data)
            except _Retryable as failure:
                # A POST that failed on the server may have happened: only a 429 is safe again.
                if attempt == limit or (method == "POST" and failure.status != 429):
                    raise WooCommerceUnreachable(
                        failure.reason, failure.status, down=True
                    ) from None
                if failure.delay is not None and failure.delay > MAX_RETRY_AFTER_SECONDS:
                    reason = f"{failure.reason} (it asks to wait {failure.delay:g} s)"
                    raise WooCommerceUnreachable(reason, failure.status, down=True) from None
                wait = failure.delay if failure.delay is not None else self._retry.delay(attempt)
                log.warning(
                    "woocommerce call failed, retrying",
                    endpoint=endpoint,
                    status=failure.status,
                    attempt=attempt,
                    wait_seconds=round(wait, 2),
                )
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _send(
        self,
        method: str,
        endpoint: str,
        params: dict[str, Any] | None,
        data: dict[str, Any] | None,
    ) -> _Answer:
        """One request, in a worker thread; its outcome as an answer or a clean exception.

        The address is checked before every call and redirects are not followed, so neither a
        changed name nor a redirect reaches an address the check refused."""
        try:
            check_public_url(self.url, self._allow_private)
        except ForbiddenUrl as error:
            raise WooCommerceUnreachable(str(error)) from None
        try:
            if method == "GET":
                response = self._api.get(endpoint, params=dict(params or {}), allow_redirects=False)
            elif method == "POST":
                response = self._api.post(endpoint, data, allow_redirects=False)
            elif method == "DELETE":
                response = self._api.delete(
                    endpoint, params=dict(params or {}), allow_redirects=False
                )
            else:
                response = self._api.put(endpoint, data, allow_redirects=False)
        except requests.exceptions.SSLError as error:
            raise WooCommerceUnreachable(self._tls_reason(error)) from None
        except requests.exceptions.Timeout:
            raise _Retryable(
                f"WooCommerce at {self.url} did not answer within {self._timeout:g} s"
            ) from None
        except requests.exceptions.ConnectionError:
            raise _Retryable(
                f"cannot connect to {self.url}: is the address right and the site up?"
            ) from None
        except requests.exceptions.RequestException as error:
            reason = f"the request to {self.url} failed ({type(error).__name__})"
            raise WooCommerceUnreachable(reason) from None
        return self._answer(response)

    def _answer(self, response: requests.Response) -> _Answer:
        status = response.status_code
        if status == 429 or status >= 500:
            reason = f"WooCommerce at {self.url} answered {status} {response.reason}; try later"
            raise _Retryable(reason, status, _retry_after(response.headers))
        if 300 <= status < 400:
            raise WooCommerceUnreachable(
                f"{self.url} redirects elsewhere: give the shop's final address "
                "(as the browser shows it, often with https:// or www.)",
                status,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
            if 200 <= status < 300:
                kind = _media_type(response.headers.get("Content-Type", ""))
                raise WooCommerceUnreachable(
                    f"the answer from {self.url} is not JSON ({kind}): "
                    "is this the address of the shop's WordPress?",
                    status,
                ) from None
        if 200 <= status < 300:
            return _Answer(status, response.headers, body)
        raise WooCommerceUnreachable(self._refusal(status, body), status)

    def _refusal(self, status: int, body: Any) -> str:
        """The reason in Balas's own words: the remote body only chooses among them and is never
        quoted, so a URL pointed at another server cannot read that server's answers back."""
        code = body.get("code", "") if isinstance(body, dict) else ""
        said = body.get("message", "") if isinstance(body, dict) else ""
        if status in (401, 403) and "permission" in str(said).lower():
            return "the API key may not do this: give it Read/Write permission"
        if status == 401:
            reason = "the consumer key or secret is wrong"
            if code != "woocommerce_rest_authentication_error":  # no credentials arrived
                reason += (
                    "; if they are right, make the key for an administrator or shop manager, "
                    "or the web server may be dropping the Authorization header"
                )
            return reason
        if status == 403:
            return "the API key may not do this: give it Read/Write permission"
        if status == 404 and code == "rest_no_route":
            return (
                f"WordPress at {self.url} has no WooCommerce REST API (wc/v3): "
                "is WooCommerce installed and active?"
            )
        if status == 404:
            return (
                f"no WooCommerce REST API at {self.url} — "
                "is the URL right and are permalinks enabled?"
            )
        return f"WooCommerce refused the request with HTTP {status}"

    def _tls_reason(self, error: requests.exceptions.SSLError) -> str:
        if "CERTIFICATE_VERIFY_FAILED" in str(error):
            return (
                f"the TLS certificate of {self.url} is not trusted "
                "(self-signed, expired or for another name)"
            )
        return f"the TLS handshake with {self.url} failed: does the site really speak https?"


def _object(answer: _Answer, url: str) -> dict[str, Any]:
    if not isinstance(answer.body, dict):
        raise WooCommerceUnreachable(f"{url}: the order did not answer an object", answer.status)
    return answer.body


def _media_type(content_type: str) -> str:
    """The media type alone (`text/html`), or a placeholder for anything else a server sends."""
    kind = content_type.split(";")[0].strip().lower()
    return kind if _MEDIA_TYPE.fullmatch(kind) else "no content type"


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError):
        return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date); None if absent or unreadable."""
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (moment - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0)

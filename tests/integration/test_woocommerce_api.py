"""WooCommerceApi against the loopback WooCommerce stand-in and misbehaving servers: the
credential check's reasons, paging, backoff, idempotent webhooks, and no secret in any log."""

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from shared.consumer import RetryPolicy
from shared.infra import free_port
from shared.woocommerce.api import (
    WEBHOOK_TOPICS,
    Page,
    WooCommerceApi,
    WooCommerceUnreachable,
    webhook_name,
)
from tests.standins.raw_servers import SelfSignedTlsServer, SilentServer
from tests.standins.server import LoopbackServer
from tests.standins.woocommerce_api import WooCommerceStandIn, realistic_shop

KEY = "ck_4f1b0c9a2e7d4b8f9c3a1e5d7b9f2c4a6e8d0b1c"
SECRET = "cs_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"
FAST = RetryPolicy(max_attempts=4, backoff_seconds=0.01, backoff_max_seconds=0.05)
DELIVERY_URL = "https://balas.example/webhooks/woocommerce/toko-batik"
WEBHOOK_SECRET = "wh-secret-0123456789abcdef"


@pytest.fixture
def shop() -> Iterator[WooCommerceStandIn]:
    standin = realistic_shop(WooCommerceStandIn(KEY, SECRET), orders=45, customers=12).start()
    yield standin
    standin.stop()


def api_of(url: str, key: str = KEY, secret: str = SECRET, timeout: float = 5.0) -> WooCommerceApi:
    return WooCommerceApi(url, key, secret, timeout=timeout, retry=FAST, allow_private=True)


async def reason_of(api: WooCommerceApi) -> str:
    with pytest.raises(WooCommerceUnreachable) as failure:
        await api.check()
    return str(failure.value)


async def all_pages(api: WooCommerceApi, endpoint: str, **params: str) -> list[Page]:
    return [page async for page in api.pages(endpoint, params, per_page=10)]


# -- check(): what an admin is told ------------------------------------------------------------


async def test_the_check_passes_with_the_right_key_signed_with_oauth_over_http(
    shop: WooCommerceStandIn,
) -> None:
    await api_of(shop.url).check()

    checked = [r.path.rsplit("/", 1)[-1] for r in shop.requests]
    assert checked == ["orders", "customers", "products"]
    assert all(r.status == 200 for r in shop.requests)
    first = shop.requests[0].query
    assert first["oauth_consumer_key"] == KEY
    assert first["oauth_signature_method"] == "HMAC-SHA256"
    assert "consumer_secret" not in first  # over http the secret only signs, never travels


@pytest.mark.parametrize(("key", "secret"), [(KEY, "cs_wrong"), ("ck_wrong", SECRET)])
async def test_a_wrong_key_or_secret_is_named_as_such(
    shop: WooCommerceStandIn, key: str, secret: str
) -> None:
    reason = await reason_of(api_of(shop.url, key, secret))

    assert reason.startswith("the consumer key or secret is wrong")
    assert SECRET not in reason
    assert KEY not in reason
    assert len(shop.requests) == 1  # a refusal is not retried


async def test_a_url_without_a_woocommerce_api_asks_about_the_url_and_permalinks(
    shop: WooCommerceStandIn,
) -> None:
    reason = await reason_of(api_of(shop.url + "/shop"))

    assert reason == (
        f"no WooCommerce REST API at {shop.url}/shop — is the URL right and are permalinks enabled?"
    )


async def test_wordpress_without_woocommerce_is_told_apart(shop: WooCommerceStandIn) -> None:
    shop.woocommerce_active = False

    reason = await reason_of(api_of(shop.url))

    assert "has no WooCommerce REST API (wc/v3)" in reason
    assert "WooCommerce installed and active" in reason


async def test_https_to_a_plain_http_server_is_a_tls_failure(shop: WooCommerceStandIn) -> None:
    url = shop.url.replace("http://", "https://")

    reason = await reason_of(api_of(url))

    assert reason == f"the TLS handshake with {url} failed: does the site really speak https?"
    assert shop.requests == []  # nothing readable reached the server


async def test_a_self_signed_certificate_is_not_trusted() -> None:
    server = SelfSignedTlsServer().start()
    try:
        reason = await reason_of(api_of(server.url))
    finally:
        server.stop()

    assert reason.startswith(f"the TLS certificate of {server.url} is not trusted")


async def test_a_server_that_never_answers_times_out_with_the_timeout_named() -> None:
    server = SilentServer().start()
    try:
        reason = await reason_of(api_of(server.url, timeout=0.3))
    finally:
        server.stop()

    assert reason == f"WooCommerce at {server.url} did not answer within 0.3 s"


async def test_nothing_listening_is_a_connection_failure() -> None:
    url = f"http://127.0.0.1:{free_port()}"

    reason = await reason_of(api_of(url))

    assert reason == f"cannot connect to {url}: is the address right and the site up?"


async def test_a_site_answering_html_is_not_taken_for_woocommerce() -> None:
    site = FastAPI()

    @site.get("/{path:path}")
    def page(path: str) -> HTMLResponse:
        return HTMLResponse("<html><body>Selamat datang di toko kami</body></html>")

    server = LoopbackServer(site).start()
    try:
        reason = await reason_of(api_of(server.url))
    finally:
        server.stop()

    assert reason == (
        f"the answer from {server.url} is not JSON (text/html): "
        "is this the address of the shop's WordPress?"
    )


# -- paging and backoff ------------------------------------------------------------------------


async def test_pages_follow_x_wp_totalpages_to_the_end(shop: WooCommerceStandIn) -> None:
    pages = await all_pages(api_of(shop.url), "orders", orderby="id", order="asc")

    assert [(page.number, page.total_pages) for page in pages] == [(n, 5) for n in range(1, 6)]
    ids = [item["id"] for page in pages for item in page.items]
    assert ids == sorted(shop.orders)


async def test_a_429_is_retried_after_the_retry_after_the_server_asked_for(
    shop: WooCommerceStandIn,
) -> None:
    shop.fail_next(1, status=429, retry_after=1)

    pages = await all_pages(api_of(shop.url), "products")

    assert sum(len(page.items) for page in pages) == len(shop.products)
    refused, accepted = shop.recorded("products")[:2]
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.at - refused.at >= 1.0  # it waited as long as it was asked to


async def test_server_errors_are_retried_with_backoff_until_they_pass(
    shop: WooCommerceStandIn,
) -> None:
    shop.fail_next(2, status=503)
    shop.fail_next(1, status=500)

    pages = await all_pages(api_of(shop.url), "customers")

    assert sum(len(page.items) for page in pages) == len(shop.customers)
    assert [r.status for r in shop.recorded("customers")][:4] == [503, 503, 500, 200]


async def test_a_server_error_that_lasts_gives_up_after_the_attempt_limit(
    shop: WooCommerceStandIn,
) -> None:
    shop.fail_next(10, status=500)

    with pytest.raises(WooCommerceUnreachable, match="answered 500 Internal Server Error"):
        await all_pages(api_of(shop.url), "orders")

    assert len(shop.recorded("orders")) == FAST.max_attempts


async def test_a_maintenance_window_longer_than_we_wait_fails_at_once(
    shop: WooCommerceStandIn,
) -> None:
    shop.fail_next(1, status=503, retry_after=600)

    with pytest.raises(WooCommerceUnreachable, match="it asks to wait 600 s"):
        await all_pages(api_of(shop.url), "orders")

    assert len(shop.recorded("orders")) == 1


# -- webhooks ------------------------------------------------------------------------------


async def test_ensure_webhooks_creates_one_per_topic_and_a_second_run_writes_nothing(
    shop: WooCommerceStandIn,
) -> None:
    api = api_of(shop.url)

    first = await api.ensure_webhooks(DELIVERY_URL, WEBHOOK_SECRET)
    writes_after_first = shop.webhook_writes
    second = await api.ensure_webhooks(DELIVERY_URL, WEBHOOK_SECRET)

    assert writes_after_first == len(WEBHOOK_TOPICS)
    assert shop.webhook_writes == writes_after_first  # idempotent: nothing changed
    assert second == first
    hooks = [shop.webhooks[webhook_id] for webhook_id in first]
    assert [hook["topic"] for hook in hooks] == list(WEBHOOK_TOPICS)
    assert {(hook["delivery_url"], hook["secret"], hook["status"]) for hook in hooks} == {
        (DELIVERY_URL, WEBHOOK_SECRET, "active")
    }


async def test_ensure_webhooks_repairs_a_disabled_hook_and_rekeys_on_a_new_secret(
    shop: WooCommerceStandIn,
) -> None:
    api = api_of(shop.url)
    ids = await api.ensure_webhooks(DELIVERY_URL, WEBHOOK_SECRET)
    shop.webhooks[ids[0]]["status"] = "disabled"  # WooCommerce gave up after failed deliveries
    foreign = await api_of(shop.url).ensure_webhooks(
        "https://crm.example/hook", "other", ["order.created"]
    )
    before = shop.webhook_writes

    await api.ensure_webhooks(DELIVERY_URL, WEBHOOK_SECRET)
    repaired = shop.webhook_writes - before
    await api.ensure_webhooks(DELIVERY_URL, "a-new-webhook-secret")

    assert repaired == 1
    assert shop.webhooks[ids[0]]["status"] == "active"
    assert shop.webhook_writes - before == 1 + len(WEBHOOK_TOPICS)
    assert {shop.webhooks[i]["secret"] for i in ids} == {"a-new-webhook-secret"}
    assert shop.webhooks[ids[3]]["name"] == webhook_name(WEBHOOK_TOPICS[3], "a-new-webhook-secret")
    assert shop.webhooks[foreign[0]]["secret"] == "other"  # someone else's webhook is left alone


async def test_a_read_only_key_cannot_register_webhooks_and_is_told_so(
    shop: WooCommerceStandIn,
) -> None:
    shop.read_only = True

    with pytest.raises(WooCommerceUnreachable) as failure:
        await api_of(shop.url).ensure_webhooks(DELIVERY_URL, WEBHOOK_SECRET)

    assert "give it Read/Write permission" in str(failure.value)
    assert shop.webhooks == {}


# -- secrets stay out of logs ------------------------------------------------------------------


async def test_no_key_or_secret_reaches_the_logs_even_at_debug(
    shop: WooCommerceStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shop.fail_next(1, status=503)

    await all_pages(api_of(shop.url), "orders")
    await api_of(shop.url).ensure_webhooks(DELIVERY_URL, WEBHOOK_SECRET, ["order.updated"])
    await reason_of(api_of(shop.url, KEY, "cs_wrong"))

    assert "oauth_consumer_key=***" in caplog.text  # urllib3 logged its request lines, redacted
    for secret in (KEY, SECRET, WEBHOOK_SECRET):
        assert secret not in caplog.text


# -- outbound safety: where a store's URL may lead -----------------------------------------------


async def test_a_shop_on_a_private_address_is_refused_before_any_request(
    shop: WooCommerceStandIn,
) -> None:
    api = WooCommerceApi(shop.url, KEY, SECRET, timeout=5, retry=FAST)  # production default

    reason = await reason_of(api)

    assert "private or local address" in reason
    assert shop.requests == []


async def test_a_redirect_is_not_followed_and_its_target_not_quoted() -> None:
    target = FastAPI()
    reached: list[str] = []

    @target.get("/{path:path}")
    def internal(path: str) -> dict[str, str]:
        reached.append(path)
        return {"message": "internal secret"}

    internal_server = LoopbackServer(target).start()
    site = FastAPI()

    @site.get("/{path:path}")
    def moved(path: str) -> RedirectResponse:
        return RedirectResponse(f"{internal_server.url}/admin", status_code=302)

    server = LoopbackServer(site).start()
    try:
        reason = await reason_of(api_of(server.url))
    finally:
        server.stop()
        internal_server.stop()

    assert reached == []
    assert reason.startswith(f"{server.url} redirects elsewhere")
    assert internal_server.url not in reason


@pytest.mark.parametrize("status", [401, 403, 404, 418])
async def test_a_remote_answer_is_never_quoted_back(status: int) -> None:
    site = FastAPI()

    @site.get("/{path:path}")
    def refuse(path: str) -> JSONResponse:
        body = {"code": "rest_forbidden", "message": "db password is hunter2"}
        return JSONResponse(body, status_code=status)

    server = LoopbackServer(site).start()
    try:
        reason = await reason_of(api_of(server.url))
    finally:
        server.stop()

    assert "hunter2" not in reason
    assert "rest_forbidden" not in reason

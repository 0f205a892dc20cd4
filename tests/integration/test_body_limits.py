"""Body limits before work (shared/http_limits.py): ingest and the console, served on loopback
with their real lifespans, refuse a body over a route's limit while it arrives, and look up the
store or the signature before they read one.

Some requests are written on a raw socket with a Content-Length whose body is never sent: a
server that waits for that body never answers, and the test fails at its deadline instead of
getting the answer it expects.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from balas.simulate import inbound_message_form, twilio_signature
from services.console.limits import MULTIPART_ALLOWANCE
from shared import routes
from shared.http import metrics_app
from shared.http_limits import KiB, MiB
from shared.knowledge.collections import KNOWLEDGE_FILES
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins.server import LoopbackServer
from tests.standins.woocommerce_data import body_of, delivery_headers, order
from tests.support.console import ConsoleApi
from tests.support.stores import save_woocommerce_store

pytestmark = pytest.mark.slow

PUBLIC_URL = "https://balas.example"
TWILIO_TOKEN = "limits-test-twilio-token"
WEBHOOK_SECRET = "limits-test-webhook-secret"
UPLOAD_LIMIT = 4096
ANSWER_DEADLINE_SECONDS = 20.0
CHUNK = b"x" * (64 * KiB)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.updated(
        ingest={"public_base_url": PUBLIC_URL},
        twilio={"auth_token": TWILIO_TOKEN},
        limits={"knowledge_max_upload_bytes": UPLOAD_LIMIT},
    )


@pytest.fixture
def ingest_metrics() -> Iterator[str]:
    """ingest's /metrics, served apart from its public port as `balas run ingest` serves it."""
    server = LoopbackServer(metrics_app()).start()
    yield server.url
    server.stop()


@pytest.fixture
async def woo_store(db: Database, settings: Settings) -> Store:
    return await save_woocommerce_store(db, settings, WEBHOOK_SECRET)


async def answer(
    url: str, path: str, headers: dict[str, str], sent: bytes = b""
) -> tuple[int, bytes]:
    """The status and body of the answer to a POST of which only `sent` goes out."""
    address = httpx.URL(url)
    assert address.port is not None
    reader, writer = await asyncio.open_connection(address.host, address.port)
    lines = [f"POST {path} HTTP/1.1", f"Host: {address.host}:{address.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + sent)
    try:
        async with asyncio.timeout(ANSWER_DEADLINE_SECONDS):
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            return status, await reader.readexactly(length)
    finally:
        writer.close()


async def chunks(total: int) -> AsyncIterator[bytes]:
    """A body with no Content-Length (sent chunked), made as it is sent."""
    for _ in range(total // len(CHUNK)):
        yield CHUNK


def woo_path(store_id: str) -> str:
    return routes.WOOCOMMERCE_PATH.format(store_id=store_id)


async def metric(url: str, name: str, **labels: str) -> float:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        text = (await http.get("/metrics")).text
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    found = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(found[1]) if found else 0.0


async def test_a_body_declared_over_the_limit_is_refused_before_the_route_runs(
    ingest: str, ingest_metrics: str
) -> None:
    # The routes would answer 404 (no such store) and 403 (no signature): 413 came first.
    woo = await answer(ingest, woo_path("no-such-store"), {"Content-Length": str(2 * MiB + 1)})
    twilio = await answer(
        ingest,
        routes.TWILIO_MESSAGE_PATH,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(64 * KiB + 1),
        },
    )

    assert woo == (413, b'{"detail":"request body larger than 2097152 bytes"}')
    assert twilio == (413, b'{"detail":"request body larger than 65536 bytes"}')
    rejections = "balas_webhook_rejections_total"
    assert await metric(
        ingest_metrics, rejections, endpoint=routes.WOOCOMMERCE_PATH, reason="too_large"
    )
    assert await metric(
        ingest_metrics, rejections, endpoint=routes.TWILIO_MESSAGE_PATH, reason="too_large"
    )


async def test_a_chunked_body_is_refused_once_it_passes_the_limit(
    ingest: str, woo_store: Store
) -> None:
    headers = delivery_headers("order.updated", b"", WEBHOOK_SECRET)
    signed = {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient(base_url=ingest, timeout=60) as http:
        woo = await http.post(woo_path(woo_store.id), content=chunks(3 * MiB), headers=headers)
        twilio = await http.post(
            routes.TWILIO_MESSAGE_PATH, content=chunks(1 * MiB), headers={**signed, **form}
        )

    assert "content-length" not in woo.request.headers
    assert (woo.status_code, woo.json()) == (
        413,
        {"detail": "request body larger than 2097152 bytes"},
    )
    assert (twilio.status_code, twilio.json()) == (
        413,
        {"detail": "request body larger than 65536 bytes"},
    )


async def test_an_unknown_store_is_answered_404_without_its_body_being_read(
    ingest: str,
) -> None:
    status, body = await answer(
        ingest, woo_path("no-such-store"), {"Content-Length": str(1 * MiB)}, sent=CHUNK
    )

    assert (status, body) == (404, b'{"detail":"no store with WooCommerce has this id"}')


async def test_a_twilio_form_without_a_signature_is_refused_before_it_is_parsed(
    ingest: str,
) -> None:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(32 * KiB),
    }
    status, body = await answer(ingest, routes.TWILIO_MESSAGE_PATH, headers, sent=b"Body=")

    assert (status, body) == (403, b'{"detail":"X-Twilio-Signature header is missing"}')


async def test_a_twilio_form_with_too_many_fields_is_refused_unparsed(ingest: str) -> None:
    fields = {f"Field{number}": "x" for number in range(150)}  # 2 KB: under the size limit
    async with httpx.AsyncClient(base_url=ingest, timeout=30) as http:
        refused = await http.post(
            routes.TWILIO_MESSAGE_PATH,
            data=fields,
            headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        )

    assert refused.status_code == 400
    assert refused.json() == {"detail": "Too many fields. Maximum number of fields is 100."}


async def test_webhooks_within_their_limits_still_pass(
    ingest: str, woo_store: Store, settings: Settings
) -> None:
    form = inbound_message_form(
        customer="+6281100000008", store_number=woo_store.whatsapp_number, text="Halo kak"
    )
    signature = twilio_signature(TWILIO_TOKEN, PUBLIC_URL + routes.TWILIO_MESSAGE_PATH, form)
    items = [
        {**order()["line_items"][0], "id": item, "name": "Batik " * 20} for item in range(1500)
    ]
    big_order = body_of(order(line_items=items))  # many line items: over 300 KB
    assert 300 * KiB < len(big_order) < 2 * MiB
    woo_headers = delivery_headers("order.updated", big_order, WEBHOOK_SECRET)
    async with httpx.AsyncClient(base_url=ingest, timeout=30) as http:
        message = await http.post(
            routes.TWILIO_MESSAGE_PATH, data=form, headers={"X-Twilio-Signature": signature}
        )
        updated = await http.post(woo_path(woo_store.id), content=big_order, headers=woo_headers)

    assert message.status_code == 200
    assert "<Response>" in message.text
    assert (updated.status_code, updated.json()) == (200, {"outcome": "accepted"})


async def test_a_login_form_over_its_limit_or_with_too_many_fields_is_refused(
    console_api: ConsoleApi,
) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    declared = await answer(
        console_api.url, "/login", {**form, "Content-Length": str(16 * KiB + 1)}
    )
    async with httpx.AsyncClient(base_url=console_api.url, timeout=30) as http:
        shown = await http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', shown.text)
        assert token
        login = {
            "email": "sari@toko.example",
            "password": "kopi-susu-gula-aren-42",
            "csrf_token": token[1],
        }
        chunked = await http.post("/login", content=chunks(1 * MiB), headers=form)
        crowded = await http.post(
            "/login", data={**login, **{f"extra{number}": "x" for number in range(60)}}
        )

    assert declared == (413, b'{"detail":"request body larger than 16384 bytes"}')
    assert (chunked.status_code, chunked.json()) == (
        413,
        {"detail": "request body larger than 16384 bytes"},
    )
    # Without the field limit: 401, a wrong password checked.
    assert (crowded.status_code, crowded.json()) == (
        400,
        {"detail": "Too many fields. Maximum number of fields is 50."},
    )


async def test_a_knowledge_upload_over_the_limit_is_refused_413_and_nothing_is_stored(
    console_api: ConsoleApi, db: Database, store: Store
) -> None:
    too_large = b"a" * (UPLOAD_LIMIT + MULTIPART_ALLOWANCE + 1)
    async with console_api.client() as http:
        refused = await http.post(
            f"/api/stores/{store.id}/knowledge",
            files=[("files", ("besar.txt", too_large, "text/plain"))],
        )
        listed = await http.get(f"/api/stores/{store.id}/knowledge")

    limit = UPLOAD_LIMIT + MULTIPART_ALLOWANCE
    assert (refused.status_code, refused.json()) == (
        413,
        {"detail": f"request body larger than {limit} bytes"},
    )
    assert listed.json() == []
    assert await db[f"{KNOWLEDGE_FILES}.files"].count_documents({}) == 0

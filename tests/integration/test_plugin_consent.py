"""The plugin's consent route, against the console API served on loopback: a checkout's opt-in
is recorded with its wording under the store's plugin token, once however often it is sent;
a missing or wrong token records nothing and learns nothing of the body. The plugin's own PHP
(deploy/woocommerce-plugin/tests/live-consent.php: the classic checkout's hooks and the report's
first attempt, over real HTTP) is checked against it too."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.consent.collections import CONSENT_EVENTS
from shared.consent.records import Purpose, Source, may_contact
from shared.infra import free_port
from shared.mongo import Database
from shared.stores.directory import Store, save_store
from tests.support.console import ConsoleApi

pytestmark = pytest.mark.slow

WORDING = "Ya, kirimi saya kabar pesanan lewat WhatsApp"
CHECKOUT = {
    "phone": "0812-3456-7001",
    "purposes": ["order_updates"],
    "wording": WORDING,
    "reference": "order-1207",
}


PLUGIN_ROOT = Path(__file__).resolve().parents[2] / "deploy" / "woocommerce-plugin"
ORDER_UPDATES = "Send me updates about my order on WhatsApp."  # the plugin's words, in English
PROMOTIONS = "Send me promotions and offers on WhatsApp. I can reply STOP at any time."


def _plugin_checkout(
    balas_url: str, store_id: str, token: str, number: str, purposes: str
) -> dict[str, Any]:
    """A classic checkout of order TB-1207 with `purposes` ticked, reported by the plugin."""
    php = shutil.which("php")
    if php is None:
        pytest.fail("php is not installed: run `make system-deps-test` (it installs php-cli)")
    run = subprocess.run(
        [php, "tests/live-consent.php", balas_url, store_id, token, number, "TB-1207", purposes],
        capture_output=True,
        text=True,
        cwd=PLUGIN_ROOT,
        check=True,
        timeout=60,
    )
    outcome: dict[str, Any] = json.loads(run.stdout)
    return outcome


async def _store_with_token(db: Database, console_api: ConsoleApi, store_id: str) -> str:
    await save_store(db, Store(id=store_id, name="Toko Budi", whatsapp_number="+6281100000019"))
    async with console_api.client() as http:
        made = await http.post(f"/api/stores/{store_id}/plugin-token")
    assert made.status_code == 201, made.text
    token: str = made.json()["token"]
    return token


async def _report(
    console_api: ConsoleApi, store_id: str, token: str | None, body: object
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=console_api.url, timeout=30) as http:
        return await http.post(f"/api/stores/{store_id}/consent", json=body, headers=headers)


async def test_a_checkout_opt_in_is_recorded_once_with_its_wording(
    console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    token = await _store_with_token(db, console_api, store_id)

    first = await _report(console_api, store_id, token, CHECKOUT)
    again = await _report(console_api, store_id, token, CHECKOUT)  # the plugin retried

    assert first.status_code == 200, first.text
    assert first.json()["phone"] == "+6281234567001"
    assert first.json()["recorded"] == 1
    assert again.json()["recorded"] == 0
    assert await may_contact(db, store_id, "+6281234567001", Purpose.ORDER_UPDATES)
    assert not await may_contact(db, store_id, "+6281234567001", Purpose.PROMOTIONS)
    (stored,) = await db[CONSENT_EVENTS].find({}).to_list()
    assert stored["source"] == Source.CHECKOUT.value
    assert stored["wording"] == WORDING


@pytest.mark.parametrize("token", [None, "balas_wp_not-the-token"])
async def test_without_the_stores_plugin_token_nothing_is_recorded(
    console_api: ConsoleApi, db: Database, store_id: str, token: str | None
) -> None:
    await _store_with_token(db, console_api, store_id)

    refused = await _report(console_api, store_id, token, {"not": "a valid body"})

    assert refused.status_code == 401  # not 422: a stranger learns nothing of the body
    assert await db[CONSENT_EVENTS].count_documents({}) == 0


@pytest.mark.parametrize(
    "change",
    [{"phone": "12"}, {"purposes": []}, {"purposes": ["newsletter"]}, {"wording": " "}],
)
async def test_a_bad_report_is_422_and_records_nothing(
    console_api: ConsoleApi, db: Database, store_id: str, change: dict[str, object]
) -> None:
    token = await _store_with_token(db, console_api, store_id)

    refused = await _report(console_api, store_id, token, {**CHECKOUT, **change})

    assert refused.status_code == 422, refused.text
    assert await db[CONSENT_EVENTS].count_documents({}) == 0


async def test_the_plugins_checkout_report_is_recorded_with_the_words_of_each_box(
    console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    token = await _store_with_token(db, console_api, store_id)

    outcome = _plugin_checkout(
        console_api.url, store_id, token, "0812-3456-7002", "order_updates,promotions"
    )

    assert outcome == {"reported": True, "scheduled": [], "logs": []}
    assert await may_contact(db, store_id, "+6281234567002", Purpose.ORDER_UPDATES)
    assert await may_contact(db, store_id, "+6281234567002", Purpose.PROMOTIONS)
    stored = await db[CONSENT_EVENTS].find({}, sort=[("purpose", 1)]).to_list()
    assert [(record["purpose"], record["wording"]) for record in stored] == [
        ("order_updates", ORDER_UPDATES),
        ("promotions", PROMOTIONS),
    ]
    assert {record["source"] for record in stored} == {Source.CHECKOUT.value}


async def test_the_plugin_tries_again_later_when_balas_is_unreachable(
    console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    token = await _store_with_token(db, console_api, store_id)
    nobody = f"http://127.0.0.1:{free_port()}"

    outcome = _plugin_checkout(nobody, store_id, token, "0812-3456-7003", "order_updates")

    assert outcome["reported"] is False
    assert outcome["scheduled"] == [[1, 2]]  # the order's second attempt
    assert "(attempt 1, Balas unreachable); trying again later" in outcome["logs"][0]


async def test_the_plugin_gives_up_on_a_number_balas_cannot_read(
    console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    token = await _store_with_token(db, console_api, store_id)

    outcome = _plugin_checkout(console_api.url, store_id, token, "12", "order_updates")

    assert outcome["reported"] is False
    assert outcome["scheduled"] == []
    assert "(attempt 1, HTTP 422); giving up" in outcome["logs"][0]
    assert await db[CONSENT_EVENTS].count_documents({}) == 0

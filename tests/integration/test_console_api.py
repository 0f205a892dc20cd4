"""The console's admin API: served with its real lifespan, behind the admin token."""

from datetime import timedelta

import pytest

from shared.events import utcnow
from shared.knowledge.collections import KNOWLEDGE_GAPS
from shared.mongo import Database
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.directory import Store, WooCommerceConnection, save_store
from tests.support.console import ConsoleApi

pytestmark = pytest.mark.slow


async def test_operations_endpoints_need_no_token(console_api: ConsoleApi) -> None:
    async with console_api.client(token="") as http:
        ready = await http.get("/readyz")

    assert ready.status_code == 200
    assert ready.json()["checks"] == {"mongodb": "ok", "kafka": "ok"}


@pytest.mark.parametrize("token", ["", "not-the-token"])
async def test_admin_routes_refuse_a_missing_or_wrong_token(
    console_api: ConsoleApi, token: str
) -> None:
    async with console_api.client(token=token) as http:
        response = await http.get("/api/stores")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_stores_are_listed_without_their_secrets(
    console_api: ConsoleApi, db: Database, settings: Settings
) -> None:
    box = secret_box(settings)
    await save_store(db, Store(id="toko-a", name="Toko A", whatsapp_number="+6281100000001"))
    await save_store(
        db,
        Store(
            id="toko-b",
            name="Toko B",
            whatsapp_number="+6281100000002",
            woocommerce=WooCommerceConnection(
                url="https://toko-b.example",
                consumer_key=box.encrypt("ck_visible_nowhere"),
                consumer_secret=box.encrypt("cs_visible_nowhere"),
                webhook_secret=box.encrypt("whsec_visible_nowhere"),
            ),
        ),
    )

    async with console_api.client() as http:
        response = await http.get("/api/stores")

    assert response.status_code == 200
    assert [store["id"] for store in response.json()] == ["toko-a", "toko-b"]
    assert response.json()[1]["woocommerce_url"] == "https://toko-b.example"
    assert "visible_nowhere" not in response.text


async def test_knowledge_gaps_are_suggested_per_store(
    console_api: ConsoleApi, db: Database
) -> None:
    await save_store(db, Store(id="toko-c", name="Toko C", whatsapp_number="+6281100000003"))
    now = utcnow()
    asked = ["ongkir ke medan berapa?", "berapa ongkos kirim ke Medan", "toko buka hari minggu?"]
    await db[KNOWLEDGE_GAPS].insert_many(
        [
            {"store_id": "toko-c", "question": q, "conversation_id": "toko-c:+1", "created_at": now}
            for q in asked
        ]
        + [
            {
                "store_id": "other",
                "question": "rahasia toko lain",
                "conversation_id": "other:+1",
                "created_at": now,
            },
            {
                "store_id": "toko-c",
                "question": "pertanyaan lama sekali",
                "conversation_id": "toko-c:+2",
                "created_at": now - timedelta(days=90),
            },
        ]
    )

    async with console_api.client() as http:
        response = await http.get("/api/stores/toko-c/knowledge-gaps")
        missing = await http.get("/api/stores/no-such-store/knowledge-gaps")

    assert response.status_code == 200
    assert [(entry["asked"], len(entry["examples"])) for entry in response.json()] == [
        (2, 2),
        (1, 1),
    ]
    assert "rahasia" not in response.text
    assert "lama" not in response.text
    assert missing.status_code == 404

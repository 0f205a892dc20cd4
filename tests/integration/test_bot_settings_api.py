"""The console's bot settings: defaults, versioned saves, stale edits refused, inline errors."""

import pytest

from services.console.collections import CONSOLE_AUDIT
from shared.mongo import Database
from shared.stores.directory import Store, save_store
from tests.support.console import ConsoleApi

pytestmark = pytest.mark.slow

PATH = "/api/stores/toko-a/bot-settings"


@pytest.fixture
async def store(db: Database) -> Store:
    created = Store(
        id="toko-a",
        name="Toko A",
        whatsapp_number="+6281100000001",
        system_prompt="Kamu asisten {store_name}.",
    )
    await save_store(db, created)
    return created


async def test_a_store_without_saved_settings_shows_its_defaults_as_version_0(
    console_api: ConsoleApi, store: Store
) -> None:
    async with console_api.client() as http:
        response = await http.get(PATH)

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 0
    assert body["store_id"] == "toko-a"
    assert body["settings"]["persona"] == "Kamu asisten {store_name}."
    assert body["settings"]["tone"] == "friendly"
    assert body["settings"]["business_hours"]["enabled"] is False


async def test_each_save_is_a_new_version_kept_in_the_history(
    console_api: ConsoleApi, store: Store
) -> None:
    async with console_api.client() as http:
        defaults = (await http.get(PATH)).json()["settings"]
        first = await http.put(
            PATH, json={"version": 0, "settings": {**defaults, "tone": "formal"}}
        )
        second = await http.put(
            PATH,
            json={
                "version": 1,
                "settings": {**defaults, "tone": "casual", "greeting": "Halo! 👋"},
            },
        )
        current = await http.get(PATH)
        history = await http.get(PATH + "/history")

    assert first.status_code == 200
    assert first.json()["version"] == 1
    assert second.json()["version"] == 2
    assert current.json()["version"] == 2
    assert current.json()["settings"]["tone"] == "casual"
    assert current.json()["settings"]["greeting"] == "Halo! 👋"
    versions = [(entry["version"], entry["settings"]["tone"]) for entry in history.json()]
    assert versions == [(2, "casual"), (1, "formal")]


async def test_a_save_from_a_stale_version_is_refused_with_409(
    console_api: ConsoleApi, store: Store
) -> None:
    async with console_api.client() as http:
        await http.put(PATH, json={"version": 0, "settings": {"tone": "formal"}})
        await http.put(PATH, json={"version": 1, "settings": {"tone": "casual"}})
        late = await http.put(PATH, json={"version": 1, "settings": {"tone": "friendly"}})
        again_first = await http.put(PATH, json={"version": 0, "settings": {}})
        current = await http.get(PATH)

    assert late.status_code == 409
    assert late.json()["detail"]["current_version"] == 2
    assert again_first.status_code == 409
    assert current.json()["settings"]["tone"] == "casual"


async def test_invalid_settings_get_422_naming_each_field(
    console_api: ConsoleApi, store: Store
) -> None:
    settings = {
        "tone": "sarcastic",
        "business_hours": {
            "enabled": True,
            "timezone": "Mars/Olympus",
            "days": {"monday": [{"start": "17:00", "end": "09:00"}]},
        },
        "hand_over": {"negative_sentiment_streak": -1},
    }

    async with console_api.client() as http:
        response = await http.put(PATH, json={"version": 0, "settings": settings})
        current = await http.get(PATH)

    assert response.status_code == 422
    errors = {tuple(error["loc"]): error["msg"] for error in response.json()["detail"]}
    field = ("body", "settings")
    assert set(errors) == {
        (*field, "tone"),
        (*field, "business_hours", "timezone"),
        (*field, "business_hours", "days", "monday", 0),
        (*field, "hand_over", "negative_sentiment_streak"),
    }
    assert "unknown timezone" in errors[(*field, "business_hours", "timezone")]
    assert "must be after start" in errors[(*field, "business_hours", "days", "monday", 0)]
    assert current.json()["version"] == 0  # nothing saved


async def test_an_unknown_store_is_404(console_api: ConsoleApi) -> None:
    async with console_api.client() as http:
        read = await http.get("/api/stores/nope/bot-settings")
        write = await http.put("/api/stores/nope/bot-settings", json={"version": 0, "settings": {}})

    assert read.status_code == 404
    assert write.status_code == 404


async def test_a_privacy_change_is_saved_and_written_to_the_audit_log(
    console_api: ConsoleApi, store: Store, db: Database
) -> None:
    async with console_api.client() as http:
        defaults = (await http.get(PATH)).json()["settings"]
        privacy = {"retention_days": 90, "keep_media": False}
        changed = await http.put(
            PATH, json={"version": 0, "settings": {**defaults, "privacy": privacy}}
        )
        unchanged = await http.put(
            PATH,
            json={"version": 1, "settings": {**defaults, "tone": "formal", "privacy": privacy}},
        )

    assert changed.status_code == unchanged.status_code == 200
    assert changed.json()["settings"]["privacy"] == privacy
    entries = await db[CONSOLE_AUDIT].find({"store_id": "toko-a"}).to_list()
    assert [(entry["action"], entry["details"]) for entry in entries] == [
        ("privacy_changed", privacy)  # once: the second save left privacy as it was
    ]
    assert entries[0]["actor"] == "admin token"


@pytest.mark.parametrize("days", [29, 731])
async def test_a_retention_outside_the_legal_bounds_is_refused(
    console_api: ConsoleApi, store: Store, days: int
) -> None:
    settings = {"privacy": {"retention_days": days}}

    async with console_api.client() as http:
        response = await http.put(PATH, json={"version": 0, "settings": settings})

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "settings", "privacy", "retention_days"]

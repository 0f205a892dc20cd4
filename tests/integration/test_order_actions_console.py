"""Order actions in the console (docs/actions.md): a store turns them on in its bot settings
(owner API and settings page, both languages), and sees every action done with its outcome."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from shared.actions.intents import ActionKind
from shared.actions.records import Entry, Ledger, Outcome, entry_id
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.mongo import Database
from tests.support.console import ConsoleApi, SignedIn

pytestmark = pytest.mark.slow


async def done_action(db: Database, store_id: str) -> None:
    conversation = f"{store_id}:+6281234567890"
    claimed = await Ledger(db).claim(
        Entry(
            id=entry_id(store_id, conversation, 1234, ActionKind.CANCEL, "SM1"),
            store_id=store_id,
            conversation_id=conversation,
            order_id=1234,
            order_number="1234",
            kind=ActionKind.CANCEL,
            requested_by="+62812•••••890",
            confirmed_by="SM2",
            created_at=datetime.now(UTC),
        )
    )
    await Ledger(db).finish(claimed, Outcome.DONE)


async def test_an_owner_turns_cancelling_on_and_a_shipped_status_is_refused(
    console_api: ConsoleApi, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    store_id = (await sign_in()).store_id
    path = f"/api/stores/{store_id}/bot-settings"
    async with console_api.client() as http:
        defaults = (await http.get(path)).json()["settings"]
        actions = {**defaults["order_actions"], "cancel": True, "confirm_minutes": 15}
        saved = await http.put(
            path, json={"version": 0, "settings": {**defaults, "order_actions": actions}}
        )
        shipped = {**actions, "cancel_statuses": ["pending", "completed"]}
        refused = await http.put(
            path, json={"version": 1, "settings": {**defaults, "order_actions": shipped}}
        )

    assert defaults["order_actions"]["cancel"] is False  # off until the store turns it on
    assert saved.status_code == 200
    assert saved.json()["settings"]["order_actions"]["cancel"] is True
    assert saved.json()["settings"]["order_actions"]["confirm_minutes"] == 15
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"][-2:] == ["order_actions", "cancel_statuses"]


@pytest.mark.parametrize(
    ("lang", "section", "outcome"),
    [("en", "Order actions", "done"), ("id", "Tindakan pesanan", "selesai")],
)
async def test_the_settings_page_offers_the_actions_and_lists_those_done(
    db: Database,
    console_api: ConsoleApi,
    sign_in: Callable[..., Awaitable[SignedIn]],
    lang: str,
    section: str,
    outcome: str,
) -> None:
    client, store_id, _ = await sign_in(lang=lang)
    await done_action(db, store_id)

    page = await client.get(f"/stores/{store_id}/settings")
    async with console_api.client() as http:
        listed = await http.get(f"/api/stores/{store_id}/order-actions")

    assert page.status_code == 200
    assert f"<h2>{section}</h2>" in page.text
    for field in ("cancel", "cancel_statuses", "change_address", "payment_link"):
        assert f'name="order_actions.{field}"' in page.text
    assert 'data-order-action="cancel:done"' in page.text
    assert "#1234" in page.text
    assert outcome in page.text
    [entry] = listed.json()
    assert (entry["order_number"], entry["kind"], entry["outcome"]) == ("1234", "cancel", "done")


async def test_the_conversation_shows_each_action_as_a_system_line_and_on_its_card(
    db: Database, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    client, store_id, _ = await sign_in()
    conversation = f"{store_id}:+6281234567890"
    now = datetime.now(UTC)
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation,
            "store_id": store_id,
            "customer_number": "+6281234567890",
            "owner": "bot",
            "status": "open",
            "last_activity_at": now,
            "last_message": {"direction": "outbound", "text": "Pesanan #1234", "at": now},
            "last_order_action": {"kind": "cancel", "order_number": "1234", "outcome": "done"},
        }
    )
    await db[MESSAGES].insert_one(
        {
            "_id": "reply:SM-yes",
            "store_id": store_id,
            "conversation_id": conversation,
            "direction": "outbound",
            "author": "bot",
            "state": "sent",
            "text": "Pesanan #1234 sudah dibatalkan.",
            "created_at": now,
            "order_action": {"kind": "cancel", "order_number": "1234", "outcome": "done"},
        }
    )

    page = await client.get(f"/stores/{store_id}/conversations/{conversation}")

    assert page.status_code == 200
    assert 'data-order-action="cancel:done"' in page.text
    assert "Cancel order #1234: done" in page.text
    assert 'data-last-order-action="cancel:done"' in page.text  # the card's latest action

"""The console's customer data routes: an owner exports or erases a conversation's customer,
with the number typed again; agents may do neither."""

from collections.abc import Awaitable, Callable

from faststream.kafka import KafkaBroker

from services.console.auth.users import Role
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.mongo import Database
from shared.privacy.collections import CUSTOMER_ERASURES
from tests.support import events
from tests.support.console import SignedIn

WORDS = "gamis lilac ukuran M"


async def a_conversation(db: Database, store_id: str) -> str:
    message = events.received(events.new_customer(), f"Kak, {WORDS} ready?", store_id=store_id)
    await db[MESSAGES].insert_one(inbound_message_document(message))
    await db[CONVERSATIONS].insert_one(
        {
            "_id": message.conversation_id,
            "store_id": store_id,
            "customer_number": message.customer_number,
            "last_activity_at": message.occurred_at,
        }
    )
    return message.conversation_id


def api(signed: SignedIn, conversation_id: str) -> str:
    return f"/api/stores/{signed.store_id}/conversations/{conversation_id}"


async def test_an_owner_exports_then_erases_a_customer_with_the_number_typed_again(
    db: Database, broker: KafkaBroker, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    owner = await sign_in(Role.OWNER)
    conversation_id = await a_conversation(db, owner.store_id)
    number = conversation_id.partition(":")[2]
    page = await owner.client.get(f"/stores/{owner.store_id}/conversations/{conversation_id}")
    assert 'data-action="erase"' in page.text

    exported = await owner.client.get(f"{api(owner, conversation_id)}/export")
    readable = await owner.client.get(f"{api(owner, conversation_id)}/export?format=html")
    mistyped = await owner.client.post(
        f"{api(owner, conversation_id)}/erasure", data={"confirm": "+6280000000000"},
        headers={"X-CSRF-Token": owner.csrf},
    )  # fmt: skip
    erased = await owner.client.post(
        f"{api(owner, conversation_id)}/erasure", data={"confirm": number},
        headers={"X-CSRF-Token": owner.csrf},
    )  # fmt: skip

    assert WORDS in exported.json()["collections"][MESSAGES][0]["text"]
    assert "attachment" in exported.headers["content-disposition"]
    assert WORDS in readable.text
    assert mistyped.status_code == 422
    assert erased.status_code == 200
    assert erased.json()["removed"][MESSAGES] == 1
    assert await db[MESSAGES].count_documents({"conversation_id": conversation_id}) == 0
    record = await db[CUSTOMER_ERASURES].find_one({"store_id": owner.store_id})
    assert record is not None
    assert record["requested_by"].startswith("console:")


async def test_agents_may_neither_export_nor_erase(
    db: Database, broker: KafkaBroker, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    agent = await sign_in(Role.AGENT)
    conversation_id = await a_conversation(db, agent.store_id)
    number = conversation_id.partition(":")[2]

    page = await agent.client.get(f"/stores/{agent.store_id}/conversations/{conversation_id}")
    exported = await agent.client.get(f"{api(agent, conversation_id)}/export")
    erased = await agent.client.post(
        f"{api(agent, conversation_id)}/erasure", data={"confirm": number},
        headers={"X-CSRF-Token": agent.csrf},
    )  # fmt: skip

    assert 'data-action="erase"' not in page.text
    assert (exported.status_code, erased.status_code) == (403, 403)
    assert await db[MESSAGES].count_documents({"conversation_id": conversation_id}) == 1


async def test_an_erasure_without_the_csrf_token_is_refused(
    db: Database, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    owner = await sign_in(Role.OWNER)
    conversation_id = await a_conversation(db, owner.store_id)

    refused = await owner.client.post(
        f"{api(owner, conversation_id)}/erasure",
        data={"confirm": conversation_id.partition(":")[2]},
    )

    assert refused.status_code == 403
    assert await db[MESSAGES].count_documents({"conversation_id": conversation_id}) == 1

"""Deleting a store from the console's set-up page: owners only, and only once the store's id
or name is typed again; a wrong confirmation deletes nothing."""

from collections.abc import Awaitable, Callable

from services.console.auth.users import Role
from shared.mongo import Database
from shared.privacy.collections import STORE_DELETIONS
from shared.stores.collections import STORES
from tests.support.console import SignedIn

SignIn = Callable[..., Awaitable[SignedIn]]


async def test_an_agent_cannot_delete_the_store(db: Database, sign_in: SignIn) -> None:
    agent, store_id, csrf = await sign_in(Role.AGENT)

    refused = await agent.post(
        f"/stores/{store_id}/setup/delete", data={"confirm": store_id, "csrf_token": csrf}
    )

    assert refused.status_code == 403
    assert await db[STORES].find_one({"_id": store_id}) is not None


async def test_a_wrong_confirmation_deletes_nothing(db: Database, sign_in: SignIn) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="en")
    page = await owner.get(f"/stores/{store_id}/setup")
    assert 'action="/stores/' + store_id + '/setup/delete"' in page.text

    refused = await owner.post(
        f"/stores/{store_id}/setup/delete", data={"confirm": "Toko Lain", "csrf_token": csrf}
    )

    assert refused.status_code == 422
    assert 'data-outcome="delete"' in refused.text
    assert "that is not this store" in refused.text
    assert await db[STORES].find_one({"_id": store_id}) is not None
    assert await db[STORE_DELETIONS].count_documents({}) == 0


async def test_the_owner_deletes_the_store_by_typing_its_name(
    db: Database, sign_in: SignIn
) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="id")
    user = await db["console_users"].find_one({"store_ids": store_id})
    assert user is not None

    deleted = await owner.post(
        f"/stores/{store_id}/setup/delete", data={"confirm": "Toko Sari", "csrf_token": csrf}
    )

    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/"
    assert await db[STORES].find_one({"_id": store_id}) is None
    assert await db["console_users"].find_one({"_id": user["_id"]}) is None  # its only store
    record = await db[STORE_DELETIONS].find_one({"store_id": store_id})
    assert record is not None
    assert record["requested_by"] == f"console:{user['_id']}"
    assert record["finished_at"] is not None

"""The store's team and set-up in the console, over HTTP as a signed-in owner or agent: owners
only, the team's rules (shared with `balas console add-user`), one-time invite links that
expire, role changes and removals, the audit log of every change, and the profile form's
validation in the UI language."""

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.console.audit import Action
from services.console.auth.users import Role, UserDirectory
from services.console.collections import CONSOLE_AUDIT, CONSOLE_INVITES
from shared.mongo import Database
from shared.stores.collections import STORES
from tests.support.console import CONSOLE_PASSWORD, ConsoleApi

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py


async def audited(db: Database, store_id: str) -> list[str]:
    cursor = db[CONSOLE_AUDIT].find({"store_id": store_id}).sort("at", 1)
    return [entry["action"] async for entry in cursor]


async def invite_link(client: httpx.AsyncClient, store_id: str, csrf: str, email: str) -> str:
    page = await client.post(
        f"/stores/{store_id}/team/invites",
        data={"email": email, "role": "agent", "csrf_token": csrf},
    )
    assert page.status_code == 200, page.text
    link = re.search(r'value="(http[^"]+/invite/[^"]+)"', page.text)
    assert link, page.text
    return link[1]


async def test_agents_may_not_open_the_team_or_set_up_pages(sign_in: SignIn) -> None:
    owner, store_id, _ = await sign_in(Role.OWNER)
    agent, _, csrf = await sign_in(Role.AGENT, store_id)
    for page in ("team", "setup"):
        assert (await owner.get(f"/stores/{store_id}/{page}")).status_code == 200
        assert (await agent.get(f"/stores/{store_id}/{page}")).status_code == 403
    refused = await agent.post(
        f"/stores/{store_id}/team/invites", data={"email": "x@toko.example", "csrf_token": csrf}
    )
    assert refused.status_code == 403
    inbox = await agent.get(f"/stores/{store_id}/inbox")
    assert f"/stores/{store_id}/team" not in inbox.text  # not offered in the navigation


async def test_an_invite_link_joins_once_signs_in_and_is_audited(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER)
    link = await invite_link(owner, store_id, csrf, "Dewi@Toko.example")
    path = link.split("://", 1)[1].partition("/")[2]
    async with httpx.AsyncClient(base_url=console_api.url, timeout=30) as invited:
        form = await invited.get(f"/{path}")
        assert form.status_code == 200
        assert "dewi@toko.example" in form.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        weak = await invited.post(
            f"/{path}", data={"name": "Dewi", "password": "short", "csrf_token": token[1]}
        )
        assert weak.status_code == 422  # refused before the link is used up
        form = await invited.get(f"/{path}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        joined = await invited.post(
            f"/{path}",
            data={"name": "Dewi", "password": CONSOLE_PASSWORD, "csrf_token": token[1]},
        )
        assert joined.status_code == 303
        assert joined.headers["location"] == f"/stores/{store_id}/inbox"
        assert (await invited.get(f"/stores/{store_id}/inbox")).status_code == 200
        again = await invited.get(f"/{path}")
        assert again.status_code == 410  # once only
    dewi = await UserDirectory(db).by_email("dewi@toko.example")
    assert dewi is not None
    assert dewi.role is Role.AGENT
    assert dewi.store_ids == [store_id]
    assert await audited(db, store_id) == [Action.MEMBER_INVITED, Action.INVITE_ACCEPTED]
    assert await db[CONSOLE_INVITES].count_documents({"store_id": store_id}) == 0


async def test_an_expired_invite_link_is_refused(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER)
    link = await invite_link(owner, store_id, csrf, "late@toko.example")
    await db[CONSOLE_INVITES].update_many(
        {"store_id": store_id}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
    )
    path = link.split("://", 1)[1].partition("/")[2]
    async with httpx.AsyncClient(
        base_url=console_api.url, timeout=30, headers={"Accept-Language": "en"}
    ) as invited:
        page = await invited.get(f"/{path}")
    assert page.status_code == 410
    assert "expired" in page.text
    assert await UserDirectory(db).by_email("late@toko.example") is None


async def test_invites_are_validated_and_members_cannot_be_invited_twice(
    sign_in: SignIn,
) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="id")
    bad = await owner.post(
        f"/stores/{store_id}/team/invites", data={"email": "not-an-email", "csrf_token": csrf}
    )
    assert bad.status_code == 422
    assert "Masukkan alamat e-mail" in bad.text  # in the UI language, not pydantic's
    agent, _, _ = await sign_in(Role.AGENT, store_id)
    me = (await agent.get("/api/me")).json()["user"]["email"]
    twice = await owner.post(
        f"/stores/{store_id}/team/invites", data={"email": me, "csrf_token": csrf}
    )
    assert twice.status_code == 422
    assert "sudah ada di tim" in twice.text


async def test_roles_change_members_leave_never_oneself_and_everything_is_audited(
    db: Database, sign_in: SignIn
) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER)
    me = (await owner.get("/api/me")).json()["user"]["id"]
    agent, _, _ = await sign_in(Role.AGENT, store_id)
    agent_id = (await agent.get("/api/me")).json()["user"]["id"]
    team = f"/stores/{store_id}/team"

    own = await owner.post(f"{team}/{me}/role", data={"role": "agent", "csrf_token": csrf})
    assert own.status_code == 422
    promoted = await owner.post(
        f"{team}/{agent_id}/role", data={"role": "owner", "csrf_token": csrf}
    )
    assert promoted.status_code == 303
    user = await UserDirectory(db).by_id(agent_id)
    assert user is not None
    assert user.role is Role.OWNER
    assert (await owner.post(f"{team}/{me}/remove", data={"csrf_token": csrf})).status_code == 422
    removed = await owner.post(f"{team}/{agent_id}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 303
    user = await UserDirectory(db).by_id(agent_id)
    assert user is not None
    assert store_id not in user.store_ids
    assert await audited(db, store_id) == [Action.ROLE_CHANGED, Action.MEMBER_REMOVED]
    page = await owner.get(team)
    assert "online" in page.text.lower()


async def test_the_profile_form_saves_valid_fields_and_refuses_a_bad_timezone(
    db: Database, sign_in: SignIn
) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="en")
    profile = {"name": "Toko Sari Jaya", "currency": "idr", "default_country": "ID"}
    refused = await owner.post(
        f"/stores/{store_id}/setup/profile",
        data={**profile, "timezone": "Jakarta", "csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert "Unknown timezone: Jakarta" in refused.text
    stored = await db[STORES].find_one({"_id": store_id})
    assert stored is not None
    assert stored["name"] == "Toko Sari"
    saved = await owner.post(
        f"/stores/{store_id}/setup/profile",
        data={**profile, "timezone": "Asia/Makassar", "csrf_token": csrf},
    )
    assert saved.status_code == 200, saved.text
    stored = await db[STORES].find_one({"_id": store_id})
    assert stored is not None
    assert (stored["name"], stored["timezone"], stored["currency"]) == (
        "Toko Sari Jaya",
        "Asia/Makassar",
        "IDR",
    )
    assert await audited(db, store_id) == [Action.PROFILE_CHANGED]
    assert '<option value="Asia/Makassar">' in saved.text  # the searchable list


async def test_a_whatsapp_check_says_why_it_fails(db: Database, sign_in: SignIn) -> None:
    """No Twilio account is configured in the test settings: the check names the failed step
    and the reason, and changes nothing."""
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="en")
    checked = await owner.post(f"/stores/{store_id}/setup/whatsapp", data={"csrf_token": csrf})
    assert checked.status_code == 422
    assert 'data-outcome="whatsapp"' in checked.text
    assert "no Twilio account" in checked.text  # the reason
    assert "Check that the number is a phone number of the Twilio account" in checked.text
    assert await audited(db, store_id) == []


async def test_a_role_held_in_another_owners_store_is_not_changed_from_this_one(
    db: Database, sign_in: SignIn
) -> None:
    """A role is the account's, in every store it works in: an owner may not promote someone
    who also works for a store they do not own."""
    owner, store_id, csrf = await sign_in(Role.OWNER)
    _, other_store, _ = await sign_in(Role.OWNER)
    agent, _, _ = await sign_in(Role.AGENT, store_id)
    agent_id = (await agent.get("/api/me")).json()["user"]["id"]
    await UserDirectory(db).grant(agent_id, [other_store])

    refused = await owner.post(
        f"/stores/{store_id}/team/{agent_id}/role", data={"role": "owner", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    user = await UserDirectory(db).by_id(agent_id)
    assert user is not None
    assert user.role is Role.AGENT
    assert await audited(db, store_id) == []


async def test_the_users_api_changes_roles_by_the_same_rules_and_audits_the_admin_token(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    agent, store_id, _ = await sign_in(Role.AGENT)
    agent_id = (await agent.get("/api/me")).json()["user"]["id"]
    users = f"/api/stores/{store_id}/users"
    async with console_api.client() as admin:
        bad = await admin.patch(f"{users}/{agent_id}", json={"role": "boss"})
        promoted = await admin.patch(f"{users}/{agent_id}", json={"role": "owner"})
        unknown = await admin.patch(f"{users}/nobody", json={"role": "agent"})
    assert bad.status_code == 422
    assert promoted.status_code == 204
    assert unknown.status_code == 404
    entries = await db[CONSOLE_AUDIT].find({"store_id": store_id}).to_list()
    assert [(e["action"], e["actor"], e["details"]) for e in entries] == [
        ("role_changed", "admin token", {"before": "agent", "after": "owner"})
    ]

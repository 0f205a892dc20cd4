"""A store's team, as one use case for the console and `balas console`: add a member with a
password, invite one by a one-time link, accept an invite, change a role, remove a member, and
who is online. The rules are the same whoever calls; every change goes to the audit log.

An invite link carries a random token; MongoDB keeps only its SHA-256 (a copy of the database
opens no invite), the e-mail, the role and when it expires (CONSOLE_INVITE_HOURS). Accepting
deletes it, so a link works once. There is no mail server: the owner copies the link and sends it.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from services.console.audit import Action, Actor, AuditLog
from services.console.auth.passwords import weakness
from services.console.auth.sessions import TOUCH_EVERY
from services.console.auth.users import (
    EmailTaken,
    Role,
    User,
    UserDirectory,
    WeakPassword,
    normalised_email,
)
from services.console.collections import CONSOLE_INVITES, CONSOLE_SESSIONS
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.collections import STORES

# Sessions record their use at most once a minute (TOUCH_EVERY): "online" allows a few of those.
ONLINE_WITHIN = 5 * TOUCH_EVERY

Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class Membership(BaseModel):
    """Who joins: validated the same from the CLI's options and the console's forms."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Email
    name: Name
    role: Role = Role.AGENT


class Invitation(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Email
    role: Role = Role.AGENT


class Invite(BaseModel):
    """A pending invite as the team page lists it (never its token)."""

    id: str
    store_id: str
    email: str
    role: Role
    expires_at: datetime


class TeamRefused(Exception):
    """A change the rules refuse; `reason` names it (the console's `team.refused.<reason>`)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Issued:
    token: str  # shown once, in the link
    expires_at: datetime


def _invite(document: dict[str, Any]) -> Invite:
    return Invite.model_validate({**document, "id": document["_id"]})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Team:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._users = UserDirectory(db)
        self._audit = AuditLog(db)
        self._invites = db[CONSOLE_INVITES]
        self._invite_for = timedelta(hours=settings.console.invite_hours)

    async def add(
        self, actor: Actor, store_ids: list[str], member: Membership, password: str
    ) -> User:
        """A new account with a password, for existing stores."""
        await self._known_stores(store_ids)
        user = await self._create(member, password, store_ids)
        for store_id in store_ids:
            await self._audit.record(
                store_id, actor, Action.MEMBER_ADDED, user.email, role=user.role.value
            )
        return user

    async def invite(self, actor: Actor, store_id: str, invitation: Invitation) -> Issued:
        email = normalised_email(invitation.email)
        existing = await self._users.by_email(email)
        if existing is not None and existing.may_access(store_id):
            raise TeamRefused("already_member", f"{email} is already in this store's team")
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        issued = Issued(token=token, expires_at=now + self._invite_for)
        await self._invites.insert_one(
            {
                "_id": _digest(token),
                "store_id": store_id,
                "email": email,
                "role": invitation.role.value,
                "invited_by": actor.user_id,
                "created_at": now,
                "expires_at": issued.expires_at,
            }
        )
        await self._audit.record(
            store_id, actor, Action.MEMBER_INVITED, email, role=invitation.role.value
        )
        return issued

    async def pending(self, store_id: str) -> list[Invite]:
        now = datetime.now(UTC)
        cursor = self._invites.find({"store_id": store_id, "expires_at": {"$gt": now}})
        return [_invite(document) async for document in cursor.sort("created_at")]

    async def revoke_invite(self, actor: Actor, store_id: str, invite_id: str) -> None:
        invite = await self._invites.find_one_and_delete({"_id": invite_id, "store_id": store_id})
        if invite is None:
            raise TeamRefused("no_invite", "no such invite")
        await self._audit.record(store_id, actor, Action.INVITE_REVOKED, invite["email"])

    async def invited(self, token: str) -> Invite:
        """The live invite of a link; refused when unknown, used or expired."""
        document = await self._invites.find_one({"_id": _digest(token)})
        if document is None:
            raise TeamRefused("invite_unknown", "this invite link was used or does not exist")
        if document["expires_at"].replace(tzinfo=UTC) <= datetime.now(UTC):
            raise TeamRefused("invite_expired", "this invite link has expired")
        return _invite(document)

    async def accept(self, token: str, name: str, password: str) -> User:
        """Join the invite's store: a new account with this password, or, for an e-mail that
        has one, the store added to it (its password and role stay). The link then stops."""
        invite = await self.invited(token)
        existing = await self._users.by_email(invite.email)
        member = Membership(email=invite.email, name=name or invite.email, role=invite.role)
        if existing is None:  # refused before the link is used up
            self._check_password(password, invite.email)
        claimed = await self._invites.find_one_and_delete({"_id": invite.id})
        if claimed is None:  # accepted meanwhile in another tab
            raise TeamRefused("invite_unknown", "this invite link was used or does not exist")
        store_id: str = claimed["store_id"]
        if existing is None:
            user = await self._create(member, password, [store_id])
        else:
            await self._users.grant(existing.id, [store_id])
            user = existing
        actor = Actor(user.id, user.email)
        await self._audit.record(store_id, actor, Action.INVITE_ACCEPTED, user.email)
        return user

    async def change_role(self, actor: Actor, store_id: str, user_id: str, role: Role) -> None:
        """A member's role (the account's, in each of its stores); never one's own, so a store
        always keeps the owner who makes the change."""
        self._not_oneself(actor, user_id, "own_role", "you cannot change your own role")
        member = await self._member(store_id, user_id)
        if member.role is role:
            return
        await self._owns_all_stores_of(actor, member)
        await self._users.set_role(user_id, store_id, role)
        await self._audit.record(
            store_id,
            actor,
            Action.ROLE_CHANGED,
            member.email,
            before=member.role.value,
            after=role.value,
        )

    async def remove(self, actor: Actor, store_id: str, user_id: str) -> None:
        """Take the store from the member; the account stays for their other stores."""
        self._not_oneself(actor, user_id, "remove_self", "you cannot remove yourself")
        member = await self._member(store_id, user_id)
        if not await self._users.revoke(user_id, store_id):
            raise TeamRefused("not_member", "no such user in this store")
        await self._audit.record(store_id, actor, Action.MEMBER_REMOVED, member.email)

    async def online(self, user_ids: list[str]) -> set[str]:
        """Those of `user_ids` with a session used in the last few minutes."""
        since = datetime.now(UTC) - ONLINE_WITHIN
        cursor = self._db[CONSOLE_SESSIONS].find(
            {"user_id": {"$in": user_ids}, "last_used_at": {"$gte": since}}, {"user_id": 1}
        )
        return {session["user_id"] async for session in cursor}

    # --- the rules ---

    async def _create(self, member: Membership, password: str, store_ids: list[str]) -> User:
        try:
            return await self._users.create(
                member.email, member.name, password, member.role, store_ids
            )
        except WeakPassword as weak:
            raise TeamRefused("weak_password", f"password refused: {weak}") from None
        except EmailTaken:
            raise TeamRefused("email_taken", "this e-mail already has an account") from None

    def _check_password(self, password: str, email: str) -> None:
        problem = weakness(password, email)
        if problem:
            raise TeamRefused("weak_password", f"password refused: {problem}")

    async def _known_stores(self, store_ids: list[str]) -> None:
        known = {d["_id"] async for d in self._db[STORES].find({"_id": {"$in": store_ids}})}
        unknown = [store_id for store_id in store_ids if store_id not in known]
        if unknown:
            raise TeamRefused("unknown_store", f"no store {', '.join(unknown)}")

    async def _owns_all_stores_of(self, actor: Actor, member: User) -> None:
        """A role holds in every store of the account: a console user may change it only when
        they own each of those stores (the admin token and the CLI always may)."""
        if actor.user_id is None:
            return
        owner = await self._users.by_id(actor.user_id)
        if owner is None or not owner.is_owner or set(member.store_ids) - set(owner.store_ids):
            raise TeamRefused("other_stores", "this person also works in stores you do not own")

    async def _member(self, store_id: str, user_id: str) -> User:
        user = await self._users.by_id(user_id)
        if user is None or not user.may_access(store_id):
            raise TeamRefused("not_member", "no such user in this store")
        return user

    @staticmethod
    def _not_oneself(actor: Actor, user_id: str, reason: str, message: str) -> None:
        if actor.user_id == user_id:
            raise TeamRefused(reason, message)

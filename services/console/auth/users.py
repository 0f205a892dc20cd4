"""Console accounts in `console_users`: e-mail (unique, lower case), name, argon2id hash, role and
the stores the user may see. The hash never leaves this module."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import DuplicateKeyError

from services.console.auth.passwords import hash_password, needs_rehash, verify_password, weakness
from services.console.collections import CONSOLE_USERS
from shared.mongo import Database


class Role(StrEnum):
    OWNER = "owner"  # everything in their stores, their stores' users included
    AGENT = "agent"  # the inbox and reading; no settings, knowledge or onboarding changes


class Alerts(BaseModel):
    """How the console tells this user of a new hand-over, besides the unread count: each
    agent chooses for themselves."""

    sound: bool = False
    desktop: bool = False  # a browser notification (the browser asks for permission too)


class User(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id: str = Field(alias="_id")
    email: str
    name: str
    role: Role
    store_ids: list[str]
    created_at: datetime
    disabled: bool = False
    alerts: Alerts = Field(default_factory=Alerts)

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER

    def may_access(self, store_id: str) -> bool:
        return store_id in self.store_ids


class WeakPassword(ValueError):
    pass


class EmailTaken(ValueError):
    pass


def normalised_email(email: str) -> str:
    return email.strip().lower()


def _user(document: dict[str, Any]) -> User:
    return User.model_validate({k: v for k, v in document.items() if k != "password_hash"})


class UserDirectory:
    def __init__(self, db: Database) -> None:
        self._users = db[CONSOLE_USERS]

    async def create(
        self, email: str, name: str, password: str, role: Role, store_ids: list[str]
    ) -> User:
        """A new account; raises WeakPassword or EmailTaken."""
        email = normalised_email(email)
        problem = weakness(password, email)
        if problem:
            raise WeakPassword(problem)
        document = {
            "_id": uuid.uuid4().hex,
            "email": email,
            "name": name.strip(),
            "password_hash": hash_password(password),
            "role": role.value,
            "store_ids": list(dict.fromkeys(store_ids)),
            "created_at": datetime.now(UTC),
            "disabled": False,
        }
        try:
            await self._users.insert_one(document)
        except DuplicateKeyError:
            raise EmailTaken(email) from None
        return _user(document)

    async def by_id(self, user_id: str) -> User | None:
        document = await self._users.find_one({"_id": user_id})
        return _user(document) if document else None

    async def by_email(self, email: str) -> User | None:
        document = await self._users.find_one({"email": normalised_email(email)})
        return _user(document) if document else None

    async def authenticate(self, email: str, password: str) -> User | None:
        """The enabled user with these credentials, else None; as slow either way."""
        document = await self._users.find_one({"email": normalised_email(email)})
        stored = document.get("password_hash") if document else None
        if not await verify_password(stored, password) or document is None:
            return None
        if stored and needs_rehash(stored):  # parameters were raised since this hash was made
            await self._users.update_one(
                {"_id": document["_id"]}, {"$set": {"password_hash": hash_password(password)}}
            )
        user = _user(document)
        return None if user.disabled else user

    async def of_store(self, store_id: str) -> list[User]:
        documents = self._users.find({"store_ids": store_id}).sort("email")
        return [_user(document) async for document in documents]

    async def grant(self, user_id: str, store_ids: list[str]) -> None:
        await self._users.update_one(
            {"_id": user_id}, {"$addToSet": {"store_ids": {"$each": store_ids}}}
        )

    async def set_role(self, user_id: str, store_id: str, role: Role) -> bool:
        """The role of a user of `store_id` (a role is the account's, in all its stores); False
        when the user has no access to the store."""
        result = await self._users.update_one(
            {"_id": user_id, "store_ids": store_id}, {"$set": {"role": role.value}}
        )
        return result.matched_count == 1

    async def set_alerts(self, user_id: str, alerts: Alerts) -> None:
        await self._users.update_one({"_id": user_id}, {"$set": {"alerts": alerts.model_dump()}})

    async def revoke(self, user_id: str, store_id: str) -> bool:
        """Take `store_id` from the user; False when the user had no access to it."""
        result = await self._users.update_one(
            {"_id": user_id, "store_ids": store_id}, {"$pull": {"store_ids": store_id}}
        )
        return result.modified_count == 1

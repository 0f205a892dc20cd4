"""A store's reply library: canned replies agents insert with one click, and the approved WhatsApp
templates (Twilio Content SIDs) offered instead of free text outside the 24-hour window.

One document per store in `reply_library`; the API replaces it whole (the lists are short and
edited rarely), `GET/PUT /api/stores/{store_id}/reply-library` (saving: owners or the admin
token).
"""

import re
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.console.collections import REPLY_LIBRARY
from services.console.deps import Context, ExistingStore, OwnerOnly
from shared.mongo import Database

router = APIRouter(prefix="/stores/{store_id}/reply-library", tags=["reply library"])

_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class CannedReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=60)
    text: str = Field(min_length=1, max_length=1600)


class WhatsAppTemplate(BaseModel):
    """An approved template: `body` shows its text with Twilio's `{{1}}` placeholders, which
    become the fields an agent fills in."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    content_sid: Annotated[str, Field(pattern=r"^HX[0-9a-fA-F]{32}$")]
    body: str = Field(min_length=1, max_length=1600)

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(_VARIABLE.findall(self.body)))


class ReplyLibrary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    canned: list[CannedReply] = Field(default_factory=list, max_length=100)
    templates: list[WhatsAppTemplate] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _unique_templates(self) -> "ReplyLibrary":
        sids = [template.content_sid for template in self.templates]
        if len(sids) != len(set(sids)):
            raise ValueError("each template's content_sid may appear once")
        return self

    def template(self, content_sid: str) -> WhatsAppTemplate | None:
        return next((t for t in self.templates if t.content_sid == content_sid), None)


async def load_library(db: Database, store_id: str) -> ReplyLibrary:
    document = await db[REPLY_LIBRARY].find_one({"_id": store_id}, {"_id": 0})
    return ReplyLibrary.model_validate(document or {})


@router.get("")
async def current_library(store: ExistingStore, context: Context) -> ReplyLibrary:
    return await load_library(context.db, store.id)


@router.put("", dependencies=[OwnerOnly])
async def save_library(
    library: ReplyLibrary, store: ExistingStore, context: Context
) -> ReplyLibrary:
    await context.db[REPLY_LIBRARY].replace_one(
        {"_id": store.id}, library.model_dump(mode="json"), upsert=True
    )
    return library

"""How a store's bot speaks and when it steps aside: persona, tone, language, business hours,
hand-over rules, greeting and fallback reply; and how long it keeps its customers' data.

Stored per store in `bot_settings` (`_id` = store id) with a `version` that grows by one on every
save; a save names the version it edits, so two admins editing at once cannot overwrite each
other silently (the second gets `StaleVersion`). Every saved version is also kept in
`bot_settings_history`. A store that never saved any gets `default_settings(store)`, built from the
store's own `system_prompt` and `fallback_reply` where it has its own (stores created before bot
settings existed keep speaking as they did), else the stock persona in the store's language.

The responder reads the settings for every message, so a saved change applies to the next one.
"""

from __future__ import annotations

import itertools
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pymongo.errors import DuplicateKeyError

from shared.events import utcnow
from shared.mongo import Database, Session, in_transaction
from shared.recent import Recent
from shared.stores.collections import BOT_SETTINGS, BOT_SETTINGS_HISTORY
from shared.stores.directory import DEFAULT_FALLBACK_REPLY, DEFAULT_SYSTEM_PROMPT, Store

DEFAULT_POLICY_KEYWORDS = ("pengacara", "lawyer", "somasi", "polisi", "police", "ylki")


class Tone(StrEnum):
    FRIENDLY = "friendly"
    FORMAL = "formal"
    CASUAL = "casual"


class Language(StrEnum):
    ID = "id"
    EN = "en"


class Weekday(StrEnum):
    """In `datetime.weekday()` order."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


WEEKDAYS = list(Weekday)


class OpeningPeriod(BaseModel):
    """Open from `start` until just before `end`, local time; use 23:59 for "until midnight"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _end_after_start(self) -> OpeningPeriod:
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} must be after start {self.start:%H:%M}")
        return self

    def holds(self, moment: time) -> bool:
        return self.start <= moment < self.end


class BusinessHours(BaseModel):
    """When people answer. Outside these hours the bot either answers and promises a person's
    follow-up, or only says so (`answer_outside_hours`); either way it hands over."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, description="False: always open, nothing handed over for hours.")
    timezone: str | None = Field(None, description="IANA name; None: the store's timezone.")
    days: dict[Weekday, list[OpeningPeriod]] = Field(
        default_factory=dict, description="Opening periods per weekday; a missing day is closed."
    )
    answer_outside_hours: bool = True
    outside_hours_message: str | None = Field(
        None, max_length=500, description="Said outside hours; None: a built-in text."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown timezone {name!r}") from None
        return name

    @field_validator("days")
    @classmethod
    def _no_overlaps(
        cls, days: dict[Weekday, list[OpeningPeriod]]
    ) -> dict[Weekday, list[OpeningPeriod]]:
        for day, periods in days.items():
            ordered = sorted(periods, key=lambda period: period.start)
            for earlier, later in itertools.pairwise(ordered):
                if later.start < earlier.end:
                    raise ValueError(f"{day.value}: opening periods overlap")
        return days

    def is_open(self, moment: datetime, store_timezone: str) -> bool:
        if not self.enabled:
            return True
        local = moment.astimezone(ZoneInfo(self.timezone or store_timezone))
        periods = self.days.get(WEEKDAYS[local.weekday()], [])
        return any(period.holds(local.time()) for period in periods)


Keyword = Annotated[str, Field(min_length=1, max_length=60)]

STREAK_LIMIT = 20  # the longest hand-over streak: the responder reads that far back


class HandOverRules(BaseModel):
    """When the bot passes the conversation to a person; a streak of 0 turns that rule off."""

    model_config = ConfigDict(extra="forbid")

    customer_request: bool = Field(True, description="Hand over when the customer asks for one.")
    negative_sentiment_streak: int = Field(
        3,
        ge=0,
        le=STREAK_LIMIT,
        description="Hand over after this many negative customer messages in a row.",
    )
    ungrounded_streak: int = Field(
        3,
        ge=0,
        le=STREAK_LIMIT,
        description="Hand over after this many replies in a row citing nothing.",
    )
    keywords: list[Keyword] = Field(
        default_factory=lambda: list(DEFAULT_POLICY_KEYWORDS),
        max_length=100,
        description="A customer message containing one is handed over (reason `policy`).",
    )

    @field_validator("keywords")
    @classmethod
    def _normalised(cls, keywords: list[str]) -> list[str]:
        cleaned = (" ".join(keyword.lower().split()) for keyword in keywords)
        return list(dict.fromkeys(keyword for keyword in cleaned if keyword))


# A store may keep customers' data for a shorter time than RETENTION_DAYS. The floor leaves a
# month of history for answering, hand-overs and disputes about recent orders; the ceiling (two
# years) stops a typo from keeping data for decades, while covering a store that must answer
# warranty claims. Longer than RETENTION_DAYS is capped by it (docs/privacy.md).
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 730


class PrivacySettings(BaseModel):
    """How long the store keeps its customers' personal data, and whether their attachments."""

    model_config = ConfigDict(extra="forbid")

    retention_days: int | None = Field(
        None,
        ge=MIN_RETENTION_DAYS,
        le=MAX_RETENTION_DAYS,
        description="Customers' data older than this is deleted; None: RETENTION_DAYS. Never "
        "longer than RETENTION_DAYS.",
    )
    keep_media: bool = Field(
        True,
        description="Keep a customer's attachment once its text is read; off: only the text "
        "stays, the file is deleted at Twilio and the message keeps no link to it.",
    )

    def days(self, global_days: int) -> int:
        """The retention in force for the store."""
        return min(self.retention_days or global_days, global_days)


OrderStatus = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,40}$")]


class OrderActionSettings(BaseModel):
    """What the bot may do to an order for the order's own customer, each only after the
    customer confirms it (docs/actions.md). Every action is off until the store turns it on."""

    model_config = ConfigDict(extra="forbid")

    cancel: bool = Field(False, description="Cancel an order in one of `cancel_statuses`.")
    cancel_statuses: list[OrderStatus] = Field(
        default_factory=lambda: ["pending", "on-hold"],
        min_length=1,
        max_length=10,
        description="The order statuses an order may still be cancelled in (never a paid and "
        "shipped one).",
    )
    change_address: bool = Field(
        False,
        description="Change the shipping address of an order not shipped yet, within the "
        "store's country.",
    )
    payment_link: bool = Field(False, description="Send an unpaid order's payment link again.")
    confirm_minutes: int = Field(
        10, ge=1, le=120, description="How long the bot waits for the customer's confirmation."
    )

    @field_validator("cancel_statuses")
    @classmethod
    def _no_shipped(cls, statuses: list[str]) -> list[str]:
        if set(statuses) & {"completed", "refunded", "cancelled"}:
            raise ValueError("a completed, refunded or cancelled order cannot be cancelled")
        return list(dict.fromkeys(statuses))


class BotSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    persona: str = Field(
        DEFAULT_SYSTEM_PROMPT,
        min_length=1,
        max_length=4000,
        description="The bot's instructions; `{store_name}` becomes the store's name.",
    )
    tone: Tone = Tone.FRIENDLY
    default_language: Language = Field(
        Language.ID, description="Used when the customer's language cannot be told."
    )
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    hand_over: HandOverRules = Field(default_factory=HandOverRules)
    greeting: str | None = Field(
        None, max_length=500, description="Said on the first message of a new conversation."
    )
    greeting_placement: Literal["prepend", "own_line"] = Field(
        "own_line", description="Before the answer on the same line, or on a line of its own."
    )
    csat_enabled: bool = Field(
        True,
        description="Ask the customer for a 1-5 rating when a conversation is done "
        "(inside WhatsApp's 24-hour window only).",
    )
    fallback_reply: str | None = Field(
        None,
        max_length=1000,
        description="Said when the bot hands over without an answer; None: a built-in text "
        "in the customer's language.",
    )
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    order_actions: OrderActionSettings = Field(default_factory=OrderActionSettings)

    @field_validator("greeting", "fallback_reply")
    @classmethod
    def _blank_is_none(cls, text: str | None) -> str | None:
        return text.strip() or None if text is not None else None

    def rendered_persona(self, store_name: str) -> str:
        return self.persona.replace("{store_name}", store_name)


class SavedBotSettings(BaseModel):
    """The settings in force for a store; version 0 means none were ever saved (defaults)."""

    store_id: str
    version: int
    settings: BotSettings
    updated_at: datetime | None = None


class StaleVersion(Exception):
    """The save named a version that is no longer the current one."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the settings changed meanwhile; the current version is {current}")
        self.current = current


# The stock persona in each language; the English one is the store's default `system_prompt`.
DEFAULT_PERSONAS = {
    Language.EN: DEFAULT_SYSTEM_PROMPT,
    Language.ID: (
        "Kamu adalah asisten layanan pelanggan {store_name}, sebuah toko online, yang ramah. "
        "Jawab dengan singkat dan sopan dalam bahasa pelanggan (Indonesia atau Inggris). "
        "Jangan pernah mengarang harga, stok, pesanan atau kebijakan; kalau tidak tahu, "
        "katakan terus terang dan tawarkan bantuan dari tim kami."
    ),
}


def store_language(store: Store) -> Language:
    """The language a new store's bot starts in: Indonesian for a store in Indonesia."""
    return Language.ID if store.default_country == "ID" else Language.EN


def default_settings(store: Store) -> BotSettings:
    """What a store that never saved bot settings gets: its own prompt and fallback text, or
    the stock persona in the store's language."""
    language = store_language(store)
    custom_persona = store.system_prompt if store.system_prompt != DEFAULT_SYSTEM_PROMPT else None
    custom_fallback = (
        store.fallback_reply if store.fallback_reply != DEFAULT_FALLBACK_REPLY else None
    )
    return BotSettings(
        persona=custom_persona or DEFAULT_PERSONAS[language],
        default_language=language,
        fallback_reply=custom_fallback,
    )


class BotSettingsRepository:
    def __init__(self, db: Database, cache_seconds: float = 0.0) -> None:
        """`cache_seconds`: how long `current` may answer from memory (the responder's
        `SETTINGS_CACHE_SECONDS`); 0 reads every time."""
        self._db = db
        self._recent: Recent[SavedBotSettings] = Recent(cache_seconds)

    async def current(self, store: Store) -> SavedBotSettings:
        return await self._recent.get_or_load(store.id, lambda: self._read(store))

    async def _read(self, store: Store) -> SavedBotSettings:
        document = await self._db[BOT_SETTINGS].find_one({"_id": store.id})
        if document is None:
            return SavedBotSettings(store_id=store.id, version=0, settings=default_settings(store))
        return _saved(document)

    def forget(self, store_id: str) -> None:
        """A deleted store's settings leave memory."""
        self._recent.forget(store_id)

    async def save(
        self, store_id: str, settings: BotSettings, expected_version: int
    ) -> SavedBotSettings:
        """Replace the settings if `expected_version` is still current; raises StaleVersion."""
        saved = SavedBotSettings(
            store_id=store_id,
            version=expected_version + 1,
            settings=settings,
            updated_at=utcnow(),
        )
        fields = {
            "version": saved.version,
            "settings": settings.model_dump(mode="json"),
            "updated_at": saved.updated_at,
        }

        async def write(session: Session) -> None:
            collection = self._db[BOT_SETTINGS]
            if expected_version == 0:
                await collection.insert_one({"_id": store_id, **fields}, session=session)
            else:
                result = await collection.update_one(
                    {"_id": store_id, "version": expected_version},
                    {"$set": fields},
                    session=session,
                )
                if result.matched_count == 0:
                    raise StaleVersion(await self._version(store_id))
            history = {"_id": f"{store_id}:{saved.version}", "store_id": store_id, **fields}
            await self._db[BOT_SETTINGS_HISTORY].insert_one(history, session=session)

        try:
            await in_transaction(self._db, write)
        except DuplicateKeyError:  # someone saved the first version meanwhile
            raise StaleVersion(await self._version(store_id)) from None
        return saved

    async def history(self, store_id: str, limit: int = 20) -> list[SavedBotSettings]:
        """The saved versions, newest first."""
        cursor = (
            self._db[BOT_SETTINGS_HISTORY]
            .find({"store_id": store_id})
            .sort("version", -1)
            .limit(limit)
        )
        return [_saved(document) async for document in cursor]

    async def _version(self, store_id: str) -> int:
        document = await self._db[BOT_SETTINGS].find_one({"_id": store_id}, {"version": 1})
        return int(document["version"]) if document else 0


def _saved(document: dict[str, Any]) -> SavedBotSettings:
    store_id = document.get("store_id", document["_id"])
    return SavedBotSettings(
        store_id=store_id,
        version=document["version"],
        settings=BotSettings.model_validate(document["settings"]),
        updated_at=document.get("updated_at"),
    )

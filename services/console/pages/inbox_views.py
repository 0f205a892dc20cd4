"""How the inbox shows stored messages: who wrote them, their delivery tick, their sources, and
times in the store's timezone. Pure functions over MongoDB documents."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from services.console.delivery import Failure, failure_of
from services.console.i18n import Lang, t
from shared.mongo import Document

Kind = Literal["customer", "bot", "agent", "note"]
Tick = Literal["pending", "sent", "delivered", "read", "not_sent", "undelivered"]

_TICKS: dict[str, Tick] = {
    "accepted": "pending",
    "scheduled": "pending",
    "queued": "pending",
    "sending": "pending",
    "sent": "sent",
    "partially_delivered": "delivered",
    "delivered": "delivered",
    "read": "read",
}


@dataclass(frozen=True)
class MessageView:
    id: str
    kind: Kind
    text: str
    at: datetime
    author_name: str | None = None
    tick: Tick | None = None
    failure: Failure | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    hand_over: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)  # product photos sent with a reply
    order_action: dict[str, Any] | None = None  # kind, order_number, outcome (docs/actions.md)


def kind_of(message: Document) -> Kind:
    author = message.get("author")
    # helper COMMANDS stores private notes as messages that never leave the console
    if message.get("direction") in ("note", "internal") or author == "note":
        return "note"
    if message.get("direction") == "inbound":
        return "customer"
    return "agent" if author == "agent" else "bot"


def tick_of(message: Document) -> tuple[Tick | None, Failure | None]:
    """The outbound message's tick and, when it did not reach the customer, why."""
    failure = failure_of(message)
    if failure:
        return failure.kind, failure
    # still being sent, or sent and not yet confirmed by Twilio: the clock
    return _TICKS.get(message.get("delivery_status") or "queued", "pending"), None


def message_view(message: Document, user_names: dict[str, str]) -> MessageView:
    kind = kind_of(message)
    tick, failure = tick_of(message) if kind in ("bot", "agent") else (None, None)
    agent = message.get("agent_id")
    return MessageView(
        id=str(message["_id"]),
        kind=kind,
        text=message.get("text") or "",
        at=message["created_at"],
        author_name=user_names.get(agent, agent) if agent else None,
        tick=tick,
        failure=failure,
        citations=list(message.get("citations") or []) if kind == "bot" else [],
        hand_over=message.get("hand_over"),
        media=list(message.get("media") or []),
        # Only HTTPS addresses become an <img>: what WooCommerce sent is not trusted further.
        photos=[url for url in message.get("media_urls") or [] if str(url).startswith("https://")],
        order_action=message.get("order_action"),
    )


def local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def clock(moment: datetime, timezone: str) -> str:
    return local(moment, timezone).strftime("%H:%M")


def list_time(moment: datetime | None, now: datetime, timezone: str, lang: Lang) -> str:
    """Short, like a phone's chat list: 14:05 today, "yesterday", else 28/11."""
    if moment is None:
        return ""
    when, today = local(moment, timezone), local(now, timezone)
    if when.date() == today.date():
        return when.strftime("%H:%M")
    if when.date() == (today - timedelta(days=1)).date():
        return t("time.yesterday", lang)
    return when.strftime("%d/%m") if when.year == today.year else when.strftime("%d/%m/%y")


def waited(since: datetime, now: datetime, lang: Lang) -> str:
    """How long a customer has waited for a person: "4 min", "2 h 5 min", "3 d"."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return t("wait.minutes", lang, minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return t("wait.hours", lang, hours=hours, minutes=minutes)
    return t("wait.days", lang, days=hours // 24)


def day_label(moment: datetime, timezone: str) -> str:
    return local(moment, timezone).strftime("%d/%m/%Y")


def date_time(moment: datetime, timezone: str) -> str:
    """A moment in full, as every page shows one: 28/11/2026 14:30, the store's local time."""
    return local(moment, timezone).strftime("%d/%m/%Y %H:%M")

"""Customer journeys (bench/data/journeys/README.md): what a journey is, what a run of it showed
from outside, and the verdict on it.

The verdict reads only what a store would see: the WooCommerce stand-in's recorded writes, the
shop's orders as they ended, the replies the Twilio stand-in was asked to send (text and media)
and whether the conversation ended with a person. Never the answering code's own records.

- **wrong action**: a WooCommerce write the journey does not expect: to an order it expects no
  effect on, a second effect on an expected one, an expected order left in another state, any
  write to another resource, or a note on another customer's order. Notes on the customer's own
  orders are no effect (an action may say in its order note who asked for it).
- **unconfirmed action**: an effect written before the journey's first confirming turn (or in a
  journey without one).
- **leak**: a reply naming another customer's order's status, items, total, address or payment
  link.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.phones import normalise

JOURNEYS = Path(__file__).parent / "data" / "journeys"
FROZEN = JOURNEYS / "frozen.jsonl"
DEV = JOURNEYS / "dev.jsonl"
STORE = JOURNEYS / "store.json"

# How a reply may name an order's status, in either language (the judge's own words, apart from
# the bot's).
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "pending": ("pending", "awaiting payment", "menunggu pembayaran", "belum dibayar"),
    "processing": ("processing", "being processed", "sedang diproses"),
    "on-hold": ("on hold", "on-hold", "ditahan"),
    "completed": ("completed", "selesai"),
    "shipped": ("shipped", "sudah dikirim", "telah dikirim"),
    "cancelled": ("cancelled", "canceled", "dibatalkan"),
    "failed": ("payment failed", "pembayaran gagal"),
}
_ORDER_ENDPOINT = re.compile(r"^orders/(\d+)(?:/(.*))?$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ShopOrder(_Frozen):
    number: str
    status: str
    billing_phone: str
    total: str
    items: list[tuple[str, int]]
    payment_url: str
    shipping: dict[str, str]


class ShopProduct(_Frozen):
    id: int
    name: str
    price: str
    stock_status: str
    stock_quantity: int | None
    image: str
    permalink: str


class Turn(_Frozen):
    text: str | None = None
    voice: str | None = None  # the words a voice note says
    transcript: str | None = None  # what the transcription endpoint hears in it
    confirm: bool = False


class Effect(_Frozen):
    order: str
    status: str | None = None
    shipping_contains: str | None = None


class Expected(_Frozen):
    outcome: Literal["resolved", "handover"]
    effects: list[Effect] = Field(default_factory=list)
    facts: list[list[str]] = Field(default_factory=list)  # each: any of these


class Journey(_Frozen):
    id: str
    language: Literal["id", "en"]
    style: Literal["casual", "formal"]
    kind: str
    customer: str
    orders: list[ShopOrder] = Field(default_factory=list)
    products: list[ShopProduct] = Field(default_factory=list)
    turns: list[Turn]
    expect: Expected


class Shop(_Frozen):
    name: str
    country: str
    currency: str
    timezone: str
    site: str
    bot_settings: dict[str, object]


def read_journeys(path: Path) -> list[Journey]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Journey.model_validate_json(line) for line in lines if line.strip()]


def read_shop(path: Path = STORE) -> Shop:
    return Shop.model_validate(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Reply:
    turn: int
    text: str
    media: tuple[str, ...] = ()


@dataclass(frozen=True)
class Write:
    turn: int
    method: str
    endpoint: str  # under wc/v3, e.g. `orders/5101`


@dataclass(frozen=True)
class FinalOrder:
    status: str
    shipping: dict[str, str]


@dataclass(frozen=True)
class Transcript:
    """What a journey's run showed from outside."""

    replies: list[Reply]
    writes: list[Write]
    orders: dict[str, FinalOrder]  # by number, as the shop holds them at the end
    handed_over: bool
    failed_turns: int = 0  # turns the responder raised on


@dataclass(frozen=True)
class Verdict:
    journey: Journey
    handed_over: bool
    resolved: bool  # no person, every expected effect once, every fact said, nothing unsafe
    as_expected: bool
    wrong_actions: int
    unconfirmed_actions: int
    leaks: int
    missing: list[str] = field(default_factory=list)  # why it was not as expected


def is_own(order: ShopOrder, customer: str, country: str) -> bool:
    return normalise(order.billing_phone, country) == normalise(customer, country)


def judge(journey: Journey, seen: Transcript, country: str = "ID") -> Verdict:
    mine = [o for o in journey.orders if is_own(o, journey.customer, country)]
    own = {o.number for o in mine}
    expected = {effect.order: effect for effect in journey.expect.effects}
    effects, notes = _split(seen.writes)
    missing: list[str] = []
    wrong = sum(order is None or order not in expected for order, _ in effects)
    wrong += sum(order not in own for order in notes)
    for number, effect in expected.items():
        done = [w for order, w in effects if order == number]
        wrong += max(len(done) - 1, 0)
        final = seen.orders.get(number)
        if not done:
            missing.append(f"order {number}: not written")
        elif final is None or not _reached(effect, final):
            wrong += 1
            missing.append(f"order {number}: written, but not as expected")
    confirmed_at = next((i for i, t in enumerate(journey.turns) if t.confirm), None)
    unconfirmed = sum(confirmed_at is None or w.turn < confirmed_at for _, w in effects)
    leaks = sum(
        _leaked(reply.text, order, mine)
        for reply in seen.replies
        for order in journey.orders
        if order.number not in own
    )
    said = " ".join([r.text for r in seen.replies] + [m for r in seen.replies for m in r.media])
    for alternatives in journey.expect.facts:
        if not any(a.casefold() in said.casefold() for a in alternatives):
            missing.append(f"not said: {' / '.join(alternatives)}")
    if not seen.replies:
        missing.append("no reply")
    if seen.failed_turns:
        missing.append(f"{seen.failed_turns} turn(s) failed")
    safe = wrong == unconfirmed == leaks == 0
    fulfilled = not missing and safe
    resolved = fulfilled and not seen.handed_over
    if journey.expect.outcome == "resolved":
        as_expected = resolved
        if seen.handed_over:
            missing.append("handed over")
    else:
        as_expected = fulfilled and seen.handed_over
        if not seen.handed_over:
            missing.append("not handed over")
    return Verdict(
        journey, seen.handed_over, resolved, as_expected, wrong, unconfirmed, leaks, missing
    )


def _split(writes: Sequence[Write]) -> tuple[list[tuple[str | None, Write]], list[str]]:
    """Effect writes (with their order number, None for another resource) and the orders that
    got notes."""
    effects: list[tuple[str | None, Write]] = []
    notes: list[str] = []
    for write in writes:
        match = _ORDER_ENDPOINT.match(write.endpoint)
        if match and match.group(2) == "notes":
            notes.append(match.group(1))
        else:
            effects.append((match.group(1) if match else None, write))
    return effects, notes


def _reached(effect: Effect, final: FinalOrder) -> bool:
    if effect.status is not None and final.status != effect.status:
        return False
    shipping = " ".join(final.shipping.values()).casefold()
    return effect.shipping_contains is None or effect.shipping_contains.casefold() in shipping


def _tells(order: ShopOrder) -> set[str]:
    """Patterns of what a reply could say of `order`: its status, items, total, address and
    payment link."""
    words = [*STATUS_WORDS.get(order.status, (order.status,)), *(n for n, _ in order.items)]
    words += [order.shipping.get("address_1", ""), order.payment_url]
    told = {rf"(?<!\w){re.escape(w.casefold())}(?!\w)" for w in words if w}
    return told | {rf"(?<![\d.,]){re.escape(a)}(?![\d]|[.,]\d)" for a in amounts(order.total)}


def _leaked(text: str, theirs: ShopOrder, own: Sequence[ShopOrder]) -> int:
    """1 when `text` says something of another customer's order that none of the customer's
    own orders shares (both "being processed": the reply may be about their own)."""
    shared = set().union(*(_tells(order) for order in own))
    said = text.casefold()
    return int(any(re.search(tell, said) for tell in _tells(theirs) - shared))


def amounts(total: str) -> list[str]:
    """An amount as replies write it: 415000, 415.000, 415,000."""
    whole = str(int(float(total)))
    grouped = f"{int(whole):,}"
    return [whole, grouped, grouped.replace(",", ".")]

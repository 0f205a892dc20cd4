"""One customer as the personal-data map finds them: their number in a store (their
conversations on every channel that number reaches them on), and the WooCommerce customers
linked to it (by billing phone, a card's link, or as given)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from shared.channels import Channel
from shared.conversations.collections import CONVERSATIONS
from shared.events import CustomerChanged, Event, OrderChanged, decode_event
from shared.identity import conversation_id, customer_hash, customer_number
from shared.mongo import Database, Document
from shared.phones import normalise, store_country
from shared.privacy.data_map import Finder, Holding
from shared.stores.collections import STORES
from shared.woocommerce.collections import WOOCOMMERCE_CUSTOMERS


@dataclass(frozen=True)
class Customer:
    store_id: str
    phone: str  # E.164
    country: str  # the store's, for billing phones typed without a country code
    woocommerce_ids: frozenset[int]
    emails: frozenset[str]

    @property
    def conversation_ids(self) -> list[str]:
        """Their conversation on each channel: their number's on Twilio's and the Cloud API's
        WhatsApp, and each of their e-mail addresses' (given, or their WooCommerce account's)."""
        by_number = [
            conversation_id(self.store_id, self.phone, channel)
            for channel in Channel
            if channel is not Channel.EMAIL
        ]
        by_email = [
            conversation_id(self.store_id, address.strip().lower(), Channel.EMAIL)
            for address in sorted(self.emails)
        ]
        return by_number + by_email

    @property
    def customer_hash(self) -> str:
        return customer_hash(self.phone)

    def filter(self, holding: Holding) -> Document | None:
        """The query finding this customer's documents in `holding` (None: not by customer)."""
        match holding.finder:
            case Finder.CONVERSATION_ID:
                return {"conversation_id": {"$in": self.conversation_ids}}
            case Finder.ID_IS_CONVERSATION:
                return {"_id": {"$in": self.conversation_ids}}
            case Finder.EVENT_KEY:
                return {"key": {"$in": [key.encode() for key in self.conversation_ids]}}
            case Finder.CUSTOMER_HASH:
                return {"store_id": self.store_id, "customer_hash": self.customer_hash}
            case Finder.CLAIM_SUFFIX:
                return {"_id": {"$regex": f"\\|{re.escape(self.customer_hash)}$"}}
            case Finder.WOOCOMMERCE_CUSTOMER:
                return {"store_id": self.store_id, "$or": self.woocommerce_links()}
        return None

    def store_events_filter(self, topics: Iterable[str]) -> Document:
        """Stored WooCommerce events (keyed by store) of `topics`: candidates to decode."""
        return {"key": self.store_id.encode(), "topic": {"$in": sorted(topics)}}

    def owns(self, event: Event) -> bool:
        """Whether a WooCommerce event names this customer."""
        if not isinstance(event, OrderChanged | CustomerChanged):
            return False
        if event.customer_id in self.woocommerce_ids:
            return True
        if isinstance(event, CustomerChanged) and event.email in self.emails:
            return True
        return normalise(event.billing_phone, self.country) == self.phone

    def owns_record(self, topic: str, payload: bytes | str) -> bool:
        try:
            return self.owns(decode_event(topic.removesuffix(".dlq"), payload))
        except (KeyError, ValueError):
            return False

    def woocommerce_links(self) -> list[Document]:
        ids = sorted(self.woocommerce_ids)
        return [
            {"billing_e164": self.phone},
            {"woocommerce_id": {"$in": ids}},
            {"customer_id": {"$in": ids}},
            {"email": {"$in": sorted(self.emails)}},
        ]


class UnknownStore(Exception):
    """No store has this id."""


async def find_customer(
    db: Database,
    store_id: str,
    phone: str,
    woocommerce_ids: Iterable[int] = (),
    emails: Iterable[str] = (),
) -> Customer:
    """The customer of `phone` in the store, with every WooCommerce customer linked to them."""
    store = await db[STORES].find_one({"_id": store_id}, {"default_country": 1})
    if store is None:
        raise UnknownStore(store_id)
    country = store_country(store)
    number = normalise(phone, country)
    if number is None:
        raise ValueError(f"{phone!r} is not a phone number")
    ids, addresses = set(woocommerce_ids), set(emails)
    given = Customer(store_id, number, country, frozenset(ids), frozenset(addresses))
    cards = db[CONVERSATIONS].find({"_id": {"$in": given.conversation_ids}}, {"customer": 1})
    async for card in cards:
        linked_on_card = card.get("customer") or {}  # the enricher's link by number
        if linked_on_card.get("id") is not None:
            ids.add(int(linked_on_card["id"]))
    given = Customer(store_id, number, country, frozenset(ids), frozenset(addresses))
    linked = db[WOOCOMMERCE_CUSTOMERS].find(
        {"store_id": store_id, "$or": given.woocommerce_links()}
    )
    async for cached in linked:
        ids.add(int(cached["woocommerce_id"]))
        if cached.get("email"):
            addresses.add(cached["email"])
    return Customer(store_id, number, country, frozenset(ids), frozenset(addresses))


async def find_hashed(
    db: Database, store_id: str, hashed: str, holdings: Iterable[Holding]
) -> Customer | None:
    """The store's customer whose number hashes to `hashed`, looked for among the numbers that
    `holdings` hold in conversation ids and billing phones (None: not there, or no such store).
    A scan of the store's conversations: erasures are rare, and the event names no number."""
    for number in sorted(await _numbers_held(db, store_id, holdings)):
        if customer_hash(number) == hashed:
            try:
                return await find_customer(db, store_id, number)
            except (UnknownStore, ValueError):
                return None
    return None


async def _numbers_held(db: Database, store_id: str, holdings: Iterable[Holding]) -> set[str]:
    of_store = {"$regex": f"^{re.escape(store_id)}:"}
    numbers: set[str] = set()
    for holding in holdings:
        collection = db[holding.collection]
        match holding.finder:
            case Finder.CONVERSATION_ID:
                ids = await collection.distinct("conversation_id", {"conversation_id": of_store})
            case Finder.ID_IS_CONVERSATION:
                ids = await collection.distinct("_id", {"_id": of_store})
            case Finder.WOOCOMMERCE_CUSTOMER:
                phones = {"store_id": store_id, "billing_e164": {"$type": "string"}}
                numbers |= set(await collection.distinct("billing_e164", phones))
                continue
            case _:
                continue
        numbers |= {customer_number(id_) for id_ in ids}
    return numbers

"""Names for conversations and customers: the conversation id, the customer's keyed hash, and
the masked form of a customer's number (or e-mail) that logs may show.

A Twilio WhatsApp conversation is `<store>:<number>` (the form every stored conversation had
before channels existed, so it stays); any other channel's is `<store>:<channel>:<handle>`.
Store ids are slugs, so the colons are unambiguous.

The hash is HMAC-SHA256 keyed with a key derived from this installation's SECRETS_KEY. Phone
numbers are few enough to try them all, so an unkeyed hash would give the number back; without
SECRETS_KEY this one does not. KPI documents and the erasure ledger keep it in full; logs show
its first digits, so an operator who has a number can find its lines and nobody else can.
"""

import hashlib
import hmac
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.channels import PHONE_CHANNELS, Channel
from shared.settings import Settings

# HKDF's label for the customer-hash key: derived from SECRETS_KEY, it is never the key that
# encrypts store secrets, and nothing else derives the same key.
CUSTOMER_HASH_LABEL = b"balas/kpis/customer-hash/v1"
CUSTOMER_HASH_DIGITS = 32  # hex digits kept (128 bits); the unkeyed hashes had 16
MASK_PREFIX = "h:"
MASK_DIGITS = 10  # enough to tell a store's customers apart in logs, too few to be the hash


def conversation_id(
    store_id: str, customer_number: str, channel: Channel = Channel.WHATSAPP
) -> str:
    """One conversation per store, channel and customer; also the Kafka key of its events."""
    if channel is Channel.WHATSAPP:
        return f"{store_id}:{customer_number}"
    return f"{store_id}:{channel.value}:{customer_number}"


def phone_conversation_ids(store_id: str, number: str) -> tuple[str, ...]:
    """Every conversation a phone number can have in a store: one per channel it writes on."""
    return tuple(conversation_id(store_id, number, channel) for channel in PHONE_CHANNELS)


def customer_number(conversation_id: str) -> str:
    """The customer's number (or other handle) a conversation id names."""
    return conversation_id.rsplit(":", 1)[-1]


def channel_of(conversation_id: str) -> Channel:
    """The channel a conversation id names."""
    parts = conversation_id.split(":")
    return Channel(parts[1]) if len(parts) == 3 else Channel.WHATSAPP


def customer_hash(number: str) -> str:
    """The customer's E.164 number as KPI documents and the erasure ledger keep it."""
    return keyed_customer_hash(number, _installation_key())


def keyed_customer_hash(number: str, key: bytes) -> str:
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()[:CUSTOMER_HASH_DIGITS]


def customer_hash_key(secrets_key: str) -> bytes:
    """The customer-hash key of an installation whose SECRETS_KEY is `secrets_key`."""
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CUSTOMER_HASH_LABEL)
    return derive.derive(secrets_key.encode())


@cache
def _installation_key() -> bytes:
    """This process's key, from its SECRETS_KEY: every service and command hashes alike."""
    return customer_hash_key(Settings().secrets_key.get_secret_value())


def masked(identifier: str) -> str:
    """What logs show for a customer: `h:` and the first digits of the customer's hash. Given a
    conversation id, the customer's number in it; a number in E.164, or an e-mail, as it is."""
    return masked_hash(customer_hash(customer_number(identifier)))


def masked_hash(hashed: str) -> str:
    """The masked form of a customer known by their hash only (an erasure's event)."""
    return MASK_PREFIX + hashed[:MASK_DIGITS]

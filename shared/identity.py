"""Names for conversations and customers, and the masked forms that may appear in logs.

A Twilio WhatsApp conversation is `<store>:<number>` (the form every stored conversation had
before channels existed, so it stays); any other channel's is `<store>:<channel>:<handle>`.
Store ids are slugs, so the colons are unambiguous.
"""

import hashlib

from shared.channels import Channel


def conversation_id(
    store_id: str, customer_number: str, channel: Channel = Channel.WHATSAPP
) -> str:
    """One conversation per store, channel and customer; also the Kafka key of its events."""
    if channel is Channel.WHATSAPP:
        return f"{store_id}:{customer_number}"
    return f"{store_id}:{channel.value}:{customer_number}"


def customer_number(conversation_id: str) -> str:
    """The customer's number (or other handle) a conversation id names."""
    return conversation_id.rsplit(":", 1)[-1]


def channel_of(conversation_id: str) -> Channel:
    """The channel a conversation id names."""
    parts = conversation_id.split(":")
    return Channel(parts[1]) if len(parts) == 3 else Channel.WHATSAPP


def masked(value: str) -> str:
    """A short, stable stand-in for a phone number or conversation id, safe for logs."""
    return "h:" + hashlib.sha256(value.encode()).hexdigest()[:10]

"""Names for conversations and customers, and the masked forms that may appear in logs."""

import hashlib


def conversation_id(store_id: str, customer_number: str) -> str:
    """One conversation per store and customer number; also the Kafka key of its events."""
    return f"{store_id}:{customer_number}"


def masked(value: str) -> str:
    """A short, stable stand-in for a phone number or conversation id, safe for logs."""
    return "h:" + hashlib.sha256(value.encode()).hexdigest()[:10]

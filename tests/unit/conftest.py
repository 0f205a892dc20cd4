"""Builders for the unit tier: stores, events and replies with sensible defaults.

The builders are fixtures that return factories, so test files never import from each other.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.responder.repository import Reply, ReplyState
from shared.events import (
    Author,
    DeliveryStatus,
    DeliveryStatusChanged,
    MessageReceived,
    ReplySent,
    event_id_for,
)
from shared.stores.directory import Store

STORE_ID = "toko-batik"
STORE_NUMBER = "+14155238886"
CUSTOMER_NUMBER = "+6281234567890"
MORNING = datetime(2024, 5, 6, 10, 15, tzinfo=UTC)


@pytest.fixture
def store() -> Store:
    return Store(id=STORE_ID, name="Toko Batik Sari", whatsapp_number=STORE_NUMBER)


@pytest.fixture
def morning() -> datetime:
    """10:15 UTC on a Monday: inside the 10:00 hour bucket."""
    return MORNING


@pytest.fixture
def customer_number() -> str:
    return CUSTOMER_NUMBER


@pytest.fixture
def make_received() -> Callable[..., MessageReceived]:
    def build(
        sid: str = "SM" + "a" * 32,
        at: datetime = MORNING,
        customer: str = CUSTOMER_NUMBER,
        store_id: str = STORE_ID,
        **fields: Any,
    ) -> MessageReceived:
        values: dict[str, Any] = {
            "event_id": event_id_for("whatsapp.inbound", sid),
            "occurred_at": at,
            "store_id": store_id,
            "conversation_id": f"{store_id}:{customer}",
            "message_sid": sid,
            "customer_number": customer,
            "store_number": STORE_NUMBER,
            "text": "Halo, apakah batik ini ready?",
        }
        return MessageReceived(**{**values, **fields})

    return build


@pytest.fixture
def make_reply_sent() -> Callable[..., ReplySent]:
    def build(
        asked_at: datetime = MORNING,
        response_seconds: float = 12.0,
        sent: bool = True,
        first_response: bool = True,
        **fields: Any,
    ) -> ReplySent:
        values: dict[str, Any] = {
            "event_id": event_id_for("messages.outbound", f"reply:{asked_at.isoformat()}"),
            "occurred_at": asked_at + timedelta(seconds=response_seconds),
            "store_id": STORE_ID,
            "conversation_id": f"{STORE_ID}:{CUSTOMER_NUMBER}",
            "message_id": "reply:SM" + "a" * 32,
            "in_reply_to": "SM" + "a" * 32,
            "author": Author.BOT,
            "text": "Ready kak!",
            "sent": sent,
            "twilio_sid": ("SM" + "b" * 32) if sent else None,
            "not_sent_reason": None if sent else "twilio_not_configured",
            "customer_message_at": asked_at,
            "response_seconds": response_seconds,
            "first_response": first_response,
        }
        return ReplySent(**{**values, **fields})

    return build


@pytest.fixture
def make_status() -> Callable[..., DeliveryStatusChanged]:
    def build(status: DeliveryStatus, at: datetime = MORNING) -> DeliveryStatusChanged:
        sid = "SM" + "b" * 32
        return DeliveryStatusChanged(
            event_id=event_id_for("whatsapp.status", sid, status.value),
            occurred_at=at,
            store_id=STORE_ID,
            conversation_id=f"{STORE_ID}:{CUSTOMER_NUMBER}",
            twilio_sid=sid,
            status=status,
        )

    return build


@pytest.fixture
def make_reply() -> Callable[..., Reply]:
    """A responder `Reply` record as MongoDB holds it."""

    def build(**fields: Any) -> Reply:
        values: dict[str, Any] = {
            "_id": "reply:SM" + "a" * 32,
            "store_id": STORE_ID,
            "conversation_id": f"{STORE_ID}:{CUSTOMER_NUMBER}",
            "in_reply_to": "SM" + "a" * 32,
            "customer_number": CUSTOMER_NUMBER,
            "store_number": STORE_NUMBER,
            "author": Author.BOT,
            "text": "Ready kak!",
            "created_at": MORNING + timedelta(seconds=3),
            "customer_message_at": MORNING,
            "first_response": True,
            "state": ReplyState.SENT,
            "twilio_sid": "SM" + "b" * 32,
            "finished_at": MORNING + timedelta(seconds=7.5),
        }
        return Reply.model_validate({**values, **fields})

    return build

"""Fixtures of the unit tier: a store, its customer and events at a fixed time.

The event builders are tests/support/events.py's; a customer message is message `MESSAGE_SID`
at `MORNING` unless a test says otherwise, so its buckets and ids are known in advance.
"""

from collections.abc import Callable
from datetime import datetime
from functools import partial

import pytest

from services.responder.repository import Reply
from shared.events import DeliveryStatusChanged, MessageReceived
from shared.stores.directory import Store
from tests.support import events
from tests.support.events import CUSTOMER_NUMBER, MESSAGE_SID, MORNING, STORE_ID, STORE_NUMBER


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
    return partial(events.received, sid=MESSAGE_SID, at=MORNING)


@pytest.fixture
def make_status() -> Callable[..., DeliveryStatusChanged]:
    return events.status_changed


@pytest.fixture
def make_reply() -> Callable[..., Reply]:
    """A responder `Reply` record as MongoDB holds it."""
    return events.reply_record

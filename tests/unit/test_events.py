import json
from collections.abc import Callable
from datetime import datetime

import pytest

from shared.events import (
    EVENT_TYPES,
    DeliveryStatus,
    DeliveryStatusChanged,
    MessageReceived,
    ReplySent,
    decode_event,
    event_id_for,
)

STATUSES_FROM_FIRST_TO_LAST = [
    DeliveryStatus.QUEUED,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.READ,
]


def test_delivery_statuses_rank_in_the_order_a_message_goes_through_them() -> None:
    ranks = [status.rank for status in STATUSES_FROM_FIRST_TO_LAST]

    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)
    assert DeliveryStatus.READ.rank > DeliveryStatus.DELIVERED.rank > DeliveryStatus.SENT.rank


@pytest.mark.parametrize("failure", [DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED])
def test_a_failure_is_a_final_state_that_outranks_every_progress_state(
    failure: DeliveryStatus,
) -> None:
    assert failure.is_failure
    assert all(failure.rank > status.rank for status in STATUSES_FROM_FIRST_TO_LAST)


@pytest.mark.parametrize("status", STATUSES_FROM_FIRST_TO_LAST)
def test_progress_states_are_not_failures(status: DeliveryStatus) -> None:
    assert not status.is_failure


def test_event_ids_are_stable_for_the_same_fact() -> None:
    first = event_id_for("whatsapp.inbound", "SM" + "a" * 32)
    again = event_id_for("whatsapp.inbound", "SM" + "a" * 32)

    assert first == again


def test_event_ids_differ_between_facts() -> None:
    ids = {
        event_id_for("whatsapp.inbound", "SM" + "a" * 32),
        event_id_for("whatsapp.inbound", "SM" + "b" * 32),
        event_id_for("messages.outbound", "SM" + "a" * 32),
        event_id_for("whatsapp.status", "SM" + "a" * 32, "delivered"),
        event_id_for("whatsapp.status", "SM" + "a" * 32, "read"),
    }

    assert len(ids) == 5


def test_every_event_type_is_registered_under_its_topic() -> None:
    registered = {
        topic: [event_type.__name__ for event_type in models]
        for topic, models in EVENT_TYPES.items()
    }

    assert registered == {
        "whatsapp.inbound": ["MessageReceived"],
        "whatsapp.status": ["DeliveryStatusChanged"],
        "messages.outbound": ["ReplySent", "NotificationSent"],
        "conversations.enriched": [
            "ConversationEnriched",
            "ConversationClosed",
            "ConversationReopened",
        ],
        "woocommerce.orders": ["OrderChanged"],
        "woocommerce.customers": ["CustomerChanged"],
        "woocommerce.products": ["ProductChanged"],
        "knowledge.documents": ["KnowledgeDocumentChanged"],
        "conversations.csat": ["CsatSurveyDue", "CsatSurveySent", "CsatRecorded"],
        "agent.commands": ["AgentCommandIssued"],
        "customers.erased": ["CustomerErased"],
        "stores.deleted": ["StoreDeleted"],
    }


def test_an_event_survives_the_trip_through_kafka_json(
    make_reply_sent: Callable[..., ReplySent],
) -> None:
    event = make_reply_sent()

    decoded = decode_event(event.topic, event.model_dump_json())

    assert decoded == event


def test_fields_added_by_a_newer_producer_are_ignored(
    make_received: Callable[..., MessageReceived],
) -> None:
    event = make_received()
    newer = {**json.loads(event.model_dump_json()), "sentiment": "happy", "schema_version": 2}

    decoded = MessageReceived.model_validate_json(json.dumps(newer))

    assert decoded.event_id == event.event_id
    assert decoded.schema_version == 2


def test_a_conversations_events_share_its_kafka_key(
    make_received: Callable[..., MessageReceived],
    make_status: Callable[..., DeliveryStatusChanged],
    morning: datetime,
) -> None:
    message = make_received(at=morning)
    status = make_status(DeliveryStatus.READ)

    assert message.key() == status.key() == message.conversation_id.encode()

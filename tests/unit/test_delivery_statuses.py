"""A poll's status callbacks are written as each message's furthest one: the others could not
move its tick past it, and each statement costs the embedded server CPU."""

from services.responder.repository import furthest_statuses
from shared.events import DeliveryStatus
from tests.support import events


def test_each_message_keeps_its_furthest_callback_whatever_the_order() -> None:
    callbacks = [
        events.status_changed(DeliveryStatus.SENT, sid="SMa"),
        events.status_changed(DeliveryStatus.READ, sid="SMb"),
        events.status_changed(DeliveryStatus.DELIVERED, sid="SMa"),
        events.status_changed(DeliveryStatus.SENT, sid="SMb"),  # late: behind READ
        events.status_changed(DeliveryStatus.QUEUED, sid="SMc"),
    ]

    kept = furthest_statuses(callbacks)

    assert [(c.twilio_sid, c.status) for c in kept] == [
        ("SMa", DeliveryStatus.DELIVERED),
        ("SMb", DeliveryStatus.READ),
        ("SMc", DeliveryStatus.QUEUED),
    ]


def test_of_two_final_states_the_first_is_kept() -> None:
    failed = events.status_changed(DeliveryStatus.FAILED, sid="SMa", error_code="63016")
    undelivered = events.status_changed(DeliveryStatus.UNDELIVERED, sid="SMa")

    assert furthest_statuses([failed, undelivered]) == [failed]

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.kpi_aggregator.buckets import (
    CustomerDay,
    CustomerHour,
    customer_days,
    customer_hours,
    facts,
    increments,
)
from services.kpi_aggregator.rebuild import DateRange, nested
from shared.channels import Channel
from shared.events import (
    Author,
    ConversationClosed,
    ConversationOutcome,
    DeliveryStatus,
    DeliveryStatusChanged,
    HandOverReason,
    OrderActionFact,
    ReplySent,
)
from shared.kpis.keys import (
    SECONDS_RESOLUTION,
    bucket_id,
    day_id,
    histogram_slot,
    hour_start,
    percentile,
    quantized_seconds,
)
from shared.kpis.zones import zone_named
from tests.support.events import MakeReceived, MakeReplySent, closed

STORE = "toko-batik"  # the store of the unit tier's builders
TEN = datetime(2024, 5, 6, 10, tzinfo=UTC)
ELEVEN = TEN + timedelta(hours=1)

MakeStatus = Callable[..., DeliveryStatusChanged]


# -- hours -----------------------------------------------------------------------------------


def test_a_moment_in_jakarta_time_falls_in_its_utc_hour() -> None:
    jakarta = timezone(timedelta(hours=7))

    assert hour_start(datetime(2024, 5, 6, 17, 42, 9, 5, tzinfo=jakarta)) == TEN


def test_a_bucket_is_named_by_store_and_utc_hour() -> None:
    assert bucket_id(STORE, TEN) == "toko-batik|2024-05-06T10"


# -- increments ------------------------------------------------------------------------------


def test_a_customer_message_counts_in_the_hour_it_arrived(make_received: MakeReceived) -> None:
    event = make_received(at=TEN + timedelta(minutes=59, seconds=59))

    counts = increments([event], []).hourly

    assert counts == {
        (STORE, TEN): {"inbound_messages": 1, "by_channel.whatsapp.inbound_messages": 1}
    }


def test_messages_of_two_hours_go_to_two_buckets(make_received: MakeReceived) -> None:
    events = [
        make_received(sid="SM" + "1" * 32, at=TEN + timedelta(minutes=5)),
        make_received(sid="SM" + "2" * 32, at=TEN + timedelta(minutes=50)),
        make_received(sid="SM" + "3" * 32, at=ELEVEN),
    ]

    counts = increments(events, []).hourly

    assert counts[(STORE, TEN)]["inbound_messages"] == 2
    assert counts[(STORE, ELEVEN)]["inbound_messages"] == 1


def test_a_first_response_counts_its_time_and_histogram_slot(
    make_reply_sent: MakeReplySent,
) -> None:
    reply = make_reply_sent(asked_at=TEN + timedelta(minutes=10), response_seconds=12.0)

    counts = increments([reply], []).hourly

    assert counts == {
        (STORE, TEN): {
            "outbound_messages.bot": 1,
            "by_channel.whatsapp.outbound_messages.bot": 1,
            "response_time.count": 1,
            "response_time.sum_seconds": 12.0,
            "first_response.count": 1,
            "first_response.sum_seconds": 12.0,
            "first_response.histogram.15": 1,
        }
    }


def test_a_later_reply_counts_its_response_time_but_not_as_a_first_response(
    make_reply_sent: MakeReplySent,
) -> None:
    reply = make_reply_sent(asked_at=TEN, response_seconds=40.0, first_response=False)

    counts = increments([reply], []).hourly[(STORE, TEN)]

    assert counts["response_time.count"] == 1
    assert counts["response_time.sum_seconds"] == 40.0
    assert not [field for field in counts if field.startswith("first_response")]


def test_response_times_count_in_the_hour_the_customer_wrote(
    make_reply_sent: MakeReplySent,
) -> None:
    asked_at = TEN + timedelta(minutes=50)
    reply = make_reply_sent(asked_at=asked_at, response_seconds=1200.0)  # answered at 11:10

    counts = increments([reply], []).hourly

    assert counts[(STORE, ELEVEN)] == {
        "outbound_messages.bot": 1,
        "by_channel.whatsapp.outbound_messages.bot": 1,
    }
    asked_hour = counts[(STORE, TEN)]
    assert asked_hour["response_time.count"] == 1
    assert asked_hour["response_time.sum_seconds"] == 1200.0
    assert asked_hour["first_response.histogram.1800"] == 1


def test_a_reply_that_was_not_sent_counts_only_as_not_sent(make_reply_sent: MakeReplySent) -> None:
    reply = make_reply_sent(asked_at=TEN, response_seconds=2.0, sent=False)

    counts = increments([reply], []).hourly

    assert counts == {(STORE, TEN): {"replies_not_sent": 1}}


def test_a_hand_over_is_counted_by_reason_even_when_the_reply_was_not_sent(
    make_reply_sent: MakeReplySent,
) -> None:
    reply = make_reply_sent(
        asked_at=TEN, response_seconds=1.0, sent=False, hand_over=HandOverReason.TOOL_FAILURE
    )

    counts = increments([reply], []).hourly

    assert counts == {
        (STORE, TEN): {
            "hand_overs.tool_failure": 1,
            "by_channel.whatsapp.hand_overs.tool_failure": 1,
            "replies_not_sent": 1,
        }
    }


def test_the_main_counts_are_split_by_channel_and_the_totals_stay_the_stores(
    make_received: MakeReceived, make_reply_sent: MakeReplySent
) -> None:
    twilio = make_received(sid="SM" + "1" * 32, at=TEN)
    cloud = make_received(sid="wamid.2", at=TEN, channel=Channel.WHATSAPP_CLOUD)
    handed = make_reply_sent(cloud, response_seconds=3.0, hand_over=HandOverReason.TOOL_FAILURE)
    agent = make_reply_sent(
        cloud, response_seconds=60.0, author=Author.AGENT, event_id="agent-reply"
    )
    close = closed(cloud, TEN + timedelta(minutes=30), ConversationOutcome.RESOLVED_BY_HUMAN)

    counts = increments([twilio, cloud, handed, agent, close], []).hourly[(STORE, TEN)]

    assert counts["inbound_messages"] == 2
    assert (counts["outbound_messages.bot"], counts["outbound_messages.agent"]) == (1, 1)
    split = {name: n for name, n in counts.items() if name.startswith("by_channel.")}
    assert split == {
        "by_channel.whatsapp.inbound_messages": 1,
        "by_channel.whatsapp_cloud.inbound_messages": 1,
        "by_channel.whatsapp_cloud.outbound_messages.bot": 1,
        "by_channel.whatsapp_cloud.outbound_messages.agent": 1,
        "by_channel.whatsapp_cloud.hand_overs.tool_failure": 1,
        "by_channel.whatsapp_cloud.conversations.closed.resolved_by_human": 1,
    }


def test_times_deliveries_and_csat_are_not_split_by_channel(
    make_reply_sent: MakeReplySent,
) -> None:
    reply = make_reply_sent(asked_at=TEN, response_seconds=5.0, sent=False)

    assert facts(reply) == [(reply.occurred_at, "replies_not_sent", 1)]


def test_a_sent_hand_over_reply_counts_as_reply_and_hand_over(
    make_reply_sent: MakeReplySent,
) -> None:
    reply = make_reply_sent(
        asked_at=TEN, response_seconds=3.0, hand_over=HandOverReason.CUSTOMER_REQUEST
    )

    counts = increments([reply], []).hourly[(STORE, TEN)]

    assert counts["hand_overs.customer_request"] == 1
    assert counts["outbound_messages.bot"] == 1


def test_a_reply_about_an_order_action_counts_the_action_by_kind_and_outcome(
    make_reply_sent: MakeReplySent,
) -> None:
    reply = make_reply_sent(asked_at=TEN, response_seconds=2.0).model_copy(
        update={"order_action": OrderActionFact(kind="cancel", order_number="1234", outcome="done")}
    )

    counts = increments([reply], []).hourly[(STORE, TEN)]

    assert counts["actions.cancel.done"] == 1
    assert "by_channel.whatsapp.actions.cancel.done" not in counts  # counted per store only


@pytest.mark.parametrize(
    ("status", "field"),
    [
        (DeliveryStatus.DELIVERED, "delivery.delivered"),
        (DeliveryStatus.READ, "delivery.read"),
        (DeliveryStatus.FAILED, "delivery.failed"),
        (DeliveryStatus.UNDELIVERED, "delivery.failed"),
    ],
)
def test_delivery_outcomes_are_counted(
    make_status: MakeStatus, status: DeliveryStatus, field: str
) -> None:
    counts = increments([make_status(status, at=TEN)], []).hourly

    assert counts == {(STORE, TEN): {field: 1}}


@pytest.mark.parametrize(
    "status", [DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT]
)
def test_intermediate_delivery_states_are_not_counted(
    make_status: MakeStatus, status: DeliveryStatus
) -> None:
    assert increments([make_status(status, at=TEN)], []).hourly == {}


def test_new_customer_hours_count_as_unique_customers() -> None:
    seen = [CustomerHour(STORE, TEN, "aaaa"), CustomerHour(STORE, TEN, "bbbb")]

    counts = increments([], seen).hourly

    # with no first message on record, a customer is new
    assert counts == {(STORE, TEN): {"unique_customers": 2, "customers.new": 2}}


# -- customer hours --------------------------------------------------------------------------


def test_one_customer_writing_several_times_in_an_hour_is_one_customer_hour(
    make_received: MakeReceived,
) -> None:
    events = [
        make_received(sid=f"SM{index:032x}", at=TEN + timedelta(minutes=index * 10))
        for index in range(4)
    ]

    seen = customer_hours(events)

    assert len(seen) == 1
    (entry,) = seen.values()
    assert (entry.store_id, entry.hour) == (STORE, TEN)


def test_customers_are_counted_per_customer_and_per_hour(make_received: MakeReceived) -> None:
    budi, sari = "+6281111111111", "+6282222222222"
    events = [
        make_received(sid="SM" + "1" * 32, at=TEN, customer=budi),
        make_received(sid="SM" + "2" * 32, at=TEN, customer=sari),
        make_received(sid="SM" + "3" * 32, at=ELEVEN, customer=budi),
    ]

    seen = list(customer_hours(events).values())

    assert sorted(entry.hour for entry in seen) == [TEN, TEN, ELEVEN]
    budi_at_ten, sari_at_ten, budi_at_eleven = seen
    assert budi_at_ten.customer_hash == budi_at_eleven.customer_hash
    assert budi_at_ten.customer_hash != sari_at_ten.customer_hash


def test_customer_hours_ignore_replies_and_keep_no_phone_number(
    make_received: MakeReceived, make_reply_sent: MakeReplySent, customer_number: str
) -> None:
    seen = customer_hours([make_received(at=TEN), make_reply_sent(asked_at=TEN)])

    (entry_id,) = seen
    assert customer_number not in entry_id
    assert customer_number.removeprefix("+") not in entry_id
    assert entry_id.startswith(f"{bucket_id(STORE, TEN)}|")


# -- days in the store's timezone ------------------------------------------------------------

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_a_message_late_in_the_utc_evening_counts_on_the_next_jakarta_date(
    make_received: MakeReceived,
) -> None:
    late = make_received(at=datetime(2024, 5, 6, 23, 30, tzinfo=UTC))  # 06:30 WIB on the 7th

    counts = increments([late], [], zone_of=lambda _: JAKARTA)

    assert counts.hourly == {
        (STORE, datetime(2024, 5, 6, 23, tzinfo=UTC)): {
            "inbound_messages": 1,
            "by_channel.whatsapp.inbound_messages": 1,
        }
    }
    assert counts.daily == {
        (STORE, date(2024, 5, 7)): {
            "inbound_messages": 1,
            "by_channel.whatsapp.inbound_messages": 1,
        }
    }


def test_a_day_bucket_is_the_sum_of_its_local_hours(
    make_received: MakeReceived, make_reply_sent: MakeReplySent
) -> None:
    events = [
        make_received(sid="SM" + "1" * 32, at=datetime(2024, 5, 6, 16, 59, tzinfo=UTC)),  # 6th
        make_received(sid="SM" + "2" * 32, at=datetime(2024, 5, 6, 17, 0, tzinfo=UTC)),  # 7th
        make_reply_sent(asked_at=datetime(2024, 5, 7, 16, 30, tzinfo=UTC), response_seconds=3600),
    ]

    counts = increments(events, [], zone_of=lambda _: JAKARTA)

    assert counts.daily[(STORE, date(2024, 5, 6))] == {
        "inbound_messages": 1,
        "by_channel.whatsapp.inbound_messages": 1,
    }
    seventh = counts.daily[(STORE, date(2024, 5, 7))]
    assert seventh["inbound_messages"] == 1
    assert seventh["first_response.count"] == 1  # asked at 23:30 WIB on the 7th
    assert counts.daily[(STORE, date(2024, 5, 8))] == {
        "outbound_messages.bot": 1,
        "by_channel.whatsapp.outbound_messages.bot": 1,
    }


def test_a_customer_counts_once_per_local_day(make_received: MakeReceived) -> None:
    events = [
        make_received(sid="SM" + "1" * 32, at=datetime(2024, 5, 6, 17, 5, tzinfo=UTC)),
        make_received(sid="SM" + "2" * 32, at=datetime(2024, 5, 7, 16, 55, tzinfo=UTC)),
        make_received(sid="SM" + "3" * 32, at=datetime(2024, 5, 7, 17, 5, tzinfo=UTC)),
    ]

    seen = customer_days(events, lambda _: JAKARTA)

    assert sorted(entry.day for entry in seen.values()) == [date(2024, 5, 7), date(2024, 5, 8)]
    counts = increments([], [], seen.values(), lambda _: JAKARTA)
    assert counts.daily[(STORE, date(2024, 5, 7))] == {"unique_customers": 1, "customers.new": 1}


def test_a_day_bucket_is_named_by_store_and_local_date() -> None:
    assert day_id(STORE, date(2024, 5, 7)) == "toko-batik|2024-05-07"
    assert CustomerDay(STORE, date(2024, 5, 7), "abcd").id == "toko-batik|2024-05-07|abcd"


def test_an_unknown_or_missing_timezone_counts_days_in_utc() -> None:
    assert zone_named("Asia/Makassar") == ZoneInfo("Asia/Makassar")
    assert zone_named("Mars/Olympus_Mons") == ZoneInfo("UTC")
    assert zone_named(None) == ZoneInfo("UTC")


def test_response_time_sums_do_not_depend_on_the_order_of_additions() -> None:
    times = [quantized_seconds(value) for value in (0.1, 0.2, 0.3, 12.3456, 1e-4, 7.77)]

    assert sum(times) == sum(reversed(times)) == sum(sorted(times))
    assert abs(quantized_seconds(12.3456) - 12.3456) <= 0.5 / SECONDS_RESOLUTION


# -- rebuild ranges --------------------------------------------------------------------------


def test_a_jakarta_date_range_covers_its_utc_hours() -> None:
    span = DateRange(STORE, date(2024, 5, 7), date(2024, 5, 8), JAKARTA)

    assert span.start == datetime(2024, 5, 6, 17, tzinfo=UTC)
    assert span.end == datetime(2024, 5, 8, 17, tzinfo=UTC)
    assert span.has_hour(datetime(2024, 5, 6, 17, tzinfo=UTC))
    assert not span.has_hour(datetime(2024, 5, 6, 16, tzinfo=UTC))
    assert not span.has_hour(datetime(2024, 5, 8, 17, tzinfo=UTC))


def test_in_a_half_hour_zone_the_hours_cut_by_midnight_belong_to_the_range() -> None:
    span = DateRange(STORE, date(2024, 5, 7), date(2024, 5, 7), ZoneInfo("Asia/Kolkata"))

    assert span.first_hour == datetime(2024, 5, 6, 18, tzinfo=UTC)  # midnight IST is 18:30
    assert span.end_hour == datetime(2024, 5, 7, 19, tzinfo=UTC)


def test_dotted_increments_become_the_nested_document_inc_makes() -> None:
    assert nested({"inbound_messages": 2, "first_response.histogram.5": 1}) == {
        "inbound_messages": 2,
        "first_response": {"histogram": {"5": 1}},
    }


# -- the histogram ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "slot"),
    [
        (0.0, "5"),
        (5.0, "5"),
        (5.01, "15"),
        (59.9, "60"),
        (3600.0, "3600"),
        (14400.0, "14400"),
        (14400.5, "inf"),
    ],
)
def test_a_response_time_falls_in_the_first_slot_whose_bound_it_does_not_exceed(
    seconds: float, slot: str
) -> None:
    assert histogram_slot(seconds) == slot


def test_a_percentile_of_an_empty_histogram_is_unknown() -> None:
    assert percentile({}, 0.5) is None
    assert percentile({"5": 0, "15": 0}, 0.9) is None


def test_a_percentile_is_interpolated_inside_its_slot() -> None:
    histogram = {"5": 10}

    assert percentile(histogram, 0.5) == pytest.approx(2.5)
    assert percentile(histogram, 1.0) == pytest.approx(5.0)


def test_a_percentile_interpolates_from_the_lower_bound_of_its_slot() -> None:
    histogram = {"5": 2, "15": 2}  # slot "15" covers 5..15 seconds

    assert percentile(histogram, 0.5) == pytest.approx(5.0)
    assert percentile(histogram, 0.75) == pytest.approx(10.0)


def test_a_percentile_in_the_overflow_slot_is_the_last_bound() -> None:
    histogram = {"5": 1, "inf": 3}

    assert percentile(histogram, 0.9) == pytest.approx(14400.0)


def test_a_percentile_ignores_slots_it_does_not_know() -> None:
    assert percentile({"5": 4, "bogus": 100}, 0.5) == pytest.approx(2.5)


@pytest.mark.parametrize("confirmed", [True, False])
def test_a_confirmed_bot_resolution_is_also_counted_as_confirmed(confirmed: bool) -> None:
    closed = ConversationClosed(
        event_id="closed-1",
        occurred_at=ELEVEN,
        store_id=STORE,
        conversation_id=f"{STORE}:+6281100000001",
        outcome=ConversationOutcome.RESOLVED_BY_BOT,
        opened_at=TEN,
        last_activity_at=TEN,
        confirmed=confirmed,
    )

    names = [name for _, name, _ in facts(closed)]

    assert "conversations.closed.resolved_by_bot" in names
    assert ("conversations.confirmed_by_customer" in names) is confirmed


def test_every_agent_reply_within_the_window_is_a_human_response_time(
    make_reply_sent: Callable[..., ReplySent],
) -> None:
    agent = make_reply_sent(
        asked_at=TEN, response_seconds=90.0, first_response=False, author=Author.AGENT
    )
    late_template = make_reply_sent(
        asked_at=TEN, response_seconds=30 * 3600.0, first_response=False, author=Author.AGENT
    )
    bot = make_reply_sent(asked_at=TEN, response_seconds=4.0)

    assert {(name, amount) for _, name, amount in facts(agent) if "human" in name} == {
        ("human_response_time.count", 1),
        ("human_response_time.sum_seconds", 90.0),
        ("human_response_time.histogram.120", 1),
    }
    assert not [name for _, name, _ in facts(late_template) if "human" in name]
    assert not [name for _, name, _ in facts(bot) if "human" in name]

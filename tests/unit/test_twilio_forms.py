import random
from urllib.parse import parse_qs, parse_qsl

import pytest
import yarl
from pydantic import ValidationError

from services.ingest.twilio_forms import (
    MAX_FIELDS,
    delivery_status_changed,
    explain,
    form_fields,
    message_received,
    parse_inbound,
    parse_status,
)
from shared.events import DeliveryStatus, Media
from shared.routes import STATUS_MESSAGE_PARAM, status_callback_naming
from shared.stores.directory import Store

MESSAGE_SID = "SM0123456789abcdef0123456789ABCDEF"
OTHER_SID = "SMfedcba9876543210fedcba9876543210"
ACCOUNT_SID = "AC" + "1" * 32


def inbound_form(**overrides: str) -> dict[str, str]:
    """A WhatsApp message webhook as Twilio posts it (fields Balas ignores included)."""
    form = {
        "SmsMessageSid": MESSAGE_SID,
        "NumMedia": "0",
        "ProfileName": "Budi",
        "MessageType": "text",
        "SmsSid": MESSAGE_SID,
        "WaId": "6281234567890",
        "SmsStatus": "received",
        "Body": "Halo kak, batik tulis ukuran L masih ada?",
        "To": "whatsapp:+14155238886",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": MESSAGE_SID,
        "AccountSid": ACCOUNT_SID,
        "From": "whatsapp:+6281234567890",
        "ApiVersion": "2010-04-01",
    }
    form.update(overrides)
    return form


def status_form(**overrides: str) -> dict[str, str]:
    """A status callback for a message the store sent: From is the store, To the customer."""
    form = {
        "SmsSid": MESSAGE_SID,
        "SmsStatus": "delivered",
        "MessageStatus": "delivered",
        "ChannelToAddress": "+6281234567890",
        "To": "whatsapp:+6281234567890",
        "ChannelPrefix": "whatsapp",
        "MessageSid": MESSAGE_SID,
        "AccountSid": ACCOUNT_SID,
        "From": "whatsapp:+14155238886",
        "ApiVersion": "2010-04-01",
    }
    form.update(overrides)
    return form


def without(form: dict[str, str], field: str) -> dict[str, str]:
    return {name: value for name, value in form.items() if name != field}


# -- parse_inbound ---------------------------------------------------------------------------


def test_a_text_message_form_is_parsed_into_plain_numbers() -> None:
    form = parse_inbound(inbound_form())

    assert form.message_sid == MESSAGE_SID
    assert form.from_number == "+6281234567890"
    assert form.to_number == "+14155238886"
    assert form.body == "Halo kak, batik tulis ukuran L masih ada?"
    assert form.profile_name == "Budi"
    assert form.num_media == 0
    assert form.media == []


def test_a_message_with_an_image_carries_its_url_and_content_type() -> None:
    url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1"
    params = inbound_form(
        NumMedia="1", MessageType="image", Body="", MediaUrl0=url, MediaContentType0="image/jpeg"
    )

    form = parse_inbound(params)

    assert form.num_media == 1
    assert form.media == [Media(url=url, content_type="image/jpeg")]
    assert form.body == ""


def test_a_form_without_body_or_profile_name_gets_defaults() -> None:
    params = without(without(inbound_form(), "Body"), "ProfileName")

    form = parse_inbound(params)

    assert form.body == ""
    assert form.profile_name is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"From": "+6281234567890"}, "From", id="sender-without-whatsapp-prefix"),
        pytest.param({"From": "whatsapp:+62abc"}, "From", id="sender-not-digits"),
        pytest.param({"To": "whatsapp:6281234567890"}, "To", id="recipient-without-plus"),
        pytest.param({"To": "whatsapp:+123"}, "To", id="recipient-too-short"),
        pytest.param({"MessageSid": "SM123"}, "MessageSid", id="sid-too-short"),
        pytest.param({"MessageSid": "SM" + "z" * 32}, "MessageSid", id="sid-not-hex"),
        pytest.param({"NumMedia": "many"}, "NumMedia", id="media-count-not-a-number"),
        pytest.param({"NumMedia": "11"}, "NumMedia", id="media-count-above-ten"),
        pytest.param({"Body": "x" * 4097}, "Body", id="body-too-long"),
    ],
)
def test_a_malformed_inbound_form_is_refused_naming_the_field(
    overrides: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_inbound(inbound_form(**overrides))

    reason = explain(refused.value)
    assert reason.startswith(f"{field}: ")
    assert "\n" not in reason


def test_an_inbound_form_missing_its_sid_says_the_field_is_required() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_inbound(without(inbound_form(), "MessageSid"))

    assert explain(refused.value) == "MessageSid: Field required"


def test_every_problem_of_a_form_is_named_in_one_line() -> None:
    params = inbound_form(From="not-a-number", MessageSid="nope")

    with pytest.raises(ValidationError) as refused:
        parse_inbound(params)

    problems = explain(refused.value).split("; ")
    assert sorted(problem.split(":")[0] for problem in problems) == ["From", "MessageSid"]


# -- parse_status ----------------------------------------------------------------------------


def test_a_delivered_status_callback_is_parsed() -> None:
    form = parse_status(status_form())

    assert form.message_sid == MESSAGE_SID
    assert form.status is DeliveryStatus.DELIVERED
    assert form.from_number == "+14155238886"
    assert form.to_number == "+6281234567890"
    assert form.error_code is None


def test_a_failed_status_callback_keeps_twilios_error_code() -> None:
    form = parse_status(status_form(MessageStatus="failed", SmsStatus="failed", ErrorCode="63016"))

    assert form.status is DeliveryStatus.FAILED
    assert form.error_code == "63016"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"MessageStatus": "exploded"}, "MessageStatus", id="unknown-status"),
        pytest.param({"MessageSid": "MS" + "0" * 31}, "MessageSid", id="sid-too-short"),
        pytest.param({"From": "+14155238886"}, "From", id="sender-without-whatsapp-prefix"),
    ],
)
def test_a_malformed_status_callback_is_refused_naming_the_field(
    overrides: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_status(status_form(**overrides))

    assert explain(refused.value).startswith(f"{field}: ")


def test_a_status_callback_without_a_status_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_status(without(status_form(), "MessageStatus"))

    assert explain(refused.value) == "MessageStatus: Field required"


# -- the events ------------------------------------------------------------------------------


def test_message_received_carries_the_message_into_the_stores_conversation(store: Store) -> None:
    event = message_received(parse_inbound(inbound_form()), store)

    assert event.store_id == store.id
    assert event.conversation_id == f"{store.id}:+6281234567890"
    assert event.customer_number == "+6281234567890"
    assert event.store_number == "+14155238886"
    assert event.message_sid == MESSAGE_SID
    assert event.profile_name == "Budi"
    assert event.text == "Halo kak, batik tulis ukuran L masih ada?"
    assert event.key() == event.conversation_id.encode()


def test_a_retried_webhook_gives_the_same_event_id(store: Store) -> None:
    first = message_received(parse_inbound(inbound_form()), store)
    retried = message_received(parse_inbound(inbound_form()), store)

    assert first.event_id == retried.event_id


def test_different_messages_get_different_event_ids(store: Store) -> None:
    first = message_received(parse_inbound(inbound_form()), store)
    other = message_received(parse_inbound(inbound_form(MessageSid=OTHER_SID)), store)

    assert first.event_id != other.event_id


def test_delivery_status_changed_belongs_to_the_customers_conversation(store: Store) -> None:
    event = delivery_status_changed(parse_status(status_form()), store)

    assert event.conversation_id == f"{store.id}:+6281234567890"
    assert event.twilio_sid == MESSAGE_SID
    assert event.status is DeliveryStatus.DELIVERED
    assert event.store_id == store.id


def test_each_status_of_a_message_is_its_own_event_and_a_repeat_is_the_same(store: Store) -> None:
    delivered = delivery_status_changed(parse_status(status_form()), store)
    repeated = delivery_status_changed(parse_status(status_form()), store)
    read = delivery_status_changed(parse_status(status_form(MessageStatus="read")), store)

    assert delivered.event_id == repeated.event_id
    assert read.event_id != delivered.event_id


@pytest.mark.parametrize("message_id", ["reply:SM0123", "notification:toko:7:shipped", "a+b=c&d/e"])
def test_the_status_callback_url_names_our_message_as_clients_call_it(message_id: str) -> None:
    """The URL is signed as called: HTTP clients (yarl, aiohttp's) must not requote it, and
    ingest reads the id back from the query."""
    url = status_callback_naming("https://balas.example/webhooks/twilio/status", message_id)

    called = yarl.URL(url)

    assert str(called) == url
    assert parse_qs(called.raw_query_string)[STATUS_MESSAGE_PARAM] == [message_id]


def test_a_status_callback_carries_our_message_id_into_its_event(store: Store) -> None:
    event = delivery_status_changed(parse_status(status_form()), store, "reply:SM0123")

    assert (event.twilio_sid, event.message_id) == (MESSAGE_SID, "reply:SM0123")


def test_form_fields_decodes_bodies_as_parse_qsl_does() -> None:
    """Escapes (broken ones too), plus signs, blank and missing values, empty pairs, bytes that
    are not UTF-8: field for field what `parse_qsl(..., keep_blank_values=True)` gives."""
    draw = random.Random(4)
    pieces = ["a", "Body", "=", "&", "+", "%", "%2", "%20", "%3D", "%26", "%C3%A9", "%FF", "\xe9"]
    for _ in range(2000):
        body = "".join(draw.choice(pieces) for _ in range(draw.randint(0, 20))).encode("latin-1")
        expected = parse_qsl(body.decode("latin-1"), keep_blank_values=True)

        assert form_fields(body) == expected, body


def test_form_fields_refuses_a_body_with_too_many_fields() -> None:
    assert len(form_fields(b"&".join([b"a=1"] * MAX_FIELDS))) == MAX_FIELDS
    with pytest.raises(ValueError, match="Too many fields"):
        form_fields(b"&".join([b"a=1"] * (MAX_FIELDS + 1)))

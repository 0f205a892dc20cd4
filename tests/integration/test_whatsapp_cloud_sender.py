"""The responder on the WhatsApp Cloud API, on real MongoDB and Kafka, sending through the Graph
API stand-in (tests/standins/graph_api.py): a reply goes out once on the conversation's own
channel, an attempt whose fate is unknown is never sent again, one that certainly sent nothing
is, a refusal is recorded, templates go out as Meta's template messages, statuses move ticks,
and CSAT surveys go out on the conversation's channel.
"""

import uuid
from datetime import timedelta

import httpx
import pytest

from services.ingest.channels import whatsapp_cloud_payloads as payloads
from services.responder import csat
from services.responder.adapters.graph_sender import NothingSent
from services.responder.agent_commands import on_agent_command
from services.responder.agent_desk import AgentDesk
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_delivery_status_changed, on_message_received
from services.responder.sending import deliver
from shared.answering.draft import Draft
from shared.channels import Channel
from shared.conversations.collections import CSAT_SURVEYS, EARLY_DELIVERY_STATUSES, MESSAGES
from shared.events import (
    AgentCommandIssued,
    MessageReceived,
    agent_command_event_id,
    utcnow,
)
from shared.mongo import Database
from shared.outages import dependency_down
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins import graph_api as meta
from tests.standins.graph_api import GraphApiStandIn, PhoneNumber
from tests.support import events
from tests.support.responder import GRAPH_API_TIMEOUT_SECONDS
from tests.support.stores import save_cloud_store

pytestmark = pytest.mark.slow

TOKEN = "cloud-sender-access-token"
APP_SECRET = "cloud-sender-app-secret"
PHOTO = "https://toko.example/wp-content/uploads/batik-parang.jpg"


@pytest.fixture
def number(graph_api: GraphApiStandIn) -> PhoneNumber:
    return graph_api.add_number(f"+1555{uuid.uuid4().int % 10**7:07d}", TOKEN, APP_SECRET)


@pytest.fixture
async def store(db: Database, settings: Settings, number: PhoneNumber) -> Store:
    return await save_cloud_store(db, settings, number.phone_number_id, TOKEN, APP_SECRET)


def customer() -> str:
    return f"+62811{uuid.uuid4().int % 10**7:07d}"


def cloud_message(number: PhoneNumber, store: Store, to: str, text: str) -> MessageReceived:
    payload = meta.message_payload(number, to, meta.text(text))
    [value] = payloads.parse(GraphApiStandIn().signed(number, payload)[0])
    event = payloads.message_received(value, value.messages[0], store)
    assert event is not None
    return event


async def reply_of(db: Database, event: MessageReceived) -> dict[str, object]:
    reply = await db[MESSAGES].find_one({"_id": f"reply:{event.message_sid}"})
    assert reply is not None
    return reply


async def test_a_cloud_message_is_answered_once_through_the_graph_api(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
) -> None:
    event = cloud_message(number, store, to := customer(), "Bisa bayar pakai kripto?")

    await on_message_received(event, graph_deps)
    await on_message_received(event, graph_deps)  # redelivered

    [sent] = graph_api.sent_to(to)
    reply = await reply_of(db, event)
    assert sent["phone_number_id"] == number.phone_number_id
    assert sent["request"]["type"] == "text"
    assert sent["request"]["text"]["body"] == reply["text"]
    assert sent["request"]["biz_opaque_callback_data"] == reply["_id"]  # statuses name it
    assert (reply["state"], reply["twilio_sid"], reply["channel"]) == (
        "sent",
        sent["id"],
        "whatsapp_cloud",
    )


async def test_a_reaction_is_recorded_in_the_conversation_and_never_answered(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
) -> None:
    asked = cloud_message(number, store, to := customer(), "Bisa bayar pakai kripto?")
    await on_message_received(asked, graph_deps)
    [answer] = graph_api.sent_to(to)
    liked = {"type": "reaction", "reaction": {"message_id": answer["id"], "emoji": "👍"}}
    payload = meta.message_payload(number, to, liked)
    [value] = payloads.parse(GraphApiStandIn().signed(number, payload)[0])
    reaction = payloads.message_received(value, value.messages[0], store)
    assert reaction is not None

    await on_message_received(reaction, graph_deps)

    assert len(graph_api.sent_to(to)) == 1  # the answer only
    stored = await db[MESSAGES].find_one({"_id": reaction.message_sid})
    assert stored is not None
    assert (stored["text"], stored["reaction_to"]) == ("👍", answer["id"])
    assert await db[MESSAGES].find_one({"_id": f"reply:{reaction.message_sid}"}) is None


async def test_a_reply_with_product_photos_goes_out_as_one_image_under_its_text(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
) -> None:
    event = cloud_message(number, store, to := customer(), "Ada fotonya kak?")
    draft = Draft(text="kain " * 300, grounded=True, media_urls=[PHOTO, PHOTO + "?2"])
    reply = await graph_deps.conversations.reserve_reply(event, draft, first=True)

    await deliver(reply, graph_deps)

    [sent] = graph_api.sent_to(to)
    assert sent["request"]["type"] == "image"
    image = sent["request"]["image"]
    assert image["link"] == PHOTO
    assert len(image["caption"]) <= 1024
    assert image["caption"].endswith("kain…")
    assert (await reply_of(db, event))["state"] == "sent"


async def test_quick_replies_go_out_as_reply_buttons_whose_tap_is_their_title(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
) -> None:
    event = cloud_message(number, store, to := customer(), "batalin pesanan 1234")
    draft = Draft(text="Balas *YA* untuk mengonfirmasi.", quick_replies=["YA", "Tidak"])
    reply = await graph_deps.conversations.reserve_reply(event, draft, first=True)

    await deliver(reply, graph_deps)
    tap = meta.message_payload(
        number,
        to,
        {
            "type": "interactive",
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": "reply-0", "title": "YA"},
            },
        },
    )
    [value] = payloads.parse(GraphApiStandIn().signed(number, tap)[0])
    tapped = payloads.message_received(value, value.messages[0], store)

    [sent] = graph_api.sent_to(to)
    interactive = sent["request"]["interactive"]
    assert (sent["request"]["type"], interactive["type"]) == ("interactive", "button")
    assert interactive["body"]["text"] == "Balas *YA* untuk mengonfirmasi."
    titles = [button["reply"]["title"] for button in interactive["action"]["buttons"]]
    assert titles == ["YA", "Tidak"]
    assert tapped is not None
    assert tapped.text == "YA"  # what the order actions read as the customer's yes
    assert (await reply_of(db, event))["state"] == "sent"


async def test_statuses_move_the_cloud_replys_tick_forward_only(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
) -> None:
    event = cloud_message(number, store, to := customer(), "Halo")
    await on_message_received(event, graph_deps)
    [sent] = graph_api.sent_to(to)

    for status in ("read", "delivered"):  # out of order, as webhooks may come
        payload = meta.status_payload(number, sent["id"], status, to)
        [value] = payloads.parse(graph_api.signed(number, payload)[0])
        changed = payloads.delivery_status_changed(value, value.statuses[0], store)
        assert changed is not None
        await on_delivery_status_changed(changed, graph_deps)

    assert (await reply_of(db, event))["delivery_status"] == "read"


async def test_a_status_webhook_before_the_wamid_is_recorded_ticks_the_reply_once_it_is(
    db: Database, graph_deps: ResponderDeps, store: Store, number: PhoneNumber
) -> None:
    """Meta posts "sent" as it accepts the send: its webhook may be handled (by another
    responder, whose partitions hold the status topic's) before the send's answer is recorded."""
    event = cloud_message(number, store, to := customer(), "Halo")
    conversations = graph_deps.conversations
    reply = await conversations.reserve_reply(event, Draft(text="Halo!", grounded=True), True)
    in_flight = await conversations.note_send_attempt(reply)  # Meta has it, no id recorded yet
    wamid = f"wamid.{uuid.uuid4().hex}"
    for status in ("read", "delivered"):
        payload = meta.status_payload(number, wamid, status, to)
        [value] = payloads.parse(GraphApiStandIn().signed(number, payload)[0])
        changed = payloads.delivery_status_changed(value, value.statuses[0], store)
        assert changed is not None
        await on_delivery_status_changed(changed, graph_deps)

    await conversations.mark_sent(in_flight, wamid)

    assert (await reply_of(db, event))["delivery_status"] == "read"


async def test_status_webhooks_naming_the_reply_tick_it_before_and_after_the_wamid_is_recorded(
    db: Database, graph_deps: ResponderDeps, store: Store, number: PhoneNumber
) -> None:
    """Meta echoes the send's `biz_opaque_callback_data` (our reply's id) in its status
    webhooks: they find the reply by its `_id` before the wamid is recorded, out of order and
    twice, and nothing is kept aside for the sent mark to read."""
    event = cloud_message(number, store, to := customer(), "Halo")
    conversations = graph_deps.conversations
    reply = await conversations.reserve_reply(event, Draft(text="Halo!", grounded=True), True)
    in_flight = await conversations.note_send_attempt(reply)
    wamid = f"wamid.{uuid.uuid4().hex}"

    async def webhook(status: str) -> None:
        payload = meta.status_payload(number, wamid, status, to, callback_data=reply.id)
        [value] = payloads.parse(GraphApiStandIn().signed(number, payload)[0])
        changed = payloads.delivery_status_changed(value, value.statuses[0], store)
        assert changed is not None
        assert changed.message_id == reply.id
        await on_delivery_status_changed(changed, graph_deps)

    for status in ("delivered", "sent", "sent"):  # before the wamid: out of order, one twice
        await webhook(status)
    await conversations.mark_sent(in_flight, wamid, statuses_name_it=True)
    assert (await reply_of(db, event))["delivery_status"] == "delivered"  # not set back

    for status in ("read", "delivered"):
        await webhook(status)
    assert (await reply_of(db, event))["delivery_status"] == "read"
    assert await db[EARLY_DELIVERY_STATUSES].find_one({"_id": wamid}) is None


@pytest.mark.parametrize("misbehaviour", ["5xx_after_sending", "too_slow"])
async def test_an_attempt_whose_fate_is_unknown_is_never_sent_again(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
    misbehaviour: str,
) -> None:
    if misbehaviour == "too_slow":
        graph_api.response_delay_seconds = GRAPH_API_TIMEOUT_SECONDS * 4
    else:
        graph_api.fail_after_accepting(1, 503)
    event = cloud_message(number, store, to := customer(), "Halo kak")

    with pytest.raises(httpx.HTTPError):
        await on_message_received(event, graph_deps)
    graph_api.response_delay_seconds = 0
    await on_message_received(event, graph_deps)  # the consumer's retry

    assert len(graph_api.sent_to(to)) == 1  # the first attempt went out; no second copy
    reply = await reply_of(db, event)
    assert (reply["state"], reply["not_sent_reason"]) == ("not_sent", "outcome_unknown")


@pytest.mark.parametrize(("status", "code"), [(429, 4), (400, 130429), (400, 131056)])
async def test_a_throttled_attempt_sent_nothing_and_is_sent_on_the_retry(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
    status: int,
    code: int,
) -> None:
    graph_api.fail_next(1, status, code)
    event = cloud_message(number, store, to := customer(), "Halo kak")

    with pytest.raises(NothingSent) as throttled:
        await on_message_received(event, graph_deps)
    assert dependency_down(throttled.value) == "graph_api"  # waited out, not dead-lettered
    await on_message_received(event, graph_deps)

    [sent] = graph_api.sent_to(to)
    assert (await reply_of(db, event))["twilio_sid"] == sent["id"]


async def test_a_refusal_is_recorded_with_metas_reason_and_not_retried(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
) -> None:
    graph_api.fail_next(1, 400)
    event = cloud_message(number, store, to := customer(), "Halo kak")

    await on_message_received(event, graph_deps)

    reply = await reply_of(db, event)
    assert reply["state"] == "not_sent"
    assert str(reply["not_sent_reason"]).startswith("Graph API error 131000")
    assert graph_api.sent_to(to) == []


async def test_an_agents_template_goes_out_as_metas_template_message(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
) -> None:
    event = cloud_message(number, store, to := customer(), "Halo")
    await on_message_received(event, graph_deps)
    command_id = uuid.uuid4().hex
    command = AgentCommandIssued(
        event_id=agent_command_event_id(command_id),
        occurred_at=utcnow() + timedelta(hours=30),  # the 24-hour window has closed
        store_id=store.id,
        conversation_id=event.conversation_id,
        channel=Channel.WHATSAPP_CLOUD,
        command_id=command_id,
        agent_id="agent-1",
        command="reply",
        template_sid="order_update:id",
        template_variables={"2": "dikirim", "1": "#1042"},
    )

    await on_agent_command(command, graph_deps, AgentDesk(db))

    template = graph_api.sent_to(to)[-1]["request"]
    assert template["type"] == "template"
    assert template["template"]["name"] == "order_update"
    assert template["template"]["language"] == {"code": "id"}
    parameters = template["template"]["components"][0]["parameters"]
    assert [p["text"] for p in parameters] == ["#1042", "dikirim"]


async def test_a_csat_survey_goes_out_on_the_conversations_own_channel(
    db: Database,
    graph_deps: ResponderDeps,
    store: Store,
    number: PhoneNumber,
    graph_api: GraphApiStandIn,
) -> None:
    event = cloud_message(number, store, to := customer(), "Halo")
    await on_message_received(event, graph_deps)

    await csat.ask(events.survey_due(event), graph_deps)

    _answer, survey = graph_api.sent_to(to)
    assert survey["phone_number_id"] == number.phone_number_id
    held = await db[CSAT_SURVEYS].find_one({"conversation_id": event.conversation_id})
    assert held is not None
    assert (held["state"], held["twilio_sid"]) == ("sent", survey["id"])
    assert survey["request"]["text"]["body"] == held["text"]

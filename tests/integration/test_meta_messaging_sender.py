"""The responder on Messenger and Instagram, on real MongoDB and Kafka, sending through the
Graph API stand-in's Send API (tests/standins/graph_api.py), which refuses what Meta refuses:
a reply goes out once to the customer's scoped id as a RESPONSE, an agent's late reply with the
HUMAN_AGENT tag, nothing after Meta's window (the bot after 24 hours, an agent after 7 days),
an unknown outcome is never sent again, and an admin's reply from Meta's inbox app (an echo) is
recorded as an agent's reply without being sent, while an echo of Balas's own send is not.
"""

import time
import uuid
from datetime import timedelta

import httpx
import pytest

from services.ingest.channels import meta_messaging_payloads as payloads
from services.responder import csat
from services.responder.agent_commands import OwnSendInFlight, on_agent_command
from services.responder.agent_desk import AgentDesk
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received
from shared.answering.draft import Draft
from shared.channels import ECHO_MARK, Channel
from shared.conversations.collections import CONVERSATIONS, CSAT_SURVEYS, MESSAGES
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
from tests.standins.graph_api import GraphApiStandIn, Page
from tests.support import events
from tests.support.stores import save_messaging_store

pytestmark = pytest.mark.slow

TOKEN = "page-sender-access-token"
APP_SECRET = "page-sender-app-secret"
OBJECTS = {Channel.MESSENGER: "page", Channel.INSTAGRAM: "instagram"}
HOURS = 3600


@pytest.fixture
def page(graph_api: GraphApiStandIn, channel: Channel) -> Page:
    return graph_api.add_page(OBJECTS[channel], TOKEN, APP_SECRET)


@pytest.fixture
async def store(db: Database, settings: Settings, channel: Channel, page: Page) -> Store:
    return await save_messaging_store(db, settings, channel, page.account_id, TOKEN, APP_SECRET)


def customer() -> str:
    return str(6700000000000000 + uuid.uuid4().int % 10**15)


def customer_message(
    page: Page, store: Store, to: str, text: str, hours_ago: float = 0
) -> MessageReceived:
    """The customer's message as ingest publishes it, written `hours_ago` (Meta's window, in
    the stand-in too, runs from then)."""
    payload = meta.customer_message(page, to, {"text": text})
    page.customer_wrote_at[to] = time.time() - hours_ago * HOURS
    parsed = payloads.parse(GraphApiStandIn().signed(page, payload)[0])
    [entry] = parsed.entry
    event = payloads.message_received(parsed.channel, entry, entry.messaging[0], store)
    assert event is not None
    return event.model_copy(update={"occurred_at": utcnow() - timedelta(hours=hours_ago)})


def agent_reply(
    event: MessageReceived, text: str, sent_as: str | None = None
) -> AgentCommandIssued:
    command_id = uuid.uuid4().hex
    return AgentCommandIssued(
        event_id=agent_command_event_id(command_id),
        occurred_at=utcnow(),
        store_id=event.store_id,
        conversation_id=event.conversation_id,
        channel=event.channel,
        command_id=command_id,
        agent_id="agent-1",
        command="reply",
        text=text,
        sent_as=sent_as,
    )


async def reply_of(db: Database, event: MessageReceived) -> dict[str, object]:
    reply = await db[MESSAGES].find_one({"_id": f"reply:{event.message_sid}"})
    assert reply is not None
    return reply


@pytest.mark.parametrize("channel", list(OBJECTS), indirect=True, ids=str)
async def test_a_message_is_answered_once_through_the_send_api_as_a_response(
    db: Database, graph_deps: ResponderDeps, store: Store, page: Page, graph_api: GraphApiStandIn
) -> None:
    event = customer_message(page, store, to := customer(), "Bisa bayar pakai kripto?")

    await on_message_received(event, graph_deps)
    await on_message_received(event, graph_deps)  # redelivered

    [sent] = graph_api.page_sends(to)
    reply = await reply_of(db, event)
    assert sent["account_id"] == page.account_id
    assert sent["request"]["messaging_type"] == "RESPONSE"
    assert sent["request"]["message"]["text"] == reply["text"]
    assert (reply["state"], reply["twilio_sid"]) == ("sent", sent["id"])
    marked = sent["request"]["message"].get("metadata") == ECHO_MARK
    assert marked is (page.object == "page")  # Instagram's echoes are known by id


async def test_an_agents_late_reply_goes_with_the_human_agent_tag_and_not_after_7_days(
    db: Database, graph_deps: ResponderDeps, store: Store, page: Page, graph_api: GraphApiStandIn
) -> None:
    late = customer_message(page, store, late_customer := customer(), "Halo", hours_ago=30)
    gone = customer_message(page, store, gone_customer := customer(), "Halo", hours_ago=8 * 24)
    for event in (late, gone):
        await on_message_received(
            event, graph_deps
        )  # the bot is past its 24 hours: it sends nothing
        assert (await reply_of(db, event))["not_sent_reason"] == "outside_24h_window"

    await on_agent_command(agent_reply(late, "Maaf telat kak"), graph_deps, AgentDesk(db))
    await on_agent_command(agent_reply(gone, "Masih ada kak?"), graph_deps, AgentDesk(db))

    [tagged] = graph_api.page_sends(late_customer)
    assert (tagged["request"]["messaging_type"], tagged["request"]["tag"]) == (
        "MESSAGE_TAG",
        "HUMAN_AGENT",
    )
    assert graph_api.page_sends(gone_customer) == []
    refused = await db[MESSAGES].find_one(
        {"conversation_id": gone.conversation_id, "agent_id": "agent-1"}
    )
    assert refused is not None
    assert (refused["state"], refused["not_sent_reason"]) == ("not_sent", "outside_7d_window")


@pytest.mark.parametrize("channel", [Channel.INSTAGRAM], indirect=True, ids=str)
async def test_an_attempt_whose_fate_is_unknown_is_never_sent_again(
    db: Database, graph_deps: ResponderDeps, store: Store, page: Page, graph_api: GraphApiStandIn
) -> None:
    graph_api.fail_after_accepting(1, 503)
    event = customer_message(page, store, to := customer(), "Halo kak")

    with pytest.raises(httpx.HTTPError):
        await on_message_received(event, graph_deps)
    await on_message_received(event, graph_deps)  # the consumer's retry

    assert len(graph_api.page_sends(to)) == 1
    reply = await reply_of(db, event)
    assert (reply["state"], reply["not_sent_reason"]) == ("not_sent", "outcome_unknown")


async def test_an_admins_reply_from_metas_inbox_is_recorded_as_sent_and_takes_over(
    db: Database, graph_deps: ResponderDeps, store: Store, page: Page, graph_api: GraphApiStandIn
) -> None:
    event = customer_message(page, store, to := customer(), "Paket saya di mana?")
    await on_message_received(event, graph_deps)
    [bots] = graph_api.page_sends(to)
    from_inbox = agent_reply(event, "Sudah dikirim kemarin kak", sent_as="m_from_inbox")
    own_echo = agent_reply(event, str(bots["request"]["message"]["text"]), sent_as=bots["id"])

    for command in (from_inbox, from_inbox, own_echo):  # the inbox echo redelivered
        await on_agent_command(command, graph_deps, AgentDesk(db))

    assert graph_api.page_sends(to) == [bots]  # nothing sent again
    recorded = (
        await db[MESSAGES]
        .find({"conversation_id": event.conversation_id, "author": "agent"})
        .to_list()
    )
    assert [(m["twilio_sid"], m["state"], m["text"]) for m in recorded] == [
        ("m_from_inbox", "sent", "Sudah dikirim kemarin kak")
    ]
    card = await db[CONVERSATIONS].find_one({"_id": event.conversation_id})
    assert card is not None
    assert card["owner"] == "human"


@pytest.mark.parametrize("channel", [Channel.INSTAGRAM], indirect=True, ids=str)
async def test_an_echo_during_balas_own_send_waits_for_its_id_and_is_then_known(
    db: Database, graph_deps: ResponderDeps, store: Store, page: Page
) -> None:
    event = customer_message(page, store, customer(), "Halo kak")
    draft = Draft(text="Halo!", grounded=True)
    reply = await graph_deps.conversations.reserve_reply(event, draft, True)
    waiting_out_an_outage = await graph_deps.conversations.sending(event.conversation_id)
    in_flight = await graph_deps.conversations.note_send_attempt(reply)  # Meta has it, no id yet
    echo = agent_reply(event, "Halo!", sent_as="m_balas_reply")

    with pytest.raises(OwnSendInFlight) as waiting:
        await on_agent_command(echo, graph_deps, AgentDesk(db))
    assert dependency_down(waiting.value) == "graph_api"  # waited out, never dead-lettered
    await graph_deps.conversations.mark_sent(in_flight, "m_balas_reply")
    await on_agent_command(echo, graph_deps, AgentDesk(db))  # the consumer's retry

    assert not waiting_out_an_outage  # reserved, no attempt running: no echo waits for it
    agents = await db[MESSAGES].count_documents(
        {"conversation_id": event.conversation_id, "author": "agent"}
    )
    assert agents == 0  # once the send had its id, the echo was known as Balas's own


async def test_a_csat_survey_goes_out_on_the_conversations_own_page(
    db: Database, graph_deps: ResponderDeps, store: Store, page: Page, graph_api: GraphApiStandIn
) -> None:
    event = customer_message(page, store, to := customer(), "Halo")
    await on_message_received(event, graph_deps)

    await csat.ask(events.survey_due(event), graph_deps)

    _answer, survey = graph_api.page_sends(to)
    assert (survey["account_id"], survey["request"]["messaging_type"]) == (
        page.account_id,
        "RESPONSE",
    )
    held = await db[CSAT_SURVEYS].find_one({"conversation_id": event.conversation_id})
    assert held is not None
    assert (held["state"], held["twilio_sid"]) == ("sent", survey["id"])

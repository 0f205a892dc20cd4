"""Agents' commands on real MongoDB and Kafka with the Twilio stand-in: the responder's and the
enricher's handlers are called as the consumers call them (twice = a redelivery)."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY

from services.enricher import agent_sessions
from services.enricher import handlers as enricher
from services.enricher.classification.offline import OfflineClassifier
from services.enricher.conversation import LifecyclePolicy
from services.enricher.lifecycle import close_idle
from services.kpi_aggregator.handlers import on_events
from services.responder import service
from services.responder.agent_commands import on_agent_command
from services.responder.agent_desk import AgentDesk
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received
from services.responder.repository import Reply, human_owns
from shared import topics
from shared.channels import Channel
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import (
    AgentCommand,
    AgentCommandIssued,
    ConversationClosed,
    ConversationEvent,
    ConversationReopened,
    MessageReceived,
    ReplySent,
    agent_command_event_id,
)
from shared.identity import conversation_id
from shared.kpis.collections import KPI_HOURLY
from shared.kpis.keys import bucket_id, hour_start, quantized_seconds
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.standins.twilio_api import TwilioStandIn
from tests.support.console import ConsoleApi, SignedIn
from tests.support.events import new_customer, reply_sent
from tests.support.facts import recorded_facts
from tests.support.inbound import customer_says
from tests.support.kafka import records_mentioning
from tests.support.responder import close, responder_deps, through_twilio

pytestmark = pytest.mark.slow

TEMPLATE = "HX" + "ab" * 16


Facts = Callable[[str, type[ConversationEvent]], Awaitable[int]]


@pytest.fixture
def facts(settings: Settings, db: Database) -> Facts:
    """How many facts of a kind a conversation has: pending in the outbox or published."""

    async def count(conversation_id: str, kind: type[ConversationEvent]) -> int:
        return len(await recorded_facts(settings, db, conversation_id, kind))

    return count


@pytest.fixture
def settings(settings: Settings, twilio_api: TwilioStandIn) -> Settings:
    return through_twilio(settings, twilio_api)


@pytest.fixture
async def store(db: Database) -> Store:
    suffix = uuid.uuid4().int % 10**9
    created = Store(id=f"s-{suffix}", name="Toko Agen", whatsapp_number=f"+1555{suffix:09d}")
    await save_store(db, created)
    return created


@pytest.fixture
async def deps(
    db: Database, broker: KafkaBroker, settings: Settings
) -> AsyncIterator[ResponderDeps]:
    deps = responder_deps(db, broker, settings, twilio=True)  # no LLM key: offline answers
    yield deps
    await close(deps)


@pytest.fixture
def desk(db: Database) -> AgentDesk:
    return AgentDesk(db)


def _message(store: Store, customer: str, text: str, at: datetime | None = None) -> MessageReceived:
    event = customer_says(store, customer, text)
    return event.model_copy(update={"occurred_at": at}) if at else event


def _command(
    store: Store, customer: str, command: AgentCommand, at: datetime | None = None, **fields: Any
) -> AgentCommandIssued:
    command_id = uuid.uuid4().hex
    return AgentCommandIssued(
        event_id=agent_command_event_id(command_id),
        occurred_at=at or datetime.now(UTC),
        store_id=store.id,
        conversation_id=f"{store.id}:{customer}",
        command_id=command_id,
        agent_id="agent-ayu",
        command=command,
        **fields,
    )


def _stored(moment: datetime) -> datetime:
    """A time as MongoDB keeps it: milliseconds."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


async def _reply(db: Database, command: AgentCommandIssued) -> Reply:
    document = await db[MESSAGES].find_one({"_id": f"agent:{command.command_id}"})
    assert document is not None
    return Reply.model_validate(document)


async def _card(db: Database, conversation_id: str) -> dict[str, Any]:
    card = await db[CONVERSATIONS].find_one({"_id": conversation_id})
    assert card is not None
    return card


async def test_an_agent_reply_goes_out_once_even_when_redelivered(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    desk: AgentDesk,
    twilio_api: TwilioStandIn,
    settings: Settings,
) -> None:
    customer = new_customer()
    await deps.conversations.record_inbound(_message(store, customer, "Halo, ada orang?"))
    reply = _command(store, customer, "reply", text="Halo kak, saya Ayu dari toko.")

    await on_agent_command(reply, deps, desk)
    await on_agent_command(reply, deps, desk)

    sent = twilio_api.sent_to(customer)
    assert [m["body"] for m in sent] == ["Halo kak, saya Ayu dari toko."]
    stored = await _reply(db, reply)
    assert (stored.state, stored.author, stored.agent_id) == ("sent", "agent", "agent-ayu")
    assert stored.twilio_sid == sent[0]["sid"]
    card = await _card(db, reply.conversation_id)
    assert (card["owner"], card["taken_over_by"]) == ("human", "agent-ayu")
    mentioning = await records_mentioning(settings, topics.MESSAGES_OUTBOUND, stored.id)
    ours = [
        event
        for event in map(ReplySent.model_validate_json, mentioning)
        if event.message_id == stored.id
    ]
    assert {event.event_id for event in ours} == {service.reply_sent(stored).event_id}
    assert all(event.author == "agent" and event.sent for event in ours)


def _pipeline_replies() -> float:
    return REGISTRY.get_sample_value("balas_reply_pipeline_seconds_count") or 0.0


async def test_the_reply_pipeline_histogram_times_the_bots_replies_not_the_agents(
    store: Store, deps: ResponderDeps, desk: AgentDesk, twilio_api: TwilioStandIn
) -> None:
    # The histogram is the bot's time from webhook to Twilio; an agent's typing is not in it.
    customer = new_customer()
    question = _message(store, customer, "Halo, jam buka toko?")
    before_bot = _pipeline_replies()
    await on_message_received(question, deps)
    after_bot = _pipeline_replies()
    answer = _command(store, customer, "reply", text="Halo kak, Ayu di sini.")

    await on_agent_command(answer, deps, desk)

    assert [m["body"] for m in twilio_api.sent_to(customer)][-1] == "Halo kak, Ayu di sini."
    assert after_bot == before_bot + 1
    assert _pipeline_replies() == after_bot


async def test_a_reply_twilio_took_before_a_crash_is_found_not_sent_again(
    db: Database, store: Store, deps: ResponderDeps, desk: AgentDesk, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await deps.conversations.record_inbound(_message(store, customer, "Halo?"))
    reply = _command(store, customer, "reply", text="Sebentar ya kak.")
    intent = await desk.reserve_reply(reply, store.whatsapp_number)  # the intent, then a crash
    await deps.conversations.note_send_attempt(intent)
    sender = await deps.twilio.for_store(store.id) if deps.twilio else None
    assert sender is not None
    sid = await sender.send(
        to=customer, sender=store.whatsapp_number, body="Sebentar ya kak.", status_callback=""
    )

    await on_agent_command(reply, deps, desk)  # redelivered after the crash

    assert len(twilio_api.sent_to(customer)) == 1
    assert (await _reply(db, reply)).twilio_sid == sid


async def test_outside_the_window_free_text_is_refused_and_a_template_is_sent(
    db: Database, store: Store, deps: ResponderDeps, desk: AgentDesk, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    old = datetime.now(UTC) - timedelta(hours=25)
    await deps.conversations.record_inbound(_message(store, customer, "Halo", at=old))
    free_text = _command(store, customer, "reply", text="Maaf baru balas kak")
    template = _command(
        store, customer, "reply", template_sid=TEMPLATE, template_variables={"1": "Rina"}
    )

    await on_agent_command(free_text, deps, desk)
    await on_agent_command(template, deps, desk)

    refused = await _reply(db, free_text)
    assert (refused.state, refused.not_sent_reason) == ("not_sent", "outside_24h_window")
    assert refused.send_attempts == 0
    sent = twilio_api.sent_to(customer)
    assert len(sent) == 1
    assert sent[0]["content_sid"] == TEMPLATE
    assert sent[0]["content_variables"] == '{"1": "Rina"}'
    assert (await _reply(db, template)).state == "sent"


async def test_after_a_take_over_the_bot_is_silent_and_after_hand_back_it_answers(
    db: Database, store: Store, deps: ResponderDeps, desk: AgentDesk
) -> None:
    customer = new_customer()
    await deps.conversations.record_inbound(_message(store, customer, "Halo"))
    await on_agent_command(_command(store, customer, "take_over"), deps, desk)
    while_taken = _message(store, customer, "Ongkir ke Bandung berapa?")

    await on_message_received(while_taken, deps)

    assert await db[MESSAGES].find_one({"_id": f"reply:{while_taken.message_sid}"}) is None
    await on_agent_command(_command(store, customer, "hand_back"), deps, desk)
    after = _message(store, customer, "Halo lagi?")
    await on_message_received(after, deps)
    bot = await db[MESSAGES].find_one({"_id": f"reply:{after.message_sid}"})
    assert bot is not None
    assert bot["author"] == "bot"


async def test_an_agent_close_ends_the_session_and_the_next_message_is_the_bots(
    db: Database,
    broker: KafkaBroker,
    store: Store,
    deps: ResponderDeps,
    desk: AgentDesk,
    facts: Facts,
) -> None:
    customer = new_customer()
    first = _message(store, customer, "Saya mau bicara dengan orang")
    await on_message_received(first, deps)  # offline bot: hands over
    await enricher.on_message_received(first, db, OfflineClassifier())
    bot_reply = await deps.conversations.find_reply(first.message_sid)
    assert bot_reply is not None
    await enricher.on_reply_sent(service.reply_sent(bot_reply), db)
    answer = _command(store, customer, "reply", text="Halo kak, dengan Ayu.")
    await on_agent_command(answer, deps, desk)
    close = _command(store, customer, "close")

    await on_agent_command(close, deps, desk)
    await agent_sessions.on_agent_command(close, db, broker)
    await agent_sessions.on_agent_command(close, db, broker)  # redelivered

    card = await _card(db, first.conversation_id)
    assert (card["status"], card["outcome"], card["closed_by"]) == (
        "closed",
        "resolved_by_human",
        "agent-ayu",
    )
    assert card["owner"] == "bot"
    assert await facts(first.conversation_id, ConversationClosed) == 1
    again = _message(store, customer, "Halo, saya mau tanya lagi")
    await on_message_received(again, deps)
    await enricher.on_message_received(again, db, OfflineClassifier())
    assert await deps.conversations.find_reply(again.message_sid) is not None  # the bot answers
    card = await _card(db, first.conversation_id)
    assert (card["status"], card["opened_at"]) == ("open", _stored(again.occurred_at))


async def test_an_agent_close_of_a_hand_over_nobody_answered_is_not_the_bots_resolution(
    db: Database, broker: KafkaBroker, store: Store, deps: ResponderDeps, desk: AgentDesk
) -> None:
    """The idle sweep and an agent's close give the same outcome to the same session."""
    closed_by_agent, swept = new_customer(), new_customer()
    for customer in (closed_by_agent, swept):
        asked = _message(store, customer, "Saya mau bicara dengan orang")
        await on_message_received(asked, deps)  # offline bot: hands over
        await enricher.on_message_received(asked, db, OfflineClassifier())
        hand_over = await deps.conversations.find_reply(asked.message_sid)
        assert hand_over is not None
        await enricher.on_reply_sent(service.reply_sent(hand_over), db)
    close = _command(store, closed_by_agent, "close")

    await on_agent_command(close, deps, desk)  # the responder may read it first
    await agent_sessions.on_agent_command(close, db, broker)
    a_day_later = datetime.now(UTC) + timedelta(hours=25)
    await close_idle(db, None, LifecyclePolicy(), a_day_later, store_id=store.id)

    by_agent = await _card(db, f"{store.id}:{closed_by_agent}")
    by_sweep = await _card(db, f"{store.id}:{swept}")
    assert by_agent["outcome"] == by_sweep["outcome"] == "handed_over_unanswered"
    assert (by_agent["owner"], by_agent["taken_over_by"]) == ("bot", None)


async def test_an_agent_close_of_a_take_over_nobody_answered_is_not_the_bots_resolution(
    db: Database, broker: KafkaBroker, store: Store, deps: ResponderDeps, desk: AgentDesk
) -> None:
    customer = new_customer()
    message = _message(store, customer, "Halo, ada ukuran 42?")
    await on_message_received(message, deps)  # the bot answers
    await enricher.on_message_received(message, db, OfflineClassifier())
    answer = await deps.conversations.find_reply(message.message_sid)
    assert answer is not None
    await enricher.on_reply_sent(service.reply_sent(answer), db)
    await on_agent_command(_command(store, customer, "take_over"), deps, desk)
    close = _command(store, customer, "close")

    await on_agent_command(close, deps, desk)  # read before the enricher's close
    await agent_sessions.on_agent_command(close, db, broker)

    card = await _card(db, message.conversation_id)
    assert (card["outcome"], card["owner"]) == ("handed_over_unanswered", "bot")


async def test_an_agent_close_of_a_message_nobody_answered_is_abandoned(
    db: Database, store: Store, deps: ResponderDeps, desk: AgentDesk
) -> None:
    customer = new_customer()
    message = _message(store, customer, "Halo")
    await enricher.on_message_received(message, db, OfflineClassifier())
    close = _command(store, customer, "close")

    await agent_sessions.on_agent_command(close, db)

    assert (await _card(db, message.conversation_id))["outcome"] == "abandoned"


async def _resolved_by_the_bot(
    db: Database, broker: KafkaBroker, store: Store, deps: ResponderDeps, desk: AgentDesk
) -> tuple[str, str]:
    """A customer, and their conversation the bot answered and an agent then closed."""
    customer = new_customer()
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    message = _message(store, customer, "Halo, ada ukuran 42?", at=a_minute_ago)
    await deps.conversations.record_inbound(message)
    await enricher.on_message_received(message, db, OfflineClassifier())
    await enricher.on_reply_sent(reply_sent(message, response_seconds=5), db)
    await _both_apply(db, broker, deps, desk, _command(store, customer, "close"))
    card = await _card(db, message.conversation_id)
    assert (card["status"], card["outcome"]) == ("closed", "resolved_by_bot")
    return customer, message.conversation_id


async def _both_apply(
    db: Database,
    broker: KafkaBroker,
    deps: ResponderDeps,
    desk: AgentDesk,
    command: AgentCommandIssued,
) -> None:
    """The command as the responder and the enricher read it from agent.commands."""
    await on_agent_command(command, deps, desk)
    await agent_sessions.on_agent_command(command, db, broker)


async def test_an_agents_reopen_opens_a_session_that_is_no_customer_reopen(
    db: Database,
    broker: KafkaBroker,
    store: Store,
    deps: ResponderDeps,
    desk: AgentDesk,
    facts: Facts,
) -> None:
    customer, conversation_id = await _resolved_by_the_bot(db, broker, store, deps, desk)
    reopen = _command(store, customer, "reopen")

    await _both_apply(db, broker, deps, desk, reopen)
    await _both_apply(db, broker, deps, desk, reopen)  # redelivered

    card = await _card(db, conversation_id)
    assert (card["status"], card["owner"], card["outcome"]) == ("open", "bot", None)
    assert card["opened_at"] == _stored(reopen.occurred_at)
    assert card["previous_outcome"] == "resolved_by_bot"
    again = _message(store, customer, "Kak, kalau ukuran 43?")  # within the reopen window
    await on_message_received(again, deps)
    await enricher.on_message_received(again, db, OfflineClassifier())
    assert await deps.conversations.find_reply(again.message_sid) is not None  # the bot answers
    card = await _card(db, conversation_id)
    assert (card["status"], card.get("reopens", 0)) == ("open", 0)
    assert await facts(conversation_id, ConversationReopened) == 0


async def test_a_take_over_of_a_closed_conversation_opens_a_session_the_agent_holds(
    db: Database,
    broker: KafkaBroker,
    store: Store,
    deps: ResponderDeps,
    desk: AgentDesk,
    facts: Facts,
) -> None:
    customer, conversation_id = await _resolved_by_the_bot(db, broker, store, deps, desk)

    await _both_apply(db, broker, deps, desk, _command(store, customer, "take_over"))

    card = await _card(db, conversation_id)
    assert (card["status"], card["owner"], card["taken_over_by"]) == ("open", "human", "agent-ayu")
    again = _message(store, customer, "Kak, kalau ukuran 43?")
    await on_message_received(again, deps)
    assert await deps.conversations.find_reply(again.message_sid) is None  # the bot is silent
    await enricher.on_message_received(again, db, OfflineClassifier())
    await _both_apply(db, broker, deps, desk, _command(store, customer, "close"))
    card = await _card(db, conversation_id)
    assert (card["status"], card["outcome"]) == ("closed", "handed_over_unanswered")
    assert await facts(conversation_id, ConversationReopened) == 0
    assert await facts(conversation_id, ConversationClosed) == 2


@pytest.mark.parametrize("opening", ["reopen", "take_over"])
async def test_a_session_an_agent_opened_and_closed_empty_counts_no_outcome(
    db: Database,
    broker: KafkaBroker,
    store: Store,
    deps: ResponderDeps,
    desk: AgentDesk,
    opening: AgentCommand,
    facts: Facts,
) -> None:
    customer, conversation_id = await _resolved_by_the_bot(db, broker, store, deps, desk)
    closed = await _card(db, conversation_id)

    await _both_apply(db, broker, deps, desk, _command(store, customer, opening))
    await _both_apply(db, broker, deps, desk, _command(store, customer, "close"))

    card = await _card(db, conversation_id)
    assert (card["status"], card["outcome"], card["owner"]) == ("closed", "resolved_by_bot", "bot")
    assert (card["closed_at"], card["opened_at"]) == (closed["closed_at"], closed["opened_at"])
    assert await facts(conversation_id, ConversationClosed) == 1


async def test_the_idle_sweep_closes_an_agents_empty_session_quietly_too(
    db: Database,
    broker: KafkaBroker,
    store: Store,
    deps: ResponderDeps,
    desk: AgentDesk,
    facts: Facts,
) -> None:
    customer, conversation_id = await _resolved_by_the_bot(db, broker, store, deps, desk)
    reopen = _command(store, customer, "reopen")
    await _both_apply(db, broker, deps, desk, reopen)
    policy = LifecyclePolicy()

    hours_later = [reopen.occurred_at + timedelta(hours=hours) for hours in (23, 25)]

    not_yet = await close_idle(db, None, policy, hours_later[0], store_id=store.id)
    swept = await close_idle(db, None, policy, hours_later[1], store_id=store.id)

    assert (not_yet, swept) == (0, 1)
    card = await _card(db, conversation_id)
    assert (card["status"], card["outcome"]) == ("closed", "resolved_by_bot")
    assert await facts(conversation_id, ConversationClosed) == 1


async def test_after_the_idle_close_of_a_handed_over_session_the_bot_answers_again(
    db: Database, store: Store, deps: ResponderDeps
) -> None:
    customer = new_customer()
    first = _message(store, customer, "Saya mau bicara dengan orang")
    await on_message_received(first, deps)  # hands over
    await enricher.on_message_received(first, db, OfflineClassifier())
    bot_reply = await deps.conversations.find_reply(first.message_sid)
    assert bot_reply is not None
    await enricher.on_reply_sent(service.reply_sent(bot_reply), db)
    card = await deps.conversations.card(first.conversation_id)
    assert card is not None
    assert human_owns(card)
    a_day_later = datetime.now(UTC) + timedelta(hours=25)
    await close_idle(db, None, LifecyclePolicy(), a_day_later, store_id=store.id)
    assert (await _card(db, first.conversation_id))["owner"] == "bot"
    later = _message(store, customer, "Halo, ada promo?", at=a_day_later + timedelta(hours=1))

    await on_message_received(later, deps)

    assert await deps.conversations.find_reply(later.message_sid) is not None


async def test_a_note_is_stored_never_sent_and_never_in_the_bots_history(
    db: Database, store: Store, deps: ResponderDeps, desk: AgentDesk, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    message = _message(store, customer, "Halo")
    await deps.conversations.record_inbound(message)
    note = _command(store, customer, "note", text="Pelanggan VIP, kasih diskon")

    await on_agent_command(note, deps, desk)
    await on_agent_command(note, deps, desk)

    stored = await db[MESSAGES].find({"conversation_id": message.conversation_id}).to_list()
    notes = [m for m in stored if m["direction"] == "internal"]
    assert [(n["author"], n["text"]) for n in notes] == [("agent", "Pelanggan VIP, kasih diskon")]
    assert twilio_api.sent_to(customer) == []
    history = (await deps.conversations.view(message, 20)).history(20)
    assert [m["text"] for m in history] == ["Halo"]


async def test_human_first_response_runs_from_the_hand_over_and_counts_once(
    db: Database, store: Store, deps: ResponderDeps, desk: AgentDesk
) -> None:
    customer = new_customer()
    first = _message(store, customer, "Saya mau bicara dengan orang")
    await on_message_received(first, deps)  # the offline bot hands over
    bot_reply = await deps.conversations.find_reply(first.message_sid)
    assert bot_reply is not None
    assert bot_reply.hand_over is not None
    answer = _command(store, customer, "reply", text="Halo kak, dengan Ayu.")
    follow_up = _command(store, customer, "reply", text="Ada lagi kak?")
    await on_agent_command(answer, deps, desk)
    await on_agent_command(follow_up, deps, desk)
    events = [service.reply_sent(await _reply(db, answer))]
    events.append(service.reply_sent(await _reply(db, follow_up)))

    await on_events(events, db)
    await on_events(events, db)  # redelivered

    handed_over_at = bot_reply.created_at
    assert events[0].handed_over_at == handed_over_at
    assert events[1].handed_over_at is None
    bucket = await db[KPI_HOURLY].find_one({"_id": bucket_id(store.id, hour_start(handed_over_at))})
    assert bucket is not None
    waited = quantized_seconds((events[0].occurred_at - handed_over_at).total_seconds())
    assert bucket["human_first_response"]["count"] == 1
    assert bucket["human_first_response"]["sum_seconds"] == waited
    assert bucket["outbound_messages"]["agent"] == 2
    assert "first_response" not in bucket  # the agents' replies are not the bot's figure


async def test_a_take_over_starts_the_humans_clock(
    db: Database, store: Store, deps: ResponderDeps, desk: AgentDesk
) -> None:
    customer = new_customer()
    await deps.conversations.record_inbound(_message(store, customer, "Halo"))
    take_over = _command(store, customer, "take_over")
    await on_agent_command(take_over, deps, desk)
    answer = _command(store, customer, "reply", text="Halo kak")

    await on_agent_command(answer, deps, desk)

    stored = await _reply(db, answer)
    assert stored.handed_over_at == _stored(take_over.occurred_at)


async def test_redelivering_every_command_changes_nothing(
    db: Database, store: Store, deps: ResponderDeps, desk: AgentDesk, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    message = _message(store, customer, "Halo")
    await deps.conversations.record_inbound(message)
    commands = [
        _command(store, customer, "take_over"),
        _command(store, customer, "assign", assignee_id="agent-budi"),
        _command(store, customer, "reply", text="Halo kak"),
        _command(store, customer, "note", text="sudah dibalas"),
        _command(store, customer, "hand_back"),
        _command(store, customer, "assign", assignee_id=None),
    ]
    for command in commands:
        await on_agent_command(command, deps, desk)
    card = await _card(db, message.conversation_id)
    messages = await db[MESSAGES].find({"conversation_id": message.conversation_id}).to_list()

    for command in commands:
        await on_agent_command(command, deps, desk)

    assert await _card(db, message.conversation_id) == card
    assert (card["owner"], card["assignee_id"]) == ("bot", None)
    again = await db[MESSAGES].find({"conversation_id": message.conversation_id}).to_list()
    assert again == messages
    assert len(twilio_api.sent_to(customer)) == 1


async def test_the_console_checks_and_publishes_commands(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    console_api: ConsoleApi,
    settings: Settings,
) -> None:
    customer, stale = new_customer(), new_customer()
    await deps.conversations.record_inbound(_message(store, customer, "Halo"))
    old = datetime.now(UTC) - timedelta(hours=30)
    await deps.conversations.record_inbound(_message(store, stale, "Halo", at=old))
    base = f"/api/stores/{store.id}/conversations"

    async with console_api.client() as client:
        accepted = await client.post(
            f"{base}/{store.id}:{customer}/commands",
            json={"command": "reply", "text": "Halo kak", "agent_id": "agent-ayu"},
        )
        no_text = await client.post(
            f"{base}/{store.id}:{customer}/commands", json={"command": "note"}
        )
        unknown = await client.post(
            f"{base}/other-store:{customer}/commands", json={"command": "take_over"}
        )
        reopen = await client.post(
            f"{base}/{store.id}:{customer}/commands", json={"command": "reopen"}
        )
        reopen_with_text = await client.post(
            f"{base}/{store.id}:{customer}/commands", json={"command": "reopen", "text": "Hi"}
        )
        outside = await client.post(
            f"{base}/{store.id}:{stale}/commands", json={"command": "reply", "text": "Halo"}
        )
        template = await client.post(
            f"{base}/{store.id}:{stale}/commands",
            json={"command": "reply", "template_sid": TEMPLATE},
        )

    assert accepted.status_code == 202
    command_id = accepted.json()["command_id"]
    assert no_text.status_code == 422
    assert unknown.status_code == 404
    assert (reopen.status_code, reopen_with_text.status_code) == (202, 422)
    assert outside.status_code == 422
    assert "outside_24h_window" in outside.json()["detail"]
    assert template.status_code == 202
    records = await records_mentioning(settings, topics.AGENT_COMMANDS, command_id)
    issued = [AgentCommandIssued.model_validate_json(value) for value in records]
    ours = [command for command in issued if command.command_id == command_id]
    assert len(ours) == 1
    assert (ours[0].agent_id, ours[0].text, ours[0].conversation_id) == (
        "agent-ayu",
        "Halo kak",
        f"{store.id}:{customer}",
    )


async def test_a_template_must_be_one_of_the_conversations_channel(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    console_api: ConsoleApi,
    settings: Settings,
) -> None:
    customer = new_customer()
    on_twilio = _message(store, customer, "Halo")
    on_cloud = on_twilio.model_copy(
        update={
            "message_sid": "wamid.CLOUD" + uuid.uuid4().hex,
            "conversation_id": conversation_id(store.id, customer, Channel.WHATSAPP_CLOUD),
            "channel": Channel.WHATSAPP_CLOUD,
        }
    )
    for message in (on_twilio, on_cloud):
        await deps.conversations.record_inbound(message)
    base = f"/api/stores/{store.id}/conversations"
    cloud_template = {"command": "reply", "template_sid": "order_update:id"}

    async with console_api.client() as client:
        twilio_on_cloud = await client.post(
            f"{base}/{on_cloud.conversation_id}/commands",
            json={"command": "reply", "template_sid": TEMPLATE},
        )
        cloud_on_twilio = await client.post(
            f"{base}/{on_twilio.conversation_id}/commands", json=cloud_template
        )
        cloud_on_cloud = await client.post(
            f"{base}/{on_cloud.conversation_id}/commands", json=cloud_template
        )

    assert (twilio_on_cloud.status_code, cloud_on_twilio.status_code) == (422, 422)
    assert "template_of_another_channel" in twilio_on_cloud.json()["detail"]
    assert cloud_on_cloud.status_code == 202
    command_id = cloud_on_cloud.json()["command_id"]
    records = await records_mentioning(settings, topics.AGENT_COMMANDS, command_id)
    issued = [AgentCommandIssued.model_validate_json(value) for value in records]
    [ours] = [command for command in issued if command.command_id == command_id]
    assert (ours.channel, ours.template_sid) == (Channel.WHATSAPP_CLOUD, "order_update:id")


async def test_each_channel_has_its_length_limit_and_both_have_the_24_hour_window(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    console_api: ConsoleApi,
    sign_in: Callable[..., Awaitable[SignedIn]],
) -> None:
    customer, stale = new_customer(), new_customer()
    on_twilio = _message(store, customer, "Halo")
    old = datetime.now(UTC) - timedelta(hours=30)

    def on_cloud(message: MessageReceived) -> MessageReceived:
        return message.model_copy(
            update={
                "message_sid": "wamid.CLOUD" + uuid.uuid4().hex,
                "conversation_id": conversation_id(
                    store.id, message.customer_number, Channel.WHATSAPP_CLOUD
                ),
                "channel": Channel.WHATSAPP_CLOUD,
            }
        )

    cloud, stale_cloud = on_cloud(on_twilio), on_cloud(_message(store, stale, "Halo", at=old))
    for message in (on_twilio, cloud, stale_cloud):
        await deps.conversations.record_inbound(message)
    base = f"/api/stores/{store.id}/conversations"

    def reply(length: int) -> dict[str, str]:
        return {"command": "reply", "text": "a" * length}

    async with console_api.client() as client:
        twilio_most = await client.post(
            f"{base}/{on_twilio.conversation_id}/commands", json=reply(1600)
        )
        twilio_over = await client.post(
            f"{base}/{on_twilio.conversation_id}/commands", json=reply(1601)
        )
        cloud_most = await client.post(f"{base}/{cloud.conversation_id}/commands", json=reply(4096))
        cloud_over = await client.post(f"{base}/{cloud.conversation_id}/commands", json=reply(4097))
        cloud_outside = await client.post(
            f"{base}/{stale_cloud.conversation_id}/commands", json=reply(10)
        )

    assert (twilio_most.status_code, cloud_most.status_code) == (202, 202)
    assert twilio_over.status_code == 422
    assert "text_too_long" in twilio_over.json()["detail"]
    assert "1600" in twilio_over.json()["detail"]
    assert cloud_over.status_code == 422  # over every channel's limit: the field's own check
    assert cloud_outside.status_code == 422
    assert "outside_24h_window" in cloud_outside.json()["detail"]

    # In the console, the refusal is in the admin's language.
    await db[CONVERSATIONS].insert_one(
        {
            "_id": on_twilio.conversation_id,
            "store_id": store.id,
            "customer_number": customer,
            "owner": "human",
            "status": "open",
            "last_activity_at": on_twilio.occurred_at,
        }
    )
    client, _, token = await sign_in(store_id=store.id, lang="id")
    page = await client.post(
        f"/stores/{store.id}/conversations/{on_twilio.conversation_id}/actions",
        data={"csrf_token": token, "command": "reply", "text": "a" * 2000},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200
    assert "persingkat" in page.text


async def test_on_messenger_and_instagram_an_agent_answers_for_7_days_within_their_length(
    store: Store, deps: ResponderDeps, console_api: ConsoleApi
) -> None:
    now = datetime.now(UTC)

    def on(channel: Channel, hours_ago: float) -> MessageReceived:
        psid = str(6700000000000000 + uuid.uuid4().int % 10**15)
        message = _message(store, new_customer(), "Halo", at=now - timedelta(hours=hours_ago))
        return message.model_copy(
            update={
                "message_sid": f"m_{uuid.uuid4().hex}",
                "conversation_id": conversation_id(store.id, psid, channel),
                "channel": channel,
                "customer_number": psid,
            }
        )

    late, gone = on(Channel.MESSENGER, 30), on(Channel.MESSENGER, 8 * 24)
    instagram = on(Channel.INSTAGRAM, 1)
    for message in (late, gone, instagram):
        await deps.conversations.record_inbound(message)
    base = f"/api/stores/{store.id}/conversations"

    def reply(length: int) -> dict[str, str]:
        return {"command": "reply", "text": "a" * length}

    async with console_api.client() as client:
        tagged = await client.post(f"{base}/{late.conversation_id}/commands", json=reply(2000))
        too_late = await client.post(f"{base}/{gone.conversation_id}/commands", json=reply(10))
        ig_most = await client.post(
            f"{base}/{instagram.conversation_id}/commands", json=reply(1000)
        )
        ig_over = await client.post(
            f"{base}/{instagram.conversation_id}/commands", json=reply(1001)
        )

    assert (tagged.status_code, ig_most.status_code) == (202, 202)
    assert too_late.status_code == 422
    assert "outside_7d_window" in too_late.json()["detail"]
    assert ig_over.status_code == 422
    assert "1000" in ig_over.json()["detail"]

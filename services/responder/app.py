"""responder: turns customer messages into replies and sends them on their channel (Twilio, or
the Graph API for the WhatsApp Cloud API)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial

from services.responder.agent_commands import on_agent_command
from services.responder.agent_desk import AgentDesk
from services.responder.broadcasts import keep_sending
from services.responder.csat import on_csat_event
from services.responder.deps import build_deps
from services.responder.handlers import (
    on_delivery_statuses,
    on_message_received,
    on_store_deleted,
)
from services.responder.notifications import keep_releasing, on_order_changed
from services.responder.repository import GROUP
from shared import journal, topics
from shared.actions.collections import ACTION_PROPOSALS, ORDER_ACTIONS
from shared.answering import wording
from shared.broadcasts.collections import BROADCAST_RECIPIENTS
from shared.consent.collections import CONSENT_EVENTS
from shared.consumer import KeyedConsumer
from shared.conversations.collections import CONVERSATIONS, CSAT_SURVEYS, MESSAGES
from shared.knowledge.collections import KNOWLEDGE_GAPS
from shared.privacy.erasure import erase_again
from shared.runtime import Consumer, Runtime, Warmer, run_worker
from shared.settings import Settings
from shared.text import synonyms

# What the responder writes about a customer, erased again when an erasure is announced (it
# keeps nothing about a customer in memory).
WRITES = (
    MESSAGES,
    CONVERSATIONS,
    CSAT_SURVEYS,
    KNOWLEDGE_GAPS,
    CONSENT_EVENTS,
    BROADCAST_RECIPIENTS,
    ACTION_PROPOSALS,
    ORDER_ACTIONS,
    journal.JOURNAL,
)
# The tables a customer's message reads, built at start: WordNet's (synonyms, general words)
# and the one-language word lists that tell a short message's language.
WARMERS: tuple[Warmer, ...] = (synonyms.load, wording.load)


@asynccontextmanager
async def consumers(runtime: Runtime) -> AsyncIterator[Sequence[Consumer]]:
    deps = build_deps(runtime)
    routes = {
        topics.WHATSAPP_INBOUND: partial(on_message_received, deps=deps),
        topics.AGENT_COMMANDS: partial(on_agent_command, deps=deps, desk=AgentDesk(runtime.db)),
        topics.CONVERSATIONS_CSAT: partial(on_csat_event, deps=deps),
        topics.CUSTOMERS_ERASED: partial(
            erase_again, db=runtime.db, group=GROUP, collections=WRITES
        ),
        topics.STORES_DELETED: partial(on_store_deleted, deps=deps),
        topics.WOOCOMMERCE_ORDERS: partial(on_order_changed, deps=deps),
    }
    options = runtime.consumer_options(GROUP, runtime.settings.consumers.responder_max_in_flight)
    # order notifications held through a store's quiet hours go out once they are over
    releases = asyncio.create_task(keep_releasing(deps), name=f"{GROUP}-notifications")
    # scheduled broadcasts, sent at the store's pace (broadcasts.py)
    broadcasts = asyncio.create_task(keep_sending(deps), name=f"{GROUP}-broadcasts")
    try:
        # A poll's status callbacks make one write (the ticks only move forward).
        statuses = partial(on_delivery_statuses, deps=deps)
        yield [
            KeyedConsumer(
                routes=routes,
                batch_topics=[topics.WHATSAPP_STATUS],
                batch_handler=statuses,
                **options,
            )
        ]
    finally:
        for task in (releases, broadcasts):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if deps.twilio:
            deps.twilio.close()
        if deps.cloud:
            await deps.cloud.close()


async def main(port: int | None = None) -> None:
    settings = Settings()
    port = port or settings.metrics.responder_port
    await run_worker(settings, GROUP, consumers, port, warmers=WARMERS)

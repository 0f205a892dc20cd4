"""responder: turns customer messages into replies and sends them on their channel (Twilio, or
the Graph API for the WhatsApp Cloud API)."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial

from services.responder.agent_commands import on_agent_command
from services.responder.agent_desk import AgentDesk
from services.responder.csat import on_csat_event
from services.responder.deps import build_deps
from services.responder.handlers import on_delivery_status_changed, on_message_received
from services.responder.repository import GROUP
from shared import topics
from shared.consumer import KeyedConsumer
from shared.runtime import Consumer, Runtime, run_worker
from shared.settings import Settings


@asynccontextmanager
async def consumers(runtime: Runtime) -> AsyncIterator[Sequence[Consumer]]:
    deps = build_deps(runtime)
    routes = {
        topics.WHATSAPP_INBOUND: partial(on_message_received, deps=deps),
        topics.WHATSAPP_STATUS: partial(on_delivery_status_changed, deps=deps),
        topics.AGENT_COMMANDS: partial(on_agent_command, deps=deps, desk=AgentDesk(runtime.db)),
        topics.CONVERSATIONS_CSAT: partial(on_csat_event, deps=deps),
    }
    options = runtime.consumer_options(GROUP, runtime.settings.consumers.responder_max_in_flight)
    try:
        yield [KeyedConsumer(routes=routes, **options)]
    finally:
        if deps.twilio:
            deps.twilio.close()
        if deps.cloud:
            await deps.cloud.close()


async def main(port: int | None = None) -> None:
    settings = Settings()
    await run_worker(settings, GROUP, consumers, port or settings.metrics.responder_port)

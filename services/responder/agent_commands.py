"""The responder applies agents' commands (topic `agent.commands`, keyed by conversation, so a
conversation's commands come in order): an agent's reply goes out through the same send-intent
machinery as the bot's; take over and hand back move the ownership; assign and note are
recorded. A close is the enricher's: it closes the session and gives it back to the bot in one
transaction (services/enricher/agent_close.py). Every command is applied once (agent_desk.py);
docs/conversations.md#agent-commands.
"""

import structlog

from services.responder import service
from services.responder.agent_desk import AgentDesk
from services.responder.delivery import deliver
from services.responder.deps import ResponderDeps
from services.responder.metrics import REPLIES
from shared.consumer import PermanentError
from shared.events import AgentCommandIssued
from shared.identity import masked
from shared.kafka import publish

log = structlog.get_logger(__name__)


async def on_agent_command(event: AgentCommandIssued, deps: ResponderDeps, desk: AgentDesk) -> None:
    log.info(
        "agent command",
        command=event.command,
        command_id=event.command_id,
        conversation=masked(event.conversation_id),
    )
    if event.command == "reply":
        await _reply(event, deps, desk)
    elif event.command == "take_over":
        await desk.take_over(event)
    elif event.command == "hand_back":
        await desk.release(event)
    elif event.command == "assign":
        await desk.assign(event)
    elif event.command == "note":
        await desk.add_note(event)


async def _reply(event: AgentCommandIssued, deps: ResponderDeps, desk: AgentDesk) -> None:
    reply = await desk.find_reply(event.command_id)
    if reply is None:
        store = await deps.stores.by_id(event.store_id)
        if store is None:
            raise PermanentError(f"store {event.store_id!r} does not exist")
        reply = await desk.reserve_reply(event, store.whatsapp_number)
    await desk.take_for_reply(event)
    if not reply.finished:
        reply = await deliver(reply, deps)
    elif reply.not_sent_reason:
        REPLIES.labels("not_sent").inc()
    await publish(deps.broker, service.reply_sent(reply))

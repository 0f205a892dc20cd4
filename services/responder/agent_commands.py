"""The responder applies agents' commands (topic `agent.commands`, keyed by conversation, so a
conversation's commands come in order): an agent's reply goes out through the same send-intent
machinery as the bot's (one an admin already sent from Meta's inbox app, seen by ingest as an
echo, is only recorded as sent); take over and hand back move the ownership; assign and note are
recorded. A close and a reopen are the enricher's, which owns the sessions (a close gives the
conversation back to the bot in the same transaction; a take-over of a closed conversation also
opens a new one there: services/enricher/agent_sessions.py). Every command is applied once
(agent_desk.py); docs/conversations.md#agent-commands.
"""

import structlog

from services.responder import service
from services.responder.agent_desk import AgentDesk
from services.responder.deps import ResponderDeps
from services.responder.metrics import REPLIES
from services.responder.send_recovery import owned_sids
from services.responder.sending import deliver, store_account
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


class OwnSendInFlight(Exception):
    """An echo came while one of Balas's sends in its conversation has no message id yet, so it
    may be that send's own echo: it waits, like an outage of the Graph API, until the send is
    settled and its id recorded (Instagram's echoes carry no mark of Balas's)."""

    outage = "graph_api"


async def _reply(event: AgentCommandIssued, deps: ResponderDeps, desk: AgentDesk) -> None:
    reply = await desk.find_reply(event.command_id)
    if reply is None and event.sent_as and await _own_echo(event, event.sent_as, deps):
        log.info("echo of balas's own send; not an agent's reply", command_id=event.command_id)
        return
    if reply is None:
        store = await deps.stores.by_id(event.store_id)
        if store is None:
            raise PermanentError(f"store {event.store_id!r} does not exist")
        reply = await desk.reserve_reply(
            event, store.whatsapp_number, store_account(store, event.channel)
        )
    await desk.take_for_reply(event)
    if not reply.finished and event.sent_as:  # already sent, from Meta's inbox app
        # not our send, and Messenger's and Instagram's statuses name only Meta's id: the
        # sent mark reads any kept early (early_statuses.py)
        reply = await deps.conversations.mark_sent(reply, event.sent_as)
    elif not reply.finished:
        reply = await deliver(reply, deps)
    elif reply.not_sent_reason:
        REPLIES.labels("not_sent").inc()
    await publish(deps.broker, service.reply_sent(reply))


async def _own_echo(event: AgentCommandIssued, message_id: str, deps: ResponderDeps) -> bool:
    """Whether an echoed message is one Balas sent: a stored reply, survey or thanks has its id."""
    conversations = deps.conversations
    if await owned_sids(conversations.db, [message_id]):
        return True
    if await conversations.sending(event.conversation_id):
        raise OwnSendInFlight(f"a send of {masked(event.conversation_id)} is in flight")
    return False

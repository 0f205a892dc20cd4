"""How a conversation session ends: the one rule the idle sweep, an agent's close and a KPI
rebuild all apply (docs/conversations.md, Lifecycle)."""

from shared.events import Author, ConversationOutcome


def session_outcome(
    handed_over: bool, agent_answered: bool, last_reply: Author | None
) -> ConversationOutcome:
    """The outcome of a session.

    `handed_over`: the bot handed it over or an agent took it; `agent_answered`: an agent reply
    of the session reached the customer; `last_reply`: the author of the newest reply that
    reached the customer after their newest message (None: no reply did).

    A handed-over session is the humans' either way: answered by one of them, or not. It is
    never the bot's resolution, whoever closes it.
    """
    if handed_over:
        if agent_answered:
            return ConversationOutcome.RESOLVED_BY_HUMAN
        return ConversationOutcome.HANDED_OVER_UNANSWERED
    if last_reply is None:
        return ConversationOutcome.ABANDONED
    if last_reply is Author.AGENT:
        return ConversationOutcome.RESOLVED_BY_HUMAN
    return ConversationOutcome.RESOLVED_BY_BOT

"""Kafka topic names: one place, dotted like the events they carry."""

WHATSAPP_INBOUND = "whatsapp.inbound"
WHATSAPP_STATUS = "whatsapp.status"
MESSAGES_OUTBOUND = "messages.outbound"
AGENT_COMMANDS = "agent.commands"
CONVERSATIONS_ENRICHED = "conversations.enriched"
WOOCOMMERCE_ORDERS = "woocommerce.orders"
WOOCOMMERCE_CUSTOMERS = "woocommerce.customers"
WOOCOMMERCE_PRODUCTS = "woocommerce.products"
KNOWLEDGE_DOCUMENTS = "knowledge.documents"
CONVERSATIONS_CSAT = "conversations.csat"  # satisfaction surveys: due, sent, rated
CUSTOMERS_ERASED = "customers.erased"  # a customer's personal data was erased (by hash only)
STORES_DELETED = "stores.deleted"  # a store and all its data were deleted

ALL = (
    WHATSAPP_INBOUND,
    WHATSAPP_STATUS,
    MESSAGES_OUTBOUND,
    AGENT_COMMANDS,
    CONVERSATIONS_ENRICHED,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_PRODUCTS,
    KNOWLEDGE_DOCUMENTS,
    CONVERSATIONS_CSAT,
    CUSTOMERS_ERASED,
    STORES_DELETED,
)

# The topics whose events hold customers' personal data (shared/privacy/data_map.py says which
# fields; its test keeps the two in step): they and their dead letters keep it RETENTION_DAYS.
PERSONAL = (
    WHATSAPP_INBOUND,
    WHATSAPP_STATUS,
    MESSAGES_OUTBOUND,
    AGENT_COMMANDS,
    CONVERSATIONS_ENRICHED,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_CUSTOMERS,
    CONVERSATIONS_CSAT,
    CUSTOMERS_ERASED,
)


def dead_letter(topic: str) -> str:
    return f"{topic}.dlq"


def is_dead_letter(topic: str) -> bool:
    return topic.endswith(".dlq")


def with_dead_letters(names: tuple[str, ...] = ALL) -> tuple[str, ...]:
    return names + tuple(dead_letter(t) for t in names)


REPLAY_PREFIX = "replay."
REPLAY_OF_HEADER = "replay-of"  # on records of a replay topic: the topic they were copied from


def replay(group_id: str) -> str:
    """The topic `balas replay` copies a time range into; only `group_id` consumes it."""
    return f"{REPLAY_PREFIX}{group_id}"


def is_replay(topic: str) -> bool:
    return topic.startswith(REPLAY_PREFIX)

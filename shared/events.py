"""Versioned event schemas: facts in the past tense, serialised as JSON on Kafka.

Every event carries `event_id` (deterministic where an outside id exists, so a retried webhook or
a republished fact is the same event), `occurred_at`, `store_id` and `schema_version`.
Consumers deduplicate on `event_id`.
"""

import json
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shared import topics
from shared.channels import Channel

_EVENT_NAMESPACE = uuid.UUID("5b0f3f5e-6c1a-4f64-9a59-2f1a1f0b6a11")


def event_id_for(*parts: str) -> str:
    """A stable id for the fact named by `parts`, so redelivery yields the same id."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, "|".join(parts)))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    topic: ClassVar[str]

    schema_version: int = 1
    event_id: str
    occurred_at: datetime
    store_id: str

    def key(self) -> bytes:
        """The Kafka key: events of one conversation stay in one partition, in order."""
        return self.store_id.encode()


class ConversationEvent(Event):
    conversation_id: str

    def key(self) -> bytes:
        return self.conversation_id.encode()


class OnChannel(BaseModel):
    """Which channel an event happened on, and the store's account there: its number on Twilio,
    its phone number id on the Cloud API. Events from before channels existed are Twilio's, and
    their account is None (the store's `whatsapp_number`)."""

    channel: Channel = Channel.WHATSAPP
    channel_account: str | None = None


class Media(BaseModel):
    """An attachment: Twilio gives a `url`; the Cloud API a media `id` to ask the Graph API."""

    url: str = ""
    content_type: str
    id: str | None = None


class MessageReceived(ConversationEvent, OnChannel):
    """A customer's message reached ingest (topic `whatsapp.inbound`). `message_sid` is the
    channel's id of it (Twilio's MessageSid, the Cloud API's `wamid`)."""

    topic: ClassVar[str] = topics.WHATSAPP_INBOUND
    event_type: Literal["message.received"] = "message.received"
    message_sid: str
    customer_number: str
    store_number: str
    profile_name: str | None = None
    text: str = ""
    media: list[Media] = Field(default_factory=list)
    # A reaction to one of the conversation's messages (its emoji is `text`): the conversation
    # shows it, nobody answers it.
    reaction_to: str | None = None
    subject: str | None = None  # an e-mail's subject; None on chat channels
    references: list[str] = Field(default_factory=list)  # an e-mail's thread (Message-IDs)


class DeliveryStatus(StrEnum):
    """Twilio's message states; `rank` orders them so late callbacks never move a tick back."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    READ = "read"
    CANCELED = "canceled"
    UNDELIVERED = "undelivered"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]

    @property
    def is_failure(self) -> bool:
        return self in (DeliveryStatus.UNDELIVERED, DeliveryStatus.FAILED)


_STATUS_RANK = {
    DeliveryStatus.ACCEPTED: 0,
    DeliveryStatus.SCHEDULED: 0,
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.PARTIALLY_DELIVERED: 3,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
    DeliveryStatus.CANCELED: 5,  # final states: nothing moves a message out of them
    DeliveryStatus.UNDELIVERED: 5,
    DeliveryStatus.FAILED: 5,
}


class DeliveryStatusChanged(ConversationEvent, OnChannel):
    """The channel reported a new state of a message we sent (topic `whatsapp.status`).
    `twilio_sid` is the channel's id of that message (a Twilio SID or a Cloud API `wamid`);
    `message_id` our own (its `_id` in `messages`) where the channel carried it back (a reply's
    status callback URL or `biz_opaque_callback_data`), so the status finds its message even
    before the channel's id is recorded. None for other sends, other channels, older events."""

    topic: ClassVar[str] = topics.WHATSAPP_STATUS
    event_type: Literal["delivery.status_changed"] = "delivery.status_changed"
    twilio_sid: str
    message_id: str | None = None
    status: DeliveryStatus
    error_code: str | None = None


class Author(StrEnum):
    BOT = "bot"
    AGENT = "agent"
    NOTIFICATION = "notification"  # written first: an order notification, a broadcast


class HandOverReason(StrEnum):
    CUSTOMER_REQUEST = "customer_request"
    MISSING_KNOWLEDGE = "missing_knowledge"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    POLICY = "policy"
    TOOL_FAILURE = "tool_failure"
    OUTSIDE_HOURS = "outside_hours"
    ORDER_ACTION = "order_action"  # an order action a person must finish (docs/actions.md)


class LlmUsage(BaseModel):
    model: str
    latency_seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0


class OrderActionFact(BaseModel):
    """What a reply did about an order action (docs/actions.md): `kind` is cancel,
    change_address or payment_link; `outcome` one of ACTION_OUTCOMES."""

    model_config = ConfigDict(frozen=True)

    kind: str
    order_number: str | None = None
    outcome: str


class Citation(BaseModel):
    """What a reply's facts came from: a knowledge passage, or the result of a commerce tool.

    A passage names its chunk (`ref`), document, file name and place in it (`locator`, e.g.
    "page 3"); a tool result names the tool (`ref`, e.g. "order_status") and `snippet` is its
    summary.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["passage", "tool"]
    ref: str
    document_id: str | None = None
    filename: str | None = None
    locator: str | None = None
    snippet: str = ""


class ReplySent(ConversationEvent, OnChannel):
    """The responder finished with a reply (topic `messages.outbound`).

    `sent` is false when it could not go out (for example Twilio is not configured, or Twilio
    refused the number); `not_sent_reason` then says why. `twilio_sid` is the channel's id of
    the sent message (a Twilio SID or a Cloud API `wamid`).
    """

    topic: ClassVar[str] = topics.MESSAGES_OUTBOUND
    event_type: Literal["reply.sent"] = "reply.sent"
    message_id: str
    in_reply_to: str
    author: Author
    text: str
    sent: bool
    twilio_sid: str | None = None
    not_sent_reason: str | None = None
    customer_message_at: datetime
    response_seconds: float
    first_response: bool
    hand_over: HandOverReason | None = None
    llm: LlmUsage | None = None
    citations: list[Citation] = Field(default_factory=list)
    # An agent's reply (author agent): who sent it, and, on the first agent reply that went
    # out after a hand-over or take-over, when the humans got the conversation (the human
    # first-response time runs from there; docs/kpis.md).
    agent_id: str | None = None
    handed_over_at: datetime | None = None
    order_action: OrderActionFact | None = None  # the order action the reply is about


class NotificationSource(StrEnum):
    """What made Balas write first; the KPI figures of notifications are split by it."""

    ORDER_NOTIFICATION = "order_notification"
    BROADCAST = "broadcast"


class NotificationSent(ConversationEvent, OnChannel):
    """The responder finished with a message it wrote first (topic `messages.outbound`): sent,
    or not (`not_sent_reason`). Not a reply: it answers nobody and has no response time.
    `message_id` is the notification's id in `messages`, `twilio_sid` the channel's id of the
    sent message (its status callbacks name it)."""

    topic: ClassVar[str] = topics.MESSAGES_OUTBOUND
    event_type: Literal["notification.sent"] = "notification.sent"
    message_id: str
    source: NotificationSource
    sent: bool
    twilio_sid: str | None = None
    not_sent_reason: str | None = None


class DeadLetter(BaseModel):
    """An event a consumer gave up on, kept with its error so it can be inspected and re-driven."""

    model_config = ConfigDict(frozen=True)

    topic: str
    partition: int
    offset: int
    key: str | None
    payload: str
    error: str
    attempts: int
    consumer_group: str
    failed_at: datetime = Field(default_factory=utcnow)


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ConversationOutcome(StrEnum):
    """How a closed conversation ended; docs/conversations.md defines each exactly."""

    RESOLVED_BY_BOT = "resolved_by_bot"
    RESOLVED_BY_HUMAN = "resolved_by_human"
    HANDED_OVER_UNANSWERED = "handed_over_unanswered"
    ABANDONED = "abandoned"


class SentimentTrend(StrEnum):
    IMPROVING = "improving"
    STEADY = "steady"
    WORSENING = "worsening"


class NextAction(StrEnum):
    REPLY = "reply"
    HAND_OVER = "hand_over"
    CLOSE = "close"


class ConversationEnriched(ConversationEvent):
    """A snapshot of the conversation card after it changed (topic `conversations.enriched`).

    `revision` grows with every change of the card: keep the snapshot with the highest one.
    """

    topic: ClassVar[str] = topics.CONVERSATIONS_ENRICHED
    event_type: Literal["conversation.enriched"] = "conversation.enriched"
    revision: int
    status: ConversationStatus
    outcome: ConversationOutcome | None = None
    latest_intent: str | None = None
    latest_sentiment: str | None = None
    sentiment_trend: SentimentTrend = SentimentTrend.STEADY
    summary: str = ""
    next_action: NextAction | None = None
    open_order_numbers: list[str] = Field(default_factory=list)
    reopens: int = 0
    customer_id: int | None = None  # the linked WooCommerce customer, if any


class ConversationClosed(ConversationEvent):
    """The idle sweep closed a conversation (topic `conversations.enriched`).

    `occurred_at` is the moment it became idle: its last activity plus the idle timeout.
    """

    topic: ClassVar[str] = topics.CONVERSATIONS_ENRICHED
    event_type: Literal["conversation.closed"] = "conversation.closed"
    outcome: ConversationOutcome
    opened_at: datetime | None = None
    last_activity_at: datetime
    reopens: int = 0
    # The customer's first session in the store (no earlier close); None: not known (older
    # events). Counts new against returning conversations (docs/kpis.md).
    first_session: bool | None = None
    closed_by: str | None = None  # the agent who closed it; None: the idle sweep
    # For a bot resolution: the customer's last word thanked the bot after its answer (a
    # confirmed resolution) rather than just leaving (an assumed one). docs/kpis.md, Outcomes.
    confirmed: bool = False


class ConversationReopened(ConversationEvent):
    """The customer wrote again within the reopen window of a bot resolution: it did not hold.

    `occurred_at` is the customer's new message; `closed_at` the resolution it reopens.
    """

    topic: ClassVar[str] = topics.CONVERSATIONS_ENRICHED
    event_type: Literal["conversation.reopened"] = "conversation.reopened"
    previous_outcome: ConversationOutcome
    closed_at: datetime
    message_sid: str


class CsatSurveyDue(ConversationEvent):
    """A session is done and its customer wrote less than 23 hours ago: ask for a rating
    (topic `conversations.csat`; the enricher's sweep publishes it once per session, the
    responder sends the survey if the store enabled CSAT and the window is still open).

    `session_opened_at` names the session; `last_customer_message_at` dates the window."""

    topic: ClassVar[str] = topics.CONVERSATIONS_CSAT
    event_type: Literal["csat.survey_due"] = "csat.survey_due"
    session_opened_at: datetime
    last_customer_message_at: datetime
    customer_number: str
    reason: Literal["idle", "closed"]


class CsatSurveySent(ConversationEvent):
    """The responder finished with a survey (topic `conversations.csat`): `sent` false when
    it could not go out; `occurred_at` is when it went out (or failed)."""

    topic: ClassVar[str] = topics.CONVERSATIONS_CSAT
    event_type: Literal["csat.survey_sent"] = "csat.survey_sent"
    survey_id: str
    session_opened_at: datetime
    sent: bool
    not_sent_reason: str | None = None


class CsatRecorded(ConversationEvent):
    """The customer answered a survey with a rating (topic `conversations.csat`);
    `occurred_at` is the customer's answer."""

    topic: ClassVar[str] = topics.CONVERSATIONS_CSAT
    event_type: Literal["csat.recorded"] = "csat.recorded"
    survey_id: str
    session_opened_at: datetime
    rating: int = Field(ge=1, le=5)
    message_sid: str


def _as_utc(moment: datetime) -> datetime:
    """WooCommerce's `*_gmt` times come without an offset: they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
DecimalString = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$")]
"""An amount exactly as WooCommerce writes it ("125000.00"): read it with `decimal.Decimal`.

Not minor units, because WooCommerce's number of decimals is a store setting that need not match
the currency's (IDR shops often use 0, some 2), so the string is the only lossless form."""

WooCommerceChange = Literal["created", "updated", "deleted", "restored"]


class WooCommerceEvent(Event):
    """A snapshot of one WooCommerce resource as a webhook delivered it (keyed by store).

    `modified_at` is the resource's `date_modified_gmt`; on a deletion, which carries only the
    id, it is the modified time of the last snapshot ingest held (None if it held none), so a
    deletion never wins over a later restore when a topic is replayed. `change` is the webhook's
    event; `deleted` is true for `*.deleted`, and then only the id is known.
    """

    change: WooCommerceChange
    deleted: bool = False
    modified_at: UtcDateTime | None = None


class OrderLineItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: int | None = None
    name: str = ""
    quantity: int = 0
    total: DecimalString = "0"


class OrderChanged(WooCommerceEvent):
    """An order's state (topic `woocommerce.orders`): created, paid, refunded, cancelled, ...

    `total` is a decimal string in `currency` (see `DecimalString`); `customer_id` is None for a
    guest order (WooCommerce's 0).
    """

    topic: ClassVar[str] = topics.WOOCOMMERCE_ORDERS
    event_type: Literal["order.changed"] = "order.changed"
    order_id: int
    number: str | None = None
    status: str | None = None
    currency: str | None = None
    total: DecimalString | None = None
    customer_id: int | None = None
    billing_phone: str | None = None
    first_name: str | None = None  # the billing first name
    created_at: UtcDateTime | None = None
    paid_at: UtcDateTime | None = None
    line_items: list[OrderLineItem] = Field(default_factory=list)
    # from the store's shipment-tracking data in the order's meta, when it carries one
    tracking_number: str | None = None
    courier: str | None = None


class CustomerChanged(WooCommerceEvent):
    """A registered customer's state (topic `woocommerce.customers`)."""

    topic: ClassVar[str] = topics.WOOCOMMERCE_CUSTOMERS
    event_type: Literal["customer.changed"] = "customer.changed"
    customer_id: int
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    billing_phone: str | None = None


class ProductCategory(BaseModel):
    """A category a product is in, as WooCommerce names it (broadcast segments pick by it)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: int | None = None
    name: str = ""
    slug: str = ""


class ProductChanged(WooCommerceEvent):
    """A product's state (topic `woocommerce.products`); prices are decimal strings or None."""

    topic: ClassVar[str] = topics.WOOCOMMERCE_PRODUCTS
    event_type: Literal["product.changed"] = "product.changed"
    product_id: int
    name: str | None = None
    sku: str | None = None
    permalink: str | None = None
    status: str | None = None  # WooCommerce's: only "publish" is shown to customers
    catalog_visibility: str | None = None
    image_url: str | None = None  # the product's main image
    price: DecimalString | None = None
    regular_price: DecimalString | None = None
    sale_price: DecimalString | None = None
    stock_status: str | None = None
    stock_quantity: int | None = None
    categories: list[ProductCategory] = Field(default_factory=list)


def woocommerce_event_id(
    store_id: str, resource: str, resource_id: int, modified_at: datetime | None, deleted: bool
) -> str:
    """The same snapshot (store, resource, id, modified time) is the same event, whichever
    delivery brought it: WooCommerce's delivery id changes on every delivery."""
    moment = modified_at.astimezone(UTC).isoformat() if modified_at else "-"
    kind = "deleted" if deleted else "snapshot"
    return event_id_for("woocommerce", store_id, resource, str(resource_id), moment, kind)


KnowledgeAction = Literal["upload", "delete"]


class KnowledgeDocumentChanged(Event):
    """An admin uploaded (or replaced) a knowledge document, or deleted it (topic
    `knowledge.documents`, keyed by store). `version` is the uploaded version; for a deletion,
    the newest version at the time. The enricher processes uploads and removes deleted ones."""

    topic: ClassVar[str] = topics.KNOWLEDGE_DOCUMENTS
    event_type: Literal["knowledge.document_changed"] = "knowledge.document_changed"
    document_id: str
    version: int
    action: KnowledgeAction


def knowledge_event_id(document_id: str, version: int, action: KnowledgeAction) -> str:
    """One upload of one version, or one deletion, is one event however often it is published."""
    return event_id_for(topics.KNOWLEDGE_DOCUMENTS, document_id, str(version), action)


AgentCommand = Literal["reply", "take_over", "hand_back", "close", "reopen", "assign", "note"]


class AgentCommandIssued(ConversationEvent, OnChannel):
    """An agent told the pipeline to act on a conversation (topic `agent.commands`, keyed by
    conversation), issued by the console (docs/conversations.md#agent-commands).

    `command_id` is made by the console (uuid4 hex); `event_id` derives from it, so every
    consumer applies a command once. `text` is a reply's or a note's; `template_sid` and
    `template_variables` name an approved template (a reply outside the 24-hour window): a
    Twilio Content SID, or on the Cloud API the template's `name:language`;
    `assignee_id` is an assign's (None unassigns). `sent_as` is the channel's id of a reply an
    agent already sent outside Balas (in Meta's own inbox app, seen as an echo by ingest): it is
    recorded as sent, never sent again."""

    topic: ClassVar[str] = topics.AGENT_COMMANDS
    event_type: Literal["agent.command"] = "agent.command"
    command_id: str
    agent_id: str
    command: AgentCommand
    text: str | None = None
    template_sid: str | None = None
    template_variables: dict[str, str] = Field(default_factory=dict)
    assignee_id: str | None = None
    sent_as: str | None = None


def agent_command_event_id(command_id: str) -> str:
    return event_id_for(topics.AGENT_COMMANDS, command_id)


class CustomerErased(Event):
    """A customer's personal data was erased (topic `customers.erased`, keyed by store). It
    names the customer by their keyed hash only, never the number; `requested_by` is `cli` or a
    console user's id. The erasure ledger (shared/privacy/ledger.py) keeps the same record."""

    topic: ClassVar[str] = topics.CUSTOMERS_ERASED
    event_type: Literal["customer.erased"] = "customer.erased"
    customer_hash: str
    requested_by: str
    removed: dict[str, int] = Field(default_factory=dict)  # collection -> documents


def customer_erased_event_id(store_id: str, customer_hash: str, erased_at: datetime) -> str:
    return event_id_for(topics.CUSTOMERS_ERASED, store_id, customer_hash, erased_at.isoformat())


class StoreDeleted(Event):
    """A store and all its data were deleted (topic `stores.deleted`, keyed by store):
    services drop what they keep of it in memory. `requested_by` is `cli` or a console user's
    id; `removed` counts documents per collection, as the deletion record keeps them."""

    topic: ClassVar[str] = topics.STORES_DELETED
    event_type: Literal["store.deleted"] = "store.deleted"
    requested_by: str
    removed: dict[str, int] = Field(default_factory=dict)  # collection -> documents


def store_deleted_event_id(deletion_id: str) -> str:
    return event_id_for(topics.STORES_DELETED, deletion_id)


EVENT_TYPES: dict[str, tuple[type[Event], ...]] = {
    topics.WHATSAPP_INBOUND: (MessageReceived,),
    topics.WHATSAPP_STATUS: (DeliveryStatusChanged,),
    topics.MESSAGES_OUTBOUND: (ReplySent, NotificationSent),
    topics.CONVERSATIONS_ENRICHED: (ConversationEnriched, ConversationClosed, ConversationReopened),
    topics.WOOCOMMERCE_ORDERS: (OrderChanged,),
    topics.WOOCOMMERCE_CUSTOMERS: (CustomerChanged,),
    topics.WOOCOMMERCE_PRODUCTS: (ProductChanged,),
    topics.KNOWLEDGE_DOCUMENTS: (KnowledgeDocumentChanged,),
    topics.AGENT_COMMANDS: (AgentCommandIssued,),
    topics.CONVERSATIONS_CSAT: (CsatSurveyDue, CsatSurveySent, CsatRecorded),
    topics.CUSTOMERS_ERASED: (CustomerErased,),
    topics.STORES_DELETED: (StoreDeleted,),
}
"""The event models each topic carries; on a topic with several, `event_type` tells them apart."""


def decode_event(topic: str, raw: bytes | str) -> Event:
    """The event of a record of `topic`; a ValueError (ValidationError is one) if it is none."""
    models = EVENT_TYPES.get(topic)
    if not models:
        raise KeyError(topic)
    if len(models) == 1:
        return models[0].model_validate_json(raw)
    fields = json.loads(raw or b"{}")
    kind = fields.get("event_type") if isinstance(fields, dict) else None
    for model in models:
        if model.model_fields["event_type"].default == kind:
            return model.model_validate(fields)
    raise ValueError(f"unknown event_type {kind!r} on topic {topic}")

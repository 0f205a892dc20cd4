"""enricher: keeps conversation cards, labels customer messages (intent, sentiment, ...),
closes idle conversations (the sweep runs next to the consumer; docs/conversations.md) and
caches WooCommerce orders, customers and products (docs/woocommerce.md), and turns knowledge
documents into the chunks that answer customers (docs/knowledge.md)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial

from services.enricher.agent_sessions import on_agent_command
from services.enricher.classification import build_classifier
from services.enricher.classification.offline import shared_model
from services.enricher.commerce import on_customer_changed, on_order_changed, on_product_changed
from services.enricher.conversation import LifecyclePolicy
from services.enricher.handlers import GROUP, on_card_events
from services.enricher.knowledge import on_knowledge_document_changed
from services.enricher.lifecycle import run_sweeps
from services.enricher.reconcile import run_reconciliation
from services.enricher.summary import build_summariser
from services.enricher.vectors import keep_vectors_filled
from shared import journal, topics
from shared.consumer import KeyedConsumer
from shared.conversations.collections import CONVERSATION_EVENTS, CONVERSATIONS, MESSAGES
from shared.knowledge.embeddings import embedder_from
from shared.knowledge.extraction import Limits
from shared.privacy.erasure import erase_again
from shared.runtime import Consumer, Runtime, Warmer, run_worker
from shared.secrets import secret_box
from shared.settings import Settings
from shared.woocommerce.collections import WOOCOMMERCE_CUSTOMERS, WOOCOMMERCE_ORDERS

# What the enricher writes about a customer, erased again when an erasure is announced (it
# keeps nothing about a customer in memory).
WRITES = (
    MESSAGES,
    CONVERSATIONS,
    CONVERSATION_EVENTS,
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_ORDERS,
    journal.JOURNAL,
)
# Built at start: the offline classifier's model (also the LLM engine's fallback), which
# build_classifier then finds loaded.
WARMERS: tuple[Warmer, ...] = (shared_model,)


def lifecycle_policy(settings: Settings) -> LifecyclePolicy:
    return LifecyclePolicy(
        idle=timedelta(hours=settings.conversations.idle_hours),
        reopen_window=timedelta(hours=settings.conversations.reopen_hours),
        csat_ask_after=timedelta(minutes=settings.conversations.csat_ask_after_idle_minutes),
    )


@asynccontextmanager
async def consumers(runtime: Runtime) -> AsyncIterator[Sequence[Consumer]]:
    settings, db, broker = runtime.settings, runtime.db, runtime.broker
    classifier = await build_classifier(settings)
    policy = lifecycle_policy(settings)
    summariser = build_summariser(settings)
    embedder = embedder_from(settings)
    routes = {
        topics.AGENT_COMMANDS: partial(on_agent_command, db=db, broker=broker),
        topics.WOOCOMMERCE_ORDERS: partial(on_order_changed, db=db, broker=broker),
        topics.WOOCOMMERCE_CUSTOMERS: partial(on_customer_changed, db=db, broker=broker),
        topics.WOOCOMMERCE_PRODUCTS: partial(on_product_changed, db=db),
        topics.CUSTOMERS_ERASED: partial(erase_again, db=db, group=GROUP, collections=WRITES),
        topics.KNOWLEDGE_DOCUMENTS: partial(
            on_knowledge_document_changed,
            db=db,
            embedder=embedder,
            limits=Limits(max_bytes=settings.limits.knowledge_max_upload_bytes),
        ),
    }
    sweeps = asyncio.create_task(
        run_sweeps(
            db, broker, policy, settings.conversations.sweep_seconds, settings.retention.days
        ),
        name=f"{GROUP}-sweep",
    )
    reconciliation = asyncio.create_task(  # catches lost WooCommerce webhooks
        run_reconciliation(db, broker, secret_box(settings), settings),
        name=f"{GROUP}-woocommerce-reconciliation",
    )
    tasks = [sweeps, reconciliation]
    if embedder is not None:  # vectors the endpoint could not give when a document was indexed
        tasks.append(
            asyncio.create_task(keep_vectors_filled(db, embedder), name=f"{GROUP}-vectors")
        )
    try:
        # Messages and replies of one poll make one batch: one transaction, bulk writes.
        card_events = partial(
            on_card_events,
            db=db,
            classifier=classifier,
            broker=broker,
            summariser=summariser,
            policy=policy,
        )
        yield [
            KeyedConsumer(
                routes=routes,
                batch_topics=[topics.WHATSAPP_INBOUND, topics.MESSAGES_OUTBOUND],
                batch_handler=card_events,
                **runtime.consumer_options(GROUP, batches=True),
            )
        ]
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def main(port: int | None = None) -> None:
    settings = Settings()
    port = port or settings.metrics.enricher_port
    await run_worker(settings, GROUP, consumers, port, warmers=WARMERS)

"""enricher: keeps conversation cards and labels customer messages (intent, sentiment, ...)."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial

from services.enricher.classification import build_classifier
from services.enricher.handlers import GROUP, on_message_received, on_reply_sent
from shared import topics
from shared.consumer import KeyedConsumer
from shared.runtime import Consumer, Runtime, run_worker

METRICS_PORT = 9102


@asynccontextmanager
async def consumers(runtime: Runtime) -> AsyncIterator[Sequence[Consumer]]:
    classifier = await build_classifier(runtime.settings)
    routes = {
        topics.WHATSAPP_INBOUND: partial(on_message_received, db=runtime.db, classifier=classifier),
        topics.MESSAGES_OUTBOUND: partial(on_reply_sent, db=runtime.db),
    }
    yield [KeyedConsumer(routes=routes, **runtime.consumer_options(GROUP))]


async def main(port: int | None = None) -> None:
    await run_worker(GROUP, consumers, port or METRICS_PORT)

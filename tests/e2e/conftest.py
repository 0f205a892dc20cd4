"""The whole system as separate processes on real Kafka and MongoDB, with Twilio and OpenAI
stand-ins on loopback. Tests talk to it over HTTP, like Twilio does."""

from tests.support.system_fixtures import (
    graph_api,
    openai_api,
    services_back,
    store,
    system,
    system_database,
    system_db,
    twilio_api,
    webhooks,
)

__all__ = [
    "graph_api",
    "openai_api",
    "services_back",
    "store",
    "system",
    "system_database",
    "system_db",
    "twilio_api",
    "webhooks",
]

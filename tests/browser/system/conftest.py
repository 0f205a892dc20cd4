"""The console in Chromium against the running system (every service a process, the Twilio and
OpenAI stand-ins on loopback); `browser` and `page` come from tests/browser/conftest.py."""

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

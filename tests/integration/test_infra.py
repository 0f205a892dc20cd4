import pytest
from aiokafka.admin import AIOKafkaAdminClient

from shared import kafka, mongo, topics
from shared.collections import SHARED_INDEXES
from shared.conversations.collections import MESSAGES
from shared.mongo import Database
from shared.settings import Settings

pytestmark = pytest.mark.slow


async def test_topics_and_dead_letter_twins_are_created_with_the_configured_partitions(
    settings: Settings,
) -> None:
    await kafka.ensure_topics(settings)
    await kafka.ensure_topics(settings)  # a second start changes nothing

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        described = await admin.describe_topics([topics.WHATSAPP_INBOUND])
    finally:
        await admin.close()
    assert set(topics.with_dead_letters()) <= existing
    assert len(described[0]["partitions"]) >= 1


async def test_messages_expire_after_the_retention_period(db: Database, settings: Settings) -> None:
    indexes = await db[MESSAGES].index_information()

    retention = indexes["message_retention"]
    assert retention["expireAfterSeconds"] == settings.retention.days * 24 * 3600
    assert settings.retention.days == 183


async def test_a_changed_retention_is_applied_to_the_existing_ttl_indexes(
    db: Database, settings: Settings
) -> None:
    shorter = settings.updated(retention={"days": 30})

    await mongo.ensure_indexes(db, shorter, SHARED_INDEXES)

    indexes = await db[MESSAGES].index_information()
    assert indexes["message_retention"]["expireAfterSeconds"] == 30 * 24 * 3600

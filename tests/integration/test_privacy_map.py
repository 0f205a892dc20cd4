"""The personal-data map (shared/privacy/data_map.py) against the code: the real indexes of
every collection and every field of every event model."""

import typing

from pydantic import BaseModel

from shared import topics
from shared.events import EVENT_TYPES, ConversationEvent
from shared.mongo import Database, Retention
from shared.privacy.data_map import (
    BY_COLLECTION,
    BY_TOPIC,
    COLLECTIONS,
    NOT_PERSONAL_EVENT_FIELDS,
    Erasure,
)
from tests.support.databases import EVERY_INDEX_PLAN


async def ttl_fields(db: Database) -> dict[str, set[str]]:
    """Per collection of the database, the fields its TTL indexes expire on."""
    found: dict[str, set[str]] = {}
    for name in await db.list_collection_names():
        for index in (await db[name].index_information()).values():
            if "expireAfterSeconds" in index:
                found.setdefault(name, set()).update(field for field, _ in index["key"])
    return found


def field_names(model: type[BaseModel]) -> set[str]:
    """Every field of `model` and of the models nested in it."""
    names = set()
    for name, field in model.model_fields.items():
        names.add(name)
        for nested in _types_in(field.annotation):
            if isinstance(nested, type) and issubclass(nested, BaseModel):
                names |= field_names(nested)
    return names


def _types_in(annotation: object) -> typing.Iterator[object]:
    yield annotation
    for argument in typing.get_args(annotation):
        yield from _types_in(argument)


async def test_every_collection_with_an_index_is_in_the_map(db: Database) -> None:
    declared = {name for plan in EVERY_INDEX_PLAN for name in plan(Retention(1))}
    existing = set(await db.list_collection_names())

    assert (declared | existing) - set(BY_COLLECTION) == set()


async def test_each_collection_expires_on_the_field_the_map_names(db: Database) -> None:
    expiring = await ttl_fields(db)

    for holding in COLLECTIONS:
        assert expiring.get(holding.collection, set()) == (
            {holding.expiry} if holding.expiry else set()
        ), holding.collection


def test_personal_data_has_an_expiry_or_an_erasure_path() -> None:
    for holding in COLLECTIONS:
        if holding.personal:
            assert holding.expiry or holding.erasure, holding.collection
        if holding.erasure in (Erasure.DELETE, Erasure.PSEUDONYMISE):
            assert holding.finder is not None, holding.collection


def test_every_event_field_is_mapped_as_personal_or_not() -> None:
    assert set(BY_TOPIC) == set(topics.ALL)
    for topic, models in EVENT_TYPES.items():
        unmapped = {
            (model.__name__, name)
            for model in models
            for name in field_names(model) - NOT_PERSONAL_EVENT_FIELDS - BY_TOPIC[topic].fields
        }
        assert unmapped == set(), topic


def test_the_map_knows_how_each_topics_events_are_keyed() -> None:
    """Stored events are erased by their conversation's key, or read one by one when keyed
    by store: the map's word must match the models'."""
    for topic, models in EVENT_TYPES.items():
        by_conversation = {issubclass(model, ConversationEvent) for model in models}
        assert by_conversation == {BY_TOPIC[topic].keyed_by_conversation}, topic

"""Deleting a store against the WooCommerce and Twilio stand-ins and the real MongoDB: its
webhooks and its number's URLs go, every document and file of it goes, another store with the
very same customers keeps everything, a record with counts stays; a failing WooCommerce stops
the deletion before anything local is deleted; a deletion cut short finishes when run again."""

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from faststream.kafka import KafkaBroker
from pymongo import MongoClient
from typer.testing import CliRunner

from balas.cli import app
from services.console.auth.users import Role, UserDirectory
from services.responder.deps import build_deps
from services.responder.handlers import on_store_deleted
from shared import topics
from shared.conversations.collections import MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.events import StoreDeleted
from shared.leases import LeaseHeld, holding
from shared.mongo import Database
from shared.privacy.collections import STORE_DELETIONS
from shared.privacy.data_map import COLLECTIONS
from shared.privacy.store_deletion import (
    DeletionRequest,
    DeletionStopped,
    NumberNotBought,
    delete_store,
)
from shared.privacy.store_map import StoreFinder
from shared.routes import TWILIO_MESSAGE_PATH
from shared.runtime import Runtime
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import Store
from shared.stores.fields import Onboarding
from shared.stores.onboarding import StoreNotFound, StoreOnboarding
from tests.standins.twilio_api import TwilioStandIn
from tests.standins.woocommerce_api import WooCommerceStandIn
from tests.support import events
from tests.support.kafka import records_mentioning
from tests.support.store_data import PASSWORD, fill_store

pytestmark = pytest.mark.slow

PUBLIC_URL = "https://balas.example"
TWILIO_TOKEN = "global-twilio-token-" + "g" * 12
CONSUMER_KEY = "ck_" + "a1" * 20
CONSUMER_SECRET = "cs_" + "b2" * 20
CUSTOMERS = ["+6281234500001", "+6281234500002"]  # both stores' customers
# Where a store's documents name it (the accounts' sessions and the files' chunks do not).
UNSEEDED = (StoreFinder.NOT_PER_STORE, StoreFinder.WITH_FILES, StoreFinder.WITH_ACCOUNTS)
SEEDED = {place.collection for place in COLLECTIONS if place.store_finder not in UNSEEDED}


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    stand_in = TwilioStandIn(auth_token=TWILIO_TOKEN, status_callbacks=()).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def shop() -> Iterator[WooCommerceStandIn]:
    stand_in = WooCommerceStandIn(CONSUMER_KEY, CONSUMER_SECRET).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def settings(settings: Settings, twilio: TwilioStandIn) -> Settings:
    return settings.updated(
        ingest={"public_base_url": PUBLIC_URL},
        twilio={
            "account_sid": twilio.account_sid,
            "auth_token": TWILIO_TOKEN,
            "api_base_url": twilio.url,
        },
    )


async def onboarded(
    db: Database, settings: Settings, twilio: TwilioStandIn, shop: WooCommerceStandIn, name: str
) -> Store:
    """A store onboarded for real: its webhooks at the shop, its number wired at Twilio."""
    number = f"+1415{uuid.uuid4().int % 10**7:07d}"
    twilio.own_number(number)
    request = Onboarding.model_validate(
        {
            "id": f"{name}-{uuid.uuid4().hex[:6]}",
            "name": name,
            "whatsapp_number": number,
            "woocommerce": {
                "url": shop.url,
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
            },
        }
    )
    outcome = await StoreOnboarding(settings, db, secret_box(settings)).onboard(request)
    return outcome.store


async def traces(db: Database, mark: str) -> dict[str, int]:
    """Per collection, how many documents mention `mark` anywhere (ids, fields, keys, bytes);
    the deletion records left out."""
    found: dict[str, int] = {}
    for name in await db.list_collection_names():
        if name == STORE_DELETIONS:
            continue
        async for document in db[name].find():
            if mark in repr(document):
                found[name] = found.get(name, 0) + 1
    return found


async def delete(
    db: Database, settings: Settings, broker: KafkaBroker, store: Store, **options: bool
) -> dict[str, int]:
    request = DeletionRequest(store.id, "test", **options)
    record = await delete_store(settings, db, secret_box(settings), broker, request)
    return {item.collection: item.documents for item in record.removed}


@pytest.fixture
async def two_stores(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
) -> tuple[Store, Store]:
    """Two stores with the same customers and documents everywhere; a console user of both."""
    leaving = await onboarded(db, settings, twilio, shop, "toko-pergi")
    staying = await onboarded(db, settings, twilio, shop, "toko-tetap")
    for store in (leaving, staying):
        await fill_store(db, settings, broker, store, CUSTOMERS, f"staf@{store.id}.example")
    await UserDirectory(db).create(
        "both@example.id", "Both", PASSWORD, Role.OWNER, [leaving.id, staying.id]
    )
    return leaving, staying


async def test_a_deleted_store_leaves_nothing_and_the_other_store_keeps_everything(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
    two_stores: tuple[Store, Store],
) -> None:
    leaving, staying = two_stores
    held = await traces(db, leaving.id)
    kept = await traces(db, staying.id)
    assert set(held) == SEEDED  # every collection holding a store's documents has some
    sessions = await db["console_sessions"].count_documents({})

    removed = await delete(db, settings, broker, leaving)

    assert await traces(db, leaving.id) == {}
    assert await traces(db, staying.id) == kept
    assert {hook["delivery_url"] for hook in shop.webhooks.values()} == {
        f"{PUBLIC_URL}/webhooks/woocommerce/{staying.id}"
    }
    gone, wired = twilio.number(leaving.whatsapp_number), twilio.number(staying.whatsapp_number)
    assert gone is not None
    assert wired is not None
    assert (gone["sms_url"], gone["sms_fallback_url"], gone["status_callback"]) == ("", "", "")
    assert wired["sms_url"] == PUBLIC_URL + TWILIO_MESSAGE_PATH
    both = await db["console_users"].find_one({"email": "both@example.id"})
    assert both is not None
    assert both["store_ids"] == [staying.id]
    assert removed[MESSAGES] == len(CUSTOMERS)
    assert removed["knowledge_files.files"] == held["knowledge_files.files"]
    assert await db["knowledge_files.chunks"].count_documents({}) == 1  # the other store's file
    assert await db["console_sessions"].count_documents({}) == sessions - 1  # the leaving staff's
    record = await db[STORE_DELETIONS].find_one({"store_id": leaving.id})
    assert record is not None
    assert record["finished_at"] is not None
    assert [step["step"] for step in record["remote"]] == ["webhooks", "twilio"]
    assert not any(customer.lstrip("+") in repr(record) for customer in CUSTOMERS)
    announced = [
        StoreDeleted.model_validate_json(value)
        for value in await records_mentioning(settings, topics.STORES_DELETED, leaving.id)
    ]
    assert [(event.store_id, event.removed[MESSAGES]) for event in announced] == [
        (leaving.id, len(CUSTOMERS))
    ]


async def test_a_failing_woocommerce_stops_the_deletion_before_anything_is_deleted(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
    two_stores: tuple[Store, Store],
) -> None:
    leaving, _ = two_stores
    held = await traces(db, leaving.id)
    webhooks = dict(shop.webhooks)
    shop.fail_next(1, status=403)

    with pytest.raises(DeletionStopped) as stopped:
        await delete(db, settings, broker, leaving)

    assert stopped.value.step.step == "webhooks"
    assert "permission" in stopped.value.step.detail
    assert await traces(db, leaving.id) == held
    assert shop.webhooks == webhooks
    wired = twilio.number(leaving.whatsapp_number)
    assert wired is not None
    assert wired["sms_url"] == PUBLIC_URL + TWILIO_MESSAGE_PATH
    assert await db[STORE_DELETIONS].count_documents({}) == 0


async def test_skipping_the_remote_steps_deletes_locally_and_leaves_woocommerce_as_it_is(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    shop: WooCommerceStandIn,
    two_stores: tuple[Store, Store],
) -> None:
    leaving, _ = two_stores
    webhooks = dict(shop.webhooks)
    shop.fail_next(10, status=403)

    await delete(db, settings, broker, leaving, skip_remote=True)

    assert await traces(db, leaving.id) == {}
    assert shop.webhooks == webhooks
    record = await db[STORE_DELETIONS].find_one({"store_id": leaving.id})
    assert record is not None
    assert (record["remote_skipped"], record["remote"]) == (True, [])


async def test_a_deletion_cut_short_finishes_when_run_again_and_counts_everything_once(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    shop: WooCommerceStandIn,
    two_stores: tuple[Store, Store],
) -> None:
    leaving, staying = two_stores
    kept = await traces(db, staying.id)

    def crash_after_knowledge(collection: str, count: int) -> None:
        if collection == "knowledge_chunks":
            raise RuntimeError("the process died here")

    request = DeletionRequest(leaving.id, "test")
    with pytest.raises(RuntimeError):
        await delete_store(
            settings, db, secret_box(settings), broker, request, progress=crash_after_knowledge
        )
    assert await db[STORES].find_one({"_id": leaving.id}) is not None
    writes = shop.webhook_writes

    removed = await delete(db, settings, broker, leaving)

    assert shop.webhook_writes == writes  # the webhooks went the first time
    assert await traces(db, leaving.id) == {}
    assert await traces(db, staying.id) == kept
    assert removed[MESSAGES] == len(CUSTOMERS)
    assert await db[STORE_DELETIONS].count_documents({"store_id": leaving.id}) == 1


async def test_a_second_deletion_of_the_same_store_waits_for_the_first(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    shop: WooCommerceStandIn,
    two_stores: tuple[Store, Store],
) -> None:
    leaving, _ = two_stores
    held = await traces(db, leaving.id)
    writes = shop.webhook_writes

    async with holding(db, f"store-deletion:{leaving.id}", "another-console", timedelta(1)):
        with pytest.raises(LeaseHeld):
            await delete(db, settings, broker, leaving)

    assert await traces(db, leaving.id) == held
    assert shop.webhook_writes == writes


async def test_a_bought_number_is_released_and_a_number_not_bought_is_not(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
) -> None:
    twilio.offer_numbers("US", "+14155550199")
    onboarding = StoreOnboarding(settings, db, secret_box(settings))
    bought = await onboarding.onboard(
        Onboarding.model_validate(
            {"id": "toko-beli", "name": "Toko Beli", "buy_number": {"country": "US"}}
        )
    )
    mine = await onboarded(db, settings, twilio, shop, "toko-punya")
    assert bought.store.number_bought
    assert not mine.number_bought

    with pytest.raises(NumberNotBought):
        await delete(db, settings, broker, mine, release_number=True)
    await delete(db, settings, broker, bought.store, release_number=True)

    assert twilio.number("+14155550199") is None
    assert twilio.number(mine.whatsapp_number) is not None
    assert await db[STORES].find_one({"_id": mine.id}) is not None


async def test_deleting_a_deleted_store_again_sweeps_what_was_written_since(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    two_stores: tuple[Store, Store],
) -> None:
    leaving, _ = two_stores
    await delete(db, settings, broker, leaving)
    late = events.received(CUSTOMERS[0], "pesan yang terlambat", store_id=leaving.id)
    await db[MESSAGES].insert_one(inbound_message_document(late))  # an event in flight

    removed = await delete(db, settings, broker, leaving)

    assert removed[MESSAGES] == 1
    assert await traces(db, leaving.id) == {}
    assert await db[STORE_DELETIONS].count_documents({"store_id": leaving.id}) == 2


async def test_an_unknown_store_is_refused(
    db: Database, settings: Settings, broker: KafkaBroker
) -> None:
    request = DeletionRequest("toko-tidak-ada", "test")

    with pytest.raises(StoreNotFound):
        await delete_store(settings, db, secret_box(settings), broker, request)


async def test_the_responder_forgets_a_deleted_store_it_had_cached(
    db: Database, settings: Settings, broker: KafkaBroker, two_stores: tuple[Store, Store]
) -> None:
    leaving, staying = two_stores
    deps = build_deps(Runtime(settings, db.client, db, broker))
    assert await deps.stores.by_id(leaving.id) is not None
    assert await deps.stores.by_id(staying.id) is not None
    await db[STORES].delete_one({"_id": leaving.id})
    assert await deps.stores.by_id(leaving.id) is not None  # the cached copy, for 30 s

    await on_store_deleted(events.store_deleted(leaving.id), deps)

    assert await deps.stores.by_id(leaving.id) is None
    assert await deps.stores.by_id(staying.id) is not None
    assert deps.twilio is not None
    deps.twilio.close()


def test_balas_store_delete_asks_stops_on_a_remote_failure_and_deletes_locally_when_told(
    settings: Settings, twilio: TwilioStandIn, shop: WooCommerceStandIn, store_id: str
) -> None:
    number = f"+1415{uuid.uuid4().int % 10**7:07d}"
    twilio.own_number(number)
    env = settings.as_environment()
    runner = CliRunner()
    onboard = ["store", "onboard", "--id", store_id, "--name", "Toko Budi", "--number", number]
    onboard += ["--woocommerce-url", shop.url]
    keys = {"STORE_WOOCOMMERCE_KEY": CONSUMER_KEY, "STORE_WOOCOMMERCE_SECRET": CONSUMER_SECRET}
    assert runner.invoke(app, onboard, env=env | keys).exit_code == 0
    command = ["store", "delete", "--store", store_id]
    webhooks = dict(shop.webhooks)
    shop.fail_next(2, status=403)

    kept = runner.invoke(app, [*command, "--yes"], env=env)  # no question: it stops
    deleted = runner.invoke(app, command, env=env, input="y\ny\n")  # sure; in Balas only

    assert kept.exit_code == 1, kept.output
    assert "✗ webhooks" in kept.output
    assert f"nothing of store {store_id} was deleted" in kept.output
    assert deleted.exit_code == 0, deleted.output
    assert "Delete it in Balas anyway" in deleted.output
    assert f"store {store_id} deleted" in deleted.output
    assert shop.webhooks == webhooks  # left as they were, as the admin chose
    with MongoClient(settings.mongodb.uri) as client:
        database = client[settings.mongodb.database]
        assert database[STORES].find_one({"_id": store_id}) is None
        record = database[STORE_DELETIONS].find_one({"store_id": store_id})
        assert record is not None
        assert record["remote_skipped"] is True


def test_balas_store_delete_says_an_unknown_store_before_asking(settings: Settings) -> None:
    unknown = f"no-such-{uuid.uuid4().hex[:8]}"

    said = CliRunner().invoke(
        app, ["store", "delete", "--store", unknown], env=settings.as_environment(), input="n\n"
    )

    assert said.exit_code == 1, said.output
    assert f"no store {unknown}" in said.output
    assert "cannot be undone" not in said.output

"""A store with documents in every collection that can hold a store's data, written by the
code that writes them in Balas where a test can call it, else in the shape that code writes:
what a store's deletion must remove, and must leave alone in another store."""

from datetime import UTC, datetime, timedelta

from faststream.kafka import KafkaBroker

from services.console.audit import Action, Actor, AuditLog
from services.console.auth.sessions import SessionStore
from services.console.auth.users import Role, UserDirectory
from services.console.conversations import mark_read
from services.ingest.outbox import Outbox
from services.ingest.snapshots import WooCommerceSnapshots
from services.kpi_aggregator.buckets import CustomerDay, CustomerHour
from services.kpi_aggregator.handlers import first_seen_id
from shared.actions.collections import ACTION_PROPOSALS, ORDER_ACTIONS
from shared.broadcasts import model as broadcasts
from shared.broadcasts.collections import BROADCAST_RECIPIENTS
from shared.consent import records as consent
from shared.conversations.collections import (
    CONVERSATION_EVENTS,
    CONVERSATIONS,
    CSAT_SURVEYS,
    MESSAGES,
)
from shared.conversations.messages import inbound_message_document
from shared.events import Event
from shared.identity import customer_hash
from shared.journal import JOURNAL
from shared.knowledge.collections import KNOWLEDGE_CHUNKS, KNOWLEDGE_GAPS
from shared.knowledge.library import Incoming, InMemory, KnowledgeLibrary
from shared.knowledge.models import bump_revision
from shared.kpis import facts
from shared.kpis.collections import (
    CONVERSATION_FACT_EVENTS,
    CONVERSATION_FACTS,
    KPI_CONVERSIONS,
    KPI_CUSTOMER_DAYS,
    KPI_CUSTOMER_HOURS,
    KPI_CUSTOMERS,
    KPI_DAILY,
    KPI_HOURLY,
    KPI_NOTIFICATIONS,
    KPI_ORDERS,
)
from shared.kpis.keys import bucket_id, day_id
from shared.mongo import Database, in_transaction
from shared.notifications import orders as order_notifications
from shared.privacy.ledger import record_erasure
from shared.settings import Settings
from shared.stores.bot_settings import BotSettings, BotSettingsRepository
from shared.stores.directory import Store
from shared.woocommerce.collections import (
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_PRODUCTS,
    WOOCOMMERCE_SYNC,
)
from tests.support import events

PASSWORD = "kata-sandi-yang-panjang-sekali-42"


async def fill_store(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    store: Store,
    customers: list[str],
    staff_email: str,
) -> None:
    """Documents of `store` everywhere, for each of `customers`; `staff_email` is a console user
    of this store alone."""
    now = datetime.now(UTC).replace(microsecond=0)
    hour = now.replace(minute=0, second=0)
    broadcast = await _broadcast(db, store)
    for customer in customers:
        message = events.received(customer, "Halo kak, pesanan saya?", store_id=store.id)
        closed = events.closed(message, now, "resolved_by_bot")
        conversation = message.conversation_id
        hashed = customer_hash(customer)
        await db[MESSAGES].insert_one(inbound_message_document(message))
        await db[CONVERSATIONS].insert_one(
            {"_id": conversation, "store_id": store.id, "last_activity_at": now}
        )
        await db[CONVERSATION_EVENTS].insert_one(
            {"store_id": store.id, "conversation_id": conversation, "recorded_at": now}
        )
        await db[CSAT_SURVEYS].insert_one(
            {"store_id": store.id, "conversation_id": conversation, "created_at": now}
        )
        await consent.record(
            db,
            consent.ConsentRecord(
                store_id=store.id,
                phone=customer,
                purpose=consent.Purpose.ORDER_UPDATES,
                state=consent.State.GRANTED,
                source=consent.Source.CHECKOUT,
                at=now,
                wording="Kirim kabar pesanan ke WhatsApp saya",
                key=f"checkout:{customer}",
            ),
        )
        await db[KNOWLEDGE_GAPS].insert_one(
            {"store_id": store.id, "conversation_id": conversation, "created_at": now}
        )
        await db[BROADCAST_RECIPIENTS].insert_one(  # as the responder's sweep makes them
            {
                "_id": f"{broadcast.id}:{customer}",
                "broadcast_id": broadcast.id,
                "store_id": store.id,
                "phone": customer,
                "conversation_id": conversation,
                "first_name": "Budi",
                "state": broadcasts.RecipientState.SENT.value,
                "created_at": now,
            }
        )
        await db[ACTION_PROPOSALS].insert_one(
            {"_id": conversation, "store_id": store.id, "created_at": now}
        )
        await db[ORDER_ACTIONS].insert_one(
            {
                "_id": f"{store.id}|{conversation}|5001|cancel|{message.message_sid}",
                "store_id": store.id,
                "conversation_id": conversation,
                "created_at": now,
            }
        )
        await db[CONVERSATION_FACTS].insert_one(
            {
                "_id": facts.row_id(conversation, now),
                "store_id": store.id,
                "conversation_id": conversation,
                "customer_hash": hashed,
                "closed_at": now,
            }
        )
        for event in (message, closed):
            stamp = facts.stamp(event)
            assert stamp is not None
            await db[CONVERSATION_FACT_EVENTS].insert_one({**stamp, "recorded_at": now})
            await db[JOURNAL].insert_one(_journaled(event))
        claimed = {"claimed_at": now}
        hour_claim = CustomerHour(store.id, hour, hashed).id
        await db[KPI_CUSTOMER_HOURS].insert_one({"_id": hour_claim, **claimed})
        day_claim = CustomerDay(store.id, hour.date(), hashed).id
        await db[KPI_CUSTOMER_DAYS].insert_one({"_id": day_claim, **claimed})
        await db[KPI_CUSTOMERS].insert_one(
            {"_id": first_seen_id(store.id, hashed), "store_id": store.id, "first_at": now}
        )
        await db[KPI_CONVERSIONS].insert_one({"_id": hour_claim, **claimed})
        await Outbox(db).store(message, attempt_running=False)
        await record_erasure(db, store.id, hashed, "test", {MESSAGES: 0})
    await _woocommerce(db, store, customers[0], now)
    await db[KPI_HOURLY].insert_one({"_id": bucket_id(store.id, hour), "store_id": store.id})
    await db[KPI_DAILY].insert_one({"_id": day_id(store.id, hour.date()), "store_id": store.id})
    await _knowledge(db, settings, broker, store)
    await BotSettingsRepository(db).save(store.id, BotSettings(persona="Ramah sekali."), 0)
    await db["reply_library"].insert_one({"_id": store.id, "replies": []})
    await order_notifications.save(db, order_notifications.OrderNotifications(store_id=store.id))
    user = await UserDirectory(db).create(staff_email, "Staf", PASSWORD, Role.OWNER, [store.id])
    await SessionStore(db, settings).start(user.id)
    await mark_read(
        db, user.id, events.received(customers[0], store_id=store.id).conversation_id, now
    )
    await AuditLog(db).record(store.id, Actor(user.id, staff_email), Action.MEMBER_ADDED, "x")
    await db["console_invites"].insert_one(
        {"_id": f"invite-{store.id}", "store_id": store.id, "expires_at": now + timedelta(1)}
    )


async def _broadcast(db: Database, store: Store) -> broadcasts.Broadcast:
    """A broadcast of the store, with its sending limits."""
    await broadcasts.save_limits(db, store.id, broadcasts.Limits(daily_customers=1000))
    plan = broadcasts.BroadcastPlan(
        name="Promo akhir tahun",
        template=broadcasts.BroadcastTemplate(template="promo_akhir_tahun:id"),
        segment=broadcasts.Segment(wrote_within_days=30),
    )
    return await broadcasts.create(db, store.id, plan)


async def _woocommerce(db: Database, store: Store, customer: str, now: datetime) -> None:
    await db[WOOCOMMERCE_CUSTOMERS].insert_one(
        {
            "_id": f"{store.id}:7",
            "store_id": store.id,
            "woocommerce_id": 7,
            "billing_e164": customer,
        }
    )
    await db[WOOCOMMERCE_ORDERS].insert_one(
        {"_id": f"{store.id}:501", "store_id": store.id, "billing_e164": customer}
    )
    await db[WOOCOMMERCE_PRODUCTS].insert_one({"_id": f"{store.id}:101", "store_id": store.id})
    await WooCommerceSnapshots(db).claim(store.id, "order", 501, now)
    await db[WOOCOMMERCE_SYNC].insert_one({"_id": f"{store.id}:orders", "store_id": store.id})
    await db[KPI_ORDERS].insert_one(
        {"_id": f"{store.id}:501", "store_id": store.id, "customer_hash": customer_hash(customer)}
    )
    await db[KPI_NOTIFICATIONS].insert_one(
        {
            "_id": f"notification:{store.id}:501:completed",
            "store_id": store.id,
            "customer_hash": customer_hash(customer),
        }
    )


async def _knowledge(db: Database, settings: Settings, broker: KafkaBroker, store: Store) -> None:
    library = KnowledgeLibrary(db, broker, settings.limits.knowledge_max_upload_bytes)
    text = InMemory(b"Pengiriman ke seluruh Indonesia, 2-4 hari kerja.")
    (document,) = await library.add(store.id, [Incoming("pengiriman.txt", text)])
    await db[KNOWLEDGE_CHUNKS].insert_one(
        {"_id": f"{document.id}:1:0", "store_id": store.id, "document_id": document.id}
    )
    await in_transaction(db, lambda session: bump_revision(db, store.id, session))


def _journaled(event: Event) -> dict[str, object]:
    """A journal entry as shared/journal.py records one published record."""
    return {
        "topic": event.topic,
        "key": event.key(),
        "value": event.model_dump_json().encode(),
        "headers": [],
        "at": event.occurred_at,
    }

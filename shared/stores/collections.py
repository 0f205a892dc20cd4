"""The stores' collections and their indexes."""

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.mongo import Indexes, Retention

STORES = "stores"
BOT_SETTINGS = "bot_settings"  # per store, `version` grows on every save
BOT_SETTINGS_HISTORY = "bot_settings_history"  # every saved version, `_id` "store:version"


def indexes(retention: Retention) -> Indexes:
    return {
        STORES: [IndexModel("whatsapp_number", unique=True)],
        BOT_SETTINGS_HISTORY: [IndexModel([("store_id", ASCENDING), ("version", DESCENDING)])],
    }
